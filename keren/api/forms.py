"""The query strings of the directory API, checked for shape only (known places are the view's
business). Place, pillar and page take the very fields of the search form, so that both APIs
accept and refuse the same values with the same messages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from keren.models import Pillar
from keren.search.forms import SearchForm

MAX_PER_PAGE = 100
PER_PAGE = 20
PER_PAGE_KELURAHAN = 50     # all 46 kelurahan on one page


def _per_page_field():
    message = _l("Jumlah per halaman harus angka 1 sampai %(max)d.", max=MAX_PER_PAGE)
    return IntegerField(_l("Jumlah per halaman"), invalid_value_message=message,
                        validators=[Optional(), NumberRange(1, MAX_PER_PAGE, message=message)])


class PlaceListForm(FlaskForm):
    """`kecamatan`, `kelurahan` (slugs), `hal` (from 1) and `per_hal` (1 to 100)."""

    class Meta:
        csrf = False   # a GET form that changes nothing

    kecamatan = SearchForm.kecamatan
    kelurahan = SearchForm.kelurahan
    hal = SearchForm.hal
    per_hal = _per_page_field()

    error_messages = SearchForm.error_messages

    def page(self):
        return self.hal.data or 1

    def per_page(self, default):
        return self.per_hal.data or default

    def pillar(self):
        return None


class DirectoryForm(PlaceListForm):
    """The place filters, paging, and `pilar` (wisata, dagang, edukasi)."""

    pilar = SearchForm.pilar

    def pillar(self):
        return Pillar(self.pilar.data) if self.pilar.data else None

"""The search form: the query string of /cari and /api/v1/search, checked for shape only."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SearchField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from keren.models.offering import PILLAR_LABELS
from keren.search.query import MAX_PAGE, MAX_QUERY, PRICE_BUCKETS, SORTS, SearchParams

# More than any price on the site, small enough for every integer column and index field.
MAX_PRICE = 1_000_000_000
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"

SORT_LABELS = {"relevan": _l("Paling sesuai"), "terbaru": _l("Terbaru"),
               "termurah": _l("Harga terendah"), "termahal": _l("Harga tertinggi")}
PRICE_LABELS = {"gratis": _l("Gratis"), "di-bawah-25rb": _l("Di bawah Rp25.000"),
                "25rb-100rb": _l("Rp25.000 sampai Rp100.000"),
                "di-atas-100rb": _l("Di atas Rp100.000")}
KIND_LABELS = {"offering": _l("Penawaran"), "kampung": _l("Profil kampung")}


def _choices(labels):
    return [SelectChoice("", "")] + [SelectChoice(str(key), label) for key, label in labels.items()]


def _price_field(label):
    message = _l("Harga harus berupa angka 0 sampai 1.000.000.000.")
    return IntegerField(label, invalid_value_message=message,
                        validators=[Optional(), NumberRange(0, MAX_PRICE, message=message)])


class SearchForm(FlaskForm):
    """Every parameter is optional. A value of the wrong shape is an error on its field: the
    page drops it with a notice, the API answers 400. Known places are the view's business."""

    class Meta:
        csrf = False   # a GET form that changes nothing

    q = SearchField(_l("Kata kunci"), validators=[Length(
        max=MAX_QUERY, message=_l("Kata kunci terlalu panjang (paling banyak %(max)d karakter).",
                                  max=MAX_QUERY))])
    pilar = SelectField(_l("Pilar"), choices=_choices(PILLAR_LABELS), default="",
                        invalid_choice_message=_l("Pilar tidak dikenal."))
    kecamatan = StringField(_l("Kecamatan"), validators=[
        Optional(), Regexp(SLUG, message=_l("Kecamatan tidak dikenal."))])
    kelurahan = StringField(_l("Kelurahan"), validators=[
        Optional(), Regexp(SLUG, message=_l("Kelurahan tidak dikenal."))])
    harga = SelectField(_l("Kisaran harga"), choices=_choices(PRICE_LABELS), default="",
                        invalid_choice_message=_l("Kisaran harga tidak dikenal."))
    harga_min = _price_field(_l("Harga terendah"))
    harga_max = _price_field(_l("Harga tertinggi"))
    jenis = SelectField(_l("Jenis"), choices=_choices(KIND_LABELS), default="",
                        invalid_choice_message=_l("Jenis hasil tidak dikenal."))
    urut = SelectField(_l("Urutkan"), choices=_choices(SORT_LABELS)[1:], default="relevan",
                       invalid_choice_message=_l("Urutan tidak dikenal."))
    hal = IntegerField(_l("Halaman"), invalid_value_message=_l("Nomor halaman tidak ada."),
                       validators=[Optional(), NumberRange(1, MAX_PAGE,
                                                           message=_l("Nomor halaman tidak ada."))])
    # TODO(booking): show this filter on the page and pass it on once offerings can be booked.
    bisa_dipesan = BooleanField(_l("Bisa dipesan"))

    def validate_harga_max(self, field):
        if field.data is not None and self.harga_min.data is not None \
                and self.harga_min.data > field.data:
            raise ValidationError(_l("Harga tertinggi lebih kecil daripada harga terendah."))

    def error_messages(self):
        """The field errors, each message once, in field order."""
        return list(dict.fromkeys(str(e) for field in self for e in field.errors))

    def drop_invalid(self):
        """Reset every field with an error to its default (a long query is cut instead);
        returns the messages."""
        messages = self.error_messages()
        for field in self:
            if field.errors and field is not self.q:
                field.data = field.default
                field.raw_data = []
            field.errors = []
        return messages

    def params(self):
        """The SearchParams of the (valid or reset) fields."""
        low, high = self.harga_min.data, self.harga_max.data
        if self.harga.data:
            low, high = PRICE_BUCKETS[self.harga.data]
        return SearchParams(
            q=self.q.data or "", pillar=self.pilar.data or None,
            kecamatan=self.kecamatan.data or None, kelurahan=self.kelurahan.data or None,
            price_min=low, price_max=high, kind=self.jenis.data or None,
            sort=self.urut.data if self.urut.data in SORTS else "relevan",
            page=self.hal.data or 1)

    def values(self, **changes):
        """The query-string values of this search with `changes` applied (None removes a key):
        for facet, sort and page links."""
        current = {"q": self.q.data, "pilar": self.pilar.data, "kecamatan": self.kecamatan.data,
                   "kelurahan": self.kelurahan.data, "harga": self.harga.data,
                   "harga_min": self.harga_min.data, "harga_max": self.harga_max.data,
                   "jenis": self.jenis.data, "urut": self.urut.data, "hal": self.hal.data}
        if current["urut"] == "relevan":
            current["urut"] = None
        current.update(changes)
        return {k: v for k, v in current.items() if v not in (None, "")}

"""The dashboard's filter: a place (the city, a kecamatan or a kelurahan) and a period of
months. A GET form, so no CSRF token."""
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Optional, ValidationError

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value):
    """'2026-11' -> date(2026, 11, 1); None for anything else."""
    match = MONTH.match(value or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def _month(form, field):
    if field.data and parse_month(field.data) is None:
        raise ValidationError(_l("Tulis bulan seperti 2026-11 (tahun-bulan)."))


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    wilayah = SelectField(_l("Wilayah"), choices=[], validate_choice=False,
                          validators=[Optional()])
    dari = StringField(_l("Dari bulan"), validators=[Optional(), _month],
                       render_kw={"type": "month", "placeholder": "2026-01"})
    sampai = StringField(_l("Sampai bulan"), validators=[Optional(), _month],
                         render_kw={"type": "month", "placeholder": "2026-12"})

    def validate_sampai(self, field):
        first, last = parse_month(self.dari.data), parse_month(field.data)
        if first and last and first > last:
            raise ValidationError(_l("Bulan akhir tidak boleh sebelum bulan awal."))

    def months(self):
        return parse_month(self.dari.data), parse_month(self.sampai.data)

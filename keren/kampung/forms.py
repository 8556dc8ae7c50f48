"""The public report form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from keren.models.report import REPORT_CATEGORIES


class ReportForm(FlaskForm):
    category = RadioField(_l("Apa masalahnya?"), choices=[SelectChoice(k, v) for k, v in REPORT_CATEGORIES.items()],
                          validators=[DataRequired(_l("Pilih jenis laporan."))])
    message = TextAreaField(_l("Ceritakan singkat (tidak wajib)"),
                            validators=[Length(max=2000, message=_l("Maksimal 2000 karakter."))])

"""City admin forms: shape only; the services check the truth."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

# Dates outside this range are typing mistakes, and far-off years overflow datetime arithmetic.
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2100, 12, 31)
BAD_DATE = _l("Tanggal tidak valid. Contoh: 2026-11-23.")


def _sensible_date(form, field):
    if field.data is not None and not (FIRST_DATE <= field.data <= LAST_DATE):
        raise ValidationError(_l("Tanggal harus antara tahun 2000 dan 2100."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class GrantRoleForm(FlaskForm):
    email = EmailField(_l("E-mail akun"), filters=[_strip], validators=[
        DataRequired(_l("E-mail wajib diisi.")), Length(max=254),
        Email(_l("Alamat e-mail tidak valid."), check_deliverability=False)])
    kelurahan = SelectField(_l("Kelurahan"), default="",
                            validators=[DataRequired(_l("Pilih kelurahan."))],
                            invalid_choice_message=_l("Kelurahan tidak dikenal."))


class RevokeForm(FlaskForm):
    """Revoking needs nothing but the CSRF token; the account is in the URL."""


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (a GET form, no CSRF; parameter names are Indonesian)."""

    class Meta:
        csrf = False

    kelurahan = SelectField(_l("Kelurahan"), default="",
                            invalid_choice_message=_l("Kelurahan tidak dikenal."))
    actor = StringField(_l("E-mail pelaku"), name="aktor", filters=[_strip], validators=[
        Optional(), Length(max=254),
        Email(_l("Alamat e-mail tidak valid."), check_deliverability=False)])
    action = SelectField(_l("Tindakan"), name="aksi", default="",
                         invalid_choice_message=_l("Tindakan tidak dikenal."))
    date_from = DateField(_l("Dari tanggal"), name="dari", invalid_value_message=BAD_DATE,
                          validators=[Optional(), _sensible_date])
    date_to = DateField(_l("Sampai tanggal"), name="sampai", invalid_value_message=BAD_DATE,
                        validators=[Optional(), _sensible_date])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Tanggal akhir tidak boleh sebelum tanggal awal."))

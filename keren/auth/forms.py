"""Account forms: shape only; the services check the truth."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from keren.phone import normalize_phone
from keren.services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def _whatsapp(form, field):
    if field.data and normalize_phone(field.data) is None:
        raise ValidationError(_l("Nomor WhatsApp tidak valid. Contoh: 0812-3456-7890."))


def _new_password(label):
    return PasswordField(label, validators=[
        DataRequired(_l("Kata sandi wajib diisi.")),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH))])


def strip(value):
    """Phone keyboards add a space after an autocompleted e-mail address."""
    return value.strip() if isinstance(value, str) else value


def _email():
    return EmailField(_l("E-mail"), filters=[strip], validators=[
        DataRequired(_l("E-mail wajib diisi.")), Length(max=254),
        Email(_l("Alamat e-mail tidak valid."), check_deliverability=False)])


class RegisterForm(FlaskForm):
    name = StringField(_l("Nama"), validators=[DataRequired(_l("Nama wajib diisi.")),
                                               Length(max=100)])
    email = _email()
    phone = TelField(_l("Nomor WhatsApp (tidak wajib)"),
                     validators=[Optional(), Length(max=32), _whatsapp])
    password = _new_password(_l("Kata sandi"))
    confirm = PasswordField(_l("Ulangi kata sandi"), validators=[
        DataRequired(_l("Ulangi kata sandi Anda.")),
        EqualTo("password", _l("Kedua kata sandi tidak sama."))])


class LoginForm(FlaskForm):
    email = _email()
    password = PasswordField(_l("Kata sandi"), validators=[
        DataRequired(_l("Kata sandi wajib diisi.")), Length(max=MAX_PASSWORD_LENGTH)])
    remember = BooleanField(_l("Ingat saya di perangkat ini"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Kata sandi saat ini"), validators=[
        DataRequired(_l("Kata sandi wajib diisi.")), Length(max=MAX_PASSWORD_LENGTH)])
    new_password = _new_password(_l("Kata sandi baru"))
    confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[
        DataRequired(_l("Ulangi kata sandi Anda.")),
        EqualTo("new_password", _l("Kedua kata sandi tidak sama."))])

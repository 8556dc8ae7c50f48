"""The visitor's booking form: shape only; the booking service checks places and the phone."""
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TelField, TextAreaField
from wtforms.validators import (DataRequired, Email, InputRequired, Length, NumberRange,
                                Optional, Regexp)

from keren.manage.forms import WholeNumberField
from keren.services.booking import MAX_CAPACITY


def new_idempotency_key():
    """A fresh key for each rendered form: sending that form twice makes one booking."""
    return uuid.uuid4().hex


class VisitRequestForm(FlaskForm):
    """Field names are the request_visit keywords, so service errors land on their field.

    The slot is in the URL (POST /pesan/<slot_id>); the offering page's radios (`slot`) may
    choose another slot of the same offering, so the form works without JavaScript.
    """

    slot = WholeNumberField(_l("Pilih jadwal"), validators=[Optional()])
    party_size = WholeNumberField(_l("Jumlah orang"), default=1, validators=[
        InputRequired(_l("Isi jumlah orang.")),
        NumberRange(min=1, max=MAX_CAPACITY, message=_l("Isi angka dari %(min)d sampai %(max)d."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    name = StringField(_l("Nama"), validators=[DataRequired(_l("Nama wajib diisi.")),
                                               Length(max=100, message=_l("Maksimal %(max)d karakter."))],
                       render_kw={"autocomplete": "name"})
    phone = TelField(_l("Nomor WhatsApp"), validators=[
        DataRequired(_l("Nomor WhatsApp wajib diisi.")),
        Length(max=32, message=_l("Maksimal %(max)d karakter."))],
        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    email = EmailField(_l("E-mail (tidak wajib)"), validators=[
        Optional(), Length(max=254, message=_l("Maksimal %(max)d karakter.")),
        Email(_l("Alamat e-mail tidak valid."), check_deliverability=False)],
        render_kw={"autocomplete": "email"})
    note = TextAreaField(_l("Catatan (tidak wajib)"), validators=[
        Length(max=1000, message=_l("Maksimal %(max)d karakter."))], render_kw={"rows": 3})
    idempotency_key = HiddenField(validators=[
        Optional(), Regexp(r"^[A-Za-z0-9_-]{8,64}$", message=_l("Formulir tidak valid. Muat ulang halaman."))])

    @classmethod
    def blank(cls, user=None):
        """The form as the offering page first shows it: a new key, and a signed-in visitor's
        name, e-mail and phone filled in."""
        data = {"idempotency_key": new_idempotency_key()}
        if user is not None and user.is_authenticated:
            data.update(name=user.name, email=user.email, phone=user.phone or "")
        return cls(formdata=None, data=data)

    def values(self):
        """Keyword arguments for booking.request_visit."""
        return {"party_size": self.party_size.data, "name": self.name.data,
                "phone": self.phone.data, "email": (self.email.data or "").strip() or None,
                "note": (self.note.data or "").strip(),
                "idempotency_key": self.idempotency_key.data or None}


class CancelForm(FlaskForm):
    """Cancel by the manage link (`t`, the secret) or, signed in, from the account page."""

    t = HiddenField()
    next = HiddenField()

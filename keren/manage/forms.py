"""Residents' forms: shape only (types, lengths, choices); the services check the truth.

Field names match the services' keyword names, so a service error with `field="whatsapp"`
lands on the form's `whatsapp` field. Each form hands the services exactly its own declared
fields (`values()`), so anything else posted (status, owner_id, kelurahan_id, role) is ignored.
"""
import re
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, EmailField, Field, RadioField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TelField, TextAreaField)
from wtforms.validators import (DataRequired, Email, InputRequired, Length, NumberRange, Optional,
                                StopValidation)
from wtforms.widgets import CheckboxInput, DateInput, ListWidget, TextInput, TimeInput

from keren.models.offering import AUDIENCES, PRICE_UNITS, STOCK_MODES, Pillar
from keren.services.booking import MAX_CAPACITY, MAX_CUTOFF_HOURS
from keren.services.offerings import COMMON_FIELDS, PILLAR_FIELDS

# Longest texts accepted where the column itself has no limit (Text).
MAX_STORY = 5000
MAX_DESCRIPTION = 10_000
# Whole numbers (minutes, people, pieces): the same range the offerings service accepts.
MAX_COUNT = 100_000


def _max(n):
    return Length(max=n, message=_l("Maksimal %(max)d karakter."))


# --- fields -----------------------------------------------------------------------------------

# WTForms has no Indonesian catalogue: every choice field says "not one of the choices" itself.
NOT_A_CHOICE = _l("Pilih salah satu dari pilihan yang ada.")


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes sharing one name, e.g. the audiences of a class."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def options(mapping):
    """Choices from a {value: label} mapping, in its order."""
    return [SelectChoice(value, label) for value, label in mapping.items()]


def grouped_choices(groups, placeholder):
    """Choices for a <select> with an empty "choose one" first and <optgroup>s after it.

    `groups` is [(group label, [(value, label), ...]), ...].
    """
    return [SelectChoice("", placeholder)] + [
        SelectChoice(value, label, optgroup=group) for group, pairs in groups
        for value, label in pairs]


class _ParsedField(Field):
    """A text input whose value is parsed into a number; junk gets `invalid_message`."""

    widget = TextInput()
    invalid_message = None  # each subclass says what it expects

    def parse(self, text):
        raise NotImplementedError

    def format(self, value):
        return str(value)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = self.parse(text)
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None

    def pre_validate(self, form):
        # Unreadable input already has its message; range checks on None would only add noise.
        if self.process_errors:
            raise StopValidation()

    def _value(self):
        if self.raw_data:  # show back what was typed, also when it was junk
            return self.raw_data[0]
        return "" if self.data is None else self.format(self.data)


class RupiahField(_ParsedField):
    """Whole rupiah as people write them: 15000, 15.000, Rp15.000, Rp 15.000,-. Empty is None."""

    # Dots group thousands; ",-" or ",00" may close the amount (cents are never used).
    PATTERN = re.compile(r"^(?:rp\.?|idr)?(\d{1,3}(?:\.\d{3})+|\d{1,13})(?:,-|,0{1,2})?$",
                         re.IGNORECASE)
    invalid_message = _l("Tulis harga dalam rupiah tanpa sen, misalnya 15000 atau Rp15.000.")

    def parse(self, text):
        match = self.PATTERN.match("".join(text.split()))
        if match is None:
            raise ValueError(text)
        return int(match.group(1).replace(".", ""))

    def format(self, value):
        return f"{value:,}".replace(",", ".")


class WholeNumberField(_ParsedField):
    """A count such as minutes or people: digits only, None when empty."""

    invalid_message = _l("Isi dengan angka bulat, misalnya 60.")

    def parse(self, text):
        if not re.fullmatch(r"\d{1,9}", text):
            raise ValueError(text)
        return int(text)


class CoordinateField(_ParsedField):
    """A latitude or longitude in decimal degrees; a decimal comma (-7,8166) is accepted too."""

    invalid_message = _l("Tulis koordinat sebagai angka desimal, misalnya -7,8166.")

    def parse(self, text):
        if not re.fullmatch(r"-?\d{1,3}(?:[.,]\d{1,10})?", text):
            raise ValueError(text)
        return float(text.replace(",", "."))


class DateField(_ParsedField):
    """A calendar date from the browser's date picker (2026-12-05) or typed as 5/12/2026."""

    widget = DateInput()
    invalid_message = _l("Tulis tanggal seperti 31/12/2026.")

    def parse(self, text):
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            year, month, day = match.groups()
        elif match := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text):
            day, month, year = match.groups()
        else:
            raise ValueError(text)
        return date(int(year), int(month), int(day))

    def format(self, value):
        return value.isoformat()


class TimeOfDayField(_ParsedField):
    """A time of day in WIB from the time picker (09:30) or typed as 09.30."""

    widget = TimeInput()
    invalid_message = _l("Tulis jam seperti 09.30.")

    def parse(self, text):
        match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::\d{2})?", text)
        if match is None:
            raise ValueError(text)
        return time(int(match.group(1)), int(match.group(2)))

    def format(self, value):
        return value.strftime("%H:%M")


def _price_unit(default):
    return SelectField(_l("Satuan harga"), choices=options(PRICE_UNITS), default=default,
                       invalid_choice_message=NOT_A_CHOICE,
                       validators=[DataRequired(_l("Pilih satuan harga."))])


def _count(label):
    return WholeNumberField(label, validators=[
        Optional(), NumberRange(min=1, max=MAX_COUNT,
                                message=_l("Isi angka dari %(min)d sampai %(max)d."))])


# --- kampung --------------------------------------------------------------------------------

class KampungForm(FlaskForm):
    """The profile fields a resident may change at any time."""

    name = StringField(_l("Nama kampung"), validators=[
        DataRequired(_l("Nama kampung wajib diisi.")), _max(120)])
    tagline = StringField(_l("Slogan singkat"), validators=[_max(160)])
    story = TextAreaField(_l("Cerita kampung"), validators=[_max(MAX_STORY)],
                          render_kw={"rows": 8})
    address = StringField(_l("Alamat"), validators=[_max(255)])
    latitude = CoordinateField(_l("Garis lintang (latitude)"), validators=[
        Optional(), NumberRange(min=-90, max=90, message=_l("Garis lintang harus antara -90 dan 90."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"})
    longitude = CoordinateField(_l("Garis bujur (longitude)"), validators=[
        Optional(), NumberRange(min=-180, max=180,
                                message=_l("Garis bujur harus antara -180 dan 180."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"})
    whatsapp = TelField(_l("Nomor WhatsApp"), validators=[Optional(), _max(32)],
                        render_kw={"autocomplete": "tel"})

    def values(self):
        """Keyword arguments for create_kampung / update_kampung."""
        return {"name": self.name.data, "tagline": self.tagline.data, "story": self.story.data,
                "address": self.address.data, "latitude": self.latitude.data,
                "longitude": self.longitude.data, "whatsapp": self.whatsapp.data}


class NewKampungForm(KampungForm):
    """A new profile also names its kelurahan (fixed afterwards). The view sets the choices."""

    kelurahan = SelectField(_l("Kelurahan"), validators=[DataRequired(_l("Pilih kelurahan."))],
                            invalid_choice_message=NOT_A_CHOICE)


# --- offerings ------------------------------------------------------------------------------

class OfferingForm(FlaskForm):
    """The fields every pillar shares; subclasses add their own."""

    pillar = None
    title = StringField(_l("Judul"), validators=[DataRequired(_l("Judul wajib diisi.")), _max(140)])
    summary = TextAreaField(_l("Ringkasan"), validators=[_max(300)], render_kw={"rows": 2})
    description = TextAreaField(_l("Deskripsi"), validators=[_max(MAX_DESCRIPTION)],
                                render_kw={"rows": 8})
    price_idr = RupiahField(_l("Harga (Rp)"), render_kw={"inputmode": "numeric",
                                                          "autocomplete": "off"})
    price_unit = _price_unit("orang")
    tags = StringField(_l("Tag (pisahkan dengan koma)"), validators=[_max(300)])

    def values(self):
        """Keyword arguments for create_offering / update_offering: this pillar's fields only."""
        return {name: self[name].data for name in COMMON_FIELDS + PILLAR_FIELDS[self.pillar]}

    @staticmethod
    def data_of(offering):
        """The form's starting values for an existing offering."""
        return {"title": offering.title, "summary": offering.summary,
                "description": offering.description, "price_idr": offering.price_idr,
                "price_unit": offering.price_unit, "tags": ", ".join(offering.tags),
                "duration_minutes": offering.duration_minutes,
                "opening_hours": offering.opening_hours, "what_to_bring": offering.what_to_bring,
                "stock_mode": offering.stock_mode, "min_order": offering.min_order,
                "topic": offering.topic, "audiences": offering.audiences,
                "min_group": offering.min_group, "max_group": offering.max_group}


class WisataForm(OfferingForm):
    pillar = Pillar.WISATA
    duration_minutes = _count(_l("Lama kunjungan (menit)"))
    opening_hours = StringField(_l("Jam buka"), validators=[_max(200)])
    what_to_bring = StringField(_l("Yang perlu dibawa"), validators=[_max(300)])


class DagangForm(OfferingForm):
    pillar = Pillar.DAGANG
    price_unit = _price_unit("pcs")
    stock_mode = RadioField(_l("Ketersediaan"), choices=options(STOCK_MODES), default="ready",
                            invalid_choice_message=NOT_A_CHOICE, validators=[
                                DataRequired(_l("Pilih stok siap atau dibuat sesuai pesanan."))])
    min_order = _count(_l("Pesanan minimal"))


class EdukasiForm(OfferingForm):
    pillar = Pillar.EDUKASI
    topic = StringField(_l("Topik"), validators=[_max(140)])
    audiences = MultiCheckboxField(_l("Sasaran peserta"), choices=options(AUDIENCES),
                                   invalid_choice_message=NOT_A_CHOICE)
    min_group = _count(_l("Peserta minimal"))
    max_group = _count(_l("Peserta maksimal"))
    duration_minutes = _count(_l("Lama kegiatan (menit)"))


OFFERING_FORMS = {form.pillar: form for form in (WisataForm, DagangForm, EdukasiForm)}


# --- photos and co-managers -------------------------------------------------------------------

class PhotoForm(FlaskForm):
    photo = FileField(_l("Foto (JPEG, PNG atau WebP)"),
                      validators=[FileRequired(_l("Pilih foto yang akan diunggah."))],
                      render_kw={"accept": "image/jpeg,image/png,image/webp"})
    alt_text = StringField(_l("Keterangan foto"), validators=[
        DataRequired(_l("Tulis keterangan foto untuk pembaca layar.")), _max(200)])


class MemberForm(FlaskForm):
    email = EmailField(_l("E-mail pengelola baru"), validators=[
        DataRequired(_l("E-mail wajib diisi.")), Length(max=254),
        Email(_l("Alamat e-mail tidak valid."), check_deliverability=False)])


# --- visit slots and bookings -----------------------------------------------------------------

WIB = ZoneInfo("Asia/Jakarta")
WEEKDAYS = {"0": _l("Senin"), "1": _l("Selasa"), "2": _l("Rabu"), "3": _l("Kamis"),
            "4": _l("Jumat"), "5": _l("Sabtu"), "6": _l("Minggu")}


def _people(label, *, required=False, default=None):
    first = InputRequired(_l("Isi jumlah orang.")) if required else Optional()
    return WholeNumberField(label, default=default, render_kw={"inputmode": "numeric"}, validators=[
        first, NumberRange(min=1, max=MAX_CAPACITY,
                           message=_l("Isi angka dari %(min)d sampai %(max)d."))])


def _clock(label):
    return TimeOfDayField(label, validators=[InputRequired(_l("Isi jam."))])


class BookingSettingsForm(FlaskForm):
    is_bookable = BooleanField(_l("Terima pemesanan kunjungan"))
    booking_cutoff_hours = WholeNumberField(
        _l("Batas pemesanan (jam sebelum mulai)"), render_kw={"inputmode": "numeric"},
        validators=[InputRequired(_l("Isi jumlah jam.")), NumberRange(
            min=0, max=MAX_CUTOFF_HOURS, message=_l("Isi angka dari %(min)d sampai %(max)d."))])


class SlotForm(FlaskForm):
    """One dated visit; times are WIB. Field names follow add_slot's keywords."""

    date = DateField(_l("Tanggal"), validators=[InputRequired(_l("Isi tanggal."))])
    starts_at = _clock(_l("Jam mulai (WIB)"))
    ends_at = _clock(_l("Jam selesai (WIB)"))
    capacity = _people(_l("Kapasitas (orang)"), required=True)
    min_party = _people(_l("Rombongan terkecil (orang)"), default=1)
    max_party = _people(_l("Rombongan terbesar (orang, kosongkan = kapasitas)"))

    def values(self):
        """Keyword arguments for booking.add_slot, the WIB times as UTC."""
        def at(clock):
            return datetime.combine(self.date.data, clock, tzinfo=WIB).astimezone(timezone.utc)
        return {"starts_at": at(self.starts_at.data), "ends_at": at(self.ends_at.data),
                "capacity": self.capacity.data, "min_party": self.min_party.data or 1,
                "max_party": self.max_party.data}


class WeeklySlotsForm(FlaskForm):
    """The same weekday and hours for some weeks ahead. Field names follow add_weekly_slots."""

    weekday = SelectField(_l("Hari"), choices=options(WEEKDAYS), default="5",
                          invalid_choice_message=NOT_A_CHOICE)
    start = _clock(_l("Jam mulai (WIB)"))
    end = _clock(_l("Jam selesai (WIB)"))
    capacity = _people(_l("Kapasitas (orang)"), required=True)
    min_party = _people(_l("Rombongan terkecil (orang)"), default=1)
    max_party = _people(_l("Rombongan terbesar (orang, kosongkan = kapasitas)"))
    weeks = WholeNumberField(_l("Untuk berapa minggu ke depan"), default=4,
                             render_kw={"inputmode": "numeric"}, validators=[
                                 InputRequired(_l("Isi jumlah minggu.")),
                                 NumberRange(min=1, max=26, message=_l(
                                     "Isi angka dari %(min)d sampai %(max)d."))])

    def values(self):
        """Keyword arguments for booking.add_weekly_slots."""
        return {"weekday": int(self.weekday.data), "start": self.start.data, "end": self.end.data,
                "capacity": self.capacity.data, "min_party": self.min_party.data or 1,
                "max_party": self.max_party.data, "weeks": self.weeks.data}


class CapacityForm(FlaskForm):
    capacity = _people(_l("Kapasitas baru (orang)"), required=True)


class ReasonForm(FlaskForm):
    """Declining a request or cancelling a slot: the reason is told to the visitor."""

    reason = TextAreaField(_l("Alasan"), validators=[
        DataRequired(_l("Alasan wajib diisi.")), _max(500)], render_kw={"rows": 2})

"""Moderation forms: shape only; the moderation service checks the truth."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from keren.services.moderation import MAX_REASON


def kelurahan_choices(kecamatan_list, *, empty_label):
    """Choices for a kelurahan select: an empty option, then every kelurahan by name."""
    places = sorted(((k, kecamatan) for kecamatan in kecamatan_list for k in kecamatan.kelurahan),
                    key=lambda pair: pair[0].name)
    return [("", empty_label)] + [(k.code, f"{k.name} ({kecamatan.name})")
                                  for k, kecamatan in places]


class ActionForm(FlaskForm):
    """A decision that needs nothing but the CSRF token (approve, restore, verify)."""


class ReasonForm(FlaskForm):
    """Reject or hide: the reason is shown to the kampung's managers."""

    reason = TextAreaField(_l("Alasan"), validators=[
        DataRequired(_l("Alasan wajib diisi.")),
        Length(max=MAX_REASON, message=_l("Alasan terlalu panjang."))])


class NoteForm(FlaskForm):
    """Closing a report: what was done, or why nothing was needed."""

    note = TextAreaField(_l("Catatan"), validators=[
        DataRequired(_l("Catatan wajib diisi.")),
        Length(max=MAX_REASON, message=_l("Catatan terlalu panjang."))])


class QueueFilterForm(FlaskForm):
    """The city admin's kelurahan filter on the queue (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    kelurahan = SelectField(_l("Kelurahan"), default="",
                            invalid_choice_message=_l("Kelurahan tidak dikenal."))

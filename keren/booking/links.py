"""The booking summary and the WhatsApp hand-off links that carry it, both ways."""
from flask_babel import gettext as _

from keren.phone import whatsapp_url
from keren.templating import visit_time


def summary(booking):
    """One line a person can read in a chat: code, offering, kampung, time in WIB, party."""
    offering = booking.slot.offering
    return _("Pesanan %(code)s: %(title)s (%(kampung)s), %(when)s, %(n)d orang.",
             code=booking.code, title=offering.title, kampung=offering.kampung.name,
             when=visit_time(booking.slot), n=booking.party_size)


def whatsapp_to_kampung(booking):
    """The visitor opens a chat with the kampung, the summary prefilled (None without a number)."""
    kampung = booking.slot.offering.kampung
    if not kampung.whatsapp:
        return None
    text = _("Halo %(kampung)s, saya %(name)s. %(summary)s", kampung=kampung.name,
             name=booking.name, summary=summary(booking))
    return whatsapp_url(kampung.whatsapp, text)


def whatsapp_to_visitor(booking):
    """A resident opens a chat with the visitor, the summary prefilled."""
    kampung = booking.slot.offering.kampung
    text = _("Halo %(name)s, kami dari %(kampung)s di Kampung KEREN. %(summary)s",
             name=booking.name, kampung=kampung.name, summary=summary(booking))
    return whatsapp_url(booking.phone, text)

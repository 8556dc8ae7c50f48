"""The .ics calendar file of a booking (RFC 5545), written by hand: one VEVENT.

Times are in UTC ("Z"), text values escaped, lines end in CRLF and are folded at 75 octets
(never inside a UTF-8 character).
"""
from datetime import timezone

from flask_babel import gettext as _

from keren.models import BookingStatus

PRODID = "-//Kampung KEREN//Pemesanan Kunjungan//ID"
UID_DOMAIN = "kampung-keren"
EVENT_STATUS = {BookingStatus.REQUESTED: "TENTATIVE", BookingStatus.CONFIRMED: "CONFIRMED",
                BookingStatus.COMPLETED: "CONFIRMED", BookingStatus.NO_SHOW: "CONFIRMED"}


def escape(text):
    """A TEXT value: backslash, semicolon, comma and line breaks escaped."""
    text = (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line):
    """One content line as lines of at most 75 octets, each continuation led by a space."""
    parts, current, size = [], [], 0
    for char in line:
        octets = len(char.encode())
        if size + octets > (75 if not parts else 74):
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts)


def utc(moment):
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def booking_calendar(booking, *, manage_url, now):
    """The calendar text for `booking`; `manage_url` is where the visitor can change it."""
    slot = booking.slot
    offering = slot.offering
    kampung = offering.kampung
    location = ", ".join(part for part in (
        kampung.name, kampung.address, _("Kelurahan %(name)s", name=kampung.kelurahan.name),
        "Kota Kediri") if part)
    description = "\n".join([
        _("Kode pesanan: %(code)s", code=booking.code),
        _("Jumlah orang: %(n)d", n=booking.party_size),
        _("Status: %(status)s", status=booking.status_label),
        _("Lihat, hubungi kampung atau batalkan pesanan di: %(url)s", url=manage_url)])
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{booking.code}@{UID_DOMAIN}",
        f"DTSTAMP:{utc(now)}",
        f"DTSTART:{utc(slot.starts_at)}",
        f"DTEND:{utc(slot.ends_at)}",
        f"SUMMARY:{escape(offering.title)}",
        f"LOCATION:{escape(location)}",
        f"DESCRIPTION:{escape(description)}",
        f"STATUS:{EVENT_STATUS.get(booking.status, 'CANCELLED')}",
        f"URL:{manage_url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)

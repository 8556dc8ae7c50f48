"""Indonesian phone numbers: normalise to E.164 and build WhatsApp links."""
from urllib.parse import quote

import phonenumbers


def normalize_phone(raw):
    """Return `raw` as E.164 (+62...) or None when it is not a valid Indonesian-style number.

    Accepts what people type: 0812-3456-7890, 62 812 3456 7890, +62 812 3456 7890.
    """
    text = (raw or "").strip()
    if not text or len(text) > 32:
        return None
    if text.startswith("62") and not text.startswith("+"):
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def whatsapp_url(e164, message=""):
    """A wa.me link that opens a chat with `e164`, with `message` prefilled."""
    url = f"https://wa.me/{e164.lstrip('+')}"
    return f"{url}?text={quote(message)}" if message else url

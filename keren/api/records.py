"""The public records of the directory: the one place that decides which fields of a kelurahan,
kampung or offering the JSON API and the open-data downloads publish.

Nothing personal is published: no phone numbers (not even a kampung's public WhatsApp number,
which stays on its page behind a click), no e-mail addresses, no street address, nothing about
owners, editors or moderators. Texts are the public ones (name, tagline, summary); labels are
slugs, so a record is the same in every language (and so is its ETag).
"""
from datetime import timezone

from flask import url_for
from flask_babel import lazy_gettext as _l

LICENCE = {
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "id": "CC-BY-4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/deed.id",
}
ATTRIBUTION = "Kampung KEREN, Pemerintah Kota Kediri"


def _place(place):
    return {"code": place.code, "name": place.name, "slug": place.slug}


def _time(moment):
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if moment else None


def kelurahan_record(place, facts):
    return {
        "code": place.code, "name": place.name, "slug": place.slug,
        "kecamatan": _place(place.kecamatan), "postcode": place.postcode,
        "latitude": place.latitude, "longitude": place.longitude,
        "kampung_count": facts.kampung_count, "offering_count": facts.offering_count,
        "url": url_for("main.kelurahan", slug=place.slug, _external=True),
    }


def kampung_record(kampung, facts):
    return {
        "id": kampung.id, "name": kampung.name, "slug": kampung.slug,
        "tagline": kampung.tagline,
        "kelurahan": _place(kampung.kelurahan), "kecamatan": _place(kampung.kelurahan.kecamatan),
        "verified": kampung.is_verified,
        # The kampung's own map pin; null when it has none (the kelurahan has one).
        "latitude": kampung.latitude, "longitude": kampung.longitude,
        "offering_count": facts.offering_count,
        "pillars": [pillar.value for pillar in facts.pillars],
        "demo": kampung.is_demo,
        "url": url_for("kampung.kampung_page", slug=kampung.slug, _external=True),
    }


def offering_record(offering, _facts=None):
    kampung = offering.kampung
    free = not offering.price_idr
    return {
        "id": offering.id, "title": offering.title, "slug": offering.slug,
        "pillar": offering.pillar.value, "summary": offering.summary,
        # Whole rupiah; null is free (a price of 0 is shown as free on the site too).
        "price_idr": None if free else offering.price_idr,
        "price_unit": None if free else offering.price_unit,
        "kampung": {"id": kampung.id, "name": kampung.name, "slug": kampung.slug},
        "kelurahan": _place(kampung.kelurahan), "kecamatan": _place(kampung.kelurahan.kecamatan),
        "is_bookable": offering.is_bookable,
        "demo": offering.is_demo,
        "url": url_for("kampung.offering_page", slug=kampung.slug, offering_slug=offering.slug,
                       _external=True),
        "updated_at": _time(offering.updated_at),
    }


def records(page, record):
    return [record(item, facts) for item, facts in page.items]


# The columns of the CSV downloads, in order, with what each holds (shown on /data-terbuka).
# A nested field becomes `<field>_<key>` (kelurahan_code), a list is joined with ";".
PLACE_COLUMNS = [
    ("kelurahan_code", _l("Kode Kemendagri kelurahan, misalnya 35.71.03.1008")),
    ("kelurahan_name", _l("Nama kelurahan")),
    ("kelurahan_slug", _l("Bagian alamat halaman kelurahan")),
    ("kecamatan_code", _l("Kode Kemendagri kecamatan, misalnya 35.71.03")),
    ("kecamatan_name", _l("Nama kecamatan")),
    ("kecamatan_slug", _l("Slug kecamatan, misalnya pesantren")),
]

KAMPUNG_COLUMNS = [
    ("id", _l("Nomor kampung di situs ini")),
    ("name", _l("Nama kampung")),
    ("slug", _l("Bagian alamat halaman kampung")),
    ("tagline", _l("Slogan singkat")),
    *PLACE_COLUMNS,
    ("verified", _l("true bila sudah diverifikasi admin kelurahan")),
    ("latitude", _l("Lintang titik peta kampung (kosong bila belum ada)")),
    ("longitude", _l("Bujur titik peta kampung (kosong bila belum ada)")),
    ("offering_count", _l("Jumlah penawaran yang tayang")),
    ("pillars", _l("Pilar penawarannya: wisata, dagang, edukasi (dipisah ;)")),
    ("demo", _l("true bila contoh data demo (fiktif)")),
    ("url", _l("Alamat halaman kampung")),
]

OFFERING_COLUMNS = [
    ("id", _l("Nomor penawaran di situs ini")),
    ("title", _l("Judul penawaran")),
    ("slug", _l("Bagian alamat halaman penawaran")),
    ("pillar", _l("Pilar: wisata, dagang atau edukasi")),
    ("summary", _l("Ringkasan")),
    ("price_idr", _l("Harga dalam rupiah (kosong bila gratis)")),
    ("price_unit", _l("Satuan harga: orang, rombongan, pcs, kg, paket, porsi, lembar, ekor, sesi")),
    ("kampung_id", _l("Nomor kampung")),
    ("kampung_name", _l("Nama kampung")),
    ("kampung_slug", _l("Bagian alamat halaman kampung")),
    *PLACE_COLUMNS,
    ("is_bookable", _l("true bila kunjungan bisa dipesan di situs")),
    ("demo", _l("true bila contoh data demo (fiktif)")),
    ("url", _l("Alamat halaman penawaran")),
    ("updated_at", _l("Terakhir diubah (UTC, ISO 8601)")),
]


def flatten(record):
    """A record as one CSV row: nested objects as `<field>_<key>`, lists joined with ";"."""
    row = {}
    for key, value in record.items():
        if isinstance(value, dict):
            row.update((f"{key}_{inner}", item) for inner, item in value.items())
        elif isinstance(value, list):
            row[key] = ";".join(value)
        else:
            row[key] = value
    return row

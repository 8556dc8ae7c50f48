"""What the public can find: the one function that turns a kampung or an offering into a
search document, or None when it must not be found."""
import hashlib
import json

from keren.models import Kampung, Offering, Status

STAMP_FIELDS = ("kind", "id", "title", "content", "pillar", "kecamatan", "kelurahan", "price",
                "published", "bookable")


def key_of(kind, ident):
    return f"{kind}:{ident}"


def _place_words(kelurahan):
    return " ".join([kelurahan.name, *kelurahan.aliases, kelurahan.kecamatan.name])


def _stamp(doc):
    """A short hash of the document, stored with it, so `verify` can see any drift."""
    raw = json.dumps([doc.get(f) for f in STAMP_FIELDS], sort_keys=True, default=str)
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


def _epoch(moment):
    return int(moment.timestamp()) if moment else 0


def document_for(item):
    """The search document of a published kampung or of a public offering; None otherwise."""
    if isinstance(item, Offering):
        if item.status != Status.PUBLISHED or item.kampung.status != Status.PUBLISHED:
            return None
        kampung, kelurahan = item.kampung, item.kampung.kelurahan
        doc = {
            "kind": "offering", "id": item.id, "title": item.title,
            "content": "\n".join([item.summary, item.description, item.tags_text.replace(",", ", "),
                                  item.topic, kampung.name, item.pillar.value,
                                  _place_words(kelurahan)]),
            "summary": item.summary,
            "pillar": item.pillar.value, "kecamatan": kelurahan.kecamatan.slug,
            "kelurahan": kelurahan.slug, "price": item.price_idr or 0,
            "published": _epoch(item.published_at),
            "bookable": bool(getattr(item, "is_bookable", False)),
        }
    elif isinstance(item, Kampung):
        if item.status != Status.PUBLISHED:
            return None
        kelurahan = item.kelurahan
        doc = {
            "kind": "kampung", "id": item.id, "title": item.name,
            "content": "\n".join([item.tagline, item.story, item.address, _place_words(kelurahan)]),
            "summary": item.tagline,
            "pillar": "", "kecamatan": kelurahan.kecamatan.slug, "kelurahan": kelurahan.slug,
            "price": None, "published": _epoch(item.published_at), "bookable": False,
        }
    else:
        return None
    doc["key"] = key_of(doc["kind"], doc["id"])
    doc["stamp"] = _stamp(doc)
    return doc

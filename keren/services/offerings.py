"""Offerings in the three pillars."""
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from keren.extensions import db
from keren.models import Kampung, Offering, Pillar, Status
from keren.models.offering import AUDIENCES, PRICE_UNITS, STOCK_MODES
from keren.services import audit
from keren.services.errors import InvalidValue, NotAllowed
from keren.services.kampung import unique_slug

COMMON_FIELDS = ("title", "summary", "description", "price_idr", "price_unit", "tags")
PILLAR_FIELDS = {
    Pillar.WISATA: ("duration_minutes", "opening_hours", "what_to_bring"),
    Pillar.DAGANG: ("stock_mode", "min_order"),
    Pillar.EDUKASI: ("topic", "audiences", "min_group", "max_group", "duration_minutes"),
}
MAX_PRICE_IDR = 1_000_000_000


def _normalise_tags(tags):
    if isinstance(tags, str):
        tags = tags.split(",")
    seen = []
    for tag in tags or []:
        tag = " ".join(tag.strip().lower().split())[:40]
        if tag and tag not in seen:
            seen.append(tag)
    return ",".join(seen[:15])


def _clean(pillar, values):
    """Keep only the fields of this pillar; check what a form cannot judge alone."""
    allowed = COMMON_FIELDS + PILLAR_FIELDS[pillar]
    clean = {}
    for key in allowed:
        if key in values:
            value = values[key]
            clean[key] = value.strip() if isinstance(value, str) else value
    if "title" in clean and not clean["title"]:
        raise InvalidValue(_("Judul wajib diisi."), field="title")
    price = clean.get("price_idr")
    if price is not None and not (0 <= price <= MAX_PRICE_IDR):
        raise InvalidValue(_("Harga harus antara Rp0 dan Rp1.000.000.000."), field="price_idr")
    if price == 0:
        clean["price_idr"] = None  # free
    if "price_unit" in clean and clean["price_unit"] not in PRICE_UNITS:
        raise InvalidValue(_("Satuan harga tidak dikenal."), field="price_unit")
    if "tags" in clean:
        clean["tags_text"] = _normalise_tags(clean.pop("tags"))
    if "audiences" in clean:
        unknown = set(clean["audiences"] or []) - set(AUDIENCES)
        if unknown:
            raise InvalidValue(_("Sasaran peserta tidak dikenal."), field="audiences")
        chosen = clean.pop("audiences") or []
        clean["audience_text"] = ",".join(a for a in AUDIENCES if a in chosen)
    if clean.get("stock_mode") not in (None, *STOCK_MODES):
        raise InvalidValue(_("Pilih stok siap atau dibuat sesuai pesanan."), field="stock_mode")
    for key in ("duration_minutes", "min_order", "min_group", "max_group"):
        if clean.get(key) is not None and not (1 <= clean[key] <= 100_000):
            raise InvalidValue(_("Isi angka yang masuk akal."), field=key)
    if clean.get("min_group") and clean.get("max_group") and clean["min_group"] > clean["max_group"]:
        raise InvalidValue(_("Jumlah peserta minimal tidak boleh lebih dari maksimal."),
                           field="min_group")
    return clean


def create_offering(kampung, *, actor, pillar, now=None, is_demo=False, **values):
    """Create a draft offering for `kampung`. Flushes. Raises NotAllowed, InvalidValue."""
    if not kampung.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))
    if kampung.status == Status.ARCHIVED:
        raise InvalidValue(_("Kampung yang diarsipkan tidak bisa diberi penawaran baru."))
    pillar = Pillar(pillar)
    clean = _clean(pillar, values)
    offering = Offering(kampung=kampung, pillar=pillar, status=Status.DRAFT, is_demo=is_demo,
                        slug=unique_slug(Offering, f"{clean['title']} {kampung.name}"), **clean)
    if now is not None:
        offering.created_at = offering.updated_at = now
    db.session.add(offering)
    db.session.flush()
    audit.record("offering.created", actor=actor, target=offering, kelurahan=kampung.kelurahan,
                 now=now, title=offering.title, pillar=pillar.value)
    db.session.flush()
    return offering


def update_offering(offering, *, actor, now=None, **values):
    """Change an offering's fields (the pillar stays). Published offerings stay published."""
    if not offering.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))
    if offering.status == Status.ARCHIVED:
        raise InvalidValue(_("Penawaran yang diarsipkan tidak bisa diubah."))
    clean = _clean(offering.pillar, values)
    changed = {k: v for k, v in clean.items() if getattr(offering, k) != v}
    for key, value in changed.items():
        setattr(offering, key, value)
    if changed:
        audit.record("offering.updated", actor=actor, target=offering,
                     kelurahan=offering.kelurahan, now=now, fields=sorted(changed))
    db.session.flush()
    return offering


def submit_offering(offering, *, actor, now=None):
    """Send the offering for review. Raises NotAllowed, InvalidValue, InvalidTransition."""
    if not offering.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))
    if not offering.summary.strip() or not offering.description.strip():
        raise InvalidValue(_("Lengkapi ringkasan dan deskripsi sebelum dikirim."),
                           field="summary")
    offering.transition("submit")
    audit.record("offering.submitted", actor=actor, target=offering, kelurahan=offering.kelurahan,
                 now=now)
    db.session.flush()


def archive_offering(offering, *, actor, now=None):
    """The owner takes an offering off the site for good (it can be restored as a draft)."""
    if not offering.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))
    offering.transition("archive")
    audit.record("offering.archived", actor=actor, target=offering, kelurahan=offering.kelurahan,
                 now=now)
    db.session.flush()


def unarchive_offering(offering, *, actor, now=None):
    if not offering.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))
    offering.transition("unarchive")
    audit.record("offering.unarchived", actor=actor, target=offering,
                 kelurahan=offering.kelurahan, now=now)
    db.session.flush()


def _public():
    return (select(Offering).join(Offering.kampung)
            .where(Offering.status == Status.PUBLISHED, Kampung.status == Status.PUBLISHED)
            .options(selectinload(Offering.kampung).selectinload(Kampung.kelurahan),
                     selectinload(Offering.photos)))


def public_offerings(*, kelurahan=None, kampung=None, pillar=None, limit=None):
    """Published offerings of published kampung, newest first."""
    query = _public().order_by(Offering.published_at.desc(), Offering.id.desc())
    if kelurahan is not None:
        query = query.where(Kampung.kelurahan_id == kelurahan.id)
    if kampung is not None:
        query = query.where(Offering.kampung_id == kampung.id)
    if pillar is not None:
        query = query.where(Offering.pillar == Pillar(pillar))
    if limit:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def recent_by_pillar(per_pillar=4):
    return {pillar: public_offerings(pillar=pillar, limit=per_pillar) for pillar in Pillar}


def by_slugs(kampung_slug, offering_slug):
    return db.session.scalar(
        select(Offering).join(Offering.kampung)
        .where(Offering.slug == offering_slug, Kampung.slug == kampung_slug))

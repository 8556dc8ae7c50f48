"""Kampung profiles and their managers."""
from flask_babel import gettext as _
from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from keren.extensions import db
from keren.models import Kampung, KampungMember, Kelurahan, MemberRole, Status, User
from keren.phone import normalize_phone
from keren.services import accounts, audit, notify
from keren.services.errors import Conflict, InvalidValue, NotAllowed, NotFound

KAMPUNG_FIELDS = ("name", "tagline", "story", "address", "latitude", "longitude", "whatsapp")
KEDIRI_BOUNDS = (-7.95, -7.70, 111.90, 112.12)  # lat min, lat max, lon min, lon max


def unique_slug(model, text, *, exclude_id=None):
    """A slug for `text` not yet used by another row of `model` (the unique index still guards)."""
    base = slugify(text, max_length=120) or "kampung"
    taken = set(db.session.scalars(select(model.slug).where(model.slug.like(f"{base}%"),
                                                            model.id != (exclude_id or -1))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _clean(values):
    """Normalise and check the profile fields that a form cannot judge alone."""
    clean = {}
    for key in KAMPUNG_FIELDS:
        if key not in values:
            continue
        value = values[key]
        if isinstance(value, str):
            value = value.strip()
        clean[key] = value
    if "name" in clean and not clean["name"]:
        raise InvalidValue(_("Nama kampung wajib diisi."), field="name")
    if clean.get("whatsapp"):
        e164 = normalize_phone(clean["whatsapp"])
        if e164 is None:
            raise InvalidValue(_("Nomor WhatsApp tidak valid. Contoh: 0812-3456-7890."),
                               field="whatsapp")
        clean["whatsapp"] = e164
    elif "whatsapp" in clean:
        clean["whatsapp"] = None
    lat, lon = clean.get("latitude"), clean.get("longitude")
    if (lat is None) != (lon is None):
        raise InvalidValue(_("Isi garis lintang dan bujur sekaligus, atau kosongkan keduanya."),
                           field="latitude")
    if lat is not None:
        lat_min, lat_max, lon_min, lon_max = KEDIRI_BOUNDS
        if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
            raise InvalidValue(_("Titik peta harus berada di Kota Kediri."), field="latitude")
    return clean


def create_kampung(kelurahan, *, actor, now=None, is_demo=False, **values):
    """Create a draft profile in `kelurahan`; `actor` becomes its owner. Flushes."""
    if actor is None:
        raise NotAllowed(_("Silakan masuk untuk membuat profil kampung."))
    clean = _clean(values)
    kampung = Kampung(kelurahan=kelurahan, slug=unique_slug(Kampung, clean["name"]),
                      status=Status.DRAFT, is_demo=is_demo, **clean)
    if now is not None:
        kampung.created_at = kampung.updated_at = now
    kampung.members.append(KampungMember(user=actor, role=MemberRole.OWNER))
    try:
        with db.session.begin_nested():
            db.session.add(kampung)
    except IntegrityError:
        raise Conflict(_("Nama kampung ini baru saja dipakai. Coba lagi."), field="name") from None
    audit.record("kampung.created", actor=actor, target=kampung, kelurahan=kelurahan, now=now,
                 name=kampung.name)
    db.session.flush()
    return kampung


def update_kampung(kampung, *, actor, now=None, **values):
    """Change profile fields. A published profile stays published; admins see what changed."""
    if not kampung.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))
    if kampung.status == Status.ARCHIVED:
        raise InvalidValue(_("Profil yang diarsipkan tidak bisa diubah."))
    clean = _clean(values)
    changed = {k: v for k, v in clean.items() if getattr(kampung, k) != v}
    for key, value in changed.items():
        setattr(kampung, key, value)
    if changed:
        audit.record("kampung.updated", actor=actor, target=kampung, kelurahan=kampung.kelurahan,
                     now=now, fields=sorted(changed))
    db.session.flush()
    return kampung


def submit_kampung(kampung, *, actor, now=None):
    """Send the profile to the kelurahan for review. Raises NotAllowed, InvalidTransition."""
    if not kampung.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))
    if not kampung.story.strip() or not kampung.tagline.strip():
        raise InvalidValue(_("Lengkapi slogan dan cerita kampung sebelum dikirim."), field="story")
    kampung.transition("submit")
    audit.record("kampung.submitted", actor=actor, target=kampung, kelurahan=kampung.kelurahan,
                 now=now)
    db.session.flush()


def add_member(kampung, *, actor, email, role=MemberRole.EDITOR, now=None):
    """Let the account with `email` co-manage the kampung. Only the owner may."""
    if not kampung.can_manage_members(actor):
        raise NotAllowed(_("Hanya pemilik yang dapat menambah pengelola."))
    user = accounts.find_user_by_email(email)
    if user is None:
        raise NotFound(_("Belum ada akun dengan e-mail itu. Minta dia mendaftar dulu."),
                       field="email")
    if kampung.member_role(user) is not None:
        raise Conflict(_("Akun itu sudah menjadi pengelola."), field="email")
    # Linked by ids, not by `kampung=`: that would put the member in kampung.members at once,
    # and the savepoint's opening flush would then meet an object not yet in the session.
    member = KampungMember(kampung_id=kampung.id, user_id=user.id, role=MemberRole(role))
    try:
        with db.session.begin_nested():
            db.session.add(member)
    except IntegrityError:
        raise Conflict(_("Akun itu sudah menjadi pengelola."), field="email") from None
    db.session.expire(kampung, ["members"])
    audit.record("kampung.member_added", actor=actor, target=kampung, kelurahan=kampung.kelurahan,
                 now=now, user_id=user.id, role=member.role.value)
    notify.notify([user], "member.added", link=f"/kelola/kampung/{kampung.id}", name=kampung.name)
    db.session.flush()
    return member


def remove_member(kampung, *, actor, user_id, now=None):
    """Remove a co-manager. The owner cannot be removed."""
    if not kampung.can_manage_members(actor):
        raise NotAllowed(_("Hanya pemilik yang dapat menghapus pengelola."))
    member = next((m for m in kampung.members if m.user_id == user_id), None)
    if member is None:
        raise NotFound(_("Pengelola itu tidak ditemukan."))
    if member.role == MemberRole.OWNER:
        raise InvalidValue(_("Pemilik kampung tidak bisa dihapus."))
    kampung.members.remove(member)
    audit.record("kampung.member_removed", actor=actor, target=kampung,
                 kelurahan=kampung.kelurahan, now=now, user_id=user_id)
    db.session.flush()


def managed_by(user):
    """The kampung this user manages, newest first."""
    return db.session.scalars(
        select(Kampung).join(KampungMember).where(KampungMember.user_id == user.id)
        .order_by(Kampung.created_at.desc())).all()


def published_in(kelurahan):
    return db.session.scalars(
        select(Kampung).where(Kampung.kelurahan_id == kelurahan.id,
                              Kampung.status == Status.PUBLISHED).order_by(Kampung.name)).all()


def by_slug(slug):
    return db.session.scalar(select(Kampung).where(Kampung.slug == slug))


def managers(kampung):
    return [m.user for m in kampung.members if isinstance(m.user, User)]


def kelurahan_with_kampung():
    """[(kelurahan, number of published kampung)] for the kelurahan that have any, by name."""
    rows = db.session.execute(
        select(Kelurahan, func.count(Kampung.id)).join(Kampung, Kampung.kelurahan_id == Kelurahan.id)
        .where(Kampung.status == Status.PUBLISHED).group_by(Kelurahan.id)
        .order_by(Kelurahan.name)).all()
    return [(kelurahan, count) for kelurahan, count in rows]

"""Reading the audit log: filtered pages for city admins and one item's history."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from keren.extensions import db
from keren.models import AuditEntry
from keren.models.offering import PILLAR_LABELS
from keren.models.report import REPORT_CATEGORIES
from keren.services import accounts
from keren.services.errors import InvalidValue, NotAllowed, NotFound

PER_PAGE = 50
WIB = ZoneInfo("Asia/Jakarta")

# What each recorded action means, for people; an action missing here is shown as it is.
ACTION_LABELS = {
    "user.registered": _l("Akun didaftarkan"),
    "user.password_changed": _l("Kata sandi diganti"),
    "user.password_set": _l("Kata sandi disetel"),
    "user.role_granted": _l("Peran diubah"),
    "kampung.created": _l("Profil kampung dibuat"),
    "kampung.updated": _l("Profil kampung diubah"),
    "kampung.submitted": _l("Profil kampung dikirim untuk ditinjau"),
    "kampung.approved": _l("Profil kampung disetujui"),
    "kampung.rejected": _l("Profil kampung ditolak"),
    "kampung.hidden": _l("Profil kampung disembunyikan"),
    "kampung.restored": _l("Profil kampung ditayangkan kembali"),
    "kampung.verified": _l("Kampung diverifikasi"),
    "kampung.unverified": _l("Verifikasi kampung dibatalkan"),
    "kampung.member_added": _l("Pengelola ditambahkan"),
    "kampung.member_removed": _l("Pengelola dihapus"),
    "offering.created": _l("Penawaran dibuat"),
    "offering.updated": _l("Penawaran diubah"),
    "offering.submitted": _l("Penawaran dikirim untuk ditinjau"),
    "offering.approved": _l("Penawaran disetujui"),
    "offering.rejected": _l("Penawaran ditolak"),
    "offering.hidden": _l("Penawaran disembunyikan"),
    "offering.restored": _l("Penawaran ditayangkan kembali"),
    "offering.archived": _l("Penawaran diarsipkan"),
    "offering.unarchived": _l("Penawaran dipulihkan dari arsip"),
    "photo.added": _l("Foto ditambahkan"),
    "photo.removed": _l("Foto dihapus"),
    "report.created": _l("Laporan masuk"),
    "report.resolved": _l("Laporan ditandai selesai"),
    "report.dismissed": _l("Laporan diabaikan"),
}

# Names for the keys services put in AuditEntry.data.
DATA_LABELS = {
    "reason": _l("Alasan"), "note": _l("Catatan"), "fields": _l("Kolom"), "role": _l("Peran"),
    "previous_role": _l("Peran sebelumnya"), "previous_kelurahan": _l("Kelurahan sebelumnya"),
    "name": _l("Nama"), "title": _l("Judul"), "pillar": _l("Pilar"), "category": _l("Jenis"),
    "user_id": _l("ID pengguna"), "owner": _l("Milik"),
}

ROLE_LABELS = {"visitor": _l("Pengunjung"), "kelurahan_admin": _l("Admin kelurahan"),
               "city_admin": _l("Admin kota")}
# Coded values in AuditEntry.data that have a name for people.
VALUE_LABELS = {"role": ROLE_LABELS, "previous_role": ROLE_LABELS, "category": REPORT_CATEGORIES,
                "pillar": PILLAR_LABELS}

TARGET_LABELS = {"kampung": _l("Kampung"), "offering": _l("Penawaran"), "report": _l("Laporan"),
                 "user": _l("Akun"), "photo": _l("Foto")}


def action_label(action):
    return ACTION_LABELS.get(action, action)


def target_label(target_type):
    return TARGET_LABELS.get(target_type, target_type)


def data_items(entry):
    """[(label, value)] of an entry's data, skipping empty values, reason and note first."""
    data = entry.data or {}
    keys = sorted(data, key=lambda k: (k not in ("reason", "note"), k))
    rows = []
    for key in keys:
        value = data[key]
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif key in VALUE_LABELS and isinstance(value, str):
            value = VALUE_LABELS[key].get(value, value)
        rows.append((DATA_LABELS.get(key, key), value))
    return rows


def wib_day_start(day):
    """The UTC instant at which `day` begins in Asia/Jakarta."""
    return datetime.combine(day, time.min, tzinfo=WIB).astimezone(timezone.utc)


def distinct_actions():
    """Every action that occurs in the log, sorted (for the filter's choices)."""
    return sorted(db.session.scalars(select(AuditEntry.action).distinct()))


def search(*, viewer, kelurahan=None, actor_email=None, action=None, date_from=None,
           date_to=None, page=1, per_page=PER_PAGE):
    """A page of entries, newest first; dates are whole days in WIB, both ends included.

    Raises NotAllowed (not a city admin), NotFound (no account with `actor_email`),
    InvalidValue (`date_from` after `date_to`).
    """
    if viewer is None or not viewer.is_city_admin:
        raise NotAllowed(_("Hanya admin kota yang dapat membaca log audit."))
    query = select(AuditEntry).options(selectinload(AuditEntry.actor))
    if kelurahan is not None:
        query = query.where(AuditEntry.kelurahan_id == kelurahan.id)
    if actor_email:
        actor = accounts.find_user_by_email(actor_email)
        if actor is None:
            raise NotFound(_("Tidak ada akun dengan e-mail itu."), field="actor")
        query = query.where(AuditEntry.actor_id == actor.id)
    if action:
        query = query.where(AuditEntry.action == action)
    if date_from and date_to and date_from > date_to:
        raise InvalidValue(_("Tanggal akhir tidak boleh sebelum tanggal awal."), field="date_to")
    if date_from:
        query = query.where(AuditEntry.at >= wib_day_start(date_from))
    if date_to:
        query = query.where(AuditEntry.at < wib_day_start(date_to + timedelta(days=1)))
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=max(1, page), per_page=per_page, error_out=False, count=True)


def for_target(target):
    """The entries about one kampung, offering or report, newest first."""
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == type(target).__name__.lower(),
                                 AuditEntry.target_id == target.id)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())).all()

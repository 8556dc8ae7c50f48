"""Moderation by kelurahan and city admins: review, verify, hide, reports."""
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from keren.extensions import db
from keren.models import Kampung, Offering, Report, ReportStatus, Status
from keren.models.base import utcnow
from keren.models.report import REPORT_CATEGORIES
from keren.services import audit, notify
from keren.services.errors import InvalidValue, NotAllowed

MAX_REASON = 1000


def _kind(item):
    return "kampung" if isinstance(item, Kampung) else "offering"


def _link(item):
    if isinstance(item, Kampung):
        return f"/kelola/kampung/{item.id}"
    return f"/kelola/penawaran/{item.id}"


def _managers(item):
    kampung = item if isinstance(item, Kampung) else item.kampung
    return [m.user for m in kampung.members]


def _check(item, moderator):
    if moderator is None or not item.can_moderate(moderator):
        raise NotAllowed(_("Anda bukan admin kelurahan ini."))


def _required_text(value, *, field, missing, too_long):
    value = (value or "").strip()
    if not value:
        raise InvalidValue(missing, field=field)
    if len(value) > MAX_REASON:
        raise InvalidValue(too_long, field=field)
    return value


def _reason(reason):
    return _required_text(reason, field="reason", missing=_("Alasan wajib diisi."),
                          too_long=_("Alasan terlalu panjang."))


def _note(note):
    return _required_text(note, field="note", missing=_("Catatan wajib diisi."),
                          too_long=_("Catatan terlalu panjang."))


def _decide(item, action, *, moderator, reason=None, reason_required=False, now=None):
    # Permission first: an admin of another kelurahan learns nothing from a missing reason.
    _check(item, moderator)
    if reason_required:
        reason = _reason(reason)
    now = now or utcnow()
    item.transition(action, reason=reason)
    if action == "approve":
        item.approved_snapshot = {k: v for k, v in item.content().items()}
        item.published_at = item.published_at or now
    kind = _kind(item)
    past = {"approve": "approved", "reject": "rejected", "hide": "hidden",
            "restore": "restored"}[action]
    audit.record(f"{kind}.{past}", actor=moderator, target=item, kelurahan=item.kelurahan,
                 now=now, reason=reason)
    name = item.name if isinstance(item, Kampung) else item.title
    notify.notify(_managers(item), f"{kind}.{past}", link=_link(item), name=name,
                  reason=reason or "")
    db.session.flush()


def approve(item, *, moderator, now=None):
    """Publish a pending kampung or offering. Raises NotAllowed, InvalidTransition."""
    _decide(item, "approve", moderator=moderator, now=now)


def reject(item, *, moderator, reason, now=None):
    """Send a pending item back with a reason (required)."""
    _decide(item, "reject", moderator=moderator, reason=reason, reason_required=True, now=now)


def hide(item, *, moderator, reason, now=None):
    """Take a published item off the site, with a reason (required)."""
    _decide(item, "hide", moderator=moderator, reason=reason, reason_required=True, now=now)


def restore(item, *, moderator, now=None):
    """Publish a hidden item again."""
    _decide(item, "restore", moderator=moderator, now=now)


def set_verified(kampung, verified, *, moderator, now=None):
    """Mark (or unmark) a kampung as verified by its kelurahan."""
    _check(kampung, moderator)
    now = now or utcnow()
    if verified and kampung.verified_at is None:
        kampung.verified_at, kampung.verified_by_id = now, moderator.id
        audit.record("kampung.verified", actor=moderator, target=kampung,
                     kelurahan=kampung.kelurahan, now=now)
        notify.notify(_managers(kampung), "kampung.verified", link=_link(kampung),
                      name=kampung.name)
    elif not verified and kampung.verified_at is not None:
        kampung.verified_at, kampung.verified_by_id = None, None
        audit.record("kampung.unverified", actor=moderator, target=kampung,
                     kelurahan=kampung.kelurahan, now=now)
    db.session.flush()


def changes_since_approval(item):
    """[(field, approved value, current value)] for a published item edited after approval."""
    if not item.approved_snapshot:
        return []
    current = item.content()
    return [(field, item.approved_snapshot.get(field), value)
            for field, value in current.items() if item.approved_snapshot.get(field) != value]


def _scope(query, kelurahan_column, moderator, kelurahan):
    if not moderator.is_city_admin:
        query = query.where(kelurahan_column == moderator.kelurahan_id)
    if kelurahan is not None:
        query = query.where(kelurahan_column == kelurahan.id)
    return query


def queue(moderator, *, kelurahan=None):
    """What waits for this admin: pending kampung and offerings, open reports, in scope."""
    _check_admin(moderator)
    kampung = db.session.scalars(_scope(
        select(Kampung).where(Kampung.status == Status.PENDING).order_by(Kampung.updated_at),
        Kampung.kelurahan_id, moderator, kelurahan)).all()
    offerings = db.session.scalars(_scope(
        select(Offering).join(Offering.kampung).where(Offering.status == Status.PENDING)
        .options(selectinload(Offering.kampung)).order_by(Offering.updated_at),
        Kampung.kelurahan_id, moderator, kelurahan)).all()
    reports = db.session.scalars(_scope(
        select(Report).where(Report.status == ReportStatus.OPEN).order_by(Report.created_at),
        Report.kelurahan_id, moderator, kelurahan)).all()
    return {"kampung": kampung, "offerings": offerings, "reports": reports}


def _check_admin(moderator):
    if moderator is None or not (moderator.is_city_admin or moderator.is_kelurahan_admin):
        raise NotAllowed(_("Halaman ini khusus admin."))


def published_in_scope(moderator, *, kelurahan=None):
    """Published and hidden kampung in scope, for hiding, restoring and verifying."""
    _check_admin(moderator)
    return db.session.scalars(_scope(
        select(Kampung).where(Kampung.status.in_([Status.PUBLISHED, Status.HIDDEN]))
        .order_by(Kampung.name), Kampung.kelurahan_id, moderator, kelurahan)).all()


def report(item, *, category, message, reporter=None, now=None):
    """A visitor reports a public kampung or offering. Flushes."""
    if category not in REPORT_CATEGORIES:
        raise InvalidValue(_("Pilih jenis laporan."), field="category")
    message = (message or "").strip()
    if len(message) > 2000:
        raise InvalidValue(_("Pesan terlalu panjang."), field="message")
    kampung = item if isinstance(item, Kampung) else item.kampung
    entry = Report(kelurahan_id=kampung.kelurahan_id, kampung=kampung,
                   offering=None if isinstance(item, Kampung) else item, category=category,
                   message=message, reporter_id=getattr(reporter, "id", None),
                   created_at=now or utcnow())
    db.session.add(entry)
    db.session.flush()
    audit.record("report.created", actor=reporter, target=entry, kelurahan=kampung.kelurahan,
                 now=now, category=category)
    db.session.flush()
    return entry


def close_report(entry, *, moderator, note, dismiss=False, now=None):
    """Resolve (acted on) or dismiss (nothing wrong) a report, with a note."""
    if moderator is None or not moderator.can_moderate(entry.kelurahan):
        raise NotAllowed(_("Anda bukan admin kelurahan ini."))
    if entry.status != ReportStatus.OPEN:
        raise InvalidValue(_("Laporan ini sudah ditutup."))
    # Check the note before touching the report, so a refusal leaves it as it was.
    note = _note(note)
    entry.status = ReportStatus.DISMISSED if dismiss else ReportStatus.RESOLVED
    entry.resolution_note = note
    entry.resolved_by_id = moderator.id
    entry.resolved_at = now or utcnow()
    audit.record(f"report.{entry.status.value}", actor=moderator, target=entry,
                 kelurahan=entry.kelurahan, now=now, note=entry.resolution_note)
    db.session.flush()

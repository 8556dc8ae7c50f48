"""Visit booking: slots with a capacity, claimed in one conditional UPDATE.

Places are claimed with
    UPDATE visit_slot SET booked = booked + :n
    WHERE id = :id AND status = 'open' AND booked + :n <= capacity
checked by its row count, in the same transaction as the booking row, which commits only
when exactly one row was updated; so two requests can never both take the last places (a
read-check-write overbooks under several workers; `with_for_update()` does nothing on
SQLite). Places go back the same way. A CHECK constraint (0 <= booked <= capacity) backs it.

The claim is the last statement before the commit: the booking, its audit entry and the
notices are written first, so the slot's row lock (PostgreSQL) is held only from the UPDATE
to the COMMIT. `check_request` gives the answers a plain read can give (a repeated form, bad
input, a slot closed or already full) without any lock; it may refuse, it never grants.
"""
import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from keren.extensions import db
from keren.models import (Booking, BookingStatus, Kampung, KampungMember, Offering,
                          SlotStatus, VisitSlot)
from keren.models.base import utcnow
from keren.phone import normalize_phone
from keren.services import audit, notify
from keren.services.errors import Conflict, InvalidValue, NotAllowed, ServiceError

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_CAPACITY = 1000
MAX_CUTOFF_HOURS = 14 * 24
# A fresh code is drawn this many times when one collides with an existing booking's.
CODE_ATTEMPTS = 5


class SlotFull(ServiceError):
    """Not enough places left in the slot."""


class SlotUnavailable(ServiceError):
    """The slot is closed, cancelled, past or within the booking cut-off."""


def new_code():
    return "KRN-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(5))


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _settings():
    config = current_app.config
    return (timedelta(hours=config["BOOKING_RESPONSE_HOURS"]),
            config.get("BOOKING_TEST_UNGUARDED", False),
            config.get("BOOKING_TEST_RACE_DELAY", 0))


# --- slots ----------------------------------------------------------------------------------

def _check_manager(offering, actor):
    if not offering.can_edit(actor):
        raise NotAllowed(_("Anda tidak mengelola kampung ini."))


def add_slot(offering, *, actor, starts_at, ends_at, capacity, min_party=1, max_party=None,
             now=None):
    """A one-off slot. Flushes. Raises NotAllowed, InvalidValue, Conflict."""
    _check_manager(offering, actor)
    now = now or utcnow()
    max_party = max_party or capacity
    if starts_at <= now:
        raise InvalidValue(_("Waktu mulai harus di masa depan."), field="starts_at")
    if ends_at <= starts_at:
        raise InvalidValue(_("Waktu selesai harus setelah waktu mulai."), field="ends_at")
    if not (1 <= capacity <= MAX_CAPACITY):
        raise InvalidValue(_("Kapasitas harus antara 1 dan %(n)d orang.", n=MAX_CAPACITY),
                           field="capacity")
    if not (1 <= min_party <= max_party <= capacity):
        raise InvalidValue(_("Ukuran rombongan minimal harus 1 sampai maksimal, dan maksimal "
                             "tidak boleh melebihi kapasitas."), field="min_party")
    # By id, not `offering=`: the backref would put the slot in offering.slots before it is
    # in the session, and begin_nested()'s flush warns about (and skips) it.
    slot = VisitSlot(offering_id=offering.id, starts_at=starts_at, ends_at=ends_at,
                     capacity=capacity, min_party=min_party, max_party=max_party)
    try:
        with db.session.begin_nested():
            db.session.add(slot)
    except IntegrityError:
        raise Conflict(_("Sudah ada jadwal yang mulai pada waktu itu."), field="starts_at") from None
    audit.record("slot.created", actor=actor, target=slot, kelurahan=offering.kelurahan, now=now,
                 starts_at=starts_at.isoformat(), capacity=capacity)
    db.session.flush()
    return slot


def add_weekly_slots(offering, *, actor, weekday, start, end, capacity, weeks=4, min_party=1,
                     max_party=None, now=None, tz=None):
    """Slots on `weekday` (0 = Monday) from `start` to `end` (WIB times) for `weeks` weeks
    ahead; dates that already have a slot at that time are skipped. Returns the new slots."""
    from zoneinfo import ZoneInfo
    _check_manager(offering, actor)
    tz = tz or ZoneInfo("Asia/Jakarta")
    now = now or utcnow()
    if not (1 <= weeks <= 26):
        raise InvalidValue(_("Jadwal mingguan dibuat untuk 1 sampai 26 minggu."), field="weeks")
    today = now.astimezone(tz).date()
    first = today + timedelta(days=(weekday - today.weekday()) % 7)
    existing = set(db.session.scalars(select(VisitSlot.starts_at)
                                      .where(VisitSlot.offering_id == offering.id)))
    created = []
    for week in range(weeks):
        day = first + timedelta(weeks=week)
        starts_at = datetime.combine(day, start, tzinfo=tz).astimezone(now.tzinfo)
        ends_at = datetime.combine(day, end, tzinfo=tz).astimezone(now.tzinfo)
        if starts_at <= now or starts_at in existing:
            continue
        created.append(add_slot(offering, actor=actor, starts_at=starts_at, ends_at=ends_at,
                                capacity=capacity, min_party=min_party, max_party=max_party,
                                now=now))
    return created


def change_capacity(slot, *, actor, capacity, now=None):
    """Set a new capacity; never below the places already taken. A largest party bigger than
    the new capacity shrinks with it (most slots have max_party = capacity)."""
    _check_manager(slot.offering, actor)
    if not (1 <= capacity <= MAX_CAPACITY):
        raise InvalidValue(_("Kapasitas harus antara 1 dan %(n)d orang.", n=MAX_CAPACITY),
                           field="capacity")
    # One statement, so a booking that lands meanwhile is counted.
    result = db.session.execute(
        update(VisitSlot).where(VisitSlot.id == slot.id, VisitSlot.booked <= capacity,
                                VisitSlot.min_party <= capacity)
        .values(capacity=capacity,
                max_party=case((VisitSlot.max_party > capacity, capacity),
                               else_=VisitSlot.max_party))
        .execution_options(synchronize_session=False))
    db.session.refresh(slot)
    if result.rowcount != 1:
        if slot.booked > capacity:
            message = _("Kapasitas tidak bisa di bawah %(n)d: tempat itu sudah dipesan.",
                        n=slot.booked)
        else:
            message = _("Kapasitas tidak bisa di bawah ukuran rombongan terkecil (%(n)d orang).",
                        n=slot.min_party)
        raise InvalidValue(message, field="capacity")
    audit.record("slot.capacity_changed", actor=actor, target=slot,
                 kelurahan=slot.offering.kelurahan, now=now, capacity=capacity)
    db.session.flush()


def close_slot(slot, *, actor, now=None):
    """Stop taking bookings for a slot; existing bookings stand."""
    _check_manager(slot.offering, actor)
    if slot.status != SlotStatus.OPEN:
        raise InvalidValue(_("Jadwal ini sudah tidak dibuka."))
    slot.status = SlotStatus.CLOSED
    audit.record("slot.closed", actor=actor, target=slot, kelurahan=slot.offering.kelurahan,
                 now=now)
    db.session.flush()


def cancel_slot(slot, *, actor, reason, now=None):
    """Cancel the visit: every booking holding places is cancelled and its visitor told."""
    _check_manager(slot.offering, actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidValue(_("Alasan wajib diisi."), field="reason")
    if slot.status == SlotStatus.CANCELLED:
        raise InvalidValue(_("Jadwal ini sudah dibatalkan."))
    now = now or utcnow()
    slot.status = SlotStatus.CANCELLED
    for booking in list(slot.bookings):
        if booking.holds_places:
            _move(booking, BookingStatus.CANCELLED, now=now, reason=reason, release=True)
            notify.notify_booking(booking, "booking.slot_cancelled", reason=reason)
    audit.record("slot.cancelled", actor=actor, target=slot, kelurahan=slot.offering.kelurahan,
                 now=now, reason=reason)
    db.session.flush()


def open_slots(offering, *, now=None, expire=True):
    """Future open slots with room for at least the smallest party and not past the cut-off,
    soonest first. Overdue requests are expired first, so their places show as free
    (`expire=False` when the caller has just done so)."""
    now = now or utcnow()
    if expire:
        expire_overdue(now=now, offering=offering)
    cutoff = now + timedelta(hours=offering.booking_cutoff_hours)
    return db.session.scalars(
        select(VisitSlot).where(VisitSlot.offering_id == offering.id,
                                VisitSlot.status == SlotStatus.OPEN,
                                VisitSlot.starts_at > cutoff,
                                VisitSlot.booked + VisitSlot.min_party <= VisitSlot.capacity)
        .order_by(VisitSlot.starts_at)).all()


def upcoming_slots(offering, *, now=None):
    """The offering's slots that have not ended yet, whatever their status, soonest first."""
    now = now or utcnow()
    return db.session.scalars(
        select(VisitSlot).where(VisitSlot.offering_id == offering.id, VisitSlot.ends_at > now)
        .order_by(VisitSlot.starts_at)).all()


def update_booking_settings(offering, *, actor, bookable, cutoff_hours, now=None):
    """Open or close an offering to bookings and set its cut-off. Flushes."""
    _check_manager(offering, actor)
    if not (0 <= cutoff_hours <= MAX_CUTOFF_HOURS):
        raise InvalidValue(_("Batas pemesanan harus antara 0 dan %(n)d jam sebelum mulai.",
                             n=MAX_CUTOFF_HOURS), field="booking_cutoff_hours")
    offering.is_bookable = bool(bookable)
    offering.booking_cutoff_hours = cutoff_hours
    audit.record("offering.booking_settings", actor=actor, target=offering,
                 kelurahan=offering.kelurahan, now=now, bookable=bool(bookable),
                 cutoff_hours=cutoff_hours)
    db.session.flush()


# --- bookings -------------------------------------------------------------------------------

def _claim(slot_id, party_size, cutoff):
    """Take `party_size` places in one statement; True when they were free."""
    result = db.session.execute(
        update(VisitSlot)
        .where(VisitSlot.id == slot_id, VisitSlot.status == SlotStatus.OPEN,
               VisitSlot.starts_at > cutoff,
               VisitSlot.booked + party_size <= VisitSlot.capacity)
        .values(booked=VisitSlot.booked + party_size)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _claim_unguarded(slot_id, party_size, delay):
    """TEST-ONLY negative control (BOOKING_TEST_UNGUARDED): the read-check-write that the
    conditional UPDATE replaces, with a pause between check and write. It commits the read,
    like a driver in autocommit mode, so that the race the tests must catch can happen."""
    booked, capacity = db.session.execute(
        select(VisitSlot.booked, VisitSlot.capacity).where(VisitSlot.id == slot_id)).one()
    db.session.commit()
    if booked + party_size > capacity:
        return False
    time.sleep(delay)
    db.session.execute(update(VisitSlot).where(VisitSlot.id == slot_id)
                       .values(booked=booked + party_size)
                       .execution_options(synchronize_session=False))
    return True


def _release(slot_id, party_size):
    db.session.execute(
        update(VisitSlot).where(VisitSlot.id == slot_id, VisitSlot.booked >= party_size)
        .values(booked=VisitSlot.booked - party_size)
        .execution_options(synchronize_session=False))


def slot_for_request(slot_id):
    """The slot with its offering and kampung, in one query."""
    return db.session.get(VisitSlot, slot_id, options=[
        joinedload(VisitSlot.offering).joinedload(Offering.kampung)])


def _earlier_or_refusal(slot, *, party_size, name, phone, idempotency_key, now):
    """The checks request_visit makes before claiming. Returns the booking an earlier sending
    of the same form made, or None; raises SlotUnavailable, InvalidValue."""
    offering = slot.offering
    if not offering.is_public or not offering.is_bookable:
        raise SlotUnavailable(_("Penawaran ini tidak bisa dipesan."))
    if idempotency_key:
        existing = db.session.scalar(select(Booking).where(
            Booking.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    if not " ".join((name or "").split()):
        raise InvalidValue(_("Nama wajib diisi."), field="name")
    if normalize_phone(phone) is None:
        raise InvalidValue(_("Nomor WhatsApp tidak valid. Contoh: 0812-3456-7890."),
                           field="phone")
    cutoff = now + timedelta(hours=offering.booking_cutoff_hours)
    if slot.status != SlotStatus.OPEN or slot.starts_at <= cutoff:
        raise SlotUnavailable(_("Jadwal ini sudah tidak bisa dipesan. Pilih jadwal lain."),
                              field="slot")
    if not (slot.min_party <= party_size <= slot.max_party):
        raise InvalidValue(_("Jumlah orang untuk jadwal ini %(lo)d sampai %(hi)d.",
                             lo=slot.min_party, hi=slot.max_party), field="party_size")
    return None


def _slot_full():
    return SlotFull(_("Maaf, tempat di jadwal ini tidak cukup lagi. Pilih jadwal lain atau "
                      "kurangi jumlah orang."), field="slot")


def check_request(slot, *, party_size, name, phone, email=None, note="", user=None,
                  idempotency_key=None, now=None):
    """Answer what a read can, before any lock is taken: returns the booking an earlier
    sending of the same form made (or None), raises what request_visit would raise, and
    SlotFull when the places left *as read* are too few. Writes nothing; when it says go
    ahead, it loads what request_visit will need. None is no promise: only request_visit's
    conditional UPDATE grants places. Read the slot in this same transaction
    (slot_for_request), so that `booked` is not older than the request."""
    now = now or utcnow()
    earlier = _earlier_or_refusal(slot, party_size=party_size, name=name, phone=phone,
                                  idempotency_key=idempotency_key, now=now)
    if earlier is not None:
        return earlier
    if slot.booked + party_size > slot.capacity:
        raise _slot_full()
    # Going ahead: load the kelurahan (audit) and the managers to notify now, so that the
    # write transaction only writes.
    db.session.scalars(select(Kampung).where(Kampung.id == slot.offering.kampung_id).options(
        joinedload(Kampung.kelurahan),
        selectinload(Kampung.members).joinedload(KampungMember.user))).one()
    return None


def request_visit(slot, *, party_size, name, phone, email=None, note="", user=None,
                  idempotency_key=None, now=None):
    """Ask for places in a slot. Returns (booking, manage token or None when this is a repeat
    of an earlier submission). Raises SlotFull, SlotUnavailable, InvalidValue; after SlotFull
    the booking, audit and notice rows are flushed but hold no places: roll back, as after
    any service error."""
    now = now or utcnow()
    offering = slot.offering
    existing = _earlier_or_refusal(slot, party_size=party_size, name=name, phone=phone,
                                   idempotency_key=idempotency_key, now=now)
    if existing is not None:
        return existing, None
    name = " ".join(name.split())
    cutoff = now + timedelta(hours=offering.booking_cutoff_hours)
    respond_within, unguarded, delay = _settings()
    token = secrets.token_urlsafe(24)
    # Test-only negative control: None unless BOOKING_TEST_UNGUARDED is on.
    claimed = _claim_unguarded(slot.id, party_size, delay) if unguarded else None
    if claimed is False:
        raise _slot_full()
    for attempt in range(CODE_ATTEMPTS):
        try:
            with db.session.begin_nested():
                booking = Booking(code=new_code(), slot_id=slot.id, party_size=party_size,
                                  name=name[:100], phone=normalize_phone(phone),
                                  email=(email or None), note=(note or "")[:1000],
                                  user_id=getattr(user, "id", None),
                                  token_hash=hash_token(token), idempotency_key=idempotency_key,
                                  created_at=now,
                                  respond_by=min(now + respond_within, slot.starts_at))
                db.session.add(booking)
            break
        except IntegrityError:
            # The same form sent twice at once: the other request's booking stands.
            existing = db.session.scalar(select(Booking).where(
                Booking.idempotency_key == idempotency_key)) if idempotency_key else None
            if existing is not None:
                return existing, None
            # Otherwise the random code was taken: try a new one.
            if attempt == CODE_ATTEMPTS - 1:
                raise
    audit.record("booking.requested", actor=user, target=booking, kelurahan=offering.kelurahan,
                 now=now, party_size=party_size, slot_id=slot.id)
    notify.notify_booking(booking, "booking.requested", token=token)
    db.session.flush()
    # Last, so that the slot's row stays locked (PostgreSQL) only until the commit that
    # follows: claim the places, or none of the rows above may stand.
    if claimed is None and not _claim(slot.id, party_size, cutoff):
        raise _slot_full()
    db.session.expire(slot, ["booked"])
    return booking, token


# The moves that answer a request.
ANSWERS = (BookingStatus.CONFIRMED, BookingStatus.DECLINED)


def _move(booking, status, *, now, reason=None, release=False):
    """Change status with a conditional UPDATE, so two clicks cannot release places twice.
    Confirming or declining is the kampung's answer: its time is kept in `answered_at`."""
    answered = {"answered_at": now} if status in ANSWERS else {}
    result = db.session.execute(
        update(Booking).where(Booking.id == booking.id, Booking.status == booking.status)
        .values(status=status, responded_at=now, reason=reason, **answered)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(booking)
        raise InvalidValue(_("Pesanan ini sudah berubah status. Muat ulang halaman."))
    if release:
        _release(booking.slot_id, booking.party_size)
    db.session.refresh(booking)
    db.session.refresh(booking.slot)


def _check_move(booking, status):
    if not booking.can_move_to(status):
        raise InvalidValue(_("Pesanan berstatus \"%(status)s\" tidak bisa diubah seperti itu.",
                             status=booking.status_label))


def confirm(booking, *, actor, now=None):
    _check_manager(booking.offering, actor)
    _check_move(booking, BookingStatus.CONFIRMED)
    now = now or utcnow()
    _move(booking, BookingStatus.CONFIRMED, now=now)
    audit.record("booking.confirmed", actor=actor, target=booking,
                 kelurahan=booking.offering.kelurahan, now=now)
    notify.notify_booking(booking, "booking.confirmed")


def decline(booking, *, actor, reason, now=None):
    _check_manager(booking.offering, actor)
    _check_move(booking, BookingStatus.DECLINED)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidValue(_("Alasan wajib diisi."), field="reason")
    now = now or utcnow()
    _move(booking, BookingStatus.DECLINED, now=now, reason=reason, release=True)
    audit.record("booking.declined", actor=actor, target=booking,
                 kelurahan=booking.offering.kelurahan, now=now, reason=reason)
    notify.notify_booking(booking, "booking.declined", reason=reason)


def mark_visit(booking, status, *, actor, now=None):
    """After the visit started: completed or no-show."""
    _check_manager(booking.offering, actor)
    status = BookingStatus(status)
    if status not in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
        raise InvalidValue(_("Status tidak dikenal."))
    _check_move(booking, status)
    now = now or utcnow()
    if booking.slot.starts_at > now:
        raise InvalidValue(_("Kunjungan ini belum dimulai."))
    _move(booking, status, now=now)
    audit.record(f"booking.{status.value}", actor=actor, target=booking,
                 kelurahan=booking.offering.kelurahan, now=now)


def cancel(booking, *, user=None, now=None):
    """The visitor cancels (by the manage link or their account) until the cut-off."""
    now = now or utcnow()
    _check_move(booking, BookingStatus.CANCELLED)
    if now >= booking.cancel_deadline:
        raise InvalidValue(_("Batas waktu pembatalan sudah lewat. Hubungi kampung lewat WhatsApp."))
    _move(booking, BookingStatus.CANCELLED, now=now, release=True)
    audit.record("booking.cancelled", actor=user, target=booking,
                 kelurahan=booking.offering.kelurahan, now=now)
    notify.notify_booking(booking, "booking.cancelled")


def expire_overdue(*, now=None, offering=None):
    """Expire unanswered requests past their deadline and free their places. Returns count."""
    now = now or utcnow()
    query = select(Booking).where(Booking.status == BookingStatus.REQUESTED,
                                  Booking.respond_by <= now)
    if offering is not None:
        query = query.join(Booking.slot).where(VisitSlot.offering_id == offering.id)
    count = 0
    for booking in db.session.scalars(query).all():
        try:
            _move(booking, BookingStatus.EXPIRED, now=now, release=True)
        except InvalidValue:
            continue  # answered meanwhile
        audit.record("booking.expired", actor=None, target=booking,
                     kelurahan=booking.offering.kelurahan, now=now)
        notify.notify_booking(booking, "booking.expired")
        count += 1
    db.session.flush()
    return count


def by_code_and_token(code, token):
    """The booking whose manage link this is, or None (a wrong token is as good as no code)."""
    booking = db.session.scalar(select(Booking).where(Booking.code == (code or "").upper()))
    if booking is None or not token or not hmac.compare_digest(booking.token_hash,
                                                               hash_token(token)):
        return None
    return booking


def inbox(user, *, now=None):
    """Bookings of the kampung this user manages, the open requests first."""
    expire_overdue(now=now)
    return db.session.scalars(
        select(Booking).join(Booking.slot).join(VisitSlot.offering).join(Offering.kampung)
        .join(KampungMember, KampungMember.kampung_id == Kampung.id)
        .where(KampungMember.user_id == user.id)
        .order_by((Booking.status != BookingStatus.REQUESTED), VisitSlot.starts_at)).all()


def overdue_exists(*, now=None, offering=None):
    """True when some unanswered request is past its deadline (a read-only check, so a page
    can decide whether it needs a write transaction to expire them)."""
    query = select(Booking.id).where(Booking.status == BookingStatus.REQUESTED,
                                     Booking.respond_by <= (now or utcnow()))
    if offering is not None:
        query = query.join(Booking.slot).where(VisitSlot.offering_id == offering.id)
    return db.session.scalar(query.limit(1)) is not None


def by_code(code):
    return db.session.scalar(select(Booking).where(Booking.code == (code or "").upper()))


def bookings_of(user):
    """A visitor's own bookings, the latest visit first."""
    return db.session.scalars(
        select(Booking).join(Booking.slot).where(Booking.user_id == user.id)
        .order_by(VisitSlot.starts_at.desc())).all()

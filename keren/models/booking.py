"""Visit slots with a capacity, and bookings that claim places in them."""
import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keren.extensions import db
from keren.models.base import UTCDateTime, utcnow


def _enum(cls, name, length=12):
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e],
                validate_strings=True, create_constraint=True, name=name)


class SlotStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"        # no new bookings; existing ones stand
    CANCELLED = "cancelled"  # the visit will not happen; bookings are cancelled


class VisitSlot(db.Model):
    """A dated time window of an offering with `capacity` places, `booked` of them taken."""

    __tablename__ = "visit_slot"
    __table_args__ = (
        # The database itself refuses an overbooked or negative counter.
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("min_party >= 1 AND min_party <= max_party", name="party_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        UniqueConstraint("offering_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id", ondelete="CASCADE"),
                                             index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)
    min_party: Mapped[int] = mapped_column(default=1)
    max_party: Mapped[int] = mapped_column(default=10)
    status: Mapped[SlotStatus] = mapped_column(_enum(SlotStatus, "slot_status"),
                                               default=SlotStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offering = relationship("Offering", back_populates="slots")
    bookings = relationship("Booking", back_populates="slot", order_by="Booking.id")

    @property
    def places_left(self):
        return self.capacity - self.booked

    @property
    def is_open(self):
        return self.status == SlotStatus.OPEN


class BookingStatus(enum.StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


# Bookings in these states hold places in their slot.
HOLDING = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)

BOOKING_STATUS_LABELS = {
    BookingStatus.REQUESTED: _l("Menunggu konfirmasi"),
    BookingStatus.CONFIRMED: _l("Dikonfirmasi"),
    BookingStatus.DECLINED: _l("Ditolak"),
    BookingStatus.EXPIRED: _l("Kedaluwarsa"),
    BookingStatus.CANCELLED: _l("Dibatalkan"),
    BookingStatus.COMPLETED: _l("Selesai"),
    BookingStatus.NO_SHOW: _l("Tidak datang"),
}

# status -> the statuses it may move to
BOOKING_TRANSITIONS = {
    BookingStatus.REQUESTED: {BookingStatus.CONFIRMED, BookingStatus.DECLINED,
                              BookingStatus.EXPIRED, BookingStatus.CANCELLED},
    BookingStatus.CONFIRMED: {BookingStatus.COMPLETED, BookingStatus.NO_SHOW,
                              BookingStatus.CANCELLED},
}


class Booking(db.Model):
    """A visitor's request for places in one slot, with a code and a secret manage link."""

    __tablename__ = "booking"
    __table_args__ = (CheckConstraint("party_size >= 1", name="party_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("visit_slot.id"), index=True)
    party_size: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus, "booking_status"),
                                                  default=BookingStatus.REQUESTED, index=True)
    # sha256 of the secret in the manage link; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # One booking per form submission, however often it is sent (double tap, retry).
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the kampung first answered (confirmed or declined): the host's response time.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slot = relationship("VisitSlot", back_populates="bookings")
    user = relationship("User")

    @property
    def offering(self):
        return self.slot.offering

    @property
    def holds_places(self):
        return self.status in HOLDING

    @property
    def status_label(self):
        return BOOKING_STATUS_LABELS[self.status]

    def can_move_to(self, status):
        return status in BOOKING_TRANSITIONS.get(self.status, set())

    @property
    def cancel_deadline(self):
        """The visitor may cancel until the offering's booking cut-off before the start."""
        return self.slot.starts_at - timedelta(hours=self.slot.offering.booking_cutoff_hours)

    def can_cancel(self, now):
        return self.can_move_to(BookingStatus.CANCELLED) and now < self.cancel_deadline

    def can_mark_visit(self, now):
        """Completed or no-show: a confirmed booking whose visit has started."""
        return self.status == BookingStatus.CONFIRMED and self.slot.starts_at <= now

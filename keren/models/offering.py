"""Offerings: what a kampung offers in the three pillars."""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keren.extensions import db
from keren.models.base import UTCDateTime, utcnow
from keren.models.status import Status, StatusMixin, status_column_type


class Pillar(enum.StrEnum):
    WISATA = "wisata"
    DAGANG = "dagang"
    EDUKASI = "edukasi"


PILLAR_LABELS = {Pillar.WISATA: _l("Wisata"), Pillar.DAGANG: _l("Dagang"),
                 Pillar.EDUKASI: _l("Edukasi")}

PRICE_UNITS = {
    "orang": _l("per orang"), "rombongan": _l("per rombongan"), "pcs": _l("per pcs"),
    "kg": _l("per kg"), "paket": _l("per paket"), "porsi": _l("per porsi"),
    "lembar": _l("per lembar"), "ekor": _l("per ekor"), "sesi": _l("per sesi"),
}

AUDIENCES = {
    "tk_sd": _l("TK/SD"), "smp": _l("SMP"), "sma": _l("SMA/SMK"),
    "mahasiswa": _l("Mahasiswa"), "umum": _l("Umum"),
}

STOCK_MODES = {"ready": _l("Stok siap"), "preorder": _l("Dibuat sesuai pesanan")}

# The fields an admin reviews; their values at approval are kept to show what changed since.
OFFERING_CONTENT_FIELDS = (
    "title", "summary", "description", "price_idr", "price_unit", "tags_text",
    "duration_minutes", "opening_hours", "what_to_bring", "stock_mode", "min_order",
    "topic", "audience_text", "min_group", "max_group")


class Offering(StatusMixin, db.Model):
    """One listing of a kampung: a visit, a product or a class."""

    __tablename__ = "offering"
    __table_args__ = (
        CheckConstraint("price_idr IS NULL OR price_idr >= 0", name="price_not_negative"),
        CheckConstraint("min_group IS NULL OR max_group IS NULL OR min_group <= max_group",
                        name="group_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kampung_id: Mapped[int] = mapped_column(ForeignKey("kampung.id", ondelete="CASCADE"),
                                            index=True)
    pillar: Mapped[Pillar] = mapped_column(
        Enum(Pillar, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e],
             validate_strings=True, create_constraint=True, name="pillar"), index=True)
    title: Mapped[str] = mapped_column(String(140))
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Whole rupiah; None means free.
    price_idr: Mapped[int | None]
    price_unit: Mapped[str] = mapped_column(String(20), default="orang")
    # Comma-separated, lower-case.
    tags_text: Mapped[str] = mapped_column(String(300), default="")
    # wisata and edukasi
    duration_minutes: Mapped[int | None]
    # wisata
    opening_hours: Mapped[str] = mapped_column(String(200), default="")
    what_to_bring: Mapped[str] = mapped_column(String(300), default="")
    # dagang
    stock_mode: Mapped[str | None] = mapped_column(String(10))
    min_order: Mapped[int | None]
    # edukasi
    topic: Mapped[str] = mapped_column(String(140), default="")
    audience_text: Mapped[str] = mapped_column(String(100), default="")
    min_group: Mapped[int | None]
    max_group: Mapped[int | None]

    # Visits can be booked in slots (see keren.models.booking).
    is_bookable: Mapped[bool] = mapped_column(default=False)
    # No bookings within this many hours of a slot's start.
    booking_cutoff_hours: Mapped[int] = mapped_column(default=12)
    status: Mapped[Status] = mapped_column(status_column_type(), default=Status.DRAFT, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    approved_snapshot: Mapped[dict | None] = mapped_column(JSON)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow,
                                                 index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    kampung = relationship("Kampung", back_populates="offerings")
    slots = relationship("VisitSlot", back_populates="offering", order_by="VisitSlot.starts_at",
                         cascade="all, delete-orphan")
    photos = relationship("Photo", back_populates="offering", order_by="(Photo.position, Photo.id)",
                          cascade="all, delete-orphan")

    @property
    def kelurahan(self):
        return self.kampung.kelurahan

    @property
    def tags(self):
        return [t for t in self.tags_text.split(",") if t]

    @property
    def audiences(self):
        return [a for a in self.audience_text.split(",") if a]

    @property
    def pillar_label(self):
        return PILLAR_LABELS[self.pillar]

    @property
    def price_unit_label(self):
        return PRICE_UNITS.get(self.price_unit, self.price_unit)

    @property
    def is_free(self):
        return self.price_idr is None or self.price_idr == 0

    @property
    def is_public(self):
        """Public only while both the offering and its kampung are published."""
        return self.status == Status.PUBLISHED and self.kampung.status == Status.PUBLISHED

    def can_edit(self, user):
        return self.kampung.can_edit(user)

    def can_moderate(self, user):
        return self.kampung.can_moderate(user)

    def is_visible_to(self, user):
        if self.is_public:
            return True
        return self.can_edit(user) or self.can_moderate(user)

    def content(self):
        return {field: getattr(self, field) for field in OFFERING_CONTENT_FIELDS}

    def __repr__(self):
        return f"<Offering {self.id} {self.slug} {self.status.value}>"

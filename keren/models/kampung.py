"""Kampung profiles, their managers and their photos."""
import enum
from datetime import datetime

from sqlalchemy import (JSON, Enum, ForeignKey, Index, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keren.extensions import db
from keren.models.base import UTCDateTime, utcnow
from keren.models.status import Status, StatusMixin, status_column_type


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    EDITOR = "editor"


# The profile fields an admin reviews; their values at approval are kept to show changes.
KAMPUNG_CONTENT_FIELDS = ("name", "tagline", "story", "address", "latitude", "longitude",
                          "whatsapp")


class Kampung(StatusMixin, db.Model):
    """A kampung's public profile in one kelurahan."""

    __tablename__ = "kampung"

    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    tagline: Mapped[str] = mapped_column(String(160), default="")
    story: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    whatsapp: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[Status] = mapped_column(status_column_type(), default=Status.DRAFT, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved_snapshot: Mapped[dict | None] = mapped_column(JSON)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow,
                                                 index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    kelurahan = relationship("Kelurahan")
    members: Mapped[list["KampungMember"]] = relationship(
        back_populates="kampung", cascade="all, delete-orphan", order_by="KampungMember.id")
    all_photos: Mapped[list["Photo"]] = relationship(back_populates="kampung",
                                                     cascade="all, delete-orphan")
    # The profile's own gallery (not its offerings' photos); the first is the cover.
    photos: Mapped[list["Photo"]] = relationship(
        order_by="(Photo.position, Photo.id)", viewonly=True,
        primaryjoin="and_(Photo.kampung_id == Kampung.id, Photo.offering_id.is_(None))")
    offerings = relationship("Offering", back_populates="kampung", order_by="Offering.id",
                             cascade="all, delete-orphan")

    @property
    def is_verified(self):
        return self.verified_at is not None

    @property
    def cover(self):
        return self.photos[0] if self.photos else None

    def member_role(self, user):
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        for member in self.members:
            if member.user_id == user.id:
                return member.role
        return None

    def can_edit(self, user):
        """Owners and editors manage the profile and its offerings."""
        return self.member_role(user) is not None

    def can_manage_members(self, user):
        return self.member_role(user) == MemberRole.OWNER

    def can_moderate(self, user):
        return bool(getattr(user, "is_authenticated", False)) and user.can_moderate(self.kelurahan)

    def is_visible_to(self, user):
        """Published profiles are public; the rest only for their managers and admins."""
        if self.status == Status.PUBLISHED:
            return True
        return self.can_edit(user) or self.can_moderate(user)

    def content(self):
        return {field: getattr(self, field) for field in KAMPUNG_CONTENT_FIELDS}

    def __repr__(self):
        return f"<Kampung {self.id} {self.slug} {self.status.value}>"


class KampungMember(db.Model):
    """A resident's role in managing one kampung."""

    __tablename__ = "kampung_member"
    __table_args__ = (UniqueConstraint("kampung_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kampung_id: Mapped[int] = mapped_column(ForeignKey("kampung.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(
        Enum(MemberRole, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e],
             validate_strings=True, create_constraint=True, name="member_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    kampung: Mapped[Kampung] = relationship(back_populates="members")
    user = relationship("User")


class Photo(db.Model):
    """A re-encoded image of a kampung (offering_id null) or of one of its offerings."""

    __tablename__ = "photo"
    __table_args__ = (Index("ix_photo_owner", "kampung_id", "offering_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kampung_id: Mapped[int] = mapped_column(ForeignKey("kampung.id", ondelete="CASCADE"))
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offering.id", ondelete="CASCADE"))
    # Server-made name; files are <stem>-display.jpg and <stem>-thumb.jpg in the upload folder.
    stem: Mapped[str] = mapped_column(String(40), unique=True)
    alt_text: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    kampung = relationship("Kampung", back_populates="all_photos")
    offering = relationship("Offering", back_populates="photos")

    @property
    def display_name(self):
        return f"{self.stem}-display.jpg"

    @property
    def thumb_name(self):
        return f"{self.stem}-thumb.jpg"

"""Public reports about a kampung or an offering, and on-site notices to users."""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keren.extensions import db
from keren.models.base import UTCDateTime, utcnow


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


REPORT_CATEGORIES = {
    "wrong_info": _l("Informasi salah"),
    "fraud": _l("Penipuan"),
    "inappropriate": _l("Tidak pantas"),
    "other": _l("Lainnya"),
}


class Report(db.Model):
    """A visitor's "Laporkan": lands in the kelurahan's moderation queue."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    kampung_id: Mapped[int] = mapped_column(ForeignKey("kampung.id", ondelete="CASCADE"))
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offering.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[ReportStatus] = mapped_column(
        Enum(ReportStatus, native_enum=False, length=10,
             values_callable=lambda e: [m.value for m in e], validate_strings=True,
             create_constraint=True, name="report_status"),
        default=ReportStatus.OPEN, index=True)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    kelurahan = relationship("Kelurahan")
    kampung = relationship("Kampung")
    offering = relationship("Offering")

    @property
    def target(self):
        return self.offering or self.kampung

    @property
    def category_label(self):
        return REPORT_CATEGORIES.get(self.category, self.category)


class Notification(db.Model):
    """A message to one user about a decision, shown on their dashboard."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # A key of keren.services.notify.NOTICES, rendered in the reader's language, and its values.
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

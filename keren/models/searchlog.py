"""What visitors search for, kept for the city's demand figures: no personal data."""
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from keren.extensions import db
from keren.models.base import UTCDateTime, utcnow


class SearchLog(db.Model):
    """One search: the normalised query, the filters and how many results it found."""

    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    query: Mapped[str] = mapped_column(String(200), index=True)
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    result_count: Mapped[int]
    # "web" (/cari) or "api"
    source: Mapped[str] = mapped_column(String(8), default="web")

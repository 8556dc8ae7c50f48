"""The programme's figures: page-view counters and the monthly roll-up behind the dashboard.

Nothing here identifies a person: counters are per day and page, the roll-up per month and
kelurahan (or search scope and query).
"""
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from keren.extensions import db
from keren.models.base import UTCDateTime, utcnow

# PageStat.event
VIEW = "view"
WHATSAPP = "whatsapp"


class PageStat(db.Model):
    """How often a public kampung page (offering_id 0) or offering page was seen, or its
    WhatsApp button used, on one day (WIB). Counted on the server, without cookies or
    addresses; obvious bots are not counted."""

    __tablename__ = "page_stat"
    __table_args__ = (Index("ix_page_stat_kampung_day", "kampung_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kampung_id: Mapped[int] = mapped_column(ForeignKey("kampung.id", ondelete="CASCADE"),
                                            primary_key=True)
    # 0 for the kampung's own page: part of the key, so not NULL and not a foreign key.
    offering_id: Mapped[int] = mapped_column(primary_key=True, default=0)
    event: Mapped[str] = mapped_column(String(10), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class MonthlyStat(db.Model):
    """One kelurahan's figures for one month, computed from the counters and the bookings by
    `keren.services.stats.refresh_month` (never edited by hand).

    Booking requests, answers (confirmed/declined), expiries and cancellations count in the
    month the request was made; visits (completed, no-show, visitors, spending) in the month
    of the visit."""

    __tablename__ = "monthly_stat"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the 1st of the month
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"), primary_key=True)
    kampung_views: Mapped[int] = mapped_column(default=0)
    offering_views: Mapped[int] = mapped_column(default=0)
    whatsapp_clicks: Mapped[int] = mapped_column(default=0)
    booking_requests: Mapped[int] = mapped_column(default=0)
    bookings_confirmed: Mapped[int] = mapped_column(default=0)
    bookings_declined: Mapped[int] = mapped_column(default=0)
    bookings_expired: Mapped[int] = mapped_column(default=0)
    bookings_cancelled: Mapped[int] = mapped_column(default=0)
    visits_completed: Mapped[int] = mapped_column(default=0)
    no_shows: Mapped[int] = mapped_column(default=0)
    visitors: Mapped[int] = mapped_column(default=0)
    spending_idr: Mapped[int] = mapped_column(BigInteger, default=0)
    # minutes the host took to answer -> how many answers took that long (exact medians
    # over any period come from merging these)
    response_minutes: Mapped[dict] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchStat(db.Model):
    """How often a query was searched in a month, and how often it found nothing, per scope:
    "" for searches across the city, else the code of the kecamatan or kelurahan the search
    was narrowed to."""

    __tablename__ = "search_stat"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    query: Mapped[str] = mapped_column(String(200), primary_key=True)
    searches: Mapped[int] = mapped_column(default=0)
    zero_results: Mapped[int] = mapped_column(default=0)

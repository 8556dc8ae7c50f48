"""The programme's figures: counting page views and WhatsApp clicks, the monthly roll-up, and
the scorecard read from it.

Counting stores no person: a counter per day (WIB), page and event, incremented in one
upsert. The roll-up (`MonthlyStat`, `SearchStat`) is computed per month from the counters,
the bookings and the search log, so a dashboard over 46 kelurahan and a year reads a few
hundred rows whatever the size of the raw tables. A month is recomputed when it has never
been computed, or when it was last computed before it settled (35 days after its end: late
answers and visits marked completed land by then) and that computation is older than
`STATS_MAX_AGE` seconds. So the current months stay a few minutes fresh and older months
cost nothing. `flask stats rollup` recomputes on demand.
"""
import functools
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from keren.db_setup import read_transaction, write_transaction
from keren.extensions import db
from keren.models import (Booking, BookingStatus, Kampung, Kecamatan, Kelurahan, MonthlyStat,
                          Offering, PageStat, Pillar, SearchLog, SearchStat, Status, VisitSlot)
from keren.models.base import utcnow
from keren.models.stats import VIEW, WHATSAPP

log = logging.getLogger(__name__)

WIB = ZoneInfo("Asia/Jakarta")
SETTLE_DAYS = 35
MAX_MONTHS = 36
TOP_QUERIES = 10

# User agents that are not people: crawlers, link previews (WhatsApp and others fetch a page
# to draw its card), scripts and headless browsers.
BOT = re.compile(r"bot|crawl|spider|slurp|archiver|facebookexternalhit|whatsapp|telegram|"
                 r"preview|embed|curl|wget|python|httpx|aiohttp|go-http|java/|okhttp|"
                 r"libwww|headless|phantomjs|lighthouse|pingdom|uptime|monitor|scan",
                 re.IGNORECASE)


def is_bot(user_agent):
    """True for a request that is obviously not a person: no user agent, or a known tool."""
    return not user_agent or BOT.search(user_agent) is not None


# --- counting -------------------------------------------------------------------------------

def today_wib(now=None):
    return (now or utcnow()).astimezone(WIB).date()


def count_event(kampung_id, *, offering_id=None, event=VIEW, now=None):
    """Add one to today's counter of a kampung page (or one of its offering pages). One
    upsert, so concurrent workers never lose a count. Flushes nothing else."""
    table = PageStat.__table__
    values = {"day": today_wib(now), "kampung_id": kampung_id, "offering_id": offering_id or 0,
              "event": event, "count": 1}
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(values).on_conflict_do_update(
        index_elements=["day", "kampung_id", "offering_id", "event"],
        set_={"count": table.c.count + 1})
    db.session.execute(statement)


def read_count(kampung_id, *, offering_id=None, event=VIEW, now=None):
    """Today's count of a page (for the test-only unguarded counter below)."""
    return db.session.scalar(select(PageStat.count).where(
        PageStat.day == today_wib(now), PageStat.kampung_id == kampung_id,
        PageStat.offering_id == (offering_id or 0), PageStat.event == event)) or 0


def set_count_unguarded(kampung_id, value, *, offering_id=None, event=VIEW, now=None):
    """Test-only negative control: write a count read earlier plus one, as a read-then-write
    counter would. Concurrent views then overwrite each other (see tests)."""
    table = PageStat.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(table).values(
        day=today_wib(now), kampung_id=kampung_id, offering_id=offering_id or 0, event=event,
        count=value).on_conflict_do_update(
        index_elements=["day", "kampung_id", "offering_id", "event"], set_={"count": value}))


# --- months ---------------------------------------------------------------------------------

def month_of(day):
    return date(day.year, day.month, 1)


def add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first, last):
    """Every month from `first` to `last`, both included (1st-of-month dates)."""
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def month_bounds_utc(month):
    """The month in WIB as a UTC half-open interval."""
    start = datetime.combine(month, time(), WIB).astimezone(timezone.utc)
    end = datetime.combine(add_months(month, 1), time(), WIB).astimezone(timezone.utc)
    return start, end


def current_month(now=None):
    return month_of(today_wib(now))


# --- the roll-up ----------------------------------------------------------------------------



def response_minutes(booking_created_at, answered_at):
    """Whole minutes from the request to the kampung's answer."""
    return int((answered_at - booking_created_at).total_seconds() // 60)


def _booking_rows(start, end, column):
    """(kelurahan id, status, party, price, created, answered) of bookings whose `column`
    (request time or visit time) falls in [start, end)."""
    return db.session.execute(
        select(Kampung.kelurahan_id, Booking.status, Booking.party_size, Offering.price_idr,
               Booking.created_at, Booking.answered_at)
        .join(Booking.slot).join(VisitSlot.offering).join(Offering.kampung)
        .where(column >= start, column < end)).all()


def compute_month(month):
    """The month's figures per kelurahan id, and its search counts per (scope, query)."""
    start, end = month_bounds_utc(month)
    figures = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    histograms = defaultdict(Counter)

    for kelurahan_id, status, _party, _price, created, answered in _booking_rows(
            start, end, Booking.created_at):
        row = figures[kelurahan_id]
        row["booking_requests"] += 1
        if answered is not None:
            histograms[kelurahan_id][response_minutes(created, answered)] += 1
            if status != BookingStatus.DECLINED:
                row["bookings_confirmed"] += 1
        row["bookings_declined"] += status == BookingStatus.DECLINED
        row["bookings_expired"] += status == BookingStatus.EXPIRED
        row["bookings_cancelled"] += status == BookingStatus.CANCELLED

    for kelurahan_id, status, party, price, _created, _answered in _booking_rows(
            start, end, VisitSlot.starts_at):
        row = figures[kelurahan_id]
        if status == BookingStatus.COMPLETED:
            row["visits_completed"] += 1
            row["visitors"] += party
            row["spending_idr"] += (price or 0) * party
        elif status == BookingStatus.NO_SHOW:
            row["no_shows"] += 1

    on_kampung_page = case((PageStat.offering_id == 0, PageStat.count), else_=0)
    views = db.session.execute(
        select(Kampung.kelurahan_id, PageStat.event, func.sum(on_kampung_page),
               func.sum(PageStat.count))
        .join(Kampung, Kampung.id == PageStat.kampung_id)
        .where(PageStat.day >= month, PageStat.day < add_months(month, 1))
        .group_by(Kampung.kelurahan_id, PageStat.event)).all()
    for kelurahan_id, event, kampung_pages, total in views:
        row = figures[kelurahan_id]
        if event == WHATSAPP:
            row["whatsapp_clicks"] += int(total)
        else:
            row["kampung_views"] += int(kampung_pages)
            row["offering_views"] += int(total) - int(kampung_pages)

    return figures, histograms, compute_searches(start, end)


def search_scope(filters, kelurahan_codes, kecamatan_codes):
    """Where a search was narrowed to, as a code: a kelurahan's, a kecamatan's, or "" (the
    city). The search logs the place filters as the visitor gave them (slugs such as
    "tinalan"); `*_codes` map slugs, and codes, to codes."""
    kelurahan = kelurahan_codes.get((filters or {}).get("kelurahan"))
    if kelurahan is not None:
        return kelurahan
    return kecamatan_codes.get((filters or {}).get("kecamatan"), "")


def _codes(model):
    """slug -> code and code -> code of every kecamatan or kelurahan."""
    codes = {}
    for code, slug in db.session.execute(select(model.code, model.slug)):
        codes[code] = codes[slug] = code
    return codes


def compute_searches(start, end):
    """(scope, query) -> [searches, zero results] for searches with words in [start, end)."""
    kelurahan_codes, kecamatan_codes = _codes(Kelurahan), _codes(Kecamatan)
    counts = defaultdict(lambda: [0, 0])
    rows = db.session.execute(
        select(SearchLog.query, SearchLog.filters, SearchLog.result_count)
        .where(SearchLog.at >= start, SearchLog.at < end, SearchLog.query != ""))
    for query, filters, found in rows:
        key = (search_scope(filters, kelurahan_codes, kecamatan_codes), query.lower()[:200])
        counts[key][0] += 1
        counts[key][1] += found == 0
    return counts


def store_month(month, computed, *, now=None):
    """Replace one month's roll-up rows (every kelurahan, zeros included) with `computed`
    (from compute_month). Flushes."""
    figures, histograms, searches = computed
    db.session.execute(delete(MonthlyStat).where(MonthlyStat.month == month))
    db.session.execute(delete(SearchStat).where(SearchStat.month == month))
    kelurahan_ids = db.session.scalars(select(Kelurahan.id)).all()
    db.session.execute(insert(MonthlyStat), [
        {"month": month, "kelurahan_id": kid, **figures.get(kid, dict.fromkeys(FIGURES, 0)),
         "response_minutes": {str(m): n for m, n in sorted(histograms.get(kid, {}).items())},
         "computed_at": now or utcnow()} for kid in kelurahan_ids])
    if searches:
        db.session.execute(insert(SearchStat), [
            {"month": month, "scope": scope, "query": query, "searches": n, "zero_results": zero}
            for (scope, query), (n, zero) in searches.items()])
    db.session.flush()


def refresh_month(month, *, now=None):
    """Recompute one month's roll-up rows in the current transaction. Flushes."""
    store_month(month, compute_month(month), now=now)


def refresh_months(months, *, now=None):
    """Recompute `months`, each read in a plain transaction and written in a short one of its
    own (so on SQLite the write lock is held for the writing only). A failure, such as two
    workers storing the same month at once, is logged and what is stored stays. Commits."""
    done = 0
    for month in months:
        db.session.rollback()
        try:
            with read_transaction():
                computed = compute_month(month)
                db.session.rollback()
            with write_transaction():
                store_month(month, computed, now=now)
                db.session.commit()
            done += 1
        except (IntegrityError, OperationalError):
            db.session.rollback()
            log.warning("statistics roll-up of %s failed; using what is stored", month,
                        exc_info=True)
    return done


def stale_months(months, *, now=None):
    """The months of `months` whose roll-up is missing or due for a recompute."""
    now = now or utcnow()
    max_age = timedelta(seconds=current_app.config["STATS_MAX_AGE"])
    computed = dict(db.session.execute(
        select(MonthlyStat.month, func.min(MonthlyStat.computed_at))
        .where(MonthlyStat.month.in_(months)).group_by(MonthlyStat.month)).all())
    stale = []
    for month in months:
        at = computed.get(month)
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        settled = at is not None and at >= month_bounds_utc(month)[1] + timedelta(days=SETTLE_DAYS)
        if at is None or (not settled and now - at > max_age):
            stale.append(month)
    return stale


def ensure_fresh(months, *, now=None, later=None):
    """Make the roll-up of `months` usable: months never computed are computed now; months
    that are merely due for a recompute are handed to `later` (a callable taking a job, e.g.
    run after the response is sent) when given, else recomputed now. Returns the number of
    months recomputed now."""
    stale = stale_months(months, now=now)
    if not stale:
        return 0
    computed = set(db.session.scalars(select(MonthlyStat.month).where(
        MonthlyStat.month.in_(stale)).distinct()))
    missing = [m for m in stale if m not in computed]
    due = [m for m in stale if m in computed]
    if due and later is not None:
        later(functools.partial(refresh_months, due, now=now))
        return refresh_months(missing, now=now)
    return refresh_months(missing + due, now=now)


# --- reading the scorecard ------------------------------------------------------------------

@dataclass
class Figures:
    """Figures summed over some kelurahan and months."""

    kampung_views: int = 0
    offering_views: int = 0
    whatsapp_clicks: int = 0
    booking_requests: int = 0
    bookings_confirmed: int = 0
    bookings_declined: int = 0
    bookings_expired: int = 0
    bookings_cancelled: int = 0
    visits_completed: int = 0
    no_shows: int = 0
    visitors: int = 0
    spending_idr: int = 0
    histogram: Counter = field(default_factory=Counter, repr=False)

    @classmethod
    def of(cls, row):
        """The figures of one MonthlyStat row, its histogram's JSON keys read once."""
        return cls(**{name: getattr(row, name) for name in FIGURES},
                   histogram=Counter({int(m): n for m, n in (row.response_minutes or {}).items()}))

    def add(self, other):
        """Add another Figures (one row's, through `of`, may go into several sums)."""
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.histogram.update(other.histogram)

    @property
    def page_views(self):
        return self.kampung_views + self.offering_views

    @property
    def answers(self):
        return sum(self.histogram.values())

    @property
    def median_response_minutes(self):
        """The median of the hosts' answer times in whole minutes, None without answers."""
        return histogram_median(self.histogram)

    def as_dict(self):
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "histogram"}
        data["page_views"] = self.page_views
        data["median_response_minutes"] = self.median_response_minutes
        return data


def histogram_median(histogram):
    """statistics.median of the multiset {value: count}, without expanding it."""
    n = sum(histogram.values())
    if not n:
        return None
    wanted, values, seen = [(n - 1) // 2, n // 2], [], 0
    for value in sorted(histogram):
        seen += histogram[value]
        while wanted and wanted[0] < seen:
            values.append(value)
            wanted.pop(0)
        if not wanted:
            break
    return values[0] if n % 2 else (values[0] + values[1]) / 2


# The summed figures, in the order of the scorecard's columns.
FIGURES = tuple(f.name for f in fields(Figures) if f.name != "histogram")


@dataclass
class Scope:
    """Whose figures: the city, one kecamatan, or one kelurahan."""

    kecamatan: Kecamatan | None = None
    kelurahan: Kelurahan | None = None

    @property
    def kind(self):
        return "kelurahan" if self.kelurahan else "kecamatan" if self.kecamatan else "city"

    def kelurahan_list(self):
        if self.kelurahan is not None:
            return [self.kelurahan]
        query = select(Kelurahan).join(Kelurahan.kecamatan).order_by(Kecamatan.code,
                                                                     Kelurahan.name)
        if self.kecamatan is not None:
            query = query.where(Kelurahan.kecamatan_id == self.kecamatan.id)
        return db.session.scalars(query).all()

    def search_scopes(self, kelurahan):
        """The SearchStat scopes that belong to this scope (None: every scope)."""
        if self.kelurahan is not None:
            return [self.kelurahan.code]
        if self.kecamatan is not None:
            return [self.kecamatan.code] + [k.code for k in kelurahan]
        return None


@dataclass
class Scorecard:
    scope: Scope
    months: list
    kelurahan: list
    totals: Figures
    by_month: dict             # month -> Figures
    by_kelurahan: dict         # kelurahan id -> Figures
    cells: dict                # (month, kelurahan id) -> MonthlyStat
    active_kelurahan: int
    published_kampung: int
    published_offerings: dict  # Pillar -> count
    top_queries: list          # [(query, searches)]
    zero_result_queries: list  # [(query, searches)]
    has_demo: bool
    # for the city: [(kecamatan, top queries, zero-result queries)] narrowed to each
    demand_by_kecamatan: list = field(default_factory=list)

    @property
    def coverage(self):
        return self.active_kelurahan, len(self.kelurahan)

    def trend(self, name):
        """[(month, figure)] for a chart."""
        return [(month, getattr(self.by_month[month], name)) for month in self.months]


def period(first=None, last=None, *, now=None, default_months=12):
    """The months of a period, clamped to the current month and at most MAX_MONTHS long."""
    this_month = current_month(now)
    last = min(month_of(last) if last else this_month, this_month)
    first = month_of(first) if first else add_months(last, -(default_months - 1))
    first = max(min(first, last), add_months(last, -(MAX_MONTHS - 1)))
    return months_between(first, last)


def published_counts(kelurahan_ids):
    """(kelurahan with a published kampung, published kampung, published offerings by
    pillar), now, within `kelurahan_ids`."""
    kampung_rows = db.session.execute(
        select(Kampung.kelurahan_id, func.count())
        .where(Kampung.status == Status.PUBLISHED, Kampung.kelurahan_id.in_(kelurahan_ids))
        .group_by(Kampung.kelurahan_id)).all()
    offerings = dict(db.session.execute(
        select(Offering.pillar, func.count()).join(Offering.kampung)
        .where(Offering.status == Status.PUBLISHED, Kampung.status == Status.PUBLISHED,
               Kampung.kelurahan_id.in_(kelurahan_ids))
        .group_by(Offering.pillar)).all())
    return (len(kampung_rows), sum(n for _kid, n in kampung_rows),
            {pillar: offerings.get(pillar, 0) for pillar in Pillar})


def search_demand(months, scopes, *, limit=TOP_QUERIES):
    """The most searched queries that found something, and those that found nothing."""
    query = select(SearchStat.query, func.sum(SearchStat.searches),
                   func.sum(SearchStat.zero_results)).where(SearchStat.month.in_(months))
    if scopes is not None:
        query = query.where(SearchStat.scope.in_(scopes))
    rows = db.session.execute(query.group_by(SearchStat.query)).all()
    found = sorted(((q, int(n) - int(z)) for q, n, z in rows if int(n) > int(z)),
                   key=lambda r: (-r[1], r[0]))[:limit]
    missing = sorted(((q, int(z)) for q, _n, z in rows if int(z) > 0),
                     key=lambda r: (-r[1], r[0]))[:limit]
    return found, missing


def scorecard(scope, months, *, now=None, later=None):
    """The figures of `scope` over `months` from the roll-up (see ensure_fresh for `later`)."""
    ensure_fresh(months, now=now, later=later)
    kelurahan = scope.kelurahan_list()
    ids = [k.id for k in kelurahan]
    rows = db.session.scalars(select(MonthlyStat).where(
        MonthlyStat.month.in_(months), MonthlyStat.kelurahan_id.in_(ids))).all()
    totals, by_month = Figures(), {m: Figures() for m in months}
    by_kelurahan, cells = {kid: Figures() for kid in ids}, {}
    # Each row is read once and merged into its month and its kelurahan; the totals are the
    # sum of the kelurahan, so the answer-time histograms (up to a few hundred distinct
    # minutes per row) are merged about twice per row instead of converted three times.
    for row in rows:
        figures = Figures.of(row)
        by_month[row.month].add(figures)
        by_kelurahan[row.kelurahan_id].add(figures)
        cells[(row.month, row.kelurahan_id)] = row
    for figures in by_kelurahan.values():
        totals.add(figures)
    active, kampung_count, offering_counts = published_counts(ids)
    top, zero = search_demand(months, scope.search_scopes(kelurahan))
    has_demo = db.session.scalar(select(func.count()).select_from(Kampung).where(
        Kampung.is_demo.is_(True), Kampung.kelurahan_id.in_(ids))) > 0
    by_kecamatan = []
    if scope.kind == "city":
        for kecamatan in db.session.scalars(select(Kecamatan).order_by(Kecamatan.code)):
            inside = Scope(kecamatan=kecamatan)
            found, missing = search_demand(months, inside.search_scopes(kecamatan.kelurahan),
                                           limit=5)
            by_kecamatan.append((kecamatan, found, missing))
    return Scorecard(scope=scope, months=months, kelurahan=kelurahan, totals=totals,
                     by_month=by_month, by_kelurahan=by_kelurahan, cells=cells,
                     active_kelurahan=active, published_kampung=kampung_count,
                     published_offerings=offering_counts, top_queries=top,
                     zero_result_queries=zero, has_demo=has_demo,
                     demand_by_kecamatan=by_kecamatan)


SCORECARD_COLUMNS = ("bulan", "kode_kecamatan", "kecamatan", "kode_kelurahan", "kelurahan",
                     *FIGURES, "jawaban_tuan_rumah", "median_menit_jawaban")


def scorecard_rows(card):
    """The scorecard per kelurahan per month, as flat records for CSV and JSON (aggregates
    only: nothing in them identifies a person)."""
    for month in card.months:
        for kelurahan in card.kelurahan:
            cell = card.cells.get((month, kelurahan.id))
            figures = Figures.of(cell) if cell is not None else Figures()
            yield {"bulan": month.strftime("%Y-%m"),
                   "kode_kecamatan": kelurahan.kecamatan.code,
                   "kecamatan": kelurahan.kecamatan.name,
                   "kode_kelurahan": kelurahan.code, "kelurahan": kelurahan.name,
                   **{name: getattr(figures, name) for name in FIGURES},
                   "jawaban_tuan_rumah": figures.answers,
                   "median_menit_jawaban": figures.median_response_minutes}


# --- one kampung, for its managers ----------------------------------------------------------

@dataclass
class KampungMonth:
    month: date
    views: int = 0
    whatsapp_clicks: int = 0
    booking_requests: int = 0
    visits_completed: int = 0
    visitors: int = 0


def kampung_figures(kampung, months):
    """A kampung's own figures per month, read straight from its counters and bookings (one
    kampung's rows are few)."""
    table = {m: KampungMonth(m) for m in months}
    first, end = months[0], add_months(months[-1], 1)
    for day, event, count in db.session.execute(
            select(PageStat.day, PageStat.event, PageStat.count)
            .where(PageStat.kampung_id == kampung.id, PageStat.day >= first, PageStat.day < end)):
        row = table[month_of(day)]
        if event == WHATSAPP:
            row.whatsapp_clicks += count
        else:
            row.views += count
    start, stop = month_bounds_utc(first)[0], month_bounds_utc(months[-1])[1]
    bookings = db.session.execute(
        select(Booking.created_at, Booking.status, Booking.party_size, VisitSlot.starts_at)
        .join(Booking.slot).join(VisitSlot.offering)
        .where(Offering.kampung_id == kampung.id)).all()
    for created, status, party, starts in bookings:
        if start <= created < stop:
            table[month_of(created.astimezone(WIB).date())].booking_requests += 1
        if status == BookingStatus.COMPLETED and start <= starts < stop:
            row = table[month_of(starts.astimezone(WIB).date())]
            row.visits_completed += 1
            row.visitors += party
    return [table[m] for m in months]

"""Demo activity for `make run`: some months of plausible visits, bookings, page views and
searches for the demo kampung, so that the dashboard and the Transparansi page have
something to show. Every booking is marked as demo (its note, its invented name and number),
and only demo kampung get any. Deterministic and idempotent: it runs once per database."""
import random
from collections import Counter
from datetime import datetime, time, timedelta

from sqlalchemy import func, insert, select

from keren.extensions import db
from keren.models import (Booking, BookingStatus, Kampung, Kecamatan, Offering, PageStat,
                          SearchLog, SlotStatus, Status, VisitSlot)
from keren.models.base import utcnow
from keren.models.stats import VIEW, WHATSAPP
from keren.services.booking import hash_token, new_code
from keren.services.stats import WIB

DEMO_NOTE = "(data demo)"
MONTHS = 6
# What happened to past requests, with weights.
OUTCOMES = [(BookingStatus.COMPLETED, 62), (BookingStatus.NO_SHOW, 6),
            (BookingStatus.CANCELLED, 12), (BookingStatus.DECLINED, 8),
            (BookingStatus.EXPIRED, 7), (BookingStatus.CONFIRMED, 5)]
FOUND_QUERIES = ["tahu", "tenun", "batik", "cupang", "jamu", "pecut", "kuliner", "kerajinan",
                 "wisata edukasi", "oleh-oleh", "belajar membatik", "tenun ikat", "tahu takwa",
                 "kampung wisata", "kelas membatik"]
MISSING_QUERIES = ["homestay", "kopi", "sewa sepeda", "perahu", "kuliner malam", "camping",
                   "gerabah", "angklung"]


def summary():
    """What demo activity the database holds (the same whether it was just seeded or not)."""
    demo_bookings = select(Booking).where(Booking.note == DEMO_NOTE).subquery()
    return {
        "bookings": db.session.scalar(select(func.count()).select_from(demo_bookings)),
        "slots": db.session.scalar(select(func.count(func.distinct(demo_bookings.c.slot_id)))),
        "page_stat_rows": db.session.scalar(
            select(func.count()).select_from(PageStat).join(Kampung)
            .where(Kampung.is_demo.is_(True))),
        "searches": db.session.scalar(select(func.count()).select_from(SearchLog)),
    }


def already_seeded():
    return db.session.scalar(select(func.count()).select_from(Booking)
                             .where(Booking.note == DEMO_NOTE)) > 0


def seed_activity(*, now=None, months=MONTHS, seed=2026):
    """Past slots and bookings, daily page counters and searches for the last `months`
    months. Returns counts; does nothing when the demo activity is already there. Flushes."""
    if already_seeded():
        return {}
    now = now or utcnow()
    rng = random.Random(seed)
    offerings = db.session.scalars(
        select(Offering).join(Offering.kampung)
        .where(Kampung.is_demo.is_(True), Offering.status == Status.PUBLISHED)
        .order_by(Offering.id)).all()
    first_day = (now.astimezone(WIB) - timedelta(days=months * 30)).date()
    counts = Counter()
    for offering in offerings:
        if offering.pillar.value in ("wisata", "edukasi"):
            counts.update(_past_visits(offering, rng, first_day, now))
    counts["page_stat_rows"] = _page_counters(offerings, rng, first_day, now)
    counts["searches"] = _searches(rng, now, months)
    db.session.flush()
    return dict(counts)


def _past_visits(offering, rng, first_day, now):
    """A Saturday-morning slot every week or two since `first_day`, with demo bookings."""
    counts = Counter()
    day = first_day + timedelta(days=(5 - first_day.weekday()) % 7)
    popularity = rng.uniform(0.3, 1.0)
    while True:
        starts = datetime.combine(day, time(9, 0), WIB)
        if starts >= now - timedelta(days=1):
            break
        if rng.random() < 0.7:
            counts.update(_slot_with_bookings(offering, starts, rng, popularity, now))
        day += timedelta(days=7)
    return counts


def _slot_with_bookings(offering, starts, rng, popularity, now):
    counts = Counter()
    slot = VisitSlot(offering_id=offering.id, starts_at=starts, ends_at=starts + timedelta(hours=2),
                     capacity=20, booked=0, min_party=1, max_party=10, status=SlotStatus.OPEN,
                     created_at=starts - timedelta(days=30))
    db.session.add(slot)
    db.session.flush()
    statuses, weights = zip(*OUTCOMES)
    places = 0
    for _ in range(rng.randint(0, max(1, int(6 * popularity)))):
        party = rng.choice((1, 2, 2, 3, 4, 5, 8))
        if places + party > slot.capacity:
            break
        status = rng.choices(statuses, weights)[0]
        created = starts - timedelta(hours=rng.uniform(14, 24 * 14))
        answered = None
        if status not in (BookingStatus.EXPIRED,) and not (
                status == BookingStatus.CANCELLED and rng.random() < 0.5):
            # Hosts answer within minutes to a day; median about two hours.
            answered = created + timedelta(minutes=min(rng.lognormvariate(4.8, 1.1), 24 * 60))
        holds = status == BookingStatus.CONFIRMED
        places += party if holds else 0
        db.session.add(Booking(
            code=new_code(), slot_id=slot.id, party_size=party,
            name=f"Tamu Demo {rng.randint(100, 999)}", phone=f"+6281299{rng.randint(0, 999999):06d}",
            email=None, note=DEMO_NOTE, status=status, token_hash=hash_token(new_code() + str(rng.random())),
            created_at=created, respond_by=created + timedelta(hours=48),
            answered_at=answered, responded_at=answered or min(created + timedelta(hours=48), now)))
        counts["bookings"] += 1
    slot.booked = places
    counts["slots"] += 1
    return counts


def _page_counters(offerings, rng, first_day, now):
    """Daily views of each demo kampung and offering page, growing over the months, with
    WhatsApp clicks at a few per cent of the views."""
    today = now.astimezone(WIB).date()
    kampung_ids = sorted({o.kampung_id for o in offerings})
    targets = [(kid, 0) for kid in kampung_ids] + [(o.kampung_id, o.id) for o in offerings]
    rows, total_days = [], (today - first_day).days
    for kampung_id, offering_id in targets:
        interest = rng.uniform(2, 12)
        for n in range(total_days):
            day = first_day + timedelta(days=n)
            growth = 0.5 + n / total_days
            weekend = 1.6 if day.weekday() >= 5 else 1.0
            views = int(rng.expovariate(1 / (interest * growth * weekend)))
            if views:
                rows.append({"day": day, "kampung_id": kampung_id, "offering_id": offering_id,
                             "event": VIEW, "count": views})
                clicks = sum(rng.random() < 0.06 for _ in range(views))
                if clicks:
                    rows.append({"day": day, "kampung_id": kampung_id,
                                 "offering_id": offering_id, "event": WHATSAPP, "count": clicks})
    if rows:
        db.session.execute(insert(PageStat), rows)
    return len(rows)


def _searches(rng, now, months):
    """What visitors searched: mostly things the kampung offer, some things nobody offers."""
    kecamatan_codes = db.session.scalars(select(Kecamatan.code).order_by(Kecamatan.code)).all()
    rows = []
    for _ in range(300 * months):
        missing = rng.random() < 0.2
        query = rng.choice(MISSING_QUERIES if missing else FOUND_QUERIES)
        filters = {"kecamatan": rng.choice(kecamatan_codes)} if rng.random() < 0.3 else {}
        rows.append({"at": now - timedelta(minutes=rng.uniform(10, months * 30 * 24 * 60)),
                     "query": query, "filters": filters,
                     "result_count": 0 if missing else rng.randint(1, 12), "source": "web"})
    db.session.execute(insert(SearchLog), rows)
    return len(rows)

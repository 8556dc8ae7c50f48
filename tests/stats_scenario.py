"""A few months of activity in three kelurahan of two kecamatan, and the figures expected from
it computed independently of keren.services.stats: a plain loop over the raw rows."""
import random
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from keren.extensions import db
from keren.models import Booking, BookingStatus, PageStat, SearchLog, VisitSlot
from keren.services import places, stats
from keren.services.booking import hash_token, new_code
from tests.conftest import BANDAR_KIDUL, TINALAN

WIB = ZoneInfo("Asia/Jakarta")
# Mrican: in the same kecamatan (Mojoroto, 35.71.01) as Bandar Kidul, for kecamatan sums.
MRICAN = "35.71.01.1008"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
MONTHS = [date(2026, m, 1) for m in range(6, 12)]   # Jun..Nov 2026

STATUSES = list(BookingStatus)


def build(make_kampung, make_offering, *, seed=7, bookings=160):
    """Kampung in Tinalan, Bandar Kidul and Mojoroto with priced and free offerings, bookings
    in every status spread over Jun-Nov 2026 (some across month ends in WIB), page counters
    and searches. Commits. Returns the kampung and offerings."""
    rng = random.Random(seed)
    tinalan = make_kampung(kelurahan=TINALAN, name="Kampung Statistik Tinalan")
    bandar = make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Statistik Bandar")
    mrican = make_kampung(kelurahan=MRICAN, name="Kampung Statistik Mrican")
    offerings = [make_offering(tinalan, price_idr=25000), make_offering(tinalan, price_idr=None),
                 make_offering(bandar, pillar="edukasi", price_idr=40000),
                 make_offering(mrican, price_idr=10000)]
    slot_starts = set()
    for n in range(bookings):
        offering = rng.choice(offerings)
        # The visit between 1 Jun and 22 Nov 2026; the request 1 hour to 20 days before.
        starts = datetime(2026, 6, 1, tzinfo=WIB) + timedelta(hours=rng.randrange(0, 174 * 24))
        while (offering.id, starts) in slot_starts:
            starts += timedelta(hours=1)
        slot_starts.add((offering.id, starts))
        slot = VisitSlot(offering_id=offering.id, starts_at=starts,
                         ends_at=starts + timedelta(hours=2), capacity=50, booked=0)
        db.session.add(slot)
        db.session.flush()
        status = rng.choice(STATUSES)
        created = starts - timedelta(minutes=rng.randrange(60, 20 * 24 * 60))
        answered = None
        if status in (BookingStatus.CONFIRMED, BookingStatus.DECLINED, BookingStatus.COMPLETED,
                      BookingStatus.NO_SHOW) or (status == BookingStatus.CANCELLED
                                                  and rng.random() < 0.5):
            answered = created + timedelta(seconds=rng.randrange(30, 3 * 24 * 3600))
        party = rng.randint(1, 6)
        if status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
            slot.booked = party
        db.session.add(Booking(
            code=new_code(), slot_id=slot.id, party_size=party, name=f"Tamu Rahasia {n}",
            phone=f"+628129900{n:04d}", email=f"tamu{n}@rahasia.example", note="catatan pribadi",
            status=status, token_hash=hash_token(f"token-{n}"), created_at=created,
            respond_by=created + timedelta(hours=48), answered_at=answered,
            responded_at=answered))
    for n in range(300):
        kampung_offering = rng.choice([(k.id, 0) for k in (tinalan, bandar, mrican)]
                                      + [(o.kampung_id, o.id) for o in offerings])
        at = NOW - timedelta(hours=rng.randrange(0, 175 * 24))
        event = "whatsapp" if rng.random() < 0.2 else "view"
        stats.count_event(kampung_offering[0], offering_id=kampung_offering[1], event=event,
                          now=at)
    # The search logs its place filters as the visitor gave them: slugs.
    kecamatan = places.kelurahan_by_code(BANDAR_KIDUL).kecamatan.slug
    for n in range(200):
        filters = rng.choice([{}, {"kecamatan": kecamatan}, {"kelurahan": "tinalan"},
                              {"kelurahan": "mrican", "kecamatan": kecamatan},
                              {"pilar": "wisata"}])
        query = rng.choice(["tahu", "tenun", "homestay", "kopi", "batik", ""])
        db.session.add(SearchLog(at=NOW - timedelta(hours=rng.randrange(0, 175 * 24)),
                                 query=query.upper() if rng.random() < 0.1 else query,
                                 filters=filters,
                                 result_count=0 if query in ("homestay", "kopi") else 3))
    db.session.commit()
    return (tinalan, bandar, mrican), offerings


def wib_month(moment):
    local = moment.astimezone(WIB)
    return date(local.year, local.month, 1)


def expected(kelurahan_codes, months):
    """{"totals": {...}, "by_month": {month: {...}}, "by_kelurahan": {code: {...}}} straight
    from the raw rows."""
    wanted = set(kelurahan_codes)
    blank = lambda: {name: 0 for name in stats.FIGURES} | {"_minutes": []}  # noqa: E731
    totals, by_month, by_kelurahan = blank(), defaultdict(blank), defaultdict(blank)

    def add(code, month, name, value):
        for bucket in (totals, by_month[month], by_kelurahan[code]):
            if name == "_minutes":
                bucket["_minutes"].append(value)
            else:
                bucket[name] += value

    for booking in db.session.scalars(db.select(Booking)):
        offering = booking.slot.offering
        code = offering.kampung.kelurahan.code
        if code not in wanted:
            continue
        asked = wib_month(booking.created_at)
        if asked in months:
            add(code, asked, "booking_requests", 1)
            if booking.answered_at is not None:
                add(code, asked, "_minutes",
                    int((booking.answered_at - booking.created_at).total_seconds() // 60))
                if booking.status != BookingStatus.DECLINED:
                    add(code, asked, "bookings_confirmed", 1)
            for status, name in ((BookingStatus.DECLINED, "bookings_declined"),
                                 (BookingStatus.EXPIRED, "bookings_expired"),
                                 (BookingStatus.CANCELLED, "bookings_cancelled")):
                if booking.status == status:
                    add(code, asked, name, 1)
        visited = wib_month(booking.slot.starts_at)
        if visited in months:
            if booking.status == BookingStatus.COMPLETED:
                add(code, visited, "visits_completed", 1)
                add(code, visited, "visitors", booking.party_size)
                add(code, visited, "spending_idr", (offering.price_idr or 0) * booking.party_size)
            if booking.status == BookingStatus.NO_SHOW:
                add(code, visited, "no_shows", 1)
    for row in db.session.scalars(db.select(PageStat)):
        from keren.models import Kampung
        code = db.session.get(Kampung, row.kampung_id).kelurahan.code
        month = date(row.day.year, row.day.month, 1)
        if code not in wanted or month not in months:
            continue
        name = ("whatsapp_clicks" if row.event == "whatsapp"
                else "kampung_views" if row.offering_id == 0 else "offering_views")
        add(code, month, name, row.count)

    def finish(bucket):
        minutes = bucket.pop("_minutes")
        bucket["median_response_minutes"] = statistics.median(minutes) if minutes else None
        bucket["page_views"] = bucket["kampung_views"] + bucket["offering_views"]
        return bucket

    return {"totals": finish(totals),
            "by_month": {m: finish(by_month[m]) for m in months},
            "by_kelurahan": {c: finish(by_kelurahan[c]) for c in kelurahan_codes}}


def searches_expected(months, scopes):
    """(top found, zero-result) as (query, count) lists from the raw search log."""
    from keren.models import Kecamatan, Kelurahan
    code_of = {slug: code for model in (Kecamatan, Kelurahan)
               for slug, code in db.session.execute(db.select(model.slug, model.code))}
    found, missing = defaultdict(int), defaultdict(int)
    for entry in db.session.scalars(db.select(SearchLog)):
        if wib_month(entry.at) not in months or not entry.query:
            continue
        filters = entry.filters or {}
        scope = code_of.get(filters.get("kelurahan") or filters.get("kecamatan"), "")
        if scopes is not None and scope not in scopes:
            continue
        if entry.result_count:
            found[entry.query.lower()] += 1
        else:
            missing[entry.query.lower()] += 1
    order = lambda counts: sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]  # noqa: E731
    return order(found), order(missing)

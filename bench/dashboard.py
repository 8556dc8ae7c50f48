"""Dashboard benchmark: /statistik over the 46 kelurahan and 12 months, with 100,000 bookings
and 1,000,000 page views, on SQLite and on a throwaway PostgreSQL.

    .venv/bin/python bench/dashboard.py [--bookings 100000] [--views 1000000]
                                        [--backend sqlite|postgresql|both] [--profile]

For each backend it builds a database through the real migrations (flask_migrate.upgrade,
places.load_reference_data) and fills it with seeded, valid rows inserted with SQLAlchemy
core insert() in executemany batches: published kampung over all 46 kelurahan, their
published offerings with prices, visit slots, the bookings of the 12 months the dashboard
shows (created before their slot, a realistic mix of statuses, answered_at where the kampung
answered, the CHECK on slot.booked kept), the page views and WhatsApp clicks as PageStat daily
counters (the sum of `count` is exactly --views and --clicks) and --searches SearchLog rows.

Then it measures, in-process with the Flask test client and a city admin logged in:

- cold: the first GET /statistik (city, 12 months), which computes the whole roll-up;
- warm: p50/p95/max of --rounds GETs each of /statistik for the city, one kecamatan and one
  kelurahan, the CSV download /statistik/skor.csv and the public /transparansi, interleaved;
- refresh: refresh_month of the current month and of the previous one (both are unsettled,
  so both are recomputed every STATS_MAX_AGE seconds), a GET right after the current month
  was made stale, and a GET after STATS_MAX_AGE without traffic (every unsettled month
  stale); each of these GETs answers from the stored figures, and the recompute it leaves
  for after its response (run when the response is closed) is timed separately;
- the baseline in the same run: the same 12 months computed straight from the raw tables
  (stats.compute_month for each month), which is what every GET would cost without the
  roll-up; and the ratio warm dashboard / baseline.

It also checks that the roll-up holds exactly the generated totals and the same figures as
the baseline. Prints a table per backend and PASS/FAIL against the target (warm p95 of the
city dashboard <= 300 ms). Times are wall-clock; the "cpu" column is the CPU time of the
benchmark's own thread (the request, and on SQLite the database work too; PostgreSQL's server
processes are not in it), which tells what is work and what is waiting for a shared CPU.
"""
import argparse
import contextlib
import cProfile
import hashlib
import io
import itertools
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, insert, select, text, update  # noqa: E402

from keren import create_app  # noqa: E402
from keren.db_setup import write_transaction  # noqa: E402
from keren.extensions import db  # noqa: E402
from keren.models import (Booking, BookingStatus, Kampung, Kecamatan, Kelurahan,  # noqa: E402
                          MonthlyStat, Offering, PageStat, Pillar, Role, SearchLog, Status,
                          VisitSlot)
from keren.models.base import utcnow  # noqa: E402
from keren.models.stats import VIEW, WHATSAPP  # noqa: E402
from keren.services import accounts, places, stats  # noqa: E402
from tests.conftest import base_config  # noqa: E402
from tests.pgcluster import ThrowawayCluster  # noqa: E402

SEED = 20261123
TARGET_MS = 300
BATCH = 5_000
ADMIN_EMAIL = "admin.bench@contoh.id"
ADMIN_PASSWORD = "kata-sandi-bench"
KECAMATAN_CODE = "35.71.01"       # Mojoroto
KELURAHAN_CODE = "35.71.03.1008"  # Tinalan
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

WORDS = ("tahu", "tahu takwa", "tenun", "tenun ikat", "batik", "batik tulis", "cupang", "jamu",
         "pecut", "jaranan", "kuliner", "oleh-oleh", "kerajinan", "wisata edukasi", "kebun",
         "sumber air", "mata air", "kelas membatik", "gethuk pisang", "sambal pecel", "kopi",
         "anyaman bambu", "gerabah", "tari", "kampung tahu", "susu kedelai", "tempe", "keripik",
         "madu", "ikan hias", "wayang", "reog", "sepeda", "homestay", "outbound", "camping",
         "kolam pancing", "durian", "jeruk", "belimbing", "kelengkeng", "rujak", "soto",
         "nasi pecel", "wisata religi", "goa selomangleng", "simpang lima gumul", "tenun kediri",
         "kain", "sablon", "sangkar burung", "bonsai", "tanaman hias", "pupuk organik",
         "bank sampah", "daur ulang", "lukis", "musik", "gamelan", "pencak silat")
NOTHING = ("paralayang", "kereta gantung", "snorkeling", "kebun teh", "spa", "glamping",
           "museum dinosaurus", "arung jeram", "es krim nitrogen", "wahana air")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def load_average():
    return os.getloadavg()[0]


# --- data ---------------------------------------------------------------------------------------

def month_start_utc(month):
    return datetime.combine(month, dtime(), stats.WIB).astimezone(timezone.utc)


def generate(args, now):
    """The rows to insert, as plain dicts keyed by table, independent of the backend (kelurahan
    are named by code, kampung/offering/slot/booking ids are explicit)."""
    rng = random.Random(SEED)
    months = stats.period(now=now)
    window_start = month_start_utc(months[0])
    today = stats.today_wib(now)
    codes = [row["kode"] for row in places.read_kelurahan_csv()]

    # Kampung: at least one in each kelurahan, the rest where the programme is strongest.
    kel_weights = [rng.uniform(0.3, 3.0) for _ in codes]
    homes = codes + rng.choices(codes, kel_weights, k=args.kampung - len(codes))
    kampung, offerings = [], []
    for kid, code in enumerate(homes, start=1):
        published = window_start - timedelta(days=rng.randint(10, 700))
        kampung.append({"id": kid, "kelurahan_code": code, "name": f"Kampung Bench {kid}",
                        "slug": f"kampung-bench-{kid}", "tagline": "Kampung untuk uji dasbor",
                        "story": "Data buatan untuk benchmark.", "status": Status.PUBLISHED,
                        "verified_at": published, "published_at": published,
                        "created_at": published - timedelta(days=7), "updated_at": published,
                        "whatsapp": f"+6281200{kid:06d}"})
    prices = {Pillar.WISATA: (5_000, 50_000), Pillar.DAGANG: (10_000, 200_000),
              Pillar.EDUKASI: (15_000, 100_000)}
    for oid in range(1, args.offerings + 1):
        kampung_id = oid if oid <= len(kampung) else rng.randint(1, len(kampung))
        pillar = rng.choice(list(Pillar))
        low, high = prices[pillar]
        price = None if rng.random() < 0.1 else rng.randrange(low, high + 1, 1_000)
        published = kampung[kampung_id - 1]["published_at"] + timedelta(days=rng.randint(0, 30))
        offerings.append({"id": oid, "kampung_id": kampung_id, "pillar": pillar,
                          "title": f"Penawaran Bench {oid}", "slug": f"penawaran-bench-{oid}",
                          "summary": "Uji dasbor", "description": "Data buatan.",
                          "price_idr": price, "price_unit": "orang",
                          "is_bookable": pillar != Pillar.DAGANG, "status": Status.PUBLISHED,
                          "published_at": published, "created_at": published,
                          "updated_at": published})

    # Visit slots: bookable offerings, on distinct days from the window's start to a month ahead.
    bookable = [o for o in offerings if o["is_bookable"]]
    days = (now + timedelta(days=30) - window_start).days
    per_offering = max(1, round(args.bookings / 2.5 / len(bookable)))
    slots = []
    for o in bookable:
        for day in rng.sample(range(days), min(days, per_offering)):
            start = datetime.combine((window_start + timedelta(days=day)).astimezone(stats.WIB)
                                     .date(), dtime(rng.choice((8, 9, 13, 15))), stats.WIB)
            start = start.astimezone(timezone.utc)
            slots.append({"id": len(slots) + 1, "offering_id": o["id"], "starts_at": start,
                          "ends_at": start + timedelta(hours=2), "capacity": 30, "booked": 0,
                          "min_party": 1, "max_party": 10, "created_at": window_start})

    # Bookings: created in the window, before the slot's start and its 12-hour cut-off.
    slot_weights = list(itertools.accumulate(rng.paretovariate(3) for _ in slots))
    bookings, booked, candidates = [], Counter(), iter(())
    while len(bookings) < args.bookings:
        slot = next(candidates, None)
        if slot is None:    # draw in bulk: one choices() call per 10,000 candidates
            candidates = iter(rng.choices(slots, cum_weights=slot_weights, k=10_000))
            continue
        lead = timedelta(hours=rng.uniform(12, 30 * 24))
        created = slot["starts_at"] - lead
        if not (window_start <= created <= now):
            continue
        created = created.replace(microsecond=0)
        respond_by = created + timedelta(hours=48)
        starts = slot["starts_at"]
        if starts <= now:
            status = rng.choices(
                [BookingStatus.COMPLETED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED,
                 BookingStatus.DECLINED, BookingStatus.EXPIRED, BookingStatus.CONFIRMED],
                [62, 6, 9, 9, 6, 8])[0]
        elif respond_by > now:
            status = rng.choices([BookingStatus.REQUESTED, BookingStatus.CONFIRMED,
                                  BookingStatus.DECLINED, BookingStatus.CANCELLED],
                                 [50, 35, 7, 8])[0]
        else:
            status = rng.choices([BookingStatus.CONFIRMED, BookingStatus.DECLINED,
                                  BookingStatus.CANCELLED, BookingStatus.EXPIRED],
                                 [70, 10, 10, 10])[0]
        answered = responded = None
        answers = status in (BookingStatus.CONFIRMED, BookingStatus.DECLINED,
                             BookingStatus.COMPLETED, BookingStatus.NO_SHOW) or (
            status == BookingStatus.CANCELLED and rng.random() < 0.5)
        if answers:
            latest = min(respond_by, now, starts) - created
            minutes = min(rng.lognormvariate(5.3, 1.2), latest.total_seconds() / 60 - 1)
            answered = created + timedelta(minutes=max(1.0, minutes))
            responded = answered
        if status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
            responded = min(starts + timedelta(hours=3), now)
        elif status == BookingStatus.EXPIRED:
            responded = respond_by
        elif status == BookingStatus.CANCELLED:
            responded = created + (min(now, starts) - created) * rng.uniform(0.5, 0.99)
        party = rng.choices(range(1, 11), [20, 30, 15, 15, 8, 5, 3, 2, 1, 1])[0]
        n = len(bookings) + 1
        code = "".join(CODE_ALPHABET[(n >> (5 * i)) & 31] for i in range(5))
        if status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED):
            booked[slot["id"]] += party
        bookings.append({"id": n, "code": f"KRN-B{code}", "slot_id": slot["id"],
                         "party_size": party, "name": f"Pengunjung {n}",
                         "phone": f"+62813{n:08d}", "email": None, "note": "",
                         "status": status,
                         "token_hash": hashlib.sha256(f"bench-{n}".encode()).hexdigest(),
                         "created_at": created, "respond_by": respond_by,
                         "responded_at": responded, "answered_at": answered})
    for slot in slots:
        slot["booked"] = booked[slot["id"]]
        slot["capacity"] = max(slot["capacity"], slot["booked"])

    # Page views and WhatsApp clicks: skewed over pages, weekly rhythm and growth over days.
    pages = [(k["id"], 0) for k in kampung] + [(o["kampung_id"], o["id"]) for o in offerings]
    page_weights = [rng.paretovariate(1.2) for _ in pages]
    span = (today - months[0]).days + 1
    all_days = [months[0] + timedelta(days=d) for d in range(span)]
    day_weights = [(1.4 if d.weekday() >= 5 else 1.0) * (0.6 + 0.8 * i / span)
                   for i, d in enumerate(all_days)]
    page_stats = []
    for event_name, n in ((VIEW, args.views), (WHATSAPP, args.clicks)):
        counts = Counter(zip(rng.choices(range(len(pages)), page_weights, k=n),
                             rng.choices(range(span), day_weights, k=n)))
        for (p, d), count in counts.items():
            page_stats.append({"day": all_days[d], "kampung_id": pages[p][0],
                               "offering_id": pages[p][1], "event": event_name, "count": count})

    # Searches: the site's vocabulary, some narrowed to a place (by slug, as the site logs them).
    search_words = list(WORDS) + list(NOTHING)
    word_weights = [1 / (i + 1) ** 0.9 for i in range(len(WORDS))] + [0.01] * len(NOTHING)
    kecamatan_slugs, kelurahan_slugs = places.reference_slugs()
    searches = []
    total_seconds = (now - window_start).total_seconds()
    for n in range(1, args.searches + 1):
        word = "" if rng.random() < 0.08 else rng.choices(search_words, word_weights)[0]
        roll = rng.random()
        filters = ({} if roll < 0.7 else
                   {"kelurahan": rng.choice(kelurahan_slugs)} if roll < 0.85
                   else {"kecamatan": rng.choice(kecamatan_slugs)} if roll < 0.95
                   else {"pilar": rng.choice(list(Pillar)).value})
        found = 0 if word in NOTHING or rng.random() < 0.05 else rng.randint(1, 60)
        searches.append({"id": n, "at": window_start + timedelta(
                             seconds=rng.uniform(0, total_seconds)),
                         "query": word, "filters": filters, "result_count": found,
                         "source": "api" if rng.random() < 0.1 else "web"})
    return {"kampung": kampung, "offering": offerings, "visit_slot": slots,
            "booking": bookings, "page_stat": page_stats, "search_log": searches}


def insert_rows(data):
    """Insert the generated rows in executemany batches, one transaction per table."""
    kelurahan_ids = dict(db.session.execute(select(Kelurahan.code, Kelurahan.id)).all())
    tables = (("kampung", Kampung), ("offering", Offering), ("visit_slot", VisitSlot),
              ("booking", Booking), ("page_stat", PageStat), ("search_log", SearchLog))
    for name, model in tables:
        rows = data[name]
        if name == "kampung":
            rows = [{**{k: v for k, v in r.items() if k != "kelurahan_code"},
                     "kelurahan_id": kelurahan_ids[r["kelurahan_code"]]} for r in rows]
        for i in range(0, len(rows), BATCH):
            db.session.execute(insert(model.__table__), rows[i:i + BATCH])
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Explicit ids leave the sequences behind; autovacuum would analyze the new tables.
        for name, _model in tables:
            if name != "page_stat":
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                        f"(SELECT max(id) FROM {name}))"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


def prepare(database_url, instance, data, app_config):
    app = create_app({**base_config(database_url, instance), **app_config},
                     instance_path=instance)
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        places.load_reference_data()
        admin = accounts.register_user(name="Admin Bench", email=ADMIN_EMAIL,
                                       password=ADMIN_PASSWORD)
        accounts.grant_role(admin, Role.CITY_ADMIN)
        db.session.commit()
        started = time.perf_counter()
        insert_rows(data)
        seconds = time.perf_counter() - started
        counts = {name: db.session.scalar(select(func.count()).select_from(model))
                  for name, model in (("booking", Booking), ("page_stat", PageStat),
                                      ("search_log", SearchLog), ("visit_slot", VisitSlot))}
        db.session.remove()
    return app, seconds, counts


# --- measuring ----------------------------------------------------------------------------------

class QueryCounter:
    def __init__(self, engine):
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args):
        self.n += 1


def timed_get(client, url, counter, expect=200):
    """(wall seconds, queries, response); the CPU seconds of this thread go in timed_get.cpu."""
    before, cpu = counter.n, time.thread_time()
    started = time.perf_counter()
    response = client.get(url)
    seconds = time.perf_counter() - started
    timed_get.cpu = time.thread_time() - cpu
    if response.status_code != expect:
        raise SystemExit(f"GET {url} answered {response.status_code}, expected {expect}")
    return seconds, counter.n - before, response


def profile_get(client, url, label):
    profile = cProfile.Profile()
    profile.enable()
    client.get(url)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
    print(f"\n--- cProfile: {label} ({url}) ---")
    print("\n".join(out.getvalue().splitlines()[:60]))


def make_stale(app, current_only):
    """Move the roll-up's computed_at back by STATS_MAX_AGE + 1 s: the current month only, or
    every month (what STATS_MAX_AGE seconds without a dashboard request leaves)."""
    with app.app_context():
        age = timedelta(seconds=app.config["STATS_MAX_AGE"] + 1)
        query = update(MonthlyStat).values(computed_at=utcnow() - age)
        if current_only:
            query = query.where(MonthlyStat.month == stats.current_month())
        with write_transaction():
            db.session.execute(query)
            db.session.commit()
        db.session.remove()


def measure(backend, app, args, generated):
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        engine = db.engine
        counter = QueryCounter(engine)
        months = stats.period()
        kelurahan_count = db.session.scalar(select(func.count()).select_from(Kelurahan))
        kecamatan_id = db.session.scalar(select(Kecamatan.id).where(
            Kecamatan.code == KECAMATAN_CODE))
        in_kecamatan = db.session.scalar(select(func.count()).select_from(Kelurahan).where(
            Kelurahan.kecamatan_id == kecamatan_id))
        db.session.remove()
    client = app.test_client()
    anonymous = app.test_client()
    response = client.post("/akun/masuk", data={"email": ADMIN_EMAIL,
                                                "password": ADMIN_PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"login answered {response.status_code}")

    result = {"backend": backend, "months": len(months), "kelurahan": kelurahan_count}

    # Cold: the first dashboard request computes every month of the period.
    if args.profile:
        profile_get(client, "/statistik", "cold, whole roll-up")
        with app.app_context():
            db.session.execute(MonthlyStat.__table__.delete())
            db.session.commit()
            db.session.remove()
    result["cold"], result["cold_queries"], _r = timed_get(client, "/statistik", counter)
    result["cold_cpu"] = timed_get.cpu

    # The roll-up holds exactly what was generated.
    with app.app_context():
        totals = stats.Figures()
        for row in db.session.scalars(select(MonthlyStat)):
            totals.add(stats.Figures.of(row))
        rollup_rows = db.session.scalar(select(func.count()).select_from(MonthlyStat))
        db.session.remove()
    expected = {"page_views": args.views, "whatsapp_clicks": args.clicks,
                "booking_requests": args.bookings}
    got = {name: getattr(totals, name) for name in expected}
    if got != expected:
        raise SystemExit(f"roll-up totals {got} differ from the generated {expected}")
    result["rollup_rows"] = rollup_rows
    result["totals"] = totals

    # Warm: the same pages again and again, interleaved.
    urls = {
        f"/statistik (city, {kelurahan_count} kelurahan)": ("/statistik", client),
        f"/statistik?wilayah={KECAMATAN_CODE} ({in_kecamatan} kelurahan)":
            (f"/statistik?wilayah={KECAMATAN_CODE}", client),
        f"/statistik?wilayah={KELURAHAN_CODE} (1 kelurahan)":
            (f"/statistik?wilayah={KELURAHAN_CODE}", client),
        "/statistik/skor.csv (city)": ("/statistik/skor.csv", client),
        "/transparansi (anonymous)": ("/transparansi", anonymous),
    }
    for url, who in urls.values():      # compile the templates, fill the caches
        who.get(url)
    times, cpu, queries = defaultdict(list), defaultdict(list), {}
    for _ in range(args.rounds):
        for label, (url, who) in urls.items():
            seconds, n, _r = timed_get(who, url, counter)
            times[label].append(seconds)
            cpu[label].append(timed_get.cpu)
            queries[label] = n
    result["warm"] = {label: (statistics.median(t), percentile(t, 95), max(t), queries[label],
                              statistics.median(cpu[label]))
                      for label, t in times.items()}
    result["city_label"] = next(iter(urls))
    if args.profile:
        profile_get(client, "/statistik", "warm city dashboard")

    # Refresh: what one request pays every STATS_MAX_AGE seconds.
    with app.app_context():
        unsettled = stats.stale_months(months, now=utcnow() + timedelta(
            seconds=app.config["STATS_MAX_AGE"] + 1))
        refresh = {}
        for month in unsettled:
            started = time.perf_counter()
            with write_transaction():
                stats.refresh_month(month)
                db.session.commit()
            refresh[month] = time.perf_counter() - started
        db.session.remove()
    result["unsettled"] = unsettled
    result["refresh"] = refresh
    # A page that finds months due answers from the stored figures; the recompute runs when
    # its response is closed (after it was sent): time both.
    for key, current_only in (("stale_current", True), ("stale_all", False)):
        make_stale(app, current_only)
        result[key], result[f"{key}_queries"], response = timed_get(client, "/statistik",
                                                                    counter)
        started = time.perf_counter()
        response.close()
        result[f"{key}_after"] = time.perf_counter() - started

    # Baseline: the same 12 months straight from the raw tables, every time.
    with app.app_context():
        baseline, baseline_cpu, baseline_queries, raw = [], [], 0, None
        for _ in range(args.baseline_rounds):
            before, cpu = counter.n, time.thread_time()
            started = time.perf_counter()
            raw = [stats.compute_month(month) for month in months]
            baseline.append(time.perf_counter() - started)
            baseline_cpu.append(time.thread_time() - cpu)
            baseline_queries = counter.n - before
            db.session.rollback()
        # Same figures as the roll-up the dashboard reads.
        card = stats.scorecard(stats.Scope(), months)
        by_kelurahan = defaultdict(Counter)
        histogram = defaultdict(Counter)
        for figures, histograms, _searches in raw:
            for kid, row in figures.items():
                by_kelurahan[kid].update(row)
            for kid, h in histograms.items():
                histogram[kid].update(h)
        for kid, f in card.by_kelurahan.items():
            want = {name: by_kelurahan[kid][name] for name in stats.FIGURES}
            have = {name: getattr(f, name) for name in stats.FIGURES}
            if want != have or +histogram[kid] != +f.histogram:
                raise SystemExit(f"kelurahan {kid}: roll-up {have} differs from raw {want}")
        db.session.remove()
    result["baseline"] = statistics.median(baseline)
    result["baseline_queries"] = baseline_queries
    result["baseline_cpu"] = statistics.median(baseline_cpu)
    result["generated"] = generated
    return result


# --- report -------------------------------------------------------------------------------------

def report(r, args):
    ms = 1000
    city = r["warm"][r["city_label"]]
    print(f"\n=== {r['backend']}: {r['kelurahan']} kelurahan x {r['months']} months, "
          f"{args.bookings:,} bookings, {args.views:,} page views ({r['generated']['page_stat']:,} "
          f"counter rows), {args.searches:,} searches; build {r['build']:.0f} s ===\n")
    print(f"{'request':<52} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8} "
          f"{'cpu p50':>8}")
    for label, (p50, p95, top, n, cpu) in r["warm"].items():
        print(f"{'warm ' + label:<52} {p50 * ms:>8.1f} {p95 * ms:>8.1f} {top * ms:>8.1f} {n:>8} "
              f"{cpu * ms:>8.1f}")
    print(f"{'cold: first /statistik (computes ' + str(r['months']) + ' months)':<52} "
          f"{r['cold'] * ms:>8.0f} {'':>8} {'':>8} {r['cold_queries']:>8} "
          f"{r['cold_cpu'] * ms:>8.0f}")
    print(f"{'/statistik, current month stale':<52} {r['stale_current'] * ms:>8.0f} {'':>8} "
          f"{'':>8} {r['stale_current_queries']:>8}")
    print(f"{'  then its recompute, after the response':<52} "
          f"{r['stale_current_after'] * ms:>8.0f}")
    print(f"{'/statistik, STATS_MAX_AGE idle (' + str(len(r['unsettled'])) + ' months stale)':<52} "
          f"{r['stale_all'] * ms:>8.0f} {'':>8} {'':>8} {r['stale_all_queries']:>8}")
    print(f"{'  then its recompute, after the response':<52} {r['stale_all_after'] * ms:>8.0f}")
    for month, seconds in r["refresh"].items():
        print(f"{'refresh_month(' + f'{month:%Y-%m}' + ') + commit':<52} {seconds * ms:>8.0f}")
    print(f"{'baseline: compute_month x ' + str(r['months']) + ' (raw tables)':<52} "
          f"{r['baseline'] * ms:>8.0f} {'':>8} {'':>8} {r['baseline_queries']:>8} "
          f"{r['baseline_cpu'] * ms:>8.0f}")
    ratio = city[0] / r["baseline"]
    verdict = "PASS" if city[1] * ms <= TARGET_MS else "FAIL"
    print(f"\nratio warm city dashboard p50 / baseline: {ratio:.3f} "
          f"(p95 / baseline {city[1] / r['baseline']:.3f}; the roll-up is "
          f"{r['baseline'] / city[0]:.0f}x faster)")
    print(f"{r['backend']}: warm city dashboard p95 {city[1] * ms:.1f} ms, target <= "
          f"{TARGET_MS} ms: {verdict}")
    return verdict


def run(backend, database_url, instance, data, args):
    app, seconds, counts = prepare(database_url, instance, data, {})
    print(f"[{backend}] inserted in {seconds:.0f} s: " +
          ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
    result = measure(backend, app, args, {k: len(v) for k, v in data.items()})
    result["build"] = seconds
    with app.app_context():
        db.engine.dispose()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--views", type=int, default=1_000_000)
    parser.add_argument("--clicks", type=int, default=None,
                        help="WhatsApp clicks (default 3%% of --views)")
    parser.add_argument("--searches", type=int, default=50_000)
    parser.add_argument("--kampung", type=int, default=300)
    parser.add_argument("--offerings", type=int, default=1_500)
    parser.add_argument("--rounds", type=int, default=30, help="warm GETs per page")
    parser.add_argument("--baseline-rounds", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", metavar="DIR",
                        help="build the SQLite database in DIR (a new folder) and keep it")
    parser.add_argument("--profile", action="store_true",
                        help="print cProfile of the cold and a warm city dashboard")
    args = parser.parse_args()
    if args.clicks is None:
        args.clicks = args.views * 3 // 100
    load_before, started = load_average(), time.perf_counter()
    now = utcnow()
    data = generate(args, now)
    print(f"generated in {time.perf_counter() - started:.0f} s: " +
          ", ".join(f"{k} {len(v):,}" for k, v in data.items()), flush=True)

    results = []
    with contextlib.ExitStack() as stack:
        tmp = args.keep or stack.enter_context(tempfile.TemporaryDirectory())
        if args.keep:
            Path(tmp).mkdir(parents=True, exist_ok=False)
        if args.backend in ("sqlite", "both"):
            instance = Path(tmp) / "sqlite"
            instance.mkdir()
            results.append(run("sqlite", f"sqlite:///{instance / 'keren.sqlite'}", instance,
                               data, args))
        if args.backend in ("postgresql", "both"):
            cluster = ThrowawayCluster().start()
            try:
                cluster.admin_execute("CREATE DATABASE bench")
                instance = Path(tmp) / "pg"
                instance.mkdir()
                results.append(run("postgresql", cluster.url("bench"), instance, data, args))
            finally:
                cluster.stop()
    verdicts = [report(r, args) for r in results]
    print(f"\nload average {load_before:.2f} before, {load_average():.2f} after; "
          f"{time.perf_counter() - started:.0f} s in all; nproc {os.cpu_count()}")
    print("SUMMARY " + "; ".join(
        f"{r['backend']} warm p50/p95 {r['warm'][r['city_label']][0] * 1000:.0f}/"
        f"{r['warm'][r['city_label']][1] * 1000:.0f} ms, cold {r['cold'] * 1000:.0f} ms, "
        f"baseline {r['baseline'] * 1000:.0f} ms, {v}" for r, v in zip(results, verdicts)))
    return 0 if all(v == "PASS" for v in verdicts) else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())

"""Booking throughput and latency: 200 concurrent booking requests against gunicorn with 4
workers, on SQLite and on a throwaway PostgreSQL.

    .venv/bin/python bench/booking.py [--requests 200] [--capacity 50] [--rounds 3]

Each round releases all requests together (a threading.Barrier) on a fresh slot. Prints
p50/p99 latency per request, throughput, and how many got a place; as a baseline in the same
run, the latency of the same number of GET requests of the login page (no database write).
"""
import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from keren import create_app  # noqa: E402
from keren.extensions import db  # noqa: E402
from keren.models import Role  # noqa: E402
from keren.models.base import utcnow  # noqa: E402
from keren.services import accounts, kampung as kampung_service, moderation, offerings, places  # noqa: E402
from keren.services import booking as booking_service  # noqa: E402
from tests.conftest import base_config  # noqa: E402
from tests.loadclient import Gunicorn, Visitor, book_together  # noqa: E402
from tests.pgcluster import ThrowawayCluster  # noqa: E402


def prepare(database_url, instance, slots, capacity):
    """Migrate, load reference data, and make one bookable offering with `slots` slots."""
    app = create_app(base_config(database_url, instance), instance_path=instance)
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        places.load_reference_data()
        owner = accounts.register_user(name="Pengelola Bench", email="bench@contoh.id",
                                       password="kata-sandi-bench")
        admin = accounts.register_user(name="Admin Bench", email="admin@contoh.id",
                                       password="kata-sandi-bench")
        accounts.grant_role(admin, Role.CITY_ADMIN)
        kampung = kampung_service.create_kampung(
            places.kelurahan_by_code("35.71.03.1008"), actor=owner, name="Kampung Bench",
            tagline="Uji beban", story="Kampung untuk uji beban pemesanan.")
        kampung_service.submit_kampung(kampung, actor=owner)
        moderation.approve(kampung, moderator=admin)
        offering = offerings.create_offering(kampung, actor=owner, pillar="wisata",
                                             title="Tur Bench", summary="Uji", description="Uji")
        offerings.submit_offering(offering, actor=owner)
        moderation.approve(offering, moderator=admin)
        offering.is_bookable = True
        start = utcnow().replace(microsecond=0) + timedelta(days=3)
        ids = [booking_service.add_slot(offering, actor=owner,
                                        starts_at=start + timedelta(hours=3 * n),
                                        ends_at=start + timedelta(hours=3 * n + 2),
                                        capacity=capacity, max_party=4).id for n in range(slots)]
        db.session.commit()
        db.engine.dispose()
    return ids


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def get_together(port, n):
    visitors = [Visitor(port) for _ in range(n)]
    barrier, times = threading.Barrier(n), [0.0] * n

    def run(i):
        barrier.wait()
        started = time.perf_counter()
        visitors[i].request("GET", "/akun/masuk")
        times[i] = time.perf_counter() - started

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def run(backend, database_url, instance, args):
    slot_ids = prepare(database_url, instance, args.rounds, args.capacity)
    server = Gunicorn(database_url, instance, workers=4)
    try:
        get_together(server.port, 20)    # warm the workers
        baseline = get_together(server.port, args.requests)
        latencies, ok, full, errors, walls = [], 0, 0, 0, []
        for slot_id in slot_ids:
            started = time.perf_counter()
            outcomes = book_together(server.port, slot_id, [1] * args.requests)
            walls.append(time.perf_counter() - started)
            latencies += [o.seconds for o in outcomes]
            ok += sum(o.status == 302 for o in outcomes)
            full += sum(o.status == 409 for o in outcomes)
            errors += sum(o.status >= 500 or o.status == 0 for o in outcomes)
    finally:
        log = server.stop()
    total = args.requests * args.rounds
    return {
        "backend": backend, "requests": total, "booked": ok, "full": full, "errors": errors,
        "p50_ms": 1000 * statistics.median(latencies), "p99_ms": 1000 * percentile(latencies, 99),
        "throughput": total / sum(walls),
        "get_p50_ms": 1000 * statistics.median(baseline),
        "get_p99_ms": 1000 * percentile(baseline, 99),
        "locked": log.count("database is locked"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp) / "sqlite"
        instance.mkdir()
        rows.append(run("sqlite", f"sqlite:///{instance / 'keren.sqlite'}", instance, args))
        cluster = ThrowawayCluster().start()
        try:
            cluster.admin_execute("CREATE DATABASE bench")
            instance = Path(tmp) / "pg"
            instance.mkdir()
            rows.append(run("postgresql", cluster.url("bench"), instance, args))
        finally:
            cluster.stop()
    print(f"\nBooking: {args.requests} concurrent requests x {args.rounds} rounds, capacity "
          f"{args.capacity} per slot, gunicorn -w 4\n")
    print(f"{'backend':<11} {'booked':>6} {'full':>5} {'5xx':>4} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'req/s':>6} {'GET p50':>8} {'GET p99':>8} {'p99/GET p99':>11}")
    for r in rows:
        print(f"{r['backend']:<11} {r['booked']:>6} {r['full']:>5} {r['errors']:>4} "
              f"{r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} {r['throughput']:>6.0f} "
              f"{r['get_p50_ms']:>8.1f} {r['get_p99_ms']:>8.1f} "
              f"{r['p99_ms'] / r['get_p99_ms']:>11.2f}")
    worst = max(r["p99_ms"] for r in rows)
    print(f"\nworst p99 {worst:.0f} ms (target <= 250 ms); "
          f"server errors {sum(r['errors'] for r in rows)}; "
          f"'database is locked' {sum(r['locked'] for r in rows)}")


if __name__ == "__main__":
    main()

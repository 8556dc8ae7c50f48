"""Booking throughput and latency: 200 concurrent booking requests against gunicorn with 4
workers, on SQLite and on a throwaway PostgreSQL.

    .venv/bin/python bench/booking.py [--requests 200] [--capacity 50] [--rounds 3] [--wrk 5]

Each round releases all requests together (a threading.Barrier) on a fresh slot; every request
is prepared beforehand (session cookie, CSRF token, the bytes to send), so the timed part of
the client is connect, send and read. Prints p50/p99 latency per request, throughput, and how
many got a place; as a baseline in the same run, the latency of the same number of GET
requests of the login page (no database write), released the same way. With --wrk, also the
server's throughput measured by wrk (a C client, 8 connections) for the login page, a refused
booking (full slot) and a successful booking.
"""
import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
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
from tests.loadclient import (Gunicorn, Visitor, book_together, prepared_request,  # noqa: E402
                              release_together)
from tests.pgcluster import ThrowawayCluster  # noqa: E402


def prepare(database_url, instance, slots, capacity):
    """Migrate, load reference data, and make one bookable offering with `slots` slots of
    `capacity` places, and one more of 1000 places (for wrk's successful bookings)."""
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
                                        capacity=capacity if n < slots else 1000,
                                        max_party=4).id for n in range(slots + 1)]
        db.session.commit()
        db.engine.dispose()
    return ids


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def get_together(port, n):
    return [o.seconds for o in release_together(
        port, [prepared_request(port, "GET", "/akun/masuk") for _ in range(n)])]


WRK_SCRIPT = """
wrk.method = "{method}"
wrk.headers["Cookie"] = "{cookie}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local base = "{body}"
local n = 0
function setup(thread) n = n + 1; thread:set("tid", n) end
local count = 0
function request()
  if wrk.method == "GET" then return wrk.format() end
  count = count + 1
  return wrk.format(nil, nil, nil, base .. "&idempotency_key=wrk-" .. tid .. "-" .. count)
end
"""


def wrk_rate(port, path, *, post=None, seconds=5, connections=8):
    """Requests per second and p99 (ms) by wrk with `connections` kept busy; for a POST, one
    visitor's session and token, a new idempotency key per request."""
    visitor = Visitor(port)
    cookie, body = "", ""
    if post is not None:
        token = visitor.csrf_token()
        cookie = "; ".join(f"{k}={v}" for k, v in visitor.cookies.items())
        body = "&".join(f"{k}={v}" for k, v in {"csrf_token": token, **post}.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.format(method="POST" if post else "GET", cookie=cookie,
                                       body=body.replace('"', '\\"')))
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s",
                          "--latency", "-s", script.name, f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, check=True).stdout
    Path(script.name).unlink()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    return rate, p99_ms


def run(backend, database_url, instance, args):
    *slot_ids, roomy_slot = prepare(database_url, instance, args.rounds, args.capacity)
    server = Gunicorn(database_url, instance, workers=4)
    wrk = {}
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
        if args.wrk:
            form = {"party_size": 1, "name": "Pengunjung+wrk", "phone": "0812-3456-7890"}
            wrk["get"] = wrk_rate(server.port, "/akun/masuk", seconds=args.wrk)
            wrk["full"] = wrk_rate(server.port, f"/pesan/{slot_ids[0]}", post=form,
                                   seconds=args.wrk)
            # At most 3 s, so that the 1000 places are not all taken (then it would time
            # refusals).
            wrk["booked"] = wrk_rate(server.port, f"/pesan/{roomy_slot}", post=form,
                                     seconds=min(args.wrk, 3))
    finally:
        log = server.stop()
    total = args.requests * args.rounds
    return {
        "backend": backend, "requests": total, "booked": ok, "full": full, "errors": errors,
        "p50_ms": 1000 * statistics.median(latencies), "p99_ms": 1000 * percentile(latencies, 99),
        "throughput": total / sum(walls),
        "get_p50_ms": 1000 * statistics.median(baseline),
        "get_p99_ms": 1000 * percentile(baseline, 99),
        "locked": log.count("database is locked"), "wrk": wrk,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wrk", type=int, default=0, metavar="SECONDS",
                        help="also measure throughput with wrk for this many seconds per figure")
    args = parser.parse_args()
    if args.wrk and shutil.which("wrk") is None:
        parser.error("--wrk needs wrk (apt-get install -y wrk)")
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
    if args.wrk:
        print(f"\nwrk, 8 connections, {args.wrk} s each: req/s (p99 ms)")
        print(f"{'backend':<11} {'GET login':>16} {'booking, full':>16} {'booking, placed':>16}")
        for r in rows:
            cells = [f"{r['wrk'][k][0]:.0f} ({r['wrk'][k][1]:.0f})"
                     for k in ("get", "full", "booked")]
            print(f"{r['backend']:<11} " + " ".join(f"{c:>16}" for c in cells))
    worst = max(r["p99_ms"] for r in rows)
    print(f"\nworst p99 {worst:.0f} ms (target <= 250 ms); "
          f"server errors {sum(r['errors'] for r in rows)}; "
          f"'database is locked' {sum(r['locked'] for r in rows)}")


if __name__ == "__main__":
    main()

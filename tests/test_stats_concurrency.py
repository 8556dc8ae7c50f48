"""Page views counted under real concurrency: views released together against the app served
by gunicorn with 4 workers, on SQLite and on PostgreSQL, lose no count; a negative control
with a read-then-write counter shows that the harness would see lost counts."""
import http.client
import threading

import pytest

from keren.config import ConfigError, check_production
from keren.extensions import db
from keren.models import PageStat
from tests.loadclient import Gunicorn

PHONE = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/124.0 Mobile"
VIEWS = 120


def view_together(port, path, n):
    """n visitors (no cookies) open `path` at the same moment; their status codes."""
    barrier, statuses = threading.Barrier(n), [0] * n

    def run(i):
        barrier.wait(timeout=60)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", path, headers={"User-Agent": PHONE})
            response = conn.getresponse()
            response.read()
            statuses[i] = response.status
        except OSError:
            statuses[i] = 0
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.fixture
def served_kampung(app, database_url, make_kampung):
    kampung = make_kampung()
    slug, kampung_id = kampung.slug, kampung.id
    db.session.close()
    servers = []

    def start(**extra_env):
        server = Gunicorn(database_url, app.instance_path, workers=4,
                          extra_env={k: str(v) for k, v in extra_env.items()})
        servers.append(server)
        return server, f"/kampung/{slug}"

    yield start, kampung_id
    for server in servers:
        log = server.stop()
        assert "database is locked" not in log, log[-3000:]


def views(kampung_id):
    db.session.rollback()
    return db.session.scalar(db.select(db.func.coalesce(db.func.sum(PageStat.count), 0))
                             .where(PageStat.kampung_id == kampung_id, PageStat.event == "view"))


def test_views_released_together_are_all_counted(served_kampung):
    start, kampung_id = served_kampung
    server, path = start()
    statuses = view_together(server.port, path, VIEWS)
    assert statuses == [200] * VIEWS
    assert views(kampung_id) == VIEWS


def test_negative_control_a_read_then_write_counter_loses_views(served_kampung):
    start, kampung_id = served_kampung
    server, path = start(KEREN_STATS_TEST_UNGUARDED="true", KEREN_STATS_TEST_RACE_DELAY="0.05")
    statuses = view_together(server.port, path, VIEWS)
    assert statuses == [200] * VIEWS   # the page never fails because of its counter
    assert 0 < views(kampung_id) < VIEWS


def test_production_refuses_the_test_only_switch():
    with pytest.raises(ConfigError, match="STATS_TEST_UNGUARDED"):
        check_production({"SECRET_KEY": "x" * 40, "STATS_TEST_UNGUARDED": True})

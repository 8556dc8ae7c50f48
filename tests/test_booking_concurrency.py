"""Booking capacity under real concurrency: requests released together against the app served
by gunicorn with 4 workers, on SQLite and on PostgreSQL, with a negative control."""
import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from keren.extensions import db
from keren.models import Booking, BookingStatus, VisitSlot
from keren.models.base import utcnow
from keren.services import booking as booking_service
from tests.loadclient import Gunicorn, book_together


@pytest.fixture
def bookable_slot(app, make_kampung, make_offering):
    """A published, bookable offering with one slot three days ahead."""

    def make(capacity, max_party=None):
        kampung = make_kampung()
        offering = make_offering(kampung, pillar="wisata")
        offering.is_bookable = True
        start = utcnow().replace(microsecond=0) + timedelta(days=3)
        slot = booking_service.add_slot(offering, actor=kampung.members[0].user,
                                        starts_at=start, ends_at=start + timedelta(hours=2),
                                        capacity=capacity, max_party=max_party or capacity)
        db.session.commit()
        slot_id = slot.id
        db.session.close()
        return slot_id

    return make


@pytest.fixture
def serve(app, database_url):
    servers = []

    def start(**extra_env):
        server = Gunicorn(database_url, app.instance_path, workers=4,
                          extra_env={k: str(v) for k, v in extra_env.items()})
        servers.append(server)
        return server

    yield start
    for server in servers:
        log = server.stop()
        assert "database is locked" not in log, log[-3000:]


def holding(slot_id):
    db.session.rollback()
    places = db.session.scalar(select(func.coalesce(func.sum(Booking.party_size), 0)).where(
        Booking.slot_id == slot_id,
        Booking.status.in_([BookingStatus.REQUESTED, BookingStatus.CONFIRMED])))
    rows = db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.slot_id == slot_id,
        Booking.status.in_([BookingStatus.REQUESTED, BookingStatus.CONFIRMED])))
    counter = db.session.scalar(select(VisitSlot.booked).where(VisitSlot.id == slot_id))
    return rows, places, counter


def test_two_hundred_requests_for_ten_places_book_exactly_ten(serve, bookable_slot):
    slot_id = bookable_slot(capacity=10, max_party=4)
    server = serve()
    outcomes = book_together(server.port, slot_id, [1] * 200)
    statuses = [o.status for o in outcomes]
    assert statuses.count(302) == 10
    assert statuses.count(409) == 190
    assert all("tidak cukup" in o.body for o in outcomes if o.status == 409)
    assert not [s for s in statuses if s >= 500 or s == 0]
    assert holding(slot_id) == (10, 10, 10)


def test_negative_control_without_the_guard_the_harness_sees_overbooking(serve, bookable_slot):
    slot_id = bookable_slot(capacity=10, max_party=4)
    server = serve(KEREN_BOOKING_TEST_UNGUARDED="true", KEREN_BOOKING_TEST_RACE_DELAY="0.05")
    outcomes = book_together(server.port, slot_id, [1] * 200)
    successes = sum(o.status == 302 for o in outcomes)
    rows, _places, counter = holding(slot_id)
    assert successes > 10 and rows > 10     # the race this harness must be able to catch
    assert rows > counter                  # lost updates: the counter no longer tells the truth


def test_mixed_party_sizes_never_take_more_than_capacity(serve, bookable_slot):
    slot_id = bookable_slot(capacity=25, max_party=4)
    server = serve()
    sizes = [random.Random(n).randint(1, 4) for n in range(300)]
    outcomes = book_together(server.port, slot_id, sizes)
    assert not [o.status for o in outcomes if o.status >= 500 or o.status == 0]
    rows, places, counter = holding(slot_id)
    booked_sizes = sum(size for size, o in zip(sizes, outcomes) if o.status == 302)
    assert places == counter == booked_sizes <= 25
    assert counter >= 22          # only a party larger than what is left may be turned away


def test_cancellations_racing_new_bookings_keep_the_counter_true(app, serve, bookable_slot):
    slot_id = bookable_slot(capacity=10, max_party=1)
    server = serve()
    first = book_together(server.port, slot_id, [1] * 10)
    links = [o for o in first if o.status == 302]
    assert len(links) == 10
    db.session.rollback()
    bookings = db.session.scalars(select(Booking).where(Booking.slot_id == slot_id)).all()
    # Cancel five through the service in threads while forty new requests arrive over HTTP.
    barrier = threading.Barrier(2)
    new_outcomes = []

    def cancel_five():
        with app.app_context():
            barrier.wait()
            from keren.db_setup import write_transaction
            for booking in bookings[:5]:
                with write_transaction():
                    fresh = db.session.get(Booking, booking.id)
                    booking_service.cancel(fresh)
                    db.session.commit()
            db.session.remove()

    canceller = threading.Thread(target=cancel_five)
    canceller.start()
    barrier.wait()
    new_outcomes.extend(book_together(server.port, slot_id, [1] * 40))
    canceller.join(timeout=60)
    assert not [o.status for o in new_outcomes if o.status >= 500 or o.status == 0]
    rows, places, counter = holding(slot_id)
    assert rows == places == counter
    assert 0 <= counter <= 10
    assert counter == 10 - 5 + sum(o.status == 302 for o in new_outcomes)

"""The booking service: every state change, the refused ones, places and expiry. `now` is
passed explicitly; slots start on Saturday 5 December 2026 at 09.00 WIB."""
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from keren import mail
from keren.extensions import db
from keren.models import AuditEntry, Booking, BookingStatus, Notification, SlotStatus, VisitSlot
from keren.models.base import utcnow
from keren.services import booking
from keren.services.booking import SlotFull, SlotUnavailable
from keren.services.errors import InvalidValue, NotAllowed

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)        # Tuesday 10.00 WIB
START = datetime(2026, 12, 5, 2, 0, tzinfo=timezone.utc)      # Saturday 09.00 WIB
VISITOR = {"name": "Rina Wulandari", "phone": "0813-3344-5566", "email": "rina@contoh.id"}


@pytest.fixture
def owner(make_user):
    return make_user(name="Bu Sri", email="sri@contoh.id")


@pytest.fixture
def offering(owner, make_kampung, make_offering):
    item = make_offering(make_kampung(owner=owner), title="Jelajah Kampung Tenun")
    booking.update_booking_settings(item, actor=owner, bookable=True, cutoff_hours=12, now=NOW)
    db.session.commit()
    return item


@pytest.fixture
def make_slot(offering, owner):
    def make(*, starts=START, hours=2, capacity=10, min_party=1, max_party=None):
        slot = booking.add_slot(offering, actor=owner, starts_at=starts,
                                ends_at=starts + timedelta(hours=hours), capacity=capacity,
                                min_party=min_party, max_party=max_party, now=NOW)
        db.session.commit()
        return slot
    return make


@pytest.fixture
def slot(make_slot):
    return make_slot()


def request(slot, party_size=2, *, now=NOW, **fields):
    made, token = booking.request_visit(slot, party_size=party_size, now=now,
                                        **{**VISITOR, **fields})
    db.session.commit()
    return made, token


def booked(slot):
    db.session.refresh(slot)
    return slot.booked


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


# --- requested ------------------------------------------------------------------------------

def test_a_request_takes_its_places_and_waits_for_the_kampung(slot, owner):
    made, token = request(slot, 3)
    assert made.status == BookingStatus.REQUESTED and made.status_label == "Menunggu konfirmasi"
    assert booked(slot) == 3 and slot.places_left == 7
    assert made.code.startswith("KRN-") and len(made.code) == 9
    assert made.phone == "+6281333445566"
    assert made.respond_by == NOW + timedelta(hours=48)
    # Only the hash of the manage secret is stored, and it opens the booking.
    assert token not in made.token_hash and len(made.token_hash) == 64
    assert booking.by_code_and_token(made.code.lower(), token) == made
    assert booking.by_code_and_token(made.code, token + "x") is None
    assert booking.by_code_and_token(made.code, "") is None
    notice = db.session.scalar(select(Notification).where(Notification.user_id == owner.id,
                                                          Notification.kind.like("booking.%")))
    assert notice.kind == "booking.requested" and notice.link == "/kelola/pesanan"
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) \
        == "booking.requested"


def test_the_answer_is_due_before_the_visit_starts_when_it_is_near(make_slot):
    soon = make_slot(starts=NOW + timedelta(hours=20))
    made, _token = request(soon)
    assert made.respond_by == soon.starts_at


# --- confirmed, declined, expired -----------------------------------------------------------

def test_the_kampung_confirms_a_request_and_it_keeps_its_places(slot, owner):
    made, _token = request(slot, 4)
    booking.confirm(made, actor=owner, now=NOW + timedelta(hours=1))
    db.session.commit()
    assert made.status == BookingStatus.CONFIRMED and booked(slot) == 4
    assert made.responded_at == NOW + timedelta(hours=1)


def test_a_declined_request_frees_its_places_and_keeps_the_reason(slot, owner):
    made, _token = request(slot, 4)
    with pytest.raises(InvalidValue, match="Alasan wajib diisi"):
        booking.decline(made, actor=owner, reason="  ", now=NOW)
    booking.decline(made, actor=owner, reason="Sanggar sedang direnovasi", now=NOW)
    db.session.commit()
    assert made.status == BookingStatus.DECLINED and made.reason == "Sanggar sedang direnovasi"
    assert booked(slot) == 0


def test_an_unanswered_request_expires_when_the_slots_are_read_and_frees_its_places(slot, offering):
    made, _token = request(slot, 10)
    assert booking.open_slots(offering, now=NOW) == []
    later = made.respond_by + timedelta(seconds=1)
    assert booking.open_slots(offering, now=later) == [slot]
    db.session.commit()
    assert made.status == BookingStatus.EXPIRED and booked(slot) == 0
    assert booking.overdue_exists(now=later) is False


def test_flask_bookings_expire_expires_overdue_requests_and_says_how_many(app, offering, owner):
    now = datetime.now(timezone.utc)
    future = booking.add_slot(offering, actor=owner, starts_at=now + timedelta(days=3),
                              ends_at=now + timedelta(days=3, hours=2), capacity=10)
    db.session.commit()
    overdue, _token = request(future, 2, now=now - timedelta(hours=49))
    waiting, _token = request(future, 1, now=now)
    result = app.test_cli_runner().invoke(args=["bookings", "expire"])
    assert result.exit_code == 0, result.output
    assert result.output == "Expired 1 unanswered booking request(s).\n"
    db.session.rollback()
    assert db.session.get(Booking, overdue.id).status == BookingStatus.EXPIRED
    assert db.session.get(Booking, waiting.id).status == BookingStatus.REQUESTED
    assert db.session.get(VisitSlot, future.id).booked == 1
    again = app.test_cli_runner().invoke(args=["bookings", "expire"])
    assert again.output == "Expired 0 unanswered booking request(s).\n"


# --- cancelled ------------------------------------------------------------------------------

def test_the_visitor_cancels_before_the_cut_off_and_the_places_return_at_once(slot):
    made, _token = request(slot, 6)
    booking.cancel(made, now=START - timedelta(hours=12, seconds=1))
    db.session.commit()
    assert made.status == BookingStatus.CANCELLED and booked(slot) == 0


def test_a_confirmed_booking_can_be_cancelled_too(slot, owner):
    made, _token = request(slot, 2)
    booking.confirm(made, actor=owner, now=NOW)
    booking.cancel(made, now=NOW)
    db.session.commit()
    assert made.status == BookingStatus.CANCELLED and booked(slot) == 0


def test_cancelling_after_the_cut_off_is_refused(slot):
    made, _token = request(slot, 2)
    assert made.cancel_deadline == START - timedelta(hours=12)
    with pytest.raises(InvalidValue, match="Batas waktu pembatalan sudah lewat"):
        booking.cancel(made, now=START - timedelta(hours=12))
    db.session.rollback()
    assert made.status == BookingStatus.REQUESTED and booked(slot) == 2


def test_cancelling_a_slot_cancels_its_bookings_and_tells_the_visitors_after_commit(app, slot, owner):
    first, _token = request(slot, 2)
    second, _token = request(slot, 3, email=None)
    booking.confirm(second, actor=owner, now=NOW)
    db.session.commit()
    mail.outbox(app).clear()
    with pytest.raises(InvalidValue, match="Alasan wajib diisi"):
        booking.cancel_slot(slot, actor=owner, reason="", now=NOW)
    booking.cancel_slot(slot, actor=owner, reason="Banjir di gang", now=NOW)
    assert mail.outbox(app) == []
    db.session.commit()
    assert slot.status == SlotStatus.CANCELLED and booked(slot) == 0
    assert {first.status, second.status} == {BookingStatus.CANCELLED}
    assert first.reason == "Banjir di gang"
    [message] = mail.outbox(app)  # the second visitor gave no e-mail
    assert message["To"] == "rina@contoh.id" and "Banjir di gang" in message.get_content()


# --- completed and no-show ------------------------------------------------------------------

def test_after_the_visit_starts_a_confirmed_booking_is_completed_or_a_no_show(slot, owner):
    came, _token = request(slot, 2)
    stayed_home, _token = request(slot, 2)
    for made in (came, stayed_home):
        booking.confirm(made, actor=owner, now=NOW)
    assert not came.can_mark_visit(NOW) and came.can_mark_visit(START)
    booking.mark_visit(came, "completed", actor=owner, now=START + timedelta(minutes=5))
    booking.mark_visit(stayed_home, "no_show", actor=owner, now=START + timedelta(hours=3))
    db.session.commit()
    assert came.status == BookingStatus.COMPLETED and came.status_label == "Selesai"
    assert stayed_home.status == BookingStatus.NO_SHOW
    assert stayed_home.status_label == "Tidak datang"
    assert booked(slot) == 4  # the visit happened: the places stay taken


def test_a_visit_cannot_be_marked_before_it_starts(slot, owner):
    made, _token = request(slot, 2)
    booking.confirm(made, actor=owner, now=NOW)
    with pytest.raises(InvalidValue, match="belum dimulai"):
        booking.mark_visit(made, "completed", actor=owner, now=START - timedelta(minutes=1))


def test_only_confirmed_bookings_are_marked_completed_or_no_show(slot, owner):
    made, _token = request(slot, 2)
    with pytest.raises(InvalidValue, match="tidak bisa diubah"):
        booking.mark_visit(made, "no_show", actor=owner, now=START)


# --- refused moves --------------------------------------------------------------------------

@pytest.mark.parametrize("answer", ["declined", "expired", "cancelled"])
def test_a_request_that_is_no_longer_open_cannot_be_confirmed(slot, owner, offering, answer):
    made, _token = request(slot, 2)
    if answer == "declined":
        booking.decline(made, actor=owner, reason="Penuh", now=NOW)
    elif answer == "expired":
        booking.open_slots(offering, now=made.respond_by)
    else:
        booking.cancel(made, now=NOW)
    db.session.commit()
    assert made.status == BookingStatus(answer) and booked(slot) == 0
    with pytest.raises(InvalidValue, match="tidak bisa diubah"):
        booking.confirm(made, actor=owner, now=NOW)
    with pytest.raises(InvalidValue):
        booking.decline(made, actor=owner, reason="Lagi", now=NOW)
    with pytest.raises(InvalidValue):
        booking.cancel(made, now=NOW)
    db.session.rollback()
    assert booked(slot) == 0  # never given back twice


def test_a_stale_page_cannot_release_places_twice(slot, owner):
    made, _token = request(slot, 2)
    stale = db.session.get(Booking, made.id)
    booking.cancel(made, now=NOW)
    db.session.commit()
    # A second tab still showing the request: the conditional UPDATE finds no such row.
    db.session.execute(db.update(Booking).where(Booking.id == made.id)
                       .values(status=BookingStatus.CANCELLED))
    stale.status  # loaded
    with pytest.raises(InvalidValue):
        booking.decline(stale, actor=owner, reason="x", now=NOW)
    db.session.rollback()
    assert booked(slot) == 0


def test_people_who_do_not_manage_the_kampung_cannot_answer_or_change_slots(slot, make_user):
    made, _token = request(slot, 2)
    stranger = make_user(name="Orang Lain")
    for call in (lambda: booking.confirm(made, actor=stranger, now=NOW),
                 lambda: booking.decline(made, actor=stranger, reason="x", now=NOW),
                 lambda: booking.mark_visit(made, "completed", actor=stranger, now=START),
                 lambda: booking.change_capacity(slot, actor=stranger, capacity=50),
                 lambda: booking.close_slot(slot, actor=stranger),
                 lambda: booking.cancel_slot(slot, actor=stranger, reason="x"),
                 lambda: booking.update_booking_settings(slot.offering, actor=stranger,
                                                         bookable=False, cutoff_hours=1)):
        with pytest.raises(NotAllowed):
            call()


# --- places ---------------------------------------------------------------------------------

def test_a_request_for_more_places_than_are_left_changes_nothing(slot):
    request(slot, 8)
    bookings_before = count(Booking)
    with pytest.raises(SlotFull, match="tidak cukup"):
        booking.request_visit(slot, party_size=3, now=NOW, **VISITOR)
    db.session.rollback()
    assert booked(slot) == 8 and count(Booking) == bookings_before
    made, _token = request(slot, 2)  # exactly the last places
    assert booked(slot) == 10


def test_check_request_refuses_from_what_it_read_and_writes_nothing(slot):
    made, _token = request(slot, 8, idempotency_key="form-key-first")
    before = (count(Booking), count(AuditEntry), count(Notification))
    with pytest.raises(SlotFull, match="tidak cukup") as refused:
        booking.check_request(slot, party_size=3, now=NOW, **VISITOR)
    assert refused.value.field == "slot"
    # Room as read is no promise, only no refusal; the same form again is the earlier booking.
    assert booking.check_request(slot, party_size=2, now=NOW, **VISITOR) is None
    assert booking.check_request(slot, party_size=3, now=NOW, idempotency_key="form-key-first",
                                 **VISITOR) == made
    with pytest.raises(InvalidValue):
        booking.check_request(slot, party_size=1, now=NOW, name="Rina", phone="12345")
    assert not db.session.new and not db.session.dirty
    db.session.rollback()
    assert (count(Booking), count(AuditEntry), count(Notification)) == before
    assert booked(slot) == 8


def test_places_taken_after_the_check_are_still_refused_by_the_claim(slot):
    before = (count(Booking), count(AuditEntry), count(Notification))
    loaded = booking.slot_for_request(slot.id)
    assert booking.check_request(loaded, party_size=3, now=NOW, **VISITOR) is None
    # Another request takes the places between this one's read and its write.
    db.session.execute(update(VisitSlot).where(VisitSlot.id == slot.id).values(booked=9))
    with pytest.raises(SlotFull):
        booking.request_visit(loaded, party_size=3, now=NOW, **VISITOR)
    db.session.rollback()
    assert (count(Booking), count(AuditEntry), count(Notification)) == before
    assert booked(slot) == 0


def test_a_claim_refused_after_the_notices_were_written_sends_no_mail(app, slot):
    request(slot, 10)
    mail.outbox(app).clear()
    with pytest.raises(SlotFull):
        booking.request_visit(slot, party_size=1, now=NOW, **VISITOR)
    db.session.rollback()
    db.session.commit()
    assert mail.outbox(app) == []


@pytest.mark.parametrize("party_size", [0, 3, 7])
def test_the_party_size_must_be_within_the_slots_bounds(make_slot, party_size):
    bounded = make_slot(capacity=20, min_party=4, max_party=6)
    with pytest.raises(InvalidValue, match="4 sampai 6") as refused:
        booking.request_visit(bounded, party_size=party_size, now=NOW, **VISITOR)
    assert refused.value.field == "party_size"
    db.session.rollback()
    assert booked(bounded) == 0


def test_a_closed_past_or_too_near_slot_cannot_be_booked(make_slot, owner):
    closed = make_slot()
    booking.close_slot(closed, actor=owner, now=NOW)
    near = make_slot(starts=NOW + timedelta(hours=11))
    cancelled = make_slot(starts=START + timedelta(days=1))
    booking.cancel_slot(cancelled, actor=owner, reason="Libur", now=NOW)
    db.session.commit()
    for unavailable, now in ((closed, NOW), (near, NOW), (cancelled, NOW),
                             (closed, START + timedelta(days=1))):
        with pytest.raises(SlotUnavailable, match="tidak bisa dipesan"):
            booking.request_visit(unavailable, party_size=1, now=now, **VISITOR)
        db.session.rollback()
    assert count(Booking) == 0


def test_an_offering_that_is_not_bookable_takes_no_requests(slot, offering, owner):
    booking.update_booking_settings(offering, actor=owner, bookable=False, cutoff_hours=12)
    db.session.commit()
    with pytest.raises(SlotUnavailable):
        booking.request_visit(slot, party_size=1, now=NOW, **VISITOR)


def test_a_bad_name_or_phone_is_refused_on_its_field(slot):
    with pytest.raises(InvalidValue) as refused:
        booking.request_visit(slot, party_size=1, now=NOW, name="Rina", phone="12345")
    assert refused.value.field == "phone"
    with pytest.raises(InvalidValue) as refused:
        booking.request_visit(slot, party_size=1, now=NOW, name="   ", phone="081333445566")
    assert refused.value.field == "name"


def test_the_same_form_sent_twice_makes_one_booking(slot):
    first, token = request(slot, 2, idempotency_key="a" * 32)
    again, no_token = request(slot, 2, idempotency_key="a" * 32)
    assert again.id == first.id and token and no_token is None
    assert count(Booking) == 1 and booked(slot) == 2
    # Even when the first one took the last places.
    full, _token = request(slot, 8, idempotency_key="b" * 32)
    repeat, _token = request(slot, 8, idempotency_key="b" * 32)
    assert repeat.id == full.id and booked(slot) == 10


def test_a_code_that_is_already_taken_is_drawn_again(slot, monkeypatch):
    first, _token = request(slot, 1)
    codes = iter([first.code, first.code, "KRN-22222"])
    monkeypatch.setattr(booking, "new_code", lambda: next(codes))
    second, _token = request(slot, 1)
    assert second.code == "KRN-22222" and booked(slot) == 2 and count(Booking) == 2


def test_open_slots_are_future_open_and_have_room_for_the_smallest_party(make_slot, owner, offering):
    free = make_slot()
    almost_full = make_slot(starts=START + timedelta(days=1), capacity=10, min_party=3)
    request(almost_full, 8)                       # 2 left, but parties start at 3
    full = make_slot(starts=START + timedelta(days=2), capacity=2)
    request(full, 2)
    closed = make_slot(starts=START + timedelta(days=3))
    booking.close_slot(closed, actor=owner, now=NOW)
    near = make_slot(starts=NOW + timedelta(hours=6))
    later = make_slot(starts=START + timedelta(days=7))
    db.session.commit()
    assert booking.open_slots(offering, now=NOW) == [free, later]
    assert near in booking.open_slots(offering, now=NOW - timedelta(hours=12))
    assert [s.id for s in booking.upcoming_slots(offering, now=NOW)] == \
        [near.id, free.id, almost_full.id, full.id, closed.id, later.id]


# --- slots ----------------------------------------------------------------------------------

def test_capacity_cannot_go_below_the_places_taken(slot, owner):
    request(slot, 6)
    with pytest.raises(InvalidValue, match="tidak bisa di bawah 6") as refused:
        booking.change_capacity(slot, actor=owner, capacity=5)
    assert refused.value.field == "capacity"
    db.session.rollback()
    assert db.session.get(VisitSlot, slot.id).capacity == 10
    booking.change_capacity(slot, actor=owner, capacity=6)
    db.session.commit()
    # The largest party (the old capacity by default) shrank with it.
    assert (slot.capacity, slot.max_party, slot.places_left) == (6, 6, 0)
    booking.change_capacity(slot, actor=owner, capacity=30)
    db.session.commit()
    assert (slot.capacity, slot.max_party) == (30, 6)


def test_capacity_cannot_go_below_the_smallest_party(make_slot, owner):
    group = make_slot(capacity=40, min_party=10)
    with pytest.raises(InvalidValue, match="rombongan terkecil \\(10 orang\\)"):
        booking.change_capacity(group, actor=owner, capacity=8)


def test_a_closed_slot_keeps_its_bookings(slot, owner):
    made, _token = request(slot, 2)
    booking.close_slot(slot, actor=owner, now=NOW)
    db.session.commit()
    assert slot.status == SlotStatus.CLOSED and made.status == BookingStatus.REQUESTED
    assert booked(slot) == 2
    with pytest.raises(InvalidValue):
        booking.close_slot(slot, actor=owner, now=NOW)


def test_a_slot_needs_a_future_start_an_end_after_it_and_a_sane_capacity(offering, owner):
    def add(**overrides):
        values = dict(starts_at=START, ends_at=START + timedelta(hours=2), capacity=10, now=NOW)
        booking.add_slot(offering, actor=owner, **{**values, **overrides})
    for overrides, field in (({"starts_at": NOW - timedelta(hours=1)}, "starts_at"),
                             ({"ends_at": START}, "ends_at"),
                             ({"capacity": 0}, "capacity"),
                             ({"min_party": 5, "max_party": 4}, "min_party"),
                             ({"max_party": 11}, "min_party")):
        with pytest.raises(InvalidValue) as refused:
            add(**overrides)
        assert refused.value.field == field
    add()
    with pytest.raises(Exception, match="Sudah ada jadwal"):
        add()


def test_weekly_slots_are_made_for_the_weeks_ahead_once(offering, owner):
    made = booking.add_weekly_slots(offering, actor=owner, weekday=5, start=time(9),
                                    end=time(11), capacity=20, weeks=4, now=NOW)
    db.session.commit()
    assert [s.starts_at for s in made] == [START + timedelta(weeks=w) for w in range(4)]
    assert all(s.ends_at - s.starts_at == timedelta(hours=2) for s in made)
    assert booking.add_weekly_slots(offering, actor=owner, weekday=5, start=time(9),
                                    end=time(11), capacity=20, weeks=5, now=NOW) \
        [0].starts_at == START + timedelta(weeks=4)


def test_booking_settings_take_a_cut_off_within_two_weeks(offering, owner):
    with pytest.raises(InvalidValue) as refused:
        booking.update_booking_settings(offering, actor=owner, bookable=True, cutoff_hours=400)
    assert refused.value.field == "booking_cutoff_hours"
    booking.update_booking_settings(offering, actor=owner, bookable=False, cutoff_hours=0)
    db.session.commit()
    assert offering.is_bookable is False and offering.booking_cutoff_hours == 0


# --- e-mail after commit --------------------------------------------------------------------

def test_e_mails_go_out_only_after_commit_and_never_after_a_rollback(app, slot, owner):
    mail.outbox(app).clear()
    booking.request_visit(slot, party_size=2, now=NOW, **VISITOR)
    assert mail.outbox(app) == []
    db.session.rollback()
    assert mail.outbox(app) == []
    made, token = request(slot, 2)
    recipients = sorted(message["To"] for message in mail.outbox(app))
    assert recipients == ["rina@contoh.id", "sri@contoh.id"]
    visitor_mail = next(m for m in mail.outbox(app) if m["To"] == "rina@contoh.id")
    assert made.code in visitor_mail.get_content()
    assert f"/pesanan/{made.code}?t={token}" in visitor_mail.get_content()


# --- demo data ------------------------------------------------------------------------------

def test_the_demo_seed_opens_visits_and_classes_on_saturday_mornings_once(app):
    from keren.models import Offering, Pillar
    from keren.services import demo
    from keren.templating import WIB
    _rows, counts = demo.seed_demo(app.config)
    db.session.commit()
    offerings = db.session.scalars(select(Offering)).all()
    bookable = [o for o in offerings if o.is_bookable]
    assert {o.pillar for o in bookable} == {Pillar.WISATA, Pillar.EDUKASI}
    assert all(o.pillar == Pillar.DAGANG for o in offerings if not o.is_bookable)
    # The coming weeks' slots; the past ones belong to the demo activity (test_stats_services).
    slots = db.session.scalars(select(VisitSlot).where(VisitSlot.starts_at > utcnow())).all()
    assert counts["slots"] == len(slots) >= 3 * len(bookable)
    every_slot = count(VisitSlot)
    for slot in slots:
        starts = slot.starts_at.astimezone(WIB)
        assert (starts.weekday(), starts.hour, slot.ends_at.astimezone(WIB).hour) == (5, 9, 11)
        assert slot.capacity >= 20
    assert all(booking.open_slots(o) for o in bookable)
    _rows, again = demo.seed_demo(app.config)
    db.session.commit()
    assert again["slots"] == 0 and count(VisitSlot) == every_slot

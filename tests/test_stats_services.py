"""The programme's figures at the service level: every figure of the scorecard equals the same
figure computed from the raw rows; counting, the roll-up's freshness rule, the median."""
import statistics
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from keren.extensions import db
from keren.models import (Booking, BookingStatus, MonthlyStat, PageStat, SearchLog, SearchStat,
                          VisitSlot)
from keren.services import booking as booking_service, demo, demo_activity, places, stats
from tests.conftest import BANDAR_KIDUL, TINALAN
from tests.stats_scenario import (MONTHS, MRICAN, NOW, build, expected, searches_expected)


def _figures(figures):
    return {k: v for k, v in figures.as_dict().items()}


def _check(card, codes):
    want = expected(codes, card.months)
    assert _figures(card.totals) == want["totals"]
    for month in card.months:
        assert _figures(card.by_month[month]) == want["by_month"][month], month
    by_code = {k.code: card.by_kelurahan[k.id] for k in card.kelurahan}
    for code in codes:
        assert _figures(by_code[code]) == want["by_kelurahan"][code], code


def test_city_scorecard_equals_the_raw_rows(app, make_kampung, make_offering):
    build(make_kampung, make_offering)
    card = stats.scorecard(stats.Scope(), MONTHS, now=NOW)
    assert len(card.kelurahan) == 46
    _check(card, [k.code for k in card.kelurahan])
    # The scenario has something in every figure, so the comparison means something.
    assert all(card.totals.as_dict()[name] > 0 for name in stats.FIGURES)
    assert card.totals.median_response_minutes is not None
    top, zero = searches_expected(MONTHS, None)
    assert card.top_queries == top and card.zero_result_queries == zero
    assert {q for q, _n in zero} == {"homestay", "kopi"}
    # Per kecamatan: the searches narrowed to it or to one of its kelurahan.
    for kecamatan, found, missing in card.demand_by_kecamatan:
        scopes = [kecamatan.code] + [k.code for k in kecamatan.kelurahan]
        want_found, want_missing = searches_expected(MONTHS, scopes)
        assert (found, missing) == (want_found[:5], want_missing[:5]), kecamatan.name
    assert any(found for _k, found, _m in card.demand_by_kecamatan)
    assert card.coverage == (3, 46)


def test_kecamatan_and_kelurahan_scorecards_equal_the_raw_rows(app, make_kampung,
                                                               make_offering):
    build(make_kampung, make_offering)
    bandar = places.kelurahan_by_code(BANDAR_KIDUL)
    kecamatan_card = stats.scorecard(stats.Scope(kecamatan=bandar.kecamatan), MONTHS, now=NOW)
    codes = [k.code for k in kecamatan_card.kelurahan]
    assert MRICAN in codes and BANDAR_KIDUL in codes and TINALAN not in codes
    _check(kecamatan_card, codes)
    assert kecamatan_card.coverage == (2, len(codes))
    scopes = [bandar.kecamatan.code] + codes
    assert (kecamatan_card.top_queries, kecamatan_card.zero_result_queries) == \
        searches_expected(MONTHS, scopes)

    tinalan = places.kelurahan_by_code(TINALAN)
    card = stats.scorecard(stats.Scope(kecamatan=tinalan.kecamatan, kelurahan=tinalan),
                           MONTHS[2:4], now=NOW)
    assert [k.code for k in card.kelurahan] == [TINALAN]
    _check(card, [TINALAN])
    assert (card.top_queries, card.zero_result_queries) == \
        searches_expected(MONTHS[2:4], [TINALAN])


def test_scorecard_rows_hold_every_cell_and_nothing_personal(app, make_kampung, make_offering):
    build(make_kampung, make_offering)
    card = stats.scorecard(stats.Scope(), MONTHS, now=NOW)
    rows = list(stats.scorecard_rows(card))
    assert len(rows) == 46 * len(MONTHS)
    assert set(rows[0]) == set(stats.SCORECARD_COLUMNS)
    want = expected([TINALAN], [date(2026, 9, 1)])["totals"]
    cell = next(r for r in rows if r["kode_kelurahan"] == TINALAN and r["bulan"] == "2026-09")
    assert {k: cell[k] for k in stats.FIGURES} == {k: want[k] for k in stats.FIGURES}
    assert cell["median_menit_jawaban"] == want["median_response_minutes"]
    text = repr(rows)
    assert "Rahasia" not in text and "rahasia.example" not in text and "+62812990" not in text


def test_published_counts_follow_the_status_of_kampung_and_offerings(app, make_kampung,
                                                                     make_offering):
    shown = make_kampung(kelurahan=TINALAN)
    make_offering(shown, pillar="wisata")
    make_offering(shown, pillar="dagang")
    make_offering(shown, pillar="dagang", status="hidden")
    make_offering(shown, pillar="edukasi", status="pending")
    hidden = make_kampung(kelurahan=BANDAR_KIDUL, status="hidden")
    make_offering(hidden, pillar="wisata", status="draft")
    make_kampung(kelurahan=MRICAN, status="pending")
    card = stats.scorecard(stats.Scope(), MONTHS, now=NOW)
    assert card.coverage == (1, 46)
    assert card.published_kampung == 1
    assert {p.value: n for p, n in card.published_offerings.items()} == \
        {"wisata": 1, "dagang": 1, "edukasi": 0}


# --- counting -------------------------------------------------------------------------------

def test_count_event_adds_to_one_row_per_day_page_and_event(app, make_kampung, make_offering):
    kampung = make_kampung()
    offering = make_offering(kampung)
    for _ in range(3):
        stats.count_event(kampung.id, now=NOW)
    stats.count_event(kampung.id, offering_id=offering.id, now=NOW)
    stats.count_event(kampung.id, event="whatsapp", now=NOW)
    # 23 Nov 2026 20:00 UTC is already 24 Nov in WIB.
    stats.count_event(kampung.id, now=datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc))
    db.session.commit()
    rows = {(r.day, r.offering_id, r.event): r.count for r in db.session.scalars(
        db.select(PageStat))}
    assert rows == {(date(2026, 11, 23), 0, "view"): 3,
                    (date(2026, 11, 23), offering.id, "view"): 1,
                    (date(2026, 11, 23), 0, "whatsapp"): 1,
                    (date(2026, 11, 24), 0, "view"): 1}


@pytest.mark.parametrize("agent, bot", [
    ("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 Chrome/124 Mobile", False),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Safari/604.1", False),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
    ("WhatsApp/2.24.6.77 A", True),
    ("facebookexternalhit/1.1", True),
    ("curl/8.5.0", True),
    ("python-requests/2.32", True),
    ("Mozilla/5.0 HeadlessChrome/124.0", True),
    ("", True),
    (None, True),
])
def test_obvious_bots_are_recognised(agent, bot):
    assert stats.is_bot(agent) is bot


# --- the roll-up ------------------------------------------------------------------------------

def test_a_settled_month_is_not_recomputed_and_a_recent_one_is_after_max_age(app, make_kampung,
                                                                             make_offering):
    build(make_kampung, make_offering, bookings=20)
    june, november = date(2026, 6, 1), date(2026, 11, 1)
    assert stats.stale_months([june, november], now=NOW) == [june, november]
    stats.ensure_fresh([june, november], now=NOW)
    assert stats.stale_months([june, november], now=NOW) == []
    # Five minutes later (STATS_MAX_AGE 300 s): November is due again, June settled long ago.
    later = NOW + timedelta(seconds=301)
    assert stats.stale_months([june, november], now=later) == [november]
    # A booking made now shows in November's figures after the refresh, not before.
    slot = db.session.scalars(db.select(VisitSlot)).first()
    before = stats.scorecard(stats.Scope(), [november], now=NOW).totals.booking_requests
    db.session.add(Booking(code=booking_service.new_code(), slot_id=slot.id, party_size=1,
                           name="Tamu", phone="+6281200000000", token_hash="x" * 64,
                           created_at=NOW, respond_by=NOW + timedelta(hours=1)))
    db.session.commit()
    assert stats.scorecard(stats.Scope(), [november], now=NOW).totals.booking_requests == before
    assert stats.scorecard(stats.Scope(), [november],
                           now=later).totals.booking_requests == before + 1


def test_a_month_computed_before_it_settled_is_recomputed_later(app, make_kampung,
                                                                make_offering):
    build(make_kampung, make_offering, bookings=20)
    october = date(2026, 10, 1)
    stats.ensure_fresh([october], now=NOW)  # computed 23 Nov: October not settled yet
    assert stats.stale_months([october], now=NOW + timedelta(days=1)) == [october]
    stats.ensure_fresh([october], now=datetime(2027, 1, 10, tzinfo=timezone.utc))
    assert stats.stale_months([october], now=datetime(2027, 6, 1, tzinfo=timezone.utc)) == []


def test_every_kelurahan_gets_a_row_for_a_computed_month(app):
    stats.ensure_fresh([date(2026, 1, 1)], now=NOW)
    assert db.session.scalar(db.select(db.func.count()).select_from(MonthlyStat)) == 46


def test_period_is_clamped_to_the_current_month_and_three_years(app):
    assert stats.period(now=NOW) == stats.months_between(date(2025, 12, 1), date(2026, 11, 1))
    assert stats.period(date(2026, 9, 1), date(2027, 3, 1), now=NOW)[-1] == date(2026, 11, 1)
    assert len(stats.period(date(2010, 1, 1), None, now=NOW)) == stats.MAX_MONTHS
    assert stats.period(date(2026, 11, 1), date(2026, 1, 1), now=NOW) == [date(2026, 1, 1)]


@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=60))
def test_histogram_median_is_the_median(values):
    assert stats.histogram_median(Counter(values)) == statistics.median(values)


def test_histogram_median_of_nothing_is_none():
    assert stats.histogram_median(Counter()) is None


# --- answered_at ------------------------------------------------------------------------------

def test_the_answer_time_is_kept_when_a_visit_is_later_marked_completed(app, make_kampung,
                                                                       make_offering):
    kampung = make_kampung()
    offering = make_offering(kampung)
    owner = kampung.members[0].user
    start = NOW + timedelta(days=2)
    booking_service.update_booking_settings(offering, actor=owner, bookable=True,
                                            cutoff_hours=12, now=NOW)
    slot = booking_service.add_slot(offering, actor=owner, starts_at=start,
                                    ends_at=start + timedelta(hours=2), capacity=10, now=NOW)
    booking, _token = booking_service.request_visit(
        slot, party_size=2, name="Tamu", phone="0812-3456-7890", now=NOW)
    answered = NOW + timedelta(minutes=95)
    booking_service.confirm(booking, actor=owner, now=answered)
    booking_service.mark_visit(booking, "completed", actor=owner, now=start + timedelta(hours=3))
    db.session.commit()
    assert booking.answered_at == answered
    assert booking.status == BookingStatus.COMPLETED


# --- demo activity ----------------------------------------------------------------------------

def test_demo_activity_is_plausible_marked_and_seeded_once(app):
    demo.seed_demo(app.config)
    db.session.commit()
    assert demo_activity.seed_activity() == {}
    bookings = db.session.scalars(db.select(Booking)).all()
    assert bookings and all(b.note == demo_activity.DEMO_NOTE for b in bookings)
    assert all(b.slot.offering.kampung.is_demo for b in bookings)
    # Counters of the past slots equal the places their bookings hold.
    for slot in {b.slot for b in bookings}:
        assert slot.booked == sum(b.party_size for b in slot.bookings if b.holds_places)
    card = stats.scorecard(stats.Scope(), stats.period())
    assert card.has_demo
    assert card.totals.visits_completed > 0 and card.totals.page_views > 0
    assert card.zero_result_queries and card.top_queries


def test_due_months_can_wait_for_later_but_missing_ones_cannot(app, make_kampung,
                                                               make_offering):
    build(make_kampung, make_offering, bookings=20)
    october, november = date(2026, 10, 1), date(2026, 11, 1)
    jobs = []
    assert stats.ensure_fresh([october], now=NOW, later=jobs.append) == 1   # never computed
    assert jobs == []
    later = NOW + timedelta(seconds=301)
    assert stats.ensure_fresh([october, november], now=later, later=jobs.append) == 1
    assert len(jobs) == 1 and stats.stale_months([october], now=later) == [october]
    assert jobs[0]() == 1
    assert stats.stale_months([october, november], now=later) == []


def test_searches_narrowed_by_slug_count_for_their_place(app):
    tinalan = places.kelurahan_by_code(TINALAN)
    for filters in ({"kelurahan": tinalan.slug}, {"kecamatan": tinalan.kecamatan.slug},
                    {"kelurahan": "tidak-ada"}, {}):
        db.session.add(SearchLog(at=NOW, query="tahu", filters=filters, result_count=2))
    db.session.commit()
    stats.ensure_fresh([date(2026, 11, 1)], now=NOW)
    scopes = dict(db.session.execute(db.select(SearchStat.scope, SearchStat.searches)).all())
    assert scopes == {TINALAN: 1, tinalan.kecamatan.code: 1, "": 2}

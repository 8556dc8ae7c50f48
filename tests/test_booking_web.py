"""Booking over HTTP with CSRF on: the offering page's form, the private manage link, the
.ics file, the residents' schedule and inbox, and the e-mails."""
import re
import uuid
from datetime import datetime, time, timedelta, timezone
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import event, func, select, update

from keren import mail
from keren.extensions import db
from keren.models import Booking, BookingStatus, SlotStatus, VisitSlot
from keren.services import booking as booking_service

WIB = ZoneInfo("Asia/Jakarta")
TITLE = "Jelajah Kampung Tenun; menenun, mewarnai — dan makan pecel bersama ibu-ibu penenun"
GUEST = {"party_size": "2", "name": "Rina Wulandari", "phone": "0813-3344-5566",
         "email": "rina@contoh.id", "note": "Datang naik motor"}


def text_of(response):
    return response.get_data(as_text=True)


def visit_start(days=3, hour=10):
    """`days` from now, at `hour`.00 WIB, in UTC."""
    day = (datetime.now(timezone.utc) + timedelta(days=days)).astimezone(WIB).date()
    return datetime.combine(day, time(hour), tzinfo=WIB).astimezone(timezone.utc)


@pytest.fixture
def owner(make_user):
    return make_user(name="Bu Sri", email="sri@contoh.id")


@pytest.fixture
def kampung(owner, make_kampung):
    return make_kampung(owner=owner, name="Kampung Tenun Ikat", address="Jl. Kelapa Gg. 3")


@pytest.fixture
def offering(kampung, owner, make_offering):
    item = make_offering(kampung, title=TITLE)
    booking_service.update_booking_settings(item, actor=owner, bookable=True, cutoff_hours=12)
    db.session.commit()
    return item


@pytest.fixture
def make_slot(offering, owner):
    def make(*, start=None, capacity=10, **fields):
        start = start or visit_start()
        slot = booking_service.add_slot(offering, actor=owner, starts_at=start,
                                        ends_at=start + timedelta(hours=2), capacity=capacity,
                                        **fields)
        db.session.commit()
        return slot
    return make


@pytest.fixture
def slot(make_slot):
    return make_slot()


def page_url(offering):
    return f"/kampung/{offering.kampung.slug}/{offering.slug}"


def idempotency_key(html):
    return re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)


def book(web, offering, target, **fields):
    """Send the offering page's form for slot `target` as a browser would, with a new key."""
    data = {**GUEST, "slot": str(target.id), "idempotency_key": uuid.uuid4().hex, **fields}
    return web.post(f"/pesan/{target.id}", data, form_url=form_page(web))


def form_page(web):
    """A page with a CSRF token whether or not the client is signed in."""
    return "/akun/" if web.client.get("/akun/masuk").status_code == 302 else "/akun/masuk"


def manage_link(response):
    location = response.headers["Location"]
    match = re.fullmatch(r"/pesanan/(KRN-[2-9A-HJ-NP-Z]{5})\?t=([\w-]+)", location)
    assert match, location
    return location, match.group(1), match.group(2)


def fresh(model, ident):
    db.session.rollback()
    return db.session.get(model, ident)


def bookings_count():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Booking))


# --- the offering page ----------------------------------------------------------------------

def test_the_offering_page_lists_open_slots_in_wib_with_the_places_left(client, offering, slot):
    html = text_of(client.get(page_url(offering)))
    assert "Pesan kunjungan" in html
    assert "pukul 10.00–12.00 WIB" in html and "sisa 10 tempat" in html
    for label in ("Nama", "Nomor WhatsApp", "E-mail (tidak wajib)", "Catatan (tidak wajib)",
                  "Jumlah orang"):
        assert f">{label}</label>" in html
    assert f'name="slot" value="{slot.id}" checked' in html
    assert ">Pesan</button>" in html
    # Every rendering of the form has its own key.
    key = idempotency_key(html)
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert idempotency_key(text_of(client.get(page_url(offering)))) != key


def test_an_offering_that_takes_no_bookings_shows_no_form(client, offering, owner, slot):
    booking_service.update_booking_settings(offering, actor=owner, bookable=False, cutoff_hours=12)
    db.session.commit()
    html = text_of(client.get(page_url(offering)))
    assert "Pesan kunjungan" not in html and "sisa 10 tempat" not in html


def test_a_signed_in_visitor_finds_the_form_filled_in(web, make_user, offering, slot):
    make_user(name="Dewi Lestari", email="dewi@contoh.id", phone="0812-9999-8888")
    web.login("dewi@contoh.id")
    html = text_of(web.client.get(page_url(offering)))
    assert 'value="Dewi Lestari"' in html and 'value="dewi@contoh.id"' in html
    assert 'value="+6281299998888"' in html


def test_the_offering_page_expires_unanswered_requests_and_shows_their_places_free(
        client, offering, slot):
    booking_service.request_visit(slot, party_size=4, name="Budi", phone="081333445566",
                                  now=datetime.now(timezone.utc) - timedelta(hours=49))
    db.session.commit()
    assert fresh(VisitSlot, slot.id).booked == 4
    assert "sisa 10 tempat" in text_of(client.get(page_url(offering)))
    assert fresh(VisitSlot, slot.id).booked == 0
    assert db.session.scalar(select(Booking.status)) == BookingStatus.EXPIRED


# --- booking --------------------------------------------------------------------------------

def test_the_booking_form_leads_to_the_manage_page_with_the_code(web, offering, slot):
    response = book(web, offering, slot)
    assert response.status_code == 302
    location, code, _token = manage_link(response)
    page = web.client.get(location)
    html = text_of(page)
    assert page.status_code == 200
    assert code in html and "Menunggu konfirmasi" in html
    assert "Jelajah Kampung Tenun" in html and "Kampung Tenun Ikat" in html
    assert "pukul 10.00–12.00 WIB" in html and "Tambahkan ke kalender" in html
    assert "Batalkan pesanan" in html
    made = db.session.scalar(select(Booking).where(Booking.code == code))
    assert (made.party_size, made.name, made.phone, made.user_id) == \
        (2, "Rina Wulandari", "+6281333445566", None)
    assert fresh(VisitSlot, slot.id).booked == 2


def test_the_radios_choose_another_slot_of_the_same_offering(web, offering, make_slot, make_offering,
                                                             kampung, owner):
    first = make_slot()
    second = make_slot(start=visit_start(days=4))
    response = book(web, offering, first, slot=str(second.id))
    _location, code, _token = manage_link(response)
    assert db.session.scalar(select(Booking.slot_id).where(Booking.code == code)) == second.id
    other = make_offering(kampung, title="Kelas Membatik")
    booking_service.update_booking_settings(other, actor=owner, bookable=True, cutoff_hours=12)
    foreign = booking_service.add_slot(other, actor=owner, starts_at=visit_start(),
                                       ends_at=visit_start() + timedelta(hours=1), capacity=5)
    db.session.commit()
    refused = book(web, offering, first, slot=str(foreign.id))
    assert refused.status_code == 422 and "Pilih salah satu jadwal" in text_of(refused)
    assert fresh(VisitSlot, foreign.id).booked == 0


def test_a_full_slot_answers_409_with_the_reason_and_changes_nothing(web, offering, make_slot):
    small = make_slot(capacity=3)
    assert book(web, offering, small).status_code == 302
    before = bookings_count()
    response = book(web, offering, small)
    html = text_of(response)
    assert response.status_code == 409
    assert "tidak cukup" in html and "Jelajah Kampung Tenun" in html
    assert bookings_count() == before and fresh(VisitSlot, small.id).booked == 2


def test_a_closed_or_past_slot_answers_409_with_the_reason(web, offering, slot, owner):
    booking_service.close_slot(slot, actor=owner)
    db.session.commit()
    response = book(web, offering, slot)
    assert response.status_code == 409
    assert "Jadwal ini sudah tidak bisa dipesan" in text_of(response)
    db.session.execute(update(VisitSlot).where(VisitSlot.id == slot.id)
                       .values(status=SlotStatus.OPEN,
                               starts_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    db.session.commit()
    response = book(web, offering, slot)
    assert response.status_code == 409 and bookings_count() == 0


def statements_of(action):
    """The SQL statements the application sends while `action()` runs (a response)."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response, sent


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_full_slot_is_refused_from_a_plain_read_without_the_write_lock(web, make_user, offering,
                                                                         make_slot, signed_in):
    small = make_slot(capacity=2)
    assert book(web, offering, small).status_code == 302
    if signed_in:
        make_user(name="Dewi", email="dewi@contoh.id")
        web.login("dewi@contoh.id")
    form_url = form_page(web)
    data = {**GUEST, "slot": str(small.id), "idempotency_key": uuid.uuid4().hex,
            "csrf_token": web.token(form_url)}
    response, sent = statements_of(lambda: web.client.post(f"/pesan/{small.id}", data=data))
    assert response.status_code == 409 and "tidak cukup" in text_of(response)
    # Nothing that writes or waits for a writer: no claim, no insert, and on SQLite no
    # BEGIN IMMEDIATE (the lock every booking queues for).
    assert sent and all(s.startswith(("SELECT", "BEGIN")) for s in sent), sent
    assert not [s for s in sent if "IMMEDIATE" in s or "FOR UPDATE" in s]
    assert fresh(VisitSlot, small.id).booked == 2


def test_a_booking_claims_its_places_last_after_a_read_without_the_lock(web, backend, offering,
                                                                          slot):
    form_url = form_page(web)
    data = {**GUEST, "slot": str(slot.id), "idempotency_key": uuid.uuid4().hex,
            "csrf_token": web.token(form_url)}
    response, sent = statements_of(lambda: web.client.post(f"/pesan/{slot.id}", data=data))
    assert response.status_code == 302
    # The conditional UPDATE is the last statement before the commit, so the slot's row is
    # locked (PostgreSQL) only until that commit; the booking and its rows come before it.
    assert sent[-1].startswith("UPDATE visit_slot SET booked=(visit_slot.booked +")
    assert any(s.startswith("INSERT INTO booking") for s in sent)
    if backend == "sqlite":
        # Everything is read first in a plain transaction; the one that takes the write lock
        # only checks the form key again and writes.
        immediate = sent.index("BEGIN IMMEDIATE")
        assert sent.count("BEGIN IMMEDIATE") == 1 and sent[0] == "BEGIN"
        assert [s.split()[0] for s in sent[immediate + 1:]] == \
            ["SELECT", "SAVEPOINT", "INSERT", "RELEASE", "INSERT", "INSERT", "UPDATE"]
    assert fresh(VisitSlot, slot.id).booked == 2


def test_the_refusal_keeps_what_was_typed_and_offers_the_slots_still_open(web, offering,
                                                                          make_slot):
    full = make_slot(capacity=2)
    other = make_slot(start=visit_start(days=4), capacity=5)
    assert book(web, offering, full).status_code == 302
    response = book(web, offering, full, note="Bawa kursi roda")
    html = text_of(response)
    assert response.status_code == 409
    assert "Maaf, tempat di jadwal ini tidak cukup lagi" in html
    assert 'value="Rina Wulandari"' in html and 'value="0813-3344-5566"' in html
    assert 'value="rina@contoh.id"' in html and "Bawa kursi roda</textarea>" in html
    # The slots still open to choose from; not the full one.
    assert f'name="slot" value="{other.id}"' in html and "sisa 5 tempat" in html
    assert f'name="slot" value="{full.id}"' not in html
    assert f'action="/pesan/{other.id}#pesan"' in html
    # The same form, sent again for the other slot, books (it is the same submission key).
    again = dict(re.findall(r'name="(csrf_token|idempotency_key)" type="hidden" value="([^"]+)"',
                            html))
    retry = web.client.post(f"/pesan/{other.id}", data={**GUEST, **again, "slot": str(other.id),
                                                         "note": "Bawa kursi roda"})
    assert retry.status_code == 302 and "/pesanan/KRN-" in retry.headers["Location"]
    assert fresh(VisitSlot, other.id).booked == 2


@pytest.mark.parametrize("fields, message", [
    ({"name": ""}, "Nama wajib diisi."),
    ({"phone": ""}, "Nomor WhatsApp wajib diisi."),
    ({"phone": "12345"}, "Nomor WhatsApp tidak valid"),
    ({"party_size": "dua"}, "Isi dengan angka bulat"),
    ({"party_size": "11"}, "Jumlah orang untuk jadwal ini 1 sampai 10."),
    ({"email": "rina@"}, "Alamat e-mail tidak valid."),
])
def test_invalid_input_answers_422_with_the_message_and_keeps_what_was_typed(
        web, offering, slot, fields, message):
    response = book(web, offering, slot, **fields)
    html = text_of(response)
    assert response.status_code == 422 and message in html
    assert 'value="Rina Wulandari"' in html or fields.get("name") == ""
    assert bookings_count() == 0 and fresh(VisitSlot, slot.id).booked == 0


def test_the_same_form_sent_twice_by_a_guest_makes_one_booking(web, offering, slot):
    html = text_of(web.client.get(page_url(offering)))
    data = {**GUEST, "idempotency_key": idempotency_key(html)}
    first = web.post(f"/pesan/{slot.id}", data, form_url=page_url(offering))
    _location, code, _token = manage_link(first)
    again = web.post(f"/pesan/{slot.id}", data, form_url=page_url(offering))
    assert again.status_code == 302 and again.headers["Location"] == page_url(offering)
    html = text_of(web.client.get(again.headers["Location"]))
    assert f"Pesanan Anda sudah kami terima sebelumnya (kode {code})." in html
    assert bookings_count() == 1 and fresh(VisitSlot, slot.id).booked == 2


def test_a_signed_in_visitor_sending_twice_is_shown_the_booking(web, make_user, offering, slot):
    make_user(name="Dewi", email="dewi@contoh.id")
    web.login("dewi@contoh.id")
    html = text_of(web.client.get(page_url(offering)))
    data = {**GUEST, "idempotency_key": idempotency_key(html)}
    _location, code, _token = manage_link(web.post(f"/pesan/{slot.id}", data,
                                                   form_url=page_url(offering)))
    again = web.post(f"/pesan/{slot.id}", data, form_url=page_url(offering))
    assert again.headers["Location"] == f"/pesanan/{code}"
    page = web.client.get(again.headers["Location"])
    assert page.status_code == 200 and "sudah kami terima sebelumnya" in text_of(page)
    assert bookings_count() == 1


def test_booking_requests_are_rate_limited_per_address(app, web, offering, slot):
    app.config["BOOKING_RATE_LIMIT"] = "2 per hour"
    assert book(web, offering, slot, party_size="1").status_code == 302
    assert book(web, offering, slot, party_size="1").status_code == 302
    assert book(web, offering, slot, party_size="1").status_code == 429
    assert bookings_count() == 2


def test_e_mails_go_to_the_visitor_and_the_kampung_after_the_booking_is_saved(app, web, offering,
                                                                               slot):
    mail.outbox(app).clear()
    _location, code, token = manage_link(book(web, offering, slot))
    to = {message["To"]: message for message in mail.outbox(app)}
    assert set(to) == {"rina@contoh.id", "sri@contoh.id"}
    assert f"/pesanan/{code}?t={token}" in to["rina@contoh.id"].get_content()
    assert code in to["sri@contoh.id"].get_content()
    mail.outbox(app).clear()
    book(web, offering, slot, party_size="50")  # refused: nothing is sent
    assert mail.outbox(app) == []


# --- the manage link ------------------------------------------------------------------------

def test_the_manage_link_with_a_wrong_or_missing_token_is_404(web, client, offering, slot):
    location, code, token = manage_link(book(web, offering, slot))
    other = token[:-1] + ("A" if token[-1] != "A" else "B")
    for url in (f"/pesanan/{code}", f"/pesanan/{code}?t={other}", f"/pesanan/{code}?t=",
                f"/pesanan/KRN-ZZZZZ?t={token}", f"/pesanan/{code}/kalender.ics?t={other}",
                f"/pesanan/{code}/kalender.ics"):
        assert client.get(url).status_code == 404, url
    response = web.post(f"/pesanan/{code}/batal", {"t": other}, form_url=page_url(offering))
    assert response.status_code == 404
    assert fresh(VisitSlot, slot.id).booked == 2
    assert client.get(f"/pesanan/{code.lower()}?t={token}").status_code == 200


def test_the_manage_page_stays_out_of_caches_and_referrers(web, offering, slot):
    location, _code, _token = manage_link(book(web, offering, slot))
    response = web.client.get(location)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_cancelling_from_the_manage_link_gives_the_places_back(web, client, offering, slot):
    location, code, token = manage_link(book(web, offering, slot))
    assert "sisa 8 tempat" in text_of(client.get(page_url(offering)))
    response = web.post(f"/pesanan/{code}/batal", {"t": token}, form_url=location)
    assert response.status_code == 302 and response.headers["Location"] == location
    html = text_of(client.get(location))
    assert "Dibatalkan" in html and "Batalkan pesanan" not in html
    assert f"Pesanan {code} dibatalkan." in html
    assert fresh(VisitSlot, slot.id).booked == 0
    assert "sisa 10 tempat" in text_of(client.get(page_url(offering)))


def test_after_the_cut_off_the_manage_page_offers_no_cancel_and_a_cancel_is_refused(
        web, offering, slot):
    location, code, token = manage_link(book(web, offering, slot))
    db.session.execute(update(VisitSlot).where(VisitSlot.id == slot.id).values(
        starts_at=datetime.now(timezone.utc) + timedelta(hours=5),
        ends_at=datetime.now(timezone.utc) + timedelta(hours=7)))
    db.session.commit()
    assert "Batalkan pesanan" not in text_of(web.client.get(location))
    response = web.post(f"/pesanan/{code}/batal", {"t": token}, form_url=form_page(web))
    assert "Batas waktu pembatalan sudah lewat" in text_of(web.client.get(response.headers["Location"]))
    assert fresh(VisitSlot, slot.id).booked == 2


def test_the_calendar_file_is_one_valid_event_in_utc(web, client, offering, slot):
    location, code, token = manage_link(book(web, offering, slot))
    response = client.get(f"/pesanan/{code}/kalender.ics?t={token}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert f"kunjungan-{code}.ics" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"\r\n " in raw  # the long title was folded
    [event] = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["UID"]) == f"{code}@kampung-keren"
    assert event.decoded("DTSTART") == slot.starts_at
    assert event.decoded("DTEND") == slot.starts_at + timedelta(hours=2)
    assert f"DTSTART:{slot.starts_at.strftime('%Y%m%dT%H%M%SZ')}".encode() in raw
    assert str(event["SUMMARY"]) == TITLE
    location_text = str(event["LOCATION"])
    assert "Jl. Kelapa Gg. 3" in location_text and "Kelurahan Tinalan" in location_text
    description = str(event["DESCRIPTION"])
    assert code in description and f"/pesanan/{code}?t={token}" in description
    assert str(event["STATUS"]) == "TENTATIVE"


def test_whatsapp_buttons_carry_the_booking_summary_both_ways(web, offering, slot, owner):
    location, code, _token = manage_link(book(web, offering, slot))
    html = text_of(web.client.get(location))
    link = re.search(r'href="(https://wa\.me/6281234567890\?text=[^"]+)"', html).group(1)
    text = unquote(link.split("?text=", 1)[1])
    assert code in text and "Jelajah Kampung Tenun" in text and "Rina Wulandari" in text
    assert "pukul 10.00–12.00 WIB" in text and "2 orang" in text
    web.login("sri@contoh.id")
    inbox = text_of(web.client.get("/kelola/pesanan"))
    to_visitor = re.search(r'href="(https://wa\.me/6281333445566\?text=[^"]+)"', inbox).group(1)
    assert code in unquote(to_visitor) and "2 orang" in unquote(to_visitor)


# --- the account page -----------------------------------------------------------------------

def test_a_signed_in_visitor_sees_and_cancels_their_bookings_on_the_account_page(
        web, make_user, offering, slot):
    make_user(name="Dewi", email="dewi@contoh.id")
    web.login("dewi@contoh.id")
    _location, code, _token = manage_link(book(web, offering, slot))
    account = text_of(web.client.get("/akun/"))
    assert "Pesanan saya" in account and f'href="/pesanan/{code}"' in account
    assert "pukul 10.00–12.00 WIB" in account and "Menunggu konfirmasi" in account
    # Their own booking opens without the secret.
    assert web.client.get(f"/pesanan/{code}").status_code == 200
    response = web.post(f"/pesanan/{code}/batal", {"next": "/akun/#pesanan-saya"},
                        form_url="/akun/")
    assert response.headers["Location"] == "/akun/#pesanan-saya"
    assert "Dibatalkan" in text_of(web.client.get("/akun/"))
    assert fresh(VisitSlot, slot.id).booked == 0


def test_another_account_cannot_open_or_cancel_a_booking_without_its_link(
        web, make_user, offering, slot):
    _location, code, _token = manage_link(book(web, offering, slot))
    make_user(name="Orang Lain", email="lain@contoh.id")
    web.login("lain@contoh.id")
    assert web.client.get(f"/pesanan/{code}").status_code == 404
    assert web.post(f"/pesanan/{code}/batal", {}, form_url="/akun/").status_code == 404
    assert fresh(VisitSlot, slot.id).booked == 2


# --- residents: schedule --------------------------------------------------------------------

def manage_url(offering):
    return f"/kelola/penawaran/{offering.id}"


def test_a_resident_opens_bookings_and_adds_a_slot_in_wib(web, offering, owner):
    web.login("sri@contoh.id")
    page = text_of(web.client.get(manage_url(offering)))
    assert "Jadwal kunjungan" in page and "Tambah jadwal mingguan" in page
    response = web.post(f"{manage_url(offering)}/pemesanan",
                        {"pemesanan-is_bookable": "y", "pemesanan-booking_cutoff_hours": "24"},
                        form_url=manage_url(offering))
    assert response.status_code == 302
    assert (fresh(type(offering), offering.id).booking_cutoff_hours) == 24
    day = visit_start(days=5).astimezone(WIB).date()
    response = web.post(f"{manage_url(offering)}/jadwal", {
        "jadwal-date": day.isoformat(), "jadwal-starts_at": "08:30", "jadwal-ends_at": "10.00",
        "jadwal-capacity": "15", "jadwal-min_party": "2", "jadwal-max_party": ""},
        form_url=manage_url(offering))
    assert response.status_code == 302
    made = db.session.scalar(select(VisitSlot).where(VisitSlot.offering_id == offering.id))
    assert made.starts_at == datetime.combine(day, time(8, 30), tzinfo=WIB)
    assert made.starts_at.hour == 1 and made.starts_at.minute == 30  # stored in UTC
    assert (made.capacity, made.min_party, made.max_party) == (15, 2, 15)
    page = text_of(web.client.get(manage_url(offering)))
    assert "pukul 08.30–10.00 WIB" in page and "0 dari 15 tempat terisi" in page


def test_a_slot_form_with_errors_comes_back_422_with_the_reasons(web, offering):
    web.login("sri@contoh.id")
    response = web.post(f"{manage_url(offering)}/jadwal", {
        "jadwal-date": "kemarin", "jadwal-starts_at": "10:00", "jadwal-ends_at": "09:00",
        "jadwal-capacity": ""}, form_url=manage_url(offering))
    html = text_of(response)
    assert response.status_code == 422
    assert "Tulis tanggal seperti 31/12/2026." in html and "Isi jumlah orang." in html
    day = visit_start(days=5).astimezone(WIB).date().isoformat()
    response = web.post(f"{manage_url(offering)}/jadwal", {
        "jadwal-date": day, "jadwal-starts_at": "10:00", "jadwal-ends_at": "09:00",
        "jadwal-capacity": "10"}, form_url=manage_url(offering))
    assert response.status_code == 422
    assert "Waktu selesai harus setelah waktu mulai." in text_of(response)


def test_weekly_slots_are_added_for_the_weeks_asked(web, offering):
    web.login("sri@contoh.id")
    data = {"mingguan-weekday": "5", "mingguan-start": "09:00", "mingguan-end": "11:00",
            "mingguan-capacity": "20", "mingguan-min_party": "1", "mingguan-weeks": "3"}
    response = web.post(f"{manage_url(offering)}/jadwal/mingguan", data,
                        form_url=manage_url(offering))
    assert response.status_code == 302
    db.session.rollback()
    slots = booking_service.upcoming_slots(offering)
    assert len(slots) in (2, 3)  # this Saturday's may already have begun
    assert all(s.starts_at.astimezone(WIB).weekday() == 5 for s in slots)
    assert all(s.starts_at.astimezone(WIB).time() == time(9) for s in slots)
    web.post(f"{manage_url(offering)}/jadwal/mingguan", data, form_url=manage_url(offering))
    assert len(booking_service.upcoming_slots(fresh(type(offering), offering.id))) == len(slots)


def test_capacity_below_the_places_taken_is_refused_with_the_reason(web, offering, slot):
    book(web, offering, slot, party_size="6")
    web.login("sri@contoh.id")
    response = web.post(f"/kelola/jadwal/{slot.id}/kapasitas", {"capacity": "5"},
                        form_url=manage_url(offering))
    assert response.status_code == 302
    html = text_of(web.client.get(response.headers["Location"]))
    assert "Kapasitas tidak bisa di bawah 6" in html
    assert fresh(VisitSlot, slot.id).capacity == 10
    web.post(f"/kelola/jadwal/{slot.id}/kapasitas", {"capacity": "7"}, form_url=manage_url(offering))
    assert fresh(VisitSlot, slot.id).capacity == 7


def test_closing_and_cancelling_a_slot(app, web, client, offering, make_slot):
    kept = make_slot()
    called_off = make_slot(start=visit_start(days=6))
    _location, code, _token = manage_link(book(web, offering, called_off))
    web.login("sri@contoh.id")
    web.post(f"/kelola/jadwal/{kept.id}/tutup", {}, form_url=manage_url(offering))
    assert fresh(VisitSlot, kept.id).status == SlotStatus.CLOSED
    mail.outbox(app).clear()
    response = web.post(f"/kelola/jadwal/{called_off.id}/batalkan", {"reason": ""},
                        form_url=manage_url(offering))
    assert "Alasan wajib diisi." in text_of(web.client.get(response.headers["Location"]))
    assert fresh(VisitSlot, called_off.id).status == SlotStatus.OPEN
    web.post(f"/kelola/jadwal/{called_off.id}/batalkan", {"reason": "Jalan sedang diperbaiki"},
             form_url=manage_url(offering))
    assert fresh(VisitSlot, called_off.id).status == SlotStatus.CANCELLED
    assert db.session.scalar(select(Booking.status).where(Booking.code == code)) \
        == BookingStatus.CANCELLED
    [told] = [m for m in mail.outbox(app) if m["To"] == "rina@contoh.id"]
    assert "Jalan sedang diperbaiki" in told.get_content()
    assert "Pesan kunjungan" in text_of(client.get(page_url(offering)))
    assert "Belum ada jadwal kunjungan yang bisa dipesan" in text_of(client.get(page_url(offering)))


# --- residents: inbox -----------------------------------------------------------------------

def test_the_inbox_shows_requests_first_and_the_resident_confirms_one(app, web, offering, make_slot):
    later = make_slot(start=visit_start(days=8))
    sooner = make_slot(start=visit_start(days=3))
    _l, confirmed_code, token = manage_link(book(web, offering, later, name="Pak Joko"))
    _l, requested_code, _t = manage_link(book(web, offering, sooner, party_size="3"))
    web.login("sri@contoh.id")
    assert "Pesanan masuk" in text_of(web.client.get("/kelola/"))
    mail.outbox(app).clear()
    response = web.post(f"/kelola/pesanan/{confirmed_code}/konfirmasi", {},
                        form_url="/kelola/pesanan")
    assert response.headers["Location"] == f"/kelola/pesanan#pesanan-{confirmed_code}"
    assert [m["To"] for m in mail.outbox(app)] == ["rina@contoh.id"]
    html = text_of(web.client.get("/kelola/pesanan"))
    html = html[html.index("<h1>"):]
    assert html.index(requested_code) < html.index(confirmed_code)
    waiting = html[html.index('id="menunggu"'):html.index('id="dikonfirmasi"')]
    assert "Rina Wulandari" in waiting and "Konfirmasi" in waiting and "Tolak" in waiting
    assert "pukul 10.00–12.00 WIB" in waiting and "<dd>3</dd>" in waiting
    done = html[html.index('id="dikonfirmasi"'):]
    assert "Pak Joko" in done and "Tidak datang" not in done  # not started yet
    assert "Dikonfirmasi" in text_of(web.client.get(f"/pesanan/{confirmed_code}?t={token}"))


def test_declining_needs_a_reason_and_frees_the_places(web, offering, slot):
    _l, code, token = manage_link(book(web, offering, slot))
    web.login("sri@contoh.id")
    response = web.post(f"/kelola/pesanan/{code}/tolak", {"reason": " "},
                        form_url="/kelola/pesanan")
    assert "Alasan wajib diisi." in text_of(web.client.get(response.headers["Location"]))
    assert fresh(VisitSlot, slot.id).booked == 2
    web.post(f"/kelola/pesanan/{code}/tolak", {"reason": "Sanggar tutup hari itu"},
             form_url="/kelola/pesanan")
    assert fresh(VisitSlot, slot.id).booked == 0
    page = text_of(web.client.get(f"/pesanan/{code}?t={token}"))
    assert "Ditolak" in page and "Sanggar tutup hari itu" in page


def test_after_the_start_a_confirmed_visit_is_marked_completed_or_no_show(web, offering, make_slot):
    first = make_slot()
    _l, came, _t = manage_link(book(web, offering, first))
    _l, absent, _t = manage_link(book(web, offering, first, party_size="1"))
    web.login("sri@contoh.id")
    for code in (came, absent):
        web.post(f"/kelola/pesanan/{code}/konfirmasi", {}, form_url="/kelola/pesanan")
    refused = web.post(f"/kelola/pesanan/{came}/selesai", {}, form_url="/kelola/pesanan")
    assert "belum dimulai" in text_of(web.client.get(refused.headers["Location"]))
    db.session.execute(update(VisitSlot).where(VisitSlot.id == first.id).values(
        starts_at=datetime.now(timezone.utc) - timedelta(minutes=30)))
    db.session.commit()
    html = text_of(web.client.get("/kelola/pesanan"))
    assert "Selesai" in html and "Tidak datang" in html
    web.post(f"/kelola/pesanan/{came}/selesai", {}, form_url="/kelola/pesanan")
    web.post(f"/kelola/pesanan/{absent}/tidak-datang", {}, form_url="/kelola/pesanan")
    db.session.rollback()
    statuses = dict(db.session.execute(select(Booking.code, Booking.status)).all())
    assert statuses == {came: BookingStatus.COMPLETED, absent: BookingStatus.NO_SHOW}


def test_other_residents_get_404_on_the_schedule_and_the_bookings(web, make_user, offering, slot):
    _l, code, _t = manage_link(book(web, offering, slot))
    make_user(name="Warga Lain", email="lain@contoh.id")
    web.login("lain@contoh.id")
    for url, data in ((f"{manage_url(offering)}/jadwal", {}),
                      (f"/kelola/jadwal/{slot.id}/tutup", {}),
                      (f"/kelola/pesanan/{code}/konfirmasi", {})):
        assert web.post(url, data, form_url="/akun/").status_code == 404
    assert code not in text_of(web.client.get("/kelola/pesanan"))
    assert db.session.scalar(select(Booking.status)) == BookingStatus.REQUESTED

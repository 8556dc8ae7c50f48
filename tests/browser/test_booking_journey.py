"""The issue-5 journey in a real browser at a phone-sized viewport: a guest books a visit and
sees the code, the resident confirms it in the inbox, the guest's manage page shows it
confirmed, the guest cancels and the places come back."""
import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from keren.extensions import db
from keren.models import VisitSlot
from keren.services import booking as booking_service
from tests.browser.axe import assert_accessible
from tests.browser.test_kampung_journey import log_in, log_out

pytestmark = pytest.mark.browser

WIB = ZoneInfo("Asia/Jakarta")
OFFERING = "Jelajah Gang Tenun Ikat"


@pytest.fixture
def bookable_offering(make_user, make_kampung, make_offering):
    owner = make_user(name="Bu Sri", email="warga@contoh.id")
    kampung = make_kampung(owner=owner, name="Kampung Tenun Ikat Bandar Kidul")
    offering = make_offering(kampung, title=OFFERING)
    booking_service.update_booking_settings(offering, actor=owner, bookable=True, cutoff_hours=12)
    day = (datetime.now(timezone.utc) + timedelta(days=3)).astimezone(WIB).date()
    start = datetime.combine(day, time(9), tzinfo=WIB).astimezone(timezone.utc)
    booking_service.add_slot(offering, actor=owner, starts_at=start,
                             ends_at=start + timedelta(hours=2), capacity=10)
    db.session.commit()
    return f"/kampung/{kampung.slug}/{offering.slug}"


def test_a_guest_books_the_kampung_confirms_and_the_guest_cancels(page, live_server,
                                                                   bookable_offering):
    # A guest, without an account, books three places from the offering page.
    page.goto(live_server + bookable_offering)
    booking = page.get_by_role("region", name="Pesan kunjungan")
    expect(booking.get_by_text("pukul 09.00–11.00 WIB")).to_be_visible()
    expect(booking.get_by_text("sisa 10 tempat")).to_be_visible()
    booking.get_by_label("Jumlah orang").fill("3")
    booking.get_by_label("Nama", exact=True).fill("Rina Wulandari")
    booking.get_by_label("Nomor WhatsApp").fill("0813-3344-5566")
    booking.get_by_label("Catatan (tidak wajib)").fill("Rombongan keluarga")
    assert_accessible(page, "offering page with the booking form")
    booking.get_by_role("button", name="Pesan").click()

    heading = page.get_by_role("heading", name=re.compile(r"Pesanan KRN-[2-9A-Z]{5}"))
    expect(heading).to_be_visible()
    code = heading.inner_text().split()[-1]
    expect(page.get_by_text("Menunggu konfirmasi")).to_be_visible()
    whatsapp = page.get_by_role("link", name="Hubungi kampung lewat WhatsApp")
    assert code in whatsapp.get_attribute("href")
    expect(page.get_by_role("link", name="Tambahkan ke kalender")).to_be_visible()
    assert_accessible(page, "booking manage page")
    manage_link = page.url
    assert "?t=" in manage_link

    page.goto(live_server + bookable_offering)
    expect(page.get_by_text("sisa 7 tempat")).to_be_visible()

    # The resident confirms it from the inbox.
    log_in(page, live_server, "warga@contoh.id")
    page.get_by_role("link", name="Kampung saya").click()
    page.get_by_role("link", name="Pesanan masuk").click()
    expect(page.get_by_role("heading", name="Pesanan masuk")).to_be_visible()
    expect(page.get_by_text("Rina Wulandari")).to_be_visible()
    assert_accessible(page, "bookings inbox")
    page.get_by_role("button", name=f"Konfirmasi pesanan {code}").click()
    expect(page.get_by_text(f"Pesanan {code} dikonfirmasi.")).to_be_visible()
    log_out(page)

    # The guest's link shows it confirmed; the guest cancels.
    page.goto(manage_link)
    expect(page.get_by_text("Dikonfirmasi", exact=True)).to_be_visible()
    page.get_by_role("button", name="Batalkan pesanan").click()
    expect(page.get_by_text(f"Pesanan {code} dibatalkan.")).to_be_visible()
    expect(page.get_by_text("Dibatalkan", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Batalkan pesanan")).to_have_count(0)

    # The places are back.
    page.goto(live_server + bookable_offering)
    expect(page.get_by_text("sisa 10 tempat")).to_be_visible()


def test_a_guest_whose_slot_filled_meanwhile_keeps_the_form_and_books_another(
        page, live_server, bookable_offering):
    # Two slots; the guest fills in the form for the first one.
    first = db.session.scalar(select(VisitSlot))
    owner = first.offering.kampung.members[0].user
    booking_service.add_slot(first.offering, actor=owner,
                             starts_at=first.starts_at + timedelta(days=1),
                             ends_at=first.ends_at + timedelta(days=1), capacity=6)
    db.session.commit()
    page.goto(live_server + bookable_offering)
    booking = page.get_by_role("region", name="Pesan kunjungan")
    booking.get_by_label("Jumlah orang").fill("2")
    booking.get_by_label("Nama", exact=True).fill("Rina Wulandari")
    booking.get_by_label("Nomor WhatsApp").fill("0813-3344-5566")
    booking.get_by_label("Catatan (tidak wajib)").fill("Rombongan keluarga")

    # Meanwhile others take every place of the first slot.
    booking_service.request_visit(first, party_size=10, name="Rombongan Sekolah",
                                  phone="0812-1111-2222")
    db.session.commit()
    booking.get_by_role("button", name="Pesan").click()

    # The message, what was typed, and the slot still open to choose.
    expect(page.get_by_text("Maaf, tempat di jadwal ini tidak cukup lagi.")).to_be_visible()
    booking = page.get_by_role("region", name="Pesan kunjungan")
    expect(booking.get_by_label("Nama", exact=True)).to_have_value("Rina Wulandari")
    expect(booking.get_by_label("Nomor WhatsApp")).to_have_value("0813-3344-5566")
    expect(booking.get_by_label("Catatan (tidak wajib)")).to_have_value("Rombongan keluarga")
    expect(booking.get_by_label("Jumlah orang")).to_have_value("2")
    expect(booking.get_by_text("sisa 6 tempat")).to_be_visible()
    expect(booking.get_by_text("sisa 0 tempat")).to_have_count(0)
    assert_accessible(page, "booking form sent back: slot full")
    booking.get_by_text("sisa 6 tempat").click()
    booking.get_by_role("button", name="Pesan").click()

    expect(page.get_by_role("heading", name=re.compile(r"Pesanan KRN-[2-9A-Z]{5}"))).to_be_visible()
    expect(page.get_by_text("Menunggu konfirmasi")).to_be_visible()

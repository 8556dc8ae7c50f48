"""The figures in a real browser at a phone-sized viewport: a visitor reads the Transparansi
page from the footer; the city admin opens the dashboard, changes the period and downloads
the CSV of the scorecard."""
import csv
import io

import pytest
from playwright.sync_api import expect

from keren.extensions import db
from keren.models import Role
from keren.services import stats
from tests.browser.axe import assert_accessible
from tests.browser.test_kampung_journey import log_in
from tests.stats_scenario import MONTHS, build, expected
from tests.conftest import TINALAN

pytestmark = pytest.mark.browser


def test_city_admin_reads_the_dashboard_changes_the_period_and_downloads_the_csv(
        page, live_server, make_user, make_kampung, make_offering):
    build(make_kampung, make_offering)
    make_user(email="admin.kota@contoh.id", role=Role.CITY_ADMIN)

    page.goto(live_server + "/")
    page.get_by_role("link", name="Transparansi").click()
    expect(page.get_by_role("heading", name="Transparansi Kampung KEREN")).to_be_visible()
    expect(page.get_by_text("3 dari 46")).to_be_visible()
    expect(page.get_by_role("img", name="Pengunjung per bulan (orang)")).to_be_visible()
    assert_accessible(page, "Transparansi")

    log_in(page, live_server, "admin.kota@contoh.id")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Statistik").click()
    expect(page.get_by_role("heading", name="Statistik Kampung KEREN")).to_be_visible()
    assert_accessible(page, "the dashboard")

    page.get_by_label("Dari bulan").fill("2026-09")
    page.get_by_label("Sampai bulan").fill("2026-10")
    page.get_by_label("Wilayah").select_option(label="Tinalan")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.get_by_text("Kelurahan Tinalan · Sep 2026 – Okt 2026")).to_be_visible()
    want = expected([TINALAN], MONTHS[3:5])["totals"]
    requests = page.locator(".stat-cards div", has_text="Permintaan kunjungan").locator("dd")
    expect(requests).to_have_text(str(want["booking_requests"]))

    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh CSV").click()
    download = info.value
    assert download.suggested_filename == f"skor-kampung-keren-{TINALAN}-2026-09-2026-10.csv"
    with open(download.path(), encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    assert [(r["bulan"], r["kelurahan"]) for r in rows] == [("2026-09", "Tinalan"),
                                                            ("2026-10", "Tinalan")]
    assert sum(int(r["booking_requests"]) for r in rows) == want["booking_requests"]


def test_a_resident_reads_their_kampungs_figures(page, live_server, make_user, make_kampung):
    owner = make_user(email="pemilik@contoh.id")
    kampung = make_kampung(owner=owner, name="Kampung Statistik Warga")
    # Two views and a WhatsApp click by phones (this headless browser is not counted).
    stats.count_event(kampung.id)
    stats.count_event(kampung.id)
    stats.count_event(kampung.id, event="whatsapp")
    db.session.commit()

    log_in(page, live_server, "pemilik@contoh.id")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Kampung saya").click()
    page.get_by_role("link", name="Kampung Statistik Warga").first.click()
    page.get_by_role("link", name="Statistik kampung").click()
    expect(page.get_by_role("heading", name="Statistik Kampung Statistik Warga")).to_be_visible()
    table = page.get_by_role("region", name="Angka per bulan")
    row = table.get_by_role("row").filter(has=page.get_by_role("cell", name="2", exact=True))
    expect(row.get_by_role("cell")).to_have_text(["2", "1", "0", "0", "0"])
    assert_accessible(page, "a kampung's figures")

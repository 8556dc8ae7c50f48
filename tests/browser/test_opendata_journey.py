"""The open-data journey in a real browser at a phone-sized viewport: a visitor follows the
footer link "Data terbuka", reads the licence, downloads the kampung CSV and finds in it the
published kampung and not the draft one."""
import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import BANDAR_KIDUL, TINALAN

pytestmark = pytest.mark.browser


@pytest.fixture
def directory(make_kampung, make_offering):
    tahu = make_kampung(kelurahan=TINALAN, name="Kampung Tahu Tinalan")
    make_offering(tahu, pillar="dagang", title="Tahu Takwa", price_idr=15000)
    make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Tenun Bandar Kidul")
    make_kampung(kelurahan=TINALAN, name="Kampung Draf Rahasia", status="draft")


def test_visitor_downloads_the_kampung_csv_from_the_footer_link(page, live_server, directory,
                                                                tmp_path):
    page.goto(live_server)
    page.get_by_role("contentinfo").get_by_role("link", name="Data terbuka").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Data terbuka")
    licence = page.get_by_role("region", name="Lisensi")
    expect(licence).to_contain_text("CC BY 4.0")
    expect(licence).to_contain_text("Kampung KEREN, Pemerintah Kota Kediri")
    expect(licence.get_by_role("link", name="Creative Commons Attribution 4.0")).to_have_attribute(
        "href", "https://creativecommons.org/licenses/by/4.0/deed.id")
    expect(page.get_by_text("2 profil kampung yang tayang")).to_be_visible()
    assert_accessible(page, "open data page")

    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh Kampung (CSV)").click()
    download = info.value
    assert download.suggested_filename.startswith("kampung-keren-kampung-")
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    names = [row["name"] for row in rows]
    assert names == ["Kampung Tahu Tinalan", "Kampung Tenun Bandar Kidul"]
    assert "Kampung Draf Rahasia" not in raw.decode("utf-8-sig")
    assert rows[0]["kelurahan_name"] == "Tinalan" and rows[0]["pillars"] == "dagang"

    # The page is still there after the download, and links the API's description.
    expect(page.get_by_role("link", name="/api/v1/openapi.json")).to_be_visible()

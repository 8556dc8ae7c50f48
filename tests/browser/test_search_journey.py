"""The search journey in a real browser at a phone-sized viewport: from the header search box
on the home page, narrow the results by pillar and by kecamatan with the facet links, open a
result; then a search that finds nothing, and a way out of it."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import BANDAR_KIDUL, TINALAN

pytestmark = pytest.mark.browser

SETONOGEDONG = "35.71.02.1009"


@pytest.fixture
def batik(make_kampung, make_offering):
    tinalan = make_kampung(kelurahan=TINALAN, name="Kampung Canting Tinalan")
    bandar = make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Canting Bandar")
    setono = make_kampung(kelurahan=SETONOGEDONG, name="Kampung Canting Setono")
    make_offering(tinalan, pillar="wisata", title="Tur Kampung Batik", price_idr=20000)
    make_offering(tinalan, pillar="dagang", title="Batik Tulis Tinalan", price_idr=250000)
    make_offering(bandar, pillar="wisata", title="Jelajah Batik Bandar", price_idr=35000,
                  description="Berjalan dari rumah ke rumah melihat perajin batik bekerja.")
    make_offering(bandar, pillar="edukasi", title="Kelas Membatik", price_idr=None)
    make_offering(setono, pillar="dagang", title="Batik Cap Setono", price_idr=90000)


def results(page):
    return page.get_by_role("region", name=re.compile(r"^\d+ hasil$"))


def facets(page):
    return page.get_by_role("region", name="Saring hasil")


def result_count(page, n):
    expect(page.get_by_role("heading", level=2, name=f"{n} hasil")).to_be_visible()
    expect(results(page).get_by_role("listitem")).to_have_count(n)


def test_visitor_searches_filters_by_pillar_and_kecamatan_and_opens_a_result(
        page, live_server, batik):
    page.goto(live_server)
    header = page.get_by_role("banner")
    header.get_by_label("Cari").fill("batik")
    header.get_by_role("button", name="Cari").click()

    expect(page).to_have_url(re.compile(r"/cari\?q=batik$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cari kampung dan penawaran")
    expect(page.get_by_label("Kata kunci")).to_have_value("batik")
    result_count(page, 5)
    expect(results(page).locator("mark").first).to_be_visible()
    assert_accessible(page, "search results")

    # Filter by pillar: the Wisata facet says how many it will show.
    wisata = facets(page).get_by_role("link", name=re.compile(r"^Wisata 2$"))
    wisata.click()
    result_count(page, 2)
    expect(facets(page).get_by_text(re.compile(r"^Wisata 2$"))).to_have_attribute(
        "aria-current", "true")

    # ... then by kecamatan.
    facets(page).get_by_role("link", name=re.compile(r"^Mojoroto 1$")).click()
    result_count(page, 1)
    expect(page.get_by_role("region", name="Filter aktif")).to_contain_text("Kecamatan: Mojoroto")
    assert_accessible(page, "filtered search results")

    # Open the result.
    results(page).get_by_role("link", name="Jelajah Batik Bandar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jelajah Batik Bandar")
    expect(page.get_by_text("Kampung Canting Bandar").first).to_be_visible()


def test_a_search_that_finds_nothing_offers_a_way_on(page, live_server, batik):
    page.goto(f"{live_server}/cari?q=batik")      # logged: "batik" becomes a popular search
    result_count(page, 5)

    page.get_by_label("Kata kunci").fill("kapal selam")
    page.get_by_role("main").get_by_role("button", name="Cari").click()
    expect(page.get_by_role("heading", level=2, name="0 hasil")).to_be_visible()
    expect(page.get_by_text("Tidak ada kampung atau penawaran yang cocok dengan “kapal selam”.")
           ).to_be_visible()
    expect(page.get_by_role("heading", name="Pencarian populer")).to_be_visible()
    expect(page.get_by_role("heading", name="Jelajahi pilar")).to_be_visible()
    assert_accessible(page, "empty search page")

    page.get_by_role("link", name="Edukasi", exact=True).click()
    result_count(page, 1)
    expect(results(page).get_by_role("link", name="Kelas Membatik")).to_be_visible()

    page.get_by_label("Kata kunci").fill("batk")
    page.get_by_role("main").get_by_role("button", name="Cari").click()
    did_you_mean = page.get_by_text("Mungkin maksud Anda:")
    expect(did_you_mean).to_be_visible()
    did_you_mean.get_by_role("link", name="batik", exact=True).click()
    result_count(page, 1)    # still within Edukasi
    page.get_by_role("link", name=re.compile(r"^Hapus semua filter")).click()
    result_count(page, 5)

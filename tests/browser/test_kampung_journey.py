"""The issue-3 journey in a real browser at a phone-sized viewport: a resident publishes a
kampung and an offering, the Tinalan admin approves them, a visitor finds them, and the
Bandar Kidul admin never sees them."""
import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from keren.models import Role
from tests.browser.axe import assert_accessible
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

KAMPUNG = "Kampung Jamu Gendong Tinalan"
OFFERING = "Belajar Meracik Jamu Kunyit Asam"


def log_in(page, base, email):
    page.goto(f"{base}/akun/masuk")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Kata sandi", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_text("Anda sudah masuk.")).to_be_visible()


def log_out(page):
    page.get_by_role("navigation", name="Menu utama").get_by_role("button", name="Keluar").click()
    expect(page.get_by_text("Anda sudah keluar.")).to_be_visible()


def test_resident_publishes_through_the_kelurahan_admin_and_a_visitor_finds_it(
        page, live_server, make_user):
    make_user(name="Bu Sri (uji)", email="warga@contoh.id")
    make_user(name="Admin Tinalan", email="admin.tinalan@contoh.id", role=Role.KELURAHAN_ADMIN,
              kelurahan="Tinalan")
    make_user(name="Admin Bandar Kidul", email="admin.bk@contoh.id",
              role=Role.KELURAHAN_ADMIN, kelurahan="Bandar Kidul")

    # The resident creates the profile in Tinalan.
    log_in(page, live_server, "warga@contoh.id")
    page.get_by_role("link", name="Kampung saya").click()
    page.get_by_role("link", name="Buat profil kampung").first.click()
    page.get_by_label("Kelurahan").select_option(label="Tinalan")
    page.get_by_label("Nama kampung").fill(KAMPUNG)
    page.get_by_label("Slogan singkat").fill("Jamu segar dari gang-gang Tinalan")
    page.get_by_label("Cerita kampung").fill("Ibu-ibu Tinalan meracik jamu gendong sejak dulu.")
    page.get_by_label("Nomor WhatsApp").fill("0812-3456-7890")
    assert_accessible(page, "new kampung form")
    page.get_by_role("button", name="Buat profil").click()
    expect(page.get_by_role("heading", name=KAMPUNG)).to_be_visible()

    # ... adds an education offering with a price typed the way people write it ...
    page.get_by_role("link", name="Tambah penawaran").click()
    page.get_by_role("link", name="Edukasi").click()
    page.get_by_label("Judul").fill(OFFERING)
    page.get_by_label("Ringkasan").fill("Dua jam meracik jamu bersama ibu-ibu.")
    page.get_by_label("Deskripsi").fill("Mengenal rimpang, menumbuk dan merebus jamu.")
    page.get_by_label("Harga (Rp)").fill("Rp25.000")
    assert_accessible(page, "new offering form")
    page.get_by_role("button", name="Simpan sebagai draf").click()
    expect(page.get_by_role("heading", name=OFFERING)).to_be_visible()
    page.get_by_role("button", name="Kirim untuk ditinjau").click()
    expect(page.get_by_text("Menunggu tinjauan").first).to_be_visible()

    # ... and submits the profile too.
    page.get_by_role("link", name=KAMPUNG).first.click()
    page.get_by_role("button", name="Kirim untuk ditinjau").click()
    expect(page.get_by_text("Menunggu tinjauan").first).to_be_visible()
    assert_accessible(page, "manage kampung page")
    log_out(page)

    # The Bandar Kidul admin's queue never shows it, nor can they open it.
    log_in(page, live_server, "admin.bk@contoh.id")
    page.get_by_role("link", name="Moderasi", exact=True).click()
    expect(page.get_by_role("heading", name="Antrean moderasi")).to_be_visible()
    expect(page.get_by_text(KAMPUNG)).to_have_count(0)
    expect(page.get_by_text(OFFERING)).to_have_count(0)
    log_out(page)

    # The Tinalan admin approves both.
    log_in(page, live_server, "admin.tinalan@contoh.id")
    page.get_by_role("link", name="Moderasi", exact=True).click()
    assert_accessible(page, "moderation queue")
    page.get_by_role("link", name=KAMPUNG).first.click()
    assert_accessible(page, "kampung review page")
    page.get_by_role("button", name="Setujui").click()
    page.get_by_role("link", name="Moderasi", exact=True).click()
    page.get_by_role("link", name=OFFERING).first.click()
    page.get_by_role("button", name="Setujui").click()
    page.get_by_role("link", name="Moderasi", exact=True).click()
    expect(page.get_by_role("link", name=OFFERING)).to_have_count(0)
    log_out(page)

    # A visitor finds both on the kelurahan page and opens the offering.
    page.goto(live_server + "/")
    page.get_by_role("link", name="Tinalan").first.click()
    expect(page.get_by_role("heading", name="Kelurahan Tinalan")).to_be_visible()
    page.get_by_role("link", name=KAMPUNG).click()
    whatsapp = page.get_by_role("link", name="Chat WhatsApp")
    # Through the site's counting redirect, which hands over to wa.me.
    assert re.fullmatch(r"/wa/kampung/\d+", whatsapp.get_attribute("href"))
    # (Not followed: this machine has no route to wa.me.)
    handoff = page.request.get(live_server + whatsapp.get_attribute("href"), max_redirects=0)
    assert handoff.status == 302
    assert handoff.headers["location"].startswith("https://wa.me/6281234567890?text=")
    assert KAMPUNG in unquote(handoff.headers["location"])
    page.get_by_role("link", name=OFFERING).click()
    expect(page.get_by_role("heading", name=OFFERING)).to_be_visible()
    expect(page.get_by_text("Rp25.000").first).to_be_visible()
    assert_accessible(page, "public offering page")

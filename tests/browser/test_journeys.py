"""User journeys in a real browser: Debian's Chromium at a phone-sized viewport.

Each test runs once per database backend (through the `app` fixture behind `live_server`).
"""
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def header(page):
    return page.get_by_role("banner")


def main_menu(page):
    return page.get_by_role("navigation", name="Menu utama")


def expect_logged_out(page):
    expect(main_menu(page).get_by_role("link", name="Masuk")).to_be_visible()
    expect(main_menu(page).get_by_role("link", name="Daftar")).to_be_visible()
    expect(main_menu(page).get_by_role("link", name="Akun saya")).to_have_count(0)
    expect(main_menu(page).get_by_role("button", name="Keluar")).to_have_count(0)


def expect_logged_in(page):
    expect(main_menu(page).get_by_role("link", name="Akun saya")).to_be_visible()
    expect(main_menu(page).get_by_role("button", name="Keluar")).to_be_visible()
    expect(main_menu(page).get_by_role("link", name="Masuk")).to_have_count(0)


def fill_registration(page, *, name, email, phone="", password=TEST_PASSWORD, confirm=None):
    page.get_by_label("Nama", exact=True).fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Nomor WhatsApp (tidak wajib)").fill(phone)
    page.get_by_label("Kata sandi", exact=True).fill(password)
    page.get_by_label("Ulangi kata sandi").fill(password if confirm is None else confirm)


def log_in(page, email, password=TEST_PASSWORD, *, remember=False):
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Kata sandi", exact=True).fill(password)
    if remember:
        page.get_by_label("Ingat saya di perangkat ini").check()
    page.get_by_role("main").get_by_role("button", name="Masuk").click()


def test_register_log_out_and_log_in_again_remembered(page, live_server):
    page.goto(live_server)
    expect_logged_out(page)

    main_menu(page).get_by_role("link", name="Daftar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Buat akun")
    fill_registration(page, name="Siti Aminah", email="siti@contoh.id", phone="0812-3456-7890")
    page.get_by_role("main").get_by_role("button", name="Daftar").click()

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("status")).to_contain_text(
        "Selamat datang, Siti Aminah! Akun Anda sudah dibuat.")
    expect_logged_in(page)

    main_menu(page).get_by_role("link", name="Akun saya").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Akun saya")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Siti Aminah")
    expect(facts).to_contain_text("siti@contoh.id")
    expect(facts).to_contain_text("+6281234567890")
    expect(facts).to_contain_text("Pengunjung")

    main_menu(page).get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("status")).to_contain_text("Anda sudah keluar.")
    expect_logged_out(page)
    # The account page is closed again: it sends the visitor to the login form.
    page.goto(f"{live_server}/akun/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")

    page.goto(live_server)
    main_menu(page).get_by_role("link", name="Masuk").click()
    log_in(page, "siti@contoh.id", remember=True)
    expect(page.get_by_role("status")).to_contain_text("Anda sudah masuk.")
    expect_logged_in(page)

    # "Ingat saya" keeps the visitor signed in after the browser session ends.
    remember = [c for c in page.context.cookies() if c["name"] == "remember_token"]
    assert remember, "no remember-me cookie after logging in with 'Ingat saya' ticked"
    assert remember[0]["expires"] > time.time() + 7 * 24 * 3600
    assert remember[0]["httpOnly"]
    page.context.clear_cookies(name="session")
    page.goto(f"{live_server}/akun/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Akun saya")
    expect(page.locator("dl.facts")).to_contain_text("siti@contoh.id")


def test_wrong_password_is_refused(page, live_server, make_user):
    make_user(email="budi@contoh.id")
    page.goto(f"{live_server}/akun/masuk")
    log_in(page, "budi@contoh.id", "bukan-kata-sandinya")

    expect(page.get_by_role("status")).to_have_text("E-mail atau kata sandi salah.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    # The e-mail is kept so the visitor only retypes the password.
    expect(page.get_by_label("E-mail")).to_have_value("budi@contoh.id")
    expect(page.get_by_label("Kata sandi", exact=True)).to_have_value("")
    expect_logged_out(page)

    # An unknown e-mail gets exactly the same answer.
    log_in(page, "tidak-ada@contoh.id")
    expect(page.get_by_role("status")).to_have_text("E-mail atau kata sandi salah.")
    expect_logged_out(page)


def test_switch_language_and_back(page, live_server):
    page.goto(f"{live_server}/kelurahan/tinalan")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "id")
    languages = page.get_by_role("navigation", name="Bahasa")
    expect(languages.get_by_text("ID", exact=True)).to_have_attribute("aria-current", "true")

    languages.get_by_role("link", name="English").click()
    # Back on the same page, now in English.
    expect(page).to_have_url(f"{live_server}/kelurahan/tinalan")
    expect(html).to_have_attribute("lang", "en")
    languages = page.get_by_role("navigation", name="Language")
    expect(languages.get_by_text("EN", exact=True)).to_have_attribute("aria-current", "true")
    expect(languages.get_by_role("link", name="English")).to_have_count(0)
    expect(main_menu_en := page.get_by_role("navigation", name="Main menu")).to_be_visible()
    expect(main_menu_en.get_by_role("link", name="Home")).to_be_visible()
    expect(main_menu_en.get_by_role("link", name="Log in")).to_be_visible()
    # The choice sticks from page to page.
    main_menu_en.get_by_role("link", name="Home").click()
    expect(html).to_have_attribute("lang", "en")

    languages.get_by_role("link", name="Bahasa Indonesia").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(html).to_have_attribute("lang", "id")
    expect(main_menu(page).get_by_role("link", name="Beranda")).to_be_visible()
    expect(page.get_by_role("navigation", name="Bahasa").get_by_role("link", name="English")) \
        .to_be_visible()


def test_open_a_kelurahan_from_the_home_page(page, live_server):
    page.goto(live_server)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kampung KEREN Kota Kediri")
    kelurahan_links = page.locator("ul.kelurahan-list").get_by_role("link")
    expect(kelurahan_links).to_have_count(46)
    expect(page.get_by_role("heading", level=3)).to_have_text(
        [re.compile(r"^Kecamatan \w+$")] * 3)

    page.get_by_role("link", name="Tinalan", exact=True).click()
    expect(page).to_have_url(f"{live_server}/kelurahan/tinalan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kelurahan Tinalan")
    expect(page).to_have_title(re.compile(r"^Kelurahan Tinalan"))
    facts = page.locator("dl.facts")
    for term, value in [("Kecamatan", "Pesantren"), ("Kode Kemendagri", "35.71.03.1008"),
                        ("Kode pos", "64132")]:
        expect(facts.locator("dt", has_text=term).locator("xpath=following-sibling::dd[1]")) \
            .to_have_text(value)

    page.get_by_role("navigation", name="Jejak halaman").get_by_role("link", name="Beranda").click()
    expect(page).to_have_url(f"{live_server}/")


def test_unknown_kelurahan_shows_the_404_page(page, live_server):
    response = page.goto(f"{live_server}/kelurahan/tidak-ada")
    assert response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Halaman tidak ditemukan")
    page.get_by_role("link", name="Kembali ke beranda").click()
    expect(page).to_have_url(f"{live_server}/")


def test_no_serious_accessibility_violations(page, live_server, make_user):
    make_user(email="ani@contoh.id", phone="081234567890")

    page.goto(live_server)
    assert_accessible(page, "the home page")

    page.goto(f"{live_server}/kelurahan/tinalan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kelurahan Tinalan")
    assert_accessible(page, "a kelurahan page")

    page.goto(f"{live_server}/kelurahan/tidak-ada")
    expect(page.get_by_role("heading", level=1)).to_have_text("Halaman tidak ditemukan")
    assert_accessible(page, "the 404 page")

    page.goto(f"{live_server}/akun/daftar")
    assert_accessible(page, "the registration form")
    fill_registration(page, name="", email="bukan-email", phone="123", password="pendek",
                      confirm="lain")
    page.get_by_role("main").get_by_role("button", name="Daftar").click()
    expect(page.locator(".errors").first).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Kata sandi", exact=True)).to_have_accessible_description(
        re.compile("Kata sandi minimal 8 karakter"))
    assert_accessible(page, "the registration form showing errors")

    page.goto(f"{live_server}/akun/masuk")
    assert_accessible(page, "the login form")
    log_in(page, "ani@contoh.id", "salah-sekali")
    expect(page.get_by_role("status")).to_have_text("E-mail atau kata sandi salah.")
    assert_accessible(page, "the login form after a wrong password")

    log_in(page, "ani@contoh.id")
    main_menu(page).get_by_role("link", name="Akun saya").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Akun saya")
    assert_accessible(page, "the account page")

    page.goto(f"{live_server}/", wait_until="load")
    page.get_by_role("navigation", name="Bahasa").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page, "the home page in English")

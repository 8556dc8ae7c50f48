"""The site over HTTP (Flask test client, CSRF on): public pages, language, accounts, security."""
import csv
import html
import re
from urllib.parse import parse_qs, urlsplit

from flask import abort
from sqlalchemy import func, select

from keren.extensions import db
from keren.models import User
from keren.services import places
from tests.conftest import TEST_PASSWORD, CsrfClient

NEW_PASSWORD = "kata-sandi-baru-123"


def user_count():
    db.session.rollback()  # see what the requests committed, not an older snapshot
    return db.session.scalar(select(func.count()).select_from(User))


def text_of(response):
    return response.get_data(as_text=True)


def html_lang(response):
    match = re.search(r'<html lang="([^"]+)"', text_of(response))
    assert match, "no lang attribute on <html>"
    return match.group(1)


def registration(**overrides):
    return {"name": "Sri Wahyuni", "email": "sri@contoh.id", "phone": "0812-3456-7890",
            "password": TEST_PASSWORD, "confirm": TEST_PASSWORD, **overrides}


def is_on_site(location):
    """True when a redirect Location stays on this site (relative path or our own host)."""
    parts = urlsplit(location)
    return (parts.scheme in ("", "http") and parts.netloc in ("", "localhost")
            and parts.path.startswith("/") and not parts.path.startswith("//")
            and "\\" not in location and "evil" not in location)


def logged_in(client):
    """Whether the account page opens for this client (a redirect to login means anonymous)."""
    response = client.get("/akun/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def another_client(app):
    return CsrfClient(app.test_client())


# --- public pages ----------------------------------------------------------------------------

def test_home_page_lists_all_46_kelurahan_in_indonesian(client):
    response = client.get("/")
    assert response.status_code == 200
    page = text_of(response)
    assert html_lang(response) == "id"
    assert "Kampung KEREN Kota Kediri" in page
    assert "Kota Kediri terdiri atas 3 kecamatan dan 46 kelurahan." in page
    with open(places.KELURAHAN_CSV, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 46
    for row in rows:
        assert f">{html.escape(row['kelurahan'])}</a>" in page, row["kelurahan"]
    for kecamatan in ("Mojoroto", "Kota", "Pesantren"):
        assert f"Kecamatan {kecamatan}" in page
    assert len(re.findall(r'href="/kelurahan/[a-z0-9-]+"', page)) == 46


def test_kelurahan_page_shows_name_kecamatan_code_and_postcode(client):
    response = client.get("/kelurahan/tinalan")
    assert response.status_code == 200
    page = text_of(response)
    assert "<h1>Kelurahan Tinalan</h1>" in page
    assert "Pesantren" in page
    assert "35.71.03.1008" in page
    assert places.kelurahan_by_code("35.71.03.1008").postcode in page
    assert "openstreetmap.org" in page
    page = text_of(client.get("/kelurahan/setonogedong"))
    assert "Setono Gedong" in page and "35.71.02.1009" in page  # the other spellings


def test_unknown_kelurahan_is_a_styled_indonesian_404(client):
    response = client.get("/kelurahan/tidak-ada")
    assert response.status_code == 404
    page = text_of(response)
    assert html_lang(response) == "id"
    assert "Halaman tidak ditemukan" in page
    assert "Kembali ke beranda" in page
    assert "/static/css/site.css" in page  # the site's own layout, not Werkzeug's page


def test_pages_load_no_asset_from_another_site(client):
    for url in ("/", "/kelurahan/tinalan", "/akun/masuk", "/akun/daftar", "/tidak-ada"):
        page = text_of(client.get(url))
        for tag in re.findall(r"<(?:link|script|img|source|iframe)\b[^>]*>", page):
            assert not re.search(r'(?:src|href)="(?:https?:)?//', tag), (url, tag)
        assert "@import" not in page and "fonts.googleapis" not in page


def test_security_headers_are_on_every_response(client):
    for url in ("/", "/akun/masuk", "/tidak-ada", "/static/css/site.css"):
        response = client.get(url)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp, url
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert response.headers.get("X-Content-Type-Options") == "nosniff"
        assert response.headers.get("X-Frame-Options") == "DENY"
        assert response.headers.get("Referrer-Policy")
        response.close()


# --- language --------------------------------------------------------------------------------

def test_language_switch_to_english_sticks_for_the_session(client):
    # Indonesian first, whatever the browser asks for; an unknown language is not offered.
    assert html_lang(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})) == "id"
    assert client.get("/bahasa/fr?next=/").status_code == 404
    assert html_lang(client.get("/")) == "id"
    response = client.get("/bahasa/en?next=/kelurahan/tinalan")
    assert response.status_code == 302
    assert response.headers["Location"] == "/kelurahan/tinalan"
    for url in ("/", "/kelurahan/tinalan", "/akun/masuk"):
        response = client.get(url)
        page = text_of(response)
        assert html_lang(response) == "en", url
        assert ">Home</a>" in page and ">Beranda</a>" not in page, url
        # The switch now offers the way back to Indonesian and marks English as current.
        assert '<span aria-current="true">EN</span>' in page
        assert 'hreflang="id"' in page
    assert "Postcode" in text_of(client.get("/kelurahan/tinalan"))
    response = client.get("/tidak-ada")
    assert html_lang(response) == "en" and "Page not found" in text_of(response)
    client.get("/bahasa/id?next=/")
    response = client.get("/")
    assert html_lang(response) == "id" and ">Beranda</a>" in text_of(response)


OFF_SITE_TARGETS = ["//evil.com", "https://evil.com", "/\\evil.com", "javascript:alert(1)",
                    "\t//evil.com", "///evil.com", " //evil.com", "http://localhost.evil.com/"]


def test_language_switch_never_redirects_off_the_site(client):
    for target in OFF_SITE_TARGETS:
        response = client.get("/bahasa/en", query_string={"next": target})
        assert response.status_code == 302
        assert is_on_site(response.headers["Location"]), (target, response.headers["Location"])


# --- registration ----------------------------------------------------------------------------

def test_register_creates_the_account_and_signs_in(web, client):
    response = web.post("/akun/daftar", registration(email="Sri@Contoh.ID"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    user = db.session.scalar(select(User))
    assert (user.email, user.phone) == ("sri@contoh.id", "+6281234567890")
    assert "Selamat datang, Sri Wahyuni!" in text_of(client.get("/"))
    page = text_of(client.get("/akun/"))
    assert "sri@contoh.id" in page and "+6281234567890" in page


def test_register_errors_re_render_with_a_message_and_create_no_user(web):
    for overrides, message in [
        ({"phone": "12345"}, "Nomor WhatsApp tidak valid"),
        ({"confirm": "kata-sandi-lain"}, "Kedua kata sandi tidak sama."),
        ({"password": "pendek", "confirm": "pendek"}, "Kata sandi minimal 8 karakter."),
        ({"email": "bukan-email"}, "Alamat e-mail tidak valid."),
        ({"name": ""}, "Nama wajib diisi."),
    ]:
        response = web.post("/akun/daftar", registration(**overrides))
        assert response.status_code == 422, overrides
        page = text_of(response)
        assert html.escape(message) in page, overrides
        assert 'aria-invalid="true"' in page
    assert user_count() == 0


def test_an_email_with_the_space_a_phone_keyboard_adds_is_accepted(app):
    """Phone keyboards put a space after an autocompleted word; the service strips it, so must the form."""
    visitor = another_client(app)
    response = visitor.post("/akun/daftar", registration(email="sri@contoh.id "))
    assert response.status_code == 302, "registration refused an e-mail with a trailing space"
    visitor.post("/akun/keluar", form_url="/akun/")
    response = another_client(app).login(" sri@contoh.id ")
    assert response.status_code == 302, "login refused an e-mail with surrounding spaces"


def test_register_with_a_taken_email_is_refused_whatever_its_case(web, make_user):
    make_user(email="sri@contoh.id", name="Pemilik Asli")
    response = web.post("/akun/daftar", registration(email="SRI@contoh.id"))
    assert response.status_code == 422
    assert "E-mail ini sudah terdaftar" in text_of(response)
    assert user_count() == 1
    assert db.session.scalar(select(User.name)) == "Pemilik Asli"


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(client, make_user):
    response = client.post("/akun/daftar", data=registration())
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in text_of(response)
    assert user_count() == 0

    user = make_user()
    response = client.post("/akun/masuk", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert not logged_in(client)

    # A session of its own does not make someone else's (or a made-up) token valid.
    CsrfClient(client).token("/akun/daftar")
    response = client.post("/akun/daftar", data=registration(csrf_token="IjAwMDAi.forged.token"))
    assert response.status_code == 400
    assert user_count() == 1


def test_registration_is_rate_limited(web):
    token = web.token("/akun/daftar")
    for _ in range(5):
        response = web.client.post("/akun/daftar",
                                   data=registration(confirm="tidak-sama", csrf_token=token))
        assert response.status_code == 422
    response = web.client.post("/akun/daftar", data=registration(csrf_token=token))
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in text_of(response)
    assert user_count() == 0


# --- login -----------------------------------------------------------------------------------

def test_login_signs_in_and_goes_home(web, client, make_user):
    user = make_user(email="sri@contoh.id")
    response = web.post("/akun/masuk", {"email": "SRI@contoh.id", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Anda sudah masuk." in text_of(client.get("/"))
    assert logged_in(client)
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_unknown_email_and_wrong_password_get_the_same_answer(app, make_user):
    make_user(email="sri@contoh.id")

    def attempt(email, password):
        response = another_client(app).post("/akun/masuk", {"email": email, "password": password})
        body = text_of(response).replace(email, "EMAIL")
        return response.status_code, re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1TOKEN", body)

    wrong_password = attempt("sri@contoh.id", "bukan-kata-sandinya")
    unknown_email = attempt("tidak-ada@contoh.id", TEST_PASSWORD)
    assert wrong_password[0] == unknown_email[0] == 422
    assert "E-mail atau kata sandi salah." in wrong_password[1]
    assert wrong_password[1] == unknown_email[1]


def test_next_never_leaves_the_site_after_login(app, make_user):
    user = make_user()
    for target in OFF_SITE_TARGETS:
        visitor = another_client(app)
        response = visitor.post("/akun/masuk", {"email": user.email, "password": TEST_PASSWORD},
                                query_string={"next": target}, form_url="/akun/masuk")
        assert response.status_code == 302
        assert is_on_site(response.headers["Location"]), (target, response.headers["Location"])
        # Already signed in, the login page redirects through the same check.
        again = visitor.client.get("/akun/masuk", query_string={"next": target})
        assert is_on_site(again.headers["Location"]), (target, again.headers["Location"])


def test_a_safe_next_is_followed(web, make_user):
    user = make_user()
    response = web.post("/akun/masuk?next=/kelurahan/tinalan",
                        {"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/kelurahan/tinalan"


def test_the_account_pages_require_login_and_come_back_after_it(web, client, make_user):
    response = client.get("/akun/kata-sandi")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/akun/masuk"
    response = client.get("/akun/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/akun/masuk"
    assert parse_qs(location.query)["next"] == ["/akun/"]
    assert "Silakan masuk untuk membuka halaman itu." in text_of(client.get("/akun/masuk"))

    user = make_user(email="sri@contoh.id", name="Sri Wahyuni")
    response = web.post(f"/akun/masuk?{location.query}",
                        {"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/akun/"
    page = text_of(client.get("/akun/"))
    assert "Sri Wahyuni" in page and "Pengunjung" in page


def test_remember_me_sets_the_remember_cookie_and_without_it_none(app, make_user):
    user = make_user()
    forgetful, remembered = another_client(app), another_client(app)
    forgetful.post("/akun/masuk", {"email": user.email, "password": TEST_PASSWORD})
    remembered.post("/akun/masuk", {"email": user.email, "password": TEST_PASSWORD,
                                    "remember": "y"})
    assert forgetful.client.get_cookie("remember_token") is None
    cookie = remembered.client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only
    # The browser was closed: the session cookie is gone, the remember cookie signs in again.
    for visitor in (forgetful, remembered):
        visitor.client.delete_cookie("session")
    assert not logged_in(forgetful.client)
    assert logged_in(remembered.client)


def test_login_is_rate_limited_with_an_indonesian_message(web):
    token = web.token("/akun/masuk")
    # Every attempt counts, even one the form refuses (and these cost no password hashing).
    for _ in range(9):
        response = web.client.post("/akun/masuk", data={
            "email": "tidak-ada@contoh.id", "password": "", "csrf_token": token})
        assert response.status_code == 422
    response = web.client.post("/akun/masuk", data={
        "email": "tidak-ada@contoh.id", "password": "salah-salah", "csrf_token": token})
    assert response.status_code == 422
    response = web.client.post("/akun/masuk", data={
        "email": "tidak-ada@contoh.id", "password": "salah-salah", "csrf_token": token})
    assert response.status_code == 429
    page = text_of(response)
    assert "Terlalu banyak percobaan" in page
    assert "Tunggu sebentar lalu coba lagi." in page
    assert html_lang(response) == "id"
    # The form itself can still be read; only attempts are limited.
    assert web.client.get("/akun/masuk").status_code == 200


# --- logout ----------------------------------------------------------------------------------

def test_logout_is_post_only_and_needs_the_csrf_token(web, client, make_user):
    user = make_user()
    web.login(user.email)
    assert client.get("/akun/keluar").status_code == 405
    assert logged_in(client)
    response = client.post("/akun/keluar")
    assert response.status_code == 400
    assert logged_in(client)
    response = web.post("/akun/keluar", form_url="/akun/")
    assert response.status_code == 302
    assert not logged_in(client)


def test_logout_forgets_the_remembered_device(web, client, make_user):
    user = make_user()
    web.post("/akun/masuk", {"email": user.email, "password": TEST_PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    web.post("/akun/keluar", form_url="/akun/")
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert not logged_in(client)


# --- change password -------------------------------------------------------------------------

def test_change_password_signs_out_other_sessions_but_keeps_this_one(app, make_user):
    user = make_user()
    here, elsewhere, remembered_elsewhere = (another_client(app) for _ in range(3))
    here.post("/akun/masuk", {"email": user.email, "password": TEST_PASSWORD, "remember": "y"})
    elsewhere.login(user.email)
    remembered_elsewhere.post("/akun/masuk", {"email": user.email, "password": TEST_PASSWORD,
                                              "remember": "y"})
    assert all(logged_in(c.client) for c in (here, elsewhere, remembered_elsewhere))

    response = here.post("/akun/kata-sandi", {"current_password": TEST_PASSWORD,
                                              "new_password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/akun/"

    assert logged_in(here.client)
    assert not logged_in(elsewhere.client)
    assert not logged_in(remembered_elsewhere.client)
    remembered_elsewhere.client.delete_cookie("session")
    assert not logged_in(remembered_elsewhere.client)
    # This device chose "remember me": its new remember cookie still works.
    here.client.delete_cookie("session")
    assert logged_in(here.client)
    # And the new password is the one that works now.
    assert another_client(app).login(user.email).status_code == 422
    assert another_client(app).login(user.email, NEW_PASSWORD).status_code == 302


def test_change_password_with_a_wrong_current_password_changes_nothing(app, make_user):
    user = make_user()
    here, elsewhere = another_client(app), another_client(app)
    here.login(user.email)
    elsewhere.login(user.email)
    response = here.post("/akun/kata-sandi", {"current_password": "bukan-yang-ini",
                                              "new_password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    assert "Kata sandi saat ini salah." in text_of(response)
    assert logged_in(here.client) and logged_in(elsewhere.client)


# --- error pages -----------------------------------------------------------------------------

def test_error_pages_are_styled_and_follow_the_language(app, client):
    def broken():
        raise RuntimeError("a bug in a view")

    def forbidden():
        abort(403)

    # The fixture's app has not served a request yet, so routes can still be added.
    app.add_url_rule("/uji/rusak", "broken", broken)
    app.add_url_rule("/uji/terlarang", "forbidden", forbidden)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as production does, not re-raise

    response = client.get("/uji/rusak")
    assert response.status_code == 500
    page = text_of(response)
    assert "Terjadi kesalahan" in page and "Maaf, ada masalah di server kami." in page
    assert "a bug in a view" not in page and "Traceback" not in page
    assert "/static/css/site.css" in page and html_lang(response) == "id"

    response = client.get("/uji/terlarang")
    assert response.status_code == 403
    assert "Akses ditolak" in text_of(response)

    response = client.post("/kelurahan/tinalan")
    assert response.status_code in (400, 405)

    client.get("/bahasa/en?next=/")
    response = client.get("/uji/rusak")
    assert response.status_code == 500 and html_lang(response) == "en"
    assert "Something went wrong" in text_of(response)
    response = client.get("/uji/terlarang")
    assert response.status_code == 403
    assert "Akses ditolak" not in text_of(response)
    # The database is still usable after the failed request.
    assert client.get("/").status_code == 200

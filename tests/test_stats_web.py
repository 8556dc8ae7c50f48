"""The programme's figures over HTTP: who sees which dashboard, the figures on the page and in
the downloads equal the raw rows, page views and WhatsApp clicks counted the right way."""
import csv
import io
import json
import re
from html import unescape
from urllib.parse import unquote

import pytest

from keren.extensions import db
from keren.models import PageStat, Role
from keren.templating import number, span
from tests.conftest import BANDAR_KIDUL, TINALAN
from tests.stats_scenario import MONTHS, MRICAN, build, expected

PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 "
                       "(KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"}
PERIOD = "dari=2026-06&sampai=2026-11"


def _counters():
    return {(r.kampung_id, r.offering_id, r.event): r.count
            for r in db.session.scalars(db.select(PageStat))}


def _cards(html):
    """The headline figures: {label: value} from the <dl class="stat-cards">."""
    block = html.split('<dl class="stat-cards">')[1].split("</dl>")[0]
    return {unescape(dt).strip(): unescape(dd).strip()
            for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block, re.S)}


def _csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def city_admin(make_user, web):
    make_user(email="kota@contoh.id", role=Role.CITY_ADMIN)
    web.login("kota@contoh.id")


# --- who sees what -------------------------------------------------------------------------

def test_the_dashboard_is_for_admins_only(client, web, make_user):
    assert client.get("/statistik").status_code == 302
    assert client.get("/statistik/skor.csv").status_code == 302
    make_user(email="warga@contoh.id")
    web.login("warga@contoh.id")
    assert client.get("/statistik").status_code == 403
    assert client.get("/statistik/skor.csv").status_code == 403


def test_a_kelurahan_admin_sees_only_their_own_kelurahan(client, web, make_user):
    make_user(email="admin.tinalan@contoh.id", role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan")
    web.login("admin.tinalan@contoh.id")
    page = client.get("/statistik")
    assert page.status_code == 200
    assert "Kelurahan Tinalan" in page.get_data(as_text=True)
    assert client.get(f"/statistik?wilayah={TINALAN}").status_code == 200
    for other in (BANDAR_KIDUL, "35.71.03", "35.71.01"):
        assert client.get(f"/statistik?wilayah={other}").status_code == 403
        assert client.get(f"/statistik/skor.csv?wilayah={other}").status_code == 403
    rows = _csv(client.get("/statistik/skor.csv"))
    assert {r["kode_kelurahan"] for r in rows} == {TINALAN}


@pytest.mark.parametrize("query, message", [
    ("wilayah=35.71.99", "Wilayah itu tidak dikenal."),
    ("dari=kemarin", "Tulis bulan seperti 2026-11 (tahun-bulan)."),
    ("dari=2026-13", "Tulis bulan seperti 2026-11 (tahun-bulan)."),
    ("dari=2026-09&sampai=2026-03", "Bulan akhir tidak boleh sebelum bulan awal."),
    ("wilayah=" + "x" * 500, "Wilayah itu tidak dikenal."),
])
def test_bad_filters_get_a_clear_message_not_an_error(client, city_admin, query, message):
    response = client.get(f"/statistik?{query}")
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert message in html
    assert "Statistik Kampung KEREN" in html
    assert client.get(f"/statistik/skor.csv?{query}").status_code == 400


# --- figures ------------------------------------------------------------------------------

def test_dashboard_headline_equals_the_raw_rows(client, city_admin, make_kampung,
                                                make_offering):
    build(make_kampung, make_offering)
    html = client.get(f"/statistik?{PERIOD}").get_data(as_text=True)
    cards = _cards(html)
    want = expected([k for k in _all_codes()], MONTHS)["totals"]
    assert cards["Kelurahan dengan kampung aktif"] == "3 dari 46"
    assert cards["Kampung terbit"] == "3"
    for label, name in [("Halaman dilihat", "page_views"), ("Klik WhatsApp", "whatsapp_clicks"),
                        ("Permintaan kunjungan", "booking_requests"),
                        ("Dikonfirmasi kampung", "bookings_confirmed"),
                        ("Kunjungan terlaksana", "visits_completed"),
                        ("Pengunjung (orang)", "visitors"),
                        ("Dibatalkan pengunjung", "bookings_cancelled"),
                        ("Tidak datang", "no_shows"),
                        ("Tak dijawab tepat waktu", "bookings_expired")]:
        assert cards[label] == number(want[name]), label
    assert cards["Median waktu jawab kampung"] == span(want["median_response_minutes"])
    assert cards["Perkiraan belanja pengunjung"] == "Rp" + number(want["spending_idr"])
    assert "homestay" in html  # a search that found nothing


def test_kecamatan_dashboard_sums_its_kelurahan(client, city_admin, make_kampung,
                                                make_offering):
    build(make_kampung, make_offering)
    html = client.get(f"/statistik?wilayah=35.71.01&{PERIOD}").get_data(as_text=True)
    codes = [c for c in _all_codes() if c.startswith("35.71.01.")]
    want = expected(codes, MONTHS)["totals"]
    cards = _cards(html)
    assert cards["Permintaan kunjungan"] == number(want["booking_requests"])
    assert cards["Kelurahan dengan kampung aktif"] == f"2 dari {len(codes)}"
    assert "Mrican" in html and "Tinalan" not in html.split("Per kelurahan")[1]


def test_scorecard_csv_and_json_equal_the_raw_rows_and_hold_nothing_personal(
        client, city_admin, make_kampung, make_offering):
    build(make_kampung, make_offering)
    response = client.get(f"/statistik/skor.csv?{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'attachment; filename="skor-kampung-keren-kota-kediri-2026-06-2026-11.csv"' == \
        response.headers["Content-Disposition"]
    rows = _csv(response)
    assert len(rows) == 46 * len(MONTHS)
    for code in (TINALAN, BANDAR_KIDUL, MRICAN):
        for month in MONTHS:
            want = expected([code], [month])["totals"]
            row = next(r for r in rows if r["kode_kelurahan"] == code
                       and r["bulan"] == f"{month:%Y-%m}")
            assert {k: int(row[k]) for k in ("booking_requests", "visits_completed", "visitors",
                                             "spending_idr", "whatsapp_clicks", "kampung_views",
                                             "offering_views", "no_shows")} == \
                {k: want[k] for k in ("booking_requests", "visits_completed", "visitors",
                                      "spending_idr", "whatsapp_clicks", "kampung_views",
                                      "offering_views", "no_shows")}
            median = want["median_response_minutes"]
            assert row["median_menit_jawaban"] == ("" if median is None else str(median))
    body = client.get(f"/statistik/skor.json?{PERIOD}").get_json()
    assert body["licence"]["name"].startswith("Creative Commons Attribution 4.0")
    assert len(body["rows"]) == 46 * len(MONTHS)
    for text in (response.get_data(as_text=True), json.dumps(body)):
        assert "Rahasia" not in text and "rahasia.example" not in text
        assert "+62812990" not in text and "catatan pribadi" not in text


def test_open_scorecard_and_transparency_page_are_public(client, make_kampung, make_offering):
    build(make_kampung, make_offering)
    page = client.get("/transparansi")
    assert page.status_code == 200
    cards = _cards(page.get_data(as_text=True))
    assert cards["Kelurahan dengan kampung aktif"] == "3 dari 46"
    response = client.get(f"/data-terbuka/skor.csv?{PERIOD}")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    assert len(_csv(response)) == 46 * len(MONTHS)
    assert client.get("/data-terbuka/skor.json?dari=2026-13").status_code == 400
    body = client.get("/data-terbuka/skor.json").get_json()
    assert body["attribution"] and body["licence"]["url"].startswith("https://creativecommons")


def _all_codes():
    from keren.models import Kelurahan
    return db.session.scalars(db.select(Kelurahan.code)).all()


# --- counting page views and WhatsApp clicks --------------------------------------------------

def test_a_person_viewing_public_pages_is_counted_once_per_view(client, make_kampung,
                                                                make_offering):
    kampung = make_kampung()
    offering = make_offering(kampung)
    client.get(f"/kampung/{kampung.slug}", headers=PHONE)
    client.get(f"/kampung/{kampung.slug}", headers=PHONE)
    client.get(f"/kampung/{kampung.slug}/{offering.slug}", headers=PHONE)
    assert _counters() == {(kampung.id, 0, "view"): 2, (kampung.id, offering.id, "view"): 1}


@pytest.mark.parametrize("headers", [
    {"User-Agent": "Mozilla/5.0 (compatible; bingbot/2.0)"},
    {"User-Agent": "WhatsApp/2.24.6.77 A"},
    {"User-Agent": ""},
    {**PHONE, "Sec-Purpose": "prefetch;prerender"},
    {**PHONE, "Purpose": "prefetch"},
])
def test_bots_link_previews_and_prefetches_are_not_counted(client, make_kampung, headers):
    kampung = make_kampung()
    assert client.get(f"/kampung/{kampung.slug}", headers=headers).status_code == 200
    assert client.head(f"/kampung/{kampung.slug}", headers=PHONE).status_code == 200
    assert _counters() == {}


def test_the_kampungs_own_people_and_previews_are_not_counted(client, web, make_user,
                                                              make_kampung, make_offering):
    owner = make_user(email="pemilik@contoh.id")
    kampung = make_kampung(owner=owner)
    draft = make_offering(kampung, status="draft")
    web.login("pemilik@contoh.id")
    client.get(f"/kampung/{kampung.slug}", headers=PHONE)
    client.get(f"/kampung/{kampung.slug}/{draft.slug}", headers=PHONE)
    client.get(f"/wa/kampung/{kampung.id}", headers=PHONE)
    assert _counters() == {}


def test_whatsapp_buttons_count_the_click_and_hand_over_to_wa_me(client, make_kampung,
                                                                 make_offering):
    kampung = make_kampung(name="Kampung Batik Uji")
    offering = make_offering(kampung, title="Kelas Batik Tulis")
    response = client.get(f"/wa/kampung/{kampung.id}", headers=PHONE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://wa.me/6281234567890?text=")
    assert "Kampung Batik Uji" in unquote(response.headers["Location"])
    assert "noindex" in response.headers["X-Robots-Tag"]
    response = client.get(f"/wa/penawaran/{offering.id}", headers=PHONE)
    assert "Kelas Batik Tulis" in unquote(response.headers["Location"])
    # A link preview follows the redirect too, uncounted.
    client.get(f"/wa/penawaran/{offering.id}", headers={"User-Agent": "TelegramBot (like TwitterBot)"})
    assert _counters() == {(kampung.id, 0, "whatsapp"): 1,
                           (kampung.id, offering.id, "whatsapp"): 1}


def test_whatsapp_redirect_is_404_for_what_is_not_public(client, make_kampung, make_offering):
    pending = make_kampung(status="pending")
    published = make_kampung()
    silent = make_kampung(whatsapp="")
    draft = make_offering(published, status="draft")
    for path in (f"/wa/kampung/{pending.id}", f"/wa/kampung/{silent.id}", "/wa/kampung/999999",
                 f"/wa/penawaran/{draft.id}", "/wa/penawaran/99999999999"):
        assert client.get(path, headers=PHONE).status_code == 404, path
    assert _counters() == {}


# --- a kampung's own figures ----------------------------------------------------------------

def test_a_manager_sees_their_kampungs_figures_and_nobody_else_does(client, web, make_user,
                                                                    make_kampung,
                                                                    make_offering):
    owner = make_user(email="pemilik@contoh.id")
    kampung = make_kampung(owner=owner)
    offering = make_offering(kampung)
    for _ in range(3):
        client.get(f"/kampung/{kampung.slug}/{offering.slug}", headers=PHONE)
    client.get(f"/wa/kampung/{kampung.id}", headers=PHONE)
    assert client.get(f"/kelola/kampung/{kampung.id}/statistik").status_code == 302
    make_user(email="lain@contoh.id")
    web.login("lain@contoh.id")
    assert client.get(f"/kelola/kampung/{kampung.id}/statistik").status_code == 404
    client.post("/akun/keluar", data={"csrf_token": web.token("/")})
    web.login("pemilik@contoh.id")
    html = client.get(f"/kelola/kampung/{kampung.id}/statistik").get_data(as_text=True)
    row = re.search(r"<tr><th scope=\"row\">[^<]*</th><td>(\d+)</td><td>(\d+)</td>", html)
    assert row.groups() == ("3", "1")


def test_a_due_month_is_recomputed_after_the_response_not_before(app, client, city_admin,
                                                                 make_kampung, make_offering):
    from datetime import timedelta
    from keren.models import Booking, VisitSlot
    from keren.models.base import utcnow
    from keren.services.booking import new_code
    build(make_kampung, make_offering, bookings=20)
    client.get("/statistik").close()        # computes the months never computed, at once
    before = _cards(client.get("/statistik").get_data(as_text=True))["Permintaan kunjungan"]
    app.config["STATS_MAX_AGE"] = 0         # from now on every month not settled is due
    slot = db.session.scalars(db.select(VisitSlot)).first()
    db.session.add(Booking(code=new_code(), slot_id=slot.id, party_size=1, name="Tamu",
                           phone="+6281200000000", token_hash="y" * 64, created_at=utcnow(),
                           respond_by=utcnow() + timedelta(hours=1)))
    db.session.commit()
    response = client.get("/statistik")
    # The page answered from what was stored ...
    assert _cards(response.get_data(as_text=True))["Permintaan kunjungan"] == before
    response.close()                        # ... and recomputed once it was sent.
    after = _cards(client.get("/statistik").get_data(as_text=True))["Permintaan kunjungan"]
    assert int(after.replace(".", "")) == int(before.replace(".", "")) + 1

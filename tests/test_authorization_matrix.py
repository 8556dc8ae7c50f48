"""The authorization matrix: every route of the app against every kind of user, on objects
of kelurahan A (Tinalan) and B (Bandar Kidul).

A route missing from MATRIX fails the test, so a new route cannot ship without saying who may
use it. Whenever a user is refused a POST, the database must be exactly as before.
"""
import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image

from keren.extensions import db
from keren.models import Role
from keren.models.base import utcnow
from keren.services import booking as booking_service, moderation, photos
from tests.conftest import BANDAR_KIDUL, TINALAN, TEST_PASSWORD

ACTORS = ("anonymous", "visitor", "resident_a", "admin_a", "city_admin")

# What each kind of route allows. `side` is the kelurahan of the object in the URL.
def public(actor, side):
    return True


def logged_in(actor, side):
    return actor != "anonymous"


def manager(actor, side):
    return actor == "resident_a" and side == "A"


def moderator(actor, side):
    return actor == "city_admin" or (actor == "admin_a" and side == "A")


def any_admin(actor, side):
    return actor in ("admin_a", "city_admin")


def city(actor, side):
    return actor == "city_admin"


def booking_owner(actor, side):
    """The world's bookings, on both sides, were made by the visitor's account."""
    return actor == "visitor"


SLOT_DAY = (date.today() + timedelta(days=10)).isoformat()


# rule -> (who may use it, GET and POST data (None: that method is not tested), url values)
# URL values are filled from the world of the side under test: {kampung_id}, {offering_id} ...
MATRIX = {
    "/": (public, None),
    "/kelurahan/<slug>": (public, None),
    "/bahasa/<lang>": (public, None),
    "/akun/daftar": (public, None),
    "/akun/masuk": (public, None),
    "/akun/keluar": (public, {}),
    "/akun/": (logged_in, None),
    "/akun/kata-sandi": (logged_in, None),
    "/media/<name>": (public, None),
    "/kampung/<slug>": (public, None),
    "/kampung/<slug>/<offering_slug>": (public, None),
    # Before the manager's routes below archive the offering.
    "/wa/kampung/<int:kampung_id>": (public, None),
    "/wa/penawaran/<int:offering_id>": (public, None),
    "/lapor/kampung/<int:kampung_id>": (public, None),
    "/lapor/penawaran/<int:offering_id>": (public, None),
    "/kelola/": (logged_in, None),
    "/kelola/kampung/baru": (logged_in, None),
    "/kelola/kampung/<int:kampung_id>": (manager, None),
    "/kelola/kampung/<int:kampung_id>/ubah": (
        manager, {"name": "Nama Diganti", "tagline": "Slogan baru", "story": "Cerita baru",
                  "address": "Jl. Baru", "whatsapp": "0812-1111-2222"}),
    "/kelola/kampung/<int:kampung_id>/kirim": (manager, {}),
    "/kelola/kampung/<int:kampung_id>/pengelola": (manager, {"email": "pengunjung@contoh.id"}),
    "/kelola/kampung/<int:kampung_id>/pengelola/<int:user_id>/hapus": (manager, {}),
    "/kelola/kampung/<int:kampung_id>/foto": (manager, "photo"),
    "/kelola/penawaran/<int:offering_id>/foto": (manager, "photo"),
    "/kelola/foto/<int:photo_id>/sampul": (manager, {}),
    "/kelola/foto/<int:photo_id>/hapus": (manager, {}),
    "/kelola/kampung/<int:kampung_id>/penawaran/baru": (
        manager, {"title": "Penawaran Baru", "summary": "Ringkas", "description": "Lengkap",
                  "price_idr": "10000", "price_unit": "orang", "tags": "uji"}),
    "/kelola/penawaran/<int:offering_id>": (manager, None),
    "/kelola/penawaran/<int:offering_id>/ubah": (
        manager, {"title": "Judul Diganti", "summary": "Ringkas", "description": "Lengkap",
                  "price_idr": "20000", "price_unit": "orang", "tags": "uji"}),
    "/kelola/penawaran/<int:offering_id>/kirim": (manager, {}),
    "/kelola/penawaran/<int:offering_id>/arsipkan": (manager, {}),
    "/kelola/penawaran/<int:offering_id>/pulihkan": (manager, {}),
    "/moderasi/": (any_admin, None),
    "/moderasi/kampung/<int:item_id>": (moderator, None),
    "/moderasi/penawaran/<int:item_id>": (moderator, None),
    "/moderasi/kampung/<int:item_id>/<tindakan>": (moderator, {"reason": "Alasan uji"}),
    "/moderasi/penawaran/<int:item_id>/<tindakan>": (moderator, {"reason": "Alasan uji"}),
    "/moderasi/kampung/<int:item_id>/verifikasi": (moderator, {}),
    "/moderasi/kampung/<int:item_id>/batalkan-verifikasi": (moderator, {}),
    "/moderasi/laporan/<int:report_id>": (moderator, None),
    "/moderasi/laporan/<int:report_id>/selesai": (moderator, {"note": "Sudah ditangani"}),
    "/moderasi/laporan/<int:report_id>/abaikan": (moderator, {"note": "Tidak ada masalah"}),
    "/admin/peran": (city, {"email": "pengunjung@contoh.id", "kelurahan": TINALAN}),
    "/admin/peran/<int:user_id>/cabut": (city, {}),
    "/admin/audit": (city, None),
    "/cari": (public, None),
    "/statistik": (any_admin, None),
    "/statistik/skor.<fmt>": (any_admin, None),
    "/transparansi": (public, None),
    "/data-terbuka/skor.<fmt>": (public, None),
    "/kelola/kampung/<int:kampung_id>/statistik": (manager, None),
    "/api/v1/search": (public, None),
    "/api/v1/kelurahan": (public, None),
    "/api/v1/kampung": (public, None),
    "/api/v1/offerings": (public, None),
    "/api/v1/openapi.json": (public, None),
    "/data-terbuka": (public, None),
    "/data-terbuka/kampung.csv": (public, None),
    "/data-terbuka/kampung.json": (public, None),
    "/data-terbuka/penawaran.csv": (public, None),
    "/data-terbuka/penawaran.json": (public, None),
    "/pesan/<int:slot_id>": (public, {"party_size": "1", "name": "Tamu Uji",
                                      "phone": "0813-3344-5566"}),
    "/pesanan/<code>": (booking_owner, None),
    "/pesanan/<code>/batal": (booking_owner, {}),
    "/pesanan/<code>/kalender.ics": (booking_owner, None),
    "/kelola/pesanan": (logged_in, None),
    "/kelola/pesanan/<code>/konfirmasi": (manager, {}),
    "/kelola/pesanan/<code>/tolak": (manager, {"reason": "Alasan uji"}),
    "/kelola/pesanan/<code>/selesai": (manager, {}),
    "/kelola/pesanan/<code>/tidak-datang": (manager, {}),
    "/kelola/penawaran/<int:offering_id>/pemesanan": (
        manager, {"pemesanan-is_bookable": "y", "pemesanan-booking_cutoff_hours": "6"}),
    "/kelola/penawaran/<int:offering_id>/jadwal": (
        manager, {"jadwal-date": SLOT_DAY, "jadwal-starts_at": "13:00", "jadwal-ends_at": "15:00",
                  "jadwal-capacity": "12", "jadwal-min_party": "1"}),
    "/kelola/penawaran/<int:offering_id>/jadwal/mingguan": (
        manager, {"mingguan-weekday": "6", "mingguan-start": "08:00", "mingguan-end": "10:00",
                  "mingguan-capacity": "15", "mingguan-min_party": "1", "mingguan-weeks": "2"}),
    "/kelola/jadwal/<int:slot_id>/kapasitas": (manager, {"capacity": "40"}),
    "/kelola/jadwal/<int:slot_id>/tutup": (manager, {}),
    "/kelola/jadwal/<int:slot_id>/batalkan": (manager, {"reason": "Alasan uji"}),
}

# Routes whose POST by an allowed user is expected to change the database; for the rest of
# POSTs only refusals are checked for "nothing changed".
SIDE_FREE = {"/", "/bahasa/<lang>", "/akun/daftar", "/akun/masuk", "/akun/keluar", "/akun/",
             "/akun/kata-sandi", "/kelola/", "/kelola/kampung/baru", "/moderasi/",
             "/admin/peran", "/admin/audit", "/kelola/pesanan", "/statistik",
             "/statistik/skor.<fmt>", "/transparansi", "/data-terbuka/skor.<fmt>"}


def normalise(rule):
    """The rule text without converter arguments, e.g. int(max=...) -> int."""
    text = re.sub(r"<int\([^)]*\):", "<int:", rule.rule)
    return re.sub(r"<any\([^)]*\):", "<", text)


def jpeg():
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 160, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world(app, make_user, make_kampung, make_offering):
    """Users of every kind and, in each kelurahan, objects in the states the routes act on."""
    users = {
        "visitor": make_user(email="pengunjung@contoh.id"),
        "resident_a": make_user(email="warga.a@contoh.id"),
        "resident_b": make_user(email="warga.b@contoh.id"),
        "editor_a": make_user(email="editor.a@contoh.id"),
        "editor_b": make_user(email="editor.b@contoh.id"),
        "admin_a": make_user(email="admin.a@contoh.id", role=Role.KELURAHAN_ADMIN,
                             kelurahan="Tinalan"),
        "admin_b": make_user(email="admin.b@contoh.id", role=Role.KELURAHAN_ADMIN,
                             kelurahan="Bandar Kidul"),
        "city_admin": make_user(email="admin.kota@contoh.id", role=Role.CITY_ADMIN),
    }
    sides = {}
    for side, code in (("A", TINALAN), ("B", BANDAR_KIDUL)):
        owner = users[f"resident_{side.lower()}"]
        kampung = make_kampung(owner=owner, kelurahan=code, name=f"Kampung Sisi {side}")
        pending_kampung = make_kampung(owner=owner, kelurahan=code, status="pending",
                                       name=f"Kampung Menunggu {side}")
        offering = make_offering(kampung, title=f"Penawaran Sisi {side}")
        pending_offering = make_offering(kampung, title=f"Penawaran Menunggu {side}",
                                         status="pending")
        from keren.services import kampung as kampung_service
        kampung_service.add_member(kampung, actor=owner, email=users[f"editor_{side.lower()}"].email)
        photo = photos.add_photo(kampung, actor=owner, data=jpeg(), alt_text="Foto uji",
                                 upload_dir=app.config["UPLOAD_DIR"], limits=photos.Limits(app.config))
        report = moderation.report(offering, category="wrong_info", message="Harga salah")
        booking_service.update_booking_settings(offering, actor=owner, bookable=True,
                                                cutoff_hours=12)
        start = utcnow() + timedelta(days=5)
        slot = booking_service.add_slot(offering, actor=owner, starts_at=start,
                                        ends_at=start + timedelta(hours=2), capacity=50)
        visit, _token = booking_service.request_visit(
            slot, party_size=2, name="Tamu Uji", phone="0813-3344-5566", user=users["visitor"])
        db.session.commit()
        sides[side] = {
            "slug": kampung.slug, "offering_slug": offering.slug, "kampung_id": kampung.id,
            "offering_id": offering.id, "photo_id": photo.id, "name": photo.thumb_name,
            "report_id": report.id, "user_id": users[f"editor_{side.lower()}"].id,
            "pending_kampung_id": pending_kampung.id, "pending_offering_id": pending_offering.id,
            "slot_id": slot.id, "code": visit.code,
        }
    return users, sides


def url_for_rule(rule, values):
    """Fill a rule's variables from the world of one side."""
    def fill(match):
        name = match.group(1).split(":")[-1]
        if name == "item_id":
            return str(values["item_id"])
        if name == "tindakan":
            return values["tindakan"]
        if name == "lang":
            return "en"
        if name == "fmt":
            return "csv"
        if name == "slug" and "kelurahan" in rule:
            return values["kelurahan_slug"]
        return str(values[name])
    return re.sub(r"<([^>]+)>", fill, rule)


def snapshot():
    """Every row of every table, to prove a refused request changed nothing."""
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(db.select(table)).all()
        state[table.name] = sorted(repr(tuple(row)) for row in rows)
    db.session.rollback()
    return state


def login(client, users, actor):
    if actor == "anonymous":
        return
    response = client.post("/akun/masuk", data={"email": users[actor].email,
                                                "password": TEST_PASSWORD,
                                                "csrf_token": csrf(client)})
    assert response.status_code == 302, actor


def csrf(client):
    html = client.get("/akun/masuk").get_data(as_text=True)
    if 'name="csrf_token"' not in html:
        html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def refused(response, actor):
    if response.status_code in (403, 404):
        return True
    location = response.headers.get("Location", "")
    return actor == "anonymous" and response.status_code == 302 and "/akun/masuk" in location


def cases(rule, side):
    """The URLs to try for `rule` on one side: for moderation actions, every action."""
    if "<tindakan>" in rule:
        return [("setujui", "pending_"), ("tolak", "pending_"), ("sembunyikan", ""),
                ("tayangkan-kembali", "")]
    return [(None, "")]


def test_every_route_is_in_the_matrix(app):
    rules = {normalise(r) for r in app.url_map.iter_rules() if r.endpoint != "static"}
    missing = sorted(rules - set(MATRIX))
    stale = sorted(set(MATRIX) - rules)
    assert not missing, f"routes without an authorization rule: {missing}"
    assert not stale, f"matrix rules for routes that no longer exist: {stale}"


@pytest.mark.parametrize("actor", ACTORS)
def test_authorization_matrix(app, world, actor):
    users, sides = world
    client = app.test_client()
    login(client, users, actor)
    token = csrf(client) if actor != "anonymous" else None
    failures = []
    # Logging out last, so that every other route is tried as this actor.
    for rule, (allowed, post_data) in sorted(MATRIX.items(), key=lambda i: i[0] == "/akun/keluar"):
        for side in ("A", "B"):
            if rule in SIDE_FREE and side == "B":
                continue
            for tindakan, prefix in cases(rule, side):
                values = dict(sides[side], kelurahan_slug="tinalan" if side == "A" else "bandar-kidul")
                values["tindakan"] = tindakan
                kind = "offering" if "penawaran" in rule else "kampung"
                values["item_id"] = values[f"{prefix}{kind}_id"]
                url = url_for_rule(rule, values)
                may = allowed(actor, side)
                methods = [m for m in sorted(next(r.methods for r in app.url_map.iter_rules()
                                                  if normalise(r) == rule) - {"HEAD", "OPTIONS"})]
                for method in methods:
                    if method == "GET":
                        response = client.get(url)
                        response.close()
                        if response.status_code >= 500 or refused(response, actor) == may:
                            failures.append(f"{actor} GET {url} ({side}): {response.status_code}")
                        continue
                    if post_data is None and method == "POST" and "GET" in methods:
                        data = {}
                    else:
                        data = dict(post_data or {}) if post_data != "photo" else {
                            "alt_text": "Foto uji", "photo": (io.BytesIO(jpeg()), "uji.jpg")}
                    if token is None:
                        data_token = csrf(client)
                    else:
                        data_token = token
                    data["csrf_token"] = data_token
                    before = None if may else snapshot()
                    response = client.post(url, data=data, content_type="multipart/form-data")
                    response.close()
                    if response.status_code >= 500:
                        failures.append(f"{actor} POST {url} ({side}): {response.status_code}")
                    elif may and refused(response, actor):
                        failures.append(f"{actor} POST {url} ({side}) refused: {response.status_code}")
                    elif not may:
                        if not refused(response, actor) and rule not in SIDE_FREE:
                            failures.append(f"{actor} POST {url} ({side}) allowed: "
                                            f"{response.status_code}")
                        if rule not in SIDE_FREE and snapshot() != before:
                            failures.append(f"{actor} POST {url} ({side}) changed the database")
    assert not failures, "\n".join(failures)

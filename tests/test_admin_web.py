"""The city admin pages over HTTP, with CSRF on: roles and the audit log."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from keren.extensions import db
from keren.models import AuditEntry, Role, User
from keren.services import audit, kampung as kampung_service, places
from tests.conftest import CsrfClient

TINALAN, BANDAR_KIDUL = "35.71.03.1008", "35.71.01.1002"


@pytest.fixture
def people(make_user):
    return SimpleNamespace(
        visitor=make_user(name="Tamu", email="tamu@contoh.id"),
        tinalan=make_user(name="Admin Tinalan", email="admin.tinalan@contoh.id",
                          role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan"),
        city=make_user(name="Admin Kota", email="admin.kota@contoh.id", role=Role.CITY_ADMIN))


def signed_in(app, user):
    client = CsrfClient(app.test_client())
    assert client.login(user.email).status_code == 302
    return client


def fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def rows(html):
    return html.count("<time datetime=")


def table(html):
    """The log's entries only (the filter form lists the same action names)."""
    marker = '<ol class="audit-list">'
    return html.split(marker)[1] if marker in html else ""


# --- who may come in --------------------------------------------------------------------------

def test_only_city_admins_reach_the_admin_pages(app, client, people):
    for url in ("/admin/peran", "/admin/audit"):
        response = client.get(url)
        assert response.status_code == 302 and "/akun/masuk" in response.location
    for user in (people.visitor, people.tinalan):
        web = signed_in(app, user)
        for url in ("/admin/peran", "/admin/audit"):
            assert web.client.get(url).status_code == 403
        response = web.post("/admin/peran", {"email": user.email, "kelurahan": TINALAN},
                            form_url="/")
        assert response.status_code == 403
        response = web.post(f"/admin/peran/{people.city.id}/cabut", form_url="/")
        assert response.status_code == 403
    assert (fresh(people.visitor).role, fresh(people.city).role) == (Role.VISITOR,
                                                                     Role.CITY_ADMIN)


def test_the_menu_links_to_moderation_for_admins_and_to_admin_for_city_admins(app, people):
    def menu(user):
        return signed_in(app, user).client.get("/").get_data(as_text=True)

    assert "/moderasi/" not in menu(people.visitor) and "/admin/peran" not in menu(people.visitor)
    page = menu(people.tinalan)
    assert "/moderasi/" in page and "/admin/peran" not in page
    page = menu(people.city)
    assert "/moderasi/" in page and "/admin/peran" in page


# --- roles ------------------------------------------------------------------------------------

def test_a_city_admin_makes_an_account_a_kelurahan_admin_and_revokes_it(app, people):
    web = signed_in(app, people.city)
    page = web.client.get("/admin/peran").get_data(as_text=True)
    assert "Admin Tinalan" in page and "Admin Kota" in page and "Tamu" not in page
    assert page.count("<option") == 47  # "Pilih kelurahan" and the 46 kelurahan

    response = web.post("/admin/peran", {"email": " TAMU@contoh.id ", "kelurahan": BANDAR_KIDUL,
                                         "role": "city_admin"}, form_url="/admin/peran")
    assert response.status_code == 302 and response.location == "/admin/peran"
    visitor = fresh(people.visitor)
    assert visitor.role == Role.KELURAHAN_ADMIN
    assert visitor.kelurahan == places.kelurahan_by_code(BANDAR_KIDUL)
    page = web.client.get("/admin/peran").get_data(as_text=True)
    assert "Tamu sekarang admin Kelurahan Bandar Kidul." in page
    assert "Admin Kelurahan Bandar Kidul" in page

    response = web.post(f"/admin/peran/{visitor.id}/cabut", form_url="/admin/peran")
    assert response.status_code == 302
    assert fresh(people.visitor).role == Role.VISITOR
    assert fresh(people.visitor).kelurahan_id is None
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "user.role_granted",
                                                           AuditEntry.target_id == visitor.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.actor_id == people.city.id and entry.data["role"] == "visitor"


REFUSED_GRANTS = [
    ({"email": "belum@contoh.id", "kelurahan": TINALAN}, 422, "Belum ada akun dengan e-mail itu."),
    ({"email": "bukan-email", "kelurahan": TINALAN}, 422, "Alamat e-mail tidak valid."),
    ({"email": "tamu@contoh.id", "kelurahan": ""}, 422, "Pilih kelurahan."),
    ({"email": "tamu@contoh.id", "kelurahan": "99.99"}, 422, "Kelurahan tidak dikenal."),
    ({"email": "admin.tinalan@contoh.id", "kelurahan": TINALAN}, 422, "sudah admin Kelurahan"),
    ({"email": "admin.kota@contoh.id", "kelurahan": TINALAN}, 403,
     "tidak bisa mengubah peran Anda sendiri"),
]


def test_granting_a_role_that_cannot_be_granted_shows_why_and_changes_nothing(app, people):
    web = signed_in(app, people.city)
    for data, status, message in REFUSED_GRANTS:
        response = web.post("/admin/peran", data, form_url="/admin/peran")
        assert response.status_code == status, data
        assert message in response.get_data(as_text=True), data
    assert fresh(people.visitor).role == Role.VISITOR
    assert fresh(people.city).role == Role.CITY_ADMIN
    assert fresh(people.tinalan).kelurahan == places.kelurahan_by_code(TINALAN)


def test_a_city_admin_cannot_revoke_their_own_role(app, people):
    web = signed_in(app, people.city)
    page = web.client.get("/admin/peran").get_data(as_text=True)
    assert f"/admin/peran/{people.city.id}/cabut" not in page  # no button for oneself
    assert f"/admin/peran/{people.tinalan.id}/cabut" in page
    response = web.post(f"/admin/peran/{people.city.id}/cabut", form_url="/admin/peran")
    assert response.status_code == 403
    assert "Anda tidak bisa mencabut peran Anda sendiri." in response.get_data(as_text=True)
    assert fresh(people.city).role == Role.CITY_ADMIN
    assert web.post("/admin/peran/999999/cabut", form_url="/admin/peran").status_code == 404


# --- the audit log ----------------------------------------------------------------------------

def record_history(people):
    """Entries on known WIB days: 2025-06-09 and 2025-06-10, in two kelurahan, by two actors."""
    tinalan = places.kelurahan_by_code(TINALAN)
    bandar = places.kelurahan_by_code(BANDAR_KIDUL)
    kampung = kampung_service.create_kampung(tinalan, actor=people.visitor, name="Kampung Tahu")
    day = datetime(2025, 6, 9, 3, 0, tzinfo=timezone.utc)  # 10.00 WIB
    audit.record("kampung.hidden", actor=people.tinalan, target=kampung, kelurahan=tinalan,
                 now=day, reason="Nomor WhatsApp palsu")
    audit.record("kampung.restored", actor=people.tinalan, target=kampung, kelurahan=tinalan,
                 now=day + timedelta(days=1))
    # 23.30 WIB on 2025-06-10 is still 16.30 UTC on 2025-06-10.
    audit.record("user.role_granted", actor=people.city, target=people.visitor, kelurahan=bandar,
                 now=datetime(2025, 6, 10, 16, 30, tzinfo=timezone.utc), role="kelurahan_admin")
    db.session.commit()


def test_the_audit_log_lists_newest_first_and_filters(app, people):
    record_history(people)
    web = signed_in(app, people.city)
    log = table(web.client.get("/admin/audit").get_data(as_text=True))
    assert log.index("Profil kampung dibuat") < log.index("10 Jun 2025, 23.30 WIB") \
        < log.index("10 Jun 2025, 10.00 WIB") < log.index("9 Jun 2025, 10.00 WIB")
    assert "Nomor WhatsApp palsu" in log and "Admin Tinalan" in log

    def filtered(query):
        response = web.client.get(f"/admin/audit?{query}")
        assert response.status_code == 200
        return table(response.get_data(as_text=True))

    page = filtered(f"kelurahan={BANDAR_KIDUL}")
    assert rows(page) == 1 and "Peran diubah" in page and "Bandar Kidul" in page
    page = filtered("aktor=admin.tinalan%40contoh.id&dari=2025-06-01&sampai=2025-06-30")
    assert rows(page) == 2 and "Peran diubah" not in page
    page = filtered("aksi=kampung.hidden")
    assert rows(page) == 1 and "Nomor WhatsApp palsu" in page
    page = filtered("dari=2025-06-10&sampai=2025-06-10")
    assert rows(page) == 2 and "Profil kampung disembunyikan" not in page
    page = filtered("sampai=2025-06-09")
    assert rows(page) == 1 and "Profil kampung disembunyikan" in page


JUNK_FILTERS = [
    ("dari=2025-13-45", "Tanggal tidak valid."),
    ("sampai=kemarin", "Tanggal tidak valid."),
    ("dari=0001-01-01", "Tanggal harus antara tahun 2000 dan 2100."),
    ("sampai=9999-12-31", "Tanggal harus antara tahun 2000 dan 2100."),
    ("dari=2025-06-10&sampai=2025-06-01", "Tanggal akhir tidak boleh sebelum tanggal awal."),
    ("kelurahan=35.71", "Kelurahan tidak dikenal."),
    ("aksi=drop+table", "Tindakan tidak dikenal."),
    ("aktor=bukan-email", "Alamat e-mail tidak valid."),
    ("aktor=siapa%40contoh.id", "Tidak ada akun dengan e-mail itu."),
]


def test_junk_audit_filters_get_a_message_and_never_a_500(app, people):
    web = signed_in(app, people.city)
    for query, message in JUNK_FILTERS:
        response = web.client.get(f"/admin/audit?{query}")
        assert response.status_code == 422, query
        page = response.get_data(as_text=True)
        assert message in page and rows(page) == 0, query


def test_the_audit_log_shows_50_entries_a_page(app, people):
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for n in range(57):
        audit.record("kampung.updated", actor=people.tinalan, target=people.tinalan,
                     now=start + timedelta(minutes=n), fields=[f"field{n}"])
    db.session.commit()
    total = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))
    web = signed_in(app, people.city)
    first = web.client.get("/admin/audit").get_data(as_text=True)
    assert rows(first) == 50 and "field56" in first and "halaman=2" in first
    last_page = (total + 49) // 50
    last = web.client.get(f"/admin/audit?halaman={last_page}").get_data(as_text=True)
    assert rows(last) == total - 50 * (last_page - 1)
    assert "field0" in last and "field56" not in last
    for junk in ("x", "-3", "0", "99999999999999999999"):
        assert web.client.get(f"/admin/audit?halaman={junk}").status_code == 200

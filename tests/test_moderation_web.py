"""The moderation pages over HTTP, with CSRF on: scope, decisions, reports."""
import io
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import func, select

from keren.extensions import db
from keren.models import (AuditEntry, Kampung, Offering, Report, ReportStatus, Role, Status)
from keren.services import kampung as kampung_service, moderation, offerings, photos, places
from tests.conftest import CsrfClient

TINALAN, BANDAR_KIDUL = "35.71.03.1008", "35.71.01.1002"


@pytest.fixture
def people(make_user):
    return SimpleNamespace(
        owner=make_user(name="Bu Sri", email="sri@contoh.id"),
        visitor=make_user(name="Tamu", email="tamu@contoh.id"),
        tinalan=make_user(name="Admin Tinalan", email="admin.tinalan@contoh.id",
                          role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan"),
        bandar=make_user(name="Admin Bandar Kidul", email="admin.bandar@contoh.id",
                         role=Role.KELURAHAN_ADMIN, kelurahan="Bandar Kidul"),
        city=make_user(name="Admin Kota", email="admin.kota@contoh.id", role=Role.CITY_ADMIN))


def signed_in(app, user):
    """A separate browser session signed in as `user`."""
    client = CsrfClient(app.test_client())
    assert client.login(user.email).status_code == 302
    return client


def pending_kampung(owner, code=TINALAN, name="Kampung Tahu"):
    kampung = kampung_service.create_kampung(
        places.kelurahan_by_code(code), actor=owner, name=name, tagline="Tahu sejak 1950",
        story="Cerita kampung tahu.", address="Jl. Tinalan 1")
    kampung_service.submit_kampung(kampung, actor=owner)
    db.session.commit()
    return kampung


def pending_offering(kampung, owner, title="Belajar membuat tahu"):
    offering = offerings.create_offering(
        kampung, actor=owner, pillar="wisata", title=title, summary="Dua jam di pabrik tahu.",
        description="Melihat dan mencoba membuat tahu.", price_idr=15000,
        duration_minutes=120, opening_hours="08.00-15.00", what_to_bring="Topi")
    offerings.submit_offering(offering, actor=owner)
    db.session.commit()
    return offering


def audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def status_of(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident).status


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 150, 40)).save(buffer, "PNG")
    return buffer.getvalue()


# --- who may come in --------------------------------------------------------------------------

def test_anonymous_visitors_log_in_first_and_non_admins_get_403(app, client, people):
    kampung = pending_kampung(people.owner)
    for url in ("/moderasi/", f"/moderasi/kampung/{kampung.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/akun/masuk" in response.location
    for user in (people.visitor, people.owner):  # a resident moderates nothing, not even their own
        web = signed_in(app, user)
        for url in ("/moderasi/", f"/moderasi/kampung/{kampung.id}", "/moderasi/laporan/1"):
            assert web.client.get(url).status_code == 403
        response = web.post(f"/moderasi/kampung/{kampung.id}/setujui", form_url="/")
        assert response.status_code == 403
    assert status_of(Kampung, kampung.id) == Status.PENDING


def test_the_queue_shows_each_admin_only_their_own_kelurahan(app, people):
    tahu = pending_kampung(people.owner)
    pending_offering(tahu, people.owner)
    tenun = pending_kampung(people.owner, BANDAR_KIDUL, name="Kampung Tenun Ikat")
    pending_offering(tenun, people.owner, title="Belajar menenun ikat")
    moderation.report(tenun, category="fraud", message="Harga menipu")
    db.session.commit()

    page = signed_in(app, people.tinalan).client.get("/moderasi/").get_data(as_text=True)
    assert "Kampung Tahu" in page and "Belajar membuat tahu" in page
    assert "Tenun" not in page and "Harga menipu" not in page

    page = signed_in(app, people.bandar).client.get("/moderasi/").get_data(as_text=True)
    assert "Kampung Tenun Ikat" in page and "Belajar menenun ikat" in page and "Penipuan" in page
    assert "Kampung Tahu" not in page

    city = signed_in(app, people.city).client
    page = city.get("/moderasi/").get_data(as_text=True)
    assert "Kampung Tahu" in page and "Kampung Tenun Ikat" in page
    page = city.get(f"/moderasi/?kelurahan={BANDAR_KIDUL}").get_data(as_text=True)
    assert "Kampung Tenun Ikat" in page and "Kampung Tahu" not in page
    response = city.get("/moderasi/?kelurahan=bukan-kode")
    assert response.status_code == 422
    assert "Kelurahan tidak dikenal." in response.get_data(as_text=True)


def test_the_review_page_shows_the_content_and_only_the_actions_valid_now(app, people):
    kampung = pending_kampung(people.owner)
    offering = pending_offering(kampung, people.owner)
    photos.add_photo(offering, actor=people.owner, data=png_bytes(),
                     alt_text="Pabrik tahu di Tinalan", upload_dir=app.config["UPLOAD_DIR"],
                     limits=photos.Limits(app.config))
    db.session.commit()
    photo = offering.photos[0]
    web = signed_in(app, people.tinalan)

    page = web.client.get(f"/moderasi/penawaran/{offering.id}").get_data(as_text=True)
    for text in ("Belajar membuat tahu", "Dua jam di pabrik tahu.", "Rp15.000", "per orang",
                 "08.00-15.00", "Topi", "Menunggu tinjauan", "Setujui", "Tolak",
                 "Penawaran dikirim untuk ditinjau", 'alt="Pabrik tahu di Tinalan"',
                 f"/media/{photo.thumb_name}"):
        assert text in page, text
    assert "Sembunyikan</button>" not in page and "Tayangkan kembali" not in page

    moderation.approve(offering, moderator=people.tinalan)
    db.session.commit()
    page = web.client.get(f"/moderasi/penawaran/{offering.id}").get_data(as_text=True)
    assert "Sembunyikan</button>" in page and "Setujui</button>" not in page
    assert "Tolak</button>" not in page

    page = web.client.get(f"/moderasi/kampung/{kampung.id}").get_data(as_text=True)
    assert "Tahu sejak 1950" in page and "Tandai terverifikasi" in page
    assert "Belajar membuat tahu" in page and "sri@contoh.id" in page


def test_an_admin_of_another_kelurahan_gets_404_for_the_pages_and_the_actions(app, people):
    kampung = pending_kampung(people.owner)
    offering = pending_offering(kampung, people.owner)
    report = moderation.report(kampung, category="other", message="?")
    db.session.commit()
    before = audit_count()
    web = signed_in(app, people.bandar)
    for url in (f"/moderasi/kampung/{kampung.id}", f"/moderasi/penawaran/{offering.id}",
                f"/moderasi/laporan/{report.id}", "/moderasi/kampung/999999"):
        assert web.client.get(url).status_code == 404
    for url, data in ((f"/moderasi/kampung/{kampung.id}/setujui", {}),
                      (f"/moderasi/penawaran/{offering.id}/tolak", {"reason": "Tidak"}),
                      (f"/moderasi/kampung/{kampung.id}/verifikasi", {}),
                      (f"/moderasi/laporan/{report.id}/abaikan", {"note": "Tidak"})):
        assert web.post(url, data, form_url="/moderasi/").status_code == 404
    assert status_of(Kampung, kampung.id) == Status.PENDING
    assert status_of(Offering, offering.id) == Status.PENDING
    assert db.session.get(Kampung, kampung.id).verified_at is None
    assert status_of(Report, report.id) == ReportStatus.OPEN
    assert audit_count() == before


# --- decisions --------------------------------------------------------------------------------

def test_approving_by_post_publishes_and_extra_fields_change_nothing(app, people):
    kampung = pending_kampung(people.owner)
    kelurahan_id = kampung.kelurahan_id
    web = signed_in(app, people.tinalan)
    url = f"/moderasi/kampung/{kampung.id}"
    response = web.post(f"{url}/setujui", {"status": "hidden", "kelurahan_id": "1",
                                          "next": "https://contoh-jahat.example/"}, form_url=url)
    assert response.status_code == 302 and response.location == url
    kampung = db.session.get(Kampung, kampung.id)
    assert status_of(Kampung, kampung.id) == Status.PUBLISHED
    assert kampung.kelurahan_id == kelurahan_id
    page = web.client.get(url).get_data(as_text=True)
    assert "Kampung Tahu disetujui dan sekarang tayang." in page

    # Approving again is an illegal move: a message and 422, never a 500.
    response = web.post(f"{url}/setujui", form_url=url)
    assert response.status_code == 422
    assert "Tidak bisa menyetujui dari status Tayang." in response.get_data(as_text=True)


def test_rejecting_without_a_reason_is_422_with_a_message_and_changes_nothing(app, people):
    offering = pending_offering(pending_kampung(people.owner), people.owner)
    before = audit_count()
    web = signed_in(app, people.tinalan)
    url = f"/moderasi/penawaran/{offering.id}"
    for reason in ("", "   "):
        response = web.post(f"{url}/tolak", {"reason": reason}, form_url=url)
        assert response.status_code == 422
        assert "Alasan wajib diisi." in response.get_data(as_text=True)
    assert status_of(Offering, offering.id) == Status.PENDING
    assert audit_count() == before

    response = web.post(f"{url}/tolak", {"reason": "Foto buram, ganti ya."}, form_url=url)
    assert response.status_code == 302
    offering = db.session.get(Offering, offering.id)
    assert (status_of(Offering, offering.id), offering.status_reason) == (
        Status.REJECTED, "Foto buram, ganti ya.")


def test_hiding_needs_a_reason_and_restoring_publishes_again(app, people):
    kampung = pending_kampung(people.owner)
    moderation.approve(kampung, moderator=people.tinalan)
    db.session.commit()
    web = signed_in(app, people.city)
    url = f"/moderasi/kampung/{kampung.id}"
    response = web.post(f"{url}/sembunyikan", {"reason": ""}, form_url=url)
    assert response.status_code == 422 and "Alasan wajib diisi." in response.get_data(as_text=True)
    assert status_of(Kampung, kampung.id) == Status.PUBLISHED
    response = web.post(f"{url}/sembunyikan", {"reason": "Nomor palsu"}, form_url=url)
    assert response.status_code == 302
    assert status_of(Kampung, kampung.id) == Status.HIDDEN
    assert "Tayangkan kembali" in web.client.get(url).get_data(as_text=True)
    assert web.post(f"{url}/tayangkan-kembali", form_url=url).status_code == 302
    assert status_of(Kampung, kampung.id) == Status.PUBLISHED


def test_verifying_from_the_queue_returns_to_the_queue(app, people):
    kampung = pending_kampung(people.owner)
    moderation.approve(kampung, moderator=people.tinalan)
    db.session.commit()
    web = signed_in(app, people.tinalan)
    queue = web.client.get("/moderasi/").get_data(as_text=True)
    assert "Kampung tayang dan disembunyikan" in queue and "Tandai terverifikasi" in queue
    response = web.post(f"/moderasi/kampung/{kampung.id}/verifikasi", {"next": "/moderasi/"},
                        form_url="/moderasi/")
    assert response.status_code == 302 and response.location == "/moderasi/"
    db.session.expire_all()
    assert db.session.get(Kampung, kampung.id).verified_by_id == people.tinalan.id
    response = web.post(f"/moderasi/kampung/{kampung.id}/batalkan-verifikasi",
                        form_url="/moderasi/")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Kampung, kampung.id).verified_at is None


def test_the_review_page_shows_what_changed_since_approval(app, people):
    kampung = pending_kampung(people.owner)
    moderation.approve(kampung, moderator=people.tinalan)
    db.session.commit()
    kampung_service.update_kampung(kampung, actor=people.owner, tagline="Tahu kuning asli")
    db.session.commit()
    page = signed_in(app, people.tinalan).client.get(
        f"/moderasi/kampung/{kampung.id}").get_data(as_text=True)
    changes = page.split('id="perubahan"')[1].split("</section>")[0]
    assert "Slogan" in changes and "Tahu sejak 1950" in changes and "Tahu kuning asli" in changes
    assert "Alamat" not in changes
    assert "Profil kampung diubah" in page  # the history


# --- reports ----------------------------------------------------------------------------------

def test_a_report_is_resolved_or_dismissed_with_a_note(app, people):
    kampung = pending_kampung(people.owner)
    offering = pending_offering(kampung, people.owner)
    moderation.approve(kampung, moderator=people.tinalan)
    moderation.approve(offering, moderator=people.tinalan)
    first = moderation.report(offering, category="wrong_info", message="Harganya sudah naik",
                              reporter=people.visitor)
    second = moderation.report(kampung, category="other", message="Iseng")
    db.session.commit()
    web = signed_in(app, people.tinalan)
    url = f"/moderasi/laporan/{first.id}"

    page = web.client.get(url).get_data(as_text=True)
    for text in ("Informasi salah", "Harganya sudah naik", "Tamu", "Belajar membuat tahu",
                 f"/moderasi/penawaran/{offering.id}#tindakan", "Tandai selesai", "Abaikan"):
        assert text in page, text

    response = web.post(f"{url}/selesai", {"note": ""}, form_url=url)
    assert response.status_code == 422 and "Catatan wajib diisi." in response.get_data(as_text=True)
    assert status_of(Report, first.id) == ReportStatus.OPEN

    assert web.post(f"{url}/selesai", {"note": "Harga sudah diperbarui"},
                    form_url=url).status_code == 302
    assert web.post(f"/moderasi/laporan/{second.id}/abaikan", {"note": "Bukan masalah"},
                    form_url=url).status_code == 302
    assert status_of(Report, first.id) == ReportStatus.RESOLVED
    assert status_of(Report, second.id) == ReportStatus.DISMISSED
    assert db.session.get(Report, first.id).resolution_note == "Harga sudah diperbarui"
    # A closed report cannot be closed again; the page says so.
    response = web.post(f"{url}/abaikan", {"note": "lagi"}, form_url="/moderasi/")
    assert response.status_code == 422
    assert "Laporan ini sudah ditutup." in response.get_data(as_text=True)

"""Public kampung and offering pages, "Laporkan", media, the home and kelurahan listings."""
import io
from urllib.parse import unquote

import pytest
from PIL import Image

from keren.models import Report, ReportStatus, Role
from keren.services import photos
from tests.conftest import BANDAR_KIDUL, TINALAN


def count(model):
    from keren.extensions import db
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_published_kampung_page_shows_profile_whatsapp_and_map(client, make_kampung,
                                                               make_offering):
    kampung = make_kampung(name="Kampung Tahu Uji")
    make_offering(kampung, title="Belajar Membuat Tahu", pillar="edukasi")
    make_offering(kampung, title="Tahu Belum Tayang", status="pending")
    html = client.get(f"/kampung/{kampung.slug}").get_data(as_text=True)
    assert "Kampung Tahu Uji" in html
    assert "Belajar Membuat Tahu" in html
    assert "Tahu Belum Tayang" not in html
    # The button goes through our counting redirect to wa.me with a greeting.
    assert f'href="/wa/kampung/{kampung.id}"' in html
    target = client.get(f"/wa/kampung/{kampung.id}").headers["Location"]
    assert target.startswith("https://wa.me/6281234567890?text=")
    assert "Kampung Tahu Uji" in unquote(target)
    assert "openstreetmap.org/?mlat=" in html
    assert "Laporkan profil ini" in html


@pytest.mark.parametrize("status", ["draft", "pending", "rejected", "hidden"])
def test_unpublished_kampung_is_404_for_the_public_and_other_admins(
        status, client, web, make_kampung, make_user):
    kampung = make_kampung(status=status)
    assert client.get(f"/kampung/{kampung.slug}").status_code == 404
    make_user(email="admin.bk@contoh.id", role=Role.KELURAHAN_ADMIN, kelurahan="Bandar Kidul")
    web.login("admin.bk@contoh.id")
    assert client.get(f"/kampung/{kampung.slug}").status_code == 404


def test_unpublished_kampung_is_a_preview_for_its_manager_and_its_kelurahan_admin(
        client, web, make_kampung, make_user):
    owner = make_user(email="pemilik@contoh.id")
    kampung = make_kampung(owner=owner, status="pending")
    web.login("pemilik@contoh.id")
    html = client.get(f"/kampung/{kampung.slug}").get_data(as_text=True)
    assert "Pratinjau" in html
    client.post("/akun/keluar", data={"csrf_token": web.token("/")})
    make_user(email="admin.tinalan@contoh.id", role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan")
    web.login("admin.tinalan@contoh.id")
    assert client.get(f"/kampung/{kampung.slug}").status_code == 200


def test_offering_page_shows_price_details_and_kampung(client, make_kampung, make_offering):
    kampung = make_kampung(name="Kampung Tenun Uji")
    offering = make_offering(kampung, pillar="edukasi", title="Kelas Menenun",
                             price_idr=50000, topic="Tenun ikat", audiences=["smp", "umum"],
                             min_group=5, max_group=25, duration_minutes=120)
    response = client.get(f"/kampung/{kampung.slug}/{offering.slug}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rp50.000" in html and "per orang" in html
    assert "120 menit" in html and "Tenun ikat" in html and "SMP" in html
    assert "5–25" in html
    assert f'href="/kampung/{kampung.slug}"' in html
    assert f'href="/wa/penawaran/{offering.id}"' in html
    target = client.get(f"/wa/penawaran/{offering.id}").headers["Location"]
    assert target.startswith("https://wa.me/") and "Kelas Menenun" in unquote(target)


def test_free_offering_is_shown_as_gratis(client, make_kampung, make_offering):
    kampung = make_kampung()
    offering = make_offering(kampung, price_idr=None)
    assert "Gratis" in client.get(f"/kampung/{kampung.slug}/{offering.slug}").get_data(as_text=True)


@pytest.mark.parametrize("status", ["draft", "pending", "rejected", "hidden", "archived"])
def test_unpublished_offering_is_404_for_the_public(status, client, make_kampung, make_offering):
    kampung = make_kampung()
    offering = make_offering(kampung, status=status)
    assert client.get(f"/kampung/{kampung.slug}/{offering.slug}").status_code == 404


def test_offering_of_a_hidden_kampung_is_404(client, make_kampung, make_offering, make_user):
    from keren.extensions import db
    from keren.services import moderation
    kampung = make_kampung()
    offering = make_offering(kampung)
    admin = make_user(role=Role.CITY_ADMIN)
    moderation.hide(kampung, moderator=admin, reason="Diperiksa")
    db.session.commit()
    assert client.get(f"/kampung/{kampung.slug}/{offering.slug}").status_code == 404


def test_visitor_report_lands_in_the_kelurahan_queue(client, web, make_kampung, make_offering):
    kampung = make_kampung(kelurahan=TINALAN)
    offering = make_offering(kampung)
    url = f"/lapor/penawaran/{offering.id}"
    response = web.post(url, {"category": "fraud", "message": "Nomor ini minta transfer dulu."})
    assert response.status_code == 302
    report = Report.query.one()
    assert report.offering_id == offering.id and report.kelurahan_id == kampung.kelurahan_id
    assert report.status == ReportStatus.OPEN and report.category == "fraud"


def test_report_without_category_is_refused_with_a_message(client, web, make_kampung):
    kampung = make_kampung()
    response = web.post(f"/lapor/kampung/{kampung.id}", {"message": "?"})
    assert response.status_code == 422
    assert "Pilih jenis laporan." in response.get_data(as_text=True)
    assert count(Report) == 0


def test_report_without_csrf_token_changes_nothing(client, make_kampung):
    kampung = make_kampung()
    response = client.post(f"/lapor/kampung/{kampung.id}", data={"category": "fraud"})
    assert response.status_code == 400
    assert count(Report) == 0


def test_unpublished_items_cannot_be_reported(client, make_kampung):
    kampung = make_kampung(status="pending")
    assert client.get(f"/lapor/kampung/{kampung.id}").status_code == 404
    assert client.get("/lapor/kampung/999999").status_code == 404


def test_media_serves_photos_with_long_caching_and_refuses_other_names(app, client, make_kampung):
    kampung = make_kampung()
    image = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 100, 50)).save(image, "JPEG")
    photo = photos.add_photo(kampung, actor=kampung.members[0].user, data=image.getvalue(),
                             alt_text="Gang kampung", upload_dir=app.config["UPLOAD_DIR"],
                             limits=photos.Limits(app.config))
    from keren.extensions import db
    db.session.commit()
    with client.get(f"/media/{photo.thumb_name}") as response:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert "immutable" in response.headers["Cache-Control"]
    for name in ("../keren.sqlite", "x.jpg", f"{photo.stem}-original.jpg"):
        assert client.get(f"/media/{name}").status_code == 404
    html = client.get(f"/kampung/{kampung.slug}").get_data(as_text=True)
    assert photo.display_name in html and 'alt="Gang kampung"' in html


def test_home_shows_recent_offerings_by_pillar_and_active_kelurahan(client, make_kampung,
                                                                   make_offering):
    kampung = make_kampung(kelurahan=BANDAR_KIDUL)
    make_offering(kampung, pillar="dagang", title="Kain Tenun Uji")
    make_offering(kampung, pillar="wisata", title="Draf Tersembunyi", status="draft")
    html = client.get("/").get_data(as_text=True)
    assert "Terbaru: Dagang" in html and "Kain Tenun Uji" in html
    assert "Terbaru: Edukasi" not in html
    assert "Draf Tersembunyi" not in html
    assert "Kelurahan yang punya Kampung KEREN" in html
    section = html.split("Kelurahan yang punya Kampung KEREN")[1].split("</section>")[0]
    assert "Bandar Kidul" in section and "Tinalan" not in section


def test_kelurahan_page_lists_its_published_kampung_and_offerings(client, make_kampung,
                                                                  make_offering):
    published = make_kampung(kelurahan=TINALAN, name="Kampung Tayang")
    make_kampung(kelurahan=TINALAN, name="Kampung Draf", status="draft")
    make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Tetangga")
    make_offering(published, title="Penawaran Tinalan")
    html = client.get("/kelurahan/tinalan").get_data(as_text=True)
    assert "<title>Kelurahan Tinalan · Kampung KEREN</title>" in html
    assert "Kampung Tayang" in html and "Penawaran Tinalan" in html
    assert "Kampung Draf" not in html and "Kampung Tetangga" not in html

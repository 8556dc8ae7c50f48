"""The residents' pages over HTTP, with CSRF on: forms, authorization and error pages."""
import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from keren.extensions import db
from keren.models import (AuditEntry, Kampung, KampungMember, Notification, Offering, Photo,
                          Pillar, Role, Status, User)
from keren.services import kampung as kampung_service, moderation, offerings, places
from tests.conftest import CsrfClient

TINALAN = "35.71.03.1008"
BANDAR_KIDUL = "35.71.01.1002"
PROFILE = {"name": "Kampung Tahu Tinalan", "tagline": "Tahu takwa dari dapur warga",
           "story": "Sejak 1960-an warga Tinalan membuat tahu kuning khas Kediri.",
           "address": "Jl. Tinalan Gg. 2", "whatsapp": "0812-3456-7890"}
NEW_KAMPUNG = {"kelurahan": TINALAN, "name": "Kampung Tahu Tinalan",
               "tagline": "Tahu takwa dari dapur warga", "story": "Cerita kampung tahu.",
               "address": "Jl. Tinalan Gg. 2", "latitude": "-7,8166", "longitude": "112.0115",
               "whatsapp": "0812-3456-7890"}
WISATA = {"title": "Belajar membuat tahu", "summary": "Dua jam di dapur tahu.",
          "description": "Menggiling kedelai sampai menggoreng.", "price_idr": "Rp25.000",
          "price_unit": "orang", "tags": "tahu, kuliner", "duration_minutes": "120",
          "opening_hours": "08.00-15.00", "what_to_bring": "Celemek"}


def text_of(response):
    return response.get_data(as_text=True)


def fresh(model, ident):
    """The row as the requests left it (they committed in their own sessions)."""
    db.session.rollback()
    return db.session.get(model, ident)


def count(model):
    db.session.rollback()
    return first(select(func.count()).select_from(model))


def first(query):
    """The first row of `query` as the requests left it."""
    db.session.rollback()
    return db.session.scalar(query)


def jpeg(size=(640, 480)):
    out = io.BytesIO()
    Image.new("RGB", size, (180, 120, 60)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def resident(make_user, web):
    user = make_user(name="Sri Wahyuni", email="sri@contoh.id")
    web.login("sri@contoh.id")
    return user


@pytest.fixture
def make_kampung(app, resident):
    """A committed draft kampung in Tinalan owned by the signed-in resident."""
    def make(owner=None, **overrides):
        with app.test_request_context():
            kampung = kampung_service.create_kampung(
                places.kelurahan_by_code(TINALAN), actor=owner or resident,
                **{**PROFILE, **overrides})
            ident = kampung.id
            db.session.commit()
            return ident
    return make


@pytest.fixture
def make_offering(app, resident):
    def make(kampung_id, **overrides):
        with app.test_request_context():
            kampung = db.session.get(Kampung, kampung_id)
            values = {"title": "Belajar membuat tahu", "summary": "Dua jam di dapur tahu.",
                      "description": "Menggiling kedelai sampai menggoreng.", "price_idr": 25000,
                      "price_unit": "orang", "tags": "tahu", "duration_minutes": 120}
            offering = offerings.create_offering(kampung, actor=resident, pillar="wisata",
                                                 **{**values, **overrides})
            ident = offering.id
            db.session.commit()
            return ident
    return make


@pytest.fixture
def other_web(app):
    """A second browser, for another person."""
    return CsrfClient(app.test_client())


# --- dashboard and creating a kampung ---------------------------------------------------------

def test_visitors_who_are_not_signed_in_are_sent_to_the_login_page(client):
    for url in ("/kelola/", "/kelola/kampung/baru", "/kelola/kampung/1"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/akun/masuk?next=")


def test_a_resident_creates_a_kampung_through_the_form(web, resident):
    page = text_of(web.client.get("/kelola/kampung/baru"))
    assert page.count("<optgroup") == 3
    assert len(re.findall(r'<option value="35\.71\.\d\d\.\d{4}"', page)) == 46
    assert '<option value="">' in page and 'for="kelurahan"' in page

    response = web.post("/kelola/kampung/baru", NEW_KAMPUNG)
    assert response.status_code == 302
    kampung = first(select(Kampung))
    assert response.headers["Location"] == f"/kelola/kampung/{kampung.id}"
    assert kampung.kelurahan.code == TINALAN and kampung.status == Status.DRAFT
    assert (kampung.latitude, kampung.longitude) == (-7.8166, 112.0115)
    assert kampung.whatsapp == "+6281234567890"
    assert [(m.user_id, m.role.value) for m in kampung.members] == [(resident.id, "owner")]

    page = text_of(web.client.get(response.headers["Location"]))
    assert "Kampung Tahu Tinalan" in page and "Draf" in page and "Kirim untuk ditinjau" in page
    dashboard = text_of(web.client.get("/kelola/"))
    assert "Kampung Tahu Tinalan" in dashboard and "Buat profil kampung" in dashboard


def test_the_kampung_form_explains_each_mistake_with_422(web, resident):
    response = web.post("/kelola/kampung/baru", {
        **NEW_KAMPUNG, "kelurahan": "", "name": "x" * 121, "whatsapp": "12345",
        "latitude": "utara", "longitude": "112"})
    page = text_of(response)
    assert response.status_code == 422
    for message in ("Pilih kelurahan.", "Maksimal 120 karakter.",
                    "Tulis koordinat sebagai angka desimal"):
        assert message in page
    assert 'value="utara"' in page  # what was typed comes back to be corrected

    response = web.post("/kelola/kampung/baru", {**NEW_KAMPUNG, "kelurahan": "99.99.99.9999"},
                        form_url="/kelola/kampung/baru")
    assert response.status_code == 422 and "Pilih salah satu dari pilihan yang ada." in text_of(response)

    # Only the service knows a real WhatsApp number and the city's bounds.
    response = web.post("/kelola/kampung/baru", {**NEW_KAMPUNG, "whatsapp": "12345"})
    assert response.status_code == 422 and "Nomor WhatsApp tidak valid" in text_of(response)
    response = web.post("/kelola/kampung/baru", {**NEW_KAMPUNG, "latitude": "-6.2",
                                                 "longitude": "106.8"})
    assert response.status_code == 422 and "Titik peta harus berada di Kota Kediri." in text_of(response)
    assert count(Kampung) == 0


def test_extra_form_fields_change_nothing(web, resident, make_user, make_kampung):
    other = make_user(email="orang@contoh.id")
    bandar_kidul = places.kelurahan_by_code(BANDAR_KIDUL)
    extras = {"status": "published", "kelurahan_id": str(bandar_kidul.id), "owner_id": str(other.id),
              "user_id": str(other.id), "role": "city_admin", "verified_at": "2026-01-01",
              "is_demo": "y", "slug": "dibajak", "kampung_id": "999"}
    response = web.post("/kelola/kampung/baru", {**NEW_KAMPUNG, **extras})
    assert response.status_code == 302
    kampung_id = int(response.headers["Location"].rsplit("/", 1)[1])

    edit_url = f"/kelola/kampung/{kampung_id}/ubah"
    assert web.post(edit_url, {**NEW_KAMPUNG, **extras, "kelurahan": BANDAR_KIDUL,
                               "name": "Nama Baru"}).status_code == 302
    offer_url = f"/kelola/kampung/{kampung_id}/penawaran/baru?pilar=wisata"
    assert web.post(offer_url, {**WISATA, **extras, "pillar": "dagang"}).status_code == 302

    kampung = fresh(Kampung, kampung_id)
    assert kampung.name == "Nama Baru" and kampung.slug == "kampung-tahu-tinalan"
    assert kampung.kelurahan.code == TINALAN and kampung.status == Status.DRAFT
    assert kampung.verified_at is None and not kampung.is_demo
    assert [(m.user_id, m.role.value) for m in kampung.members] == [(resident.id, "owner")]
    offering = first(select(Offering))
    assert (offering.kampung_id, offering.pillar, offering.status) == \
        (kampung_id, Pillar.WISATA, Status.DRAFT)
    assert fresh(User, resident.id).role == Role.VISITOR
    assert fresh(User, other.id).role == Role.VISITOR


# --- who may do what --------------------------------------------------------------------------

def test_anyone_but_its_managers_gets_404_and_changes_nothing(
        app, web, other_web, resident, make_user, make_kampung, make_offering):
    kampung_id = make_kampung()
    offering_id = make_offering(kampung_id)
    web.post(f"/kelola/kampung/{kampung_id}/foto",
             {"photo": (io.BytesIO(jpeg()), "a.jpg"), "alt_text": "Dapur tahu"},
             form_url=f"/kelola/kampung/{kampung_id}")
    photo_id = first(select(Photo.id))
    stranger = make_user(email="orang@contoh.id")
    make_user(email="kota@contoh.id", role=Role.CITY_ADMIN)
    make_user(email="admin@contoh.id", role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan")
    audit_before = count(AuditEntry)

    gets = [f"/kelola/kampung/{kampung_id}", f"/kelola/kampung/{kampung_id}/ubah",
            f"/kelola/kampung/{kampung_id}/penawaran/baru",
            f"/kelola/kampung/{kampung_id}/penawaran/baru?pilar=wisata",
            f"/kelola/penawaran/{offering_id}", f"/kelola/penawaran/{offering_id}/ubah"]
    posts = [(f"/kelola/kampung/{kampung_id}/ubah", {**NEW_KAMPUNG, "name": "Dibajak"}),
             (f"/kelola/kampung/{kampung_id}/kirim", {}),
             (f"/kelola/kampung/{kampung_id}/pengelola", {"email": "orang@contoh.id"}),
             (f"/kelola/kampung/{kampung_id}/pengelola/{resident.id}/hapus", {}),
             (f"/kelola/kampung/{kampung_id}/foto", {"alt_text": "x"}),
             (f"/kelola/kampung/{kampung_id}/penawaran/baru?pilar=wisata", WISATA),
             (f"/kelola/penawaran/{offering_id}/ubah", {**WISATA, "title": "Dibajak"}),
             (f"/kelola/penawaran/{offering_id}/kirim", {}),
             (f"/kelola/penawaran/{offering_id}/arsipkan", {}),
             (f"/kelola/penawaran/{offering_id}/pulihkan", {}),
             (f"/kelola/penawaran/{offering_id}/foto", {"alt_text": "x"}),
             (f"/kelola/foto/{photo_id}/sampul", {}),
             (f"/kelola/foto/{photo_id}/hapus", {})]
    for email in ("orang@contoh.id", "kota@contoh.id", "admin@contoh.id"):
        other_web.login(email)
        for url in gets:
            assert other_web.client.get(url).status_code == 404, (email, url)
        for url, data in posts:
            response = other_web.post(url, data, form_url="/kelola/kampung/baru")
            assert response.status_code == 404, (email, url)
        other_web.client.post("/akun/keluar", data={"csrf_token": other_web.token("/kelola/")})

    kampung, offering = fresh(Kampung, kampung_id), fresh(Offering, offering_id)
    assert (kampung.name, kampung.status) == (PROFILE["name"], Status.DRAFT)
    assert (offering.title, offering.status) == ("Belajar membuat tahu", Status.DRAFT)
    assert count(Photo) == 1 and count(KampungMember) == 1 and count(Offering) == 1
    assert count(AuditEntry) == audit_before
    assert kampung_service.managed_by(stranger) == []


def test_a_co_manager_edits_but_gets_403_on_managing_managers(
        app, web, other_web, resident, make_user, make_kampung):
    kampung_id = make_kampung()
    make_user(email="budi@contoh.id")
    response = web.post(f"/kelola/kampung/{kampung_id}/pengelola", {"email": "BUDI@contoh.id"},
                        form_url=f"/kelola/kampung/{kampung_id}")
    assert response.status_code == 302
    other_web.login("budi@contoh.id")
    page = text_of(other_web.client.get(f"/kelola/kampung/{kampung_id}"))
    assert "Sri Wahyuni" in page and "Tambah pengelola" not in page
    assert "Anda sekarang ikut mengelola Kampung Tahu Tinalan." in text_of(other_web.client.get("/kelola/"))

    url = f"/kelola/kampung/{kampung_id}"
    assert other_web.post(f"{url}/pengelola", {"email": "sri@contoh.id"}).status_code == 403
    assert other_web.post(f"{url}/pengelola/{resident.id}/hapus", {},
                          form_url=url).status_code == 403
    assert other_web.post(f"{url}/ubah", {**NEW_KAMPUNG, "name": "Diubah Budi"}).status_code == 302
    assert fresh(Kampung, kampung_id).name == "Diubah Budi" and count(KampungMember) == 2


def test_the_owner_adds_and_removes_co_managers_and_hears_about_mistakes(
        web, resident, make_user, make_kampung):
    kampung_id = make_kampung()
    url = f"/kelola/kampung/{kampung_id}"
    response = web.post(f"{url}/pengelola", {"email": "belum@contoh.id"}, form_url=url)
    assert response.status_code == 422 and "Belum ada akun dengan e-mail itu." in text_of(response)
    response = web.post(f"{url}/pengelola", {"email": "bukan-email"}, form_url=url)
    assert response.status_code == 422 and "Alamat e-mail tidak valid." in text_of(response)

    budi = make_user(name="Budi Santoso", email="budi@contoh.id")
    assert web.post(f"{url}/pengelola", {"email": "budi@contoh.id"}, form_url=url).status_code == 302
    assert "Budi Santoso" in text_of(web.client.get(url))
    response = web.post(f"{url}/pengelola/{resident.id}/hapus", {}, form_url=url)
    assert "Pemilik kampung tidak bisa dihapus." in text_of(web.client.get(response.headers["Location"]))
    assert web.post(f"{url}/pengelola/{budi.id}/hapus", {}, form_url=url).status_code == 302
    assert [m.user_id for m in fresh(Kampung, kampung_id).members] == [resident.id]


# --- status -----------------------------------------------------------------------------------

def test_submitting_moves_the_kampung_to_pending(web, resident, make_kampung):
    kampung_id = make_kampung()
    url = f"/kelola/kampung/{kampung_id}"
    response = web.post(f"{url}/kirim", form_url=url)
    assert response.status_code == 302 and response.headers["Location"] == url
    assert fresh(Kampung, kampung_id).status == Status.PENDING
    page = text_of(web.client.get(url))
    assert "Profil dikirim." in page and "Menunggu tinjauan" in page
    assert "Kirim untuk ditinjau" not in page
    # A second submit (e.g. an old tab) is refused with a message, not an error page.
    response = web.post(f"{url}/kirim", form_url=f"{url}/ubah")
    assert response.status_code == 302
    assert "Tidak bisa mengirim untuk ditinjau" in text_of(web.client.get(url))


def test_an_incomplete_kampung_is_not_submitted_and_the_page_says_why(web, resident, make_kampung):
    kampung_id = make_kampung(story="")
    url = f"/kelola/kampung/{kampung_id}"
    web.post(f"{url}/kirim", form_url=url)
    assert fresh(Kampung, kampung_id).status == Status.DRAFT
    assert "Lengkapi slogan dan cerita kampung sebelum dikirim." in text_of(web.client.get(url))


def test_a_rejection_shows_its_reason_and_the_kampung_can_be_resubmitted(
        app, web, resident, make_user, make_kampung, make_offering):
    kampung_id = make_kampung()
    make_offering(kampung_id, title="Kelas tahu")
    admin = make_user(role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan")
    with app.test_request_context():
        kampung = db.session.get(Kampung, kampung_id)
        kampung_service.submit_kampung(kampung, actor=resident)
        moderation.reject(kampung, moderator=admin, reason="Tambahkan foto kampung.")
        db.session.commit()

    dashboard = text_of(web.client.get("/kelola/"))
    assert "Ditolak" in dashboard and "Tambahkan foto kampung." in dashboard
    assert "Profil Kampung Tahu Tinalan ditolak." in dashboard and "Baru" in dashboard
    assert "Kelas tahu" in dashboard and "Draf" in dashboard
    assert fresh(Notification, 1).read_at is not None  # shown once as new, then read
    assert "Baru" not in text_of(web.client.get("/kelola/"))

    url = f"/kelola/kampung/{kampung_id}"
    assert "Tambahkan foto kampung." in text_of(web.client.get(url))
    web.post(f"{url}/kirim", form_url=url)
    kampung = fresh(Kampung, kampung_id)
    assert kampung.status == Status.PENDING and kampung.status_reason is None

    offering = kampung.offerings[0]
    offering_url = f"/kelola/penawaran/{offering.id}"
    web.post(f"{offering_url}/kirim", form_url=offering_url)
    with app.test_request_context():
        moderation.approve(fresh(Kampung, kampung_id), moderator=admin)
        moderation.approve(db.session.get(Offering, offering.id), moderator=admin)
        db.session.commit()
    page = text_of(web.client.get(url))
    assert "Tayang" in page and 'href="/kampung/kampung-tahu-tinalan"' in page
    assert "Kirim untuk ditinjau" not in page
    page = text_of(web.client.get(offering_url))
    assert "Lihat halaman publik" in page and "Arsipkan" in page


# --- offerings --------------------------------------------------------------------------------

def test_the_pillar_is_chosen_first_and_decides_the_fields(web, resident, make_kampung):
    kampung_id = make_kampung()
    url = f"/kelola/kampung/{kampung_id}/penawaran/baru"
    page = text_of(web.client.get(url))
    for pillar in ("wisata", "dagang", "edukasi"):
        assert f"{url}?pilar={pillar}" in page
    assert 'name="title"' not in page
    assert text_of(web.client.get(f"{url}?pilar=lainnya")).count("?pilar=") == 3

    dagang = text_of(web.client.get(f"{url}?pilar=dagang"))
    assert 'type="radio"' in dagang and 'name="min_order"' in dagang and 'name="topic"' not in dagang
    edukasi = text_of(web.client.get(f"{url}?pilar=edukasi"))
    assert edukasi.count('name="audiences" type="checkbox"') == 5 and "<legend>Sasaran peserta" in edukasi

    response = web.post(f"{url}?pilar=edukasi", {
        "title": "Kelas membuat tahu", "price_idr": "", "price_unit": "orang",
        "topic": "Fermentasi kedelai", "audiences": ["smp", "umum"], "min_group": "5",
        "max_group": "30", "duration_minutes": "90"})
    assert response.status_code == 302
    offering = first(select(Offering))
    assert (offering.pillar, offering.price_idr, offering.audiences) == \
        (Pillar.EDUKASI, None, ["smp", "umum"])
    assert (offering.min_group, offering.max_group, offering.duration_minutes) == (5, 30, 90)
    page = text_of(web.client.get(response.headers["Location"]))
    assert "Gratis" in page and "SMP, Umum" in page

    response = web.post(f"{url}?pilar=dagang", {
        "title": "Tahu takwa", "price_idr": "Rp 15.000,-", "price_unit": "pcs",
        "stock_mode": "preorder", "min_order": "10"})
    assert response.status_code == 302
    tahu = fresh(Offering, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (tahu.price_idr, tahu.stock_mode, tahu.min_order) == (15000, "preorder", 10)


def test_prices_people_type_are_read_as_whole_rupiah(web, resident, make_kampung, make_offering):
    offering_id = make_offering(make_kampung())
    url = f"/kelola/penawaran/{offering_id}/ubah"
    assert 'value="25.000"' in text_of(web.client.get(url))
    for typed, price in [("15000", 15000), ("15.000", 15000), ("Rp15.000", 15000),
                         ("rp 1.250.000", 1250000), ("15.000,00", 15000), ("0", None), ("", None)]:
        assert web.post(url, {**WISATA, "price_idr": typed}).status_code == 302, typed
        assert fresh(Offering, offering_id).price_idr == price, typed


def test_a_price_that_is_not_a_number_gets_a_message_and_422(web, resident, make_kampung):
    kampung_id = make_kampung()
    url = f"/kelola/kampung/{kampung_id}/penawaran/baru?pilar=wisata"
    for typed in ("lima belas ribu", "15.5", "-5000", "Rp15,5"):
        response = web.post(url, {**WISATA, "price_idr": typed})
        page = text_of(response)
        assert response.status_code == 422, typed
        assert "Tulis harga dalam rupiah tanpa sen, misalnya 15000 atau Rp15.000." in page
        assert f'value="{typed}"' in page
    response = web.post(url, {**WISATA, "price_idr": "2.000.000.000"})
    assert response.status_code == 422 and "Harga harus antara" in text_of(response)
    response = web.post(url, {**WISATA, "duration_minutes": "dua jam", "title": "",
                              "summary": "x" * 301, "price_unit": "ton"})
    page = text_of(response)
    assert response.status_code == 422
    for message in ("Isi dengan angka bulat, misalnya 60.", "Judul wajib diisi.",
                    "Maksimal 300 karakter.", "Pilih salah satu dari pilihan yang ada."):
        assert message in page
    assert count(Offering) == 0


def test_an_offering_is_submitted_archived_and_restored_from_its_page(
        web, resident, make_kampung, make_offering):
    offering_id = make_offering(make_kampung())
    url = f"/kelola/penawaran/{offering_id}"
    page = text_of(web.client.get(url))
    assert "Kirim untuk ditinjau" in page and "Arsipkan" in page and "Rp25.000" in page
    for action, status in [("kirim", Status.PENDING), ("arsipkan", Status.ARCHIVED),
                           ("pulihkan", Status.DRAFT)]:
        response = web.post(f"{url}/{action}", form_url=url)
        assert response.status_code == 302 and response.headers["Location"] == url
        assert fresh(Offering, offering_id).status == status
    response = web.post(f"{url}/pulihkan", form_url=url)  # already a draft
    assert "Tidak bisa memulihkan dari arsip" in text_of(web.client.get(url))


# --- photos -----------------------------------------------------------------------------------

def test_photos_are_uploaded_with_alt_text_and_bad_files_get_a_message(
        app, web, resident, make_kampung, make_offering):
    kampung_id = make_kampung()
    url = f"/kelola/kampung/{kampung_id}"
    response = web.post(f"{url}/foto", {"photo": (io.BytesIO(jpeg()), "dapur.jpg"),
                                        "alt_text": "Warga menggoreng tahu"}, form_url=url)
    assert response.status_code == 302
    photo = first(select(Photo))
    page = text_of(web.client.get(url))
    assert f'src="/media/{photo.thumb_name}" alt="Warga menggoreng tahu"' in page
    with web.client.get(f"/media/{photo.thumb_name}") as media:
        assert media.status_code == 200 and media.mimetype == "image/jpeg"

    cases = [({"photo": (io.BytesIO(b"bukan foto\n" * 50), "foto.jpg"), "alt_text": "Teks"},
              "Berkas ini bukan foto JPEG, PNG atau WebP yang bisa dibaca."),
             ({"photo": (io.BytesIO(jpeg()), "dapur.jpg"), "alt_text": " "},
              "Tulis keterangan foto untuk pembaca layar."),
             ({"alt_text": "Tanpa berkas"}, "Pilih foto yang akan diunggah.")]
    for data, message in cases:
        response = web.post(f"{url}/foto", data, form_url=url)
        assert response.status_code == 422 and message in text_of(response), message

    offering_url = f"/kelola/penawaran/{make_offering(kampung_id)}"
    for alt in ("Tahu goreng", "Tahu kuning"):
        web.post(f"{offering_url}/foto", {"photo": (io.BytesIO(jpeg()), "t.jpg"), "alt_text": alt},
                 form_url=offering_url)
    second = first(select(Photo).where(Photo.alt_text == "Tahu kuning"))
    response = web.post(f"/kelola/foto/{second.id}/sampul", form_url=offering_url)
    assert response.headers["Location"] == f"{offering_url}#galeri"
    db.session.rollback()
    assert [p.alt_text for p in second.offering.photos] == ["Tahu kuning", "Tahu goreng"]
    assert web.post(f"/kelola/foto/{photo.id}/hapus", form_url=url).status_code == 302
    assert count(Photo) == 2 and "Belum ada foto." in text_of(web.client.get(url))


def test_an_upload_over_the_request_limit_is_a_413_page(app, web, resident, make_kampung):
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    url = f"/kelola/kampung/{make_kampung()}"
    response = web.post(f"{url}/foto", {"photo": (io.BytesIO(b"\0" * 200_000), "besar.jpg"),
                                        "alt_text": "Besar"}, form_url=url)
    assert response.status_code == 413 and "Berkas terlalu besar" in text_of(response)
    assert count(Photo) == 0


def test_odd_urls_and_posts_without_a_csrf_token_change_nothing(web, resident, make_kampung):
    kampung_id = make_kampung()
    for url in ("/kelola/kampung/99999999999999999999", "/kelola/penawaran/2147483648/ubah",
                "/kelola/kampung/0", "/kelola/penawaran/abc"):
        assert web.client.get(url).status_code == 404, url
    response = web.post("/kelola/foto/99999999999999999999/hapus", form_url="/kelola/")
    assert response.status_code == 404
    response = web.post(f"/kelola/kampung/{kampung_id}/penawaran/baru?pilar=lainnya", WISATA,
                        form_url="/kelola/")
    assert response.status_code == 400

    for url, data in [(f"/kelola/kampung/{kampung_id}/kirim", {}),
                      (f"/kelola/kampung/{kampung_id}/ubah", {**NEW_KAMPUNG, "name": "Tanpa token"}),
                      ("/kelola/kampung/baru", NEW_KAMPUNG)]:
        response = web.client.post(url, data=data)
        assert response.status_code == 400 and "Formulir kedaluwarsa" in text_of(response)
    kampung = fresh(Kampung, kampung_id)
    assert (kampung.status, kampung.name) == (Status.DRAFT, PROFILE["name"])
    assert count(Kampung) == 1

"""GET /api/v1/kelurahan, /kampung and /offerings: what they show (published only, nothing
personal), their filters and pages, caching with ETags, and 400 for bad parameters."""
import json

import pytest

from keren.services import kampung as kampung_service
from tests.conftest import BANDAR_KIDUL, TINALAN

ENVELOPE = {"total", "page", "per_page", "pages", "results", "links"}
OWNER_EMAIL = "pemilik.rahasia@contoh.id"
OWNER_PHONE = "0813-9876-5432"
KAMPUNG_WHATSAPP = "0812-3456-7890"


def api(client, path, **params):
    response = client.get(f"/api/v1/{path}", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == ENVELOPE
    return body


def refused(client, path, **params):
    response = client.get(f"/api/v1/{path}", query_string=params)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()["error"]


@pytest.fixture
def world(make_user, make_kampung, make_offering):
    """Published and unpublished kampung and offerings in Tinalan (Pesantren) and Bandar Kidul
    (Mojoroto); the owner of all of them has an e-mail address and a phone number."""
    owner = make_user(name="Pemilik Rahasia", email=OWNER_EMAIL, phone=OWNER_PHONE)
    tahu = make_kampung(owner=owner, kelurahan=TINALAN, name="Kampung Tahu",
                        whatsapp=KAMPUNG_WHATSAPP, latitude=-7.8301, longitude=112.0312)
    tenun = make_kampung(owner=owner, kelurahan=BANDAR_KIDUL, name="Kampung Tenun")
    hidden = make_kampung(owner=owner, kelurahan=TINALAN, name="Kampung Disembunyikan",
                          status="hidden")
    items = {
        "tur": make_offering(tahu, pillar="wisata", title="Tur Pabrik Tahu", price_idr=20000),
        "takwa": make_offering(tahu, pillar="dagang", title="Tahu Takwa", price_idr=None),
        "kelas": make_offering(tenun, pillar="edukasi", title="Kelas Menenun", price_idr=75000),
        "kain": make_offering(tenun, pillar="dagang", title="Kain Tenun", price_idr=185000,
                              price_unit="lembar"),
    }
    unpublished = {
        "draft": make_offering(tenun, title="Penawaran Draf", status="draft"),
        "pending": make_offering(tenun, title="Penawaran Menunggu", status="pending"),
        "hidden": make_offering(tenun, title="Penawaran Disembunyikan", status="hidden"),
        "rejected": make_offering(tenun, title="Penawaran Ditolak", status="rejected"),
        "archived": make_offering(tenun, title="Penawaran Diarsipkan", status="archived"),
        # Published itself, but its kampung is hidden.
        "of_hidden": make_offering(hidden, title="Penawaran Kampung Tersembunyi"),
    }
    for status in ("draft", "pending", "rejected"):
        make_kampung(owner=owner, kelurahan=TINALAN, name=f"Kampung {status}", status=status)
    archived = make_kampung(owner=owner, kelurahan=TINALAN, name="Kampung Diarsipkan",
                            status="draft")
    archived.transition("archive")
    return {"tahu": tahu, "tenun": tenun, "hidden": hidden, **items}, unpublished


# --- what is shown --------------------------------------------------------------------------

def test_kampung_lists_only_published_kampung_with_their_public_facts(client, world):
    items, _unpublished = world
    body = api(client, "kampung")
    assert [k["name"] for k in body["results"]] == ["Kampung Tahu", "Kampung Tenun"]
    tahu = body["results"][0]
    assert tahu == {
        "id": items["tahu"].id, "name": "Kampung Tahu", "slug": items["tahu"].slug,
        "tagline": "Kampung uji yang ramah",
        "kelurahan": {"code": TINALAN, "name": "Tinalan", "slug": "tinalan"},
        "kecamatan": {"code": "35.71.03", "name": "Pesantren", "slug": "pesantren"},
        "verified": False, "latitude": -7.8301, "longitude": 112.0312,
        "offering_count": 2, "pillars": ["wisata", "dagang"], "demo": False,
        "url": f"http://localhost/kampung/{items['tahu'].slug}",
    }
    # Unpublished offerings are not counted: Kampung Tenun has 2 public ones of 7.
    assert body["results"][1]["offering_count"] == 2
    assert body["results"][1]["pillars"] == ["dagang", "edukasi"]
    assert body["results"][1]["latitude"] is None
    assert client.get(tahu["url"]).status_code == 200


def test_a_verified_kampung_says_so(client, world):
    items, _unpublished = world
    items["tenun"].verified_at = items["tenun"].published_at
    tenun = [k for k in api(client, "kampung")["results"] if k["name"] == "Kampung Tenun"][0]
    assert tenun["verified"] is True


def test_offerings_lists_only_public_offerings_with_price_and_place(client, world):
    items, _unpublished = world
    body = api(client, "offerings")
    assert [o["title"] for o in body["results"]] == [
        "Tur Pabrik Tahu", "Tahu Takwa", "Kelas Menenun", "Kain Tenun"]
    kain = body["results"][3]
    assert kain == {
        "id": items["kain"].id, "title": "Kain Tenun", "slug": items["kain"].slug,
        "pillar": "dagang", "summary": "Ringkasan penawaran uji.",
        "price_idr": 185000, "price_unit": "lembar",
        "kampung": {"id": items["tenun"].id, "name": "Kampung Tenun",
                    "slug": items["tenun"].slug},
        "kelurahan": {"code": BANDAR_KIDUL, "name": "Bandar Kidul", "slug": "bandar-kidul"},
        "kecamatan": {"code": "35.71.01", "name": "Mojoroto", "slug": "mojoroto"},
        "is_bookable": False, "demo": False,
        "url": f"http://localhost/kampung/{items['tenun'].slug}/{items['kain'].slug}",
        "updated_at": kain["updated_at"],
    }
    assert kain["updated_at"].endswith("Z") and kain["updated_at"][:4].isdigit()
    assert client.get(kain["url"]).status_code == 200


def test_a_free_offering_has_neither_price_nor_unit(client, world):
    takwa = [o for o in api(client, "offerings")["results"] if o["title"] == "Tahu Takwa"][0]
    assert (takwa["price_idr"], takwa["price_unit"]) == (None, None)


def test_nothing_unpublished_appears_anywhere(client, world):
    items, unpublished = world
    hidden_titles = {o.title for o in unpublished.values()}
    every = json.dumps([api(client, path, per_hal=100) for path in ("kampung", "offerings")])
    for title in hidden_titles | {"Kampung Disembunyikan", "Kampung draft", "Kampung pending",
                                  "Kampung rejected", "Kampung Diarsipkan"}:
        assert title not in every
    # ... nor in the counts: 1 kampung and 2 offerings in each of the two kelurahan.
    places = {k["slug"]: k for k in api(client, "kelurahan")["results"]}
    assert (places["tinalan"]["kampung_count"], places["tinalan"]["offering_count"]) == (1, 2)
    assert (places["bandar-kidul"]["kampung_count"],
            places["bandar-kidul"]["offering_count"]) == (1, 2)


def test_an_offering_leaves_the_api_when_its_kampung_is_hidden(client, world, make_user):
    from keren.models import Role
    from keren.services import moderation
    items, _unpublished = world
    admin = make_user(role=Role.CITY_ADMIN, name="Admin Kota Lain")
    moderation.hide(items["tenun"], moderator=admin, reason="Diperiksa")
    titles = [o["title"] for o in api(client, "offerings")["results"]]
    assert titles == ["Tur Pabrik Tahu", "Tahu Takwa"]
    assert [k["name"] for k in api(client, "kampung")["results"]] == ["Kampung Tahu"]


def test_no_record_holds_personal_or_contact_data(client, world):
    items, _unpublished = world
    items["tahu"].address = "Jl. Rumah Pribadi No. 7"
    text = json.dumps([api(client, path, per_hal=100)
                       for path in ("kelurahan", "kampung", "offerings")])
    for secret in (OWNER_EMAIL, "Pemilik Rahasia", "Rumah Pribadi", "@", "+62", "6281",
                   "whatsapp", "phone", "email", "owner", "member", "story",
                   "Cerita kampung uji", "Deskripsi lengkap"):
        assert secret not in text, secret
    assert kampung_service.managers(items["tahu"])[0].email == OWNER_EMAIL


def test_kelurahan_lists_all_46_with_their_kecamatan_and_public_page(client, world):
    body = api(client, "kelurahan")
    assert (body["total"], body["per_page"], body["pages"], len(body["results"])) == (46, 50, 1, 46)
    tinalan = [k for k in body["results"] if k["code"] == TINALAN][0]
    assert tinalan == {
        "code": TINALAN, "name": "Tinalan", "slug": "tinalan",
        "kecamatan": {"code": "35.71.03", "name": "Pesantren", "slug": "pesantren"},
        "postcode": tinalan["postcode"], "latitude": tinalan["latitude"],
        "longitude": tinalan["longitude"], "kampung_count": 1, "offering_count": 2,
        "url": "http://localhost/kelurahan/tinalan",
    }
    assert len(tinalan["postcode"]) == 5 and -8 < tinalan["latitude"] < -7
    assert client.get(tinalan["url"]).status_code == 200


# --- filters and pages ------------------------------------------------------------------------

def test_kelurahan_filtered_by_kecamatan(client, world):
    body = api(client, "kelurahan", kecamatan="mojoroto")
    assert body["total"] == 14
    assert {k["kecamatan"]["slug"] for k in body["results"]} == {"mojoroto"}
    assert sum(api(client, "kelurahan", kecamatan=k)["total"]
               for k in ("mojoroto", "kota", "pesantren")) == 46


@pytest.mark.parametrize(("params", "kampung", "offerings"), [
    ({"kecamatan": "pesantren"}, ["Kampung Tahu"], ["Tur Pabrik Tahu", "Tahu Takwa"]),
    ({"kelurahan": "bandar-kidul"}, ["Kampung Tenun"], ["Kelas Menenun", "Kain Tenun"]),
    ({"pilar": "dagang"}, ["Kampung Tahu", "Kampung Tenun"], ["Tahu Takwa", "Kain Tenun"]),
    ({"pilar": "wisata"}, ["Kampung Tahu"], ["Tur Pabrik Tahu"]),
    ({"pilar": "edukasi", "kecamatan": "mojoroto"}, ["Kampung Tenun"], ["Kelas Menenun"]),
    ({"kelurahan": "tinalan", "kecamatan": "mojoroto"}, [], []),
    ({"kelurahan": "bandar-lor"}, [], []),
    ({"pilar": "", "kecamatan": "", "kelurahan": ""}, ["Kampung Tahu", "Kampung Tenun"],
     ["Tur Pabrik Tahu", "Tahu Takwa", "Kelas Menenun", "Kain Tenun"]),
])
def test_filters(client, world, params, kampung, offerings):
    assert [k["name"] for k in api(client, "kampung", **params)["results"]] == kampung
    assert [o["title"] for o in api(client, "offerings", **params)["results"]] == offerings


def test_pages_are_stable_in_id_order_with_links(client, world):
    first = api(client, "offerings", per_hal=3)
    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (4, 1, 3, 2)
    assert len(first["results"]) == 3
    assert first["links"] == {"prev": None,
                              "next": "http://localhost/api/v1/offerings?per_hal=3&hal=2"}
    second = client.get(first["links"]["next"]).get_json()
    assert second["page"] == 2 and len(second["results"]) == 1
    assert second["links"] == {"next": None,
                               "prev": "http://localhost/api/v1/offerings?per_hal=3&hal=1"}
    ids = [o["id"] for o in first["results"] + second["results"]]
    assert ids == sorted(ids) and len(set(ids)) == 4


def test_links_keep_the_filters(client, world):
    body = api(client, "kampung", pilar="dagang", kecamatan="pesantren", per_hal=1)
    assert body["links"]["next"] is None
    body = api(client, "kampung", pilar="dagang", per_hal=1)
    assert body["links"]["next"] == "http://localhost/api/v1/kampung?pilar=dagang&per_hal=1&hal=2"


def test_past_the_last_page_is_empty_not_an_error(client, world):
    body = api(client, "kampung", hal=7)
    assert (body["total"], body["pages"], body["results"]) == (2, 1, [])
    assert body["links"] == {"next": None, "prev": "http://localhost/api/v1/kampung?hal=1"}


def test_per_page_is_capped_at_100(client, world):
    assert api(client, "kelurahan", per_hal=100)["per_page"] == 100
    assert refused(client, "kelurahan", per_hal=101) == \
        "Jumlah per halaman harus angka 1 sampai 100."


# --- bad parameters ---------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "params", "message"), [
    ("offerings", {"pilar": "kuliner"}, "Pilar tidak dikenal."),
    ("kampung", {"pilar": "WISATA"}, "Pilar tidak dikenal."),
    ("offerings", {"hal": "0"}, "Nomor halaman tidak ada."),
    ("offerings", {"hal": "-1"}, "Nomor halaman tidak ada."),
    ("kampung", {"hal": "dua"}, "Nomor halaman tidak ada."),
    ("kampung", {"hal": "1.5"}, "Nomor halaman tidak ada."),
    ("kelurahan", {"hal": "9" * 40}, "Nomor halaman tidak ada."),
    ("kelurahan", {"per_hal": "0"}, "Jumlah per halaman harus angka 1 sampai 100."),
    ("offerings", {"per_hal": "sepuluh"}, "Jumlah per halaman harus angka 1 sampai 100."),
    ("offerings", {"per_hal": "1e3"}, "Jumlah per halaman harus angka 1 sampai 100."),
    ("kampung", {"kelurahan": "atlantis"}, "Kelurahan tidak dikenal."),
    ("kelurahan", {"kelurahan": "Tinalan"}, "Kelurahan tidak dikenal."),
    ("offerings", {"kelurahan": "tinalan\n"}, "Kelurahan tidak dikenal."),
    ("kelurahan", {"kecamatan": "kediri"}, "Kecamatan tidak dikenal."),
    ("kampung", {"kecamatan": "35.71.03"}, "Kecamatan tidak dikenal."),
    ("kampung", {"kecamatan": "   "}, "Kecamatan tidak dikenal."),
])
def test_bad_parameters_get_400_with_a_clear_message(client, world, path, params, message):
    assert refused(client, path, **params) == message


def test_error_messages_follow_the_visitors_language(client, world):
    client.get("/bahasa/en")
    assert refused(client, "offerings", pilar="kuliner") == "Unknown pillar."
    assert refused(client, "kampung", kelurahan="atlantis") == "Unknown kelurahan."


# --- caching ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["kelurahan", "kampung", "offerings", "openapi.json", "search"])
def test_answers_are_public_for_60_seconds_with_an_etag(client, world, path):
    response = client.get(f"/api/v1/{path}")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    again = client.get(f"/api/v1/{path}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    other = client.get(f"/api/v1/{path}", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_data() == response.get_data()


def test_the_etag_changes_with_the_data(client, world, make_offering):
    items, _unpublished = world
    etag = client.get("/api/v1/offerings").headers["ETag"]
    make_offering(items["tahu"], title="Penawaran Baru")
    response = client.get("/api/v1/offerings", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag
    assert "Penawaran Baru" in response.get_data(as_text=True)

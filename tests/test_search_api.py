"""GET /api/v1/search: the JSON shape, filters, errors for malformed parameters, caching and
the search log."""
import pytest

from keren.extensions import db
from keren.models import SearchLog
from tests.conftest import BANDAR_KIDUL, TINALAN

RESULT_KEYS = {"type", "id", "title", "url", "pillar", "kampung", "kelurahan", "kecamatan",
               "price_idr", "snippet", "snippet_html"}


def api(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


@pytest.fixture
def batik(make_kampung, make_offering):
    tinalan = make_kampung(kelurahan=TINALAN, name="Kampung Batik Tinalan")
    bandar = make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Bandar")
    make_offering(tinalan, pillar="wisata", title="Batik Tur", price_idr=20000,
                  description="Jalan-jalan melihat perajin batik tulis.")
    make_offering(tinalan, pillar="edukasi", title="Batik Kelas", price_idr=None)
    make_offering(bandar, pillar="dagang", title="Batik Cap", price_idr=90000)
    return tinalan


def test_search_answers_json_in_the_documented_shape(client, batik):
    body = api(client, q="batik")
    assert set(body) == {"query", "total", "page", "per_page", "results", "facets", "suggestion"}
    assert (body["query"], body["total"], body["page"], body["per_page"]) == ("batik", 4, 1, 10)
    assert body["suggestion"] is None
    assert len(body["results"]) == 4
    for result in body["results"]:
        assert set(result) == RESULT_KEYS
        assert isinstance(result["id"], int)
        assert result["url"].startswith("http://localhost/kampung/")
    assert set(body["facets"]) == {"kind", "pillar", "kecamatan", "kelurahan", "price"}
    assert body["facets"]["pillar"] == {"wisata": 1, "edukasi": 1, "dagang": 1}
    assert body["facets"]["kind"] == {"offering": 3, "kampung": 1}
    assert body["facets"]["kecamatan"] == {"pesantren": 3, "mojoroto": 1}
    assert body["facets"]["kelurahan"] == {"tinalan": 3, "bandar-kidul": 1}
    assert body["facets"]["price"] == {"gratis": 1, "di-bawah-25rb": 1, "25rb-100rb": 1}


def test_an_offering_result_carries_its_place_price_and_absolute_url(client, batik):
    [tur] = [r for r in api(client, q="tulis")["results"] if r["title"] == "Batik Tur"]
    offering_slug = tur["url"].rsplit("/", 1)[1]
    assert tur == {
        "type": "offering", "id": tur["id"], "title": "Batik Tur",
        "url": f"http://localhost/kampung/{batik.slug}/{offering_slug}",
        "pillar": "wisata", "kampung": "Kampung Batik Tinalan", "kelurahan": "Tinalan",
        "kecamatan": "Pesantren", "price_idr": 20000,
        "snippet": tur["snippet"], "snippet_html": tur["snippet_html"],
    }
    assert "<mark" in tur["snippet_html"] and "tulis</mark>" in tur["snippet_html"]
    assert "<" not in tur["snippet"] and "tulis" in tur["snippet"]
    assert client.get(tur["url"]).status_code == 200


def test_a_kampung_result_has_no_pillar_and_no_price(client, batik):
    [kampung] = api(client, q="batik", jenis="kampung")["results"]
    assert kampung["type"] == "kampung" and kampung["id"] == batik.id
    assert kampung["title"] == kampung["kampung"] == "Kampung Batik Tinalan"
    assert kampung["pillar"] is None and kampung["price_idr"] is None
    assert kampung["url"] == f"http://localhost/kampung/{batik.slug}"
    assert (kampung["kelurahan"], kampung["kecamatan"]) == ("Tinalan", "Pesantren")


def test_a_free_offering_has_a_null_price(client, batik):
    [kelas] = api(client, q="kelas")["results"]
    assert kelas["price_idr"] is None


def test_snippet_html_escapes_the_offering_text(client, make_kampung, make_offering):
    make_offering(make_kampung(), title="Wayang", description="Malam <b>wayang</b> & gamelan.")
    [hit] = api(client, q="wayang")["results"]
    assert "<b>" not in hit["snippet_html"] and "&lt;b&gt;" in hit["snippet_html"]
    assert "<b>wayang</b>" in hit["snippet"]    # plain text: the words as written


@pytest.mark.parametrize("params, titles", [
    ({"pilar": "dagang"}, ["Batik Cap"]),
    ({"kecamatan": "mojoroto"}, ["Batik Cap"]),
    ({"kelurahan": "tinalan", "jenis": "offering"}, ["Batik Kelas", "Batik Tur"]),
    ({"harga_min": "10000", "harga_max": "50000"}, ["Batik Tur"]),
    ({"harga_min": "0", "harga_max": "0"}, ["Batik Kelas"]),
])
def test_filters_narrow_the_results(params, titles, client, batik):
    body = api(client, q="batik", **params)
    assert sorted(r["title"] for r in body["results"]) == titles
    assert body["total"] == len(titles)


def test_sort_and_pages(client, make_kampung, make_offering):
    kampung = make_kampung()
    for n in range(12):
        make_offering(kampung, title=f"Tahu {n:02d}", price_idr=1000 * (n + 1))
    first = api(client, q="tahu", urut="termahal")
    assert [r["price_idr"] for r in first["results"]] == [1000 * n for n in range(12, 2, -1)]
    second = api(client, q="tahu", urut="termahal", hal="2")
    assert second["page"] == 2 and second["total"] == 12
    assert [r["price_idr"] for r in second["results"]] == [2000, 1000]
    past = api(client, q="tahu", hal="3")
    assert past["page"] == 3 and past["total"] == 12 and past["results"] == []


def test_a_typo_gets_a_suggestion(client, make_kampung, make_offering):
    make_offering(make_kampung(), title="Kain Tenun Ikat")
    body = api(client, q="tenum")
    assert body["total"] == 0 and body["results"] == []
    assert body["suggestion"] == "tenun"


@pytest.mark.parametrize("params, message", [
    ({"pilar": "kerajinan"}, "Pilar tidak dikenal."),
    ({"kecamatan": "atlantis"}, "Kecamatan tidak dikenal."),
    ({"kecamatan": "Kota Lama"}, "Kecamatan tidak dikenal."),
    ({"kelurahan": "atlantis"}, "Kelurahan tidak dikenal."),
    ({"harga_min": "murah"}, "Harga harus berupa angka 0 sampai 1.000.000.000."),
    ({"harga_max": "1e9"}, "Harga harus berupa angka 0 sampai 1.000.000.000."),
    ({"harga_max": "-1"}, "Harga harus berupa angka 0 sampai 1.000.000.000."),
    ({"harga_min": "5000", "harga_max": "100"},
     "Harga tertinggi lebih kecil daripada harga terendah."),
    ({"urut": "acak"}, "Urutan tidak dikenal."),
    ({"hal": "0"}, "Nomor halaman tidak ada."),
    ({"hal": "satu"}, "Nomor halaman tidak ada."),
    ({"hal": "100000"}, "Nomor halaman tidak ada."),
    ({"q": "x" * 201}, "Kata kunci terlalu panjang (paling banyak 200 karakter)."),
])
def test_malformed_parameters_get_400_with_an_indonesian_message(params, message, client, app):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 400
    assert response.get_json() == {"error": message}
    assert "no-store" in response.headers["Cache-Control"]


def test_answers_may_be_cached_for_a_minute(client, batik):
    response = client.get("/api/v1/search?q=batik")
    assert set(response.headers["Cache-Control"].replace(" ", "").split(",")) == {
        "public", "max-age=60"}


def test_each_api_search_is_logged_as_api(client, batik):
    client.get("/api/v1/search", query_string={"q": "batik", "pilar": "wisata"})
    client.get("/api/v1/search", query_string={"q": "batik", "hal": "2"})
    client.get("/api/v1/search", query_string={"pilar": "kerajinan"})
    rows = db.session.scalars(db.select(SearchLog)).all()
    assert [(r.query, r.filters, r.result_count, r.source) for r in rows] == [
        ("batik", {"pilar": "wisata"}, 1, "api")]


def test_a_draft_is_not_in_the_api(client, make_kampung, make_offering):
    make_offering(make_kampung(), title="Batik Rahasia", status="draft")
    assert api(client, q="rahasia")["total"] == 0


def test_a_broken_index_gets_a_503_json_answer(client, batik, monkeypatch):
    from keren.search import views

    def broken(config, params):
        raise OSError("index folder gone")

    monkeypatch.setattr(views, "search", broken)
    response = client.get("/api/v1/search", query_string={"q": "batik"})
    assert response.status_code == 503
    assert response.get_json() == {
        "error": "Maaf, pencarian belum bisa dipakai. Coba lagi sebentar lagi."}

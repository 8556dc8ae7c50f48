"""/data-terbuka: the open-data page and the CSV and JSON downloads of the published directory
(the same records as the API), their licence, and CSV that spreadsheets open safely."""
import csv
import io

import pytest

from keren.api.records import KAMPUNG_COLUMNS, OFFERING_COLUMNS
from keren.opendata.views import csv_cell
from tests.conftest import BANDAR_KIDUL, TINALAN


@pytest.fixture
def world(make_kampung, make_offering):
    tahu = make_kampung(kelurahan=TINALAN, name="Kampung Tahu Kediri", whatsapp="0812-3456-7890")
    # Names that a spreadsheet would run as formulas, and text that needs quoting.
    odd = make_kampung(kelurahan=BANDAR_KIDUL, name="=HYPERLINK(\"http://jahat.example\")",
                       tagline="Kain, benang; \"ikat\" khas\nKediri")
    draft = make_kampung(kelurahan=TINALAN, name="Kampung Draf Rahasia", status="draft")
    make_offering(tahu, pillar="wisata", title="Tur Tahu", price_idr=20000)
    make_offering(tahu, pillar="dagang", title="Tahu Gratis", price_idr=None)
    make_offering(odd, pillar="dagang", title="+62 Kain Tenun", price_idr=185000,
                  price_unit="lembar")
    make_offering(odd, pillar="edukasi", title="@kelas", price_idr=50000)
    make_offering(tahu, pillar="edukasi", title="Penawaran Draf", status="draft")
    make_offering(draft, pillar="wisata", title="Penawaran Kampung Draf")
    return tahu, odd


def read_csv(response):
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(("url", "mimetype", "name"), [
    ("/data-terbuka/kampung.csv", "text/csv", "kampung"),
    ("/data-terbuka/kampung.json", "application/json", "kampung"),
    ("/data-terbuka/penawaran.csv", "text/csv", "penawaran"),
    ("/data-terbuka/penawaran.json", "application/json", "penawaran"),
])
def test_downloads_are_attachments_in_utf8(client, world, url, mimetype, name):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    if mimetype == "text/csv":
        assert response.mimetype_params["charset"] == "utf-8"
    else:
        assert response.get_data().decode("utf-8").lstrip().startswith("{")
    disposition = response.headers["Content-Disposition"]
    extension = url.rsplit(".", 1)[1]
    assert disposition.startswith(f'attachment; filename="kampung-keren-{name}-')
    assert disposition.endswith(f'.{extension}"')


def test_kampung_csv_has_the_documented_columns_and_only_published_kampung(client, world):
    tahu, odd = world
    response = client.get("/data-terbuka/kampung.csv")
    rows = read_csv(response)
    header = response.get_data().decode("utf-8-sig").split("\r\n", 1)[0]
    assert header.split(",") == [name for name, _what in KAMPUNG_COLUMNS]
    assert [row["id"] for row in rows] == [str(tahu.id), str(odd.id)]
    row = rows[0]
    assert row["name"] == "Kampung Tahu Kediri"
    assert (row["kelurahan_name"], row["kecamatan_name"]) == ("Tinalan", "Pesantren")
    assert (row["kelurahan_code"], row["kecamatan_code"]) == (TINALAN, "35.71.03")
    assert row["pillars"] == "wisata;dagang" and row["offering_count"] == "2"
    assert (row["verified"], row["demo"]) == ("false", "false")
    assert (row["latitude"], row["longitude"]) == ("", "")
    assert row["url"] == f"http://localhost/kampung/{tahu.slug}"
    text = response.get_data(as_text=True)
    assert "Kampung Draf Rahasia" not in text
    assert "3456" not in text and "@contoh.id" not in text


def test_csv_quotes_properly_and_makes_formulas_inert(client, world):
    _tahu, odd = world
    rows = read_csv(client.get("/data-terbuka/kampung.csv"))
    assert rows[1]["name"] == "'=HYPERLINK(\"http://jahat.example\")"
    assert rows[1]["tagline"] == "Kain, benang; \"ikat\" khas\nKediri"
    offerings = {row["title"]: row for row in read_csv(client.get("/data-terbuka/penawaran.csv"))}
    assert "'+62 Kain Tenun" in offerings and "'@kelas" in offerings


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+62812", "'+62812"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("Kampung = keren", "Kampung = keren"), ("", ""), (None, ""),
    (True, "true"), (False, "false"), (-7.83, -7.83), (185000, 185000),
])
def test_csv_cells(value, cell):
    assert csv_cell(value) == cell


def test_offerings_csv_has_price_pillar_and_place(client, world):
    response = client.get("/data-terbuka/penawaran.csv")
    header = response.get_data().decode("utf-8-sig").split("\r\n", 1)[0]
    assert header.split(",") == [name for name, _what in OFFERING_COLUMNS]
    rows = {row["title"]: row for row in read_csv(response)}
    assert set(rows) == {"Tur Tahu", "Tahu Gratis", "'+62 Kain Tenun", "'@kelas"}
    kain = rows["'+62 Kain Tenun"]
    assert (kain["pillar"], kain["price_idr"], kain["price_unit"]) == ("dagang", "185000", "lembar")
    assert (kain["kelurahan_name"], kain["kecamatan_name"]) == ("Bandar Kidul", "Mojoroto")
    assert (rows["Tahu Gratis"]["price_idr"], rows["Tahu Gratis"]["price_unit"]) == ("", "")


def test_json_downloads_carry_the_licence_and_the_api_records(client, world):
    for name, api_path in (("kampung", "kampung"), ("penawaran", "offerings")):
        body = client.get(f"/data-terbuka/{name}.json").get_json()
        assert body["license"] == {
            "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
            "id": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/deed.id"}
        assert body["attribution"] == "Kampung KEREN, Pemerintah Kota Kediri"
        assert body["source"] == "http://localhost/data-terbuka"
        assert body["dataset"] == name and body["generated_at"].endswith("Z")
        api = client.get(f"/api/v1/{api_path}", query_string={"per_hal": 100}).get_json()
        assert body["records"] == api["results"] and body["count"] == api["total"]
    assert body["count"] == 4


def test_the_page_explains_licence_columns_downloads_and_api(client, world):
    response = client.get("/data-terbuka")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Data terbuka</h1>" in html
    assert "https://creativecommons.org/licenses/by/4.0/deed.id" in html
    assert "CC BY 4.0" in html and "Kampung KEREN, Pemerintah Kota Kediri" in html
    for url in ("/data-terbuka/kampung.csv", "/data-terbuka/kampung.json",
                "/data-terbuka/penawaran.csv", "/data-terbuka/penawaran.json",
                "/api/v1/kelurahan", "/api/v1/kampung", "/api/v1/offerings",
                "/api/v1/openapi.json"):
        assert f'href="{url}"' in html, url
    for name, _what in KAMPUNG_COLUMNS + OFFERING_COLUMNS:
        assert f"<code>{name}</code>" in html, name
    assert "2 profil kampung yang tayang" in html and "4 penawaran yang tayang" in html


def test_every_page_links_the_open_data_from_its_footer(client, world):
    html = client.get("/").get_data(as_text=True)
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert '<a href="/data-terbuka">Data terbuka</a>' in footer

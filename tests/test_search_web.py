"""The search page /cari: what visitors find, the filters and their counts, sorting, pages,
highlights, "did you mean", the empty page, the search log and the header search box."""
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import inspect

from keren.extensions import db
from keren.models import SearchLog
from keren.models.base import utcnow
from keren.search.query import SearchParams
from keren.services import moderation, offerings, searchlog
from tests.conftest import BANDAR_KIDUL, TINALAN, _city_admin

SETONOGEDONG = "35.71.02.1009"


class ResultsPage(HTMLParser):
    """What a visitor sees on /cari: result titles in order, the facet chips with their counts,
    the pager, notices and the links of the empty page."""

    def __init__(self, html):
        super().__init__()
        self.titles, self.chips, self.links = [], [], []
        self._stack, self._classes = [], []
        self._chip, self._hit_link, self._link = None, None, None
        self.feed(html)
        self.html = html

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag in ("a", "span") and "chip" in classes:
            self._chip = {"label": "", "count": None, "href": attrs.get("href"),
                          "active": "active" in classes, "tag": tag, "in_count": False}
        elif tag == "span" and "count" in classes and self._chip is not None:
            self._chip["in_count"] = True
        if tag == "a":
            self._link = {"href": attrs.get("href"), "text": ""}
            if self._stack and self._stack[-1] == "h3" and "hit" in self._open_classes():
                self._hit_link = ""
        self._stack.append(tag)
        self._classes.append(classes)

    def _open_classes(self):
        return {c for classes in self._classes for c in classes}

    def handle_endtag(self, tag):
        while self._stack:
            open_tag = self._stack.pop()
            self._classes.pop()
            if open_tag == tag:
                break
        if tag == "a" and self._hit_link is not None:
            self.titles.append(self._hit_link.strip())
            self._hit_link = None
        if tag == "a" and self._link is not None:
            self.links.append((" ".join(self._link["text"].split()), self._link["href"]))
            self._link = None
        if self._chip is not None and tag == "span" and self._chip["in_count"]:
            self._chip["in_count"] = False
        elif self._chip is not None and tag == self._chip["tag"]:
            chip = self._chip
            self.chips.append({"label": chip["label"].strip(), "count": chip["count"],
                               "href": chip["href"], "active": chip["active"]})
            self._chip = None

    def handle_data(self, data):
        if self._hit_link is not None:
            self._hit_link += data
        if self._link is not None:
            self._link["text"] += data
        if self._chip is not None:
            if self._chip["in_count"]:
                self._chip["count"] = int(data)
            else:
                self._chip["label"] += data

    def counts(self):
        """{label: count} of every facet chip."""
        return {c["label"]: c["count"] for c in self.chips if c["count"] is not None}

    def chip(self, label):
        found = [c for c in self.chips if c["label"] == label]
        assert found, f"no facet {label!r} among {[c['label'] for c in self.chips]}"
        return found[0]

    def link(self, text):
        found = [href for label, href in self.links if label == text]
        assert found, f"no link {text!r}"
        return found[0]


def find(client, **params):
    response = client.get("/cari", query_string=params)
    assert response.status_code == 200, response.status_code
    return ResultsPage(response.get_data(as_text=True))


def search_log():
    return db.session.scalars(db.select(SearchLog).order_by(SearchLog.id)).all()


# --- finding ----------------------------------------------------------------------------------

def test_published_offering_is_found_by_a_word_of_its_title(client, make_kampung, make_offering):
    kampung = make_kampung()
    make_offering(kampung, title="Susur Sungai Brantas dengan Perahu")
    make_offering(kampung, title="Keripik Singkong Pedas")
    page = find(client, q="perahu")
    assert page.titles == ["Susur Sungai Brantas dengan Perahu"]
    assert "1 hasil" in page.html


@pytest.mark.parametrize("query, title", [
    ("berwisata", "Paket Wisata Sungai"),
    ("perdagangan", "Pusat Dagang Batik"),
    ("pedagang", "Pusat Dagang Batik"),
    ("menenun", "Kain Tenun Ikat"),
    ("tenunan", "Kain Tenun Ikat"),
])
def test_a_word_finds_the_other_members_of_its_family(query, title, client, make_kampung,
                                                      make_offering):
    kampung = make_kampung()
    # Both are "edukasi", so the pillar word in the document does not decide the match.
    make_offering(kampung, pillar="edukasi", title=title)
    make_offering(kampung, pillar="edukasi", title="Kelas Membuat Jamu")
    assert find(client, q=query).titles == [title]


def test_another_spelling_of_a_kelurahan_finds_its_kampung(client, make_kampung):
    make_kampung(kelurahan=SETONOGEDONG, name="Kampung Kue Basah")
    make_kampung(kelurahan=TINALAN, name="Kampung Tahu")
    assert find(client, q="Setono Gedong").titles == ["Kampung Kue Basah"]
    assert find(client, q="setonogedong").titles == ["Kampung Kue Basah"]


@pytest.mark.parametrize("query, title", [
    ("tofu", "Tahu Takwa Goreng"),
    ("weaving", "Kain Tenun Ikat"),
    ("betta", "Ikan Cupang Hias"),
])
def test_english_words_find_local_things(query, title, client, make_kampung, make_offering):
    kampung = make_kampung()
    for name in ("Tahu Takwa Goreng", "Kain Tenun Ikat", "Ikan Cupang Hias"):
        make_offering(kampung, pillar="dagang", title=name)
    assert find(client, q=query).titles == [title]


def test_kampung_result_links_to_its_profile_and_names_its_kelurahan(client, make_kampung):
    kampung = make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Tenun Ikat")
    page = find(client, q="tenun")
    assert page.titles == ["Kampung Tenun Ikat"]
    assert page.link("Kampung Tenun Ikat") == f"/kampung/{kampung.slug}"
    assert "Kelurahan Bandar Kidul" in page.html


def test_offering_result_shows_pillar_kampung_kelurahan_and_price(client, make_kampung,
                                                                   make_offering):
    kampung = make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Tenun Ikat")
    offering = make_offering(kampung, pillar="dagang", title="Sarung Tenun", price_idr=175000,
                             price_unit="pcs")
    page = find(client, q="sarung")
    assert page.link("Sarung Tenun") == f"/kampung/{kampung.slug}/{offering.slug}"
    hit = page.html.split('class="hit"')[1]
    for text in ("Dagang", "Kampung Tenun Ikat · Bandar Kidul", "Rp175.000", "per pcs"):
        assert text in hit


def test_matching_words_are_highlighted_in_the_snippet(client, make_kampung, make_offering):
    kampung = make_kampung()
    make_offering(kampung, title="Belajar Membatik",
                  description="Peserta belajar mencanting motif batik khas Kediri di sanggar.")
    html = find(client, q="mencanting").html
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html, re.S).group(1)
    assert re.search(r"<mark[^>]*>mencanting</mark>", snippet, re.I)


def test_offering_text_is_escaped_in_the_snippet(client, make_kampung, make_offering):
    kampung = make_kampung()
    make_offering(kampung, title="Wayang Kulit",
                  description="Pertunjukan <script>alert(1)</script> wayang semalam suntuk.")
    html = find(client, q="wayang").html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


# --- filters, facets, sorting, pages ------------------------------------------------------------

@pytest.fixture
def batik(make_kampung, make_offering):
    """Five batik offerings across pillars, places and prices."""
    tinalan = make_kampung(kelurahan=TINALAN, name="Kampung Tinalan")
    bandar = make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Bandar")
    make_offering(tinalan, pillar="wisata", title="Batik Tur", price_idr=20000)
    make_offering(tinalan, pillar="dagang", title="Batik Tulis", price_idr=250000)
    make_offering(tinalan, pillar="edukasi", title="Batik Kelas", price_idr=None)
    make_offering(bandar, pillar="dagang", title="Batik Cap", price_idr=90000)
    make_offering(bandar, pillar="wisata", title="Batik Jalan", price_idr=50000)


def test_facets_count_results_by_pillar_place_price_and_kind(client, batik):
    page = find(client, q="batik")
    assert page.counts() == {
        "Wisata": 2, "Dagang": 2, "Edukasi": 1,
        "Pesantren": 3, "Mojoroto": 2,
        "Tinalan": 3, "Bandar Kidul": 2,
        "Gratis": 1, "Di bawah Rp25.000": 1, "Rp25.000 sampai Rp100.000": 2,
        "Di atas Rp100.000": 1,
        "Penawaran": 5,
    }
    assert len(page.titles) == 5


def test_a_facet_link_filters_the_results_and_the_other_counts(client, batik):
    page = find(client, q="batik")
    href = page.chip("Dagang")["href"]
    assert parse_qs(urlsplit(href).query) == {"q": ["batik"], "pilar": ["dagang"]}
    filtered = ResultsPage(client.get(href).get_data(as_text=True))
    assert sorted(filtered.titles) == ["Batik Cap", "Batik Tulis"]
    assert filtered.chip("Dagang")["active"]
    assert filtered.counts()["Pesantren"] == 1 and filtered.counts()["Mojoroto"] == 1
    # The active filter can be removed again.
    assert "Hapus" in filtered.html and "Hapus semua filter" in filtered.html


@pytest.mark.parametrize("params, expected", [
    ({"pilar": "wisata"}, ["Batik Jalan", "Batik Tur"]),
    ({"kecamatan": "mojoroto"}, ["Batik Cap", "Batik Jalan"]),
    ({"kelurahan": "tinalan"}, ["Batik Kelas", "Batik Tulis", "Batik Tur"]),
    ({"harga": "gratis"}, ["Batik Kelas"]),
    ({"harga": "25rb-100rb"}, ["Batik Cap", "Batik Jalan"]),
    ({"harga_min": "50000", "harga_max": "250000"}, ["Batik Cap", "Batik Jalan", "Batik Tulis"]),
    ({"harga_min": "100000"}, ["Batik Tulis"]),
    ({"kecamatan": "pesantren", "pilar": "dagang"}, ["Batik Tulis"]),
])
def test_filters_narrow_the_results(params, expected, client, batik):
    assert sorted(find(client, q="batik", **params).titles) == expected


def test_kind_filter_chooses_kampung_profiles_or_offerings(client, make_kampung, make_offering):
    kampung = make_kampung(name="Kampung Batik Canting")
    make_offering(kampung, title="Batik Cap")
    assert find(client, q="batik", jenis="kampung").titles == ["Kampung Batik Canting"]
    assert find(client, q="batik", jenis="offering").titles == ["Batik Cap"]


def test_results_sort_by_price_both_ways(client, batik):
    assert find(client, q="batik", urut="termurah", jenis="offering").titles == [
        "Batik Kelas", "Batik Tur", "Batik Jalan", "Batik Cap", "Batik Tulis"]
    assert find(client, q="batik", urut="termahal", jenis="offering").titles == [
        "Batik Tulis", "Batik Cap", "Batik Jalan", "Batik Tur", "Batik Kelas"]


def test_sort_choice_is_kept_in_the_form(client, batik):
    html = find(client, q="batik", urut="termahal").html
    assert re.search(r'<option selected value="termahal">|<option value="termahal" selected>',
                     html)


def test_results_come_in_pages_of_ten(client, make_kampung, make_offering):
    kampung = make_kampung(name="Kampung Tahu")
    for n in range(12):
        make_offering(kampung, title=f"Tahu Varian {n:02d}", price_idr=1000 + n)
    first = find(client, q="tahu", jenis="offering", urut="termurah")
    assert first.titles == [f"Tahu Varian {n:02d}" for n in range(10)]
    assert "Halaman 1 dari 2" in first.html
    assert "Sebelumnya" not in first.html
    second = ResultsPage(client.get(first.link("Berikutnya")).get_data(as_text=True))
    assert second.titles == ["Tahu Varian 10", "Tahu Varian 11"]
    assert "Halaman 2 dari 2" in second.html
    assert "Berikutnya" not in second.html
    back = parse_qs(urlsplit(second.link("Sebelumnya")).query)
    assert back == {"q": ["tahu"], "jenis": ["offering"], "urut": ["termurah"]}


def test_a_page_past_the_end_shows_the_last_page(client, make_kampung, make_offering):
    kampung = make_kampung()
    for n in range(12):
        make_offering(kampung, title=f"Tahu Varian {n:02d}")
    page = find(client, q="tahu", jenis="offering", hal="7")
    assert len(page.titles) == 2
    assert "Halaman 7 tidak ada; ini halaman terakhir." in page.html
    assert "Halaman 2 dari 2" in page.html


@pytest.mark.parametrize("params, notice", [
    ({"pilar": "kerajinan"}, "Pilar tidak dikenal."),
    ({"kecamatan": "Kota Lama!"}, "Kecamatan tidak dikenal."),
    ({"kecamatan": "atlantis"}, "Kecamatan tidak dikenal."),
    ({"kelurahan": "atlantis"}, "Kelurahan tidak dikenal."),
    ({"harga_min": "murah"}, "Harga harus berupa angka"),
    ({"harga_max": "-5"}, "Harga harus berupa angka"),
    ({"harga_min": "90000", "harga_max": "10"}, "Harga tertinggi lebih kecil"),
    ({"harga": "mahal"}, "Kisaran harga tidak dikenal."),
    ({"jenis": "orang"}, "Jenis hasil tidak dikenal."),
    ({"urut": "acak"}, "Urutan tidak dikenal."),
    ({"hal": "0"}, "Nomor halaman tidak ada."),
    ({"hal": "9" * 40}, "Nomor halaman tidak ada."),
    ({"hal": "dua"}, "Nomor halaman tidak ada."),
])
def test_a_malformed_filter_is_ignored_with_a_notice(params, notice, client, batik):
    page = find(client, q="batik", **params)
    assert notice in page.html
    assert "Pilihan itu diabaikan." in page.html
    assert len(page.titles) >= 1


def test_a_very_long_query_is_cut_with_a_notice(client, batik):
    page = find(client, q="batik " + "x" * 10_000)
    assert "Kata kunci dipotong menjadi 200 karakter." in page.html
    value = re.search(r'<input[^>]*id="q"[^>]*>', page.html).group(0)
    assert re.search(r'value="batik x{194}"', value)


def test_no_query_lists_everything(client, batik):
    page = find(client)
    assert len(page.titles) == 7    # 5 offerings and 2 kampung
    assert page.chip("Penawaran")["count"] == 5 and page.chip("Profil kampung")["count"] == 2


# --- typos and the empty page -----------------------------------------------------------------

@pytest.mark.parametrize("typo, word, title", [
    ("tenum", "tenun", "Kain Tenun Ikat"),
    ("kulinar", "kuliner", "Wisata Kuliner Malam"),
])
def test_a_misspelt_word_gets_a_did_you_mean_link(typo, word, title, client, make_kampung,
                                                   make_offering):
    kampung = make_kampung()
    make_offering(kampung, title="Kain Tenun Ikat", pillar="dagang")
    make_offering(kampung, title="Wisata Kuliner Malam")
    page = find(client, q=typo)
    assert page.titles == []
    assert "Mungkin maksud Anda:" in page.html
    href = page.link(word)
    assert parse_qs(urlsplit(href).query) == {"q": [word]}
    assert ResultsPage(client.get(href).get_data(as_text=True)).titles == [title]


def test_empty_page_offers_popular_searches_and_the_pillars(client, make_kampung, make_offering):
    kampung = make_kampung()
    make_offering(kampung, title="Tahu Takwa")
    make_offering(kampung, title="Jamu Kunyit")
    for query in ["tahu", "tahu", "Tahu", "jamu", "zzzyyy"]:
        client.get("/cari", query_string={"q": query})
    page = find(client, q="kapal selam")
    assert "Tidak ada kampung atau penawaran yang cocok dengan “kapal selam”." in page.html
    popular = page.html.split("Pencarian populer")[1].split("Jelajahi pilar")[0]
    # Most frequent first; searches that found nothing are not suggested; topped up from the
    # fixed list while the log is young.
    assert re.findall(r'class="chip" href="[^"]*">([^<]+)</a>', popular) == [
        "tahu", "jamu", "tenun", "batik", "cupang", "pecut", "kuliner", "kerajinan"]
    assert page.link("tahu") == "/cari?q=tahu"
    for pillar in ("wisata", "dagang", "edukasi"):
        assert page.link(pillar.capitalize()) == f"/cari?pilar={pillar}"


def test_empty_page_falls_back_to_a_fixed_list_of_searches(client, app):
    page = find(client, q="kapal selam")
    for word in ("tahu", "tenun", "batik", "cupang", "jamu"):
        assert page.link(word) == f"/cari?q={word}"


def test_popular_searches_forget_old_searches(app):
    old = utcnow() - timedelta(days=31)
    for _ in range(3):
        searchlog.log_search(SearchParams(q="lampion"), 4, "web", now=old)
    searchlog.log_search(SearchParams(q="tahu"), 2, "web")
    searchlog.log_search(SearchParams(q="tahu"), 2, "api")
    searchlog.log_search(SearchParams(q="tenun"), 1, "web")
    db.session.commit()
    assert searchlog.popular_queries(limit=3) == ["tahu", "tenun", "batik"]
    assert searchlog.popular_queries(limit=1) == ["tahu"]


# --- visibility -----------------------------------------------------------------------------

def _hide(offering, admin):
    moderation.hide(offering, moderator=admin, reason="Foto tidak sesuai")


def _hide_kampung(offering, admin):
    moderation.hide(offering.kampung, moderator=admin, reason="Sedang diperiksa")


def _archive(offering, admin):
    offerings.archive_offering(offering, actor=offering.kampung.members[0].user)


def _reject_after_resubmit(offering, admin):
    _hide(offering, admin)
    offerings.submit_offering(offering, actor=offering.kampung.members[0].user)
    moderation.reject(offering, moderator=admin, reason="Masih kurang")


@pytest.mark.parametrize("take_down", [_hide, _hide_kampung, _archive, _reject_after_resubmit],
                         ids=["hidden", "kampung-hidden", "archived", "rejected"])
def test_an_item_taken_down_leaves_results_and_facet_counts(take_down, client, make_kampung,
                                                            make_offering, make_user):
    target = make_offering(make_kampung(kelurahan=TINALAN), pillar="wisata", title="Batik Tur")
    make_offering(make_kampung(kelurahan=BANDAR_KIDUL), pillar="dagang", title="Batik Cap")
    before = find(client, q="batik", jenis="offering")
    assert sorted(before.titles) == ["Batik Cap", "Batik Tur"]
    assert before.counts()["Wisata"] == 1 and before.counts()["Tinalan"] == 1

    take_down(target, _city_admin(make_user))
    db.session.commit()

    after = find(client, q="batik", jenis="offering")
    assert after.titles == ["Batik Cap"]
    assert after.counts() == {"Dagang": 1, "Mojoroto": 1, "Bandar Kidul": 1,
                              "Di bawah Rp25.000": 1, "Penawaran": 1}
    assert "1 hasil" in after.html


def test_a_rolled_back_publish_is_never_found(client, make_kampung, make_offering, make_user):
    target = make_offering(make_kampung(kelurahan=TINALAN), pillar="wisata", title="Batik Tur",
                           status="pending")
    make_offering(make_kampung(kelurahan=BANDAR_KIDUL), pillar="dagang", title="Batik Cap")
    moderation.approve(target, moderator=_city_admin(make_user))
    db.session.rollback()
    page = find(client, q="batik", jenis="offering")
    assert page.titles == ["Batik Cap"]
    assert "Wisata" not in page.counts() and "Tinalan" not in page.counts()


@pytest.mark.parametrize("status", ["draft", "pending", "rejected"])
def test_an_unpublished_offering_is_never_found(status, client, make_kampung, make_offering):
    make_offering(make_kampung(), title="Batik Rahasia", status=status)
    page = find(client, q="rahasia")
    assert page.titles == [] and page.counts() == {}
    assert "Batik Rahasia" not in find(client).titles


def test_a_draft_kampung_and_its_offerings_are_never_found(client, make_kampung):
    make_kampung(name="Kampung Rahasia", status="draft")
    make_kampung(name="Kampung Tersembunyi", status="hidden")
    assert find(client, q="kampung").titles == []


# --- the search log -------------------------------------------------------------------------

def test_each_search_writes_one_log_row_without_personal_data(client, web, batik, make_user):
    make_user(email="siti@contoh.id", name="Siti Aminah")
    web.login("siti@contoh.id")
    before = len(search_log())
    client.get("/cari", query_string={"q": "Batik  Tulis", "pilar": "dagang", "urut": "termurah"},
               headers={"User-Agent": "TestBrowser/1.0"},
               environ_base={"REMOTE_ADDR": "203.0.113.9"})
    rows = search_log()[before:]
    assert len(rows) == 1
    row = rows[0]
    assert (row.query, row.filters, row.result_count, row.source) == (
        "Batik Tulis", {"pilar": "dagang"}, 1, "web")
    assert row.at is not None
    columns = {c["name"] for c in inspect(db.engine).get_columns("search_log")}
    assert columns == {"id", "at", "query", "filters", "result_count", "source"}
    stored = repr([getattr(row, c) for c in columns])
    for personal in ("siti", "Siti", "203.0.113.9", "TestBrowser"):
        assert personal not in stored


def test_later_pages_and_empty_visits_are_not_logged(client, make_kampung, make_offering):
    kampung = make_kampung()
    for n in range(12):
        make_offering(kampung, title=f"Tahu Varian {n:02d}")
    client.get("/cari")
    client.get("/cari", query_string={"q": "tahu", "hal": "2"})
    assert search_log() == []
    client.get("/cari", query_string={"q": "tahu"})
    client.get("/cari", query_string={"pilar": "wisata"})
    assert [(r.query, r.filters, r.result_count) for r in search_log()] == [
        ("tahu", {}, 12), ("", {"pilar": "wisata"}, 12)]


def test_a_failing_search_log_does_not_fail_the_page(client, batik, monkeypatch, caplog):
    def broken(*args, **kwargs):
        db.session.add(SearchLog(query=None, filters={}, result_count=0, source="web"))
        db.session.flush()

    monkeypatch.setattr(searchlog, "log_search", broken)
    caplog.set_level("ERROR", logger="keren.search.views")
    page = find(client, q="batik")
    assert len(page.titles) == 5
    assert "search log write failed" in caplog.text
    assert search_log() == []


def test_a_broken_index_gets_a_503_page_not_a_500(client, batik, monkeypatch, caplog):
    from keren.search import views

    def broken(config, params):
        raise OSError("index folder gone")

    monkeypatch.setattr(views, "search", broken)
    caplog.set_level("ERROR", logger="keren.search.views")
    response = client.get("/cari", query_string={"q": "batik"})
    assert response.status_code == 503
    assert "Pencarian sedang gangguan" in response.get_data(as_text=True)
    assert "index folder gone" in caplog.text
    assert search_log() == []


# --- the search box on every page -------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/akun/masuk"])
def test_every_page_has_a_search_box_in_the_header(path, client):
    html = client.get(path).get_data(as_text=True)
    header = html.split('<header class="site-header">')[1].split("</header>")[0]
    form = re.search(r'<form[^>]*action="/cari"[^>]*>(.*?)</form>', header, re.S)
    assert form and 'method="get"' in form.group(0)
    assert re.search(r'<label for="cari-situs"[^>]*>Cari</label>', form.group(1))
    assert 'id="cari-situs" name="q"' in form.group(1)
    assert re.search(r'<button type="submit">Cari</button>', form.group(1))


def test_search_page_has_one_search_form(client):
    html = client.get("/cari").get_data(as_text=True)
    assert html.count('role="search"') == 1
    assert '<label for="q">Kata kunci</label>' in html

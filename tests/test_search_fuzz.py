"""Property-based fuzzing of /cari and /api/v1/search: whatever a visitor or a program sends,
the answer is a page or a JSON body (or a 400 from the API), never a server error."""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from tests.conftest import BANDAR_KIDUL, TINALAN

FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# Whoosh query syntax, alone and in every wrong combination.
SYNTAX = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "(", ")", '"', "'", "*", "?", "~", "~2",
          "^", "^2", ":", "[", "]", "{", "}", "TO", "title:", "content:", "kind:", "pillar:",
          "price:", "key:", "stamp:", "<", ">", "+", "-", "\\", "/", "!", "&&", "||", "*:*",
          "[0 TO 9]", "{a TO}", "price:[0 TO]", "title:(", '"tahu', "tahu*", "t?hu", "te~",
          "oleh-oleh", "kupu2", "\x00", "\t", "\u200b", "\ufeff", "🙂", "ё", "ß", "İ", "ﬁ"]
WORDS = ["batik", "tahu", "tenun", "wisata", "dagang", "edukasi", "kediri", "tinalan",
         "setono", "gedong", "kampung", "berwisata", "menenun", "tofu", "tenum", "kulinar",
         "dan", "yang", "di", "1", "0", "-1"]

query_text = st.one_of(
    st.text(),
    st.text(max_size=400),
    st.lists(st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS), st.text(max_size=4)),
             max_size=12).map(" ".join),
    st.lists(st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS)), max_size=12)
      .map("".join),
)

PARAMS = ["q", "pilar", "kecamatan", "kelurahan", "harga", "harga_min", "harga_max", "jenis",
          "urut", "hal", "bisa_dipesan"]
param_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "1", "-1", "2", "999", "1e3", "10000000000000000000000", " 5 ",
                     "wisata", "dagang", "kota", "tinalan", "gratis", "termurah", "kampung",
                     "offering", "NaN", "٣", "１２"]),
    query_text,
)
param_sets = st.dictionaries(st.sampled_from(PARAMS), param_values, max_size=6)


@pytest.fixture(scope="module", autouse=True)
def hypothesis_home_outside_the_repo(tmp_path_factory):
    """Even without an example database Hypothesis caches a few files (constants, Unicode
    tables) in ./.hypothesis: keep them in pytest's temporary folder instead."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture
def corpus(make_kampung, make_offering):
    """A little to find, so the fuzzed queries also go through highlighting and facets."""
    tinalan = make_kampung(kelurahan=TINALAN, name="Kampung Tahu Tinalan")
    bandar = make_kampung(kelurahan=BANDAR_KIDUL, name="Kampung Tenun Ikat")
    make_offering(tinalan, pillar="edukasi", title="Belajar Membuat Tahu", price_idr=None,
                  description="Kelas membuat tahu takwa (kedelai) & \"stik\" tahu: 2 jam.")
    make_offering(bandar, pillar="dagang", title="Kain Tenun Ikat", price_idr=175000,
                  description="Tenunan ATBM; oleh-oleh khas Kediri <asli>.", tags=["tenun", "kain"])
    make_offering(bandar, pillar="wisata", title="Wisata Kampung Tenun", price_idr=25000)


def assert_page(response):
    assert response.status_code == 200, response.status_code
    assert "<h1>" in response.get_data(as_text=True)


def assert_api(response):
    assert response.status_code in (200, 400), response.status_code
    body = response.get_json()
    assert isinstance(body, dict)
    assert ("error" in body) == (response.status_code == 400)


def test_any_query_text_gets_a_search_page(client, corpus):
    @FUZZ
    @given(query_text)
    def check(text):
        assert_page(client.get("/cari", query_string={"q": text}))

    check()


def test_any_query_text_gets_a_json_answer(client, corpus):
    @FUZZ
    @given(query_text)
    def check(text):
        response = client.get("/api/v1/search", query_string={"q": text})
        assert_api(response)
        if len(text) <= 200:
            assert response.status_code == 200

    check()


def test_any_mix_of_parameters_is_answered(client, corpus):
    @FUZZ
    @given(param_sets)
    def check(params):
        assert_page(client.get("/cari", query_string=params))
        assert_api(client.get("/api/v1/search", query_string=params))

    check()


MALFORMED = [
    '"tahu', "tahu)", "((((tenun", "NOT", "AND OR NOT", "NOT OR x", "title:", "price:[0 TO]",
    "key:offering:1", "*", "?~^", "[", "{}", "x" * 10_000, "tahu\x00tenun", "\x00" * 50,
    "\x1b[31mtahu", "tahu\r\ntenun", "\u202etahu", "🙂" * 300, "ｔａｈｕ", "ﬁ",
    "a" * 41, "-".join(["kupu"] * 50), "%00", "%ff%fe",
]


def test_malformed_queries_get_an_answer(client, corpus):
    for text in MALFORMED:
        assert_page(client.get("/cari", query_string={"q": text}))
        assert_api(client.get("/api/v1/search", query_string={"q": text}))


def test_raw_bytes_in_the_query_string_get_an_answer(client, corpus):
    for raw in ("q=%ff%fe%00", "q=%", "q=%%%", "q=tahu&q=tenun", "pilar=%c0%af", "hal=%00",
                "q=" + "%e2%80%ae" * 10, "&&&=&=", "q"):
        assert_page(client.get(f"/cari?{raw}"))
        assert_api(client.get(f"/api/v1/search?{raw}"))

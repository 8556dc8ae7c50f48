"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json. Written as data next to
the code it describes; tests/test_api_openapi.py runs schemathesis against it, so a change to a
parameter or a record that is not made here too fails the tests."""
import copy

from keren.api.forms import MAX_PER_PAGE, PER_PAGE, PER_PAGE_KELURAHAN
from keren.api.records import ATTRIBUTION, LICENCE
from keren.api.views import CACHE_SECONDS, bp, cacheable
from keren.models import Pillar
from keren.search.forms import KIND_LABELS, MAX_PRICE, PRICE_LABELS, SORT_LABELS
from keren.search.query import MAX_PAGE, MAX_QUERY, PER_PAGE as SEARCH_PER_PAGE
from keren.services import places

PILLARS = [p.value for p in Pillar]


def _ref(kind, name):
    return {"$ref": f"#/components/{kind}/{name}"}


def _nullable(schema):
    return {**schema, "nullable": True}


def _object(properties):
    """An object with exactly these properties, all required."""
    return {"type": "object", "required": list(properties), "properties": properties,
            "additionalProperties": False}


def _query(name, description, schema):
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
URL = {"type": "string", "format": "uri"}
COUNT = {"type": "integer", "minimum": 0}


def _parameters():
    kecamatan, kelurahan = places.reference_slugs()
    page = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}

    def per_page(default):
        return _query("per_hal", f"Results per page (default {default}).",
                      {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                       "default": default})

    price = {"type": "integer", "minimum": 0, "maximum": MAX_PRICE}
    return {
        "kecamatan": _query("kecamatan", "A kecamatan by slug, e.g. `pesantren`; empty for any. "
                            "Any other value is refused with 400.",
                            {"type": "string", "enum": ["", *kecamatan]}),
        "kelurahan": _query("kelurahan", "A kelurahan by slug, e.g. `tinalan`; empty for any. "
                            "Any other value is refused with 400.",
                            {"type": "string", "enum": ["", *kelurahan]}),
        "pilar": _query("pilar", "A pillar; empty for any.",
                        {"type": "string", "enum": ["", *PILLARS]}),
        "hal": _query("hal", "The page, from 1.", page),
        "per_hal": per_page(PER_PAGE),
        "per_hal_kelurahan": per_page(PER_PAGE_KELURAHAN),
        "if_none_match": {"name": "If-None-Match", "in": "header", "required": False,
                          "description": "The ETag of an earlier answer: 304 when unchanged.",
                          "schema": STRING},
        "q": _query("q", "The words: any text; malformed syntax falls back to plain words.",
                    {"type": "string", "maxLength": MAX_QUERY}),
        "harga": _query("harga", "A price range; empty for any.",
                        {"type": "string", "enum": ["", *PRICE_LABELS]}),
        "harga_min": _query("harga_min", "Lowest price in whole rupiah.", price),
        "harga_max": _query("harga_max", "Highest price in whole rupiah (not below harga_min).",
                            price),
        "jenis": _query("jenis", "Only offerings or only kampung profiles; empty for both.",
                        {"type": "string", "enum": ["", *KIND_LABELS]}),
        "urut": _query("urut", "The order of the results.",
                       {"type": "string", "enum": list(SORT_LABELS), "default": "relevan"}),
    }


def _schemas():
    place = _object({"code": STRING, "name": STRING, "slug": STRING})
    links = _object({"next": _nullable(URL), "prev": _nullable(URL)})

    def listing(record):
        return _object({"total": COUNT, "page": {"type": "integer", "minimum": 1},
                        "per_page": {"type": "integer", "minimum": 1}, "pages": COUNT,
                        "results": {"type": "array", "items": _ref("schemas", record)},
                        "links": _ref("schemas", "Links")})

    counts = {"type": "object", "additionalProperties": COUNT}
    return {
        "Error": _object({"error": STRING}),
        "Place": place,
        "Links": links,
        "Kelurahan": _object({
            "code": {"type": "string", "pattern": r"^35\.71\.0[1-3]\.[0-9]{4}$"},
            "name": STRING, "slug": STRING, "kecamatan": _ref("schemas", "Place"),
            "postcode": {"type": "string", "pattern": "^[0-9]{5}$"},
            "latitude": {"type": "number"}, "longitude": {"type": "number"},
            "kampung_count": COUNT, "offering_count": COUNT, "url": URL}),
        "Kampung": _object({
            "id": INTEGER, "name": STRING, "slug": STRING, "tagline": STRING,
            "kelurahan": _ref("schemas", "Place"), "kecamatan": _ref("schemas", "Place"),
            "verified": BOOLEAN,
            "latitude": _nullable({"type": "number"}), "longitude": _nullable({"type": "number"}),
            "offering_count": COUNT,
            "pillars": {"type": "array", "items": {"type": "string", "enum": PILLARS},
                        "uniqueItems": True},
            "demo": BOOLEAN, "url": URL}),
        "Offering": _object({
            "id": INTEGER, "title": STRING, "slug": STRING,
            "pillar": {"type": "string", "enum": PILLARS}, "summary": STRING,
            "price_idr": _nullable({"type": "integer", "minimum": 1}),
            "price_unit": _nullable(STRING),
            "kampung": _object({"id": INTEGER, "name": STRING, "slug": STRING}),
            "kelurahan": _ref("schemas", "Place"), "kecamatan": _ref("schemas", "Place"),
            "is_bookable": BOOLEAN, "demo": BOOLEAN, "url": URL,
            "updated_at": _nullable({"type": "string", "format": "date-time"})}),
        "KelurahanList": listing("Kelurahan"),
        "KampungList": listing("Kampung"),
        "OfferingList": listing("Offering"),
        "SearchResult": _object({
            "type": {"type": "string", "enum": ["offering", "kampung"]}, "id": INTEGER,
            "title": STRING, "url": URL, "pillar": _nullable({"type": "string", "enum": PILLARS}),
            "kampung": STRING, "kelurahan": STRING, "kecamatan": STRING,
            "price_idr": _nullable({"type": "integer", "minimum": 1}),
            "snippet": STRING, "snippet_html": STRING}),
        "SearchResponse": _object({
            "query": STRING, "total": COUNT, "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "enum": [SEARCH_PER_PAGE]},
            "results": {"type": "array", "items": _ref("schemas", "SearchResult")},
            "facets": _object({name: counts for name in
                               ("kind", "pillar", "kecamatan", "kelurahan", "price")}),
            "suggestion": _nullable(STRING)}),
    }


def _json(schema_name, description):
    return {"description": description,
            "content": {"application/json": {"schema": _ref("schemas", schema_name)}}}


def _cached_headers():
    return {
        "ETag": {"required": True, "description": "Changes whenever the body does.",
                 "schema": STRING},
        "Cache-Control": {"required": True, "description": f"public, max-age={CACHE_SECONDS}",
                          "schema": {"type": "string", "pattern": "public"}},
    }


def _responses():
    return {
        "NotModified": {"description": "Unchanged since the ETag in If-None-Match.",
                        "headers": {"ETag": _cached_headers()["ETag"]}},
        "BadRequest": _json("Error", "A parameter is malformed or names an unknown place; "
                                     "the message is in the visitor's language."),
    }


def _operation(operation_id, summary, description, parameters, schema, *, extra=None):
    ok = _json(schema, "OK")
    ok["headers"] = _cached_headers()
    return {"get": {
        "operationId": operation_id, "summary": summary, "description": description,
        "parameters": [_ref("parameters", p) for p in parameters],
        "responses": {"200": ok, "304": _ref("responses", "NotModified"),
                      "400": _ref("responses", "BadRequest"), **(extra or {})}}}


def document():
    """The OpenAPI 3.0 document of /api/v1, as a dict."""
    listing = ["hal", "if_none_match"]
    paths = {
        "/api/v1/kelurahan": _operation(
            "listKelurahan", "The 46 kelurahan of Kota Kediri",
            "Each kelurahan with its kecamatan, postcode, centre and the number of published "
            "kampung and offerings, in id order.",
            ["kecamatan", "kelurahan", *listing, "per_hal_kelurahan"], "KelurahanList"),
        "/api/v1/kampung": _operation(
            "listKampung", "Published kampung",
            "Published kampung profiles in id order. With `pilar`, only kampung with a "
            "published offering in that pillar. No contact or personal data.",
            ["kecamatan", "kelurahan", "pilar", *listing, "per_hal"], "KampungList"),
        "/api/v1/offerings": _operation(
            "listOfferings", "Published offerings",
            "Published offerings of published kampung in id order.",
            ["kecamatan", "kelurahan", "pilar", *listing, "per_hal"], "OfferingList"),
        "/api/v1/search": _operation(
            "search", "Full-text search",
            "The search of /cari: published kampung and offerings ranked by relevance, "
            f"{SEARCH_PER_PAGE} a page, with facet counts and a 'did you mean' suggestion.",
            ["q", "pilar", "kecamatan", "kelurahan", "harga", "harga_min", "harga_max", "jenis",
             "urut", "hal", "if_none_match"], "SearchResponse",
            extra={"503": _json("Error", "The search index cannot be read just now.")}),
    }
    # A fresh copy each time: the schema pieces above are shared, and a reader may change them.
    return copy.deepcopy({
        "openapi": "3.0.3",
        "info": {
            "title": "Kampung KEREN API",
            "version": "1",
            "description": (
                "The public, read-only data of Kampung KEREN, the directory of Kota Kediri's "
                "kampung: published kampung and offerings only, nothing personal. Every answer "
                f"may be cached for {CACHE_SECONDS} seconds and carries an ETag. Bad parameters "
                "get status 400 and `{\"error\": \"...\"}` in the visitor's language. "
                f"Data under {LICENCE['name']}; attribution: {ATTRIBUTION}. CSV and JSON "
                "downloads of the same data: /data-terbuka"),
            "license": {"name": LICENCE["id"], "url": LICENCE["url"]},
        },
        "paths": paths,
        "components": {"parameters": _parameters(), "schemas": _schemas(),
                       "responses": _responses()},
    })


@bp.get("/openapi.json")
def openapi():
    """This API's OpenAPI document."""
    return cacheable(document())

"""Views: the JSON API. GET only, so no CSRF exemption is needed; answers are cacheable."""
from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _

from keren.search.forms import SearchForm
from keren.search.views import (SearchUnavailable, place_names, record_search, run_search,
                                unknown_places)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

CACHE_SECONDS = 60


def error(message, status=400):
    """`{"error": message}` with `status`, never cached."""
    response = jsonify({"error": str(message)})
    response.status_code = status
    response.cache_control.no_store = True
    return response


def cacheable(body):
    """`body` as JSON, public for CACHE_SECONDS, with an ETag of its bytes; 304 Not Modified
    when the request's If-None-Match names that ETag."""
    response = jsonify(body)
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    response.add_etag()
    return response.make_conditional(request)


def _place(kelurahan):
    return kelurahan.name, kelurahan.kecamatan.name


def _result(hit):
    """One hit as the API's flat record."""
    item = hit.item
    snippet = {"snippet": hit.snippet.striptags(), "snippet_html": str(hit.snippet)}
    if hit.kind == "offering":
        kelurahan, kecamatan = _place(item.kampung.kelurahan)
        return {"type": "offering", "id": item.id, "title": item.title,
                "url": url_for("kampung.offering_page", slug=item.kampung.slug,
                               offering_slug=item.slug, _external=True),
                "pillar": item.pillar.value, "kampung": item.kampung.name,
                "kelurahan": kelurahan, "kecamatan": kecamatan,
                "price_idr": item.price_idr or None, **snippet}
    kelurahan, kecamatan = _place(item.kelurahan)
    return {"type": "kampung", "id": item.id, "title": item.name,
            "url": url_for("kampung.kampung_page", slug=item.slug, _external=True),
            "pillar": None, "kampung": item.name, "kelurahan": kelurahan,
            "kecamatan": kecamatan, "price_idr": None, **snippet}


def _facets(facets):
    """The engine's facet counts without the empty keys (a kampung has no pillar or price)."""
    return {name: {key: count for key, count in counts.items() if key not in (None, "")}
            for name, counts in facets.items()}


@bp.get("/search")
def search():
    """Search published kampung and offerings: the same parameters as /cari, as JSON."""
    form = SearchForm(request.args)
    if not form.validate():
        return error(form.error_messages()[0])
    if problems := unknown_places(form, place_names()):
        return error(problems[0][1])
    params = form.params()
    try:
        result = run_search(params)
    except SearchUnavailable:
        return error(_("Maaf, pencarian belum bisa dipakai. Coba lagi sebentar lagi."), 503)
    # Past the last page there is nothing (the engine would repeat the last page).
    hits = result.hits if params.page <= result.pages else []
    body = {
        "query": result.query, "total": result.total, "page": params.page,
        "per_page": params.per_page, "results": [_result(hit) for hit in hits],
        "facets": _facets(result.facets), "suggestion": result.suggestion,
    }
    record_search(params, result.total, "api")
    return cacheable(body)

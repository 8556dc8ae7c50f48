"""Views: the search page /cari, and the helpers it shares with the search API."""
import logging

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _

from keren.db_setup import write_transaction
from keren.extensions import db
from keren.models.offering import PILLAR_LABELS, Pillar
from keren.search.forms import KIND_LABELS, PRICE_LABELS, SearchForm
from keren.search.query import MAX_QUERY, PRICE_BUCKETS, search
from keren.services import places, searchlog
from keren.templating import rupiah

log = logging.getLogger(__name__)

bp = Blueprint("search", __name__)


class SearchUnavailable(Exception):
    """The index could not answer (a broken or missing index, not the visitor's input)."""


def place_names():
    """({kecamatan slug: name}, {kelurahan slug: name}) of all of Kota Kediri."""
    kecamatan, kelurahan = {}, {}
    for kec in places.kecamatan_with_kelurahan():
        kecamatan[kec.slug] = kec.name
        kelurahan.update((kel.slug, kel.name) for kel in kec.kelurahan)
    return kecamatan, kelurahan


def unknown_places(form, names):
    """[(field, message)] for a kecamatan or kelurahan slug that names no place."""
    return [(field, message) for field, known, message in (
        (form.kecamatan, names[0], _("Kecamatan tidak dikenal.")),
        (form.kelurahan, names[1], _("Kelurahan tidak dikenal.")))
        if field.data and field.data not in known]


def run_search(params):
    """The engine's answer; an index failure becomes SearchUnavailable (logged), never a 500."""
    try:
        return search(current_app.config, params)
    except Exception as exc:
        log.exception("search failed for %r", params)
        raise SearchUnavailable from exc


def record_search(params, total, source):
    """Log a search in its own write transaction; a failure is logged and never reaches the
    visitor. Only the first page of a search that asked for something is counted."""
    if params.page != 1 or not (params.q.strip() or params.filters()):
        return
    # The request read in a plain transaction; the insert gets its own, begun IMMEDIATE, so
    # on SQLite it queues behind other writers rather than failing to upgrade a read lock.
    db.session.rollback()
    try:
        with write_transaction():
            searchlog.log_search(params, total, source)
            db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("search log write failed")


def _facet_groups(form, result, names):
    """The facets as groups of links, each with its count; the active value marked."""
    kecamatan_names, kelurahan_names = names
    facets = result.facets

    def items(param, counts, labels, order=None):
        counts = {k: v for k, v in counts.items() if k not in (None, "") and v and k in labels}
        keys = order if order is not None else sorted(counts, key=lambda k: (-counts[k],
                                                                             str(labels[k])))
        extra = {"harga_min": None, "harga_max": None} if param == "harga" else {}
        return [{"label": labels[k], "count": counts[k], "active": form[param].data == k,
                 "url": url_for("search.results", **form.values(**{param: k, "hal": None},
                                                                **extra))}
                for k in keys if k in counts]

    groups = [
        ("pilar", _("Pilar"), items("pilar", facets.get("pillar", {}),
                                    {p.value: PILLAR_LABELS[p] for p in Pillar},
                                    [p.value for p in Pillar])),
        ("kecamatan", _("Kecamatan"), items("kecamatan", facets.get("kecamatan", {}),
                                            kecamatan_names)),
        ("kelurahan", _("Kelurahan"), items("kelurahan", facets.get("kelurahan", {}),
                                            kelurahan_names)),
        ("harga", _("Harga"), items("harga", facets.get("price", {}), PRICE_LABELS,
                                    list(PRICE_BUCKETS))),
        ("jenis", _("Jenis"), items("jenis", facets.get("kind", {}), KIND_LABELS,
                                    list(KIND_LABELS))),
    ]
    return [{"param": param, "title": title, "items": found}
            for param, title, found in groups if found]


def _active_filters(form, names):
    """The filters in force, each with a link that removes it."""
    kecamatan_names, kelurahan_names = names
    labels = {
        "pilar": (_("Pilar"), lambda v: PILLAR_LABELS[Pillar(v)]),
        "kecamatan": (_("Kecamatan"), kecamatan_names.get),
        "kelurahan": (_("Kelurahan"), kelurahan_names.get),
        "harga": (_("Harga"), PRICE_LABELS.get),
        "harga_min": (_("Harga terendah"), _rupiah),
        "harga_max": (_("Harga tertinggi"), _rupiah),
        "jenis": (_("Jenis"), KIND_LABELS.get),
    }
    active = []
    for param, (title, label) in labels.items():
        value = form[param].data
        if value not in (None, ""):
            active.append({"title": title, "label": label(value),
                           "url": url_for("search.results",
                                          **form.values(**{param: None, "hal": None}))})
    return active


def _rupiah(value):
    return rupiah(value) if value else "Rp0"


@bp.get("/cari")
def results():
    """Search kampung and offerings: the query, filters with counts, sorting and pages."""
    form = SearchForm(request.args)
    form.validate()
    notices = []
    if form.q.errors:
        notices.append(_("Kata kunci dipotong menjadi %(max)d karakter.", max=MAX_QUERY))
        form.q.data = form.q.data[:MAX_QUERY]
    q_errors = [str(e) for e in form.q.errors]
    notices += [_("%(problem)s Pilihan itu diabaikan.", problem=message)
                for message in form.drop_invalid() if message not in q_errors]
    names = place_names()
    for field, message in unknown_places(form, names):
        notices.append(_("%(problem)s Pilihan itu diabaikan.", problem=message))
        field.data = ""
    params = form.params()
    try:
        result = run_search(params)
        if result.total and params.page > result.pages:
            notices.append(_("Halaman %(page)d tidak ada; ini halaman terakhir.", page=params.page))
            form.hal.data = params.page = result.pages
            result = run_search(params)
    except SearchUnavailable:
        return render_template(
            "errors/error.html", code=503, title=_("Pencarian sedang gangguan"),
            message=_("Maaf, pencarian belum bisa dipakai. Coba lagi sebentar lagi.")), 503
    context = dict(form=form, result=result, notices=notices,
                   facet_groups=_facet_groups(form, result, names),
                   active_filters=_active_filters(form, names))
    if result.total == 0:
        context["popular"] = searchlog.popular_queries()
    page = render_template("search/results.html", **context)
    record_search(params, result.total, "web")
    return page

"""Views: the programme dashboard (/statistik), a kampung's own figures for its managers, the
public Transparansi page, the scorecard downloads, and the WhatsApp redirects that count
clicks before handing the visitor to wa.me."""
import json
import logging

from flask import (Blueprint, abort, after_this_request, current_app, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields import SelectChoice

from keren.api.records import ATTRIBUTION, LICENCE
from keren.extensions import db
# The module, not its name: the kampung pages import this package's counter.
from keren.kampung import views as kampung_views
from keren.models import Kampung, Offering, Pillar
from keren.models.offering import PILLAR_LABELS
from keren.models.stats import WHATSAPP
from keren.opendata.views import attachment, csv_text
from keren.services import places, stats
from keren.stats import collect
from keren.stats.forms import PeriodForm
from keren.web import get_editable_or_404

bp = Blueprint("stats", __name__)
log = logging.getLogger(__name__)


# --- WhatsApp hand-off, counted ---------------------------------------------------------------

def _whatsapp_redirect(kampung, offering=None):
    target = kampung_views.kampung_whatsapp(kampung, offering)
    if target is None:
        abort(404)
    collect.record(kampung, offering, event=WHATSAPP)
    response = redirect(target, code=302)
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/wa/kampung/<int:kampung_id>")
def whatsapp_kampung(kampung_id):
    """The "Chat WhatsApp" button of a published kampung: count it, then go to wa.me."""
    kampung = db.session.get(Kampung, kampung_id)
    if kampung is None or not kampung.is_published:
        abort(404)
    return _whatsapp_redirect(kampung)


@bp.get("/wa/penawaran/<int:offering_id>")
def whatsapp_offering(offering_id):
    """The "Tanya lewat WhatsApp" button of a public offering."""
    offering = db.session.get(Offering, offering_id)
    if offering is None or not offering.is_public:
        abort(404)
    return _whatsapp_redirect(offering.kampung, offering)


# --- the dashboard ----------------------------------------------------------------------------

def after_response(job):
    """Run `job` once the response has been sent (its figures are then a few minutes old at
    most): a recompute never delays the page that found it due."""
    app = current_app._get_current_object()

    @after_this_request
    def schedule(response):
        def run():
            with app.app_context():
                try:
                    job()
                except Exception:  # after the response: nobody to tell but the log
                    log.exception("statistics roll-up after the response failed")
                finally:
                    db.session.remove()
        response.call_on_close(run)
        return response


def _place_choices():
    choices = [SelectChoice("", _("Seluruh Kota Kediri"))]
    for kecamatan in places.kecamatan_with_kelurahan():
        group = _("Kecamatan %(name)s", name=kecamatan.name)
        choices.append(SelectChoice(kecamatan.code, _("Seluruh kecamatan %(name)s",
                                                      name=kecamatan.name), optgroup=group))
        choices += [SelectChoice(k.code, k.name, optgroup=group) for k in kecamatan.kelurahan]
    return choices


def _scope_of(code):
    """The scope a city admin asked for by code; None when the code names no place."""
    if not code:
        return stats.Scope()
    if (kelurahan := places.kelurahan_by_code(code)) is not None:
        return stats.Scope(kecamatan=kelurahan.kecamatan, kelurahan=kelurahan)
    kecamatan = places.kecamatan_by_code(code)
    return stats.Scope(kecamatan=kecamatan) if kecamatan is not None else None


def _request_scorecard():
    """The scorecard the admin's query string asks for, within what they may see.

    A kelurahan admin sees their own kelurahan only: any other place is a 403. Bad input is
    shown on the form (status 400) and the default period and place are used."""
    if not (current_user.is_city_admin or current_user.is_kelurahan_admin):
        abort(403)
    form = PeriodForm(request.args)
    form.wilayah.choices = _place_choices() if current_user.is_city_admin else []
    valid = form.validate()
    code = (form.wilayah.data or "").strip()
    if current_user.is_city_admin:
        scope = _scope_of(code)
        if scope is None:
            form.wilayah.errors = [*form.wilayah.errors, _("Wilayah itu tidak dikenal.")]
            valid, scope = False, stats.Scope()
    else:
        own = current_user.kelurahan
        if code and code != own.code:
            abort(403)
        scope = stats.Scope(kecamatan=own.kecamatan, kelurahan=own)
    first, last = form.months() if valid else (None, None)
    months = stats.period(first, last)
    return stats.scorecard(scope, months, later=after_response), form, 200 if valid else 400


@bp.get("/statistik")
@login_required
def dashboard():
    """The programme's figures for a place and a period, with monthly trends."""
    card, form, status = _request_scorecard()
    downloads = {fmt: url_for("stats.dashboard_download", fmt=fmt, wilayah=_scope_code(card),
                              dari=f"{card.months[0]:%Y-%m}", sampai=f"{card.months[-1]:%Y-%m}")
                 for fmt in ("csv", "json")}
    return render_template("stats/dashboard.html", card=card, form=form, downloads=downloads,
                           pillar_labels=PILLAR_LABELS, pillars=list(Pillar)), status


def _scope_code(card):
    place = card.scope.kelurahan or card.scope.kecamatan
    return place.code if place is not None else None


@bp.get("/statistik/skor.<any(csv, json):fmt>")
@login_required
def dashboard_download(fmt):
    """The dashboard's scorecard per kelurahan per month, as CSV or JSON."""
    card, _form, status = _request_scorecard()
    if status != 200:
        abort(400)
    return _scorecard_file(card, fmt)


# --- downloads --------------------------------------------------------------------------------

def _scorecard_file(card, fmt):
    """The scorecard per kelurahan per month as a CSV or JSON attachment (not cached)."""
    rows = list(stats.scorecard_rows(card))
    name = f"skor-kampung-keren-{_scope_code(card) or 'kota-kediri'}-" \
           f"{card.months[0]:%Y-%m}-{card.months[-1]:%Y-%m}"
    if fmt == "csv":
        return attachment(csv_text(stats.SCORECARD_COLUMNS, rows), "text/csv", f"{name}.csv")
    body = {"title": "Skor Kampung KEREN per kelurahan per bulan", "licence": LICENCE,
            "attribution": ATTRIBUTION, "demo_data": card.has_demo,
            "period": {"from": f"{card.months[0]:%Y-%m}", "to": f"{card.months[-1]:%Y-%m}"},
            "columns": list(stats.SCORECARD_COLUMNS), "rows": rows}
    return attachment(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                      "application/json", f"{name}.json")


@bp.get("/data-terbuka/skor.<any(csv, json):fmt>")
def open_scorecard(fmt):
    """The city's scorecard per kelurahan per month as open data (aggregates only)."""
    form = PeriodForm(request.args)
    if not form.validate():
        return {"error": " ".join(str(e) for errs in form.errors.values() for e in errs)}, 400
    first, last = form.months()
    card = stats.scorecard(stats.Scope(), stats.period(first, last), later=after_response)
    response = _scorecard_file(card, fmt)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


# --- the public page and a kampung's own figures ----------------------------------------------

@bp.get("/transparansi")
def transparency():
    """The programme's headline figures for the city, for everyone."""
    card = stats.scorecard(stats.Scope(), stats.period(), later=after_response)
    return render_template("stats/transparency.html", card=card, pillar_labels=PILLAR_LABELS,
                           pillars=list(Pillar))


@bp.get("/kelola/kampung/<int:kampung_id>/statistik")
@login_required
def kampung_figures(kampung_id):
    """A kampung's own views, WhatsApp clicks, bookings and visitors, month by month."""
    kampung = get_editable_or_404(Kampung, kampung_id)
    months = stats.period()
    rows = stats.kampung_figures(kampung, months)
    return render_template("stats/kampung.html", kampung=kampung, rows=rows,
                           views=[(row.month, row.views) for row in rows])

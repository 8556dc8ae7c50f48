"""Views: public kampung and offering pages, reports from visitors, uploaded media."""
import re

from flask import (Blueprint, abort, current_app, flash, redirect, render_template,
                   send_from_directory, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from keren.booking.forms import VisitRequestForm
from keren.extensions import db, limiter
from keren.kampung.forms import ReportForm
from keren.models import Kampung, Offering
from keren.models.base import utcnow
from keren.phone import whatsapp_url
from keren.services import (booking as booking_service, kampung as kampung_service, moderation,
                            offerings as offering_service)
from keren.services.errors import ServiceError
from keren.stats import collect
from keren.web import attach_error, expire_overdue_bookings

bp = Blueprint("kampung", __name__)

MEDIA_NAME = re.compile(r"^[0-9a-f]{32}-(display|thumb)\.jpg$")


@bp.get("/media/<name>")
def media(name):
    """A re-encoded photo. Names are random and never reused, so they are cached for a year."""
    if not MEDIA_NAME.match(name):
        abort(404)
    response = send_from_directory(current_app.config["UPLOAD_DIR"], name, max_age=31536000)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def _visible_kampung(slug):
    kampung = kampung_service.by_slug(slug)
    if kampung is None or not kampung.is_visible_to(current_user):
        abort(404)
    return kampung


def kampung_whatsapp(kampung, offering=None):
    if not kampung.whatsapp:
        return None
    if offering is None:
        text = _("Halo %(kampung)s, saya melihat profil Anda di Kampung KEREN dan ingin bertanya.",
                 kampung=kampung.name)
    else:
        text = _("Halo %(kampung)s, saya tertarik dengan \"%(title)s\" di Kampung KEREN.",
                 kampung=kampung.name, title=offering.title)
    return whatsapp_url(kampung.whatsapp, text)


def whatsapp_button(kampung, offering=None):
    """The WhatsApp button's link: on a public page through our redirect, which counts the
    click; on a preview (draft, pending) straight to wa.me, uncounted."""
    if not kampung.whatsapp:
        return None
    if offering is None and kampung.is_published:
        return url_for("stats.whatsapp_kampung", kampung_id=kampung.id)
    if offering is not None and offering.is_public:
        return url_for("stats.whatsapp_offering", offering_id=offering.id)
    return kampung_whatsapp(kampung, offering)


def osm_url(kampung):
    if kampung.latitude is None:
        return kampung.kelurahan.osm_url
    return (f"https://www.openstreetmap.org/?mlat={kampung.latitude:.6f}"
            f"&mlon={kampung.longitude:.6f}#map=17/{kampung.latitude:.6f}/{kampung.longitude:.6f}")


@bp.get("/kampung/<slug>")
def kampung_page(slug):
    """A kampung's profile with its published offerings."""
    kampung = _visible_kampung(slug)
    page = render_template("kampung/kampung.html", kampung=kampung,
                           offerings=offering_service.public_offerings(kampung=kampung),
                           whatsapp=whatsapp_button(kampung),
                           osm=osm_url(kampung))
    if kampung.is_published:
        collect.record(kampung)
    return page


@bp.get("/kampung/<slug>/<offering_slug>")
def offering_page(slug, offering_slug):
    """One offering: photos, price, details and its kampung."""
    offering = offering_service.by_slugs(slug, offering_slug)
    if offering is None or not offering.is_visible_to(current_user):
        abort(404)
    page = render_offering(offering)
    if offering.is_public:
        collect.record(offering.kampung, offering)
    return page


def render_offering(offering, *, booking_form=None, status=200):
    """The offering page; with its "Pesan kunjungan" form when it takes bookings. The booking
    POST renders it again with that form's errors."""
    return render_template("kampung/offering.html", offering=offering, kampung=offering.kampung,
                           whatsapp=whatsapp_button(offering.kampung, offering),
                           osm=osm_url(offering.kampung), slots=_bookable_slots(offering),
                           booking_form=booking_form or VisitRequestForm.blank(current_user)), status


def _bookable_slots(offering):
    if not (offering.is_public and offering.is_bookable):
        return []
    now = utcnow()
    expire_overdue_bookings(now=now, offering=offering)
    return booking_service.open_slots(offering, now=now)


def _report(item, name):
    # Reports are for what the public can see.
    if not (item.is_public if isinstance(item, Offering) else item.is_published):
        abort(404)
    form = ReportForm()
    if not form.validate_on_submit():
        return render_template("kampung/report.html", form=form, item=item, name=name), \
            422 if form.is_submitted() else 200
    try:
        moderation.report(item, category=form.category.data, message=form.message.data,
                          reporter=current_user if current_user.is_authenticated else None)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return render_template("kampung/report.html", form=form, item=item, name=name), 422
    db.session.commit()
    flash(_("Terima kasih. Laporan Anda sudah diterima dan akan ditinjau admin kelurahan."),
          "success")
    if isinstance(item, Kampung):
        return redirect(url_for("kampung.kampung_page", slug=item.slug))
    return redirect(url_for("kampung.offering_page", slug=item.kampung.slug,
                            offering_slug=item.slug))


@bp.route("/lapor/kampung/<int:kampung_id>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def report_kampung(kampung_id):
    """"Laporkan" a public kampung profile."""
    kampung = db.session.get(Kampung, kampung_id) or abort(404)
    return _report(kampung, kampung.name)


@bp.route("/lapor/penawaran/<int:offering_id>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def report_offering(offering_id):
    """"Laporkan" a public offering."""
    offering = db.session.get(Offering, offering_id) or abort(404)
    return _report(offering, offering.title)

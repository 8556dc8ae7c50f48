"""Views of the public pages."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, session

from keren.security import safe_next
from keren.services import kampung as kampung_service, offerings, places

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Introduce Kampung KEREN and list every kelurahan by kecamatan."""
    kecamatan_list = places.kecamatan_with_kelurahan()
    return render_template("main/home.html", kecamatan_list=kecamatan_list,
                           kelurahan_count=sum(len(k.kelurahan) for k in kecamatan_list),
                           recent=offerings.recent_by_pillar(),
                           active_kelurahan=kampung_service.kelurahan_with_kampung())


@bp.get("/kelurahan/<slug>")
def kelurahan(slug):
    """One kelurahan: its name, kecamatan, code and postcode."""
    place = places.kelurahan_by_slug(slug)
    if place is None:
        abort(404)
    return render_template("main/kelurahan.html", kelurahan=place,
                           kampung_list=kampung_service.published_in(place),
                           offerings=offerings.public_offerings(kelurahan=place))


@bp.get("/bahasa/<lang>")
def set_language(lang):
    """Remember the visitor's language and go back to where they were."""
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = lang
    return redirect(safe_next(request.args.get("next")))

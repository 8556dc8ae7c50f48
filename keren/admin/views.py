"""Views: city admins: admin roles and the audit log."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from keren.admin.forms import AuditFilterForm, GrantRoleForm, RevokeForm
from keren.extensions import db, login_manager
from keren.models import User
from keren.moderation.forms import kelurahan_choices
from keren.services import audit_log, places, roles as roles_service
from keren.services.errors import NotAllowed, ServiceError
from keren.web import attach_error

bp = Blueprint("admin", __name__, url_prefix="/admin")

# A page number beyond this is junk; it would only make the database count a huge offset.
MAX_PAGE = 100_000


@bp.before_request
def _city_admins_only():
    """City admins only: anonymous visitors log in, everyone else gets 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_city_admin:
        abort(403)
    return None


def _status(exc):
    return 403 if isinstance(exc, NotAllowed) else 422


# --- roles -----------------------------------------------------------------------------------

def _render_roles(form, status=200):
    return render_template("admin/roles.html", form=form, admins=roles_service.admins(),
                           revoke_form=RevokeForm(formdata=None)), status


def _grant_form(**kwargs):
    form = GrantRoleForm(**kwargs)
    form.kelurahan.choices = kelurahan_choices(places.kecamatan_with_kelurahan(),
                                               empty_label=_("Pilih kelurahan"))
    return form


@bp.route("/peran", methods=["GET", "POST"])
def roles():
    """Who holds an admin role; make an existing account a kelurahan admin."""
    form = _grant_form()
    if not form.validate_on_submit():
        return _render_roles(form, 422 if form.is_submitted() else 200)
    kelurahan = places.kelurahan_by_code(form.kelurahan.data)
    try:
        user = roles_service.grant_kelurahan_admin(form.email.data, kelurahan,
                                                   actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return _render_roles(form, _status(exc))
    db.session.commit()
    flash(_("%(name)s sekarang admin Kelurahan %(kelurahan)s.", name=user.name,
            kelurahan=kelurahan.name), "success")
    return redirect(url_for("admin.roles"))


@bp.post("/peran/<int:user_id>/cabut")
def revoke_role(user_id):
    """Make an admin a visitor again (never oneself)."""
    user = db.get_or_404(User, user_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _render_roles(_grant_form(formdata=None), 422)
    try:
        roles_service.revoke(user, actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_roles(_grant_form(formdata=None), _status(exc))
    db.session.commit()
    flash(_("Peran admin %(name)s sudah dicabut.", name=user.name), "success")
    return redirect(url_for("admin.roles"))


# --- the audit log ---------------------------------------------------------------------------

@bp.get("/audit")
def audit():
    """The audit log, newest first, 50 a page, filtered by kelurahan, actor, action and date."""
    form = AuditFilterForm(request.args)
    kecamatan = places.kecamatan_with_kelurahan()
    by_code = {k.code: k for kec in kecamatan for k in kec.kelurahan}
    form.kelurahan.choices = kelurahan_choices(kecamatan, empty_label=_("Semua kelurahan"))
    form.action.choices = [("", _("Semua tindakan"))] + [
        (action, str(audit_log.action_label(action))) for action in audit_log.distinct_actions()]
    page = min(max(request.args.get("halaman", 1, type=int), 1), MAX_PAGE)
    args = {k: v for k, v in request.args.items() if k != "halaman"}
    context = {"form": form, "entries": None, "audit_log": audit_log,
               "kelurahan_names": {k.id: k.name for k in by_code.values()},
               "page_url": lambda n: url_for("admin.audit", **args, halaman=n)}
    if not form.validate():
        # Say what is wrong and list nothing, rather than a log that ignores the filter.
        return render_template("admin/audit.html", **context), 422
    try:
        entries = audit_log.search(viewer=current_user,
                                   kelurahan=by_code.get(form.kelurahan.data),
                                   actor_email=form.actor.data or None,
                                   action=form.action.data or None,
                                   date_from=form.date_from.data, date_to=form.date_to.data,
                                   page=page)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return render_template("admin/audit.html", **context), _status(exc)
    return render_template("admin/audit.html", **{**context, "entries": entries})

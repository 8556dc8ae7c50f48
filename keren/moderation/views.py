"""Views: moderation by kelurahan and city admins: the queue, decisions, reports.

Every page is for admins only (others get 403, anonymous visitors the login page). An item
of another kelurahan is a 404 for a kelurahan admin, so its existence is not revealed.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from keren.extensions import db, login_manager
from keren.models import Kampung, Offering, Report, User
from keren.models.offering import STOCK_MODES
from keren.moderation.forms import (ActionForm, NoteForm, QueueFilterForm, ReasonForm,
                                    kelurahan_choices)
from keren.security import safe_next
from keren.services import audit_log, moderation, places
from keren.services.errors import NotAllowed, ServiceError
from keren.web import attach_error, get_allowed_or_404

bp = Blueprint("moderation", __name__, url_prefix="/moderasi")

# The word in the URL -> the service's action.
DECISIONS = {"setujui": "approve", "tolak": "reject", "sembunyikan": "hide",
             "tayangkan-kembali": "restore"}
# Only these words route to a decision; anything else is a 404 before the view runs.
DECISION_RULE = "<any(setujui, tolak, sembunyikan, 'tayangkan-kembali'):tindakan>"
SERVICES = {"approve": moderation.approve, "reject": moderation.reject,
            "hide": moderation.hide, "restore": moderation.restore}
NEEDS_REASON = {"reject", "hide"}


def _field_labels():
    return {
        "name": _("Nama"), "tagline": _("Slogan"), "story": _("Cerita"), "address": _("Alamat"),
        "latitude": _("Garis lintang"), "longitude": _("Garis bujur"),
        "whatsapp": _("Nomor WhatsApp"), "title": _("Judul"), "summary": _("Ringkasan"),
        "description": _("Deskripsi"), "price_idr": _("Harga"), "price_unit": _("Satuan harga"),
        "tags_text": _("Tag"), "duration_minutes": _("Durasi (menit)"),
        "opening_hours": _("Jam buka"), "what_to_bring": _("Yang perlu dibawa"),
        "stock_mode": _("Stok"), "min_order": _("Pesanan minimal"), "topic": _("Topik"),
        "audience_text": _("Sasaran peserta"), "min_group": _("Peserta minimal"),
        "max_group": _("Peserta maksimal"),
    }


def _done_message(action, name):
    if action == "approve":
        return _("%(name)s disetujui dan sekarang tayang.", name=name)
    if action == "reject":
        return _("%(name)s ditolak. Pengelolanya sudah diberi tahu.", name=name)
    if action == "hide":
        return _("%(name)s disembunyikan dari situs.", name=name)
    return _("%(name)s ditayangkan kembali.", name=name)


@bp.before_request
def _admins_only():
    """Kelurahan and city admins only: anonymous visitors log in, everyone else gets 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not (current_user.is_city_admin or current_user.is_kelurahan_admin):
        abort(403)
    return None


def _moderatable(model, ident):
    """The item, if this admin may moderate it; anything else is a 404, as if it did not exist."""
    return get_allowed_or_404(model, ident, "can_moderate")


def _report_or_404(report_id):
    entry = db.session.get(Report, report_id)
    if entry is None or not current_user.can_moderate(entry.kelurahan):
        abort(404)
    return entry


def _kind(item):
    return "kampung" if isinstance(item, Kampung) else "offering"


def _name(item):
    return item.name if isinstance(item, Kampung) else item.title


def _review_url(item):
    return url_for(f"moderation.{_kind(item)}", item_id=item.id)


def _back(item):
    """Where to go after a decision: the page it came from (a path on this site) or the item."""
    return safe_next(request.form.get("next"), _review_url(item))


# --- the queue ------------------------------------------------------------------------------

@bp.get("/")
def queue():
    """What waits for this admin, and the published kampung in scope."""
    form = QueueFilterForm(request.args)
    kelurahan = None
    if current_user.is_city_admin:
        form.kelurahan.choices = kelurahan_choices(places.kecamatan_with_kelurahan(),
                                                   empty_label=_("Semua kelurahan"))
        if not form.validate():
            # A filter we cannot apply: say so and list nothing rather than the wrong thing.
            return render_template("moderation/queue.html", form=form, items=None,
                                   published=None, kelurahan=None), 422
        if form.kelurahan.data:
            kelurahan = places.kelurahan_by_code(form.kelurahan.data)
    items = moderation.queue(current_user, kelurahan=kelurahan)
    published = moderation.published_in_scope(current_user, kelurahan=kelurahan)
    return render_template("moderation/queue.html", form=form, items=items, published=published,
                           kelurahan=kelurahan)


# --- kampung and offerings --------------------------------------------------------------------

def _render_review(item, *, failed=None, form=None, status=200):
    """The review page; `failed` names the action whose `form` carries errors."""
    forms = {"approve": ActionForm(), "reject": ReasonForm(), "hide": ReasonForm(),
             "restore": ActionForm(), "verify": ActionForm()}
    if failed:
        forms[failed] = form
    labels = _field_labels()
    changes = [(field, labels.get(field, field), approved, current)
               for field, approved, current in moderation.changes_since_approval(item)]
    managers = item.members if isinstance(item, Kampung) else item.kampung.members
    return render_template(f"moderation/{_kind(item)}.html", item=item, forms=forms,
                           changes=changes, labels=labels,
                           managers=managers, history=audit_log.for_target(item),
                           audit_log=audit_log, stock_modes=STOCK_MODES), status


@bp.get("/kampung/<int:item_id>")
def kampung(item_id):
    """Review a kampung profile: its content, status, history and what changed."""
    return _render_review(_moderatable(Kampung, item_id))


@bp.get("/penawaran/<int:item_id>")
def offering(item_id):
    """Review an offering: its content, status, history and what changed."""
    return _render_review(_moderatable(Offering, item_id))


def _decide(item, word):
    action = DECISIONS[word]
    form = ReasonForm() if action in NEEDS_REASON else ActionForm()
    if not form.validate_on_submit():
        return _render_review(item, failed=action, form=form, status=422)
    extra = {"reason": form.reason.data} if action in NEEDS_REASON else {}
    name = _name(item)
    try:
        SERVICES[action](item, moderator=current_user, **extra)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return _render_review(item, failed=action, form=form,
                              status=403 if isinstance(exc, NotAllowed) else 422)
    db.session.commit()
    flash(_done_message(action, name), "success")
    return redirect(_back(item))


@bp.post(f"/kampung/<int:item_id>/{DECISION_RULE}")
def decide_kampung(item_id, tindakan):
    """Approve, reject, hide or restore a kampung profile."""
    return _decide(_moderatable(Kampung, item_id), tindakan)


@bp.post(f"/penawaran/<int:item_id>/{DECISION_RULE}")
def decide_offering(item_id, tindakan):
    """Approve, reject, hide or restore an offering."""
    return _decide(_moderatable(Offering, item_id), tindakan)


@bp.post("/kampung/<int:item_id>/verifikasi", defaults={"verified": True})
@bp.post("/kampung/<int:item_id>/batalkan-verifikasi", defaults={"verified": False})
def verify_kampung(item_id, verified):
    """Mark a kampung as verified by its kelurahan, or take the mark back."""
    item = _moderatable(Kampung, item_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _render_review(item, failed="verify", form=form, status=422)
    try:
        moderation.set_verified(item, verified, moderator=current_user)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return _render_review(item, failed="verify", form=form,
                              status=403 if isinstance(exc, NotAllowed) else 422)
    db.session.commit()
    flash(_("%(name)s ditandai terverifikasi.", name=item.name) if verified
          else _("Verifikasi %(name)s dibatalkan.", name=item.name), "success")
    return redirect(_back(item))


# --- reports ---------------------------------------------------------------------------------

def _render_report(entry, form=None, status=200):
    reporter = db.session.get(User, entry.reporter_id) if entry.reporter_id else None
    resolver = db.session.get(User, entry.resolved_by_id) if entry.resolved_by_id else None
    target = entry.target
    return render_template("moderation/report.html", entry=entry, form=form or NoteForm(),
                           reporter=reporter, resolver=resolver, target=target,
                           target_kind=_kind(target), history=audit_log.for_target(entry),
                           audit_log=audit_log), status


@bp.get("/laporan/<int:report_id>")
def report(report_id):
    """A visitor's report and the item it is about."""
    return _render_report(_report_or_404(report_id))


@bp.post("/laporan/<int:report_id>/selesai", defaults={"dismiss": False})
@bp.post("/laporan/<int:report_id>/abaikan", defaults={"dismiss": True})
def close_report(report_id, dismiss):
    """Close a report: resolved (something was done) or dismissed (nothing was wrong)."""
    entry = _report_or_404(report_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_report(entry, form, 422)
    try:
        moderation.close_report(entry, moderator=current_user, note=form.note.data,
                                dismiss=dismiss)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return _render_report(entry, form, 403 if isinstance(exc, NotAllowed) else 422)
    db.session.commit()
    flash(_("Laporan diabaikan.") if dismiss else _("Laporan ditandai selesai."), "success")
    return redirect(url_for("moderation.queue"))

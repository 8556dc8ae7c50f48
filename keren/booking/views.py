"""Views: a visitor books places in a visit slot, then opens, cancels or saves the booking by
its private manage link (/pesanan/<code>?t=<secret>).

The secret is shown once, in the redirect after booking and in the e-mail; only its hash is
stored. Without it a booking is a 404, except to the signed-in visitor who made it.
"""
from flask import (Blueprint, abort, current_app, flash, make_response, redirect,
                   render_template, request, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from keren.booking.forms import CancelForm, VisitRequestForm
from keren.booking.ics import booking_calendar
from keren.booking.links import whatsapp_to_kampung
from keren.db_setup import end_read, read_transaction
from keren.extensions import db, limiter
from keren.models import BookingStatus
from keren.models.base import utcnow
from keren.security import safe_next
from keren.services import booking as booking_service
from keren.services.booking import SlotFull, SlotUnavailable
from keren.services.errors import ServiceError
from keren.web import attach_error, expire_overdue_bookings

bp = Blueprint("booking", __name__)


def _limit(key):
    return lambda: current_app.config[key]


def _signed_in_user():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _open_slots(offering):
    if not (offering.is_public and offering.is_bookable):
        return []
    now = utcnow()
    expire_overdue_bookings(now=now, offering=offering)
    return booking_service.open_slots(offering, now=now, expire=False)


def _form_again(offering, form, status=422):
    """The booking form again, filled as it was sent, with its errors and the slots still
    open: a page of its own, lighter than the offering page, since under a rush most answers
    are "full". Read in a plain transaction, so it does not hold or wait for the write lock."""
    with read_transaction():
        return render_template("booking/request.html", offering=offering,
                               kampung=offering.kampung, slots=_open_slots(offering),
                               booking_form=form), status


def _refused(offering, form, exc, status):
    """The service said no: show the form again with the reason."""
    attach_error(form, exc)
    return _form_again(offering, form, status)


def _already_received(booking, user, offering):
    """The same form again (double tap, retry): the first request made the booking. Its
    secret is not stored, so only its signed-in owner can be shown the booking."""
    flash(_("Pesanan Anda sudah kami terima sebelumnya (kode %(code)s).", code=booking.code),
          "info")
    if user is not None and booking.user_id == user.id:
        return redirect(url_for("booking.manage", code=booking.code))
    return redirect(url_for("kampung.offering_page", slug=offering.kampung.slug,
                            offering_slug=offering.slug))


def _chosen_slot(slot, form):
    """The slot of the URL, or the one the offering page's radios chose; None if that one is
    not a slot of the same offering."""
    if form.slot.data is None or form.slot.data == slot.id:
        return slot
    chosen = booking_service.slot_for_request(form.slot.data)
    return chosen if chosen is not None and chosen.offering_id == slot.offering_id else None


@bp.post("/pesan/<int:slot_id>")
@limiter.limit(_limit("BOOKING_RATE_LIMIT"))
def request_visit(slot_id):
    """Ask for places in a slot. The offering page's radios (`slot`) may pick another slot of
    the same offering than the one in the URL. Full: 409; closed or past: 409; bad input: 422.

    Read first, in a plain transaction: bad input, a repeated form and a slot already full or
    closed are answered from that read, so in a rush the many refusals never queue for the
    write lock (SQLite) or the slot's row (PostgreSQL) that the few bookings need. Only then
    the write, in which the conditional UPDATE alone decides."""
    with read_transaction():
        user = _signed_in_user()
        slot = booking_service.slot_for_request(slot_id)
        if slot is None or not slot.offering.is_visible_to(current_user):
            abort(404)
        offering = slot.offering
        form = VisitRequestForm()
        if not form.validate_on_submit():
            return _form_again(offering, form)
        slot = _chosen_slot(slot, form)
        if slot is None:
            form.slot.errors = [_("Pilih salah satu jadwal yang ada.")]
            return _form_again(offering, form)
        try:
            earlier = booking_service.check_request(slot, user=user, **form.values())
        except (SlotFull, SlotUnavailable) as exc:
            return _refused(offering, form, exc, 409)
        except ServiceError as exc:
            return _refused(offering, form, exc, 422)
        if earlier is not None:
            return _already_received(earlier, user, offering)
        end_read(db.session)
    try:
        booking, token = booking_service.request_visit(slot, user=user, **form.values())
    except ServiceError as exc:
        # Taken meanwhile (or changed): undo what was written, then answer as above.
        db.session.rollback()
        return _refused(offering, form, exc, 409 if isinstance(exc, (SlotFull, SlotUnavailable))
                        else 422)
    if token is None:
        # Sent twice at once: the other request's booking stands, and nothing was written.
        return _already_received(booking, user, offering)
    # Read before the commit: afterwards it would be loaded again, in a new transaction.
    code = booking.code
    db.session.commit()
    flash(_("Permintaan kunjungan terkirim. Kode pesanan Anda %(code)s. Simpan alamat halaman "
            "ini: lewat halaman ini Anda bisa melihat atau membatalkan pesanan.",
            code=code), "success")
    return redirect(url_for("booking.manage", code=code, t=token))


def _booking_or_404(code, token):
    """The booking of a manage link, or of the signed-in visitor who made it."""
    booking = booking_service.by_code_and_token(code, token) if token else None
    if booking is None and current_user.is_authenticated:
        candidate = booking_service.by_code(code)
        if candidate is not None and candidate.user_id == current_user.id:
            booking = candidate
    if booking is None:
        abort(404)
    return booking


def _private(response):
    """The manage link carries a secret: keep it out of caches, search engines and the
    Referer header sent to WhatsApp or the kampung's links."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/pesanan/<code>")
def manage(code):
    """The booking: code, visit, status, WhatsApp to the kampung, calendar file, cancel."""
    token = request.args.get("t") or None
    booking = _booking_or_404(code, token)
    now = utcnow()
    if booking.status == BookingStatus.REQUESTED and booking.respond_by <= now:
        expire_overdue_bookings(now=now, offering=booking.slot.offering)
    page = render_template(
        "booking/manage.html", booking=booking, offering=booking.slot.offering,
        kampung=booking.slot.offering.kampung, slot=booking.slot, now=now,
        whatsapp=whatsapp_to_kampung(booking),
        calendar_url=url_for("booking.calendar", code=booking.code, t=token),
        cancel_form=CancelForm(formdata=None, data={"t": token}))
    return _private(make_response(page))


@bp.post("/pesanan/<code>/batal")
def cancel(code):
    """The visitor cancels until the cut-off; the places are free again at once."""
    form = CancelForm()
    token = form.t.data or None
    booking = _booking_or_404(code, token)
    back = url_for("booking.manage", code=booking.code, t=token)
    back = safe_next(form.next.data, back)
    try:
        booking_service.cancel(booking, user=_signed_in_user())
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    code = booking.code
    db.session.commit()
    flash(_("Pesanan %(code)s dibatalkan. Tempatnya sudah kami lepas untuk pengunjung lain.",
            code=code), "success")
    return redirect(back)


@bp.get("/pesanan/<code>/kalender.ics")
def calendar(code):
    """The visit as an iCalendar file, to add to the phone's calendar."""
    token = request.args.get("t") or None
    booking = _booking_or_404(code, token)
    manage_url = url_for("booking.manage", code=booking.code, t=token, _external=True)
    response = make_response(booking_calendar(booking, manage_url=manage_url, now=utcnow()))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="kunjungan-{booking.code}.ics"'
    return _private(response)

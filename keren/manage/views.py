"""Views: residents manage their kampung profiles, offerings, photos and co-managers.

Every page is for signed-in managers of the kampung concerned; anyone else, admins included
(they moderate from their own pages), gets a 404 as if the kampung did not exist. Forms pass
the services only their own declared fields.
"""
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from keren.booking.links import whatsapp_to_visitor
from keren.db_setup import write_transaction
from keren.extensions import db
from keren.manage.forms import (OFFERING_FORMS, BookingSettingsForm, CapacityForm, KampungForm,
                                MemberForm, NewKampungForm, PhotoForm, ReasonForm, SlotForm,
                                WeeklySlotsForm, grouped_choices)
from keren.models import BookingStatus, Kampung, Offering, Photo, VisitSlot
from keren.models.base import utcnow
from keren.models.offering import STOCK_MODES
from keren.services import (booking as booking_service, kampung as kampung_service, notify,
                            offerings, photos, places)
from keren.services.errors import ServiceError
from keren.web import attach_error, expire_overdue_bookings, get_editable_or_404

bp = Blueprint("manage", __name__, url_prefix="/kelola")

NOTICES_SHOWN = 30


@bp.before_request
def _signed_in_only():
    """Every page here needs an account: send visitors to the login page first."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def _form_page(template, form, **context):
    """A form page: 422 when a submitted form came back with errors, else 200."""
    return render_template(template, form=form, **context), 422 if form.is_submitted() else 200


def _refused(form, exc, template, **context):
    """A service said no: undo its work and show why on the field it concerns."""
    db.session.rollback()
    attach_error(form, exc)
    return render_template(template, form=form, **context), 422


def _run_action(call, success, back):
    """A small POST-only action (submit, archive, cover ...): flash the outcome, go back."""
    try:
        call()
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    flash(success, "success")
    return redirect(back)


@bp.get("/")
def dashboard():
    """The "Kampung saya" page: the user's kampung, their offerings and recent notices."""
    notices = notify.recent(current_user, limit=NOTICES_SHOWN)
    page = render_template("manage/dashboard.html",
                           kampung_list=kampung_service.managed_by(current_user), notices=notices)
    unread = [notice.id for notice, _text, _link in notices if notice.read_at is None]
    if unread:
        # Shown once as "new" (this page rendered them so), then read. A GET reads in a plain
        # transaction, so the update gets its own, begun IMMEDIATE: on SQLite, upgrading the
        # page's read to a write could fail at once if another worker wrote meanwhile.
        db.session.rollback()
        with write_transaction():
            notify.mark_read(current_user, unread)
            db.session.commit()
    return page


# --- kampung --------------------------------------------------------------------------------

def _kelurahan_choices():
    """The 46 kelurahan grouped by kecamatan, valued by their Kemendagri code."""
    return grouped_choices(
        [(_("Kecamatan %(name)s", name=kecamatan.name), [(k.code, k.name) for k in kecamatan.kelurahan])
         for kecamatan in places.kecamatan_with_kelurahan()],
        placeholder=_("Pilih kelurahan"))


@bp.route("/kampung/baru", methods=["GET", "POST"])
def new_kampung():
    """Create a kampung profile; its creator becomes the owner."""
    form = NewKampungForm()
    form.kelurahan.choices = _kelurahan_choices()
    if not form.validate_on_submit():
        return _form_page("manage/kampung_form.html", form, kampung=None)
    # The choices were read from the table just now, so the code names a real kelurahan.
    kelurahan = places.kelurahan_by_code(form.kelurahan.data)
    try:
        kampung = kampung_service.create_kampung(kelurahan, actor=current_user, **form.values())
    except ServiceError as exc:
        return _refused(form, exc, "manage/kampung_form.html", kampung=None)
    db.session.commit()
    flash(_("Profil %(name)s dibuat sebagai draf. Tambahkan foto, lalu kirim untuk ditinjau.",
            name=kampung.name), "success")
    return redirect(url_for("manage.kampung", kampung_id=kampung.id))


def _kampung_page(kampung, *, photo_form=None, member_form=None, status=200):
    return render_template(
        "manage/kampung.html", kampung=kampung,
        photo_form=photo_form or PhotoForm(formdata=None),
        member_form=member_form or MemberForm(formdata=None),
        can_manage_members=kampung.can_manage_members(current_user)), status


@bp.get("/kampung/<int:kampung_id>")
def kampung(kampung_id):
    """One kampung's status, gallery, co-managers and offerings."""
    return _kampung_page(get_editable_or_404(Kampung, kampung_id))


@bp.route("/kampung/<int:kampung_id>/ubah", methods=["GET", "POST"])
def edit_kampung(kampung_id):
    """Change the profile (the kelurahan stays what it was)."""
    kampung = get_editable_or_404(Kampung, kampung_id)
    form = KampungForm(obj=kampung)
    if not form.validate_on_submit():
        return _form_page("manage/kampung_form.html", form, kampung=kampung)
    try:
        kampung_service.update_kampung(kampung, actor=current_user, **form.values())
    except ServiceError as exc:
        return _refused(form, exc, "manage/kampung_form.html", kampung=kampung)
    db.session.commit()
    flash(_("Perubahan profil disimpan."), "success")
    return redirect(url_for("manage.kampung", kampung_id=kampung.id))


@bp.post("/kampung/<int:kampung_id>/kirim")
def submit_kampung(kampung_id):
    """Send the profile to the kelurahan for review."""
    kampung = get_editable_or_404(Kampung, kampung_id)
    return _run_action(lambda: kampung_service.submit_kampung(kampung, actor=current_user),
                       _("Profil dikirim. Admin kelurahan akan meninjaunya."),
                       url_for("manage.kampung", kampung_id=kampung.id))


@bp.post("/kampung/<int:kampung_id>/pengelola")
def add_member(kampung_id):
    """The owner lets another account co-manage the kampung."""
    kampung = get_editable_or_404(Kampung, kampung_id)
    if not kampung.can_manage_members(current_user):
        abort(403)
    form = MemberForm()
    if not form.validate_on_submit():
        return _kampung_page(kampung, member_form=form, status=422)
    try:
        member = kampung_service.add_member(kampung, actor=current_user, email=form.email.data)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return _kampung_page(kampung, member_form=form, status=422)
    db.session.commit()
    flash(_("%(name)s sekarang ikut mengelola kampung ini.", name=member.user.name), "success")
    return redirect(url_for("manage.kampung", kampung_id=kampung.id) + "#pengelola")


@bp.post("/kampung/<int:kampung_id>/pengelola/<int:user_id>/hapus")
def remove_member(kampung_id, user_id):
    """The owner removes a co-manager."""
    kampung = get_editable_or_404(Kampung, kampung_id)
    if not kampung.can_manage_members(current_user):
        abort(403)
    return _run_action(
        lambda: kampung_service.remove_member(kampung, actor=current_user, user_id=user_id),
        _("Pengelola dihapus."),
        url_for("manage.kampung", kampung_id=kampung.id) + "#pengelola")


# --- photos ---------------------------------------------------------------------------------

def _add_photo(target, page, back):
    """Check, re-encode and store an upload for a kampung or an offering."""
    form = PhotoForm()
    if not form.validate_on_submit():
        return page(photo_form=form, status=422)
    limits = photos.Limits(current_app.config)
    try:
        # One byte past the limit is enough for the service to refuse an oversized file.
        photos.add_photo(target, actor=current_user, data=form.photo.data.read(limits.max_bytes + 1),
                         alt_text=form.alt_text.data, upload_dir=current_app.config["UPLOAD_DIR"],
                         limits=limits)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return page(photo_form=form, status=422)
    db.session.commit()
    flash(_("Foto ditambahkan."), "success")
    return redirect(back + "#galeri")


@bp.post("/kampung/<int:kampung_id>/foto")
def add_kampung_photo(kampung_id):
    """Add a photo to the kampung's gallery."""
    kampung = get_editable_or_404(Kampung, kampung_id)
    return _add_photo(kampung, lambda **kw: _kampung_page(kampung, **kw),
                      url_for("manage.kampung", kampung_id=kampung.id))


@bp.post("/penawaran/<int:offering_id>/foto")
def add_offering_photo(offering_id):
    """Add a photo to an offering."""
    offering = get_editable_or_404(Offering, offering_id)
    return _add_photo(offering, lambda **kw: _offering_page(offering, **kw),
                      url_for("manage.offering", offering_id=offering.id))


def _editable_photo(photo_id):
    photo = db.session.get(Photo, photo_id)
    if photo is None or not photo.kampung.can_edit(current_user):
        abort(404)
    return photo


def _photo_owner_url(photo):
    if photo.offering_id is not None:
        return url_for("manage.offering", offering_id=photo.offering_id) + "#galeri"
    return url_for("manage.kampung", kampung_id=photo.kampung_id) + "#galeri"


@bp.post("/foto/<int:photo_id>/sampul")
def make_cover(photo_id):
    """Put a photo first: the cover of its kampung or offering."""
    photo = _editable_photo(photo_id)
    return _run_action(lambda: photos.make_cover(photo, actor=current_user),
                       _("Sampul diganti."), _photo_owner_url(photo))


@bp.post("/foto/<int:photo_id>/hapus")
def remove_photo(photo_id):
    """Delete a photo (its files go once the deletion is committed)."""
    photo = _editable_photo(photo_id)
    back = _photo_owner_url(photo)
    return _run_action(lambda: photos.remove_photo(photo, actor=current_user,
                                                   upload_dir=current_app.config["UPLOAD_DIR"]),
                       _("Foto dihapus."), back)


# --- offerings ------------------------------------------------------------------------------

@bp.route("/kampung/<int:kampung_id>/penawaran/baru", methods=["GET", "POST"])
def new_offering(kampung_id):
    """Choose a pillar (?pilar=wisata|dagang|edukasi), then fill in that pillar's form."""
    kampung = get_editable_or_404(Kampung, kampung_id)
    form_class = OFFERING_FORMS.get(request.args.get("pilar", ""))
    if form_class is None:
        if request.method == "POST":
            abort(400)
        return render_template("manage/choose_pillar.html", kampung=kampung)
    form = form_class()
    if not form.validate_on_submit():
        return _form_page("manage/offering_form.html", form, kampung=kampung, offering=None)
    try:
        offering = offerings.create_offering(kampung, actor=current_user, pillar=form.pillar,
                                             **form.values())
    except ServiceError as exc:
        return _refused(form, exc, "manage/offering_form.html", kampung=kampung, offering=None)
    db.session.commit()
    flash(_("Penawaran %(title)s dibuat sebagai draf.", title=offering.title), "success")
    return redirect(url_for("manage.offering", offering_id=offering.id))


# Each form of the "Jadwal kunjungan" section has its own prefix: they share field names.
BOOKING_FORMS = {"settings_form": (BookingSettingsForm, "pemesanan"),
                 "slot_form": (SlotForm, "jadwal"), "weekly_form": (WeeklySlotsForm, "mingguan")}


def _booking_form(name, offering=None, *, submitted=False):
    form_class, prefix = BOOKING_FORMS[name]
    if submitted:
        return form_class(prefix=prefix)
    data = {}
    if name == "settings_form":
        data = {"is_bookable": offering.is_bookable,
                "booking_cutoff_hours": offering.booking_cutoff_hours}
    return form_class(formdata=None, prefix=prefix, data=data)


def _offering_page(offering, *, photo_form=None, status=200, **forms):
    now = utcnow()
    for name in BOOKING_FORMS:
        forms.setdefault(name, _booking_form(name, offering))
    return render_template("manage/offering.html", offering=offering, kampung=offering.kampung,
                           photo_form=photo_form or PhotoForm(formdata=None),
                           stock_modes=STOCK_MODES, now=now,
                           slots=booking_service.upcoming_slots(offering, now=now),
                           **forms), status


@bp.get("/penawaran/<int:offering_id>")
def offering(offering_id):
    """One offering's status, details and photos."""
    return _offering_page(get_editable_or_404(Offering, offering_id))


@bp.route("/penawaran/<int:offering_id>/ubah", methods=["GET", "POST"])
def edit_offering(offering_id):
    """Change an offering (its pillar stays)."""
    offering = get_editable_or_404(Offering, offering_id)
    form = OFFERING_FORMS[offering.pillar](data=OFFERING_FORMS[offering.pillar].data_of(offering))
    context = {"kampung": offering.kampung, "offering": offering}
    if not form.validate_on_submit():
        return _form_page("manage/offering_form.html", form, **context)
    try:
        offerings.update_offering(offering, actor=current_user, **form.values())
    except ServiceError as exc:
        return _refused(form, exc, "manage/offering_form.html", **context)
    db.session.commit()
    flash(_("Perubahan penawaran disimpan."), "success")
    return redirect(url_for("manage.offering", offering_id=offering.id))


@bp.post("/penawaran/<int:offering_id>/kirim")
def submit_offering(offering_id):
    """Send the offering to the kelurahan for review."""
    offering = get_editable_or_404(Offering, offering_id)
    return _run_action(lambda: offerings.submit_offering(offering, actor=current_user),
                       _("Penawaran dikirim. Admin kelurahan akan meninjaunya."),
                       url_for("manage.offering", offering_id=offering.id))


@bp.post("/penawaran/<int:offering_id>/arsipkan")
def archive_offering(offering_id):
    """Take an offering off the site; it can be restored as a draft."""
    offering = get_editable_or_404(Offering, offering_id)
    return _run_action(lambda: offerings.archive_offering(offering, actor=current_user),
                       _("Penawaran diarsipkan dan tidak tampil lagi."),
                       url_for("manage.offering", offering_id=offering.id))


@bp.post("/penawaran/<int:offering_id>/pulihkan")
def unarchive_offering(offering_id):
    """Bring an archived offering back as a draft."""
    offering = get_editable_or_404(Offering, offering_id)
    return _run_action(lambda: offerings.unarchive_offering(offering, actor=current_user),
                       _("Penawaran dipulihkan sebagai draf."),
                       url_for("manage.offering", offering_id=offering.id))


# --- visit slots ----------------------------------------------------------------------------

def _schedule_url(offering_id):
    return url_for("manage.offering", offering_id=offering_id) + "#jadwal"


def _slot_form_action(offering_id, name, call, success):
    """Submit one of the schedule forms: on a refusal, the page again with the reasons."""
    offering = get_editable_or_404(Offering, offering_id)
    form = _booking_form(name, submitted=True)
    if not form.validate_on_submit():
        return _offering_page(offering, status=422, **{name: form})
    try:
        message = call(offering, form)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return _offering_page(offering, status=422, **{name: form})
    db.session.commit()
    flash(message or success, "success")
    return redirect(_schedule_url(offering.id))


@bp.post("/penawaran/<int:offering_id>/pemesanan")
def booking_settings(offering_id):
    """Open or close the offering to bookings; the cut-off before each visit."""
    def call(offering, form):
        booking_service.update_booking_settings(
            offering, actor=current_user, bookable=form.is_bookable.data,
            cutoff_hours=form.booking_cutoff_hours.data)
    return _slot_form_action(offering_id, "settings_form", call,
                             _("Pengaturan pemesanan disimpan."))


@bp.post("/penawaran/<int:offering_id>/jadwal")
def add_slot(offering_id):
    """Add one dated visit slot."""
    def call(offering, form):
        booking_service.add_slot(offering, actor=current_user, **form.values())
    return _slot_form_action(offering_id, "slot_form", call, _("Jadwal ditambahkan."))


@bp.post("/penawaran/<int:offering_id>/jadwal/mingguan")
def add_weekly_slots(offering_id):
    """Add the same weekday and hours for some weeks ahead (dates already there are skipped)."""
    def call(offering, form):
        created = booking_service.add_weekly_slots(offering, actor=current_user, **form.values())
        if not created:
            return _("Tidak ada jadwal baru: semua tanggal itu sudah ada atau sudah lewat.")
        return _("%(n)d jadwal ditambahkan.", n=len(created))
    return _slot_form_action(offering_id, "weekly_form", call, "")


def _editable_slot(slot_id):
    slot = db.get_or_404(VisitSlot, slot_id)
    get_editable_or_404(Offering, slot.offering_id)
    return slot


def _first_error(form):
    return next(iter(error for errors in form.errors.values() for error in errors))


@bp.post("/jadwal/<int:slot_id>/kapasitas")
def change_capacity(slot_id):
    """A new capacity, never below the places already taken."""
    slot = _editable_slot(slot_id)
    back = _schedule_url(slot.offering_id)
    form = CapacityForm()
    if not form.validate_on_submit():
        flash(_first_error(form), "error")
        return redirect(back)
    return _run_action(lambda: booking_service.change_capacity(slot, actor=current_user,
                                                               capacity=form.capacity.data),
                       _("Kapasitas diubah."), back)


@bp.post("/jadwal/<int:slot_id>/tutup")
def close_slot(slot_id):
    """Stop taking bookings for a slot; the bookings made stand."""
    slot = _editable_slot(slot_id)
    return _run_action(lambda: booking_service.close_slot(slot, actor=current_user),
                       _("Pemesanan untuk jadwal ini ditutup."), _schedule_url(slot.offering_id))


@bp.post("/jadwal/<int:slot_id>/batalkan")
def cancel_slot(slot_id):
    """Cancel the visit: its bookings are cancelled and the visitors told why."""
    slot = _editable_slot(slot_id)
    back = _schedule_url(slot.offering_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_first_error(form), "error")
        return redirect(back)
    return _run_action(lambda: booking_service.cancel_slot(slot, actor=current_user,
                                                           reason=form.reason.data),
                       _("Jadwal dibatalkan. Pengunjung yang sudah memesan diberi tahu."), back)


# --- the bookings inbox ---------------------------------------------------------------------

HISTORY_SHOWN = 30


@bp.get("/pesanan")
def inbox():
    """"Pesanan masuk": requests to answer first, then confirmed visits, then the latest others."""
    now = utcnow()
    expire_overdue_bookings(now=now)
    bookings = booking_service.inbox(current_user, now=now)
    requested = [b for b in bookings if b.status == BookingStatus.REQUESTED]
    confirmed = [b for b in bookings if b.status == BookingStatus.CONFIRMED]
    history = sorted((b for b in bookings if not b.holds_places),
                     key=lambda b: b.slot.starts_at, reverse=True)[:HISTORY_SHOWN]
    shown = requested + confirmed + history
    return render_template("manage/inbox.html", requested=requested, confirmed=confirmed,
                           history=history, now=now,
                           whatsapp={b.id: whatsapp_to_visitor(b) for b in shown})


def _managed_booking(code):
    booking = booking_service.by_code(code)
    if booking is None:
        abort(404)
    get_editable_or_404(Offering, booking.slot.offering_id)
    return booking


def _inbox_url(booking):
    return url_for("manage.inbox") + f"#pesanan-{booking.code}"


@bp.post("/pesanan/<code>/konfirmasi")
def confirm_booking(code):
    """Confirm a request; the visitor is told."""
    booking = _managed_booking(code)
    return _run_action(lambda: booking_service.confirm(booking, actor=current_user),
                       _("Pesanan %(code)s dikonfirmasi.", code=booking.code), _inbox_url(booking))


@bp.post("/pesanan/<code>/tolak")
def decline_booking(code):
    """Decline a request with a reason; its places are free again."""
    booking = _managed_booking(code)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_first_error(form), "error")
        return redirect(_inbox_url(booking))
    return _run_action(lambda: booking_service.decline(booking, actor=current_user,
                                                       reason=form.reason.data),
                       _("Pesanan %(code)s ditolak.", code=booking.code), _inbox_url(booking))


@bp.post("/pesanan/<code>/selesai")
def complete_booking(code):
    """After the visit started: the visitors came."""
    booking = _managed_booking(code)
    return _run_action(lambda: booking_service.mark_visit(booking, BookingStatus.COMPLETED,
                                                          actor=current_user),
                       _("Kunjungan %(code)s ditandai selesai.", code=booking.code),
                       _inbox_url(booking))


@bp.post("/pesanan/<code>/tidak-datang")
def no_show_booking(code):
    """After the visit started: nobody came."""
    booking = _managed_booking(code)
    return _run_action(lambda: booking_service.mark_visit(booking, BookingStatus.NO_SHOW,
                                                          actor=current_user),
                       _("Pesanan %(code)s ditandai tidak datang.", code=booking.code),
                       _inbox_url(booking))

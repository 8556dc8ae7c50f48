"""Views for accounts."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from keren.auth.forms import ChangePasswordForm, LoginForm, RegisterForm
from keren.extensions import db, limiter
from keren.models.base import utcnow
from keren.security import safe_next
from keren.services import accounts, booking as booking_service
from keren.services.errors import ServiceError
from keren.web import attach_error

bp = Blueprint("auth", __name__, url_prefix="/akun")


def _limit(key):
    return lambda: current_app.config[key]


@bp.route("/daftar", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_RATE_LIMIT"), methods=["POST"])
def register():
    """Create a visitor account and sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = RegisterForm()
    if not form.validate_on_submit():
        return render_template("auth/register.html", form=form), 422 if form.is_submitted() else 200
    try:
        user = accounts.register_user(name=form.name.data, email=form.email.data,
                                      password=form.password.data, phone=form.phone.data)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return render_template("auth/register.html", form=form), 422
    db.session.commit()
    login_user(user)
    flash(_("Selamat datang, %(name)s! Akun Anda sudah dibuat.", name=user.name), "success")
    return redirect(safe_next(request.args.get("next"), url_for("main.home")))


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_RATE_LIMIT"), methods=["POST"])
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    user = accounts.authenticate(form.email.data, form.password.data)
    if user is None:
        db.session.rollback()
        # One message for an unknown e-mail and a wrong password: no account discovery.
        flash(_("E-mail atau kata sandi salah."), "error")
        return render_template("auth/login.html", form=form), 422
    db.session.commit()
    login_user(user, remember=form.remember.data)
    flash(_("Anda sudah masuk."), "success")
    return redirect(safe_next(request.args.get("next"), url_for("main.home")))


@bp.post("/keluar")
def logout():
    """Sign out (a POST with CSRF, so no link elsewhere can sign a visitor out)."""
    logout_user()
    flash(_("Anda sudah keluar."), "success")
    return redirect(url_for("main.home"))


@bp.get("/")
@login_required
def account():
    """The visitor's own account page, with their bookings."""
    return render_template("auth/account.html", bookings=booking_service.bookings_of(current_user),
                           now=utcnow())


@bp.route("/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; other devices are signed out."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return (render_template("auth/change_password.html", form=form),
                422 if form.is_submitted() else 200)
    try:
        accounts.change_password(current_user, current_password=form.current_password.data,
                                 new_password=form.new_password.data)
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return render_template("auth/change_password.html", form=form), 422
    db.session.commit()
    # The session token changed: sign this device in again with the new one, keeping
    # "remember me" only if it was chosen at login.
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(current_user._get_current_object(), remember=remembered)
    flash(_("Kata sandi Anda sudah diganti. Perangkat lain sudah dikeluarkan."), "success")
    return redirect(url_for("auth.account"))

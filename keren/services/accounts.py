"""Accounts: registration, login, password changes and roles."""
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from keren.extensions import db
from keren.models import Role, User
from keren.models.base import utcnow
from keren.models.user import new_session_token
from keren.phone import normalize_phone
from keren.services import audit
from keren.services.errors import Conflict, InvalidValue, NotAllowed

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256



def hash_password(password):
    """A salted hash with the configured method (scrypt by default; tests use cheaper settings)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method):
    return generate_password_hash("not-a-real-password-0", method=method)


def normalize_email(email):
    return (email or "").strip().lower()


def find_user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _check_password_rules(password):
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue(_("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH),
                           field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidValue(_("Kata sandi terlalu panjang."), field="password")


def register_user(*, name, email, password, phone=None, now=None):
    """Create a visitor account. Flushes. Raises InvalidValue, Conflict."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidValue(_("Nama wajib diisi."), field="name")
    _check_password_rules(password)
    e164 = None
    if phone:
        e164 = normalize_phone(phone)
        if e164 is None:
            raise InvalidValue(_("Nomor WhatsApp tidak valid. Contoh: 0812-3456-7890."),
                               field="phone")
    user = User(name=name, email=normalize_email(email), phone=e164,
                password_hash=hash_password(password), role=Role.VISITOR,
                created_at=now or utcnow())
    try:
        # The unique index on e-mail decides, so two simultaneous sign-ups cannot both win.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise Conflict(_("E-mail ini sudah terdaftar. Silakan masuk atau pakai e-mail lain."),
                       field="email") from None
    audit.record("user.registered", actor=user, target=user, now=now)
    db.session.flush()
    return user


def authenticate(email, password, *, now=None):
    """The active user with this e-mail and password, or None (the same for every failure)."""
    user = find_user_by_email(email)
    if user is None:
        # Checked when the e-mail is unknown, so a miss costs the same time as a wrong password.
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        return None
    user.last_login_at = now or utcnow()
    db.session.flush()
    return user


def change_password(user, *, current_password, new_password, now=None):
    """Set a new password and sign out other devices. Flushes. Raises InvalidValue."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise InvalidValue(_("Kata sandi saat ini salah."), field="current_password")
    _check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    audit.record("user.password_changed", actor=user, target=user, now=now)
    db.session.flush()


def set_password(user, password, *, actor=None, now=None):
    """Set a password without knowing the old one (CLI). Flushes. Raises InvalidValue."""
    _check_password_rules(password)
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    audit.record("user.password_set", actor=actor, target=user, now=now)
    db.session.flush()


def grant_role(user, role, *, kelurahan=None, actor=None, now=None):
    """Give `user` a role; a kelurahan admin needs a kelurahan. `actor` None is the system (CLI).

    Flushes. Raises NotAllowed, InvalidValue.
    """
    role = Role(role)
    if actor is not None and not actor.can_manage_roles():
        raise NotAllowed(_("Hanya admin kota yang dapat memberi peran."))
    if role == Role.KELURAHAN_ADMIN and kelurahan is None:
        raise InvalidValue(_("Admin kelurahan harus punya kelurahan."), field="kelurahan")
    if role != Role.KELURAHAN_ADMIN:
        kelurahan = None
    previous = (user.role.value, user.kelurahan.code if user.kelurahan else None)
    user.role = role
    user.kelurahan = kelurahan
    audit.record("user.role_granted", actor=actor, target=user, kelurahan=kelurahan, now=now,
                 role=role.value, previous_role=previous[0], previous_kelurahan=previous[1])
    db.session.flush()
    return user

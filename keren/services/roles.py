"""Admin roles as the city admin manages them: who holds one, granting and revoking."""
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from keren.extensions import db
from keren.models import Role, User
from keren.services import accounts
from keren.services.errors import Conflict, InvalidValue, NotAllowed, NotFound


def _check(actor):
    if actor is None or not actor.can_manage_roles():
        raise NotAllowed(_("Hanya admin kota yang dapat memberi peran."))


def admins():
    """City admins first, then kelurahan admins by kelurahan and name."""
    users = db.session.scalars(
        select(User).where(User.role.in_([Role.CITY_ADMIN, Role.KELURAHAN_ADMIN]))
        .options(selectinload(User.kelurahan))).all()
    return sorted(users, key=lambda u: (not u.is_city_admin,
                                        u.kelurahan.name if u.kelurahan else "",
                                        u.name.lower(), u.id))


def grant_kelurahan_admin(email, kelurahan, *, actor, now=None):
    """Make the account with `email` the admin of `kelurahan`. Flushes.

    Raises NotAllowed (not a city admin, or one's own role), NotFound (no such account),
    Conflict (already that, or a city admin: revoke that first so nobody is demoted by
    accident).
    """
    _check(actor)
    user = accounts.find_user_by_email(email)
    if user is None:
        raise NotFound(_("Belum ada akun dengan e-mail itu. Minta dia mendaftar dulu."),
                       field="email")
    if user.id == actor.id:
        raise NotAllowed(_("Anda tidak bisa mengubah peran Anda sendiri."), field="email")
    if user.is_city_admin:
        raise Conflict(_("Akun itu admin kota. Cabut dulu peran admin kotanya."), field="email")
    if user.is_kelurahan_admin and user.kelurahan_id == kelurahan.id:
        raise Conflict(_("Akun itu sudah admin Kelurahan %(name)s.", name=kelurahan.name),
                       field="email")
    return accounts.grant_role(user, Role.KELURAHAN_ADMIN, kelurahan=kelurahan, actor=actor,
                               now=now)


def revoke(user, *, actor, now=None):
    """Make an admin a plain visitor again. A city admin cannot revoke their own role,
    so there is always at least one city admin left. Flushes. Raises NotAllowed, InvalidValue.
    """
    _check(actor)
    if user.id == actor.id:
        raise NotAllowed(_("Anda tidak bisa mencabut peran Anda sendiri. "
                           "Minta admin kota lain bila perlu."))
    if user.role == Role.VISITOR:
        raise InvalidValue(_("Akun itu bukan admin."))
    return accounts.grant_role(user, Role.VISITOR, actor=actor, now=now)

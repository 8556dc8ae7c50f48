"""Accounts and their roles."""
import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from keren.extensions import db
from keren.models.base import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What an account may do. Every account is at least a visitor."""

    VISITOR = "visitor"
    KELURAHAN_ADMIN = "kelurahan_admin"
    CITY_ADMIN = "city_admin"


def new_session_token():
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A person with an account: a visitor, a kelurahan admin or a city admin."""

    __tablename__ = "user"
    __table_args__ = (
        # A kelurahan admin has exactly one kelurahan; nobody else has one.
        CheckConstraint("(role = 'kelurahan_admin') = (kelurahan_id IS NOT NULL)",
                        name="admin_has_kelurahan"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Stored lower-cased, so the unique index is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e],
             validate_strings=True, create_constraint=True, name="role"),
        default=Role.VISITOR)
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    # Part of the login cookie: changing it (on a password change) signs out every other device.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    kelurahan = relationship("Kelurahan")

    def get_id(self):
        return self.session_token

    @property
    def is_active(self):
        return self.is_active_account

    @property
    def is_city_admin(self):
        return self.role == Role.CITY_ADMIN

    @property
    def is_kelurahan_admin(self):
        return self.role == Role.KELURAHAN_ADMIN

    def can_moderate(self, kelurahan):
        """True when this account may moderate what is published in `kelurahan`."""
        if self.is_city_admin:
            return True
        return self.is_kelurahan_admin and kelurahan is not None and self.kelurahan_id == kelurahan.id

    def can_manage_roles(self):
        return self.is_city_admin

    def __repr__(self):
        return f"<User {self.id} {self.role.value}>"

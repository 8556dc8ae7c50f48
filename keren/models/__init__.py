"""SQLAlchemy models, one module per aggregate."""
from keren.models.audit import AuditEntry
from keren.models.place import Kecamatan, Kelurahan
from keren.models.user import Role, User

__all__ = ["AuditEntry", "Kecamatan", "Kelurahan", "Role", "User"]

"""City admins: roles and the audit log."""
from keren.admin.views import bp

__all__ = ["bp"]

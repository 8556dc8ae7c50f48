"""The publication status shared by kampung profiles and offerings, and its legal moves."""
import enum

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import Enum

from keren.services.errors import InvalidTransition


class Status(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    ARCHIVED = "archived"


STATUS_LABELS = {
    Status.DRAFT: _l("Draf"),
    Status.PENDING: _l("Menunggu tinjauan"),
    Status.PUBLISHED: _l("Tayang"),
    Status.REJECTED: _l("Ditolak"),
    Status.HIDDEN: _l("Disembunyikan"),
    Status.ARCHIVED: _l("Diarsipkan"),
}

# action -> (states it may start from, state it ends in)
TRANSITIONS = {
    "submit": ({Status.DRAFT, Status.REJECTED, Status.HIDDEN}, Status.PENDING),
    "approve": ({Status.PENDING}, Status.PUBLISHED),
    "reject": ({Status.PENDING}, Status.REJECTED),
    "hide": ({Status.PUBLISHED}, Status.HIDDEN),
    "restore": ({Status.HIDDEN}, Status.PUBLISHED),
    "archive": ({Status.DRAFT, Status.PENDING, Status.PUBLISHED, Status.REJECTED, Status.HIDDEN},
                Status.ARCHIVED),
    "unarchive": ({Status.ARCHIVED}, Status.DRAFT),
}


def status_column_type():
    return Enum(Status, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e],
                validate_strings=True, create_constraint=True, name="status")


class StatusMixin:
    """Transitions for a model with `status` and `status_reason` columns."""

    def can_transition(self, action):
        sources, _target = TRANSITIONS[action]
        return self.status in sources

    def transition(self, action, *, reason=None):
        """Move to the state `action` leads to, or raise InvalidTransition."""
        if not self.can_transition(action):
            raise InvalidTransition(
                _("Tidak bisa %(action)s dari status %(status)s.",
                   action=ACTION_LABELS[action], status=STATUS_LABELS[self.status]))
        self.status = TRANSITIONS[action][1]
        self.status_reason = reason

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED


ACTION_LABELS = {
    "submit": _l("mengirim untuk ditinjau"),
    "approve": _l("menyetujui"),
    "reject": _l("menolak"),
    "hide": _l("menyembunyikan"),
    "restore": _l("menayangkan kembali"),
    "archive": _l("mengarsipkan"),
    "unarchive": _l("memulihkan dari arsip"),
}

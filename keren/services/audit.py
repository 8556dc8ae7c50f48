"""Writing audit entries."""
from keren.extensions import db
from keren.models import AuditEntry


def record(action, *, actor, target, kelurahan=None, now=None, **data):
    """Add an audit entry for `action` on `target` by `actor` (None for the system)."""
    entry = AuditEntry(action=action, actor_id=getattr(actor, "id", None),
                       target_type=type(target).__name__.lower(), target_id=target.id,
                       kelurahan_id=getattr(kelurahan, "id", None), data=data)
    if now is not None:
        entry.at = now
    db.session.add(entry)
    return entry

"""Effects outside the database (e-mail, files, the search index) run after commit only."""
import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_AFTER_COMMIT = "keren_after_commit"
_ON_ROLLBACK = "keren_on_rollback"


def after_commit(session, fn):
    """Call `fn()` once the session's current transaction commits; forget it on rollback."""
    session.info.setdefault(_AFTER_COMMIT, []).append(fn)


def on_rollback(session, fn):
    """Call `fn()` if the session's current transaction rolls back (e.g. remove written files)."""
    session.info.setdefault(_ON_ROLLBACK, []).append(fn)


def _run(fns, what):
    for fn in fns:
        try:
            fn()
        except Exception:  # an effect failing must never fail the request that committed
            log.exception("%s effect failed: %r", what, fn)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    session.info.pop(_ON_ROLLBACK, None)
    _run(session.info.pop(_AFTER_COMMIT, []), "after-commit")


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    if previous_transaction.nested or previous_transaction.parent is not None:
        return
    session.info.pop(_AFTER_COMMIT, None)
    _run(session.info.pop(_ON_ROLLBACK, []), "rollback")

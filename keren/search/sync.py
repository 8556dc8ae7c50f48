"""Keeping the index in step with the database: changes are collected at each flush and
written after commit only (a rollback leaves no trace). A failed write never fails the
request: it is logged, retried with the next write, and repaired by `flask search verify
--repair`."""
import logging
import threading
from itertools import chain

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from keren.models import Kampung, Offering
from keren.search.documents import document_for, key_of
from keren.search.index import get_index

log = logging.getLogger(__name__)

_PENDING = "keren_search_pending"
# Keys whose write failed in this process, retried with the next write.
_retry = set()
_retry_lock = threading.Lock()


@event.listens_for(Session, "after_flush")
def _collect(session, flush_context):
    pending = session.info.setdefault(_PENDING, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Offering):
            pending.add(("offering", obj.id))
        elif isinstance(obj, Kampung):
            # A kampung's name, place and status are part of its offerings' documents.
            pending.add(("kampung", obj.id))


@event.listens_for(Session, "after_commit")
def _write(session):
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    app = current_app._get_current_object()
    if not app.config.get("SEARCH_SYNC", True):
        return
    engine = session.get_bind()
    sync(app, pending, engine)


@event.listens_for(Session, "after_soft_rollback")
def _discard(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def documents_for_keys(session, pending):
    """{key: document or None} for the (kind, id) pairs, read from the database."""
    changes = {}
    kampung_ids = {ident for kind, ident in pending if kind == "kampung"}
    offering_ids = {ident for kind, ident in pending if kind == "offering"}
    if kampung_ids:
        offering_ids |= set(session.scalars(
            select(Offering.id).where(Offering.kampung_id.in_(kampung_ids))))
    for kind, model, ids in (("kampung", Kampung, kampung_ids),
                             ("offering", Offering, offering_ids)):
        found = {obj.id: obj for obj in session.scalars(select(model).where(model.id.in_(ids)))} \
            if ids else {}
        for ident in ids:
            obj = found.get(ident)
            changes[key_of(kind, ident)] = document_for(obj) if obj is not None else None
    return changes


def sync(app, pending, engine):
    """Write the documents of `pending` (and earlier failures) to the index; never raise."""
    with _retry_lock:
        pending = set(pending) | _retry
        _retry.clear()
    try:
        with Session(engine) as session:
            changes = documents_for_keys(session, pending)
        get_index(app.config).write(changes, timeout=app.config["SEARCH_WRITE_LOCK_TIMEOUT"],
                                    hold=app.config["SEARCH_TEST_WRITE_HOLD"])
    except Exception:
        log.exception("search index write failed for %d item(s); will retry, "
                      "or run `flask search verify --repair`", len(pending))
        with _retry_lock:
            _retry.update(pending)

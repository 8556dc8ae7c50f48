"""Counting page views and WhatsApp clicks on the server: no cookie, no address, no account
is stored, only a counter per day and page. Bots, link previews, prefetches and the kampung's
own managers and admins are not counted."""
import logging
import time

from flask import current_app, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from keren.db_setup import write_transaction
from keren.extensions import db
from keren.models.stats import VIEW
from keren.services import stats

log = logging.getLogger(__name__)

PREFETCH_HEADERS = ("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz")


def should_count(kampung):
    """A person's look at a public page: not a bot, not a prefetch, not its own people."""
    if request.method != "GET" or stats.is_bot(request.user_agent.string):
        return False
    if any("prefetch" in request.headers.get(h, "").lower() or
           "prerender" in request.headers.get(h, "").lower() for h in PREFETCH_HEADERS):
        return False
    if current_user.is_authenticated and (kampung.can_edit(current_user)
                                          or kampung.can_moderate(current_user)):
        return False
    return True


def record(kampung, offering=None, event=VIEW):
    """Count one event for a public kampung (or offering) page, in its own short write
    transaction after the page has been rendered. A failure is logged, never shown."""
    if not should_count(kampung):
        return
    kampung_id, offering_id = kampung.id, offering.id if offering is not None else None
    unguarded = current_app.config["STATS_TEST_UNGUARDED"]
    if unguarded:
        seen = stats.read_count(kampung_id, offering_id=offering_id, event=event)
        time.sleep(current_app.config["STATS_TEST_RACE_DELAY"])
    db.session.rollback()   # end the page's read; on SQLite the count queues for the lock
    try:
        with write_transaction():
            if unguarded:
                stats.set_count_unguarded(kampung_id, seen + 1, offering_id=offering_id,
                                          event=event)
            else:
                stats.count_event(kampung_id, offering_id=offering_id, event=event)
            db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("page counter write failed", exc_info=True)

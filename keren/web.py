"""Small helpers shared by the views."""
from flask import abort, flash
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from keren.db_setup import write_transaction
from keren.extensions import db
from keren.services import booking as booking_service


def attach_error(form, exc):
    """Show a service error on the form field it concerns, or as a message at the top."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(exc)]
    else:
        flash(str(exc), "error")


def get_allowed_or_404(model, ident, predicate):
    """Load by id; anything the current user may not `predicate` (a model method such as
    "is_visible_to", "can_edit", "can_moderate") is a 404, as if it did not exist."""
    item = db.session.get(model, ident)
    if item is None or not getattr(item, predicate)(current_user):
        abort(404)
    return item


def get_visible_or_404(model, ident):
    return get_allowed_or_404(model, ident, "is_visible_to")


def get_editable_or_404(model, ident):
    """For managers; others get 404 (nothing to learn about other kampung)."""
    return get_allowed_or_404(model, ident, "can_edit")


def expire_overdue_bookings(*, now, offering=None):
    """Expire unanswered booking requests past their deadline before a page reads places.

    Pages read in a plain transaction; only when something is overdue does the expiry get a
    transaction of its own, begun IMMEDIATE, so on SQLite it queues for the write lock instead
    of failing to upgrade a read. Pass the same `now` to the read that follows.
    """
    if not booking_service.overdue_exists(now=now, offering=offering):
        return
    db.session.rollback()
    with write_transaction():
        booking_service.expire_overdue(now=now, offering=offering)
        db.session.commit()


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` limited to what an INTEGER column holds, so /x/99999999999999 is a 404
    rather than a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app):
    app.url_map.converters["int"] = DatabaseIntConverter

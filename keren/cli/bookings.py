"""`flask bookings`: housekeeping for visit bookings, for a scheduler to run."""
import click

from keren.db_setup import write_transaction
from keren.extensions import db
from keren.services import booking

group = click.Group("bookings", help="Visit bookings housekeeping.")


@group.command("expire")
def expire():
    """Expire requests the kampung did not answer in time and free their places."""
    # Read-then-write beside the web workers: on SQLite, take the write lock up front.
    with write_transaction():
        count = booking.expire_overdue()
        db.session.commit()
    click.echo(f"Expired {count} unanswered booking request(s).")

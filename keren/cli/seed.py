"""`flask seed`: reference data and demo content, both idempotent."""
import click
from flask import current_app

from keren.extensions import db
from keren.services import demo, demo_activity, places

group = click.Group("seed", help="Load reference data and demo content.")


@group.command("reference")
def reference():
    """Load the 3 kecamatan and 46 kelurahan of Kota Kediri (idempotent)."""
    created, updated = places.load_reference_data()
    db.session.commit()
    click.echo(f"Reference data: {created} created, {updated} updated.")


@group.command("demo")
@click.option("--force", is_flag=True, help="Allow demo content in production mode.")
def demo_content(force):
    """Reference data, demo accounts and the Kampung KEREN with demo offerings (idempotent)."""
    app = current_app
    if app.config["ENV"] == "production" and not force:
        raise click.ClickException("Refusing to load demo content in production (use --force).")
    places.load_reference_data()
    # The seed's own approvals would otherwise e-mail the demo managers dozens of times.
    backend, app.config["MAIL_BACKEND"] = app.config["MAIL_BACKEND"], "memory"
    try:
        rows, counts = demo.seed_demo(app.config)
        db.session.commit()
    finally:
        app.config["MAIL_BACKEND"] = backend
    click.echo(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
    width = max(len(role) for role, _email, _name in rows)
    for role, email, name in rows:
        click.echo(f"  {role:<{width}}  {email:<46} {name}")
    click.echo(f"Demo data ready: {len(rows)} accounts, {counts['kampung']} kampung, "
               f"{counts['offerings']} offerings.")
    activity = demo_activity.summary()
    click.echo(f"Demo activity: {activity['bookings']} bookings in {activity['slots']} past "
               f"slots, {activity['page_stat_rows']} daily page counters, "
               f"{activity['searches']} searches (bookings marked as demo).")

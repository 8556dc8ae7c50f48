"""`flask seed`: reference data and demo content, both idempotent."""
import click
from flask import current_app

from keren.extensions import db
from keren.services import demo, places

group = click.Group("seed", help="Load reference data and demo content.")


@group.command("reference")
def reference():
    """Load the 3 kecamatan and 46 kelurahan of Kota Kediri (idempotent)."""
    created, updated = places.load_reference_data()
    db.session.commit()
    click.echo(f"Reference data: {created} created, {updated} updated.")


@group.command("demo")
@click.option("--force", is_flag=True, help="Allow demo accounts in production mode.")
def demo_content(force):
    """Load the reference data and the demo accounts (idempotent); print the accounts."""
    if current_app.config["ENV"] == "production" and not force:
        raise click.ClickException("Refusing to create demo accounts in production (use --force).")
    places.load_reference_data()
    accounts = demo.seed_demo()
    db.session.commit()
    click.echo("Demo accounts (password for all: %s):" % demo.DEMO_PASSWORD)
    for role, email, name in accounts:
        click.echo(f"  {role:<28} {email:<34} {name}")
    click.echo(f"Demo data ready: {len(accounts)} accounts.")

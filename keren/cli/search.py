"""`flask search`: rebuild and verify the index against the database."""
import sys

import click
from flask import current_app

from keren.search import service

group = click.Group("search", help="Build and check the search index.")


@group.command("rebuild")
def rebuild():
    """Build a fresh index beside the live one and swap it in (searches keep working)."""
    count = service.rebuild(current_app.config)
    click.echo(f"Search index rebuilt: {count} documents.")


@group.command("verify")
@click.option("--repair", is_flag=True, help="Write the missing, stale and extra documents.")
def verify(repair):
    """Compare the index with the database; exit 1 when drift is found and not repaired."""
    missing, extra, stale = service.verify(current_app.config, repair=repair)
    for label, keys in (("missing", missing), ("extra", extra), ("stale", stale)):
        for key in keys:
            click.echo(f"{label}: {key}")
    drift = len(missing) + len(extra) + len(stale)
    if not drift:
        click.echo("Search index matches the database.")
    elif repair:
        click.echo(f"Repaired {drift} documents ({len(missing)} missing, {len(extra)} extra, "
                   f"{len(stale)} stale).")
    else:
        click.echo(f"Drift: {len(missing)} missing, {len(extra)} extra, {len(stale)} stale. "
                   "Run `flask search verify --repair`.")
        sys.exit(1)

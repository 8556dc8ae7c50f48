"""Flask CLI commands: a click group per concern."""
from keren.cli import bookings, search, seed, stats, users


def init_app(app):
    app.cli.add_command(users.group)
    app.cli.add_command(seed.group)
    app.cli.add_command(search.group)
    app.cli.add_command(bookings.group)
    app.cli.add_command(stats.group)

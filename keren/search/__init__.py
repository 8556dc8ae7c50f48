"""Full-text search: the Whoosh index derived from the database, and the /cari pages."""
from keren.search import sync  # noqa: F401  (registers the after-commit index writes)
from keren.search.views import bp

__all__ = ["bp", "init_app"]


def init_app(app):
    app.config.setdefault("SEARCH_SYNC", True)

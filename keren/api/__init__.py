"""The public read-only JSON API, version 1, under /api/v1."""
from keren.api import directory, openapi  # noqa: F401  (register their views on bp)
from keren.api.views import bp

__all__ = ["bp"]

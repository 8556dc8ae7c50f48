"""The public read-only JSON API, version 1, under /api/v1."""
from keren.api.views import bp

__all__ = ["bp"]

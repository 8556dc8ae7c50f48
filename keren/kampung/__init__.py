"""Public kampung and offering pages, reports from visitors, uploaded media."""
from keren.kampung.views import bp

__all__ = ["bp"]

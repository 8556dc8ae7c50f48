"""Open data: the published directory as CSV and JSON downloads under CC BY 4.0."""
from keren.opendata.views import bp

__all__ = ["bp"]

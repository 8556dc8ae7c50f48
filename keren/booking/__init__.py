"""Visitors book visits: the request form's POST, the private manage page and the .ics file."""
from keren.booking.views import bp

__all__ = ["bp"]

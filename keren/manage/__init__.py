"""Residents manage their kampung profiles, offerings, photos and co-managers."""
from keren.manage.views import bp

__all__ = ["bp"]

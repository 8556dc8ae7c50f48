"""Moderation by kelurahan and city admins: the queue, decisions, reports."""
from keren.moderation.views import bp

__all__ = ["bp"]

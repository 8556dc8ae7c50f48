"""Views: Moderation by kelurahan and city admins: the queue, decisions, reports."""
from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderasi")

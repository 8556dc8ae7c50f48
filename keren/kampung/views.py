"""Views: Public kampung and offering pages, reports from visitors, uploaded media."""
from flask import Blueprint

bp = Blueprint("kampung", __name__)

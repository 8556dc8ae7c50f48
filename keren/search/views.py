"""Views: the search page."""
from flask import Blueprint

bp = Blueprint("search", __name__)

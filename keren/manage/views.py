"""Views: Residents manage their kampung profiles, offerings, photos and co-managers."""
from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/kelola")

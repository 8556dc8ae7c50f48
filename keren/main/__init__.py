"""Public pages: home, kelurahan pages and the language switch."""
from keren.main.views import bp

__all__ = ["bp"]

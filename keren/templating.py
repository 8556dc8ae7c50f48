"""Template globals and filters."""
from flask_babel import get_locale


def current_locale():
    return str(get_locale() or "id")


def init_app(app):
    app.jinja_env.globals["current_locale"] = current_locale

"""Request-wide security: proxy headers, response headers, the user loader, safe redirects."""
from urllib.parse import urljoin, urlsplit

from flask import request
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from keren.extensions import db, login_manager
from keren.models import User

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


@login_manager.user_loader
def load_user(session_token):
    """The account whose current session token is in the cookie (rotated on password change)."""
    return db.session.scalar(select(User).where(User.session_token == session_token))


def safe_next(target, fallback="/"):
    """`target` if it is a path on this site, else `fallback`: never an open redirect."""
    if not target or not isinstance(target, str):
        return fallback
    target = target.strip()
    # Backslashes and control characters let some browsers read "/\\evil.com" as another host.
    if "\\" in target or any(ord(c) < 32 for c in target) or not target.startswith("/") \
            or target.startswith("//"):
        return fallback
    host = urlsplit(request.host_url)
    joined = urlsplit(urljoin(request.host_url, target))
    if joined.scheme != host.scheme or joined.netloc != host.netloc:
        return fallback
    return target


def init_app(app):
    if app.config["PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config["ENV"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

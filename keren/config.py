"""Configuration: defaults in code, then instance/config.py, then KEREN_* variables."""
import os

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says how to fix it."""


def defaults(instance_path):
    """The embedded defaults: SQLite and the Whoosh index in the instance folder."""
    return {
        "ENV": "development",
        "DEBUG": False,
        "SECRET_KEY": DEV_SECRET_KEY,
        "PASSWORD_HASH_METHOD": "scrypt",   # werkzeug's default: scrypt N=2**15, r=8, p=1
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(instance_path, 'keren.sqlite')}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Seconds a SQLite connection waits for a writer's lock before giving up.
        "SQLITE_BUSY_TIMEOUT": 15,
        "SEARCH_INDEX_DIR": os.path.join(instance_path, "index"),
        # Extra synonyms (term,canonical per line) that a deployment adds to keren/data's list.
        "SEARCH_SYNONYMS_FILE": os.path.join(instance_path, "search-synonyms.csv"),
        # Seconds an index writer waits for another process's lock before it gives up (the
        # change is then logged, retried with the next write and found by `search verify`).
        "SEARCH_WRITE_LOCK_TIMEOUT": 10,
        "SEARCH_TEST_WRITE_HOLD": 0,  # test-only: hold the index lock to make writers collide
        "UPLOAD_DIR": os.path.join(instance_path, "uploads"),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "LANGUAGES": {"id": "Bahasa Indonesia", "en": "English"},
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
        "REGISTER_RATE_LIMIT": "5 per minute;30 per hour",
        "PROXY_FIX": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "MAIL_BACKEND": "console",          # console | smtp | memory (tests)
        "MAIL_FROM": "Kampung KEREN <noreply@kampung-keren.example>",
        "MAIL_SERVER": "localhost",
        "MAIL_PORT": 587,
        "MAIL_USE_TLS": True,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "SITE_URL": "http://127.0.0.1:5000",  # for links in e-mails
        "UPLOAD_MAX_BYTES": 8 * 1024 * 1024,
        "UPLOAD_MAX_PIXELS": 40_000_000,
        "PHOTO_DISPLAY_MAX_BYTES": 200 * 1024,
        "PHOTOS_PER_ITEM": 8,
        "BOOKING_RESPONSE_HOURS": 48,  # unanswered requests expire (always before the visit)
        "BOOKING_RATE_LIMIT": "20 per hour",
        # seconds a month's figures may be old before the dashboard recomputes them
        "STATS_MAX_AGE": 300,
        # test-only negative control: count views by read-then-write, with a delay between
        "STATS_TEST_UNGUARDED": False,
        "STATS_TEST_RACE_DELAY": 0,
    }


def load(app, test_config=None):
    """Fill app.config in order: defaults, instance/config.py, environment, test_config."""
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_pyfile(os.path.join(app.instance_path, "config.py"), silent=True)
    # KEREN_SECRET_KEY -> SECRET_KEY, KEREN_ENV -> ENV; values are parsed as JSON when they can be.
    app.config.from_prefixed_env("KEREN")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    if app.config["ENV"] == "production":
        check_production(app.config)
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)


def check_production(config):
    """Refuse to run in production with a missing or weak secret key, or with debug on."""
    key = config.get("SECRET_KEY") or ""
    if not key:
        raise ConfigError("Production needs a SECRET_KEY: set KEREN_SECRET_KEY to a random string "
                          "of at least 32 characters, e.g. from "
                          "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`.")
    if key == DEV_SECRET_KEY:
        raise ConfigError("Production needs its own SECRET_KEY, but none is set (the development default "
                          "is in use): set KEREN_SECRET_KEY to a random string of at least 32 characters.")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"SECRET_KEY is too short for production ({len(key)} characters): "
                          f"use at least {MIN_SECRET_KEY_LENGTH}.")
    if config.get("DEBUG"):
        raise ConfigError("Production refuses to run with DEBUG on: unset KEREN_DEBUG.")
    for switch in ("BOOKING_TEST_UNGUARDED", "STATS_TEST_UNGUARDED"):
        if config.get(switch):
            raise ConfigError(f"{switch} is a test-only switch that turns a safety guard off: "
                              f"unset KEREN_{switch}.")

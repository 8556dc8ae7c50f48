"""Shared fixtures: every database test runs on SQLite and on a throwaway PostgreSQL."""
import contextvars
import itertools
import os
import shutil
import threading

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.serving import make_server

from keren import create_app
from keren.extensions import db
from keren.services import places
from tests.pgcluster import ThrowawayCluster

# make test-fast sets KEREN_TEST_BACKENDS=sqlite; make test runs both.
BACKENDS = [b for b in os.environ.get("KEREN_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
TEST_PASSWORD = "kata-sandi-rahasia"
CHROMIUM = os.environ.get("KEREN_CHROMIUM", "/usr/bin/chromium")

_db_numbers = itertools.count(1)


def base_config(database_url, instance):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_INDEX_DIR": str(instance / "index"),
        "UPLOAD_DIR": str(instance / "uploads"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "memory",
        # Cheaper scrypt parameters: the same code path, a fraction of the time.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "SERVER_NAME": None,
    }


def _migrated(database_url, instance):
    """Build the schema through the real migrations and load the reference data."""
    app = create_app(base_config(database_url, instance), instance_path=instance)
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        places.load_reference_data()
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster started for this test run and stopped at its end."""
    if "postgresql" not in BACKENDS:
        pytest.fail("the PostgreSQL backend was not selected for this run")
    cluster = ThrowawayCluster().start()
    try:
        cluster.admin_execute("CREATE DATABASE keren_template")
        _migrated(cluster.url("keren_template"), cluster.root / "instance")
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite"
    _migrated(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, migrated database holding the reference data, for one test."""
    if request.param == "sqlite":
        path = tmp_path / "instance" / "keren.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    cluster = request.getfixturevalue("pg_cluster")
    name = f"keren_test_{os.getpid()}_{next(_db_numbers)}"
    cluster.admin_execute(f"CREATE DATABASE {name} TEMPLATE keren_template")
    yield cluster.url(name)
    cluster.admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def backend(database_url):
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def app_config():
    """Override in a test module to add configuration."""
    return {}


class RequestClient(FlaskClient):
    """Serves every request in a fresh context, as a real server does.

    The `app` fixture keeps an application context (and its database session) pushed for
    the test's own use. Flask would reuse it for requests, so that every request of a test
    shared one `g` (the logged-in user, the locale) and one session. Instead the test's
    session commits what the test prepared, the request runs on its own, and afterwards the
    test's session reads fresh data.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            db.session.expire_all()


@pytest.fixture
def app(database_url, tmp_path, app_config):
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    application = create_app({**base_config(database_url, instance), **app_config},
                             instance_path=instance)
    application.test_client_class = RequestClient
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create a committed account: make_user(role=Role.KELURAHAN_ADMIN, kelurahan="Tinalan")."""
    from keren.models import Role
    from keren.services import accounts
    from keren.models import Kelurahan
    numbers = itertools.count(1)

    def make(*, name="Warga Uji", email=None, password=TEST_PASSWORD, phone=None,
             role=Role.VISITOR, kelurahan=None):
        email = email or f"pengguna{next(numbers)}@contoh.id"
        user = accounts.register_user(name=name, email=email, password=password, phone=phone)
        if role != Role.VISITOR:
            place = db.session.scalar(db.select(Kelurahan).filter_by(name=kelurahan)) \
                if isinstance(kelurahan, str) else kelurahan
            accounts.grant_role(user, role, kelurahan=place)
        db.session.commit()
        return user

    return make


class CsrfClient:
    """Reads the CSRF token from a page's form, the way a browser would post it back."""

    def __init__(self, client):
        self.client = client

    def token(self, url):
        import re
        html = self.client.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) \
            or re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post(self, url, data=None, *, form_url=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(form_url or url))
        return self.client.post(url, data=data, **kwargs)

    def login(self, email, password=TEST_PASSWORD):
        return self.post("/akun/masuk", {"email": email, "password": password})


@pytest.fixture
def web(client):
    return CsrfClient(client)


# --- browser -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium "
                    "(apt-get install -y chromium).")
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--disable-dev-shm-usage"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A cheap Android phone.
    return {**browser_context_args, "viewport": {"width": 360, "height": 740},
            "device_scale_factor": 2, "is_mobile": True, "has_touch": True, "locale": "id-ID"}


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP from a thread, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def base_url():
    """No fixed base URL: each test's app gets its own port from `live_server`.

    This also replaces pytest-playwright 0.10's fallback `base_url`, a session fixture
    defined as a method of a plugin class, which pytest 9.2 reports with a
    PytestRemovedIn10Warning: an error under -W error.
    """
    return None


# --- kampung and offerings -------------------------------------------------------------------

TINALAN, BANDAR_KIDUL = "35.71.03.1008", "35.71.01.1002"


@pytest.fixture
def make_kampung(app, make_user):
    """A committed kampung: make_kampung(owner=..., kelurahan=TINALAN, status="published")."""
    from keren.models import Status
    from keren.services import kampung as kampung_service, moderation, places
    numbers = itertools.count(1)

    def make(*, owner=None, kelurahan=TINALAN, status="published", name=None, **fields):
        owner = owner or make_user(name="Pengelola Uji")
        place = places.kelurahan_by_code(kelurahan)
        values = {"tagline": "Kampung uji yang ramah", "story": "Cerita kampung uji.",
                  "address": "Gang Uji No. 1", "whatsapp": "0812-3456-7890", **fields}
        kampung = kampung_service.create_kampung(
            place, actor=owner, name=name or f"Kampung Uji {next(numbers)}", **values)
        if status != "draft":
            kampung_service.submit_kampung(kampung, actor=owner)
        if status in ("published", "hidden", "rejected"):
            admin = _city_admin(make_user)
            if status == "rejected":
                moderation.reject(kampung, moderator=admin, reason="Kurang lengkap")
            else:
                moderation.approve(kampung, moderator=admin)
            if status == "hidden":
                moderation.hide(kampung, moderator=admin, reason="Sedang diperiksa")
        db.session.commit()
        assert kampung.status == Status(status)
        return kampung

    return make


def _city_admin(make_user):
    from keren.models import Role, User
    admin = db.session.scalar(db.select(User).where(User.role == Role.CITY_ADMIN))
    return admin or make_user(name="Admin Kota Uji", role=Role.CITY_ADMIN)


@pytest.fixture
def make_offering(app, make_user):
    """A committed offering of `kampung`: make_offering(kampung, pillar="wisata", status=...)."""
    from keren.models import Status
    from keren.services import moderation, offerings
    numbers = itertools.count(1)

    def make(kampung, *, pillar="wisata", status="published", title=None, **fields):
        owner = kampung.members[0].user
        values = {"summary": "Ringkasan penawaran uji.", "description": "Deskripsi lengkap.",
                  "price_idr": 15000, "price_unit": "orang", **fields}
        offering = offerings.create_offering(kampung, actor=owner, pillar=pillar,
                                             title=title or f"Penawaran Uji {next(numbers)}",
                                             **values)
        if status != "draft":
            offerings.submit_offering(offering, actor=owner)
        if status in ("published", "hidden", "rejected", "archived"):
            admin = _city_admin(make_user)
            if status == "rejected":
                moderation.reject(offering, moderator=admin, reason="Kurang lengkap")
            else:
                moderation.approve(offering, moderator=admin)
            if status == "hidden":
                moderation.hide(offering, moderator=admin, reason="Sedang diperiksa")
            if status == "archived":
                offerings.archive_offering(offering, actor=owner)
        db.session.commit()
        assert offering.status == Status(status)
        return offering

    return make

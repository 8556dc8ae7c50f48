"""Configuration: defaults, instance/config.py, KEREN_* variables, DATABASE_URL, production checks."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from keren import create_app
from keren.config import DEV_SECRET_KEY, ConfigError

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 20 + "-production-secret-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No KEREN_* or DATABASE_URL from the machine running the tests leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("KEREN_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def instance(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


def write_instance_config(instance, text):
    (instance / "config.py").write_text(text, encoding="utf-8")


def test_defaults_use_sqlite_in_the_instance_folder(instance):
    app = create_app(instance_path=instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'keren.sqlite'}"
    assert app.config["SEARCH_INDEX_DIR"] == str(instance / "index")
    assert app.config["UPLOAD_DIR"] == str(instance / "uploads")
    assert app.config["ENV"] == "development"
    assert app.config["DEBUG"] is False
    assert app.config["BABEL_DEFAULT_LOCALE"] == "id"
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute;50 per hour"
    assert app.instance_path == str(instance)


def test_instance_config_overrides_the_defaults(instance):
    write_instance_config(instance, 'LOGIN_RATE_LIMIT = "3 per minute"\n'
                                    'SQLALCHEMY_DATABASE_URI = "sqlite:////tmp/from-instance.sqlite"\n')
    app = create_app(instance_path=instance)
    assert app.config["LOGIN_RATE_LIMIT"] == "3 per minute"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/from-instance.sqlite"
    # What the instance file does not mention keeps its default.
    assert app.config["REGISTER_RATE_LIMIT"] == "5 per minute;30 per hour"
    # The file read is the instance's, not a same-named module of the package.
    assert "MIN_SECRET_KEY_LENGTH" not in app.config


def test_keren_environment_variables_override_the_instance_config(instance, monkeypatch):
    write_instance_config(instance, 'LOGIN_RATE_LIMIT = "3 per minute"\nSQLITE_BUSY_TIMEOUT = 4\n')
    monkeypatch.setenv("KEREN_LOGIN_RATE_LIMIT", "7 per minute")
    monkeypatch.setenv("KEREN_SQLITE_BUSY_TIMEOUT", "9")
    app = create_app(instance_path=instance)
    assert app.config["LOGIN_RATE_LIMIT"] == "7 per minute"
    # Values are parsed as JSON where they can be: a number stays a number.
    assert app.config["SQLITE_BUSY_TIMEOUT"] == 9


def test_test_config_overrides_the_environment(instance, monkeypatch):
    monkeypatch.setenv("KEREN_LOGIN_RATE_LIMIT", "7 per minute")
    app = create_app({"LOGIN_RATE_LIMIT": "1 per minute"}, instance_path=instance)
    assert app.config["LOGIN_RATE_LIMIT"] == "1 per minute"


def test_database_url_picks_the_database(instance, monkeypatch):
    write_instance_config(instance, 'SQLALCHEMY_DATABASE_URI = "sqlite:////tmp/from-instance.sqlite"\n')
    url = "postgresql+psycopg://keren:secret@127.0.0.1:5432/keren"
    monkeypatch.setenv("DATABASE_URL", url)
    app = create_app(instance_path=instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url


def test_sqlite_gets_the_busy_timeout_and_postgresql_does_not(instance, monkeypatch):
    sqlite_app = create_app({"SQLITE_BUSY_TIMEOUT": 6}, instance_path=instance)
    assert sqlite_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"timeout": 6}
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://keren@127.0.0.1/keren")
    pg_app = create_app(instance_path=instance)
    assert "connect_args" not in pg_app.config["SQLALCHEMY_ENGINE_OPTIONS"]


# --- production mode -------------------------------------------------------------------------

@pytest.mark.parametrize("key, words", [
    (DEV_SECRET_KEY, "development default"),
    ("", "needs a SECRET_KEY"),
    (None, "needs a SECRET_KEY"),
    ("short-but-not-empty-31-chars-xx", "too short"),
])
def test_production_refuses_a_weak_secret_key(instance, key, words):
    with pytest.raises(ConfigError) as caught:
        create_app({"ENV": "production", "SECRET_KEY": key}, instance_path=instance)
    message = str(caught.value)
    assert words in message
    assert "KEREN_SECRET_KEY" in message or "at least 32" in message


def test_production_refuses_the_development_default_when_no_key_is_set(instance, monkeypatch):
    monkeypatch.setenv("KEREN_ENV", "production")
    with pytest.raises(ConfigError, match="KEREN_SECRET_KEY"):
        create_app(instance_path=instance)


def test_production_refuses_debug(instance, monkeypatch):
    monkeypatch.setenv("KEREN_ENV", "production")
    monkeypatch.setenv("KEREN_SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("KEREN_DEBUG", "true")
    with pytest.raises(ConfigError, match="DEBUG"):
        create_app(instance_path=instance)


def test_a_32_character_key_is_long_enough(instance):
    app = create_app({"ENV": "production", "SECRET_KEY": "x" * 32}, instance_path=instance)
    assert app.config["SECRET_KEY"] == "x" * 32


def test_production_starts_with_a_good_key_and_secure_cookies(instance, monkeypatch):
    monkeypatch.setenv("KEREN_ENV", "production")
    monkeypatch.setenv("KEREN_SECRET_KEY", GOOD_KEY)
    app = create_app(instance_path=instance)
    assert app.config["ENV"] == "production"
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    # A static file needs no database: enough to see the production response headers.
    response = app.test_client().get("/static/css/site.css")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    response.close()


def test_development_cookies_are_not_marked_secure(instance):
    app = create_app(instance_path=instance)
    assert not app.config.get("SESSION_COOKIE_SECURE")
    assert not app.config.get("REMEMBER_COOKIE_SECURE")


def _production_without_key_env(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KEREN_") and k not in ("DATABASE_URL", "FLASK_APP", "SECRET_KEY")}
    env.update(KEREN_ENV="production", PYTHONDONTWRITEBYTECODE="1",
               KEREN_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'nothing.sqlite'}",
               DATABASE_URL=f"sqlite:///{tmp_path / 'nothing.sqlite'}")
    return env


def test_importing_wsgi_in_production_without_a_key_exits_with_the_message(tmp_path):
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT,
                            env=_production_without_key_env(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "ConfigError" in result.stderr
    assert "KEREN_SECRET_KEY" in result.stderr
    assert not (tmp_path / "nothing.sqlite").exists()


def test_flask_cli_in_production_without_a_key_exits_with_the_message(tmp_path):
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "wsgi", "routes"], cwd=ROOT,
                            env=_production_without_key_env(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "KEREN_SECRET_KEY" in result.stdout + result.stderr
    assert "/kelurahan/" not in result.stdout

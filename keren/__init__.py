"""Kampung KEREN: the community marketplace and directory of Kota Kediri's kampung."""
import os
from pathlib import Path

from flask import Flask

from keren import (admin, api, auth, booking, cli, config, errors, extensions, kampung, main,
                   manage, moderation, opendata, search, security, stats, templating, web)

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None, instance_path=None):
    """Build a configured Kampung KEREN application (tests pass their own instance folder)."""
    instance_path = instance_path or os.environ.get("KEREN_INSTANCE_PATH") or ROOT / "instance"
    app = Flask(__name__, instance_path=str(instance_path),
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(MIGRATIONS_DIR=str(ROOT / "migrations"),
                      BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "keren" / "translations"))
    config.load(app, test_config)     # defaults, instance/config.py, KEREN_* env, test_config
    extensions.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    web.init_app(app)
    search.init_app(app)
    for bp in (main.bp, auth.bp, search.bp, kampung.bp, booking.bp, manage.bp, moderation.bp,
               admin.bp, api.bp, stats.bp, opendata.bp):
        app.register_blueprint(bp)
    errors.init_app(app)
    cli.init_app(app)
    return app

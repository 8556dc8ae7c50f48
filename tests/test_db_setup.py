"""Database set-up: SQLite in WAL mode with a busy timeout, BEGIN IMMEDIATE for read-then-write.

The race tests release N workers together with a barrier; each reads a counter, pauses, and
writes the value it read plus one. The guarded run must count to N; the same harness without
the guard (the negative control) must lose updates, which shows the harness can see the race.
"""
import contextlib
import contextvars
import re
import shutil
import threading
import time

import pytest
from sqlalchemy import (Column, Integer, MetaData, Table, create_engine, event, select, text,
                        update)
from sqlalchemy.exc import DBAPIError

from keren import create_app
from keren.db_setup import write_transaction
from keren.extensions import db
from keren.services import accounts
from tests.conftest import base_config

WORKERS = 8
PAUSE = 0.05  # between the read and the write: wide enough for every worker to read first

race_metadata = MetaData()
counter = Table("race_counter", race_metadata,
                Column("id", Integer, primary_key=True),
                Column("value", Integer, nullable=False))


@pytest.fixture
def sqlite_app(sqlite_template, tmp_path):
    """An app on a copy of the migrated SQLite template, for the SQLite-only checks."""
    instance = tmp_path / "instance"
    instance.mkdir()
    path = instance / "keren.sqlite"
    shutil.copy(sqlite_template, path)
    application = create_app(base_config(f"sqlite:///{path}", instance), instance_path=instance)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def statements_on(engine):
    """Record every SQL statement sent through `engine`, BEGIN included."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def begins(statements):
    return [s for s in statements if s.upper().startswith("BEGIN")]


# --- SQLite settings -------------------------------------------------------------------------

def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(sqlite_app):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15_000
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_the_busy_timeout_follows_the_configuration(sqlite_template, tmp_path):
    path = tmp_path / "keren.sqlite"
    shutil.copy(sqlite_template, path)
    app = create_app({**base_config(f"sqlite:///{path}", tmp_path), "SQLITE_BUSY_TIMEOUT": 2},
                     instance_path=tmp_path)
    with app.app_context():
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 2_000
        db.session.remove()
        db.engine.dispose()


def test_write_transaction_begins_immediate_and_other_transactions_deferred(sqlite_app):
    with statements_on(db.engine) as seen:
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        with write_transaction():
            db.session.execute(text("SELECT 1"))
            db.session.commit()
            with write_transaction():
                pass
            # Still inside the outer block after an inner one ends.
            db.session.execute(text("SELECT 1"))
            db.session.commit()
        db.session.execute(text("SELECT 1"))
        db.session.commit()
    assert begins(seen) == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE", "BEGIN"]


def test_post_requests_begin_immediate_and_get_requests_do_not(sqlite_app):
    user = accounts.register_user(name="Warga", email="warga@contoh.id", password="kata-sandi-1")
    db.session.commit()
    client = sqlite_app.test_client()

    def request(method, url, **kwargs):
        # A fresh context per request, as a server gives it: its own app context and session.
        with statements_on(db.engine) as seen:
            response = contextvars.Context().run(getattr(client, method), url, **kwargs)
        return response, seen

    response, seen = request("get", "/akun/masuk")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      response.get_data(as_text=True)).group(1)
    response, seen = request("post", "/akun/masuk", data={
        "email": user.email, "password": "salah-sekali", "csrf_token": token})
    assert response.status_code == 422
    assert begins(seen) and set(begins(seen)) == {"BEGIN IMMEDIATE"}

    response, seen = request("get", "/kelurahan/tinalan")
    assert response.status_code == 200
    assert begins(seen) and set(begins(seen)) == {"BEGIN"}


# --- the race --------------------------------------------------------------------------------

def make_counter():
    race_metadata.create_all(db.engine)
    db.session.execute(counter.insert().values(id=1, value=0))
    db.session.commit()


def counter_value():
    db.session.rollback()
    return db.session.scalar(select(counter.c.value).where(counter.c.id == 1))


def read_then_write(execute, *, guarded):
    """Read the counter, pause, write it back plus one: the classic lost-update shape."""
    query = select(counter.c.value).where(counter.c.id == 1)
    if guarded:
        # FOR UPDATE on PostgreSQL; SQLite ignores it and relies on BEGIN IMMEDIATE instead.
        query = query.with_for_update()
    value = execute(query).scalar_one()
    time.sleep(PAUSE)
    execute(update(counter).where(counter.c.id == 1).values(value=value + 1))


def race(app, *, guarded, via):
    """Run WORKERS read-then-write transactions at once; return (errors, finished)."""
    barrier = threading.Barrier(WORKERS)
    errors, finished = [], []
    guard = write_transaction if guarded else contextlib.nullcontext

    def own_engine():
        # One engine per worker, like one gunicorn process each, with the app's options
        # (the SQLite busy timeout among them).
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"],
                               **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        try:
            with engine.connect() as conn:
                barrier.wait(timeout=30)
                with guard(), conn.begin():
                    read_then_write(conn.execute, guarded=guarded)
        finally:
            engine.dispose()

    def app_session():
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                with guard():
                    read_then_write(db.session.execute, guarded=guarded)
                    db.session.commit()
            except DBAPIError:
                db.session.rollback()
                raise

    def worker():
        try:
            own_engine() if via == "own engines" else app_session()
            finished.append(True)
        except DBAPIError as exc:
            errors.append(str(exc.orig))

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return errors, finished


@pytest.mark.parametrize("via", ["own engines", "app session"])
def test_concurrent_read_then_write_transactions_lose_no_update(app, backend, via):
    make_counter()
    errors, finished = race(app, guarded=True, via=via)
    assert errors == []
    assert len(finished) == WORKERS
    assert counter_value() == WORKERS


def test_without_the_guard_the_same_race_loses_updates(app, backend):
    """The negative control: the harness sees the race when the guard is off."""
    make_counter()
    errors, finished = race(app, guarded=False, via="own engines")
    final = counter_value()
    assert final < WORKERS
    if backend == "sqlite":
        # A deferred transaction cannot upgrade its read lock: SQLite refuses at once.
        assert errors and all("database is locked" in e for e in errors)
        assert final == len(finished)
    else:
        # PostgreSQL lets every UPDATE through and silently overwrites the others.
        assert errors == [] and len(finished) == WORKERS

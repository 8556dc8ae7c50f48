"""Database engine settings: SQLite in WAL mode with a busy timeout and BEGIN IMMEDIATE writes."""
from contextlib import contextmanager
from contextvars import ContextVar

from flask import request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session

# True while the current request or block may read and then write: its transactions on
# SQLite start with BEGIN IMMEDIATE, so two writers queue on the busy timeout instead of
# one failing with "database is locked" when it upgrades a read lock.
_immediate = ContextVar("keren_immediate_transactions", default=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

@contextmanager
def write_transaction():
    """Start SQLite transactions opened inside this block with BEGIN IMMEDIATE."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)

@contextmanager
def read_transaction():
    """Start SQLite transactions opened inside this block with a plain BEGIN: for a POST whose
    write was refused and that only reads to render its answer, so it does not queue for the
    write lock again."""
    token = _immediate.set(False)
    try:
        yield
    finally:
        _immediate.reset(token)

def end_read(session):
    """End a transaction that only read, keeping the objects it loaded as they are. SQLite
    cannot turn a read transaction into a write one once another writer has committed, so a
    request that reads first (in read_transaction()) ends that read before it writes; a
    commit would expire every loaded object and the write transaction, holding the lock,
    would load them all again."""
    if isinstance(session, scoped_session):
        session = session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep

@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection, connection_record):
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()

@event.listens_for(Engine, "begin")
def _on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")

def _is_sqlite(dbapi_connection):
    return type(dbapi_connection).__module__.startswith("sqlite3")

def configure(app):
    """Engine options; called before the database extension reads them."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        # sqlite3's timeout is SQLite's busy timeout: a writer waits this long for the lock.
        options["connect_args"] = {**options.get("connect_args", {}),
                                   "timeout": app.config["SQLITE_BUSY_TIMEOUT"]}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

def init_app(app):
    """Start the transactions of every request that may write with BEGIN IMMEDIATE."""

    @app.before_request
    def _mark_writes():
        if request.method not in SAFE_METHODS:
            request.environ["keren.immediate_token"] = _immediate.set(True)

    @app.teardown_request
    def _unmark_writes(exc):
        token = request.environ.pop("keren.immediate_token", None)
        if token is not None:
            _immediate.reset(token)

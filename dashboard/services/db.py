"""The process's engines: one per database URL, migrated to the newest schema on first use."""

from __future__ import annotations

import os
import threading

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import migrate
from data_access.engine import make_engine

_engines: dict[str, Engine] = {}
_owners: dict[str, int] = {}  # the process that created each engine
_lock = threading.Lock()


def _after_fork_in_child() -> None:
    # Another thread may have held the lock when this process was forked (a background job
    # started from a threaded worker): the child gets a fresh one.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached; nothing was written."""


def get_engine(url: str) -> Engine:
    """Return the migrated engine of a URL, creating it once per process."""
    with _lock:
        engine = _engines.get(url)
        if engine is not None and _owners.get(url) != os.getpid():
            # A forked child (a background job, a gunicorn or Celery worker) must not use its
            # parent's pooled connections: start a fresh pool, leaving the parent's open.
            engine.dispose(close=False)
            _owners[url] = os.getpid()
        if engine is None:
            engine = make_engine(url)
            _engines[url] = engine
            _owners[url] = os.getpid()
    try:
        migrate.upgrade(engine)
    except sa.exc.OperationalError as exc:
        raise DatabaseUnavailable(str(exc.orig or exc)) from exc
    return engine


def dispose_engine(url: str) -> None:
    """Close the pool of a URL and forget it (tests, forks)."""
    with _lock:
        engine = _engines.pop(url, None)
        _owners.pop(url, None)
    if engine is not None:
        migrate.forget(engine)
        engine.dispose()


def is_unavailable_error(exc: BaseException) -> bool:
    """Tell whether a database error means the server cannot be reached."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(exc, sa.exc.DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(exc, sa.exc.OperationalError)
    return False


def ping(engine: Engine) -> None:
    """Run a trivial query; raise DatabaseUnavailable when the server cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.DBAPIError as exc:
        raise DatabaseUnavailable(str(exc.orig or exc)) from exc

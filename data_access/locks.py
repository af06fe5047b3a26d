"""Named locks that hold across processes and hosts: who runs a piece of background work.

PostgreSQL: a session-level advisory lock, held on one pooled connection for as long as the
work runs and released by the server if the process dies. SQLite (one host by nature): an
``flock`` on a file beside the database. An in-memory SQLite database lives in one process: a
process-local lock is enough there.
"""

from __future__ import annotations

import fcntl
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# The advisory lock's first key: "ck" (cockpit), so other applications' locks never collide.
_CLASS_ID = 0x636B
_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def lock_key(name: str) -> int:
    """The advisory lock's second key for a lock name (a signed 32-bit number)."""
    value = zlib.crc32(name.encode("utf-8"))
    return value - (1 << 32) if value >= (1 << 31) else value


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Try to take the lock ``name`` without waiting; yield whether this caller holds it.

    Released when the block ends (also on an exception). A caller that gets False must not do
    the work: another process (or thread) is doing it.
    """
    if engine.dialect.name == "postgresql":
        with _advisory(engine, name) as held:
            yield held
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with _in_process(f"{id(engine)}:{name}") as held:
            yield held
        return
    with file_lock(Path(f"{database}.{name}.lock")) as held:
        yield held


@contextmanager
def _advisory(engine: Engine, name: str) -> Iterator[bool]:
    key = lock_key(name)
    with engine.connect() as conn:
        held = bool(
            conn.execute(
                sa.text("SELECT pg_try_advisory_lock(:c, :k)"), {"c": _CLASS_ID, "k": key}
            ).scalar()
        )
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(
                    sa.text("SELECT pg_advisory_unlock(:c, :k)"), {"c": _CLASS_ID, "k": key}
                )
                conn.commit()


@contextmanager
def file_lock(path: Path) -> Iterator[bool]:
    """Try to take an exclusive ``flock`` on ``path`` without waiting; yield whether this caller
    holds it (refused to another process, and to another thread of this one)."""
    # The same file may be locked by another thread of this process: flock locks belong to the
    # open file description, so each attempt opens its own and a second thread is refused too.
    with _in_process(str(path)) as local:
        if not local:
            yield False
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


@contextmanager
def _in_process(name: str) -> Iterator[bool]:
    with _local_guard:
        lock = _local_locks.setdefault(name, threading.Lock())
    held = lock.acquire(blocking=False)
    try:
        yield held
    finally:
        if held:
            lock.release()

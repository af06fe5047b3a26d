"""Bulk work below the pages. The background passes (rollup refresh, judging) run in threads
whose nice value is raised by ``bulk_nice()`` (Linux: a thread's nice value is its own), and
``python -m dashboard worker`` lowers itself the same way, so a backlog takes the CPU the pages
leave. 0 keeps every thread at the process's priority; elsewhere than Linux, or where the
system refuses, the threads keep it too.

``host_slot`` bounds how much bulk work runs at once on a host, across its processes: a
lowered thread still competes for its process's GIL and its database connection does not run
lowered, so eight clients' batches stored at once, beside a background pass, would take both
CPUs of a small host however low their threads ran. Once ``set_host_slots`` said where (the
web app and the job worker do; elsewhere, a CLI verb for one, bulk work takes no turn), each
piece takes a slot of its pool: ``ingest_turn`` one batch of the ingest API, stored at the
pages' priority (its client waits; lowered, batches starved while the pages kept both CPUs
busy), ``refresh_turn`` one rollup refresh and ``background_turn`` one round of judging of a
background pass. The pools are apart, so neither a batch nor the KPIs wait for a round.

``pace``: while the host serves pages, a thread judging in a background turn pauses between
its statements, so that it works at most ``bulk_duty()`` of the time (1, no pause, unless
``set_bulk_duty`` lowered it); its PostgreSQL backend,
which no nice value reaches, idles with it. A transaction that has written (or locked rows)
does not pause until it ends.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from data_access import locks

logger = logging.getLogger(__name__)

DEFAULT_BULK_NICE = 10
_nice = DEFAULT_BULK_NICE


def set_bulk_nice(value: int) -> None:
    """How much lower than the pages bulk threads started from now on run (0-19)."""
    global _nice
    if not 0 <= value <= 19:
        raise ValueError(f"bulk nice: {value} is not between 0 and 19")
    _nice = value


def bulk_nice() -> int:
    return _nice


def lower_this_thread() -> int:
    """Raise the calling thread's nice value by ``bulk_nice()``; return the nice value it runs
    at (unchanged where the system has no per-thread priority or refuses)."""
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return 0
    tid = threading.get_native_id()
    current = os.getpriority(os.PRIO_PROCESS, tid)
    if _nice:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, current + _nice))
        except OSError as exc:  # a container may forbid it: run at the pages' priority
            logger.warning("bulk work keeps the normal CPU priority: %s", exc)
    return os.getpriority(os.PRIO_PROCESS, tid)


def bulk_executor(max_workers: int, name: str) -> ThreadPoolExecutor:
    """A thread pool whose threads run at the bulk priority."""
    return ThreadPoolExecutor(
        max_workers=max_workers, thread_name_prefix=name, initializer=lower_this_thread
    )


# How long a caller waiting for a host slot sleeps between two tries (seconds, jittered).
SLOT_POLL_S = 0.02


@contextmanager
def host_slot(folder: Path, slots: int, name: str = "bulk") -> Iterator[int]:
    """Hold one of ``slots`` slots shared by every process of this host (``flock``s on files
    ``<name>-slot-<i>.lock`` in ``folder``), waiting for one to be free; yield its number.

    A slot is released when the block ends, and by the system if the process dies.
    """
    if slots < 1:
        raise ValueError(f"host slots: {slots} is not a positive number")
    folder.mkdir(parents=True, exist_ok=True)
    start = random.randrange(slots)
    while True:
        for k in range(slots):
            number = (start + k) % slots
            with locks.file_lock(folder / f"{name}-slot-{number}.lock") as held:
                if held:
                    yield number
                    return
        time.sleep(SLOT_POLL_S * (0.5 + random.random()))


# The pools of host slots: the ingest API's batches, the background passes' rollup refreshes
# and their rounds of judging.
INGEST_POOL = "ingest"
REFRESH_POOL = "refresh"
BACKGROUND_POOL = "bulk"
# Where this process's bulk work takes its turns: (folder, slots per pool), or None.
_host_slots: tuple[Path, int] | None = None
_turns = threading.local()


def set_host_slots(folder: Path | None, slots: int = 1) -> None:
    """Make ``bulk_turn`` take one of ``slots`` host slots in ``folder`` (None: no turns)."""
    global _host_slots
    if folder is not None and slots < 1:
        raise ValueError(f"host slots: {slots} is not a positive number")
    _host_slots = None if folder is None else (Path(folder), slots)


def host_slots() -> tuple[Path, int] | None:
    """Where ``bulk_turn`` takes its turns: (folder, slots), or None."""
    return _host_slots


@contextmanager
def bulk_turn(pool: str = BACKGROUND_POOL, *, pace: bool = False) -> Iterator[None]:
    """Run the block as one turn of bulk work in ``pool``: in one of its host slots when
    ``set_host_slots`` named them (waiting for one), else at once; ``pace``: paced while the
    host serves pages (``pace``). A turn inside a turn of the same thread takes no second slot
    (it would wait for itself)."""
    where = _host_slots
    if where is None or getattr(_turns, "depth", 0):
        yield
        return
    with host_slot(*where, pool), paced() if pace else nullcontext():
        _turns.depth = 1
        try:
            yield
        finally:
            _turns.depth = 0


def ingest_turn() -> contextlib.AbstractContextManager[None]:
    """A turn for one batch of the ingest API: its own pool, so a batch never waits for a
    background round; at the pages' priority and unpaced (its client waits for it)."""
    return bulk_turn(INGEST_POOL)


def refresh_turn() -> contextlib.AbstractContextManager[None]:
    """A turn for one rollup refresh of the background passes: its own pool, so the KPIs
    never wait for a round of judging; unpaced."""
    return bulk_turn(REFRESH_POOL)


def background_turn() -> contextlib.AbstractContextManager[None]:
    """A turn for one round of judging of the background passes, paced while the host serves
    pages."""
    return bulk_turn(BACKGROUND_POOL, pace=True)


# Pages first. While this host serves the cockpit's pages (a page request in the last
# PAGES_ACTIVE_S seconds, by any of its processes: ``note_page`` touches a marker file in the
# host's slot folder), a thread judging in a background turn works at most ``bulk_duty()`` of
# the time: at each statement it sends, once it has worked PACE_QUANTUM_S since its last pause, it
# sleeps so that its work is that share of the time since (at most PACE_MAX_SLEEP_S at a
# time). Its PostgreSQL backend idles with it, and a sleeping thread holds no GIL. The
# follow-up of a burst of batches then takes longer while pages are served, and runs at full
# speed otherwise.
# 1: off by default. With one browser open the marker is always fresh, so judging would run
# at a quarter of its speed on a host that is otherwise idle.
DEFAULT_BULK_DUTY = 1.0
PAGES_ACTIVE_S = 1.0
PACE_QUANTUM_S = 0.02
PACE_MAX_SLEEP_S = 0.25
# How often a process touches the marker (seconds) and re-reads it (per process).
_MARK_EVERY_S = 0.2
_LOOK_EVERY_S = 0.05
_duty = DEFAULT_BULK_DUTY
_pacing = threading.local()
_marks = {"touched": 0.0, "looked": 0.0, "active_until": 0.0}


def set_bulk_duty(value: float) -> None:
    """The share of the time (0 < duty <= 1) a round of judging works while pages are served;
    1 never pauses."""
    global _duty
    if not 0 < value <= 1:
        raise ValueError(f"bulk duty: {value} is not in (0, 1]")
    _duty = value


def bulk_duty() -> float:
    return _duty


def _marker() -> Path | None:
    where = _host_slots
    return None if where is None else where[0] / "pages-active"


def note_page() -> None:
    """A page request arrived (the web app calls it for every request but the API's and the
    static files'): judging on this host is paced for the next PAGES_ACTIVE_S seconds."""
    marker = _marker()
    now = time.time()
    if marker is None:
        return
    _marks["active_until"] = max(_marks["active_until"], now + PAGES_ACTIVE_S)
    if now - _marks["touched"] < _MARK_EVERY_S:
        return
    _marks["touched"] = now
    try:
        os.utime(marker)
    except FileNotFoundError:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:  # a read-only or vanished folder: pages go unnoticed, bulk runs unpaced
        pass


def pages_active() -> bool:
    """Did any process of this host serve a page in the last PAGES_ACTIVE_S seconds?"""
    marker = _marker()
    if marker is None:
        return False
    now = time.time()
    if now - _marks["looked"] >= _LOOK_EVERY_S:
        _marks["looked"] = now
        try:
            _marks["active_until"] = marker.stat().st_mtime + PAGES_ACTIVE_S
        except OSError:
            _marks["active_until"] = 0.0
    return now < _marks["active_until"]


@contextmanager
def paced() -> Iterator[None]:
    """Pace the calling thread's statements (``pace``) for the block (nested: once)."""
    if getattr(_pacing, "on", False):
        yield
        return
    _pacing.on, _pacing.since = True, time.monotonic()
    try:
        yield
    finally:
        _pacing.on = False


def pace() -> None:
    """In a paced block, while pages are served: sleep so that this thread has worked at most
    ``bulk_duty()`` of the time since its last pause (a statement hook calls it)."""
    if not getattr(_pacing, "on", False) or _duty >= 1:
        return
    worked = time.monotonic() - _pacing.since
    if worked < PACE_QUANTUM_S:
        return
    if pages_active():
        time.sleep(min(PACE_MAX_SLEEP_S, worked * (1 - _duty) / _duty))
    _pacing.since = time.monotonic()


# Statements after which a transaction may hold row locks: it does not pause until it ends
# (an ingest batch marking the same rep-days dirty would wait for the pause).
_READS = ("SELECT", "SET ", "SHOW ")
_LOCKING_READS = (" FOR UPDATE", " FOR NO KEY UPDATE", " FOR SHARE", " FOR KEY SHARE")
_LOCKS_HELD = "priority_locks_held"


def _pace_statement(conn, _cursor, sql: str, _parameters, _context, _executemany) -> None:
    """Engine hook: pace before a statement unless the transaction may hold row locks."""
    if _duty >= 1 or not getattr(_pacing, "on", False):
        return  # the default: nothing to track on the judge's statements
    if not conn.info.get(_LOCKS_HELD):
        pace()
    head = sql.lstrip()[:6].upper()
    if not head.startswith(_READS) or any(k in sql.upper() for k in _LOCKING_READS):
        conn.info[_LOCKS_HELD] = True


def _transaction_ended(conn) -> None:
    conn.info.pop(_LOCKS_HELD, None)


sa.event.listen(Engine, "before_cursor_execute", _pace_statement)
sa.event.listen(Engine, "commit", _transaction_ended)
sa.event.listen(Engine, "rollback", _transaction_ended)
sa.event.listen(
    Pool, "checkin", lambda _dbapi, record: record.info.pop(_LOCKS_HELD, None) if record else None
)

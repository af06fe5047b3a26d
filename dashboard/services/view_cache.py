"""Heavy views computed once per change of the data, exact (or, for the KPI views, at most a
few seconds behind) with any number of processes and hosts.

``cached`` wraps a service ``fn(engine, user, *args, **kwargs)``: the result is kept in this
process under the call's arguments (the user's name, role and regions; the filter; ``today``)
and the change stamps (``data_access.changes``) of the tables its computation read. The
stamps of every table are read before the view, in one statement; while the view computes,
every statement it executes names its tables (read off the compiled statement, subqueries
included), and the answer is kept with the stamps of those tables. A write committed to one of
them, by any process on any host, makes the next call's stamp of it larger, and the view is
computed again; a write to a table it did not read (the raw visits, for a view of the rollups)
leaves the answer standing. That is exact: with the same arguments and the same data in the
tables it read, the view takes the same path and gives the same answer. A view that ran a
statement of raw SQL text (tables unknown) is kept against the sum of all stamps instead. A
view runs its statements in its own thread (the tables are noted per thread). So an exact
view's answer is never older than the data committed when the call began; exact views share
nothing between processes but the database.

A view declared with ``cached(lags=True)`` (the KPI views, computed from the rollups that the
background work keeps up to date, themselves seconds behind an ingest) may lag instead, by at
most ``max_lag()`` seconds (``COCKPIT_VIEW_MAX_LAG``, default 5; 0: exact): when its data
changed but the kept answer's data was read less than that long ago, the kept answer is served
and the view is computed again off the request path, at most once every half of the lag. So a
stream of batches recomputes each such view about twice per lag per process instead of on
nearly every call, and a change after a quiet moment is computed on the call, as an exact view.
Only a top-level call lags: a view computing inside another one is exact.

The lagging views are shared between the processes of a host once ``set_shared`` named a
folder (the web app names ``<data dir>/view-cache``): an answer computed by one process is
written there with the wall-clock time its data was read, and another process serves it,
while that was less than the lag ago, instead of computing the view itself. A recomputation
off the request path takes the key's host lock (``flock``, released if the process dies): the
other processes' recomputations of that key wait for it and take its answer. So four web
workers compute each KPI view about twice per lag between them, not each. The shared answers
obey the same bound as the kept ones (their data read less than the lag ago); exact views are
not shared.

Concurrent calls of one key in a process wait for the one computing it (a page load sends
its callbacks at once; ten users open the same overview). Callers get a copy of the kept
frames, lists and dicts, so a caller that changes its answer cannot change the next one.
``COCKPIT_VIEW_CACHE=off`` turns it off (every call computes).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

import diskcache
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.sql.util import find_tables

from dashboard.settings import view_max_lag
from data_access import changes, locks

logger = logging.getLogger(__name__)

MAX_ENTRIES = 32

# What a kept answer depends on: the stamps of the tables its computation read (None: a
# statement's tables were unknown, so the sum of every table's stamp).
Depends = dict[str, int] | None

# key → (sum of all stamps when computed, what it depends on, answer, time.monotonic() when
# its stamps were read)
_entries: OrderedDict[tuple, tuple[int, Depends, Any, float]] = OrderedDict()
_guard = threading.Lock()
# key → [lock, callers using it]: one lock per key being computed (a view that calls another
# cached view takes the other's own lock, never one it already holds).
_flights: dict[tuple, list] = {}
_stats = {"hits": 0, "misses": 0, "lagged": 0, "shared": 0}
_highest: dict[str, int] = {}
# Keys of lagging views with a computation scheduled off the request path, and its timer.
_scheduled: dict[tuple, threading.Timer] = {}
# The host's shared answers of the lagging views (``set_shared``): the cache and the folder of
# its locks, or None.
_shared: tuple[diskcache.Cache, Path] | None = None
# The host locks of the shared recomputations: a key takes one of this many (a bounded set of
# files, whatever the number of keys).
SHARED_LOCKS = 64
# How long a recomputation waiting for another process's sleeps between two looks (seconds).
SHARED_POLL_S = 0.05

F = TypeVar("F", bound=Callable[..., Any])


# The tables read by the view computing in this thread (a set; UNKNOWN in it when a statement
# did not say); None when no view computes.
_reading: ContextVar[set[str] | None] = ContextVar("view_cache_reading", default=None)
UNKNOWN = "?"


# Driver SQL that reads no table (the fact queries turn PostgreSQL's JIT off for their
# transaction).
_READS_NOTHING = ("SET ", "SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


def _note_tables(_conn, _cursor, sql: str, _parameters, context, _executemany) -> None:
    """Engine hook: add the tables of a statement executed while a view computes."""
    tables = _reading.get()
    if tables is None:
        return
    statement = getattr(getattr(context, "compiled", None), "statement", None)
    if statement is None and sql.lstrip().upper().startswith(_READS_NOTHING):
        return
    if statement is None or isinstance(statement, sa.TextClause):
        tables.add(UNKNOWN)  # raw SQL: its tables are not known
        return
    tables.update(
        t.name
        for t in find_tables(statement, include_aliases=True, include_joins=True, include_crud=True)
        if isinstance(t, sa.Table)
    )


sa.event.listen(Engine, "before_cursor_execute", _note_tables)


def enabled() -> bool:
    return os.environ.get("COCKPIT_VIEW_CACHE", "on").strip().lower() not in ("off", "0", "no")


def max_lag() -> float:
    """Seconds a lagging view's answer may be behind its data (``COCKPIT_VIEW_MAX_LAG``,
    checked at start-up by ``Settings.from_env``)."""
    return float(view_max_lag(os.environ))


def set_shared(folder: Path | None) -> None:
    """Share the lagging views' answers with the host's other processes through ``folder``
    (module doc; None: this process keeps its own)."""
    global _shared
    with _guard:
        previous, _shared = _shared, None
    if previous is not None:
        previous[0].close()
    if folder is None:
        return
    folder = Path(folder)
    (folder / "locks").mkdir(parents=True, exist_ok=True)
    cache = diskcache.Cache(str(folder), size_limit=256 * 2**20, timeout=1)
    with _guard:
        _shared = (cache, folder / "locks")


def shared_folder() -> Path | None:
    """Where this process shares the lagging views with the host's other processes (None: it
    keeps its own)."""
    shared = _shared
    return None if shared is None else shared[1].parent


def clear() -> None:
    """Forget every kept view (the host's shared ones too), cancel the computations scheduled
    off the request path and wait for the running ones (tests, which empty the database next;
    the answers stay exact without it)."""
    with _guard:
        timers = list(_scheduled.values())
    for timer in timers:
        timer.cancel()
        timer.join()
    with _guard:
        _scheduled.clear()
        _entries.clear()
        _highest.clear()
        _stats.update(hits=0, misses=0, lagged=0, shared=0)
        shared = _shared
    if shared is not None:
        try:
            shared[0].clear()
        except Exception:  # its folder was removed: nothing is left to serve
            logger.exception("clearing the shared views failed")


def stats() -> dict[str, int]:
    """Hits, misses, answers served lagging, and kept entries of this process."""
    with _guard:
        return {**_stats, "entries": len(_entries)}


def _user_key(user: Any) -> tuple:
    return (user.name, user.role, tuple(user.regions))


def _seen(url: str, stamp: int) -> None:
    """Note the stamp read from ``url``; one lower than before means its counts were reset
    (a restored or truncated database): forget that database's answers."""
    with _guard:
        if stamp < _highest.get(url, stamp):
            for key in [k for k in _entries if k[1] == url]:
                del _entries[key]
        _highest[url] = stamp


def _valid(found: tuple, total: int, stamps: dict[str, int]) -> bool:
    depends = found[1]
    if depends is None:
        return found[0] == total
    return all(stamps.get(tbl, 0) == n for tbl, n in depends.items())


def _lookup(key: tuple, total: int, stamps: dict[str, int]) -> tuple[bool, Any, Depends]:
    """(hit, answer, what it depends on) of a kept answer still valid for these stamps."""
    with _guard:
        found = _entries.get(key)
        if found is not None and _valid(found, total, stamps):
            _entries.move_to_end(key)
            _stats["hits"] += 1
            return True, found[2], found[1]
    return False, None, None


def _lagging(key: tuple, lag: float) -> tuple | None:
    """The kept answer of ``key`` if its data was read less than ``lag`` seconds ago."""
    with _guard:
        found = _entries.get(key)
        if found is None or found[3] < time.monotonic() - lag:
            return None
        _entries.move_to_end(key)
        _stats["lagged"] += 1
        return found


def _put_entry(key: tuple, entry: tuple) -> None:
    """Keep ``entry`` as the most recent answer, forgetting the oldest beyond MAX_ENTRIES (the
    caller holds ``_guard``)."""
    _entries[key] = entry
    _entries.move_to_end(key)
    while len(_entries) > MAX_ENTRIES:
        _entries.popitem(last=False)


def _keep(key: tuple, total: int, value: Any, depends: Depends, read_at: float) -> None:
    with _guard:
        _stats["misses"] += 1
        found = _entries.get(key)
        if found is not None and found[0] > total:
            return  # a call that began later kept a fresher answer
        _put_entry(key, (total, depends, value, read_at))


def _compute(
    stamps: dict[str, int], fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[Any, Depends]:
    """Run a view, noting the tables its statements read; return its answer and their stamps
    (None: some tables were not known)."""
    token = _reading.set(set())
    try:
        value = fn(*args, **kwargs)
        tables = _reading.get()
    finally:
        _reading.reset(token)
    if tables is None or UNKNOWN in tables:
        return value, None
    return value, {tbl: stamps.get(tbl, 0) for tbl in tables}


def _report(depends: Depends) -> None:
    """Tell an enclosing view's computation the tables an inner view's answer depends on."""
    outer = _reading.get()
    if outer is not None:
        outer.update(depends if depends is not None else (UNKNOWN,))


@contextmanager
def _flight(key: tuple) -> Iterator[None]:
    """Hold ``key``'s own lock: concurrent callers of one key compute it once."""
    with _guard:
        entry = _flights.setdefault(key, [threading.Lock(), 0])
        entry[1] += 1
    try:
        with entry[0]:
            yield
    finally:
        with _guard:
            entry[1] -= 1
            if entry[1] == 0:
                _flights.pop(key, None)


def _copy(value: Any) -> Any:
    """A copy deep enough that the caller's changes stay its own (frames; dicts; lists of
    dicts, whose rows are copied one level)."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [dict(x) if type(x) is dict else _copy(x) for x in value]
    if isinstance(value, tuple):
        return tuple(_copy(x) for x in value)
    return value


def _read_stamps(engine: Engine) -> tuple[dict[str, int], int, float]:
    """Every table's stamp, their sum, and when they were read."""
    read_at = time.monotonic()
    with engine.connect() as conn:
        stamps = changes.table_stamps(conn)
    total = sum(stamps.values())
    _seen(str(engine.url), total)
    return stamps, total, read_at


def _fill(
    key: tuple,
    read: tuple[dict[str, int], int, float],
    fn: Callable[..., Any],
    engine: Engine,
    *call: Any,
    **kwargs: Any,
) -> tuple[Any, Depends]:
    """Compute ``key`` once (concurrent callers wait for the one computing it) unless an
    answer for the stamps ``read`` (``_read_stamps``) was kept meanwhile; return (answer, what
    it depends on)."""
    stamps, total, read_at = read
    with _flight(key):
        hit, value, depends = _lookup(key, total, stamps)
        if not hit:
            value, depends = _compute(stamps, fn, engine, *call, **kwargs)
            _keep(key, total, value, depends, read_at)
    return value, depends


def _shared_name(key: tuple) -> str:
    """The name of ``key`` in the host's shared cache: the same in every process (its repr:
    strings, numbers, dates, tuples and the frozen filter, all of which print their value)."""
    return hashlib.sha256(repr(key).encode()).hexdigest()


def _shared_read_at(key: tuple, lag: float) -> float | None:
    """When (this process's monotonic clock) the data of the host's shared answer of ``key``
    was read, if less than ``lag`` seconds ago; else None. Reads only the time, not the answer."""
    shared = _shared
    if shared is None:
        return None
    try:
        read_wall = shared[0].get(_shared_name(key) + ":at")
    except Exception:  # a shared answer is an economy: compute it here instead
        logger.exception("reading the shared view %s failed", key[0])
        return None
    return None if read_wall is None else _read_here(read_wall, lag)


def _read_here(read_wall: float, lag: float) -> float | None:
    """A wall-clock read time as this process's monotonic one, if less than ``lag`` seconds
    ago (None: too old, or written by a clock ahead of this one)."""
    age = time.time() - read_wall
    return time.monotonic() - age if 0 <= age < lag else None


def _shared_put(key: tuple, lag: float) -> None:
    """Write this process's kept answer of ``key`` to the host's shared cache, for ``lag``
    seconds (no process serves it longer): the answer, then the time its data was read."""
    shared = _shared
    if shared is None:
        return
    with _guard:
        found = _entries.get(key)
    if found is None:
        return
    total, depends, value, read_at = found
    read_wall = time.time() - (time.monotonic() - read_at)
    name = _shared_name(key)
    try:
        shared[0].set(name, (total, depends, value, read_wall), expire=lag)
        shared[0].set(name + ":at", read_wall, expire=lag)
    except Exception:
        logger.exception("writing the shared view %s failed", key[0])


def _adopt(key: tuple, lag: float) -> bool:
    """Keep the host's shared answer of ``key`` when its data was read less than ``lag`` ago
    and after that of this process's kept one; return whether it did."""
    shared = _shared
    with _guard:
        mine = _entries.get(key)
    newer_than = -float("inf") if mine is None else mine[3]
    read_at = _shared_read_at(key, lag)
    if shared is None or read_at is None or read_at <= newer_than:
        return False
    try:
        found = shared[0].get(_shared_name(key))
    except Exception:
        logger.exception("reading the shared view %s failed", key[0])
        return False
    if found is None:
        return False
    total, depends, value, read_wall = found
    read_here = _read_here(read_wall, lag)
    if read_here is None:
        return False
    with _guard:
        mine = _entries.get(key)
        if mine is not None and mine[3] >= read_here:
            return False
        _stats["shared"] += 1
        _put_entry(key, (total, depends, value, read_here))
    return True


def _refresh_shared(key: tuple, lag: float, run: Callable[[], Any]) -> None:
    """Recompute a lagging view off the request path once per host: under the key's host lock,
    unless another process's answer newer than this process's kept one came meanwhile (a
    process finding the lock taken waits for the answer of the one holding it, at most half a
    lag, then computes itself)."""
    shared = _shared
    if shared is None:
        run()
        return
    number = int(_shared_name(key)[:8], 16) % SHARED_LOCKS
    path = shared[1] / f"view-{number}.lock"
    give_up = time.monotonic() + lag / 2
    while not _adopt(key, lag / 2):
        with locks.file_lock(path) as held:
            if held or time.monotonic() >= give_up:
                if not _adopt(key, lag / 2):
                    run()
                    _shared_put(key, lag)
                return
        time.sleep(SHARED_POLL_S)


def _schedule(key: tuple, read_at: float, lag: float, run: Callable[[], Any]) -> None:
    """Compute a lagging view again off the request path, half a lag after its kept answer's
    data was read (at once if that has passed), once per host when shared; one scheduled
    computation per key."""

    def refresh() -> None:
        try:
            _refresh_shared(key, lag, run)
        except Exception:
            # The next call computes it on the request path (and raises there).
            logger.exception("recomputing the view %s failed", key[0])
        finally:
            with _guard:
                if _scheduled.get(key) is timer:
                    del _scheduled[key]

    delay = max(0.0, read_at + lag / 2 - time.monotonic())
    timer = threading.Timer(delay, refresh)
    timer.name = "view-refresh"
    timer.daemon = True
    with _guard:  # started under the guard: clear() never sees a timer it cannot join
        if key in _scheduled:
            return
        _scheduled[key] = timer
        timer.start()


def cached(fn: F | None = None, *, lags: bool = False) -> Any:
    """Keep ``fn(engine, user, ...)``'s answers per arguments and change stamp (module doc);
    ``lags=True``: a kept answer may be served up to ``max_lag()`` seconds behind its data.
    A call whose arguments cannot be hashed is computed, not kept."""
    if fn is None:
        return functools.partial(cached, lags=lags)
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(engine: Engine, user: Any, *args: Any, **kwargs: Any) -> Any:
        if not enabled():
            return fn(engine, user, *args, **kwargs)
        key = (name, str(engine.url), _user_key(user), args, tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:
            return fn(engine, user, *args, **kwargs)
        lag = max_lag() if lags and _reading.get() is None else 0.0
        read = _read_stamps(engine)
        hit, value, depends = _lookup(key, read[1], read[0])
        if not hit and lag > 0 and _adopt(key, lag):
            hit, value, depends = _lookup(key, read[1], read[0])
        kept = _lagging(key, lag) if not hit and lag > 0 else None
        if kept is not None:
            value, depends = kept[2], kept[1]
            _schedule(
                key,
                kept[3],
                lag,
                lambda: _fill(key, _read_stamps(engine), fn, engine, user, *args, **kwargs),
            )
        elif not hit:
            value, depends = _fill(key, read, fn, engine, user, *args, **kwargs)
            if lag > 0:
                _shared_put(key, lag)
        _report(depends)
        return _copy(value)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper

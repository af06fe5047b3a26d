"""Heavy views computed once per change of the data, exact with any number of processes and
hosts.

``cached`` wraps a service ``fn(engine, user, *args, **kwargs)``: the result is kept in this
process under the call's arguments (the user's name, role and regions; the filter; ``today``)
and the database's change stamp (``data_access.changes``). The stamp is read before the view:
a write committed to any table the views read, by any process on any host, makes the next
call's stamp larger, and the view is computed again. So a cached answer is never older than
the data committed when the call began; nothing is shared between processes but the database.

Concurrent calls of one key in a process wait for the one computing it (a page load sends
its callbacks at once; ten users open the same overview). Callers get a copy of the kept
frames, lists and dicts, so a caller that changes its answer cannot change the next one.
``COCKPIT_VIEW_CACHE=off`` turns it off (every call computes).
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy.engine import Engine

from data_access import changes

MAX_ENTRIES = 32

_entries: OrderedDict[tuple, tuple[int, Any]] = OrderedDict()
_guard = threading.Lock()
# key → [lock, callers using it]: one lock per key being computed (a view that calls another
# cached view takes the other's own lock, never one it already holds).
_flights: dict[tuple, list] = {}
_stats = {"hits": 0, "misses": 0}
_highest: dict[str, int] = {}

F = TypeVar("F", bound=Callable[..., Any])


def enabled() -> bool:
    return os.environ.get("COCKPIT_VIEW_CACHE", "on").strip().lower() not in ("off", "0", "no")


def clear() -> None:
    """Forget every kept view (tests; the answers stay exact without it)."""
    with _guard:
        _entries.clear()
        _highest.clear()
        _stats.update(hits=0, misses=0)


def stats() -> dict[str, int]:
    """Hits, misses and kept entries of this process."""
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


def _lookup(key: tuple, stamp: int) -> tuple[bool, Any]:
    with _guard:
        found = _entries.get(key)
        if found is not None and found[0] == stamp:
            _entries.move_to_end(key)
            _stats["hits"] += 1
            return True, found[1]
    return False, None


def _keep(key: tuple, stamp: int, value: Any) -> None:
    with _guard:
        _stats["misses"] += 1
        found = _entries.get(key)
        if found is not None and found[0] > stamp:
            return  # a call that began later kept a fresher answer
        _entries[key] = (stamp, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


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


def cached(fn: F) -> F:
    """Keep ``fn(engine, user, ...)``'s answers per arguments and change stamp (module doc).
    A call whose arguments cannot be hashed is computed, not kept."""
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
        with engine.connect() as conn:
            stamp = changes.stamp(conn)
        _seen(key[1], stamp)
        hit, value = _lookup(key, stamp)
        if not hit:
            with _flight(key):
                hit, value = _lookup(key, stamp)
                if not hit:
                    value = fn(engine, user, *args, **kwargs)
                    _keep(key, stamp, value)
        return _copy(value)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]

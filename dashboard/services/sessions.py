"""Server-side sign-in sessions and the sign-in throttle, both kept in the database so every
worker process of the app sees the same state."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from data_access import sessions as store

# Activity is written at most this often per session (the idle limit's resolution).
TOUCH_EVERY = timedelta(seconds=60)


def hash_id(session_id: str) -> str:
    """The stored key of a session id (a stolen database does not yield live cookies)."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Lifetimes:
    """How long a session may sit idle, and how long it may live at all."""

    idle: timedelta
    absolute: timedelta


def load_session(
    engine: Engine, session_id: str, *, now: datetime, lifetimes: Lifetimes
) -> Mapping[str, Any] | None:
    """Return a live session's row (recording activity), or None when unknown, idle too long or
    past its absolute end (such a row is deleted)."""
    key = hash_id(session_id)
    with engine.begin() as conn:
        row = store.fetch_session(conn, key)
        if row is None:
            return None
        if row["expires_at"] <= now or row["last_seen_at"] + lifetimes.idle <= now:
            store.delete_session(conn, key)
            return None
        if now - row["last_seen_at"] >= TOUCH_EVERY:
            store.touch_session(conn, key, now=now)
    return row


def save_session(
    engine: Engine,
    session_id: str,
    *,
    user_key: str | None,
    data: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Create or update a session's row."""
    with engine.begin() as conn:
        store.save_session(
            conn,
            id_sha256=hash_id(session_id),
            user_key=user_key,
            data=data,
            now=now,
            expires_at=expires_at,
        )


def end_session(engine: Engine, session_id: str) -> None:
    """Delete one session (sign-out)."""
    with engine.begin() as conn:
        store.delete_session(conn, hash_id(session_id))


def end_user_sessions(engine: Engine, user_key: str) -> int:
    """Delete every session of a user ("12", or "wall:3"); return how many were live."""
    with engine.begin() as conn:
        return store.delete_user_sessions(conn, user_key)


def purge_expired(engine: Engine, *, now: datetime, lifetimes: Lifetimes) -> int:
    """Delete sessions past their absolute end or idle limit."""
    with engine.begin() as conn:
        return store.delete_expired_sessions(conn, now=now, idle_before=now - lifetimes.idle)


def count_sessions(engine: Engine, user_key: str | None = None) -> int:
    """Return how many sessions are stored (of one user)."""
    with engine.connect() as conn:
        return store.count_sessions(conn, user_key)


# ------------------------------------------------------------------ sign-in throttle


@dataclass(frozen=True)
class ThrottleLimits:
    """Failed sign-ins allowed per (name, client address) and per client address in a window.

    There is deliberately no limit per name alone: that would let anyone lock a named user out
    by guessing from elsewhere.
    """

    per_name_and_client: int = 5
    per_client: int = 20
    window: timedelta = timedelta(minutes=5)


def _name_key(name: str) -> str:
    return name.strip().lower()[:64]


def login_wait(
    engine: Engine, name: str, client: str, *, now: datetime, limits: ThrottleLimits
) -> float:
    """Return the seconds before this client may try this name again (0 when allowed)."""
    since = now - limits.window
    client = client[:64]
    with engine.connect() as conn:
        pair, pair_first = store.count_login_failures(
            conn, since=since, client=client, name_key=_name_key(name)
        )
        total, total_first = store.count_login_failures(conn, since=since, client=client)
    waits = [0.0]
    if pair >= limits.per_name_and_client and pair_first is not None:
        waits.append((pair_first + limits.window - now).total_seconds())
    if total >= limits.per_client and total_first is not None:
        waits.append((total_first + limits.window - now).total_seconds())
    return max(waits)


def login_failed(
    engine: Engine, name: str, client: str, *, now: datetime, limits: ThrottleLimits
) -> None:
    """Count a failed sign-in (and forget the ones older than the window)."""
    with engine.begin() as conn:
        store.prune_login_failures(conn, before=now - limits.window)
        store.add_login_failure(conn, name_key=_name_key(name), client=client[:64], at=now)


def login_succeeded(engine: Engine, name: str, client: str) -> None:
    """Forget this client's failures for this name after a correct password."""
    with engine.begin() as conn:
        store.clear_login_failures(conn, name_key=_name_key(name), client=client[:64])

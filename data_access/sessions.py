"""Server-side sign-in sessions and the failed sign-in log behind the throttle."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema


def fetch_session(conn: Connection, id_sha256: str) -> Mapping[str, Any] | None:
    """Return one stored session by the hash of its id."""
    s = schema.sessions
    return conn.execute(sa.select(s).where(s.c.id_sha256 == id_sha256)).mappings().one_or_none()


def save_session(
    conn: Connection,
    *,
    id_sha256: str,
    user_key: str | None,
    data: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Create or overwrite a session row (its absolute end is kept once set)."""
    s = schema.sessions
    updated = conn.execute(
        s.update()
        .where(s.c.id_sha256 == id_sha256)
        .values(user_key=user_key, data=data, last_seen_at=now)
    ).rowcount
    if not updated:
        conn.execute(
            s.insert().values(
                id_sha256=id_sha256,
                user_key=user_key,
                data=data,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
            )
        )


def touch_session(conn: Connection, id_sha256: str, *, now: datetime) -> None:
    """Record activity on a session (for the idle limit)."""
    s = schema.sessions
    conn.execute(s.update().where(s.c.id_sha256 == id_sha256).values(last_seen_at=now))


def delete_session(conn: Connection, id_sha256: str) -> None:
    """Forget one session."""
    s = schema.sessions
    conn.execute(s.delete().where(s.c.id_sha256 == id_sha256))


def delete_user_sessions(conn: Connection, user_key: str) -> int:
    """Forget every session of a user; return how many."""
    s = schema.sessions
    return conn.execute(s.delete().where(s.c.user_key == user_key)).rowcount


def delete_expired_sessions(conn: Connection, *, now: datetime, idle_before: datetime) -> int:
    """Forget sessions past their absolute end or idle since ``idle_before``."""
    s = schema.sessions
    return conn.execute(
        s.delete().where(sa.or_(s.c.expires_at <= now, s.c.last_seen_at < idle_before))
    ).rowcount


def count_sessions(conn: Connection, user_key: str | None = None) -> int:
    """Return how many sessions are stored (of one user)."""
    s = schema.sessions
    stmt = sa.select(sa.func.count()).select_from(s)
    if user_key is not None:
        stmt = stmt.where(s.c.user_key == user_key)
    return conn.execute(stmt).scalar_one()


# ------------------------------------------------------------------ failed sign-ins


def add_login_failure(conn: Connection, *, name_key: str, client: str, at: datetime) -> None:
    """Log one failed sign-in."""
    conn.execute(schema.login_failures.insert().values(name_key=name_key, client=client, at=at))


def count_login_failures(
    conn: Connection, *, since: datetime, client: str, name_key: str | None = None
) -> tuple[int, datetime | None]:
    """Return how many sign-ins failed since ``since`` from a client (for one name), and the
    earliest of them."""
    f = schema.login_failures
    stmt = sa.select(sa.func.count(), sa.func.min(f.c.at)).where(
        f.c.client == client, f.c.at > since
    )
    if name_key is not None:
        stmt = stmt.where(f.c.name_key == name_key)
    count, first = conn.execute(stmt).one()
    return int(count), first


def clear_login_failures(conn: Connection, *, name_key: str, client: str) -> None:
    """Forget the failures of a name from a client (after a correct password from it)."""
    f = schema.login_failures
    conn.execute(f.delete().where(f.c.name_key == name_key, f.c.client == client))


def prune_login_failures(conn: Connection, *, before: datetime) -> None:
    """Forget failures older than the throttle window."""
    f = schema.login_failures
    conn.execute(f.delete().where(f.c.at <= before))

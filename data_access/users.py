"""Users, their region scope, and API tokens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema


def upsert_user(
    conn: Connection,
    *,
    name: str,
    password_hash: str,
    role: str,
    regions: Sequence[str],
    now: datetime,
) -> int:
    """Create a user or replace its password, role and regions; return its id."""
    u = schema.users
    existing = conn.execute(sa.select(u.c.id).where(u.c.name == name)).scalar_one_or_none()
    if existing is None:
        user_id = conn.execute(
            u.insert().values(name=name, password_hash=password_hash, role=role, created_at=now)
        ).inserted_primary_key[0]
    else:
        user_id = existing
        conn.execute(
            u.update().where(u.c.id == user_id).values(password_hash=password_hash, role=role)
        )
    ur = schema.user_regions
    conn.execute(ur.delete().where(ur.c.user_id == user_id))
    if regions:
        conn.execute(ur.insert(), [{"user_id": user_id, "region_id": r} for r in regions])
    return int(user_id)


def fetch_user(
    conn: Connection, *, name: str | None = None, user_id: int | None = None
) -> Mapping[str, Any] | None:
    """Return one user with its list of region ids, by name or id."""
    u = schema.users
    stmt = sa.select(u)
    stmt = stmt.where(u.c.name == name) if name is not None else stmt.where(u.c.id == user_id)
    row = conn.execute(stmt).mappings().one_or_none()
    if row is None:
        return None
    ur = schema.user_regions
    regions = conn.execute(
        sa.select(ur.c.region_id).where(ur.c.user_id == row["id"]).order_by(ur.c.region_id)
    ).scalars()
    return {**row, "regions": list(regions)}


def update_user_prefs(conn: Connection, user_id: int, **prefs: str) -> None:
    """Store a user's locale and/or theme."""
    u = schema.users
    conn.execute(u.update().where(u.c.id == user_id).values(**prefs))


def set_user_active(conn: Connection, user_id: int, active: bool) -> None:
    """Activate or deactivate a user."""
    u = schema.users
    conn.execute(u.update().where(u.c.id == user_id).values(active=active))


def count_users(conn: Connection) -> int:
    """Return the number of users."""
    return conn.execute(sa.select(sa.func.count()).select_from(schema.users)).scalar_one()


def region_ids(conn: Connection) -> set[str]:
    """Return the ids of all stored regions."""
    return set(conn.execute(sa.select(schema.regions.c.id)).scalars())


def insert_token(
    conn: Connection, *, name: str, token_sha256: str, now: datetime, scope: str = "ingest"
) -> None:
    """Store a new API token by its hash, with its scope."""
    conn.execute(
        schema.api_tokens.insert().values(
            name=name, token_sha256=token_sha256, created_at=now, scope=scope
        )
    )


def note_sign_in(conn: Connection, user_id: int, *, now: datetime) -> None:
    """Note a user's successful sign-in."""
    u = schema.users
    conn.execute(u.update().where(u.c.id == user_id).values(last_sign_in_at=now))


# A token's last use is noted at most this often: clients sending in parallel with one token
# would otherwise queue on the token's row for every request.
TOKEN_USE_NOTED_EVERY = timedelta(minutes=1)


def use_token(conn: Connection, *, token_sha256: str, now: datetime) -> str | None:
    """Return the name of a live token with this hash (and note its use, to the minute), else
    None."""
    found = use_scoped_token(conn, token_sha256=token_sha256, now=now)
    return None if found is None else found[0]


def use_scoped_token(
    conn: Connection, *, token_sha256: str, now: datetime
) -> tuple[str, str] | None:
    """Return (name, scope) of a live token with this hash (and note its use, to the minute),
    else None."""
    t = schema.api_tokens
    row = conn.execute(
        sa.select(t.c.id, t.c.name, t.c.scope, t.c.last_used_at).where(
            t.c.token_sha256 == token_sha256, t.c.revoked_at.is_(None)
        )
    ).one_or_none()
    if row is None:
        return None
    if row.last_used_at is None or row.last_used_at <= now - TOKEN_USE_NOTED_EVERY:
        conn.execute(t.update().where(t.c.id == row.id).values(last_used_at=now))
    return row.name, row.scope


def revoke_tokens(conn: Connection, *, name: str, now: datetime) -> int:
    """Revoke every live token of a name; return how many."""
    t = schema.api_tokens
    result = conn.execute(
        t.update().where(t.c.name == name, t.c.revoked_at.is_(None)).values(revoked_at=now)
    )
    return result.rowcount

"""The one settings store: ``rule_settings`` (key → value, who and when last) and its append-only
``settings_audit`` trail (who, when, before, after, why)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from data_access import schema

_rs, _audit = schema.rule_settings, schema.settings_audit


def fetch_settings(conn: Connection, keys: Iterable[str] | None = None) -> dict[str, Any]:
    """The stored values (all, or those of ``keys``); a key never set is absent."""
    stmt = sa.select(_rs.c.key, _rs.c.value)
    if keys is not None:
        stmt = stmt.where(_rs.c.key.in_(sorted(set(keys))))
    return {key: value for key, value in conn.execute(stmt)}


def save_settings(
    conn: Connection,
    values: Mapping[str, Any],
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> dict[str, Any]:
    """Store the values that differ from the stored ones, each with its audit row; return
    {key: value it replaced (None = it was at its default)} of the keys that changed."""
    before = fetch_settings(conn, values)
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    changed: dict[str, Any] = {}
    for key, value in values.items():
        old = before.get(key)
        if key in before and old == value:
            continue
        stmt = insert(_rs).values(key=key, value=value, updated_at=now, updated_by=actor)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"value": stmt.excluded.value, "updated_at": now, "updated_by": actor},
        )
        conn.execute(stmt)
        conn.execute(
            _audit.insert().values(at=now, actor=actor, key=key, before=old, after=value, note=note)
        )
        changed[key] = old
    return changed


def fetch_settings_audit(
    conn: Connection, keys: Iterable[str] | None = None, *, limit: int = 100
) -> list[Mapping[str, Any]]:
    """The newest changes first (all keys, or those of ``keys``)."""
    stmt = sa.select(_audit).order_by(_audit.c.at.desc(), _audit.c.id.desc()).limit(limit)
    if keys is not None:
        stmt = stmt.where(_audit.c.key.in_(sorted(set(keys))))
    return list(conn.execute(stmt).mappings())


def reset_setting(
    conn: Connection, key: str, *, default: Any, actor: str, now: datetime, note: str | None = None
) -> tuple[bool, Any]:
    """Drop the stored value of ``key`` (its default applies again) with an audit row whose
    ``after`` is the default; return (whether a value was stored, the value it replaced)."""
    before = fetch_settings(conn, [key])
    if key not in before:
        return False, None
    conn.execute(_rs.delete().where(_rs.c.key == key))
    conn.execute(
        _audit.insert().values(
            at=now, actor=actor, key=key, before=before[key], after=default, note=note
        )
    )
    return True, before[key]

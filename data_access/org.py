"""The organisation tree (regions → teams → reps) as the admin console reads and edits it: the
tree with its counts, single-row edits of the master tables, the org_changes trail and the
master_overrides an admin's edits leave for the next ingest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema

_TABLES = {"region": schema.regions, "team": schema.teams, "rep": schema.reps}


def fetch_tree(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every region, team and rep (reps with ``customers``: how many customers they own)."""
    g, t, r, c = schema.regions, schema.teams, schema.reps, schema.customers
    held = dict(
        conn.execute(
            sa.select(c.c.owner_rep_id, sa.func.count())
            .where(c.c.owner_rep_id.is_not(None))
            .group_by(c.c.owner_rep_id)
        ).all()
    )
    regions = [
        dict(row) for row in conn.execute(sa.select(g.c.id, g.c.name).order_by(g.c.id)).mappings()
    ]
    teams = [
        dict(row)
        for row in conn.execute(
            sa.select(t.c.id, t.c.name, t.c.region_id).order_by(t.c.id)
        ).mappings()
    ]
    reps = [
        {**row, "customers": int(held.get(row["id"], 0))}
        for row in conn.execute(
            sa.select(
                r.c.id,
                r.c.name,
                r.c.team_id,
                r.c.timezone,
                r.c.work_start,
                r.c.work_end,
                r.c.active,
                r.c.updated_at,
            ).order_by(r.c.name, r.c.id)
        ).mappings()
    ]
    return {"regions": regions, "teams": teams, "reps": reps}


def fetch_row(
    conn: Connection, kind: str, record_id: str, *, lock: bool = False
) -> dict[str, Any] | None:
    """One region, team or rep row, or None. ``lock``: hold it until the transaction ends."""
    table = _TABLES[kind]
    stmt = sa.select(table).where(table.c.id == record_id)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row is not None else None


def update_row(
    conn: Connection, kind: str, record_id: str, values: Mapping[str, Any], *, now: datetime
) -> None:
    """Set columns of one region, team or rep (and its updated_at)."""
    table = _TABLES[kind]
    conn.execute(table.update().where(table.c.id == record_id).values(**values, updated_at=now))


def insert_team(
    conn: Connection, *, team_id: str, name: str, region_id: str, now: datetime
) -> None:
    """Add a team to a region."""
    conn.execute(
        schema.teams.insert().values(id=team_id, name=name, region_id=region_id, updated_at=now)
    )


def fetch_overrides(conn: Connection, kind: str, record_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The fields an admin set on these records: record_id, field, value, base, set_at, set_by."""
    o = schema.master_overrides
    ids = sorted(set(record_ids))
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        out.extend(
            dict(row)
            for row in conn.execute(
                sa.select(o.c.record_id, o.c.field, o.c.value, o.c.base, o.c.set_at, o.c.set_by)
                .where(o.c.kind == kind, o.c.record_id.in_(ids[start : start + 500]))
                .order_by(o.c.record_id, o.c.field)
            ).mappings()
        )
    return out


def set_override(
    conn: Connection,
    *,
    kind: str,
    record_id: str,
    field: str,
    value: str,
    base: str | None,
    now: datetime,
    by: str,
) -> None:
    """Record an admin's value of a field; an existing override keeps its first ``base``."""
    o = schema.master_overrides
    key = (o.c.kind == kind, o.c.record_id == record_id, o.c.field == field)
    found = conn.execute(sa.select(o.c.base).where(*key)).first()
    if found is None:
        conn.execute(
            o.insert().values(
                kind=kind,
                record_id=record_id,
                field=field,
                value=value,
                base=base,
                set_at=now,
                set_by=by,
            )
        )
    else:
        conn.execute(o.update().where(*key).values(value=value, set_at=now, set_by=by))


def delete_overrides(conn: Connection, kind: str, pairs: Iterable[tuple[str, str]]) -> None:
    """Forget the overrides of these (record_id, field) pairs."""
    o = schema.master_overrides
    for record_id, field in pairs:
        conn.execute(
            o.delete().where(o.c.kind == kind, o.c.record_id == record_id, o.c.field == field)
        )


def append_changes(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append rows (at, actor, kind, record_id, field, before, after, reason, source) to the
    org_changes trail."""
    if rows:
        conn.execute(schema.org_changes.insert(), [dict(row) for row in rows])


def fetch_changes(
    conn: Connection,
    *,
    kind: str | None = None,
    record_id: str | None = None,
) -> list[dict[str, Any]]:
    """The org_changes trail, oldest first, optionally of one kind and record."""
    c = schema.org_changes
    stmt = sa.select(c).order_by(c.c.at, c.c.id)
    if kind is not None:
        stmt = stmt.where(c.c.kind == kind)
    if record_id is not None:
        stmt = stmt.where(c.c.record_id == record_id)
    return [dict(row) for row in conn.execute(stmt).mappings()]

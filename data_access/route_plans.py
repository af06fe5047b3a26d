"""Reads for suggested plans and the plan export (contract §6): reps in scope, their open
visit tasks and owned customers, their first fixes, and stored plans."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.scope import Scope, rep_conditions, scoped_rep_ids

r = schema.reps
t = schema.teams
c = schema.customers
tk = schema.tasks
g = schema.gps_fixes
rd = schema.rep_days
p = schema.plans

_CUSTOMER_COLUMNS = (c.c.id, c.c.name, c.c.grade, c.c.lat, c.c.lon, c.c.open, c.c.close)


def fetch_reps(
    conn: Connection, *, scope: Scope, rep: str | None = None, team: str | None = None
) -> list[dict[str, Any]]:
    """Active reps in scope (one, or a team's): id, name, team_id, region_id, timezone,
    work_start, work_end; by id."""
    stmt = (
        sa.select(
            r.c.id,
            r.c.name,
            r.c.team_id,
            t.c.region_id,
            r.c.timezone,
            r.c.work_start,
            r.c.work_end,
        )
        .select_from(r.join(t, t.c.id == r.c.team_id))
        .where(*rep_conditions(scope, rep=rep, team=team, active_only=True))
        .order_by(r.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_open_task_customers(conn: Connection, *, rep_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The active customers of the reps' open tasks: rep_id, due, and the customer's id,
    name, grade, lat, lon, open, close; by rep then due then id."""
    ids = sorted(set(rep_ids))
    if not ids:
        return []
    stmt = (
        sa.select(tk.c.rep_id, tk.c.due, *_CUSTOMER_COLUMNS)
        .select_from(tk.join(c, c.c.id == tk.c.customer_id))
        .where(tk.c.rep_id.in_(ids), tk.c.status == "open", c.c.active.is_(True))
        .order_by(tk.c.rep_id, tk.c.due, c.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_owned_customers(conn: Connection, *, rep_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The reps' active customers: owner_rep_id and id, name, grade, lat, lon, open, close."""
    ids = sorted(set(rep_ids))
    if not ids:
        return []
    stmt = (
        sa.select(c.c.owner_rep_id, *_CUSTOMER_COLUMNS)
        .where(c.c.owner_rep_id.in_(ids), c.c.active.is_(True))
        .order_by(c.c.owner_rep_id, c.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_first_fixes(
    conn: Connection, *, rep_id: str, before: date, days: int
) -> list[tuple[float, float]]:
    """(lat, lon) of the rep's first fix on each of their last ``days`` working days (days
    with fixes in the rollup) before local date ``before``."""
    days_q = (
        sa.select(rd.c.first_fix_at)
        .where(
            rd.c.rep_id == rep_id,
            rd.c.local_date < before,
            rd.c.fixes > 0,
            rd.c.first_fix_at.is_not(None),
        )
        .order_by(rd.c.local_date.desc())
        .limit(days)
    )
    stamps: list[datetime] = [row[0] for row in conn.execute(days_q)]
    if not stamps:
        return []
    stmt = (
        sa.select(g.c.ts, g.c.lat, g.c.lon)
        .where(g.c.rep_id == rep_id, g.c.ts.in_(stamps))
        .order_by(g.c.ts, g.c.id)
    )
    seen: set[datetime] = set()
    out = []
    for ts, lat, lon in conn.execute(stmt):
        if ts not in seen:
            seen.add(ts)
            out.append((float(lat), float(lon)))
    return out


def fetch_plans(
    conn: Connection,
    *,
    scope: Scope,
    rep_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[dict[str, Any]]:
    """Stored plans of reps in scope (optionally one rep's, in a date range): id, rep_id,
    date, customer_ids, source, km_planned; by date, rep, id."""
    stmt = sa.select(p.c.id, p.c.rep_id, p.c.date, p.c.customer_ids, p.c.source, p.c.km_planned)
    stmt = stmt.where(p.c.rep_id.in_(scoped_rep_ids(scope, rep=rep_id)))
    if date_from is not None:
        stmt = stmt.where(p.c.date >= date_from)
    if date_to is not None:
        stmt = stmt.where(p.c.date <= date_to)
    stmt = stmt.order_by(p.c.date, p.c.rep_id, p.c.id)
    return [dict(row) for row in conn.execute(stmt).mappings()]

"""The rhythm view's reads (contract §5): the owned active customers of a scope with their last
effective visit on a date, and the tasks due in a period with their rep's team.

Customers are scoped through their owner's current team (``customer_conditions``); tasks
through their rep's current team, else the task's region (an orphan's task), and narrowed to a
team or rep by the task's rep.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.facts import DEFAULT_MIN_DWELL_S, effective_condition
from data_access.scope import (
    Scope,
    customer_conditions,
    customers_with_owner,
    owner,
    owner_team,
    region_conditions,
)

c = schema.customers
v = schema.visits
tk = schema.tasks


def fetch_customer_rhythms(
    conn: Connection,
    *,
    on: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    grade: str | None = None,
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
) -> list[dict[str, Any]]:
    """The active customers owned in the scope and filter (of one ``grade`` when given):
    customer_id, name, city, grade, owner_rep_id, owner_name, team_id, team_name, last_visit
    (the last effective visit on or before ``on``, by anyone), since (created, else first
    stored); by customer id."""
    graded = [] if grade is None else [c.c.grade == grade]
    last = (
        sa.select(v.c.customer_id, sa.func.max(v.c.local_date).label("last_visit"))
        .where(v.c.local_date <= on, effective_condition(v, min_dwell_s))
        .group_by(v.c.customer_id)
        .subquery("last_visits")
    )
    stmt = (
        sa.select(
            c.c.id.label("customer_id"),
            c.c.name,
            c.c.city,
            c.c.grade,
            c.c.owner_rep_id,
            owner.c.name.label("owner_name"),
            owner_team.c.id.label("team_id"),
            owner_team.c.name.label("team_name"),
            last.c.last_visit,
            sa.func.coalesce(c.c.created, c.c.first_seen).label("since"),
        )
        .select_from(customers_with_owner().outerjoin(last, last.c.customer_id == c.c.id))
        .where(
            c.c.active.is_(True),
            c.c.owner_rep_id.is_not(None),
            *graded,
            *customer_conditions(scope, region=region, team=team, rep=rep),
        )
        .order_by(c.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_period_tasks(
    conn: Connection,
    *,
    due_from: date,
    due_to: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
) -> list[dict[str, Any]]:
    """The tasks due in [due_from, due_to] in the scope and filter: id, customer_id, rep_id,
    rep_name, team_id, team_name, region_id, grade, created, due, status, done_on; by due
    date then id."""
    r, t = schema.reps, schema.teams
    region_of = sa.func.coalesce(t.c.region_id, tk.c.region_id)
    conds = [tk.c.due.between(due_from, due_to), *region_conditions(scope, region_of)]
    if region is not None:
        conds.append(region_of == region)
    if team is not None:
        conds.append(r.c.team_id == team)
    if rep is not None:
        conds.append(tk.c.rep_id == rep)
    stmt = (
        sa.select(
            tk.c.id,
            tk.c.customer_id,
            tk.c.rep_id,
            r.c.name.label("rep_name"),
            t.c.id.label("team_id"),
            t.c.name.label("team_name"),
            region_of.label("region_id"),
            tk.c.grade,
            tk.c.created,
            tk.c.due,
            tk.c.status,
            tk.c.done_on,
        )
        .select_from(tk.outerjoin(r, r.c.id == tk.c.rep_id).outerjoin(t, t.c.id == r.c.team_id))
        .where(*conds)
        .order_by(tk.c.due, tk.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]

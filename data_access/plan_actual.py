"""Reads of plan vs actual (contract §6): the planned stops, the check-ins and the tracked km of
the rep-days of a period, for the reps in the caller's scope and the optional team/rep filter.

Everything comes back per row with the customer's name and position, so the core can match
plans and measure routes without another query. The scope is applied through
``data_access.scope.rep_conditions``: a rep outside it yields nothing, as an unknown one does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import frames, schema
from data_access.facts import DEFAULT_MIN_DWELL_S, effective_condition
from data_access.scope import Scope, rep_conditions

r, t, c = schema.reps, schema.teams, schema.customers
v, pi, rd = schema.visits, schema.plan_items, schema.rep_days


def _scoped_reps(scope: Scope, region: str | None, team: str | None, rep: str | None) -> sa.Select:
    return (
        sa.select(r.c.id)
        .join(t, t.c.id == r.c.team_id)
        .where(*rep_conditions(scope, region=region, team=team, rep=rep))
    )


def fetch_reps(
    conn: Connection,
    *,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
) -> pd.DataFrame:
    """The reps in scope and filter: rep_id, rep_name, team_id, team_name, timezone, by team
    and name."""
    stmt = (
        sa.select(
            r.c.id.label("rep_id"),
            r.c.name.label("rep_name"),
            r.c.team_id,
            t.c.name.label("team_name"),
            r.c.timezone,
        )
        .join(t, t.c.id == r.c.team_id)
        .where(*rep_conditions(scope, region=region, team=team, rep=rep))
        .order_by(t.c.name, r.c.name, r.c.id)
    )
    return frames.frame(conn, stmt)


def fetch_plan_actual(
    conn: Connection,
    *,
    start: date,
    end: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
) -> dict[str, pd.DataFrame]:
    """The rep-days of [start, end] of the reps in scope and filter, as three frames.

    - ``stops``: rep_id, date, plan_id, seq, customer_id, customer_name, lat, lon (by rep, date,
      plan, seq);
    - ``visits``: visit_id, rep_id, local_date, customer_id, customer_name, ts, effective (the
      contract §5 test), lat, lon (the customer's position), by rep, date and time;
    - ``km``: rep_id, local_date, km (the day's trips, from the ``rep_days`` rollup; days with
      fixes only).
    """
    in_scope = _scoped_reps(scope, region, team, rep)
    stops = (
        sa.select(
            pi.c.rep_id,
            pi.c.date,
            pi.c.plan_id,
            pi.c.seq,
            pi.c.customer_id,
            c.c.name.label("customer_name"),
            c.c.lat,
            c.c.lon,
        )
        .select_from(pi.outerjoin(c, c.c.id == pi.c.customer_id))
        .where(pi.c.date.between(start, end), pi.c.rep_id.in_(in_scope))
        .order_by(pi.c.rep_id, pi.c.date, pi.c.plan_id, pi.c.seq)
    )
    visits = (
        sa.select(
            v.c.id.label("visit_id"),
            v.c.rep_id,
            v.c.local_date,
            v.c.customer_id,
            c.c.name.label("customer_name"),
            v.c.ts,
            sa.case((effective_condition(v, min_dwell_s), 1), else_=0).label("effective"),
            c.c.lat,
            c.c.lon,
        )
        .select_from(v.outerjoin(c, c.c.id == v.c.customer_id))
        .where(v.c.local_date.between(start, end), v.c.rep_id.in_(in_scope))
        .order_by(v.c.rep_id, v.c.local_date, v.c.ts, v.c.id)
    )
    km = (
        sa.select(rd.c.rep_id, rd.c.local_date, sa.cast(rd.c.km, sa.Float).label("km"))
        .where(rd.c.local_date.between(start, end), rd.c.fixes > 0, rd.c.rep_id.in_(in_scope))
        .order_by(rd.c.rep_id, rd.c.local_date)
    )
    out: dict[str, Any] = {
        "stops": frames.frame(conn, stops),
        "visits": frames.frame(conn, visits),
        "km": frames.frame(conn, km),
    }
    out["visits"]["effective"] = out["visits"]["effective"].astype(bool)
    return out

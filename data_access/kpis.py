"""The cockpit's small reads: the overview's counts (open alerts, claimed and at-risk CNY, reps
online), one rep-day's visit list for the drill-down and the global filter's options.

Every read takes the caller's ``scope`` and applies it, with the optional ``region``/``team``/
``rep`` filter, through the conditions of ``data_access.scope``. The per rep-day facts are in
``data_access.facts``, customer coverage in ``data_access.coverage``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import frames, schema
from data_access.alerts import standing_alert
from data_access.facts import DEFAULT_MIN_DWELL_S, effective_condition, required_steps_per_template
from data_access.scope import (
    Scope,
    bound_rep_conditions,
    bound_rep_filter,
    region_conditions,
    rep_conditions,
    scoped_rep_ids,
)

v = schema.visits
r = schema.reps
t = schema.teams
g = schema.regions
c = schema.customers


# ------------------------------------------------------------------ reps, online, filters


def _online_select(day: Any, rep_conds: list[sa.ColumnElement[bool]]) -> sa.Select:
    """(online, reps): the active reps of ``rep_conds`` with a fix on ``day``, and all of them."""
    rd = schema.rep_days
    has_fix = sa.exists().where(rd.c.rep_id == r.c.id, rd.c.local_date == day, rd.c.fixes > 0)
    return (
        sa.select(
            sa.func.count(sa.case((has_fix, 1))).label("online"), sa.func.count().label("reps")
        )
        .select_from(r.join(t, t.c.id == r.c.team_id))
        .where(*rep_conds, r.c.active.is_(True))
    )


def fetch_expense_totals(
    conn: Connection,
    *,
    start: date,
    end: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
) -> dict[str, float]:
    """Return {"claimed", "at_risk"} in CNY for claims dated in [start, end] of reps in scope.

    ``claimed`` sums the claim amounts; ``at_risk`` sums, per claim, the largest
    ``amount_at_risk`` of its open flags, capped at the claim amount (several rules disputing
    one claim never count it twice).
    """
    scoped = scoped_rep_ids(scope, region=region, team=team, rep=rep)
    stmt = _expense_totals_select(start, end, scoped)
    both = conn.execute(stmt).one()
    return {"claimed": float(both[0]), "at_risk": float(both[1])}


def _expense_totals_select(start: Any, end: Any, scoped: sa.Select) -> sa.Select:
    """(claimed, at_risk) of ``fetch_expense_totals`` for the reps ``scoped`` selects."""
    e, fl = schema.expenses, schema.expense_flags
    claimed = sa.select(sa.cast(sa.func.coalesce(sa.func.sum(e.c.amount), 0), sa.Float)).where(
        e.c.date.between(start, end), e.c.rep_id.in_(scoped)
    )
    risk = (
        sa.select(fl.c.claim_id, sa.func.max(fl.c.amount_at_risk).label("risk"))
        .where(fl.c.status == "open", fl.c.date.between(start, end))
        .group_by(fl.c.claim_id)
        .subquery("risk")
    )
    capped = sa.case((risk.c.risk > e.c.amount, e.c.amount), else_=risk.c.risk)
    at_risk = (
        sa.select(sa.cast(sa.func.coalesce(sa.func.sum(capped), 0), sa.Float))
        .select_from(risk.join(e, e.c.id == risk.c.claim_id))
        .where(e.c.date.between(start, end), e.c.rep_id.in_(scoped))
    )
    return sa.select(
        claimed.scalar_subquery().label("claimed"), at_risk.scalar_subquery().label("at_risk")
    )


def fetch_overview_extras(
    conn: Connection,
    *,
    start: date,
    end: date,
    today: date,
    severities: Sequence[str],
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
) -> dict[str, Any]:
    """The overview's small numbers of the reps in scope, in one statement: ``alerts``
    (severity → open alerts with local_date in [start, end], for each of ``severities``),
    ``claimed`` and ``at_risk`` (CNY, as ``fetch_expense_totals``), ``online`` (active reps
    with a fix on local date ``today``) and ``reps`` (active reps)."""
    present, params = bound_rep_filter(scope, region=region, team=team, rep=rep)
    params.update(start=start, end=end, today=today)
    stmt = _overview_extras_statement(tuple(severities), *present)
    row = conn.execute(stmt, params).mappings().one()
    return {
        "alerts": {sev: int(row[f"alerts_{sev}"]) for sev in severities},
        "claimed": float(row["claimed"]),
        "at_risk": float(row["at_risk"]),
        "online": int(row["online"]),
        "reps": int(row["reps"]),
    }


@functools.lru_cache(maxsize=64)
def _overview_extras_statement(
    severities: tuple[str, ...], scoped: bool, region: bool, team: bool, rep: bool
) -> sa.Select:
    """The statement of ``fetch_overview_extras`` for one shape of call, built once."""
    start, end = sa.bindparam("start", type_=sa.Date), sa.bindparam("end", type_=sa.Date)
    conds = bound_rep_conditions(scoped, region, team, rep)
    scoped_ids = sa.select(r.c.id).join(t, t.c.id == r.c.team_id).where(*conds)
    a = schema.alerts
    alerts = (
        sa.select(
            *(
                sa.func.count(sa.case((a.c.severity == sev, 1))).label(f"alerts_{sev}")
                for sev in severities
            )
        )
        .where(a.c.status == "open", a.c.local_date.between(start, end), a.c.rep_id.in_(scoped_ids))
        .subquery("alert_counts")
    )
    money = _expense_totals_select(start, end, scoped_ids).subquery("money")
    online = _online_select(sa.bindparam("today", type_=sa.Date), conds).subquery("online")
    return sa.select(alerts, money, online).select_from(
        alerts.join(money, sa.true()).join(online, sa.true())
    )


def fetch_day_visits(
    conn: Connection,
    *,
    rep_id: str,
    day: date,
    scope: Scope,
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
) -> pd.DataFrame:
    """Return the visits of one rep on one local date (empty when the rep is out of scope).

    Columns: visit_id, customer_id, customer_name, grade, ts, checked_out_at, dwell_s,
    checkin_distance_m, geofence_limit_m, in_geofence, effective, sop_required, sop_done,
    order_amount, planned (the customer was on the rep's plan for that day), timezone,
    rules_fired (the distinct rules of the standing alerts on the visit, by code).
    """
    shape, params = bound_rep_filter(scope)
    params.update(rep_id=rep_id, day=day)
    frame = frames.frame(conn, _day_visits_statement(shape, float(min_dwell_s)), params)
    for name in ("in_geofence", "effective", "planned"):
        frame[name] = frame[name].astype(bool)
    for name in ("sop_required", "sop_done"):
        frame[name] = frame[name].fillna(0).astype("int64")
    frame["order_amount"] = frame["order_amount"].astype("float64")
    frame["rules_fired"] = [
        sorted(set(text.split(","))) if isinstance(text, str) and text else []
        for text in frame["rules_fired"]
    ]
    return frame


@functools.lru_cache(maxsize=8)
def _day_visits_statement(shape: tuple[bool, bool, bool, bool], min_dwell_s: float) -> sa.Select:
    """The statement of ``fetch_day_visits`` (bound ``rep_id``, ``day`` and the parameters of
    the scope's ``shape``), built once per shape."""
    s, ts, o, pi = schema.sop_steps, schema.sop_template_steps, schema.orders, schema.plan_items
    req = required_steps_per_template()
    done = (
        sa.select(sa.func.count(sa.distinct(s.c.step)))
        .select_from(
            s.join(
                ts,
                sa.and_(
                    ts.c.template_id == v.c.sop_template_id,
                    ts.c.code == s.c.step,
                    ts.c.required.is_(True),
                ),
            )
        )
        .where(s.c.visit_id == v.c.id, s.c.ok.is_(True))
        .correlate(v)
        .scalar_subquery()
    )
    order_amount = (
        sa.select(sa.cast(sa.func.coalesce(sa.func.sum(o.c.amount), 0), sa.Float))
        .where(o.c.visit_id == v.c.id)
        .correlate(v)
        .scalar_subquery()
    )
    planned = (
        sa.exists()
        .where(
            pi.c.rep_id == v.c.rep_id,
            pi.c.date == v.c.local_date,
            pi.c.customer_id == v.c.customer_id,
        )
        .correlate(v)
    )
    al = schema.alerts
    fired = (
        sa.select(sa.func.aggregate_strings(al.c.rule, ","))
        .where(al.c.visit_id == v.c.id, standing_alert(al))
        .correlate(v)
        .scalar_subquery()
    )
    in_geofence = v.c.checkin_distance_m <= v.c.geofence_limit_m
    return (
        sa.select(
            v.c.id.label("visit_id"),
            v.c.customer_id,
            c.c.name.label("customer_name"),
            c.c.grade,
            v.c.ts,
            v.c.checked_out_at,
            v.c.dwell_s,
            v.c.checkin_distance_m,
            v.c.geofence_limit_m,
            sa.case((in_geofence, 1), else_=0).label("in_geofence"),
            sa.case((effective_condition(v, min_dwell_s), 1), else_=0).label("effective"),
            sa.func.coalesce(req.c.n_required, 0).label("sop_required"),
            done.label("sop_done"),
            order_amount.label("order_amount"),
            sa.case((planned, 1), else_=0).label("planned"),
            r.c.timezone,
            fired.label("rules_fired"),
        )
        .select_from(
            v.join(c, c.c.id == v.c.customer_id)
            .join(r, r.c.id == v.c.rep_id)
            .outerjoin(req, req.c.template_id == v.c.sop_template_id)
        )
        .where(
            v.c.rep_id == sa.bindparam("rep_id", type_=sa.String),
            v.c.local_date == sa.bindparam("day", type_=sa.Date),
            v.c.rep_id.in_(
                sa.select(r.c.id)
                .join(t, t.c.id == r.c.team_id)
                .where(*bound_rep_conditions(*shape))
                .correlate(None)
            ),
        )
        .order_by(v.c.ts, v.c.id)
    )


def fetch_filter_options(conn: Connection, *, scope: Scope) -> dict[str, list[dict[str, Any]]]:
    """Return the regions, teams (with region_id) and reps (with team_id, active) in scope,
    each by name and id, in one statement."""
    nothing = sa.cast(sa.null(), sa.String)
    # The reps come first: their typed ``active`` column types the union's.
    rep_stmt = sa.select(
        sa.literal_column("'rep'", sa.String).label("kind"),
        r.c.id,
        r.c.name,
        r.c.team_id.label("parent"),
        r.c.active,
    ).join(t, t.c.id == r.c.team_id)
    team_stmt = sa.select(
        sa.literal_column("'team'", sa.String),
        t.c.id,
        t.c.name,
        t.c.region_id,
        sa.cast(sa.null(), sa.Boolean),
    )
    region_stmt = sa.select(
        sa.literal_column("'region'", sa.String),
        g.c.id,
        g.c.name,
        nothing,
        sa.cast(sa.null(), sa.Boolean),
    )
    region_stmt = region_stmt.where(*region_conditions(scope, g.c.id))
    team_stmt = team_stmt.where(*region_conditions(scope, t.c.region_id))
    rep_stmt = rep_stmt.where(*region_conditions(scope, t.c.region_id))
    union = sa.union_all(rep_stmt, team_stmt, region_stmt).subquery("options")
    ordered = sa.select(union).order_by(union.c.kind, union.c.name, union.c.id)
    rows = conn.execute(ordered).all()
    return {
        "regions": [{"id": x.id, "name": x.name} for x in rows if x.kind == "region"],
        "teams": [
            {"id": x.id, "name": x.name, "region_id": x.parent} for x in rows if x.kind == "team"
        ],
        "reps": [
            {"id": x.id, "name": x.name, "team_id": x.parent, "active": x.active}
            for x in rows
            if x.kind == "rep"
        ],
    }


# ------------------------------------------------------------------ per-rep counts (reports)


def fetch_alert_counts_by_rep(
    conn: Connection,
    *,
    start: date,
    end: date,
    severities: Sequence[str],
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
) -> pd.DataFrame:
    """Return rep_id and one ``alerts_<severity>`` column per severity: the open alerts with
    local_date in [start, end] of each rep in scope with any (the overview's count, per rep)."""
    a = schema.alerts
    scoped = scoped_rep_ids(scope, region=region, team=team, rep=rep)
    stmt = (
        sa.select(
            a.c.rep_id,
            *(
                sa.func.count(sa.case((a.c.severity == sev, 1))).label(f"alerts_{sev}")
                for sev in severities
            ),
        )
        .where(a.c.status == "open", a.c.local_date.between(start, end), a.c.rep_id.in_(scoped))
        .group_by(a.c.rep_id)
        .order_by(a.c.rep_id)
    )
    rows = conn.execute(stmt).all()
    columns = ["rep_id", *(f"alerts_{sev}" for sev in severities)]
    frame = pd.DataFrame([tuple(row) for row in rows], columns=columns)
    for sev in severities:
        frame[f"alerts_{sev}"] = frame[f"alerts_{sev}"].astype("int64")
    return frame


def fetch_attendance_days(
    conn: Connection,
    *,
    start: date,
    end: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
) -> pd.DataFrame:
    """Return the rep-days of [start, end] with a GPS fix of the reps in scope: rep_id,
    team_id (the rep's current team), local_date, timezone (the rep's), first_fix_at and
    last_fix_at (UTC), from the rollup."""
    d = schema.rep_days
    stmt = (
        sa.select(
            d.c.rep_id,
            r.c.team_id,
            d.c.local_date,
            r.c.timezone,
            d.c.first_fix_at,
            d.c.last_fix_at,
        )
        .join(r, r.c.id == d.c.rep_id)
        .join(t, t.c.id == r.c.team_id)
        .where(
            d.c.local_date.between(start, end),
            d.c.fixes > 0,
            d.c.first_fix_at.is_not(None),
            *rep_conditions(scope, region=region, team=team, rep=rep),
        )
        .order_by(d.c.rep_id, d.c.local_date)
    )
    rows = conn.execute(stmt).all()
    return pd.DataFrame(
        [tuple(row) for row in rows],
        columns=["rep_id", "team_id", "local_date", "timezone", "first_fix_at", "last_fix_at"],
    )


def fetch_latest_activity_date(
    conn: Connection,
    *,
    before: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
) -> date | None:
    """Return the latest local date up to ``before`` with a visit of a rep in scope (None: none)."""
    d = schema.rep_days
    stmt = (
        sa.select(sa.func.max(d.c.local_date))
        .join(r, r.c.id == d.c.rep_id)
        .join(t, t.c.id == r.c.team_id)
        .where(
            d.c.local_date <= before,
            d.c.visits > 0,
            *rep_conditions(scope, region=region, team=team, rep=rep),
        )
    )
    value = conn.execute(stmt).scalar()
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])

"""Replay queries: everything recorded about one rep on one local day, for the replay page.

The caller's ``scope`` (``data_access.scope``) is applied in SQL: the rep must be in scope, and
every query of the day also filters ``rep_id`` through it, so a manager asking for another
region's rep gets ``None``, never a partial day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import frames, schema
from data_access.scope import Scope, scoped_rep_ids

r, tm, c, v = schema.reps, schema.teams, schema.customers, schema.visits
co, ph, ex = schema.check_outs, schema.photos, schema.expenses
gf, de, al = schema.gps_fixes, schema.device_events, schema.alerts
pi, rd = schema.plan_items, schema.rep_days

# Owned customers are drawn when they lie inside the track's bounding box grown by this much.
BBOX_MARGIN_DEG = 0.01
# Device events this long before the day starts can still explain its first gap (contract §2).
EVENT_LEAD_S = 300


def fetch_replay_rep(conn: Connection, *, rep_id: str, scope: Scope) -> dict[str, Any] | None:
    """Return the rep (id, name, team, region, timezone, work hours) if in scope, else None."""
    stmt = (
        sa.select(
            r.c.id,
            r.c.name,
            r.c.team_id,
            tm.c.name.label("team_name"),
            tm.c.region_id,
            r.c.timezone,
            r.c.work_start,
            r.c.work_end,
        )
        .select_from(r.join(tm, tm.c.id == r.c.team_id))
        .where(r.c.id == rep_id, r.c.id.in_(scoped_rep_ids(scope)))
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def fetch_replay_day(
    conn: Connection,
    *,
    rep_id: str,
    day: date,
    start: datetime,
    end: datetime,
    scope: Scope,
) -> dict[str, Any]:
    """Return the records of one rep-day, ``start``..``end`` being the local day in UTC.

    Keys: ``fixes`` (id, ts, lat, lon, accuracy_m, speed_mps, mock; by ts), ``events`` (id, ts,
    kind; from ``EVENT_LEAD_S`` before ``start``), ``visits`` (visit_id, customer_id,
    customer_name, ts, lat, lon, accuracy_m, mock, checked_out_at, dwell_s, checkin_distance_m,
    geofence_limit_m, out_ts/out_lat/out_lon/out_accuracy_m of the first check-out),
    ``photos``, ``expenses``, ``plan`` (ordered customer ids), ``customers`` (visited, planned and
    owned customers inside the track's bounding box, with geofence_m), ``alerts``.
    An out-of-scope rep yields empty frames.
    """
    scoped = scoped_rep_ids(scope)
    fixes = frames.frame(
        conn,
        sa.select(
            gf.c.id,
            gf.c.ts,
            gf.c.lat,
            gf.c.lon,
            gf.c.accuracy_m,
            gf.c.speed_mps,
            gf.c.mock,
        )
        .where(gf.c.rep_id == rep_id, gf.c.ts >= start, gf.c.ts < end, gf.c.rep_id.in_(scoped))
        .order_by(gf.c.ts, gf.c.id),
    )
    lead = pd.Timestamp(start) - pd.Timedelta(seconds=EVENT_LEAD_S)
    events = frames.frame(
        conn,
        sa.select(de.c.id, de.c.ts, de.c.kind)
        .where(
            de.c.rep_id == rep_id,
            de.c.ts >= lead.to_pydatetime(),
            de.c.ts < end,
            de.c.rep_id.in_(scoped),
        )
        .order_by(de.c.ts, de.c.id),
    )
    out = co.alias("out")  # the visit's first check-out: its ts is visits.checked_out_at
    visits = frames.frame(
        conn,
        sa.select(
            v.c.id.label("visit_id"),
            v.c.customer_id,
            c.c.name.label("customer_name"),
            v.c.ts,
            v.c.lat,
            v.c.lon,
            v.c.accuracy_m,
            v.c.mock,
            v.c.checked_out_at,
            v.c.dwell_s,
            v.c.checkin_distance_m,
            v.c.geofence_limit_m,
            out.c.ts.label("out_ts"),
            out.c.lat.label("out_lat"),
            out.c.lon.label("out_lon"),
            out.c.accuracy_m.label("out_accuracy_m"),
        )
        .select_from(
            v.join(c, c.c.id == v.c.customer_id).outerjoin(
                out, sa.and_(out.c.visit_id == v.c.id, out.c.ts == v.c.checked_out_at)
            )
        )
        .where(v.c.rep_id == rep_id, v.c.local_date == day, v.c.rep_id.in_(scoped))
        .order_by(v.c.ts, v.c.id),
    )
    if not visits.empty:
        # Two check-outs at the same first instant would duplicate a visit: keep one.
        visits = visits.drop_duplicates("visit_id").reset_index(drop=True)
    day_visits = sa.select(v.c.id).where(
        v.c.rep_id == rep_id, v.c.local_date == day, v.c.rep_id.in_(scoped)
    )
    photos = frames.frame(
        conn,
        sa.select(ph.c.id, ph.c.visit_id, ph.c.ts, ph.c.taken_at, ph.c.lat, ph.c.lon, ph.c.kind)
        .where(ph.c.visit_id.in_(day_visits))
        .order_by(ph.c.ts, ph.c.id),
    )
    expenses = frames.frame(
        conn,
        sa.select(
            ex.c.id,
            ex.c.category,
            sa.cast(ex.c.amount, sa.Float).label("amount"),
            ex.c.currency,
            ex.c.claimed_km,
            ex.c.city,
            ex.c.customer_id,
        )
        .where(ex.c.rep_id == rep_id, ex.c.date == day, ex.c.rep_id.in_(scoped))
        .order_by(ex.c.arrival_seq, ex.c.id),
    )
    plan = [
        row.customer_id
        for row in conn.execute(
            sa.select(pi.c.customer_id)
            .where(pi.c.rep_id == rep_id, pi.c.date == day, pi.c.rep_id.in_(scoped))
            .order_by(pi.c.plan_id, pi.c.seq)
        )
    ]
    alerts = frames.frame(
        conn,
        sa.select(
            al.c.id,
            al.c.rule,
            al.c.severity,
            al.c.ts,
            al.c.visit_id,
            al.c.customer_id,
            al.c.summary,
            al.c.evidence,
            al.c.status,
        )
        .where(al.c.rep_id == rep_id, al.c.local_date == day, al.c.rep_id.in_(scoped))
        .order_by(al.c.ts, al.c.id),
    )
    wanted = set(plan) | (set(visits["customer_id"]) if not visits.empty else set())
    cust_cols = [c.c.id, c.c.name, c.c.lat, c.c.lon, c.c.geofence_m, c.c.grade, c.c.owner_rep_id]
    conds: list[sa.ColumnElement[bool]] = []
    if wanted:
        conds.append(c.c.id.in_(sorted(wanted)))
    if not fixes.empty:
        conds.append(
            sa.and_(
                c.c.owner_rep_id == rep_id,
                c.c.lat.between(
                    float(fixes["lat"].min()) - BBOX_MARGIN_DEG,
                    float(fixes["lat"].max()) + BBOX_MARGIN_DEG,
                ),
                c.c.lon.between(
                    float(fixes["lon"].min()) - BBOX_MARGIN_DEG,
                    float(fixes["lon"].max()) + BBOX_MARGIN_DEG,
                ),
            )
        )
    customers = (
        frames.frame(conn, sa.select(*cust_cols).where(sa.or_(*conds)).order_by(c.c.id))
        if conds
        else frames.frame(conn, sa.select(*cust_cols).where(sa.false()))
    )
    return {
        "fixes": fixes,
        "events": events,
        "visits": visits,
        "photos": photos,
        "expenses": expenses,
        "plan": plan,
        "customers": customers,
        "alerts": alerts,
    }


def fetch_neighbour_days(conn: Connection, *, rep_id: str, day: date) -> tuple[Any, Any]:
    """Return the rep's previous and next local dates with data (fixes or visits), or None."""
    has_data = sa.or_(rd.c.fixes > 0, rd.c.visits > 0, rd.c.dirty.is_(True))
    prev = conn.execute(
        sa.select(sa.func.max(rd.c.local_date)).where(
            rd.c.rep_id == rep_id, rd.c.local_date < day, has_data
        )
    ).scalar_one()
    nxt = conn.execute(
        sa.select(sa.func.min(rd.c.local_date)).where(
            rd.c.rep_id == rep_id, rd.c.local_date > day, has_data
        )
    ).scalar_one()
    return prev, nxt


def fetch_scope_rep_options(conn: Connection, *, scope: Scope) -> list[dict[str, Any]]:
    """Return the reps in scope for the picker: id, name, team_name (by team, then name)."""
    stmt = (
        sa.select(r.c.id, r.c.name, tm.c.name.label("team_name"))
        .select_from(r.join(tm, tm.c.id == r.c.team_id))
        .where(r.c.id.in_(scoped_rep_ids(scope)))
        .order_by(tm.c.name, r.c.name, r.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]

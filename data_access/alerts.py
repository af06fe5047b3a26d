"""Alert queries and triage writes (the anti-cheat centre).

Every read takes the caller's ``scope`` (``data_access.scope``), combined with the optional
``region``/``team``/``rep`` filter. An alert belongs to the region of its rep's team, as on the
overview.

``status_events`` is append-only: this module inserts and reads its rows, and offers no update or
delete of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import frames, schema
from data_access.scope import Scope, rep_conditions

a = schema.alerts
r = schema.reps
t = schema.teams
g = schema.regions
c = schema.customers
v = schema.visits
se = schema.status_events

SUBJECT_ALERT = "alert"
# The rule catalog's SEVERITIES (tests/unit/test_rule_catalog.py keeps the two equal).
SEVERITY_ORDER = ("critical", "high", "medium", "low")

QUEUE_COLUMNS = (
    "id",
    "rule",
    "severity",
    "status",
    "rep_id",
    "rep_name",
    "team_id",
    "team_name",
    "region_id",
    "region_name",
    "timezone",
    "ts",
    "local_date",
    "visit_id",
    "customer_id",
    "customer_name",
    "summary",
    "evidence",
    "assigned_to",
    "updated_at",
)


def _alert_conditions(
    scope: Scope,
    *,
    start: date | None,
    end: date | None,
    region: str | None,
    team: str | None,
    rep: str | None,
    rules: Sequence[str] | None,
    severities: Sequence[str] | None,
    statuses: Sequence[str] | None,
) -> list[sa.ColumnElement[bool]]:
    conds = rep_conditions(scope, region=region, team=team, rep=rep)
    if start is not None:
        conds.append(a.c.local_date >= start)
    if end is not None:
        conds.append(a.c.local_date <= end)
    for column, values in ((a.c.rule, rules), (a.c.severity, severities), (a.c.status, statuses)):
        if values:
            conds.append(column.in_(list(values)))
    return conds


def standing_alert(alerts: Any) -> sa.ColumnElement[bool]:
    """An alert that counts against its visit: every one but those a person dismissed as a
    false positive (``fetch_visit_rules`` and the ``rules_fired`` of
    ``kpis.fetch_day_visits``)."""
    return alerts.c.status != "dismissed"


def _scoped_alerts() -> Any:
    """alerts ⋈ reps ⋈ teams (inner: an alert of an unknown rep is in nobody's scope)."""
    return a.join(r, r.c.id == a.c.rep_id).join(t, t.c.id == r.c.team_id)


def _severity_rank() -> sa.ColumnElement[int]:
    return sa.case({s: i for i, s in enumerate(SEVERITY_ORDER)}, value=a.c.severity, else_=9)


# ------------------------------------------------------------------ the queue


def fetch_alerts(
    conn: Connection,
    *,
    scope: Scope,
    start: date | None = None,
    end: date | None = None,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    rules: Sequence[str] | None = None,
    severities: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Return the alerts in scope matching the filter (``QUEUE_COLUMNS``), most severe first,
    then newest first. ``start``/``end`` bound ``local_date`` (inclusive)."""
    conds = _alert_conditions(
        scope,
        start=start,
        end=end,
        region=region,
        team=team,
        rep=rep,
        rules=rules,
        severities=severities,
        statuses=statuses,
    )
    stmt = (
        sa.select(
            a.c.id,
            a.c.rule,
            a.c.severity,
            a.c.status,
            a.c.rep_id,
            r.c.name.label("rep_name"),
            r.c.team_id,
            t.c.name.label("team_name"),
            t.c.region_id,
            g.c.name.label("region_name"),
            r.c.timezone,
            a.c.ts,
            a.c.local_date,
            a.c.visit_id,
            a.c.customer_id,
            c.c.name.label("customer_name"),
            a.c.summary,
            a.c.evidence,
            a.c.assigned_to,
            a.c.updated_at,
        )
        .select_from(
            _scoped_alerts()
            .outerjoin(g, g.c.id == t.c.region_id)
            .outerjoin(c, c.c.id == a.c.customer_id)
        )
        .where(*conds)
        .order_by(_severity_rank(), a.c.ts.desc(), a.c.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    frame = frames.frame(conn, stmt)
    if frame.empty:
        frame = pd.DataFrame({name: [] for name in QUEUE_COLUMNS})
    return frame


def fetch_alert_counts(
    conn: Connection,
    *,
    scope: Scope,
    start: date | None = None,
    end: date | None = None,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    rules: Sequence[str] | None = None,
    severities: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return the number of matching alerts per (rule, severity, status): columns rule,
    severity, status, n."""
    conds = _alert_conditions(
        scope,
        start=start,
        end=end,
        region=region,
        team=team,
        rep=rep,
        rules=rules,
        severities=severities,
        statuses=statuses,
    )
    stmt = (
        sa.select(a.c.rule, a.c.severity, a.c.status, sa.func.count().label("n"))
        .select_from(_scoped_alerts())
        .where(*conds)
        .group_by(a.c.rule, a.c.severity, a.c.status)
    )
    frame = frames.frame(conn, stmt)
    if frame.empty:
        return pd.DataFrame({"rule": [], "severity": [], "status": [], "n": []})
    frame["n"] = frame["n"].astype("int64")
    return frame


def fetch_rep_alert_days(
    conn: Connection,
    *,
    rep_id: str,
    scope: Scope,
    start: date,
    end: date,
) -> pd.DataFrame:
    """Return one rep's alert counts per local_date, rule and severity (empty when the rep is out
    of scope): columns local_date, rule, severity, n."""
    stmt = (
        sa.select(a.c.local_date, a.c.rule, a.c.severity, sa.func.count().label("n"))
        .select_from(_scoped_alerts())
        .where(
            *rep_conditions(scope, rep=rep_id),
            a.c.local_date >= start,
            a.c.local_date <= end,
        )
        .group_by(a.c.local_date, a.c.rule, a.c.severity)
        .order_by(a.c.local_date)
    )
    frame = frames.frame(conn, stmt)
    if frame.empty:
        return pd.DataFrame({"local_date": [], "rule": [], "severity": [], "n": []})
    frame["n"] = frame["n"].astype("int64")
    return frame


def fetch_rep(conn: Connection, *, rep_id: str, scope: Scope) -> Mapping[str, Any] | None:
    """Return one rep in scope: rep_id, rep_name, team_name, region_id, region_name, timezone."""
    stmt = (
        sa.select(
            r.c.id.label("rep_id"),
            r.c.name.label("rep_name"),
            t.c.name.label("team_name"),
            t.c.region_id,
            g.c.name.label("region_name"),
            r.c.timezone,
        )
        .select_from(r.join(t, t.c.id == r.c.team_id).outerjoin(g, g.c.id == t.c.region_id))
        .where(r.c.id == rep_id, *rep_conditions(scope))
    )
    row = conn.execute(stmt).mappings().one_or_none()
    return dict(row) if row else None


# ------------------------------------------------------------------ one alert and its context


def fetch_alert(conn: Connection, *, alert_id: str, scope: Scope) -> dict[str, Any] | None:
    """Return one alert in scope (every column, plus rep_name, team_name, region_id,
    region_name, timezone, customer_name), or None when it is unknown or out of scope."""
    return next(iter(fetch_alerts_by_ids(conn, [alert_id], scope=scope).values()), None)


def fetch_alerts_by_ids(
    conn: Connection, ids: Iterable[str], *, scope: Scope
) -> dict[str, dict[str, Any]]:
    """Return the alerts of these ids that lie in scope, by id (others are simply absent)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = (
        sa.select(
            a,
            r.c.name.label("rep_name"),
            t.c.name.label("team_name"),
            t.c.region_id,
            g.c.name.label("region_name"),
            r.c.timezone,
            c.c.name.label("customer_name"),
        )
        .select_from(
            _scoped_alerts()
            .outerjoin(g, g.c.id == t.c.region_id)
            .outerjoin(c, c.c.id == a.c.customer_id)
        )
        .where(a.c.id.in_(wanted), *rep_conditions(scope))
    )
    return {row["id"]: dict(row) for row in conn.execute(stmt).mappings()}


def fetch_visit(conn: Connection, *, visit_id: str) -> dict[str, Any] | None:
    """Return a visit's check-in (lat, lon, accuracy_m, ts, mock), its distance and limit, its
    first check-out (co_lat, co_lon, co_accuracy_m, checked_out_at), or None."""
    co = schema.check_outs
    first_co = (
        sa.select(co.c.id)
        .where(co.c.visit_id == v.c.id)
        .order_by(co.c.ts, co.c.id)
        .limit(1)
        .correlate(v)
        .scalar_subquery()
    )
    stmt = (
        sa.select(
            v.c.id,
            v.c.rep_id,
            v.c.customer_id,
            v.c.ts,
            v.c.lat,
            v.c.lon,
            v.c.accuracy_m,
            v.c.mock,
            v.c.checkin_distance_m,
            v.c.geofence_limit_m,
            v.c.checked_out_at,
            co.c.lat.label("co_lat"),
            co.c.lon.label("co_lon"),
            co.c.accuracy_m.label("co_accuracy_m"),
        )
        .select_from(v.outerjoin(co, co.c.id == first_co))
        .where(v.c.id == visit_id)
    )
    row = conn.execute(stmt).mappings().one_or_none()
    return dict(row) if row else None


def fetch_visit_rules(conn: Connection, visit_ids: Iterable[str]) -> dict[str, list[str]]:
    """visit_id → the distinct rules of the alerts fired on it (by code), in one grouped query.

    Visits without an alert are absent; a dismissed alert (a person judged it a false
    positive) no longer counts against the visit. The caller's visit query has already applied
    the region scope: only the ids it returned are asked for.
    """
    ids = sorted({str(x) for x in visit_ids if x is not None})
    out: dict[str, list[str]] = {}
    if not ids:
        return out
    stmt = (
        sa.select(a.c.visit_id, a.c.rule)
        .where(a.c.visit_id.in_(ids), standing_alert(a))
        .group_by(a.c.visit_id, a.c.rule)
        .order_by(a.c.visit_id, a.c.rule)
    )
    for visit_id, rule in conn.execute(stmt):
        out.setdefault(visit_id, []).append(rule)
    return out


def fetch_customer(conn: Connection, *, customer_id: str) -> dict[str, Any] | None:
    """Return a customer's id, name, lat, lon, geofence_m, city, address and grade, or None."""
    stmt = sa.select(
        c.c.id, c.c.name, c.c.lat, c.c.lon, c.c.geofence_m, c.c.city, c.c.address, c.c.grade
    ).where(c.c.id == customer_id)
    row = conn.execute(stmt).mappings().one_or_none()
    return dict(row) if row else None


def fetch_fixes(
    conn: Connection, *, rep_id: str, start: datetime, end: datetime, ids: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Return a rep's fixes with ts in [start, end], plus any of ``ids`` (the fixes an alert
    names, which may lie outside the window), by time: id, ts, lat, lon, accuracy_m, speed_mps,
    mock."""
    fx = schema.gps_fixes
    window = sa.and_(fx.c.rep_id == rep_id, fx.c.ts >= start, fx.c.ts <= end)
    named = sorted(set(ids))
    cond = sa.or_(window, sa.and_(fx.c.rep_id == rep_id, fx.c.id.in_(named))) if named else window
    stmt = (
        sa.select(fx.c.id, fx.c.ts, fx.c.lat, fx.c.lon, fx.c.accuracy_m, fx.c.speed_mps, fx.c.mock)
        .where(cond)
        .order_by(fx.c.ts, fx.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_photos(conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Return photos by id: id, visit_id, ts, taken_at, lat, lon, sha256, phash, kind, and the
    visit's rep_id, customer_id and check-in ts (visit_ts)."""
    ph = schema.photos
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    stmt = (
        sa.select(
            ph.c.id,
            ph.c.visit_id,
            ph.c.ts,
            ph.c.taken_at,
            ph.c.lat,
            ph.c.lon,
            ph.c.sha256,
            ph.c.phash,
            ph.c.kind,
            v.c.rep_id,
            v.c.customer_id,
            v.c.ts.label("visit_ts"),
        )
        .select_from(ph.outerjoin(v, v.c.id == ph.c.visit_id))
        .where(ph.c.id.in_(wanted))
    )
    return {row["id"]: dict(row) for row in conn.execute(stmt).mappings()}


def fetch_device_events(
    conn: Connection, *, rep_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Return a rep's device events with ts in [start, end], by time: id, ts, kind, detail,
    device_id."""
    de = schema.device_events
    stmt = (
        sa.select(de.c.id, de.c.ts, de.c.kind, de.c.detail, de.c.device_id)
        .where(de.c.rep_id == rep_id, de.c.ts >= start, de.c.ts <= end)
        .order_by(de.c.ts, de.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


# ------------------------------------------------------------------ history and triage writes


def fetch_history(
    conn: Connection, *, subject_id: str, subject_kind: str = SUBJECT_ALERT
) -> list[dict[str, Any]]:
    """Return the status events of one subject, oldest first."""
    stmt = (
        sa.select(
            se.c.id,
            se.c.at,
            se.c.actor,
            se.c.action,
            se.c.from_status,
            se.c.to_status,
            se.c.assigned_to,
            se.c.note,
        )
        .where(se.c.subject_kind == subject_kind, se.c.subject_id == subject_id)
        .order_by(se.c.at, se.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def update_alert_triage(
    conn: Connection,
    *,
    alert_id: str,
    expected_status: str,
    expected_assignee: str | None,
    status: str,
    assigned_to: str | None,
    now: datetime,
) -> bool:
    """Set an alert's status and assignee if it still has the expected ones; return whether it
    did (False: someone changed it meanwhile). Call inside the transaction that also records the
    status event."""
    same_assignee = (
        a.c.assigned_to.is_(None)
        if expected_assignee is None
        else a.c.assigned_to == expected_assignee
    )
    result = conn.execute(
        a.update()
        .where(a.c.id == alert_id, a.c.status == expected_status, same_assignee)
        .values(status=status, assigned_to=assigned_to, updated_at=now)
    )
    return result.rowcount == 1


def insert_status_event(
    conn: Connection,
    *,
    subject_id: str,
    at: datetime,
    actor: str,
    action: str,
    from_status: str | None,
    to_status: str | None,
    assigned_to: str | None,
    note: str | None,
    subject_kind: str = SUBJECT_ALERT,
) -> None:
    """Append one status event (there is no update or delete of these rows)."""
    conn.execute(
        se.insert().values(
            subject_kind=subject_kind,
            subject_id=subject_id,
            at=at,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=to_status,
            assigned_to=assigned_to,
            note=note,
        )
    )


def fetch_assignable_users(conn: Connection, *, region_id: str | None) -> list[str]:
    """Return the names of active admins, and of active managers holding ``region_id``, sorted."""
    u, ur = schema.users, schema.user_regions
    holds_region = sa.exists().where(ur.c.user_id == u.c.id, ur.c.region_id == region_id)
    stmt = (
        sa.select(u.c.name)
        .where(
            u.c.active.is_(True),
            sa.or_(u.c.role == "admin", sa.and_(u.c.role == "manager", holds_region)),
        )
        .order_by(u.c.name)
    )
    return list(conn.execute(stmt).scalars())

"""Finance reads: the expense claims ledger with its flags and totals, the mileage claims, and
the evidence of one claim. Decisions, their log and the rule settings are in
``data_access.finance_decisions``.

Every read of claims takes the caller's ``scope`` and applies it through the conditions of
``data_access.scope`` (a claim is in the region of its rep's team).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.frames import chunks, no_jit, object_frame
from data_access.scope import Scope, rep_conditions, scoped_rep_ids

e = schema.expenses
r = schema.reps
t = schema.teams
c = schema.customers
v = schema.visits
fl = schema.expense_flags
cs = schema.claim_status
rd = schema.rep_days

CLAIM_COLUMNS = (
    "claim_id",
    "rep_id",
    "rep_name",
    "team_id",
    "team_name",
    "region_id",
    "date",
    "category",
    "amount",
    "claimed_km",
    "city",
    "customer_id",
    "customer_name",
    "receipt_sha256",
    "note",
    "status",
    "decided_at",
    "decided_by",
    "tracked_km",
    "day_visits",
    "visit_id",
    "timezone",
)


_FLOATS = frozenset(
    {"amount", "claimed_km", "tracked_km", "amount_at_risk", "lat", "lon", "dwell_s"}
)


def _frame(conn: Connection, stmt: sa.Select, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows → DataFrame: the numeric columns of claims and flags as float64, the others as
    plain object columns."""
    return object_frame(conn, stmt, columns, floats=_FLOATS)


LEDGER_COLUMNS = tuple(
    name
    for name in CLAIM_COLUMNS
    if name not in ("region_id", "receipt_sha256", "note", "decided_at", "timezone")
)


def _claims_select(*, full: bool = True, names: Sequence[str] | None = None) -> sa.Select:
    """Claims with names, decision, rep-day facts and linked visit; ``full=False`` leaves out
    the wide columns only one claim's evidence needs; ``names`` picks the columns."""
    linked_visit = (
        sa.select(sa.func.min(v.c.id))
        .where(
            v.c.rep_id == e.c.rep_id,
            v.c.local_date == e.c.date,
            v.c.customer_id == e.c.customer_id,
        )
        .correlate(e)
        .scalar_subquery()
    )
    columns = {
        "claim_id": e.c.id,
        "rep_id": e.c.rep_id,
        "rep_name": r.c.name,
        "team_id": r.c.team_id,
        "team_name": t.c.name,
        "region_id": t.c.region_id,
        "date": e.c.date,
        "category": e.c.category,
        "amount": sa.cast(e.c.amount, sa.Float),
        "claimed_km": e.c.claimed_km,
        "city": e.c.city,
        "customer_id": e.c.customer_id,
        "customer_name": c.c.name,
        "receipt_sha256": e.c.receipt_sha256,
        "note": e.c.note,
        "status": sa.func.coalesce(cs.c.status, "pending"),
        "decided_at": cs.c.updated_at,
        "decided_by": cs.c.updated_by,
        "tracked_km": rd.c.km,
        "day_visits": sa.func.coalesce(rd.c.visits, 0),
        "visit_id": sa.case((e.c.customer_id.is_(None), None), else_=linked_visit),
        "timezone": r.c.timezone,
    }
    if names is None:
        names = CLAIM_COLUMNS if full else LEDGER_COLUMNS
    return sa.select(*[columns[name].label(name) for name in names]).select_from(
        e.join(r, r.c.id == e.c.rep_id)
        .join(t, t.c.id == r.c.team_id)
        .outerjoin(c, c.c.id == e.c.customer_id)
        .outerjoin(cs, cs.c.claim_id == e.c.id)
        .outerjoin(rd, sa.and_(rd.c.rep_id == e.c.rep_id, rd.c.local_date == e.c.date))
    )


def _ledger_conditions(
    *,
    start: date,
    end: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    category: str | None = None,
    status: str | None = None,
    flag: str | None = None,
) -> list[sa.ColumnElement[bool]]:
    """The WHERE of the ledger over expenses ⋈ reps ⋈ teams ⟕ claim_status: period, scope,
    filter, category, decision status and flag."""
    conds = [
        e.c.date.between(start, end),
        *rep_conditions(scope, region=region, team=team, rep=rep),
    ]
    if category is not None:
        conds.append(e.c.category == category)
    if status is not None:
        conds.append(sa.func.coalesce(cs.c.status, "pending") == status)
    if flag is not None:
        fx = fl.alias("flag_filter")  # not the flags the risk is taken from
        flagged = sa.exists().where(fx.c.claim_id == e.c.id)
        if flag not in ("flagged", "clean"):
            flagged = flagged.where(fx.c.rule == flag)
        conds.append(sa.not_(flagged) if flag == "clean" else flagged)
    return conds


def _risk_per_claim(*columns: sa.ColumnElement[Any]) -> sa.Select:
    """Claims (⋈ reps ⋈ teams ⟕ claim_status, for ``_ledger_conditions``) with ``risk``: the
    largest amount at risk among their flags (NULL without a flag), one row per claim."""
    return (
        sa.select(*columns, sa.cast(sa.func.max(fl.c.amount_at_risk), sa.Float).label("risk"))
        .select_from(
            e.join(r, r.c.id == e.c.rep_id)
            .join(t, t.c.id == r.c.team_id)
            .outerjoin(cs, cs.c.claim_id == e.c.id)
            .outerjoin(fl, fl.c.claim_id == e.c.id)
        )
        .group_by(e.c.id, cs.c.status)
    )


def fetch_claims(
    conn: Connection,
    *,
    start: date,
    end: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    category: str | None = None,
    status: str | None = None,
    flag: str | None = None,
) -> pd.DataFrame:
    """Return the claims dated in [start, end] of reps in scope (``LEDGER_COLUMNS``), with
    their decision status (``pending`` without one), the rep-day's tracked km and visit count,
    and the visit at the claim's customer that day (``visit_id``), by date then rep then id.
    ``flag``: "flagged" (any expense flag), "clean" (none) or a rule code (flagged by it)."""
    no_jit(conn)
    conds = _ledger_conditions(
        start=start,
        end=end,
        scope=scope,
        region=region,
        team=team,
        rep=rep,
        category=category,
        status=status,
        flag=flag,
    )
    stmt = _claims_select(full=False).where(*conds).order_by(e.c.date, e.c.rep_id, e.c.id)
    return _frame(conn, stmt, LEDGER_COLUMNS)


def fetch_ledger_page(
    conn: Connection,
    *,
    statuses: Sequence[str],
    limit: int,
    start: date,
    end: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    category: str | None = None,
    status: str | None = None,
    flag: str | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """The first ``limit`` claims of the ledger's filter (``LEDGER_COLUMNS``), the most relevant
    first: flagged claims by amount at risk (largest first), then the others, each by date then
    rep then id; and the totals of EVERY claim of the filter (count, claimed, at_risk, flagged
    and CNY and count per status in ``statuses``),
    computed as window aggregates in the same pass that picks the page."""
    if limit < 1:
        raise ValueError(f"limit: {limit} must be at least 1")
    no_jit(conn)
    conds = _ledger_conditions(
        start=start,
        end=end,
        scope=scope,
        region=region,
        team=team,
        rep=rep,
        category=category,
        status=status,
        flag=flag,
    )
    inner = (
        _risk_per_claim(
            e.c.id.label("id"),
            e.c.date.label("date"),
            e.c.rep_id.label("rep_id"),
            sa.cast(e.c.amount, sa.Float).label("amount"),
            sa.func.coalesce(cs.c.status, "pending").label("status"),
        )
        .where(*conds)
        .subquery()
    )
    q = inner.c
    sums = [col.over() for col in _total_columns(q, statuses)]
    stmt = (
        sa.select(q.id, *sums)
        .order_by(sa.case((q.risk.is_(None), 1), else_=0), q.risk.desc(), q.date, q.rep_id, q.id)
        .limit(limit)
    )
    rows = conn.execute(stmt).all()
    names = _total_names(statuses)
    totals = _totals_of(dict(zip(names, rows[0][1:], strict=True)) if rows else {}, names)
    ids = [row[0] for row in rows]
    rank = {cid: n for n, cid in enumerate(ids)}
    parts = [
        _frame(conn, _claims_select(full=False).where(e.c.id.in_(chunk)), LEDGER_COLUMNS)
        for chunk in chunks(ids, 1000)
    ]
    if not parts:
        return _frame(conn, _claims_select(full=False).where(sa.false()), LEDGER_COLUMNS), totals
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    order = np.argsort([rank[cid] for cid in frame["claim_id"]], kind="stable")
    return frame.take(order).reset_index(drop=True), totals


def _total_names(statuses: Sequence[str]) -> list[str]:
    return ["claims", "claimed", "at_risk", "flagged"] + [
        name for s in statuses for name in (s, f"{s}_n")
    ]


def _total_columns(q: Any, statuses: Sequence[str]) -> list[Any]:
    """Aggregates over rows of amount, risk (NULL = no flag) and status, in ``_total_names``
    order (plain aggregates: ``.over()`` makes them window aggregates)."""
    zero = sa.literal(0.0, sa.Float)
    at_risk = sa.case((q.risk.is_(None), zero), (q.risk < q.amount, q.risk), else_=q.amount)
    cols = [
        sa.func.count(),
        sa.func.sum(q.amount),
        sa.func.sum(at_risk),
        sa.func.sum(sa.case((q.risk.is_not(None), 1), else_=0)),
    ]
    for name in statuses:
        hit = q.status == name
        cols.append(sa.func.sum(sa.case((hit, q.amount), else_=zero)))
        cols.append(sa.func.sum(sa.case((hit, 1), else_=0)))
    return cols


def _totals_of(row: Mapping[str, Any], names: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in names:
        value = row.get(key)
        if key in ("claims", "flagged") or key.endswith("_n"):
            out[key] = int(value or 0)
        else:
            out[key] = round(float(value or 0.0), 2)
    return out


MILEAGE_COLUMNS = (
    "claim_id",
    "rep_id",
    "rep_name",
    "date",
    "amount",
    "claimed_km",
    "tracked_km",
    "status",
)


def fetch_mileage_claims(
    conn: Connection,
    *,
    start: date,
    end: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    status: str | None = None,
    flag: str | None = None,
) -> pd.DataFrame:
    """Return the mileage claims with a claimed distance of the ledger's filter, narrow
    (``MILEAGE_COLUMNS``: what the mileage check and the claimed ÷ tracked chart need)."""
    no_jit(conn)
    conds = _ledger_conditions(
        start=start,
        end=end,
        scope=scope,
        region=region,
        team=team,
        rep=rep,
        category="mileage",
        status=status,
        flag=flag,
    )
    stmt = _claims_select(names=MILEAGE_COLUMNS).where(
        *conds, e.c.claimed_km.is_not(None)
    )  # no ORDER BY: the caller orders what it shows
    return _frame(conn, stmt, MILEAGE_COLUMNS)


def fetch_claims_by_id(conn: Connection, claim_ids: Iterable[str], *, scope: Scope) -> pd.DataFrame:
    """Return the named claims that are in scope (the others are simply absent)."""
    ids = sorted(set(claim_ids))
    in_scope = rep_conditions(scope)
    parts = [
        _frame(conn, _claims_select().where(e.c.id.in_(chunk), *in_scope), CLAIM_COLUMNS)
        for chunk in chunks(ids, 1000)
    ]
    if not parts:
        return pd.DataFrame(columns=CLAIM_COLUMNS)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


FLAG_COLUMNS = ("flag_id", "claim_id", "rule", "amount_at_risk", "status", "summary", "evidence")


def fetch_flags(
    conn: Connection,
    *,
    start: date,
    end: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    with_evidence: bool = False,
) -> pd.DataFrame:
    """Return the expense flags of claims dated in [start, end] of reps in scope."""
    cols = [
        fl.c.id.label("flag_id"),
        fl.c.claim_id,
        fl.c.rule,
        sa.cast(fl.c.amount_at_risk, sa.Float).label("amount_at_risk"),
        fl.c.status,
    ]
    if with_evidence:
        cols += [fl.c.summary, fl.c.evidence]
    scoped = scoped_rep_ids(scope, region=region, team=team, rep=rep)
    stmt = (
        sa.select(*cols)
        .join(e, e.c.id == fl.c.claim_id)
        .where(e.c.date.between(start, end), e.c.rep_id.in_(scoped))
        .order_by(fl.c.claim_id, fl.c.rule)
    )
    return _frame(conn, stmt, None if with_evidence else FLAG_COLUMNS[:5])


def fetch_claim_flags(
    conn: Connection, claim_ids: Iterable[str], *, with_evidence: bool = True
) -> pd.DataFrame:
    """Return every flag of the named claims (with summary and evidence unless
    ``with_evidence=False``: then flag_id, claim_id, rule, amount_at_risk, status)."""
    ids = sorted(set(claim_ids))
    cols = [
        fl.c.id.label("flag_id"),
        fl.c.claim_id,
        fl.c.rule,
        sa.cast(fl.c.amount_at_risk, sa.Float).label("amount_at_risk"),
        fl.c.status,
    ]
    if with_evidence:
        cols += [fl.c.summary, fl.c.evidence]
    parts = [
        _frame(
            conn,
            sa.select(*cols).where(fl.c.claim_id.in_(chunk)).order_by(fl.c.claim_id, fl.c.rule),
            FLAG_COLUMNS if with_evidence else FLAG_COLUMNS[:5],
        )
        for chunk in chunks(ids, 1000)
    ] or [
        _frame(
            conn,
            sa.select(*cols).where(sa.false()),
            FLAG_COLUMNS if with_evidence else FLAG_COLUMNS[:5],
        )
    ]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


# ------------------------------------------------------------------ one claim's evidence


def fetch_day_visit_points(
    conn: Connection, *, rep_id: str, days: Sequence[date], min_dwell_s: float
) -> pd.DataFrame:
    """Return the rep's visits on the given local dates, by check-in time: visit_id,
    local_date, ts, customer_id, customer_name, city, lat, lon (check-in), checked_out_at,
    dwell_s, in_geofence, verified (checked out, long enough, in the fence)."""
    in_fence = v.c.checkin_distance_m <= v.c.geofence_limit_m
    verified = sa.and_(v.c.checked_out_at.is_not(None), v.c.dwell_s >= min_dwell_s, in_fence)
    stmt = (
        sa.select(
            v.c.id.label("visit_id"),
            v.c.local_date,
            v.c.ts,
            v.c.customer_id,
            c.c.name.label("customer_name"),
            c.c.city,
            v.c.lat,
            v.c.lon,
            v.c.checked_out_at,
            v.c.dwell_s,
            sa.case((in_fence, 1), else_=0).label("in_geofence"),
            sa.case((verified, 1), else_=0).label("verified"),
        )
        .join(c, c.c.id == v.c.customer_id)
        .where(v.c.rep_id == rep_id, v.c.local_date.in_(list(days)))
        .order_by(v.c.ts, v.c.id)
    )
    frame = _frame(conn, stmt)
    if frame.empty:
        return pd.DataFrame(
            columns=[
                "visit_id",
                "local_date",
                "ts",
                "customer_id",
                "customer_name",
                "city",
                "lat",
                "lon",
                "checked_out_at",
                "dwell_s",
                "in_geofence",
                "verified",
            ]
        )
    for name in ("in_geofence", "verified"):
        frame[name] = frame[name].astype(bool)
    return frame


def fetch_day_alerts(conn: Connection, *, rep_id: str, day: date) -> pd.DataFrame:
    """Return the rep's authenticity alerts of a local date, by time (with the evidence and
    customer their summaries are rendered from)."""
    a, cu = schema.alerts, schema.customers
    stmt = (
        sa.select(
            a.c.id.label("alert_id"),
            a.c.rule,
            a.c.severity,
            a.c.ts,
            a.c.visit_id,
            a.c.summary,
            a.c.status,
            a.c.customer_id,
            cu.c.name.label("customer_name"),
            a.c.evidence,
        )
        .select_from(a.outerjoin(cu, cu.c.id == a.c.customer_id))
        .where(a.c.rep_id == rep_id, a.c.local_date == day)
        .order_by(a.c.ts, a.c.id)
    )
    names = ["alert_id", "rule", "severity", "ts", "visit_id", "summary", "status"]
    return _frame(conn, stmt, [*names, "customer_id", "customer_name", "evidence"])


def fetch_receipt_uses(conn: Connection, receipt_sha256: str, *, scope: Scope) -> pd.DataFrame:
    """Return every claim in scope carrying a receipt hash, by date then arrival."""
    stmt = (
        sa.select(
            e.c.id.label("claim_id"),
            e.c.rep_id,
            r.c.name.label("rep_name"),
            e.c.date,
            e.c.category,
            sa.cast(e.c.amount, sa.Float).label("amount"),
        )
        .join(r, r.c.id == e.c.rep_id)
        .join(t, t.c.id == r.c.team_id)
        .where(e.c.receipt_sha256 == receipt_sha256, *rep_conditions(scope))
        .order_by(e.c.date, e.c.received_at, e.c.arrival_seq, e.c.id)
    )
    return _frame(conn, stmt, ["claim_id", "rep_id", "rep_name", "date", "category", "amount"])


def fetch_rep_day_claims(conn: Connection, *, rep_id: str, day: date, category: str) -> list:
    """(claim_id, amount) of a rep's claims of one category on one date."""
    stmt = (
        sa.select(e.c.id, sa.cast(e.c.amount, sa.Float))
        .where(e.c.rep_id == rep_id, e.c.date == day, e.c.category == category)
        .order_by(e.c.id)
    )
    return [(cid, float(amount)) for cid, amount in conn.execute(stmt)]

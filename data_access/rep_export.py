"""Everything stored about one rep, table by table, for the rep's access request (issue 20).

``SECTIONS`` lists every table that holds rows about a rep and how they are selected: by a rep
column (``rep_id``, ``owner_rep_id``, ``from_rep_id`` / ``to_rep_id``, ``reps.id``), through the
rep's visits (``visit_id``), through the rep's expense claims (``claim_id``), through the rep's
team, or as audit events whose subject is the rep, one of the rep's alerts, flags or claims.
A test walks ``schema.metadata`` and fails when a table with a rep, visit or claim column is
missing here. Rows are read with a server-side cursor where the dialect has one
(``stream_results``), so a rep with millions of fixes is never held in memory at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema

# Kinds of status_events whose subject_id is a rep id (a handover of the rep's customers; an
# export of the rep's data).
REP_SUBJECT_KINDS = ("rep", "rep_export")
BATCH = 2000


def _visit_ids(rep_id: str):
    v = schema.visits
    return sa.select(v.c.id).where(v.c.rep_id == rep_id).scalar_subquery()


def _by_rep(table: sa.Table, *columns: str) -> Callable[[str], sa.Select]:
    def select(rep_id: str) -> sa.Select:
        cond = sa.or_(*(table.c[c] == rep_id for c in columns))
        return sa.select(table).where(cond).order_by(*table.primary_key.columns)

    return select


def _by_visit(table: sa.Table) -> Callable[[str], sa.Select]:
    def select(rep_id: str) -> sa.Select:
        return (
            sa.select(table)
            .where(table.c.visit_id.in_(_visit_ids(rep_id)))
            .order_by(*table.primary_key.columns)
        )

    return select


def _claim_status(rep_id: str) -> sa.Select:
    c, e = schema.claim_status, schema.expenses
    claims = sa.select(e.c.id).where(e.c.rep_id == rep_id).scalar_subquery()
    return sa.select(c).where(c.c.claim_id.in_(claims)).order_by(c.c.claim_id)


def _team(rep_id: str) -> sa.Select:
    t, r = schema.teams, schema.reps
    return sa.select(t).where(
        t.c.id.in_(sa.select(r.c.team_id).where(r.c.id == rep_id).scalar_subquery())
    )


def _region(rep_id: str) -> sa.Select:
    g, t, r = schema.regions, schema.teams, schema.reps
    team = sa.select(r.c.team_id).where(r.c.id == rep_id).scalar_subquery()
    return sa.select(g).where(
        g.c.id.in_(sa.select(t.c.region_id).where(t.c.id.in_(team)).scalar_subquery())
    )


def _status_events(rep_id: str) -> sa.Select:
    """The audit trail about the rep: triage of the rep's alerts and flags, decisions on the
    rep's claims, handovers of the rep's customers, exports of the rep's data."""
    se, a, f, e = schema.status_events, schema.alerts, schema.expense_flags, schema.expenses
    subjects = (
        ("alert", sa.select(a.c.id).where(a.c.rep_id == rep_id)),
        ("expense_flag", sa.select(f.c.id).where(f.c.rep_id == rep_id)),
        ("claim", sa.select(e.c.id).where(e.c.rep_id == rep_id)),
    )
    cond = sa.or_(
        *(
            sa.and_(se.c.subject_kind == kind, se.c.subject_id.in_(ids.scalar_subquery()))
            for kind, ids in subjects
        ),
        sa.and_(se.c.subject_kind.in_(REP_SUBJECT_KINDS), se.c.subject_id == rep_id),
    )
    return sa.select(se).where(cond).order_by(se.c.at, se.c.id)


@dataclass(frozen=True)
class Section:
    """One table of the export: its name, how the rep's rows are selected, and why."""

    table: str
    select: Callable[[str], sa.Select]
    how: str


SECTIONS: tuple[Section, ...] = (
    Section("reps", _by_rep(schema.reps, "id"), "the rep's master record"),
    Section("teams", _team, "the rep's team"),
    Section("regions", _region, "the region of the rep's team"),
    Section("gps_fixes", _by_rep(schema.gps_fixes, "rep_id"), "rep_id"),
    Section("device_events", _by_rep(schema.device_events, "rep_id"), "rep_id"),
    Section("visits", _by_rep(schema.visits, "rep_id"), "rep_id (check-ins)"),
    Section("check_outs", _by_visit(schema.check_outs), "the rep's visits"),
    Section("sop_steps", _by_visit(schema.sop_steps), "the rep's visits"),
    Section("photos", _by_visit(schema.photos), "the rep's visits (metadata and hashes)"),
    Section("orders", _by_visit(schema.orders), "the rep's visits"),
    Section("expenses", _by_rep(schema.expenses, "rep_id"), "rep_id"),
    Section("claim_status", _claim_status, "the rep's expense claims"),
    Section("expense_flags", _by_rep(schema.expense_flags, "rep_id"), "rep_id"),
    Section("plans", _by_rep(schema.plans, "rep_id"), "rep_id"),
    Section("plan_items", _by_rep(schema.plan_items, "rep_id"), "rep_id"),
    Section("tasks", _by_rep(schema.tasks, "rep_id"), "rep_id"),
    Section("customers", _by_rep(schema.customers, "owner_rep_id"), "owner_rep_id"),
    Section(
        "customer_owner_history",
        _by_rep(schema.customer_owner_history, "from_rep_id", "to_rep_id"),
        "from_rep_id or to_rep_id",
    ),
    Section("alerts", _by_rep(schema.alerts, "rep_id"), "rep_id"),
    Section("status_events", _status_events, "audit events about the rep"),
    Section("rep_days", _by_rep(schema.rep_days, "rep_id"), "rep_id"),
    Section("device_days", _by_rep(schema.device_days, "rep_id"), "rep_id"),
    Section("rep_day_failures", _by_rep(schema.rep_day_failures, "rep_id"), "rep_id"),
    Section("sop_rollup", _by_rep(schema.sop_rollup, "rep_id"), "rep_id"),
    Section("sop_rollup_weeks", _by_rep(schema.sop_rollup_weeks, "rep_id"), "rep_id"),
    Section("sop_gap_visits", _by_rep(schema.sop_gap_visits, "rep_id"), "rep_id"),
    Section("purged_rep_days", _by_rep(schema.purged_rep_days, "rep_id"), "rep_id"),
    Section("kept_stops", _by_rep(schema.kept_stops, "rep_id"), "rep_id"),
)


def fetch_rep(conn: Connection, rep_id: str) -> dict[str, Any] | None:
    r = schema.reps
    row = conn.execute(sa.select(r).where(r.c.id == rep_id)).mappings().first()
    return None if row is None else dict(row)


def device_ids(conn: Connection, rep_id: str) -> list[str]:
    """Every device id the rep's records name (the master record, fixes, events, visits)."""
    selects = [
        sa.select(t.c.device_id.label("d")).where(t.c.rep_id == rep_id)
        for t in (schema.gps_fixes, schema.device_events, schema.visits)
    ]
    r = schema.reps
    selects.append(
        sa.select(r.c.device_id.label("d")).where(r.c.id == rep_id, r.c.device_id.is_not(None))
    )
    union = sa.union(*selects).subquery()
    return sorted(conn.execute(sa.select(union.c.d)).scalars())


def rows(conn: Connection, section: Section, rep_id: str) -> Iterator[dict[str, Any]]:
    """The section's rows for the rep, streamed in batches."""
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
        section.select(rep_id)
    )
    for row in result.mappings():
        yield dict(row)


def list_reps(conn: Connection) -> list[dict[str, Any]]:
    """Every rep (id, name, active), for the export's picker."""
    r = schema.reps
    stmt = sa.select(r.c.id, r.c.name, r.c.active).order_by(r.c.id)
    return [dict(row) for row in conn.execute(stmt).mappings()]

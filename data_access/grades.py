"""Grades (contract §5 regrade): the customers with their order amount in cents over a window,
the conditional grade updates of an applied regrade, grade locks, and the grade history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.frames import chunks
from data_access.scope import (
    Scope,
    customer_home_conditions,
    customer_home_region,
    customers_with_owner,
)

c = schema.customers
v = schema.visits
o = schema.orders
gh = schema.customer_grade_history

# A constant shared by every process: serialises applied regrades on PostgreSQL.
_REGRADE_LOCK = 724_311_016


def fetch_regrade_input(
    conn: Connection, *, scope: Scope, start: date, end: date, region: str | None = None
) -> list[dict[str, Any]]:
    """The active customers of the scope (and region) with a home region: id, name, region_id,
    grade, grade_locked and amount_cents, the sum of their orders whose visit's local date lies
    in [start, end] (0 without orders)."""
    amounts = (
        sa.select(
            v.c.customer_id,
            sa.func.sum(sa.func.round(o.c.amount * 100)).label("cents"),
        )
        .select_from(o.join(v, v.c.id == o.c.visit_id))
        .where(v.c.local_date.between(start, end))
        .group_by(v.c.customer_id)
        .subquery("amounts")
    )
    home = customer_home_region()
    stmt = (
        sa.select(
            c.c.id,
            c.c.name,
            home.label("region_id"),
            c.c.grade,
            c.c.grade_locked,
            sa.func.coalesce(amounts.c.cents, 0).label("amount_cents"),
        )
        .select_from(customers_with_owner().outerjoin(amounts, amounts.c.customer_id == c.c.id))
        .where(
            c.c.active.is_(True), home.is_not(None), *customer_home_conditions(scope, region=region)
        )
        .order_by(c.c.id)
    )
    rows = []
    for row in conn.execute(stmt).mappings():
        item = dict(row)
        item["amount_cents"] = round(float(item["amount_cents"] or 0))
        rows.append(item)
    return rows


def region_exists(conn: Connection, region_id: str) -> bool:
    """Whether a region of that id is stored."""
    rg = schema.regions
    return conn.execute(sa.select(rg.c.id).where(rg.c.id == region_id)).first() is not None


def serialise_regrades(conn: Connection) -> None:
    """Hold the regrade lock until the transaction ends (PostgreSQL; SQLite writes one at a
    time by nature), so a second admin's apply computes on the first one's result."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REGRADE_LOCK})


def set_grades(conn: Connection, moves: Sequence[Mapping[str, Any]], *, now: datetime) -> list[str]:
    """Set each move's customer (``customer_id``) from ``before`` to ``after`` where it still
    has ``before`` and is not locked; return the ids changed (a customer another transaction
    changed first is left alone)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for move in moves:
        groups.setdefault((move["before"], move["after"]), []).append(move["customer_id"])
    changed: list[str] = []
    for (before, after), ids in sorted(groups.items()):
        for chunk in chunks(sorted(ids), 5000):
            result = conn.execute(
                c.update()
                .where(c.c.id.in_(chunk), c.c.grade == before, c.c.grade_locked.is_(False))
                .values(grade=after, updated_at=now)
                .returning(c.c.id)
            )
            changed += [row[0] for row in result]
    return sorted(changed)


def fetch_grade_state(
    conn: Connection, *, customer_id: str, scope: Scope, lock: bool = False
) -> dict[str, Any] | None:
    """A customer of the scope: id, name, grade, grade_locked, locked_by, locked_at,
    lock_reason, region_id; None when unknown or outside the scope."""
    stmt = (
        sa.select(
            c.c.id,
            c.c.name,
            c.c.grade,
            c.c.grade_locked,
            c.c.locked_by,
            c.c.locked_at,
            c.c.lock_reason,
            customer_home_region().label("region_id"),
        )
        .select_from(customers_with_owner())
        .where(c.c.id == customer_id, *customer_home_conditions(scope))
    )
    if lock:
        stmt = stmt.with_for_update(of=c)
    row = conn.execute(stmt).mappings().first()
    return None if row is None else dict(row)


def set_lock(
    conn: Connection,
    *,
    customer_id: str,
    locked: bool,
    by: str | None,
    reason: str | None,
    now: datetime,
) -> bool:
    """Lock or unlock a customer's grade; return whether the lock state changed."""
    result = conn.execute(
        c.update()
        .where(c.c.id == customer_id, c.c.grade_locked.is_(not locked))
        .values(
            grade_locked=locked,
            locked_by=by if locked else None,
            locked_at=now if locked else None,
            lock_reason=reason if locked else None,
            updated_at=now,
        )
    )
    return result.rowcount == 1


def fetch_customer_grades(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """customer id → its stored grade, for the stored ones among ``ids``."""
    out: dict[str, str] = {}
    for chunk in chunks(sorted(set(ids)), 5000):
        stmt = sa.select(c.c.id, c.c.grade).where(c.c.id.in_(chunk))
        out.update({row.id: row.grade for row in conn.execute(stmt)})
    return out


def add_grade_history(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append grade-history rows (customer_id, old_grade, new_grade, changed_at, changed_by,
    reason, source, and ``locked`` for source "lock")."""
    for chunk in chunks([{"locked": None, **row} for row in rows], 1000):
        conn.execute(gh.insert(), list(chunk))


def fetch_grade_history(
    conn: Connection, *, customer_id: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Grade-history rows, newest first (one customer's, or every customer's)."""
    stmt = sa.select(gh).order_by(gh.c.changed_at.desc(), gh.c.id.desc()).limit(limit)
    if customer_id is not None:
        stmt = stmt.where(gh.c.customer_id == customer_id)
    return [dict(row) for row in conn.execute(stmt).mappings()]

"""Grades (contract §5 regrade): the what-if of a regrade in the caller's scope, its application
by an admin (one transaction, audited, a grade-history row per change, once when two admins
apply at the same time), and the grade lock a manager (own regions) or an admin sets with a
reason. The ranking itself is the pure ``dashboard.grades``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from dashboard import grades as core
from dashboard.grades import GradeError, RegradeConfig, WhatIf
from data_access import alerts as alert_store
from data_access import grades as store
from data_access.scope import Scope

APPLY_ROLES = ("admin",)
LOCK_ROLES = ("manager", "admin")
SUBJECT_REGRADE = "regrade"
SUBJECT_CUSTOMER = "customer"


class GradeNotAllowed(GradeError):
    """The caller's role or scope may not do this; nothing changed."""


class GradeCustomerNotFound(LookupError):
    """No such customer in the caller's scope (unknown and out-of-scope ids alike)."""


def _read(
    conn: Any, scope: Scope, *, today: date, region: str | None, config: RegradeConfig
) -> WhatIf:
    if region is not None and not store.region_exists(conn, region):
        raise GradeError(f"region: unknown region {region!r}")
    start, end = config.window(today)
    rows = store.fetch_regrade_input(conn, scope=scope, start=start, end=end, region=region)
    return core.what_if(core.amounts_from(rows), today=today, config=config)


def what_if(
    engine: Engine,
    scope: Scope,
    *,
    today: date,
    region: str | None = None,
    config: RegradeConfig | None = None,
) -> WhatIf:
    """The regrade of the scope's regions (or one region) on local date ``today``, changing
    nothing: every customer's outcome, the moves per region and the shares per grade."""
    with engine.connect() as conn:
        return _read(conn, scope, today=today, region=region, config=config or RegradeConfig())


@dataclass(frozen=True)
class Applied:
    """An applied regrade: the what-if it computed and the customers whose grade it changed."""

    plan: WhatIf
    changed: list[core.Regraded]

    def summary(self) -> dict[str, Any]:
        return {**self.plan.summary(), "applied": len(self.changed)}


def _actor(by: str) -> str:
    if not by or not str(by).strip():
        raise GradeError("by: the name of who acts is required")
    return str(by).strip()[:64]


def apply_regrade(
    engine: Engine,
    scope: Scope,
    *,
    role: str,
    by: str,
    reason: str,
    today: date,
    now: datetime,
    region: str | None = None,
    config: RegradeConfig | None = None,
    expect: str | None = None,
) -> Applied:
    """Apply the regrade (admin only) in one transaction: recompute it under the regrade lock,
    set each moving customer's grade where it still has the grade the regrade started from,
    and write a grade-history row per change and one audit event. A second apply at the same
    time waits, then finds nothing left to move. ``expect``: the fingerprint of the what-if
    the caller was shown; when the recomputed one differs, StalePlan and nothing changes."""
    if role not in APPLY_ROLES:
        raise GradeNotAllowed(f"role: {role} may not apply a regrade (admin only)")
    if scope.read_only:
        raise GradeNotAllowed("scope: a read-only user cannot apply a regrade")
    actor, why = _actor(by), core.clean_reason(reason)
    config = config or RegradeConfig()
    with engine.begin() as conn:
        store.serialise_regrades(conn)
        plan = _read(conn, scope, today=today, region=region, config=config)
        if expect is not None and plan.fingerprint() != expect:
            raise core.StalePlan("what-if: it changed since it was shown; review it again")
        moving = {r.customer_id: r for r in plan.changes}
        changed_ids = store.set_grades(
            conn,
            [
                {"customer_id": r.customer_id, "before": r.before, "after": r.after}
                for r in moving.values()
            ],
            now=now,
        )
        changed = [moving[cid] for cid in changed_ids]
        store.add_grade_history(conn, core.history_rows(changed, at=now, by=actor, why=why))
        alert_store.insert_status_event(
            conn,
            subject_kind=SUBJECT_REGRADE,
            subject_id=region or "*",
            at=now,
            actor=actor,
            action="apply",
            from_status=None,
            to_status=None,
            assigned_to=None,
            note=json.dumps(
                {
                    "reason": why,
                    "today": today.isoformat(),
                    "changed": len(changed),
                    "moves": core.moves_per_region(changed),
                },
                ensure_ascii=False,
            ),
        )
    return Applied(plan, changed)


def set_grade_lock(
    engine: Engine,
    scope: Scope,
    *,
    role: str,
    by: str,
    customer_id: str,
    locked: bool,
    reason: str,
    now: datetime,
) -> bool:
    """Lock (or unlock) a customer's grade with a required reason: a manager in their regions,
    an admin anywhere. Writes a grade-history row (source "lock") and an audit event; return
    whether the lock state changed (locking a locked grade changes nothing)."""
    if role not in LOCK_ROLES:
        raise GradeNotAllowed(f"role: {role} may not lock grades (managers and admins)")
    if scope.read_only:
        raise GradeNotAllowed("scope: a read-only user cannot lock grades")
    actor, why = _actor(by), core.clean_reason(reason)
    with engine.begin() as conn:
        state = store.fetch_grade_state(conn, customer_id=customer_id, scope=scope, lock=True)
        if state is None:
            raise GradeCustomerNotFound(f"customer: {customer_id!r} not found")
        if not store.set_lock(
            conn, customer_id=customer_id, locked=locked, by=actor, reason=why, now=now
        ):
            return False
        store.add_grade_history(
            conn,
            [
                {
                    "customer_id": customer_id,
                    "old_grade": state["grade"],
                    "new_grade": state["grade"],
                    "changed_at": now,
                    "changed_by": actor,
                    "reason": why,
                    "source": "lock",
                    "locked": locked,
                }
            ],
        )
        alert_store.insert_status_event(
            conn,
            subject_kind=SUBJECT_CUSTOMER,
            subject_id=customer_id,
            at=now,
            actor=actor,
            action="lock_grade" if locked else "unlock_grade",
            from_status="unlocked" if locked else "locked",
            to_status="locked" if locked else "unlocked",
            assigned_to=None,
            note=why,
        )
    return True


def grade_card(engine: Engine, scope: Scope, *, customer_id: str) -> dict[str, Any]:
    """A customer's grade, lock (who, when, why) and grade history (newest first)."""
    with engine.connect() as conn:
        state = store.fetch_grade_state(conn, customer_id=customer_id, scope=scope)
        if state is None:
            raise GradeCustomerNotFound(f"customer: {customer_id!r} not found")
        state["history"] = store.fetch_grade_history(conn, customer_id=customer_id)
    return state

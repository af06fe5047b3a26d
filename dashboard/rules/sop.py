"""SOP_INCOMPLETE (contract §7), pure: one low-severity alert per effective visit missing at
least one required step of the template version it used, with the evidence
``{"template", "version", "missing": [codes], "late": [codes]}``.

A required step recorded only before the check-in or after the check-out is ``late`` and counts
as not done. A step recorded with ``ok: false`` (``failed``) was carried out: it lowers the SOP
completion KPI but is an outcome of the step, not a skipped step, so it raises no alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from dashboard.rules import Alert
from dashboard.sop import StepRecord, required_not_done, step_outcomes

RULE = "SOP_INCOMPLETE"


@dataclass(frozen=True)
class SopVisit:
    """One visit as the rule sees it: who, where, when, its template version and its steps."""

    id: str
    rep_id: str
    customer_id: str
    local_date: date
    checkin_s: float
    checkout_s: float | None
    effective: bool
    template_id: str
    template_name: str
    version: int
    steps: Sequence[Mapping[str, Any]]
    records: tuple[StepRecord, ...] = ()


def find_sop_incomplete(visits: Iterable[SopVisit]) -> list[Alert]:
    """The SOP_INCOMPLETE alerts of the effective visits among ``visits``, by id."""
    alerts = []
    for visit in visits:
        if not visit.effective:
            continue
        outcomes = step_outcomes(
            [s["code"] for s in visit.steps],
            visit.records,
            checkin_s=visit.checkin_s,
            checkout_s=visit.checkout_s,
        )
        missing, late = required_not_done(visit.steps, outcomes)
        if not missing and not late:
            continue
        n_required = sum(1 for s in visit.steps if s["required"])
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if late:
            parts.append("late " + ", ".join(late))
        alerts.append(
            Alert(
                id=f"{RULE}:{visit.id}",
                rule=RULE,
                rep_id=visit.rep_id,
                ts=datetime.fromtimestamp(visit.checkin_s, UTC),
                local_date=visit.local_date,
                summary=(
                    f"{visit.template_name} v{visit.version}: "
                    f"{len(missing) + len(late)} of {n_required} required steps not done "
                    f"({'; '.join(parts)})"
                ),
                evidence={
                    "template": visit.template_id,
                    "version": visit.version,
                    "missing": missing,
                    "late": late,
                },
                visit_id=visit.id,
                customer_id=visit.customer_id,
            )
        )
    return sorted(alerts, key=lambda a: a.id)

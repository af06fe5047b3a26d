"""Visit frequency of customers (contract §5): the rules per grade, and whether a customer is on
rhythm, due, overdue or never visited on a local date.

Pure: dates in, words out. A customer of a grade needs ``visits_per_28d`` effective visits per
28 days; the interval between visits is 28 ÷ that, in days (A 7, B 14, C 28 by default). On
local date D it is *due* when D ≥ last effective visit + interval, *overdue* when D > last +
interval + grace, and *never* when it has no effective visit at all (``due_dates`` then counts
from its ``created`` date, else the date it was first stored, for tasks and alerts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dashboard.kpis import FrequencyRules
from dashboard.thresholds import section_values

WINDOW_DAYS = 28
STATUSES = ("on_rhythm", "due", "overdue", "never")
GRADES = ("A", "B", "C")


@dataclass(frozen=True)
class FrequencyConfig:
    """Effective visits required per 28 days by grade, and the grace in days."""

    visits_per_28d_a: int = 4
    visits_per_28d_b: int = 2
    visits_per_28d_c: int = 1
    frequency_grace_days: int = 3

    def __post_init__(self) -> None:
        for grade in GRADES:
            if self.required(grade) < 1:
                raise ValueError(f"visits_per_28d_{grade.lower()}: must be at least 1")
        if self.frequency_grace_days < 0:
            raise ValueError("frequency_grace_days: must not be negative")

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> FrequencyConfig:
        """Build from stored settings (keys of other sections are ignored)."""
        return cls(**section_values(values, "customers"))

    def required(self, grade: str) -> int:
        """Effective visits a customer of ``grade`` needs per 28 days."""
        if grade not in GRADES:
            raise ValueError(f"grade: {grade!r} is not one of {', '.join(GRADES)}")
        return int(getattr(self, f"visits_per_28d_{grade.lower()}"))

    def interval_days(self, grade: str) -> float:
        """Days between two visits a customer of ``grade`` should get (28 ÷ required)."""
        return WINDOW_DAYS / self.required(grade)

    def rules(self) -> FrequencyRules:
        """The same rules as the KPI layer's frequency compliance reads them."""
        return FrequencyRules(
            **{grade: (self.required(grade), WINDOW_DAYS) for grade in GRADES}  # type: ignore[arg-type]
        )

    def due_after_days(self, grade: str) -> int:
        """Whole days after the last visit from which the customer is due."""
        return math.ceil(self.interval_days(grade) - 1e-9)

    def overdue_after_days(self, grade: str) -> int:
        """Whole days after the last visit from which the customer is overdue (strictly more
        than interval + grace)."""
        return math.floor(self.interval_days(grade) + self.frequency_grace_days + 1e-9) + 1

    def cutoffs(self, today: date) -> dict[str, tuple[date, date]]:
        """grade → (due cut-off, overdue cut-off) on ``today``: a last visit on or before the
        first is due, on or before the second overdue (for filtering in SQL)."""
        return {
            grade: (
                today - timedelta(days=self.due_after_days(grade)),
                today - timedelta(days=self.overdue_after_days(grade)),
            )
            for grade in GRADES
        }


def due_dates(base: date, grade: str, config: FrequencyConfig) -> tuple[date, date]:
    """(first due date, first overdue date) counted from ``base`` (the last effective visit,
    else the customer's created or first stored date)."""
    return (
        base + timedelta(days=config.due_after_days(grade)),
        base + timedelta(days=config.overdue_after_days(grade)),
    )


def visit_status(last_visit: date | None, grade: str, today: date, config: FrequencyConfig) -> str:
    """on_rhythm, due, overdue or never, on local date ``today``."""
    if last_visit is None:
        return "never"
    due_on, overdue_on = due_dates(last_visit, grade, config)
    if today >= overdue_on:
        return "overdue"
    if today >= due_on:
        return "due"
    return "on_rhythm"

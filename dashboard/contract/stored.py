"""The contract's rules that need stored data: work hours (the privacy rule), the geofence
limit of a check-in, the local date of an instant."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dashboard import thresholds
from dashboard.contract.values import (
    PRIVACY_MARGIN,
    zone,
)

# ------------------------------------------------------------------ rules that need stored data


def work_hours_window(
    work_start: str, work_end: str, margin: timedelta = PRIVACY_MARGIN
) -> tuple[time, time]:
    """Return the local times of day between which fixes are kept (work hours ± margin)."""
    day = datetime(2000, 1, 1)
    start = datetime.combine(day, time.fromisoformat(work_start)) - margin
    end = datetime.combine(day, time.fromisoformat(work_end)) + margin
    low = start.time() if start.date() == day.date() else time.min
    high = end.time() if end.date() == day.date() else time.max
    return low, high


def within_work_hours(
    ts: datetime,
    timezone: str,
    work_start: str,
    work_end: str,
    margin: timedelta = PRIVACY_MARGIN,
) -> bool:
    """Tell whether an aware instant falls inside the work hours (±margin) of its local day."""
    low, high = work_hours_window(work_start, work_end, margin)
    return low <= ts.astimezone(zone(timezone)).time() <= high


def geofence_limit_m(
    geofence_m: float,
    accuracy_m: float,
    cap_m: float = thresholds.default("accuracy_allowance_cap_m"),
) -> float:
    """Return how far a check-in may lie from its customer: geofence + min(accuracy, cap), the
    cap 100 m by default (GEOFENCE_MISS, contract §2)."""
    return geofence_m + min(accuracy_m, cap_m)


def local_date(ts: datetime, timezone: str) -> date:
    """Return the calendar date of an aware instant in a time zone."""
    return ts.astimezone(zone(timezone)).date()

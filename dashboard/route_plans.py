"""Suggested plans (contract §6), pure: rank a rep's due customers, find the usual start
point, route the day and shape the suggestion and its ``plan`` record.

- Candidates: the rep's open visit tasks when there are any, else the due list (customers due
  on the date by their rhythm); ranked A first, then most overdue, then by id.
- Start point: the median of the rep's first fixes over the last 20 working days (else the
  median of the candidates, said so in ``start.source``).
- The day: ``dashboard.route_solver`` over haversine x detour distances at the average speed,
  service minutes per grade, the rep's work hours and the customers' optional opening hours,
  at most ``max_visits_per_day`` stops. Every candidate left out is listed with its reason.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dashboard import route_solver as solver
from dashboard.thresholds import section_values

START_DAYS = 20  # working days of first fixes the start point is the median of
PLAN_ID_PREFIX = "sug"
EXPORT_FIELDS = ("id", "rep_id", "date", "customer_ids", "source", "km_planned")

REASON_TEXT = {
    solver.REASON_UNREACHABLE: "cannot be served within its opening hours and the work hours",
    solver.REASON_MAX_STOPS: "the day already holds max_visits_per_day stops",
    solver.REASON_NO_TIME: "does not fit the work hours beside the higher-ranked stops",
    "removed": "removed by the reviewer",
}
REASON_REMOVED = "removed"


@dataclass(frozen=True)
class PlanConfig:
    """The ``plans`` settings (contract §6 defaults)."""

    max_visits_per_day: int = 8
    avg_speed_kmh: float = 30.0
    service_min_a: int = 45
    service_min_b: int = 30
    service_min_c: int = 20
    detour_factor: float = 1.3

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> PlanConfig:
        """Build from stored settings (keys of other sections are ignored)."""
        return cls(**section_values(values, "plans"))

    def service_s(self, grade: str) -> int:
        minutes = {"A": self.service_min_a, "B": self.service_min_b, "C": self.service_min_c}
        if grade not in minutes:
            raise ValueError(f"grade: {grade!r} is not one of A, B, C")
        return int(minutes[grade]) * 60


@dataclass(frozen=True)
class Candidate:
    """A customer the rep should visit: due since ``due``."""

    customer_id: str
    name: str
    grade: str
    lat: float
    lon: float
    due: date
    open: str | None = None
    close: str | None = None


@dataclass(frozen=True)
class RepDay:
    rep_id: str
    date: date
    work_start: str
    work_end: str


def hhmm_s(value: str) -> int:
    """Seconds after midnight of an ``HH:MM`` time."""
    hours, minutes = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def s_hhmm(seconds: float) -> str:
    """``HH:MM`` of seconds after midnight (rounded to the minute; past midnight as 24:xx)."""
    total = round(seconds / 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def days_late(candidate: Candidate, on: date) -> int:
    return (on - candidate.due).days


def rank(candidates: Sequence[Candidate], on: date) -> list[Candidate]:
    """A first, then the most overdue (the earliest due date), then by id."""
    return sorted(candidates, key=lambda c: (c.grade != "A", -days_late(c, on), c.customer_id))


def start_point(
    first_fixes: Sequence[tuple[float, float]], candidates: Sequence[Candidate]
) -> dict[str, Any] | None:
    """The median of the first fixes (else of the candidates); None with neither."""
    if first_fixes:
        pts, source = first_fixes, "first_fixes"
    elif candidates:
        pts, source = [(c.lat, c.lon) for c in candidates], "customers"
    else:
        return None
    return {
        "lat": statistics.median(p[0] for p in pts),
        "lon": statistics.median(p[1] for p in pts),
        "source": source,
        "days": len(first_fixes),
    }


def plan_id(rep_id: str, on: date) -> str:
    return f"{PLAN_ID_PREFIX}:{rep_id}:{on.isoformat()}"


def _problem(
    day: RepDay, ranked: Sequence[Candidate], start: dict[str, Any], config: PlanConfig
) -> solver.RouteProblem:
    """The routing problem of a rep-day over ``ranked`` (stop i = ranked[i])."""
    points = [(start["lat"], start["lon"]), *[(c.lat, c.lon) for c in ranked]]
    km, sec = solver.matrices_from_points(
        points, speed_kmh=config.avg_speed_kmh, detour_factor=config.detour_factor
    )
    stops = tuple(
        solver.Stop(
            service_s=config.service_s(c.grade),
            open_s=hhmm_s(c.open) if c.open else None,
            close_s=hhmm_s(c.close) if c.close else None,
        )
        for c in ranked
    )
    return solver.RouteProblem(
        km,
        sec,
        stops,
        hhmm_s(day.work_start),
        hhmm_s(day.work_end),
        config.max_visits_per_day,
    )


def _stop_rows(
    ranked: Sequence[Candidate], visits: Sequence[solver.ScheduledStop], on: date
) -> list[dict[str, Any]]:
    out = []
    for v in visits:
        c = ranked[v.index]
        out.append(
            {
                "customer_id": c.customer_id,
                "name": c.name,
                "grade": c.grade,
                "lat": c.lat,
                "lon": c.lon,
                "due": c.due.isoformat(),
                "days_late": days_late(c, on),
                "arrive": s_hhmm(v.arrival_s),
                "start": s_hhmm(v.start_s),
                "end": s_hhmm(v.end_s),
                "km_from_previous": round(v.km_from_previous, 2),
            }
        )
    return out


def suggest(
    day: RepDay,
    candidates: Sequence[Candidate],
    start: dict[str, Any] | None,
    config: PlanConfig,
    *,
    candidate_source: str,
    backend: str = "auto",
) -> dict[str, Any]:
    """The suggestion for one rep-day (JSON-ready)."""
    ranked = rank(candidates, day.date)
    base: dict[str, Any] = {
        "id": plan_id(day.rep_id, day.date),
        "rep_id": day.rep_id,
        "date": day.date.isoformat(),
        "work_start": day.work_start,
        "work_end": day.work_end,
        "candidates_from": candidate_source,
        "start": start,
    }
    if not ranked or start is None:
        return {
            **base,
            "customer_ids": [],
            "stops": [],
            "left_out": [],
            "km_planned": 0.0,
            "drive_min": 0,
            "service_min": 0,
            "backend": None,
        }
    problem = _problem(day, ranked, start, config)
    result = solver.solve_route(problem, backend=backend)
    out_stops = _stop_rows(ranked, result.visits, day.date)
    left_out = [
        {
            "customer_id": ranked[u.index].customer_id,
            "name": ranked[u.index].name,
            "grade": ranked[u.index].grade,
            "due": ranked[u.index].due.isoformat(),
            "reason": u.reason,
            "detail": REASON_TEXT[u.reason],
        }
        for u in result.unvisited
    ]
    return {
        **base,
        "customer_ids": [s["customer_id"] for s in out_stops],
        "stops": out_stops,
        "left_out": left_out,
        "km_planned": round(result.km, 2),
        "drive_min": round(result.drive_s / 60),
        "service_min": sum(problem.stops[v.index].service_s for v in result.visits) // 60,
        "backend": result.backend,
    }


def left_out_row(candidate: Candidate, reason: str) -> dict[str, Any]:
    """One left-out customer of a suggestion, with its reason."""
    return {
        "customer_id": candidate.customer_id,
        "name": candidate.name,
        "grade": candidate.grade,
        "due": candidate.due.isoformat(),
        "reason": reason,
        "detail": REASON_TEXT[reason],
    }


def evaluate(
    day: RepDay,
    ordered: Sequence[Candidate],
    start: dict[str, Any],
    config: PlanConfig,
    *,
    candidate_source: str,
    left_out: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A reviewer's edited day, stops kept in exactly the order given: the suggestion's shape
    (km, times) plus whether it still fits: ``fits`` is False when a stop would end after its
    closing time or the work hours (``late``: those customer ids) or the day holds more than
    ``max_visits_per_day`` stops (``over_max``)."""
    problem = _problem(day, ordered, start, config)
    result, late = solver.check_order(problem, range(len(ordered)))
    stops = _stop_rows(ordered, result.visits, day.date)
    over_max = len(ordered) > config.max_visits_per_day
    return {
        "id": plan_id(day.rep_id, day.date),
        "rep_id": day.rep_id,
        "date": day.date.isoformat(),
        "work_start": day.work_start,
        "work_end": day.work_end,
        "candidates_from": candidate_source,
        "start": start,
        "customer_ids": [s["customer_id"] for s in stops],
        "stops": stops,
        "left_out": list(left_out),
        "km_planned": round(result.km, 2),
        "drive_min": round(result.drive_s / 60),
        "service_min": sum(st.service_s for st in problem.stops) // 60,
        "backend": result.backend,
        "late": [ordered[i].customer_id for i in late],
        "over_max": over_max,
        "max_visits_per_day": config.max_visits_per_day,
        "fits": not late and not over_max,
    }


def next_working_day(today: date) -> date:
    """The next Monday-to-Friday date after ``today``."""
    out = today + timedelta(days=1)
    while out.weekday() >= 5:
        out += timedelta(days=1)
    return out


def plan_record(suggestion: dict[str, Any]) -> dict[str, Any]:
    """The ``plan`` wire record (contract §1) that publishes a suggestion."""
    return {
        "type": "plan",
        "id": suggestion["id"],
        "rep_id": suggestion["rep_id"],
        "date": suggestion["date"],
        "customer_ids": list(suggestion["customer_ids"]),
        "source": "suggested",
        "km_planned": suggestion["km_planned"],
    }

"""Plan vs actual and route efficiency of a rep-day (contract §6); pure core, no I/O, no clock.

- ``match_plan``: the planned stops (in order) matched to the rep's EFFECTIVE visits of the same
  customer on the plan's date (contract §5 effective visit): ``done_in_order`` (part of the
  longest run of done stops whose first visits follow the plan's order), ``done_out_of_order``,
  ``missed``; the rep's visits of that date to customers not in the plan are ``unplanned``.
  Adherence = planned stops done ÷ planned stops (the plan adherence KPI; None without a plan).
  A visit by another rep, on another date, or not effective, never marks a stop done.
- ``route_efficiency``: driven km (the day's trips) ÷ km of the shortest open route over the
  customers visited that day, starting at the first one (straight-line distances, detour
  factor 1.0); at least 1.0 (higher means detours), or undefined with a reason.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from dashboard.routing import shortest_path_km, shortest_path_order

DONE_IN_ORDER = "done_in_order"
DONE_OUT_OF_ORDER = "done_out_of_order"
MISSED = "missed"
STOP_STATUSES = (DONE_IN_ORDER, DONE_OUT_OF_ORDER, MISSED)

# Why a rep-day has no route efficiency.
FEW_STOPS = "few_stops"  # fewer than two customers visited: no route to compare
NO_TRIPS = "no_trips"  # no driven km (no track, or no trip between stops)
SAME_PLACE = "same_place"  # the visited customers share one spot: the shortest route is 0 km
EFFICIENCY_REASONS = (FEW_STOPS, NO_TRIPS, SAME_PLACE)
# Straight-line distances (contract §6): no detour factor.
STRAIGHT_LINE = 1.0
# A shortest route below this many km is no route (customers at one address).
MIN_ROUTE_KM = 0.001


@dataclass(frozen=True)
class DayVisit:
    """A check-in as plan vs actual needs it: who, which customer, when, and whether effective."""

    visit_id: str
    rep_id: str
    customer_id: str
    local_date: date
    ts: datetime
    effective: bool


@dataclass(frozen=True)
class StopOutcome:
    """One planned stop: its 1-based place in the plan, its status and the visit that did it."""

    seq: int
    customer_id: str
    status: str
    visit_id: str | None = None
    ts: datetime | None = None


@dataclass(frozen=True)
class PlanMatch:
    """A rep-day's plan against the day: the stops in plan order and the unplanned visits."""

    stops: tuple[StopOutcome, ...]
    unplanned: tuple[DayVisit, ...]

    @property
    def planned(self) -> int:
        return len(self.stops)

    @property
    def done(self) -> int:
        return sum(1 for s in self.stops if s.status != MISSED)

    @property
    def in_order(self) -> int:
        return sum(1 for s in self.stops if s.status == DONE_IN_ORDER)

    @property
    def out_of_order(self) -> int:
        return sum(1 for s in self.stops if s.status == DONE_OUT_OF_ORDER)

    @property
    def missed(self) -> int:
        return sum(1 for s in self.stops if s.status == MISSED)

    @property
    def adherence(self) -> float | None:
        """Planned stops done ÷ planned stops; None when nothing was planned."""
        return self.done / self.planned if self.stops else None


def _longest_increasing(keys: Sequence[tuple[datetime, str]]) -> set[int]:
    """Indices of one longest strictly increasing subsequence of ``keys`` (earliest on ties)."""
    tails: list[tuple[datetime, str]] = []
    tail_at: list[int] = []
    parent = [-1] * len(keys)
    for i, key in enumerate(keys):
        k = bisect.bisect_left(tails, key)
        if k == len(tails):
            tails.append(key)
            tail_at.append(i)
        else:
            tails[k] = key
            tail_at[k] = i
        parent[i] = tail_at[k - 1] if k else -1
    out: set[int] = set()
    i = tail_at[-1] if tail_at else -1
    while i >= 0:
        out.add(i)
        i = parent[i]
    return out


def match_plan(
    rep_id: str, day: date, planned: Sequence[str], visits: Sequence[DayVisit]
) -> PlanMatch:
    """Match the rep's plan of ``day`` (customer ids in order) to the rep's effective visits."""
    mine = sorted(
        (v for v in visits if v.rep_id == rep_id and v.local_date == day),
        key=lambda v: (v.ts, v.visit_id),
    )
    first: dict[str, DayVisit] = {}
    for v in mine:
        if v.effective:
            first.setdefault(v.customer_id, v)
    done_at = [i for i, cid in enumerate(planned) if cid in first]
    keys = [(first[planned[i]].ts, first[planned[i]].visit_id) for i in done_at]
    in_order = {done_at[j] for j in _longest_increasing(keys)}
    stops = []
    for i, cid in enumerate(planned):
        v = first.get(cid)
        if v is None:
            stops.append(StopOutcome(i + 1, cid, MISSED))
        else:
            status = DONE_IN_ORDER if i in in_order else DONE_OUT_OF_ORDER
            stops.append(StopOutcome(i + 1, cid, status, v.visit_id, v.ts))
    wanted = set(planned)
    unplanned = tuple(v for v in mine if v.customer_id not in wanted)
    return PlanMatch(tuple(stops), unplanned)


@dataclass(frozen=True)
class RouteEfficiency:
    """Driven km ÷ shortest km over the same customers (None with a ``reason`` when undefined)."""

    driven_km: float
    shortest_km: float | None
    efficiency: float | None
    reason: str | None


def visited_stops(visits: Sequence[DayVisit]) -> list[str]:
    """The distinct customers of the day's check-ins in the order first visited."""
    return list(
        dict.fromkeys(v.customer_id for v in sorted(visits, key=lambda v: (v.ts, v.visit_id)))
    )


# A period view measures the same rep-days again on every filter change; the exact solver is
# most of its time, and its answer depends on the points alone.
@functools.lru_cache(maxsize=20_000)
def _shortest_km(points: tuple[tuple[float, float], ...]) -> float:
    return shortest_path_km(list(points), detour_factor=STRAIGHT_LINE, start_index=0)


def route_efficiency(
    driven_km: float | None, stops: Sequence[tuple[float, float]]
) -> RouteEfficiency:
    """Route efficiency of a day driven ``driven_km`` over ``stops`` ((lat, lon) of the visited
    customers in the order visited; the first is where the shortest route starts)."""
    driven = float(driven_km or 0.0)
    if driven < 0:
        raise ValueError(f"driven_km: {driven_km!r} must not be negative")
    points = list(dict.fromkeys((float(la), float(lo)) for la, lo in stops))
    if len(points) < 2:
        return RouteEfficiency(driven, None, None, FEW_STOPS)
    shortest = _shortest_km(tuple(points))
    if shortest < MIN_ROUTE_KM:
        return RouteEfficiency(driven, shortest, None, SAME_PLACE)
    if driven <= 0:
        return RouteEfficiency(driven, shortest, None, NO_TRIPS)
    # A track that cuts inside the geofences can come out a little shorter than the
    # customer-to-customer line: the contract's ratio is never below 1.
    return RouteEfficiency(driven, shortest, max(1.0, driven / shortest), None)


def optimal_order(stops: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of ``stops`` in the order of the shortest straight-line route from the first."""
    if len(stops) < 2:
        return list(range(len(stops)))
    return shortest_path_order(list(stops), detour_factor=STRAIGHT_LINE, start_index=0)


@dataclass(frozen=True)
class RolledUp:
    """Plan adherence and route efficiency of several rep-days (a rep's, a team's)."""

    planned: int
    done: int
    adherence: float | None
    driven_km: float
    shortest_km: float
    efficiency: float | None


def roll_up(days: Sequence[tuple[int, int, float, float | None, float | None]]) -> RolledUp:
    """Sum rep-days given as (planned, done, driven_km, shortest_km, efficiency): adherence =
    done ÷ planned; route efficiency = driven ÷ shortest km over the days where it is defined
    (so a day without a route neither helps nor hurts), at least 1.0."""
    planned = sum(d[0] for d in days)
    done = sum(d[1] for d in days)
    measured = [d for d in days if d[4] is not None and d[3]]
    driven = sum(float(d[2]) for d in measured)
    shortest = sum(float(d[3] or 0.0) for d in measured)
    return RolledUp(
        planned,
        done,
        done / planned if planned else None,
        driven,
        shortest,
        max(1.0, driven / shortest) if shortest > 0 else None,
    )

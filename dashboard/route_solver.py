"""Single-vehicle day route with time windows (pure core: no I/O, no clock).

One small interface, ``solve_route(problem, backend=...)``:

- the problem is a distance matrix (km) and a drive-time matrix (s), row/column 0
  being the start point and 1..n the candidate stops, so a road-network matrix can
  be plugged in instead of haversine x detour (see ``matrices_from_points``);
- every stop has a service time and optional opening hours (``open_s``/``close_s``:
  service starts at or after ``open_s`` and ends by ``close_s``);
- the day runs from ``start_s`` to ``end_s`` (the rep's work hours, seconds after
  local midnight); the route is open (it ends at the last stop);
- stops are given in priority order (most important first). The route takes them
  greedily in that order while they fit (and while fewer than ``max_stops`` are
  taken), then orders the taken ones by the shortest route.

Ordering backends: ``"pyvrp"`` (PyVRP's iterated local search; MIT) and
``"fallback"`` (exact branch and bound up to ``EXACT_MAX_STOPS`` stops, nearest
neighbour / cheapest insertion + 2-opt + or-opt above). ``"auto"`` uses PyVRP
when it is importable. Stops left out are returned with a reason, never dropped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from dashboard.routing import DEFAULT_DETOUR_FACTOR, haversine_matrix_km

Matrix = NDArray[np.float64]

EXACT_MAX_STOPS = 8
BACKENDS = ("auto", "pyvrp", "fallback")

# Reasons a stop is left out of the route.
REASON_UNREACHABLE = "unreachable"  # cannot be served within its hours/work hours even alone
REASON_MAX_STOPS = "max_stops"  # the day already holds max_stops stops
REASON_NO_TIME = "no_time"  # does not fit beside the higher-priority stops


def pyvrp_available() -> bool:
    """Return whether the PyVRP backend can be imported."""
    try:
        import pyvrp  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Stop:
    """One candidate stop: service seconds and optional opening hours (s after midnight)."""

    service_s: int
    open_s: int | None = None
    close_s: int | None = None


@dataclass(frozen=True)
class RouteProblem:
    distance_km: Matrix
    duration_s: Matrix
    stops: tuple[Stop, ...]
    start_s: int
    end_s: int
    max_stops: int | None = None

    def __post_init__(self) -> None:
        n = len(self.stops) + 1
        for name in ("distance_km", "duration_s"):
            m = np.asarray(getattr(self, name), dtype=np.float64)
            if m.shape != (n, n):
                raise ValueError(f"{name}: expected a {n}x{n} matrix, got {m.shape}")
            if not np.all(np.isfinite(m)) or np.any(m < 0):
                raise ValueError(f"{name}: every entry must be a finite number >= 0")
            object.__setattr__(self, name, m)
        if self.end_s < self.start_s:
            raise ValueError(f"end_s: {self.end_s} is before start_s {self.start_s}")
        if self.max_stops is not None and self.max_stops < 0:
            raise ValueError(f"max_stops: {self.max_stops} must be >= 0")
        for i, s in enumerate(self.stops):
            if s.service_s < 0:
                raise ValueError(f"stops[{i}].service_s: {s.service_s} must be >= 0")
            if s.open_s is not None and s.close_s is not None and s.close_s < s.open_s:
                raise ValueError(f"stops[{i}].close_s: {s.close_s} is before open_s {s.open_s}")


@dataclass(frozen=True)
class ScheduledStop:
    index: int  # into problem.stops
    arrival_s: int
    start_s: int  # service start (after any wait for the opening time)
    end_s: int
    km_from_previous: float


@dataclass(frozen=True)
class Unvisited:
    index: int
    reason: str


@dataclass(frozen=True)
class RouteResult:
    visits: tuple[ScheduledStop, ...]
    unvisited: tuple[Unvisited, ...]
    km: float
    drive_s: int
    backend: str
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def order(self) -> list[int]:
        return [v.index for v in self.visits]


def matrices_from_points(
    points: Sequence[tuple[float, float]],
    *,
    speed_kmh: float,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> tuple[Matrix, Matrix]:
    """Return (km, seconds) matrices: haversine x detour, driven at ``speed_kmh``."""
    if not speed_kmh or not math.isfinite(speed_kmh) or speed_kmh <= 0:
        raise ValueError(f"speed_kmh: {speed_kmh!r} must be a number > 0")
    km = haversine_matrix_km(points, detour_factor=detour_factor)
    return km, km / float(speed_kmh) * 3600.0


# --------------------------------------------------------------------------
# Schedule evaluation
# --------------------------------------------------------------------------


class _Eval:
    """Fast evaluation of open paths over the problem (nodes: 0 = start, i+1 = stop i)."""

    def __init__(self, p: RouteProblem) -> None:
        self.p = p
        self.d = p.distance_km.tolist()
        self.t = p.duration_s.tolist()
        self.svc = [s.service_s for s in p.stops]
        self.early = [s.open_s if s.open_s is not None else 0 for s in p.stops]
        self.late = [
            min(p.end_s, s.close_s if s.close_s is not None else p.end_s) - s.service_s
            for s in p.stops
        ]

    def feasible(self, order: Sequence[int]) -> bool:
        t = float(self.p.start_s)
        prev = 0
        for i in order:
            node = i + 1
            begin = max(t + self.t[prev][node], self.early[i])
            if begin > self.late[i] + 1e-6:
                return False
            t = begin + self.svc[i]
            prev = node
        return True

    def km(self, order: Sequence[int]) -> float:
        total = 0.0
        prev = 0
        for i in order:
            total += self.d[prev][i + 1]
            prev = i + 1
        return total

    def alone_feasible(self, i: int) -> bool:
        return self.feasible([i])

    def schedule(self, order: Sequence[int]) -> list[ScheduledStop]:
        out: list[ScheduledStop] = []
        t = float(self.p.start_s)
        prev = 0
        for i in order:
            node = i + 1
            arrival = t + self.t[prev][node]
            begin = max(arrival, self.early[i])
            t = begin + self.svc[i]
            out.append(
                ScheduledStop(
                    index=i,
                    arrival_s=round(arrival),
                    start_s=round(begin),
                    end_s=round(t),
                    km_from_previous=self.d[prev][node],
                )
            )
            prev = node
        return out

    def drive_s(self, order: Sequence[int]) -> float:
        total = 0.0
        prev = 0
        for i in order:
            total += self.t[prev][i + 1]
            prev = i + 1
        return total


# --------------------------------------------------------------------------
# Fallback ordering
# --------------------------------------------------------------------------


def _exact(ev: _Eval, stops: Sequence[int]) -> list[int] | None:
    """Branch and bound over every order of ``stops``: the shortest feasible one."""
    best: list[float] = [math.inf]
    best_order: list[list[int]] = [[]]
    d = ev.d
    tt = ev.t
    n = len(stops)
    # Lower bound on the rest: every unvisited stop needs at least its cheapest inbound edge.
    nodes = [0, *[s + 1 for s in stops]]
    min_in = {s: min(d[a][s + 1] for a in nodes if a != s + 1) for s in stops}

    def dfs(path: list[int], left: set[int], km: float, t: float, prev: int) -> None:
        if len(path) == n:
            if km < best[0] - 1e-12:
                best[0] = km
                best_order[0] = list(path)
            return
        if km + sum(min_in[s] for s in left) >= best[0] - 1e-12:
            return
        for s in sorted(left, key=lambda x: d[prev][x + 1]):
            node = s + 1
            begin = max(t + tt[prev][node], ev.early[s])
            if begin > ev.late[s] + 1e-6:
                continue
            path.append(s)
            left.discard(s)
            dfs(path, left, km + d[prev][node], begin + ev.svc[s], node)
            left.add(s)
            path.pop()

    dfs([], set(stops), 0.0, float(ev.p.start_s), 0)
    return best_order[0] if best[0] < math.inf else None


def _local_search(ev: _Eval, order: list[int], deadline: float) -> list[int]:
    """2-opt + or-opt on the open path, keeping every time window; shortest km wins."""
    order = list(order)
    n = len(order)
    if n < 2:
        return order
    best = ev.km(order)
    eps = 1e-9
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for i in range(n - 1):
            for j in range(i + 1, n):
                cand = order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
                km = ev.km(cand)
                if km < best - eps and ev.feasible(cand):
                    order, best, improved = cand, km, True
        for seg in (1, 2, 3):
            i = 0
            while i + seg <= n:
                segment = order[i : i + seg]
                rest = order[:i] + order[i + seg :]
                moved = False
                for pos in range(len(rest) + 1):
                    if pos == i:
                        continue
                    for piece in (segment, segment[::-1]) if seg > 1 else (segment,):
                        cand = rest[:pos] + piece + rest[pos:]
                        km = ev.km(cand)
                        if km < best - eps and ev.feasible(cand):
                            order, best, improved, moved = cand, km, True, True
                            break
                    if moved:
                        break
                if not moved:
                    i += 1
    return order


def _best_insertion(ev: _Eval, order: list[int], s: int) -> list[int] | None:
    best_km = math.inf
    best: list[int] | None = None
    for pos in range(len(order) + 1):
        cand = [*order[:pos], s, *order[pos:]]
        km = ev.km(cand)
        if km < best_km and ev.feasible(cand):
            best_km, best = km, cand
    return best


def _fallback_order(ev: _Eval, stops: Sequence[int], seed: list[int], deadline: float) -> list[int]:
    if len(stops) <= EXACT_MAX_STOPS:
        exact = _exact(ev, stops)
        if exact is not None:
            return exact
    candidates = [seed]
    # Nearest neighbour (feasible next stop nearest to the current one).
    left = set(stops)
    nn: list[int] = []
    while left:
        feasible = [s for s in left if ev.feasible([*nn, s])]
        if not feasible:
            break
        prev = nn[-1] + 1 if nn else 0
        nxt = min(feasible, key=lambda x: (ev.d[prev][x + 1], x))
        nn.append(nxt)
        left.discard(nxt)
    if not left:
        candidates.append(nn)
    improved = [_local_search(ev, c, deadline) for c in candidates]
    return min(improved, key=ev.km)


# --------------------------------------------------------------------------
# PyVRP ordering
# --------------------------------------------------------------------------


def _pyvrp_order(
    ev: _Eval, stops: Sequence[int], time_limit_s: float, seed: int, patience: int | None
) -> list[int] | None:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

    p = ev.p
    m = Model()
    locs = [m.add_location(x=0.0, y=0.0) for _ in range(len(stops) + 1)]
    depot = m.add_depot(locs[0], tw_early=p.start_s, tw_late=p.end_s)
    for loc, s in zip(locs[1:], stops, strict=True):
        m.add_client(
            loc,
            service_duration=int(ev.svc[s]),
            tw_early=int(ev.early[s]),
            tw_late=math.floor(ev.late[s]),
        )
    m.add_vehicle_type(1, start_depot=depot, end_depot=depot, tw_early=p.start_s, tw_late=p.end_s)
    nodes = [0, *[s + 1 for s in stops]]
    for a, na in enumerate(nodes):
        for b, nb in enumerate(nodes):
            if a == b:
                continue
            if b == 0:  # open route: returning to the start is free
                m.add_edge(locs[a], locs[b], distance=0, duration=0)
            else:
                m.add_edge(
                    locs[a],
                    locs[b],
                    distance=round(ev.d[na][nb] * 1000.0),
                    duration=math.ceil(ev.t[na][nb]),
                )
    criteria = [MaxRuntime(time_limit_s)]
    if patience is not None:
        criteria.append(NoImprovement(patience))
    stop = MultipleCriteria(criteria)
    res = m.solve(stop=stop, seed=seed, display=False, collect_stats=False)
    if not res.is_feasible():
        return None
    routes = res.best.routes()
    if not routes:
        return []
    return [stops[a.idx] for a in routes[0].schedule() if a.is_client()]


# --------------------------------------------------------------------------
# The interface
# --------------------------------------------------------------------------


def default_time_limit_s(n: int) -> float:
    """PyVRP time budget for n stops: 0.1 s + 20 ms a stop, at most 2.5 s (it also stops
    after ``patience`` iterations without improvement)."""
    return min(2.5, 0.1 + 0.02 * n)


def _order(
    ev: _Eval,
    backend: str,
    stops: list[int],
    seed_order: list[int],
    limit: float,
    seed: int,
    patience: int | None,
) -> list[int]:
    if len(stops) <= 1:
        return list(stops)
    if backend == "pyvrp":
        got = _pyvrp_order(ev, stops, limit, seed, patience)
        # PyVRP works on whole metres/seconds: keep its order only when it is feasible
        # in the exact (float) schedule and no longer than the insertion order.
        if got is not None and sorted(got) == sorted(stops) and ev.feasible(got):
            return got if ev.km(got) <= ev.km(seed_order) + 1e-9 else seed_order
        return _fallback_order(ev, stops, seed_order, time.perf_counter() + limit)
    return _fallback_order(ev, stops, seed_order, time.perf_counter() + limit)


def solve_route(
    problem: RouteProblem,
    *,
    backend: str = "auto",
    time_limit_s: float | None = None,
    seed: int = 0,
    patience: int | None = 1000,
) -> RouteResult:
    """Choose and order the day's stops (see the module doc).

    ``patience``: PyVRP also stops after that many iterations without improvement
    (None: run the whole ``time_limit_s``, as the bench's reference does).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend: {backend!r} is not one of {', '.join(BACKENDS)}")
    if backend == "auto":
        backend = "pyvrp" if pyvrp_available() else "fallback"
    elif backend == "pyvrp" and not pyvrp_available():
        raise ValueError("backend: 'pyvrp' is not installed")
    t0 = time.perf_counter()
    ev = _Eval(problem)
    n = len(problem.stops)
    cap = n if problem.max_stops is None else problem.max_stops
    limit = default_time_limit_s(min(n, cap)) if time_limit_s is None else time_limit_s

    reasons: dict[int, str] = {}
    chosen: list[int] = []
    order: list[int] = []
    for s in range(n):
        if not ev.alone_feasible(s):
            reasons[s] = REASON_UNREACHABLE
        elif len(chosen) >= cap:
            reasons[s] = REASON_MAX_STOPS
        else:
            ins = _best_insertion(ev, order, s)
            if ins is None:
                reasons[s] = REASON_NO_TIME
            else:
                order = ins
                chosen.append(s)

    order = _order(ev, backend, chosen, order, limit, seed, patience)
    # A shorter order can leave room for stops that did not fit: try them again
    # (in priority order), re-ordering once more when any is added.
    for _ in range(2):
        added = False
        for s in sorted(k for k, r in reasons.items() if r in (REASON_NO_TIME, REASON_MAX_STOPS)):
            if len(order) >= cap:
                break
            ins = _best_insertion(ev, order, s)
            if ins is not None:
                order = ins
                del reasons[s]
                added = True
        if not added:
            break
        order = _order(ev, backend, list(order), order, limit, seed, patience)
    visits = tuple(ev.schedule(order))
    return RouteResult(
        visits=visits,
        unvisited=tuple(Unvisited(i, reasons[i]) for i in sorted(reasons)),
        km=ev.km(order),
        drive_s=round(ev.drive_s(order)),
        backend=backend,
        stats={"solve_s": time.perf_counter() - t0},
    )


def check_order(problem: RouteProblem, order: Sequence[int]) -> tuple[RouteResult, tuple[int, ...]]:
    """Schedule the stops in exactly ``order`` (a reviewer's edit): the result (backend
    ``"fixed"``, nothing left out) and the stops whose service cannot start in time, i.e. would
    end after their closing time or the end of the work hours (empty: the order fits)."""
    n = len(problem.stops)
    seen: set[int] = set()
    for i in order:
        if not 0 <= i < n:
            raise ValueError(f"order: {i} is not a stop index (0..{n - 1})")
        if i in seen:
            raise ValueError(f"order: stop {i} appears twice")
        seen.add(i)
    ev = _Eval(problem)
    visits = tuple(ev.schedule(order))
    late = tuple(v.index for v in visits if v.start_s > ev.late[v.index] + 1e-6)
    result = RouteResult(
        visits=visits,
        unvisited=(),
        km=ev.km(order),
        drive_s=round(ev.drive_s(order)),
        backend="fixed",
    )
    return result, late

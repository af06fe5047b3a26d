"""Unit tests for dashboard.route_solver (both backends)."""

import itertools
import random

import numpy as np
import pytest

from dashboard import route_solver as rs

BACKENDS = [
    "fallback",
    pytest.param(
        "pyvrp",
        marks=pytest.mark.skipif(not rs.pyvrp_available(), reason="PyVRP is not installed"),
    ),
]


def _points(rng, n):
    return [(31.23 + rng.uniform(-0.15, 0.15), 121.47 + rng.uniform(-0.15, 0.15)) for _ in range(n)]


def _problem(points, stops, *, start_s=8 * 3600, end_s=18 * 3600, max_stops=None):
    km, sec = rs.matrices_from_points(points, speed_kmh=30.0)
    return rs.RouteProblem(km, sec, tuple(stops), start_s, end_s, max_stops)


def _brute_force(problem):
    """The shortest feasible order of all the stops (None when none is feasible)."""
    best = None
    n = len(problem.stops)
    for perm in itertools.permutations(range(n)):
        t = problem.start_s
        prev = 0
        km = 0.0
        ok = True
        for i in perm:
            s = problem.stops[i]
            begin = max(t + problem.duration_s[prev, i + 1], s.open_s or 0)
            close = min(problem.end_s, s.close_s if s.close_s is not None else problem.end_s)
            if begin + s.service_s > close + 1e-6:
                ok = False
                break
            km += problem.distance_km[prev, i + 1]
            t = begin + s.service_s
            prev = i + 1
        if ok and (best is None or km < best):
            best = km
    return best


def _assert_schedule_respects(problem, result):
    t = problem.start_s
    for v in result.visits:
        s = problem.stops[v.index]
        assert v.arrival_s >= t - 1
        assert v.start_s >= v.arrival_s
        if s.open_s is not None:
            assert v.start_s >= s.open_s
        if s.close_s is not None:
            assert v.end_s <= s.close_s + 1
        assert v.end_s == v.start_s + s.service_s
        assert v.end_s <= problem.end_s + 1
        t = v.end_s


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [3, 5, 7, 8])
@pytest.mark.parametrize("seed", [1, 2])
def test_equals_brute_force_optimum(backend, n, seed):
    rng = random.Random(seed * 31 + n)
    pts = _points(rng, n + 1)
    problem = _problem(pts, [rs.Stop(service_s=20 * 60) for _ in range(n)])
    result = rs.solve_route(problem, backend=backend)
    assert result.backend == backend
    assert sorted(result.order) == list(range(n))
    assert result.unvisited == ()
    assert result.km == pytest.approx(_brute_force(problem), rel=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("seed", [3, 4, 5])
def test_time_windows_respected_and_optimal(backend, seed):
    rng = random.Random(seed)
    n = 7
    pts = _points(rng, n + 1)
    stops = []
    for _ in range(n):
        open_h = rng.choice([8, 9, 10, 13, 14])
        stops.append(rs.Stop(service_s=30 * 60, open_s=open_h * 3600, close_s=(open_h + 4) * 3600))
    problem = _problem(pts, stops)
    result = rs.solve_route(problem, backend=backend)
    _assert_schedule_respects(problem, result)
    if not result.unvisited:
        assert result.km == pytest.approx(_brute_force(problem), rel=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_time_window_forces_order_against_distance(backend):
    # Stop 1 (far) opens in the morning only; stop 0 (near) only in the afternoon:
    # the route must go far first although near-first is shorter.
    pts = [(30.0, 120.0), (30.0, 120.01), (30.0, 120.2)]
    stops = [
        rs.Stop(service_s=1800, open_s=14 * 3600, close_s=17 * 3600),
        rs.Stop(service_s=1800, open_s=8 * 3600, close_s=10 * 3600),
    ]
    problem = _problem(pts, stops)
    result = rs.solve_route(problem, backend=backend)
    assert result.order == [1, 0]
    assert result.visits[1].start_s == 14 * 3600  # waited for the opening
    _assert_schedule_respects(problem, result)


@pytest.mark.parametrize("backend", BACKENDS)
def test_infeasible_stops_reported_with_reasons(backend):
    pts = [(30.0, 120.0 + 0.001 * i) for i in range(6)]  # a few hundred metres apart
    stops = [
        rs.Stop(service_s=3 * 3600),  # 0
        rs.Stop(service_s=3 * 3600),  # 1
        rs.Stop(service_s=3 * 3600),  # 2
        rs.Stop(service_s=3 * 3600),  # 3: a 10-hour day holds three of these
        rs.Stop(service_s=600, open_s=6 * 3600, close_s=7 * 3600),  # 4: closes before work
    ]
    problem = _problem(pts, stops)
    result = rs.solve_route(problem, backend=backend)
    assert result.order and sorted(result.order) == [0, 1, 2]
    assert {u.index: u.reason for u in result.unvisited} == {
        3: rs.REASON_NO_TIME,
        4: rs.REASON_UNREACHABLE,
    }
    # Nothing is silently dropped.
    assert len(result.visits) + len(result.unvisited) == len(stops)


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_stops_keeps_the_highest_priority(backend):
    rng = random.Random(10)
    pts = _points(rng, 7)
    problem = _problem(pts, [rs.Stop(600) for _ in range(6)], max_stops=4)
    result = rs.solve_route(problem, backend=backend)
    assert sorted(result.order) == [0, 1, 2, 3]
    assert [(u.index, u.reason) for u in result.unvisited] == [
        (4, rs.REASON_MAX_STOPS),
        (5, rs.REASON_MAX_STOPS),
    ]


def test_backends_agree_within_tolerance_at_30_stops():
    if not rs.pyvrp_available():
        pytest.skip("PyVRP is not installed")
    rng = random.Random(30)
    pts = _points(rng, 31)
    problem = _problem(pts, [rs.Stop(0) for _ in range(30)], end_s=10**7)
    a = rs.solve_route(problem, backend="pyvrp")
    b = rs.solve_route(problem, backend="fallback")
    assert len(a.visits) == len(b.visits) == 30
    assert b.km <= a.km * 1.10


def test_matrix_can_be_plugged_in():
    # A made-up road matrix where the straight-line order is not the shortest.
    km = np.array([[0, 1, 10, 10], [1, 0, 10, 1], [10, 10, 0, 1], [10, 1, 1, 0]], dtype=float)
    problem = rs.RouteProblem(km, km * 60, tuple(rs.Stop(0) for _ in range(3)), 0, 10**6)
    result = rs.solve_route(problem, backend="fallback")
    assert result.order == [0, 2, 1]
    assert result.km == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"end_s": 0, "start_s": 10}, "end_s"),
        ({"max_stops": -1}, "max_stops"),
        ({"stops": (rs.Stop(-5),)}, "service_s"),
        ({"stops": (rs.Stop(5, open_s=10, close_s=5),)}, "close_s"),
        ({"stops": (rs.Stop(5), rs.Stop(5))}, "distance_km"),
    ],
)
def test_bad_problem_names_the_field(kwargs, field):
    base = {
        "distance_km": np.zeros((2, 2)),
        "duration_s": np.zeros((2, 2)),
        "stops": (rs.Stop(5),),
        "start_s": 0,
        "end_s": 100,
        "max_stops": None,
    }
    base.update(kwargs)
    with pytest.raises(ValueError, match=field):
        rs.RouteProblem(**base)
    with pytest.raises(ValueError, match="backend"):
        rs.solve_route(
            rs.RouteProblem(np.zeros((1, 1)), np.zeros((1, 1)), (), 0, 1), backend="nope"
        )

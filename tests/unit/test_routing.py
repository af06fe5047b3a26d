"""Unit tests for dashboard.routing (shortest open paths)."""

import itertools
import random

import numpy as np
import pytest

from dashboard import routing
from dashboard.geo import haversine_m


def _brute_force_km(points, start, factor):
    m = routing.haversine_matrix_km(points, detour_factor=factor)
    others = [i for i in range(len(points)) if i != start]
    return min(routing.path_length(m, [start, *perm]) for perm in itertools.permutations(others))


def _random_points(rng, n, lat0=31.23, lon0=121.47, spread=0.15):
    return [
        (lat0 + rng.uniform(-spread, spread), lon0 + rng.uniform(-spread, spread)) for _ in range(n)
    ]


def test_matrix_is_haversine_times_detour():
    pts = [(39.9087, 116.3975), (31.2304, 121.4737), (23.1291, 113.2644)]
    m = routing.haversine_matrix_km(pts, detour_factor=1.3)
    assert m.shape == (3, 3)
    assert np.allclose(np.diag(m), 0.0)
    assert np.allclose(m, m.T)
    expected = haversine_m(*pts[0], *pts[1]) / 1000.0 * 1.3
    assert m[0, 1] == pytest.approx(expected, rel=1e-9)
    plain = routing.haversine_matrix_km(pts, detour_factor=1.0)
    assert m[1, 2] == pytest.approx(plain[1, 2] * 1.3)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exact_equals_brute_force(n, seed):
    rng = random.Random(seed * 100 + n)
    pts = _random_points(rng, n)
    start = rng.randrange(n)
    got = routing.shortest_path_km(pts, start_index=start)
    assert got == pytest.approx(_brute_force_km(pts, start, 1.3), abs=1e-9)
    order = routing.shortest_path_order(pts, start_index=start)
    assert order[0] == start
    assert sorted(order) == list(range(n))


def test_known_line_instance():
    # Points on a line (same latitude): from the middle, the best open path goes to
    # the nearer end first, then sweeps to the far end.
    pts = [(30.0, 120.00), (30.0, 120.10), (30.0, 120.13), (30.0, 120.30)]
    order = routing.shortest_path_order(pts, start_index=2, detour_factor=1.0)
    assert order == [2, 1, 0, 3]
    km = routing.shortest_path_km(pts, start_index=2, detour_factor=1.0)
    seg = routing.haversine_matrix_km(pts, detour_factor=1.0)
    assert km == pytest.approx(seg[2, 1] + seg[1, 0] + seg[0, 3])


def test_detour_factor_scales_length():
    rng = random.Random(7)
    pts = _random_points(rng, 6)
    assert routing.shortest_path_km(pts, detour_factor=1.3) == pytest.approx(
        routing.shortest_path_km(pts, detour_factor=1.0) * 1.3
    )


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_heuristic_close_to_optimum_above_exact_limit(seed):
    rng = random.Random(seed)
    n = routing.EXACT_MAX_POINTS + 2
    pts = _random_points(rng, n)
    m = routing.haversine_matrix_km(pts)
    heuristic = routing.path_length(m, routing.shortest_path_order_matrix(m))
    optimum = routing.path_length(m, routing._exact_order(m, 0))
    assert optimum <= heuristic + 1e-9
    assert heuristic <= optimum * 1.05


def test_asymmetric_matrix_is_respected():
    # Going 0->1 is cheap, 1->0 expensive: the exact and the improved orders must
    # use the real (directed) costs.
    m = np.array(
        [
            [0.0, 1.0, 5.0, 9.0],
            [9.0, 0.0, 1.0, 5.0],
            [9.0, 9.0, 0.0, 1.0],
            [1.0, 9.0, 9.0, 0.0],
        ]
    )
    assert routing.shortest_path_order_matrix(m) == [0, 1, 2, 3]
    improved = routing.improve_open_path(m, [0, 3, 2, 1])
    assert routing.path_length(m, improved) == pytest.approx(3.0)


def test_small_and_degenerate_inputs():
    assert routing.shortest_path_km([]) == 0.0
    assert routing.shortest_path_order([]) == []
    assert routing.shortest_path_km([(30.0, 120.0)]) == 0.0
    assert routing.shortest_path_order([(30.0, 120.0), (30.1, 120.0)], start_index=1) == [1, 0]
    same = [(30.0, 120.0)] * 4
    assert routing.shortest_path_km(same) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"points": [(95.0, 120.0), (30.0, 120.0)]}, "points"),
        ({"points": [(30.0, 120.0), (30.0, float("nan"))]}, "points"),
        ({"points": [(30.0, 120.0)], "detour_factor": 0.5}, "detour_factor"),
        ({"points": [(30.0, 120.0)], "start_index": 3}, "start_index"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        routing.shortest_path_km(**kwargs)

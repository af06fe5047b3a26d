"""Snapping positions to the reduced-precision grids of issue 20 (dashboard.privacy)."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from dashboard import geo, privacy

RNG = np.random.default_rng(20)
# Cities from the equator to high latitudes, both hemispheres, and random points.
POINTS = [
    (0.0, 0.0),
    (31.2304, 121.4737),
    (39.9042, 116.4074),
    (22.5431, 114.0579),
    (-33.8688, 151.2093),
    (64.1466, -21.9426),
    (78.2232, 15.6267),
    (-0.00001, -0.00001),
    (45.0, 179.9999),
] + [
    (float(a), float(b))
    for a, b in zip(RNG.uniform(-80, 80, 300), RNG.uniform(-180, 180, 300), strict=True)
]


@pytest.mark.parametrize("precision", ["100m", "1km"])
def test_snapped_point_is_within_half_a_cell_diagonal(precision):
    limit = privacy.half_diagonal_m(precision)
    worst = 0.0
    for lat, lon in POINTS:
        slat, slon = privacy.snap(lat, lon, precision)
        worst = max(worst, geo.haversine_m(lat, lon, slat, slon))
    # Rows are cut at constant latitude and sized at their centre: within 0.1 % of the diagonal.
    assert worst <= limit * 1.001
    # And the grid really coarsens: some point moved by a good part of the cell.
    assert worst >= privacy.CELL_M[precision] * 0.4


@pytest.mark.parametrize("precision", ["100m", "1km"])
def test_snapping_is_idempotent_and_deterministic(precision):
    for lat, lon in POINTS:
        once = privacy.snap(lat, lon, precision)
        assert privacy.snap(*once, precision) == once
        assert privacy.snap(lat, lon, precision) == once
        assert privacy.is_snapped(*once, precision)


def test_cells_are_roughly_square_at_every_latitude():
    for lat in (0.0, 30.0, 45.0, 60.0, 75.0):
        a = privacy.snap(lat, 10.0, "1km")
        # The neighbour cell to the east: one longitude step further.
        b = privacy.snap(a[0], a[1] + 1000.0 / geo.metres_per_degree(a[0])[0], "1km")
        width = geo.haversine_m(*a, *b)
        c = privacy.snap(a[0] + 1000.0 / geo.metres_per_degree(a[0])[1], a[1], "1km")
        # Rows are offset from each other (each row has its own longitude step): the height is
        # the latitude step.
        height = (c[0] - a[0]) * geo.metres_per_degree(a[0])[1]
        assert width == pytest.approx(1000.0, rel=0.01)
        assert height == pytest.approx(1000.0, rel=0.01)


def test_points_in_one_cell_share_the_centre_and_neighbours_do_not():
    a = privacy.snap(31.2304, 121.4737, "1km")
    near = privacy.snap(31.2304 + 1e-5, 121.4737 + 1e-5, "1km")
    far = privacy.snap(31.2304 + 0.02, 121.4737, "1km")
    assert near == a
    assert far != a


def test_exact_returns_the_input_and_bad_values_pass_through():
    assert privacy.snap(31.2304567, 121.4737891, "exact") == (31.2304567, 121.4737891)
    nan = privacy.snap(math.nan, 121.0, "1km")
    assert math.isnan(nan[0]) and nan[1] == 121.0
    with pytest.raises(ValueError, match="precision"):
        privacy.snap(31.0, 121.0, "10m")


def test_coarsest():
    assert privacy.coarsest("exact", "100m") == "100m"
    assert privacy.coarsest("1km", "100m") == "1km"
    assert privacy.coarsest("exact") == "exact"


def test_snap_tree_snaps_people_and_keeps_shops():
    tree = {
        "lat": 31.2304,
        "lon": 121.4737,
        "co_lat": Decimal("31.2310"),
        "co_lon": Decimal("121.4740"),
        "customer_lat": 31.2301,
        "customer_lon": 121.4731,
        "customer": {"lat": 31.2301, "lon": 121.4731},
        "fixes": [{"lat": 31.24, "lon": 121.48, "accuracy_m": 8.0}, {"lat": None, "lon": None}],
        "track": {"lat": [31.25, None], "lon": [121.49, None]},
        "distance_m": 512.3,
    }
    out = privacy.snap_tree(tree, "1km")
    assert (out["lat"], out["lon"]) == privacy.snap(31.2304, 121.4737, "1km")
    assert privacy.is_snapped(out["co_lat"], out["co_lon"], "1km")
    assert (out["customer_lat"], out["customer_lon"]) == (31.2301, 121.4731)
    assert out["customer"] == {"lat": 31.2301, "lon": 121.4731}
    assert privacy.is_snapped(out["fixes"][0]["lat"], out["fixes"][0]["lon"], "1km")
    assert out["fixes"][1] == {"lat": None, "lon": None}
    assert privacy.is_snapped(out["track"]["lat"][0], out["track"]["lon"][0], "1km")
    assert out["track"]["lat"][1] is None
    assert out["distance_m"] == 512.3
    # The input is not changed, and exact hands it back as it is.
    assert tree["lat"] == 31.2304
    assert privacy.snap_tree(tree, "exact") is tree

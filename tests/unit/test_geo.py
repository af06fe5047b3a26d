"""Unit tests for dashboard.geo."""

import math

import numpy as np
import pytest

from dashboard import geo

# Tiananmen and People's Square, used in several tests.
BEIJING = (39.9087, 116.3975)
SHANGHAI = (31.2304, 121.4737)

# WGS-84 -> GCJ-02 reference pairs (wgs_lat, wgs_lon, gcj_lat, gcj_lon).
# First three: googollee/eviltransform, python/test.py and go/transform_test.go
# ("TESTS": shanghai, shenzhen, beijing). Last one: wandergis/coordtransform,
# test/app.js, wgs84togcj02(116.404, 39.915) (lon/lat order in that library).
GCJ_REFERENCE = [
    pytest.param(31.1774276, 121.5272106, 31.17530398364597, 121.531541859215, id="shanghai"),
    pytest.param(22.543847, 113.912316, 22.540796131694766, 113.9171764808363, id="shenzhen"),
    pytest.param(39.911954, 116.377817, 39.91334545536069, 116.38404722455657, id="beijing"),
    pytest.param(
        39.915,
        116.404,
        39.91640428150164,
        116.41024449916938,
        id="beijing-coordtransform",
    ),
]

# A grid of points across mainland China (lat, lon).
CHINA_GRID = [
    (lat, lon)
    for lat in (18.3, 22.5, 26.1, 30.6, 34.3, 39.9, 45.8, 50.2)
    for lon in (76.0, 87.6, 97.1, 104.1, 113.3, 121.5, 126.6, 134.0)
]

OUTSIDE_CHINA = [
    pytest.param(0.0, 0.0, id="null-island"),
    pytest.param(51.5074, -0.1278, id="london"),
    pytest.param(40.7128, -74.0060, id="new-york"),
    pytest.param(-33.8688, 151.2093, id="sydney"),
    pytest.param(60.0, 100.0, id="north-of-box"),
    pytest.param(35.0, 140.0, id="east-of-box"),
]


def _straight_track(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return n evenly spaced collinear points heading north-east in Shanghai."""
    t = np.linspace(0.0, 1.0, n)
    return SHANGHAI[0] + 0.01 * t, SHANGHAI[1] + 0.01 * t


def _random_walk(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return a noisy n-point track with ~10 m steps around Shanghai."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 1e-4, size=(n, 2)).cumsum(axis=0)
    return SHANGHAI[0] + steps[:, 0], SHANGHAI[1] + steps[:, 1]


# --------------------------------------------------------------------------
# Distances
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p1", "p2", "expected_m", "rel_tol"),
    [
        pytest.param((0.0, 0.0), (1.0, 0.0), 111_195.08, 1e-6, id="one-degree-lat"),
        pytest.param((0.0, 0.0), (0.0, 1.0), 111_195.08, 1e-6, id="one-degree-lon"),
        pytest.param((0.0, 179.5), (0.0, -179.5), 111_195.08, 1e-6, id="across-antimeridian"),
        pytest.param((90.0, 0.0), (-90.0, 0.0), math.pi * geo.EARTH_RADIUS_M, 1e-12, id="poles"),
        pytest.param(BEIJING, SHANGHAI, 1_067_000.0, 0.005, id="beijing-shanghai"),
    ],
)
def test_haversine_matches_known_distances(p1, p2, expected_m, rel_tol):
    assert geo.haversine_m(*p1, *p2) == pytest.approx(expected_m, rel=rel_tol)


def test_haversine_is_symmetric():
    assert geo.haversine_m(*BEIJING, *SHANGHAI) == pytest.approx(
        geo.haversine_m(*SHANGHAI, *BEIJING), rel=1e-15
    )


@pytest.mark.parametrize("point", [BEIJING, (0.0, 0.0), (89.9, -45.0), (-12.3, 180.0)])
def test_haversine_of_identical_points_is_zero(point):
    assert geo.haversine_m(*point, *point) == 0.0


def test_haversine_treats_minus_and_plus_180_as_same_meridian():
    assert geo.haversine_m(10.0, 180.0, 10.0, -180.0) == pytest.approx(0.0, abs=1e-6)


def test_haversine_np_matches_scalar_elementwise():
    lat1, lon1 = _random_walk(200, seed=1)
    lat2, lon2 = _random_walk(200, seed=2)
    lat2 = lat2 - 5.0
    vec = geo.haversine_m_np(lat1, lon1, lat2, lon2)
    scalar = [
        geo.haversine_m(a, b, c, d) for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)
    ]
    np.testing.assert_allclose(vec, scalar, rtol=1e-12)


def test_haversine_np_broadcasts_one_point_against_many():
    lats, lons = _random_walk(50)
    vec = geo.haversine_m_np(BEIJING[0], BEIJING[1], lats, lons)
    assert vec.shape == (50,)
    assert vec[7] == pytest.approx(geo.haversine_m(*BEIJING, lats[7], lons[7]))


def test_haversine_np_accepts_plain_lists():
    out = geo.haversine_m_np([0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0])
    np.testing.assert_allclose(out, [111_195.08, 0.0], atol=0.01)


@pytest.mark.parametrize(
    ("lats", "lons"),
    [
        pytest.param([], [], id="empty"),
        pytest.param([31.2], [121.4], id="single-point"),
        pytest.param(np.array([]), np.array([]), id="empty-array"),
    ],
)
def test_path_length_of_fewer_than_two_points_is_zero(lats, lons):
    assert geo.path_length_m(lats, lons) == 0.0


def test_path_length_sums_consecutive_segments():
    lats, lons = _random_walk(300)
    expected = sum(
        geo.haversine_m(lats[i], lons[i], lats[i + 1], lons[i + 1]) for i in range(len(lats) - 1)
    )
    result = geo.path_length_m(lats, lons)
    assert isinstance(result, float)
    assert result == pytest.approx(expected, rel=1e-12)


def test_path_length_of_out_and_back_is_twice_the_leg():
    leg = geo.haversine_m(*BEIJING, *SHANGHAI)
    lats = [BEIJING[0], SHANGHAI[0], BEIJING[0]]
    lons = [BEIJING[1], SHANGHAI[1], BEIJING[1]]
    assert geo.path_length_m(lats, lons) == pytest.approx(2 * leg)


def test_path_length_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="differ"):
        geo.path_length_m([1.0, 2.0], [1.0])


@pytest.mark.parametrize(
    ("p1", "p2", "expected"),
    [
        pytest.param((0.0, 0.0), (1.0, 0.0), 0.0, id="north"),
        pytest.param((0.0, 0.0), (0.0, 1.0), 90.0, id="east"),
        pytest.param((0.0, 0.0), (-1.0, 0.0), 180.0, id="south"),
        pytest.param((0.0, 0.0), (0.0, -1.0), 270.0, id="west"),
        pytest.param((0.0, 179.5), (0.0, -179.5), 90.0, id="east-across-antimeridian"),
        pytest.param((10.0, 20.0), (10.0, 20.0), 0.0, id="identical-points"),
    ],
)
def test_bearing_cardinal_directions(p1, p2, expected):
    assert geo.bearing_deg(*p1, *p2) == pytest.approx(expected, abs=1e-9)


def test_bearing_beijing_to_shanghai_is_south_south_east():
    bearing = geo.bearing_deg(*BEIJING, *SHANGHAI)
    assert 150.0 < bearing < 160.0


def test_bearing_is_always_in_half_open_range():
    lats, lons = _random_walk(500)
    for i in range(len(lats) - 1):
        b = geo.bearing_deg(lats[i], lons[i], lats[i + 1], lons[i + 1])
        assert 0.0 <= b < 360.0


def test_metres_per_degree_at_the_equator_is_one_degree_of_great_circle():
    per_lon, per_lat = geo.metres_per_degree(0.0)
    assert per_lat == per_lon == pytest.approx(geo.haversine_m(0.0, 0.0, 1.0, 0.0), rel=1e-12)


@pytest.mark.parametrize("lat", [0.0, 22.5431, 31.2304, 39.9042, 60.0, -45.0])
def test_metres_per_degree_of_latitude_is_the_same_everywhere(lat):
    assert geo.metres_per_degree(lat)[1] == geo.metres_per_degree(0.0)[1]


def test_metres_per_degree_of_longitude_halves_at_sixty_degrees():
    per_lon, per_lat = geo.metres_per_degree(60.0)
    assert per_lon == pytest.approx(per_lat / 2, rel=1e-12)


@pytest.mark.parametrize(("lat", "lon"), [SHANGHAI, BEIJING, (22.5431, 114.0579)])
@pytest.mark.parametrize(
    ("dx_m", "dy_m"), [(1500.0, 0.0), (0.0, -2500.0), (-3000.0, 4000.0), (10_000.0, 10_000.0)]
)
def test_metres_per_degree_moves_a_city_point_by_metres_within_a_tenth_of_a_percent(
    lat, lon, dx_m, dy_m
):
    per_lon, per_lat = geo.metres_per_degree(lat)
    moved = geo.haversine_m(lat, lon, lat + dy_m / per_lat, lon + dx_m / per_lon)
    assert moved == pytest.approx(math.hypot(dx_m, dy_m), rel=1e-3)


# --------------------------------------------------------------------------
# GCJ-02 / BD-09
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), GCJ_REFERENCE)
def test_wgs84_to_gcj02_matches_published_reference(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lat, lon = geo.wgs84_to_gcj02(wgs_lat, wgs_lon)
    assert lat == pytest.approx(gcj_lat, abs=1e-9)
    assert lon == pytest.approx(gcj_lon, abs=1e-9)


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), GCJ_REFERENCE)
def test_gcj02_to_wgs84_inverts_published_reference(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lat, lon = geo.gcj02_to_wgs84(gcj_lat, gcj_lon)
    assert geo.haversine_m(lat, lon, wgs_lat, wgs_lon) < 0.001


def test_gcj02_offset_in_beijing_is_a_few_hundred_metres_to_the_north_east():
    gcj = geo.wgs84_to_gcj02(*BEIJING)
    offset_m = geo.haversine_m(*BEIJING, *gcj)
    assert 100.0 < offset_m < 700.0
    assert 0.0 < geo.bearing_deg(*BEIJING, *gcj) < 90.0


def test_gcj02_to_wgs84_is_more_precise_than_the_one_step_approximation():
    # wandergis/coordtransform test/app.js: one-step gcj02towgs84(116.404, 39.915)
    # = [116.39775550083061, 39.91359571849836] (lon, lat).
    gcj = (39.915, 116.404)
    one_step = (39.91359571849836, 116.39775550083061)
    exact = geo.gcj02_to_wgs84(*gcj)
    assert geo.haversine_m(*exact, *one_step) < 1.0
    assert geo.wgs84_to_gcj02(*exact) == pytest.approx(gcj, abs=1e-9)
    assert geo.wgs84_to_gcj02(*one_step) != pytest.approx(gcj, abs=1e-7)


def test_gcj02_to_bd09_matches_published_reference():
    # wandergis/coordtransform test/app.js: gcj02tobd09(116.404, 39.915)
    # = [116.41036949371029, 39.92133699351021].
    lat, lon = geo.gcj02_to_bd09(39.915, 116.404)
    assert lat == pytest.approx(39.92133699351021, abs=1e-9)
    assert lon == pytest.approx(116.41036949371029, abs=1e-9)


def test_bd09_to_gcj02_refines_the_published_one_step_value():
    # wandergis/coordtransform test/app.js: one-step bd09togcj02(116.404, 39.915)
    # = [116.39762729119315, 39.90865673957631]; the exact inverse differs by
    # a few centimetres and maps back onto the input.
    lat, lon = geo.bd09_to_gcj02(39.915, 116.404)
    assert lat == pytest.approx(39.90865673957631, abs=1e-6)
    assert lon == pytest.approx(116.39762729119315, abs=1e-6)
    assert geo.gcj02_to_bd09(lat, lon) == pytest.approx((39.915, 116.404), abs=1e-9)


@pytest.mark.parametrize(("lat", "lon"), CHINA_GRID)
def test_wgs84_gcj02_round_trip_across_china(lat, lon):
    gcj = geo.wgs84_to_gcj02(lat, lon)
    assert geo.haversine_m(lat, lon, *gcj) > 1.0
    back = geo.gcj02_to_wgs84(*gcj)
    assert back == pytest.approx((lat, lon), abs=1e-7)


@pytest.mark.parametrize(("lat", "lon"), CHINA_GRID)
def test_wgs84_bd09_round_trip_across_china(lat, lon):
    bd = geo.wgs84_to_bd09(lat, lon)
    assert geo.haversine_m(lat, lon, *bd) > 1.0
    back = geo.bd09_to_wgs84(*bd)
    assert back == pytest.approx((lat, lon), abs=1e-7)


@pytest.mark.parametrize(("lat", "lon"), CHINA_GRID[::5])
def test_wgs84_to_bd09_composes_gcj02_then_bd09(lat, lon):
    expected = geo.gcj02_to_bd09(*geo.wgs84_to_gcj02(lat, lon))
    assert geo.wgs84_to_bd09(lat, lon) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "func",
    [
        geo.wgs84_to_gcj02,
        geo.gcj02_to_wgs84,
        geo.gcj02_to_bd09,
        geo.bd09_to_gcj02,
        geo.wgs84_to_bd09,
        geo.bd09_to_wgs84,
    ],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize(("lat", "lon"), OUTSIDE_CHINA)
def test_datum_transforms_leave_points_outside_china_unchanged(func, lat, lon):
    assert func(lat, lon) == (lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon", "outside"),
    [
        pytest.param(*BEIJING, False, id="beijing"),
        pytest.param(0.8292, 100.0, True, id="just-south"),
        pytest.param(55.8272, 100.0, True, id="just-north"),
        pytest.param(30.0, 72.003, True, id="just-west"),
        pytest.param(30.0, 137.8348, True, id="just-east"),
        pytest.param(0.8293, 72.004, False, id="south-west-corner-inclusive"),
    ],
)
def test_out_of_china_uses_standard_bounding_box(lat, lon, outside):
    assert geo.out_of_china(lat, lon) is outside


# --------------------------------------------------------------------------
# CRS dispatch
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("crs", "forward"),
    [
        pytest.param("gcj02", geo.wgs84_to_gcj02, id="gcj02"),
        pytest.param("bd09", geo.wgs84_to_bd09, id="bd09"),
    ],
)
def test_to_wgs84_dispatches_on_crs(crs, forward):
    shown = forward(*SHANGHAI)
    assert geo.to_wgs84(*shown, crs) == pytest.approx(SHANGHAI, abs=1e-7)


@pytest.mark.parametrize(
    ("crs", "forward"),
    [
        pytest.param("gcj02", geo.wgs84_to_gcj02, id="gcj02"),
        pytest.param("bd09", geo.wgs84_to_bd09, id="bd09"),
    ],
)
def test_from_wgs84_dispatches_on_crs(crs, forward):
    assert geo.from_wgs84(*SHANGHAI, crs) == forward(*SHANGHAI)


@pytest.mark.parametrize("func", [geo.to_wgs84, geo.from_wgs84])
def test_wgs84_crs_is_identity(func):
    assert func(*SHANGHAI, "wgs84") == SHANGHAI


@pytest.mark.parametrize("func", [geo.to_wgs84, geo.from_wgs84])
def test_crs_name_is_case_insensitive(func):
    assert func(*SHANGHAI, "GCJ02") == func(*SHANGHAI, "gcj02")


@pytest.mark.parametrize("func", [geo.to_wgs84, geo.from_wgs84])
@pytest.mark.parametrize("crs", ["epsg3857", "", "wgs-84"])
def test_unknown_crs_raises_value_error_naming_it(func, crs):
    with pytest.raises(ValueError, match=f"'{crs}'"):
        func(*SHANGHAI, crs)


# --------------------------------------------------------------------------
# Vectorised datum transforms
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vector_func", "scalar_func"),
    [
        pytest.param(geo.wgs84_to_gcj02_np, geo.wgs84_to_gcj02, id="gcj02"),
        pytest.param(geo.wgs84_to_bd09_np, geo.wgs84_to_bd09, id="bd09"),
    ],
)
def test_vectorised_transform_matches_scalar_including_outside_points(vector_func, scalar_func):
    points = CHINA_GRID + [(p.values[0], p.values[1]) for p in OUTSIDE_CHINA]
    lats = np.array([p[0] for p in points])
    lons = np.array([p[1] for p in points])
    out_lats, out_lons = vector_func(lats, lons)
    assert out_lats.shape == lats.shape
    expected = np.array([scalar_func(la, lo) for la, lo in points])
    np.testing.assert_allclose(out_lats, expected[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out_lons, expected[:, 1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("func", [geo.wgs84_to_gcj02_np, geo.wgs84_to_bd09_np])
def test_vectorised_transform_does_not_mutate_input(func):
    lats, lons = _random_walk(10)
    lats_before, lons_before = lats.copy(), lons.copy()
    func(lats, lons)
    np.testing.assert_array_equal(lats, lats_before)
    np.testing.assert_array_equal(lons, lons_before)


@pytest.mark.parametrize("func", [geo.wgs84_to_gcj02_np, geo.wgs84_to_bd09_np])
def test_vectorised_transform_handles_empty_arrays(func):
    out_lats, out_lons = func(np.array([]), np.array([]))
    assert out_lats.size == 0
    assert out_lons.size == 0


# --------------------------------------------------------------------------
# Douglas-Peucker simplification
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        pytest.param(0, [], id="n0"),
        pytest.param(1, [0], id="n1"),
        pytest.param(2, [0, 1], id="n2"),
    ],
)
def test_simplify_returns_all_indices_for_two_or_fewer_points(n, expected):
    lats, lons = _straight_track(n)
    result = geo.simplify_indices(lats, lons, 10.0)
    assert result.tolist() == expected
    assert np.issubdtype(result.dtype, np.integer)


def test_simplify_removes_collinear_middle_points():
    lats, lons = _straight_track(50)
    assert geo.simplify_indices(lats, lons, 1.0).tolist() == [0, 49]


def test_simplify_keeps_sharp_corner_beyond_tolerance():
    # An L shape: 1 km north, then 1 km east; the corner is ~700 m off the chord.
    north = np.linspace(0.0, 0.009, 10)
    east = np.linspace(0.0, 0.012, 10)[1:]
    lats = np.concatenate([SHANGHAI[0] + north, np.full(9, SHANGHAI[0] + 0.009)])
    lons = np.concatenate([np.full(10, SHANGHAI[1]), SHANGHAI[1] + east])
    assert geo.simplify_indices(lats, lons, 50.0).tolist() == [0, 9, 18]


def test_simplify_drops_bump_smaller_than_tolerance():
    # Five points ~350 m apart; the middle one is pushed 11 m north, which is
    # ~7 m off the north-east line (its neighbours end up ~3.6 m off a chord).
    lats, lons = _straight_track(5)
    lats = lats.copy()
    lats[2] += 0.0001
    assert geo.simplify_indices(lats, lons, 20.0).tolist() == [0, 4]
    assert geo.simplify_indices(lats, lons, 5.0).tolist() == [0, 2, 4]


def test_simplify_measures_tolerance_in_metres():
    # A bump of 100 m north on an east-west line at 40 degrees latitude.
    lons = np.linspace(116.0, 116.1, 11)
    lats = np.full(11, 40.0)
    lats[5] += 100.0 / (math.radians(1.0) * geo.EARTH_RADIUS_M)
    assert geo.simplify_indices(lats, lons, 99.0).tolist() == [0, 5, 10]
    assert geo.simplify_indices(lats, lons, 101.0).tolist() == [0, 10]


def test_simplify_keeps_farthest_point_of_closed_loop():
    # A square loop returning to its start: the chord degenerates to a point.
    lats = SHANGHAI[0] + np.array([0.0, 0.01, 0.01, 0.0, 0.0])
    lons = SHANGHAI[1] + np.array([0.0, 0.0, 0.01, 0.01, 0.0])
    assert geo.simplify_indices(lats, lons, 10.0).tolist() == [0, 1, 2, 3, 4]


def test_simplify_result_is_sorted_unique_and_keeps_endpoints():
    lats, lons = _random_walk(2000)
    result = geo.simplify_indices(lats, lons, 15.0)
    assert result[0] == 0
    assert result[-1] == 1999
    assert np.all(np.diff(result) > 0)


def test_simplify_is_monotonic_in_tolerance():
    lats, lons = _random_walk(3000)
    counts = [
        geo.simplify_indices(lats, lons, tol).size for tol in (0.0, 1.0, 5.0, 20.0, 100.0, 1e6)
    ]
    assert counts == sorted(counts, reverse=True)
    assert counts[-1] == 2


def test_simplify_with_zero_tolerance_keeps_every_non_collinear_point():
    lats, lons = _random_walk(500)
    assert geo.simplify_indices(lats, lons, 0.0).size == 500


def test_simplify_handles_track_across_antimeridian():
    lats = np.linspace(-17.0, -17.01, 21)
    lons = np.linspace(179.995, 180.005, 21)
    lons = np.where(lons > 180.0, lons - 360.0, lons)
    assert geo.simplify_indices(lats, lons, 1.0).tolist() == [0, 20]


@pytest.mark.parametrize("span", [2, 10**9], ids=["numpy-path", "python-path"])
def test_simplify_numpy_and_python_scan_paths_agree(monkeypatch, span):
    lats, lons = _random_walk(1500, seed=3)
    expected = geo.simplify_indices(lats, lons, 8.0)
    monkeypatch.setattr(geo, "_DP_SMALL_SPAN", span)
    np.testing.assert_array_equal(geo.simplify_indices(lats, lons, 8.0), expected)


@pytest.mark.parametrize("tolerance", [-1.0, float("nan")])
def test_simplify_rejects_negative_or_nan_tolerance(tolerance):
    lats, lons = _straight_track(5)
    with pytest.raises(ValueError, match="tolerance_m"):
        geo.simplify_indices(lats, lons, tolerance)


def test_simplify_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="differ"):
        geo.simplify_indices([1.0, 2.0, 3.0], [1.0, 2.0], 1.0)


def test_simplify_handles_50k_points_without_recursion_error():
    lats, lons = _random_walk(50_000)
    result = geo.simplify_indices(lats, lons, 0.0)
    assert result.size == 50_000


# ---------------------------------------------------------------- map extents


def test_metres_to_degrees_agrees_with_haversine():
    dlat, dlon = geo.metres_to_degrees(500.0, 31.2)
    assert geo.haversine_m(31.2, 121.4, 31.2 + dlat, 121.4) == pytest.approx(500.0, rel=1e-9)
    # East-west the great circle cuts the parallel's corner: a little shorter, within 1e-6.
    assert geo.haversine_m(31.2, 121.4, 31.2, 121.4 + dlon) == pytest.approx(500.0, rel=1e-6)


def test_metres_to_degrees_caps_longitude_span_near_the_poles():
    dlat, dlon = geo.metres_to_degrees(100.0, 89.9)
    assert dlon == pytest.approx(10 * dlat)


def test_padded_bounds_widens_the_box_by_the_padding_on_every_side():
    (south, west), (north, east) = geo.padded_bounds([31.2, 31.21], [121.4, 121.42], 60.0)
    assert geo.haversine_m(south, 121.4, 31.2, 121.4) == pytest.approx(60.0, rel=1e-6)
    assert geo.haversine_m(31.21, 121.42, 31.21, east) == pytest.approx(60.0, rel=1e-2)
    assert north > 31.21 and west < 121.4


def test_padded_bounds_of_one_point_is_a_square_of_twice_the_padding():
    (south, west), (north, east) = geo.padded_bounds([31.2], [121.4], 50.0)
    assert geo.haversine_m(south, 121.4, north, 121.4) == pytest.approx(100.0, rel=1e-6)
    assert geo.haversine_m(31.2, west, 31.2, east) == pytest.approx(100.0, rel=1e-3)


@pytest.mark.parametrize(("lats", "lons"), [([], []), ([31.2], [121.4, 121.5])])
def test_padded_bounds_rejects_no_points_or_mismatched_lengths(lats, lons):
    with pytest.raises(ValueError):
        geo.padded_bounds(lats, lons, 10.0)


def test_web_map_zoom_of_the_whole_world_in_one_tile_is_zero():
    zoom = geo.web_map_zoom(-85.05112878, -180.0, 85.05112878, 180.0, width_px=256, height_px=256)
    assert zoom == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("span_deg", [0.001, 0.05, 2.0])
def test_web_map_zoom_doubles_the_map_per_level(span_deg):
    box = (31.2, 121.4, 31.2 + span_deg, 121.4 + span_deg)
    small = geo.web_map_zoom(*box, width_px=300, height_px=200)
    large = geo.web_map_zoom(*box, width_px=600, height_px=400)
    assert large - small == pytest.approx(1.0)


def test_web_map_zoom_fits_the_longitude_span_to_the_width_exactly():
    """At the zoom returned, 0.0525° of longitude fill 560 px: the world is 256·2^z px wide."""
    zoom = geo.web_map_zoom(31.2, 121.4, 31.2, 121.4525, width_px=560, height_px=260)
    assert 0.0525 / 360.0 * 256 * 2**zoom == pytest.approx(560.0)


def test_web_map_zoom_of_a_point_is_infinite():
    assert geo.web_map_zoom(31.2, 121.4, 31.2, 121.4, width_px=560, height_px=260) == math.inf

"""Pure geodesy helpers: distances, Chinese map datums and track simplification.

All coordinates are decimal degrees in (lat, lon) order; distances are metres
on a sphere of radius ``EARTH_RADIUS_M`` (the IUGG mean Earth radius).

Datums:

* ``wgs84`` - GPS / OpenStreetMap coordinates.
* ``gcj02`` - the obfuscated Chinese datum used by Amap/Gaode, Tencent and
  Google Maps China, defined on the Krasovsky ellipsoid.
* ``bd09`` - Baidu's extra offset on top of GCJ-02.

Every datum transform leaves points outside the standard China bounding box
unchanged, so e.g. a ``(0, 0)`` placeholder stays recognisable in any datum.
The forward formulas are the widely published ones; the inverses are solved
iteratively so round trips are exact to well below a millimetre.
"""

import math
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "EARTH_RADIUS_M",
    "SUPPORTED_CRS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "bearing_deg",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "haversine_m",
    "haversine_m_np",
    "metres_per_degree",
    "out_of_china",
    "path_length_m",
    "simplify_indices",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_bd09_np",
    "wgs84_to_gcj02",
    "wgs84_to_gcj02_np",
]

EARTH_RADIUS_M: Final[float] = 6371008.8

SUPPORTED_CRS: Final[tuple[str, ...]] = ("wgs84", "gcj02", "bd09")

# GCJ-02 constants: Krasovsky 1940 semi-major axis and first eccentricity squared.
_GCJ_A: Final[float] = 6378245.0
_GCJ_EE: Final[float] = 0.00669342162296594323

# BD-09 constants.
_BD_X_PI: Final[float] = math.pi * 3000.0 / 180.0
_BD_DLON: Final[float] = 0.0065
_BD_DLAT: Final[float] = 0.006

# Standard "out of China" bounding box used by GCJ-02 implementations.
_CN_LON_MIN: Final[float] = 72.004
_CN_LON_MAX: Final[float] = 137.8347
_CN_LAT_MIN: Final[float] = 0.8293
_CN_LAT_MAX: Final[float] = 55.8271

# Iterative inverse: stop once the forward image matches to this many degrees.
_INVERSE_TOL_DEG: Final[float] = 1e-10
_INVERSE_MAX_ITER: Final[int] = 50

# Douglas-Peucker spans up to this many points are scanned without numpy.
_DP_SMALL_SPAN: Final[int] = 32

_FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------
# Distances
# --------------------------------------------------------------------------


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points in metres."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    s_dphi = math.sin((phi2 - phi1) / 2.0)
    s_dlam = math.sin(math.radians(lon2 - lon1) / 2.0)
    h = s_dphi * s_dphi + math.cos(phi1) * math.cos(phi2) * s_dlam * s_dlam
    h = min(1.0, max(0.0, h))
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def haversine_m_np(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> _FloatArray:
    """Return element-wise great-circle distances in metres (inputs broadcast)."""
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dlam = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    s_dphi = np.sin((phi2 - phi1) / 2.0)
    s_dlam = np.sin(dlam / 2.0)
    h = s_dphi * s_dphi + np.cos(phi1) * np.cos(phi2) * s_dlam * s_dlam
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def path_length_m(lats: ArrayLike, lons: ArrayLike) -> float:
    """Return the summed length of a polyline in metres (0.0 for < 2 points)."""
    la = np.asarray(lats, dtype=np.float64).ravel()
    lo = np.asarray(lons, dtype=np.float64).ravel()
    if la.shape != lo.shape:
        raise ValueError(f"lats and lons differ in length: {la.size} != {lo.size}")
    if la.size < 2:
        return 0.0
    return float(np.sum(haversine_m_np(la[:-1], lo[:-1], la[1:], lo[1:])))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the initial great-circle bearing from point 1 to point 2.

    Degrees clockwise from north in [0, 360); 0.0 for identical points.
    """
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    dlam = math.radians(lon2 - lon1)
    cos_phi2 = math.cos(phi2)
    y = math.sin(dlam) * cos_phi2
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * cos_phi2 * math.cos(dlam)
    deg = math.degrees(math.atan2(y, x)) % 360.0
    # A tiny negative angle can round to exactly 360.0 after the modulo.
    return 0.0 if deg >= 360.0 else deg


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Return the metres spanned by one degree of longitude and of latitude at ``lat``.

    The scales of an equirectangular plane tangent at that latitude (on the sphere): multiply
    degree offsets by them for metres east and north, divide metre offsets for degrees.
    """
    per_deg_lat = math.pi * EARTH_RADIUS_M / 180.0
    return per_deg_lat * math.cos(math.radians(lat)), per_deg_lat


# --------------------------------------------------------------------------
# GCJ-02 / BD-09
# --------------------------------------------------------------------------


def out_of_china(lat: float, lon: float) -> bool:
    """Return True if the point lies outside the GCJ-02 bounding box."""
    return lon < _CN_LON_MIN or lon > _CN_LON_MAX or lat < _CN_LAT_MIN or lat > _CN_LAT_MAX


def _gcj_delta(lat: float, lon: float) -> tuple[float, float]:
    """Return the GCJ-02 (dlat, dlon) offset in degrees for a WGS-84 point."""
    x = lon - 105.0
    y = lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * math.sqrt(abs(x))
        + common
        + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * math.sqrt(abs(x))
        + common
        + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _GCJ_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Convert WGS-84 (lat, lon) to GCJ-02; points outside China are unchanged."""
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_delta(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Convert GCJ-02 (lat, lon) to WGS-84 by fixed-point inversion.

    Iterates w <- w - (wgs84_to_gcj02(w) - gcj) until both components match to
    1e-10 degrees (a few iterations; bounded at 50). Points outside China are
    unchanged.
    """
    if out_of_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _ in range(_INVERSE_MAX_ITER):
        g_lat, g_lon = wgs84_to_gcj02(w_lat, w_lon)
        err_lat = g_lat - lat
        err_lon = g_lon - lon
        if abs(err_lat) < _INVERSE_TOL_DEG and abs(err_lon) < _INVERSE_TOL_DEG:
            break
        w_lat -= err_lat
        w_lon -= err_lon
    return w_lat, w_lon


def _gcj02_to_bd09_raw(lat: float, lon: float) -> tuple[float, float]:
    """Apply the BD-09 offset to a GCJ-02 point without the China check."""
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.sin(theta) + _BD_DLAT, z * math.cos(theta) + _BD_DLON


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Convert GCJ-02 (lat, lon) to BD-09; points outside China are unchanged."""
    if out_of_china(lat, lon):
        return lat, lon
    return _gcj02_to_bd09_raw(lat, lon)


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Convert BD-09 (lat, lon) to GCJ-02 as the exact inverse of gcj02_to_bd09.

    Starts from the usual one-step formula (error up to ~1e-5 degrees) and
    refines by fixed-point iteration to 1e-10 degrees. Points outside China
    are unchanged.
    """
    if out_of_china(lat, lon):
        return lat, lon
    x = lon - _BD_DLON
    y = lat - _BD_DLAT
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    g_lat, g_lon = z * math.sin(theta), z * math.cos(theta)
    for _ in range(_INVERSE_MAX_ITER):
        b_lat, b_lon = _gcj02_to_bd09_raw(g_lat, g_lon)
        err_lat = b_lat - lat
        err_lon = b_lon - lon
        if abs(err_lat) < _INVERSE_TOL_DEG and abs(err_lon) < _INVERSE_TOL_DEG:
            break
        g_lat -= err_lat
        g_lon -= err_lon
    return g_lat, g_lon


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Convert WGS-84 (lat, lon) to BD-09; points outside China are unchanged."""
    if out_of_china(lat, lon):
        return lat, lon
    return _gcj02_to_bd09_raw(*wgs84_to_gcj02(lat, lon))


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Convert BD-09 (lat, lon) to WGS-84; points outside China are unchanged."""
    if out_of_china(lat, lon):
        return lat, lon
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def _check_crs(crs: str) -> str:
    """Return the normalised crs name or raise ValueError naming it."""
    key = crs.strip().lower() if isinstance(crs, str) else crs
    if key not in SUPPORTED_CRS:
        raise ValueError(f"unsupported crs {crs!r}; expected one of {', '.join(SUPPORTED_CRS)}")
    return key


def to_wgs84(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """Convert (lat, lon) given in ``crs`` ("wgs84", "gcj02", "bd09") to WGS-84.

    The crs name is case-insensitive; any other value raises ValueError.
    """
    key = _check_crs(crs)
    if key == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    if key == "bd09":
        return bd09_to_wgs84(lat, lon)
    return float(lat), float(lon)


def from_wgs84(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """Convert WGS-84 (lat, lon) to ``crs`` ("wgs84", "gcj02", "bd09").

    The crs name is case-insensitive; any other value raises ValueError.
    """
    key = _check_crs(crs)
    if key == "gcj02":
        return wgs84_to_gcj02(lat, lon)
    if key == "bd09":
        return wgs84_to_bd09(lat, lon)
    return float(lat), float(lon)


# --------------------------------------------------------------------------
# Vectorised datum transforms (display of whole tracks)
# --------------------------------------------------------------------------


def _as_pair(lats: ArrayLike, lons: ArrayLike) -> tuple[_FloatArray, _FloatArray]:
    """Return float64 copies of lats and lons broadcast to a common shape."""
    la, lo = np.broadcast_arrays(
        np.asarray(lats, dtype=np.float64), np.asarray(lons, dtype=np.float64)
    )
    return la.copy(), lo.copy()


def _in_china_np(lats: _FloatArray, lons: _FloatArray) -> NDArray[np.bool_]:
    """Return a mask of points inside the GCJ-02 bounding box."""
    return (
        (lons >= _CN_LON_MIN)
        & (lons <= _CN_LON_MAX)
        & (lats >= _CN_LAT_MIN)
        & (lats <= _CN_LAT_MAX)
    )


def _gcj_delta_np(lat: _FloatArray, lon: _FloatArray) -> tuple[_FloatArray, _FloatArray]:
    """Return the GCJ-02 (dlat, dlon) offsets in degrees for WGS-84 arrays."""
    pi = np.pi
    x = lon - 105.0
    y = lat - 35.0
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + common
        + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + common
        + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * np.cos(rad_lat) * pi)
    return dlat, dlon


def wgs84_to_gcj02_np(lats: ArrayLike, lons: ArrayLike) -> tuple[_FloatArray, _FloatArray]:
    """Convert WGS-84 arrays to GCJ-02 arrays; points outside China are unchanged."""
    la, lo = _as_pair(lats, lons)
    mask = _in_china_np(la, lo)
    if np.any(mask):
        dlat, dlon = _gcj_delta_np(la[mask], lo[mask])
        la[mask] += dlat
        lo[mask] += dlon
    return la, lo


def wgs84_to_bd09_np(lats: ArrayLike, lons: ArrayLike) -> tuple[_FloatArray, _FloatArray]:
    """Convert WGS-84 arrays to BD-09 arrays; points outside China are unchanged."""
    la, lo = _as_pair(lats, lons)
    mask = _in_china_np(la, lo)
    if np.any(mask):
        g_lat, g_lon = la[mask], lo[mask]
        dlat, dlon = _gcj_delta_np(g_lat, g_lon)
        g_lat = g_lat + dlat
        g_lon = g_lon + dlon
        z = np.hypot(g_lon, g_lat) + 0.00002 * np.sin(g_lat * _BD_X_PI)
        theta = np.arctan2(g_lat, g_lon) + 0.000003 * np.cos(g_lon * _BD_X_PI)
        la[mask] = z * np.sin(theta) + _BD_DLAT
        lo[mask] = z * np.cos(theta) + _BD_DLON
    return la, lo


# --------------------------------------------------------------------------
# Track simplification
# --------------------------------------------------------------------------


def _local_xy(la: _FloatArray, lo: _FloatArray) -> tuple[_FloatArray, _FloatArray]:
    """Project points to metres on an equirectangular plane centred on them.

    Longitudes are unwrapped first so tracks crossing the antimeridian stay
    contiguous.
    """
    lo = np.degrees(np.unwrap(np.radians(lo)))
    lat0 = 0.5 * (float(la.min()) + float(la.max()))
    lon0 = 0.5 * (float(lo.min()) + float(lo.max()))
    k = math.radians(1.0) * EARTH_RADIUS_M
    x = (lo - lon0) * (k * math.cos(math.radians(lat0)))
    y = (la - lat0) * k
    return x, y


def simplify_indices(lats: ArrayLike, lons: ArrayLike, tolerance_m: float) -> NDArray[np.intp]:
    """Return sorted indices of points kept by Douglas-Peucker simplification.

    Distances are measured in metres on a local equirectangular projection of
    the track (accurate to well under 1 % at city scale); a point's distance is
    to the chord segment, which equals the perpendicular distance when the
    foot falls inside the chord and keeps back-tracking spikes otherwise. A
    point is kept when that distance exceeds ``tolerance_m``. The first and
    last points are always kept; for n <= 2 every index is returned. Uses an
    explicit stack, so long tracks cannot hit the recursion limit.

    Raises ValueError for a negative or NaN tolerance or mismatched lengths.
    """
    if not tolerance_m >= 0.0:  # also rejects NaN
        raise ValueError(f"tolerance_m must be >= 0, got {tolerance_m!r}")
    la = np.asarray(lats, dtype=np.float64).ravel()
    lo = np.asarray(lons, dtype=np.float64).ravel()
    if la.shape != lo.shape:
        raise ValueError(f"lats and lons differ in length: {la.size} != {lo.size}")
    n = la.size
    if n <= 2:
        return np.arange(n, dtype=np.intp)

    x, y = _local_xy(la, lo)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[n - 1] = True
    tol2 = float(tolerance_m) ** 2

    # Short spans are scanned in pure Python: numpy's per-call overhead
    # dominates there, and deep recursion produces mostly short spans.
    xs = x.tolist()
    ys = y.tolist()
    stack: list[tuple[int, int]] = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        ax, ay = xs[first], ys[first]
        dx, dy = xs[last] - ax, ys[last] - ay
        seg2 = dx * dx + dy * dy
        if last - first <= _DP_SMALL_SPAN:
            best_d2 = -1.0
            split = first + 1
            for i in range(first + 1, last):
                px = xs[i] - ax
                py = ys[i] - ay
                if seg2 > 0.0:
                    t = (px * dx + py * dy) / seg2
                    if t < 0.0:
                        t = 0.0
                    elif t > 1.0:
                        t = 1.0
                    px -= t * dx
                    py -= t * dy
                d2 = px * px + py * py
                if d2 > best_d2:
                    best_d2 = d2
                    split = i
        else:
            px = x[first + 1 : last] - ax
            py = y[first + 1 : last] - ay
            if seg2 > 0.0:
                t = (px * dx + py * dy) / seg2
                np.clip(t, 0.0, 1.0, out=t)
                px -= t * dx
                py -= t * dy
            d2 = px * px + py * py
            i_rel = int(np.argmax(d2))
            best_d2 = float(d2[i_rel])
            split = first + 1 + i_rel
        if best_d2 > tol2:
            keep[split] = True
            stack.append((split, last))
            stack.append((first, split))
    return np.flatnonzero(keep).astype(np.intp, copy=False)


# --------------------------------------------------------------------------
# Map extents: padding a box in metres, fitting a web map to it
# --------------------------------------------------------------------------

# Web maps (EPSG:3857) stop at this latitude, where the Mercator square closes.
_WEB_MERCATOR_MAX_LAT: Final[float] = 85.05112878
_TILE_PX: Final[int] = 256


def metres_to_degrees(metres: float, lat: float) -> tuple[float, float]:
    """Return the (latitude, longitude) degrees that ``metres`` span at latitude ``lat``.

    On the sphere of ``EARTH_RADIUS_M`` (so consistent with ``haversine_m``); the
    longitude span stops growing at ten times the latitude span near the poles.
    """
    dlat = math.degrees(metres / EARTH_RADIUS_M)
    return dlat, dlat / max(math.cos(math.radians(lat)), 0.1)


def padded_bounds(
    lats: ArrayLike, lons: ArrayLike, pad_m: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Return ((south, west), (north, east)) of the points widened by ``pad_m`` metres.

    The longitude padding is taken at the points' mean latitude. Raises
    ValueError for no points or mismatched lengths.
    """
    la = np.asarray(lats, dtype=np.float64).ravel()
    lo = np.asarray(lons, dtype=np.float64).ravel()
    if la.shape != lo.shape or la.size == 0:
        raise ValueError(f"need as many lats as lons, at least one: {la.size}, {lo.size}")
    pad_lat, pad_lon = metres_to_degrees(pad_m, float(la.mean()))
    return (
        (float(la.min()) - pad_lat, float(lo.min()) - pad_lon),
        (float(la.max()) + pad_lat, float(lo.max()) + pad_lon),
    )


def _mercator_y(lat: float) -> float:
    lat = min(max(lat, -_WEB_MERCATOR_MAX_LAT), _WEB_MERCATOR_MAX_LAT)
    return math.log(math.tan(math.pi / 4.0 + math.radians(lat) / 2.0))


def web_map_zoom(
    south: float, west: float, north: float, east: float, *, width_px: int, height_px: int
) -> float:
    """Return the largest (fractional) web-map zoom at which the box fits the map.

    Spherical Mercator with 256-pixel tiles, as OpenStreetMap, Leaflet and every
    XYZ tile server use; ``math.inf`` for a box of no size.
    """
    scales = []
    if east != west:
        scales.append(width_px * 360.0 / (_TILE_PX * abs(east - west)))
    if north != south:
        span_y = abs(_mercator_y(north) - _mercator_y(south))
        scales.append(height_px * 2.0 * math.pi / (_TILE_PX * span_y))
    return math.log2(min(scales)) if scales else math.inf


__all__ += ["metres_to_degrees", "padded_bounds", "web_map_zoom"]

"""Reduced position precision (issue 20): snap a person's positions to a grid before they leave
the server.

A precision is ``exact`` (unchanged), ``100m`` or ``1km``: the position becomes the centre of its
grid cell. Rows of cells are ``cell`` metres high (a fixed step of latitude); within a row the
cells are ``cell`` metres wide at the row's centre latitude (longitude step scaled by 1/cos), so
cells stay roughly square from the equator to high latitudes. Snapping is deterministic (the
same point always gives the same centre) and idempotent (a centre snaps to itself), so a
snapped position carries no more than "somewhere in this cell".

Only the output edge snaps: distances, rules and KPIs keep using the stored exact fixes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from dashboard.geo import EARTH_RADIUS_M
from dashboard.thresholds import PRECISIONS

__all__ = [
    "CELL_M",
    "PRECISIONS",
    "cell_m",
    "coarsest",
    "half_diagonal_m",
    "is_snapped",
    "snap",
    "snap_pairs",
    "snap_tree",
]

# Cell side in metres per reduced precision.
CELL_M: Final[dict[str, float]] = {"100m": 100.0, "1km": 1000.0}

# Metres per degree of latitude on the sphere of ``EARTH_RADIUS_M``.
_M_PER_DEG: Final[float] = math.pi * EARTH_RADIUS_M / 180.0
# Longitude steps stop growing near the poles (a cell never spans more than ~1/100 of a turn).
_MIN_COS: Final[float] = 0.01
# Decimal places of a snapped coordinate (0.1 mm: far below any cell).
_DIGITS: Final[int] = 7

# Keys holding a position's pair, and subtrees that are not a person's positions (a shop's
# master position is public business data, see the README's privacy section).
_SKIP_KEYS: Final[frozenset[str]] = frozenset({"customer", "customers"})


def _check(precision: str) -> None:
    if precision not in PRECISIONS:
        raise ValueError(f"precision: {precision!r} is not one of {', '.join(PRECISIONS)}")


def cell_m(precision: str) -> float | None:
    """The cell side in metres of ``precision`` (None for ``exact``)."""
    _check(precision)
    return CELL_M.get(precision)


def coarsest(*precisions: str) -> str:
    """The coarsest of the given precisions (``exact`` < ``100m`` < ``1km``)."""
    for p in precisions:
        _check(p)
    return max(precisions, key=PRECISIONS.index, default="exact")


def half_diagonal_m(precision: str) -> float:
    """The farthest a snapped point may be from its input (half a cell's diagonal), in metres."""
    side = cell_m(precision) or 0.0
    return side * math.sqrt(2.0) / 2.0


def snap(lat: float, lon: float, precision: str) -> tuple[float, float]:
    """The centre of the ``precision`` grid cell holding (lat, lon); ``exact`` returns the input.

    Non-finite coordinates are returned unchanged (there is nothing to reveal)."""
    side = cell_m(precision)
    if side is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return lat, lon
    dlat = side / _M_PER_DEG
    row = math.floor(lat / dlat)
    clat = (row + 0.5) * dlat
    dlon = side / (_M_PER_DEG * max(math.cos(math.radians(clat)), _MIN_COS))
    clon = (math.floor(lon / dlon) + 0.5) * dlon
    # The cell across the antimeridian has its centre on it (a clamp keeps snapping idempotent).
    clon = min(max(clon, -180.0), 180.0)
    return round(clat, _DIGITS), round(clon, _DIGITS)


def is_snapped(lat: float, lon: float, precision: str, *, tol_deg: float = 1e-5) -> bool:
    """Whether (lat, lon) is a ``precision`` cell centre (within ``tol_deg``, for values rounded
    on their way out)."""
    sl, so = snap(lat, lon, precision)
    return abs(sl - lat) <= tol_deg and abs(so - lon) <= tol_deg


def snap_pairs(
    lats: Iterable[Any], lons: Iterable[Any], precision: str
) -> tuple[list[Any], list[Any]]:
    """Snap parallel lists of coordinates (None / non-numbers kept as they are)."""
    out_lat, out_lon = [], []
    for la, lo in zip(lats, lons, strict=True):
        if _is_number(la) and _is_number(lo):
            la, lo = snap(float(la), float(lo), precision)
        out_lat.append(la)
        out_lon.append(lo)
    return out_lat, out_lon


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _pair_keys(mapping: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for key in mapping:
        if not isinstance(key, str):
            continue
        if key == "lat":
            prefix = ""
        elif key.endswith("_lat"):
            prefix = key[: -len("lat")]
        else:
            continue
        if prefix.startswith("customer"):
            continue
        other = prefix + "lon"
        if other in mapping:
            pairs.append((key, other))
    return pairs


def snap_tree(value: Any, precision: str) -> Any:
    """A copy of a JSON-like value with every person's position snapped to ``precision``.

    A position is a mapping's ``lat``/``lon`` or ``<x>_lat``/``<x>_lon`` pair (numbers, or equal
    lists of numbers); ``customer_*`` pairs and ``customer``/``customers`` subtrees are shops'
    master positions and stay exact. ``exact`` returns the value unchanged."""
    _check(precision)
    if precision == "exact":
        return value
    return _walk(value, precision)


def _walk(value: Any, precision: str) -> Any:
    if isinstance(value, dict):
        out = {k: (v if k in _SKIP_KEYS else _walk(v, precision)) for k, v in value.items()}
        for lat_key, lon_key in _pair_keys(out):
            la, lo = out[lat_key], out[lon_key]
            if _is_number(la) and _is_number(lo):
                out[lat_key], out[lon_key] = snap(float(la), float(lo), precision)
            elif isinstance(la, list) and isinstance(lo, list) and len(la) == len(lo):
                out[lat_key], out[lon_key] = snap_pairs(la, lo, precision)
        return out
    if isinstance(value, list | tuple):
        return [_walk(v, precision) for v in value]
    return value

"""Track analytics on one rep-day of fixes (pure: arrays in, numbers out).

Times are float seconds since the Unix epoch (UTC), coordinates WGS-84 decimal degrees, distances
metres. Inputs need not be sorted; every index returned refers to the position in the ORIGINAL
input arrays of the function called.

``analyze_day`` cleans a day's fixes, finds stay points (stops), the trips between them, the data
gaps, and the day's tracked distance (``km`` = sum of trip distances, contract §3).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dashboard.geo import EARTH_RADIUS_M, haversine_m_np, simplify_indices
from dashboard.thresholds import default, section_values

__all__ = [
    "CITY_SPEED_MPS",
    "GAP_REASONS",
    "DaySummary",
    "DayTrack",
    "Gap",
    "Stop",
    "TrackConfig",
    "Trip",
    "analyze_day",
    "detect_stops",
    "explain_gap",
    "find_gaps",
    "simplify",
    "summarize_day",
    "tolerance_for_zoom",
]

# A gap's displacement is plausible when it could be driven at this speed (60 km/h).
CITY_SPEED_MPS = 16.7
# The rep_days rollup keeps a day's km to the metre.
KM_DECIMALS = 3

# Device events that explain a signal gap (contract §2 SIGNAL_GAP), and how long before the gap
# an event still counts as "just before" it.
GAP_REASONS = ("power_off", "location_permission_revoked", "network_lost", "app_killed")
GAP_EVENT_LEAD_S = 300.0

# Web-Mercator metres per pixel at the equator at zoom 0 (256-pixel tiles).
_MERCATOR_M_PER_PX_Z0 = 2.0 * math.pi * 6378137.0 / 256.0

_IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class TrackConfig:
    """Thresholds for cleaning a track and finding its stops and gaps."""

    max_accuracy_m: float = default("max_accuracy_m")  # cleaning: drop less accurate fixes
    # A segment faster than this is a jump (IMPOSSIBLE_SPEED), never distance travelled.
    max_speed_mps: float = default("max_speed_mps")
    stop_distance_m: float = default("stop_distance_m")  # stay point: radius around its first fix
    stop_duration_s: float = default("stop_duration_s")  # stay point: minimum dwell
    stop_gap_s: float = default("stop_gap_s")  # a data gap this long closes a stop
    stop_merge_m: float = default("stop_merge_m")  # merge consecutive stops closer than this
    # A period without fixes this long (inside work hours) is a gap (as for SIGNAL_GAP).
    signal_gap_min_s: float = default("signal_gap_min_s")

    @classmethod
    def from_values(cls, values: dict) -> TrackConfig:
        """Build from stored overrides (keys of the rules only are ignored; bad values raise)."""
        return cls(**section_values(values, "tracks"))


@dataclass(frozen=True)
class Stop:
    start_s: float
    end_s: float
    dwell_s: float
    lat: float  # centre: mean of the member fixes
    lon: float
    first_index: int  # original-input index of the first member fix
    last_index: int  # original-input index of the last member fix
    n_fixes: int
    customer_id: str | None  # customer whose geofence contains the centre (nearest first)


@dataclass(frozen=True)
class Trip:
    start_s: float
    end_s: float
    duration_s: float
    distance_m: float  # haversine over the cleaned fixes, jumps excluded
    max_speed_mps: float
    avg_speed_mps: float
    first_index: int
    last_index: int


@dataclass(frozen=True)
class Gap:
    start_s: float  # last fix before (clipped to the work window when one is given)
    end_s: float  # first fix after (clipped likewise)
    duration_s: float
    before_index: int
    after_index: int
    displacement_m: float  # straight line between the fixes either side
    # displacement_m <= (time between the two fixes) * CITY_SPEED_MPS
    plausible: bool
    silent_from_s: float  # the last fix before, unclipped: where a reason event is looked for


@dataclass(frozen=True)
class DayTrack:
    kept: np.ndarray  # original indices of the cleaned fixes, time-sorted
    spikes: np.ndarray  # original indices isolated as single-fix spikes
    jumps: (
        np.ndarray
    )  # original indices of kept fixes whose segment FROM the previous one is a jump
    stops: list[Stop]
    trips: list[Trip]
    gaps: list[Gap]
    km: float  # sum of trip distances / 1000 (contract §3 "tracked distance")
    moving_s: float  # sum of trip durations
    stopped_s: float  # sum of stop dwell


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def _arrays(**named: ArrayLike) -> list[np.ndarray]:
    """Return float64 1-D copies of the named arrays, or raise naming the one that is wrong."""
    out = []
    size = None
    first = ""
    for name, value in named.items():
        try:
            arr = np.asarray(value, dtype=np.float64).ravel()
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric: {exc}") from None
        if size is None:
            size, first = arr.size, name
        elif arr.size != size:
            raise ValueError(f"{name} has {arr.size} values but {first} has {size}")
        out.append(arr)
    return out


def _check_window(work_window) -> tuple[float, float] | None:
    if work_window is None:
        return None
    try:
        start, end = (float(v) for v in work_window)
    except (TypeError, ValueError):
        raise ValueError(f"work_window must be (start_s, end_s), got {work_window!r}") from None
    if not end >= start:
        raise ValueError(f"work_window ends before it starts: {work_window!r}")
    return start, end


# --------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------


def _clean(
    t: np.ndarray, la: np.ndarray, lo: np.ndarray, acc: np.ndarray, config: TrackConfig
) -> tuple[_IntArray, _IntArray, _IntArray, np.ndarray]:
    """Return (kept, spikes, jumps, segment metres) as original indices; kept is time-sorted."""
    # Among fixes sharing a timestamp the most accurate comes first (then by position), so the
    # result does not depend on the input order.
    order = np.lexsort((lo, la, acc, t))
    ok = (
        np.isfinite(t[order])
        & np.isfinite(la[order])
        & np.isfinite(lo[order])
        & (acc[order] <= config.max_accuracy_m)
        & ~((la[order] == 0.0) & (lo[order] == 0.0))
        & (np.abs(la[order]) <= 90.0)
        & (np.abs(lo[order]) <= 180.0)
    )
    keep = order[ok]
    if keep.size >= 2:
        # Repeated timestamp: the most accurate of them stays.
        keep = keep[np.concatenate(([True], np.diff(t[keep]) > 0))]
    spikes = np.empty(0, dtype=np.intp)
    d = np.empty(0)
    if keep.size >= 2:
        tk, lak, lok = t[keep], la[keep], lo[keep]
        d = haversine_m_np(lak[:-1], lok[:-1], lak[1:], lok[1:])
        fast = d > config.max_speed_mps * np.diff(tk)
        # Fast in AND fast out (j is the middle fix), while the neighbours either side are
        # consistent with each other and closer to each other than to the middle fix.
        j = np.flatnonzero(fast[:-1] & fast[1:]) + 1
        if j.size:
            bridge = haversine_m_np(lak[j - 1], lok[j - 1], lak[j + 1], lok[j + 1])
            j = j[
                (bridge <= config.max_speed_mps * (tk[j + 1] - tk[j - 1]))
                & (bridge < np.minimum(d[j - 1], d[j]))
            ]
            # Two adjacent candidates are a ping-pong between two places, not a single spike.
            lone = np.ones(j.size, dtype=bool)
            adjacent = np.flatnonzero(np.diff(j) == 1)
            lone[adjacent] = False
            lone[adjacent + 1] = False
            j = j[lone]
        if j.size:
            spikes = np.sort(keep[j])
            keep = np.delete(keep, j)
            d = haversine_m_np(la[keep][:-1], lo[keep][:-1], la[keep][1:], lo[keep][1:])
    jumps = np.empty(0, dtype=np.intp)
    if keep.size >= 2:
        jumps = keep[1:][d > config.max_speed_mps * np.diff(t[keep])]
    return keep.astype(np.intp), spikes.astype(np.intp), jumps.astype(np.intp), d


# --------------------------------------------------------------------------
# Stops
# --------------------------------------------------------------------------


def _stay_ranges(t: list[float], la: np.ndarray, lo: np.ndarray, config: TrackConfig):
    """Yield (first, last, end_s) of each stay point on time-sorted fixes (positions, seconds).

    The sliding stay-point algorithm of Li et al. (2008), as trackintel's
    ``generate_staypoints(method="sliding")``: fixes are members while they lie closer than
    ``stop_distance_m`` to the candidate's first fix. The first fix that is not closes the
    candidate, which is a stay point when that fix comes ``stop_duration_s`` or more after the
    first member; its end is that fix's time (the classic leave time, so a visit whose signal was
    lost indoors keeps its dwell). A data gap of ``stop_gap_s`` also closes the candidate, and
    so does the end of the data; the end is then the last member's time. The fix after a gap
    opens a new candidate.

    Unlike trackintel, a candidate closed by a gap is kept when long enough (trackintel drops it).
    """
    n = len(t)
    if n == 0:
        return
    dist = config.stop_distance_m
    dur = config.stop_duration_s
    gap = config.stop_gap_s
    # haversine inlined on radians, compared before its arcsine: the chord term h of two points
    # reaches sin²(d / 2R) exactly when their distance reaches d. Keeps 1,500 fixes ~1 ms.
    rla_np = np.radians(la)
    rla = rla_np.tolist()
    rlo = np.radians(lo).tolist()
    cos_la = np.cos(rla_np).tolist()
    h_limit = math.sin(min(dist / (2.0 * EARTH_RADIUS_M), math.pi / 2)) ** 2
    sin = math.sin
    start = 0
    a_la, a_lo, a_cos = rla[0], rlo[0], cos_la[0]
    for cur in range(1, n):
        if t[cur] - t[cur - 1] >= gap:
            if t[cur - 1] - t[start] >= dur:
                yield start, cur - 1, t[cur - 1]
        else:
            s1 = sin((rla[cur] - a_la) * 0.5)
            s2 = sin((rlo[cur] - a_lo) * 0.5)
            if s1 * s1 + a_cos * cos_la[cur] * s2 * s2 < h_limit:
                continue
            if t[cur] - t[start] >= dur:
                yield start, cur - 1, t[cur]
        start = cur
        a_la, a_lo, a_cos = rla[cur], rlo[cur], cos_la[cur]
    if t[n - 1] - t[start] >= dur:
        yield start, n - 1, t[n - 1]


def _merge_ranges(ranges, t: np.ndarray, la: np.ndarray, lo: np.ndarray, config):
    """Merge consecutive stops whose centres are closer than ``stop_merge_m``.

    The merged stop spans both (and the few fixes between them). Stops separated by a data gap
    of ``stop_gap_s`` or more are never merged: that would undo the gap rule.
    """
    merged: list[tuple[int, int, float]] = []
    for a, b, end_s in ranges:
        if merged:
            pa, pb, _ = merged[-1]
            if not np.any(np.diff(t[pb : a + 1]) >= config.stop_gap_s):
                c1 = (la[pa : pb + 1].mean(), lo[pa : pb + 1].mean())
                c2 = (la[a : b + 1].mean(), lo[a : b + 1].mean())
                if float(haversine_m_np(c1[0], c1[1], c2[0], c2[1])) < config.stop_merge_m:
                    merged[-1] = (pa, b, end_s)
                    continue
        merged.append((a, b, end_s))
    return merged


def _stops_on_sorted(
    t: np.ndarray, la: np.ndarray, lo: np.ndarray, config: TrackConfig
) -> list[tuple[int, int, float]]:
    ranges = list(_stay_ranges(t.tolist(), la, lo, config))
    return _merge_ranges(ranges, t, la, lo, config)


def _customer_at(lat: float, lon: float, customers) -> str | None:
    if customers is None:
        return None
    ids, c_la, c_lo, c_r = customers
    if len(c_la) == 0:
        return None
    d = haversine_m_np(lat, lon, c_la, c_lo)
    inside = np.flatnonzero(d <= c_r)
    if inside.size == 0:
        return None
    return str(ids[int(inside[np.argmin(d[inside])])])


def _check_customers(customers):
    if customers is None:
        return None
    try:
        ids, c_la, c_lo, c_r = customers
    except (TypeError, ValueError):
        raise ValueError("customers must be an (ids, lats, lons, radius_m) tuple") from None
    ids = list(ids)
    c_la, c_lo, c_r = _arrays(customer_lats=c_la, customer_lons=c_lo, customer_radius_m=c_r)
    if len(ids) != c_la.size:
        raise ValueError(f"customers: {len(ids)} ids but {c_la.size} lats")
    return ids, c_la, c_lo, c_r


def _make_stops(ranges, t, la, lo, index_map: np.ndarray, customers) -> list[Stop]:
    stops = []
    for a, b, end_s in ranges:
        lat = float(la[a : b + 1].mean())
        lon = float(lo[a : b + 1].mean())
        stops.append(
            Stop(
                start_s=float(t[a]),
                end_s=float(end_s),
                dwell_s=float(end_s - t[a]),
                lat=lat,
                lon=lon,
                first_index=int(index_map[a]),
                last_index=int(index_map[b]),
                n_fixes=int(b - a + 1),
                customer_id=_customer_at(lat, lon, customers),
            )
        )
    return stops


def detect_stops(
    t_s: ArrayLike, lats: ArrayLike, lons: ArrayLike, config: TrackConfig = TrackConfig()
) -> list[Stop]:
    """Find stay points on already-cleaned fixes (sorted by time; sorted here if not)."""
    t, la, lo = _arrays(t_s=t_s, lats=lats, lons=lons)
    order = np.argsort(t, kind="stable")
    ts, las, los = t[order], la[order], lo[order]
    ranges = _stops_on_sorted(ts, las, los, config)
    return _make_stops(ranges, ts, las, los, order, None)


# --------------------------------------------------------------------------
# Trips
# --------------------------------------------------------------------------


def _trip(a: int, b: int, start_s: float, end_s: float, t, seg_d, seg_ok, index_map) -> Trip:
    """The trip over sorted positions a..b (segments a..b-1), timed from start_s to end_s."""
    d = seg_d[a:b]
    ok = seg_ok[a:b]
    dt = np.diff(t[a : b + 1])
    distance = float(d[ok].sum())
    duration = float(end_s - start_s)
    good = ok & (dt > 0)
    max_speed = float((d[good] / dt[good]).max()) if good.any() else 0.0
    return Trip(
        start_s=float(start_s),
        end_s=float(end_s),
        duration_s=duration,
        distance_m=distance,
        max_speed_mps=max_speed,
        avg_speed_mps=distance / duration if duration > 0 else 0.0,
        first_index=int(index_map[a]),
        last_index=int(index_map[b]),
    )


def _trip_spans(ranges, n: int, t, seg_d, config) -> list[tuple[int, int, float, float]]:
    """Spans of movement (a, b, start_s, end_s): before the first stop, between, after the last.

    A trip's fixes run from the last fix of the stop it leaves to the first fix of the stop it
    reaches; its time runs from the stop's end (leave time) to the next stop's start. A span that
    is nothing but one data gap between two stops at the same place (the rep did not move; the
    phone was silent) is not a trip.
    """
    if n < 2:
        return []
    if not ranges:
        return [(0, n - 1, t[0], t[n - 1])]
    spans = []
    if ranges[0][0] > 0:
        spans.append((0, ranges[0][0], t[0], t[ranges[0][0]]))
    for (_, pb, p_end), (na, _, _) in pairwise(ranges):
        silent = na == pb + 1 and t[na] - t[pb] >= config.stop_gap_s
        if silent and seg_d[pb] < config.stop_merge_m:
            continue
        spans.append((pb, na, p_end, t[na]))
    _, last_b, last_end = ranges[-1]
    if last_b < n - 1:
        spans.append((last_b, n - 1, last_end, t[n - 1]))
    return spans


# --------------------------------------------------------------------------
# Gaps
# --------------------------------------------------------------------------


def _gaps_on_sorted(t, la, lo, index_map, min_gap_s: float, window) -> list[Gap]:
    if t.size < 2:
        return []
    dt = np.diff(t)
    cand = np.flatnonzero(dt >= min_gap_s)
    gaps = []
    for i in cand.tolist():
        t0, t1 = float(t[i]), float(t[i + 1])
        full = t1 - t0
        start, end = t0, t1
        if window is not None:
            start, end = max(t0, window[0]), min(t1, window[1])
        if end - start < min_gap_s:
            continue
        disp = float(haversine_m_np(la[i], lo[i], la[i + 1], lo[i + 1]))
        gaps.append(
            Gap(
                start_s=start,
                end_s=end,
                duration_s=end - start,
                before_index=int(index_map[i]),
                after_index=int(index_map[i + 1]),
                displacement_m=disp,
                plausible=disp <= full * CITY_SPEED_MPS,
                silent_from_s=t0,
            )
        )
    return gaps


def off_duty_spans(
    t_s: ArrayLike, work_window: tuple[float, float], *, min_gap_s: float
) -> list[tuple[float, float]]:
    """The parts outside the work window of every silence of at least ``min_gap_s`` between
    consecutive fixes: off duty, never a gap. A silence spanning the end of work hours is a gap
    up to the end (``find_gaps`` with the window cuts it there) and off duty after it."""
    start, end = _check_window(work_window)
    t = np.sort(np.asarray(t_s, dtype=float))
    spans: list[tuple[float, float]] = []
    if t.size < 2:
        return spans
    for i in np.flatnonzero(np.diff(t) >= min_gap_s).tolist():
        a, b = float(t[i]), float(t[i + 1])
        if a < start:
            spans.append((a, min(b, start)))
        if b > end:
            spans.append((max(a, end), b))
    return spans


def find_gaps(
    t_s: ArrayLike,
    lats: ArrayLike,
    lons: ArrayLike,
    *,
    min_gap_s: float = 1800.0,
    work_window: tuple[float, float] | None = None,
) -> list[Gap]:
    """Find periods of at least ``min_gap_s`` without a fix, between consecutive fixes.

    With ``work_window=(start_s, end_s)`` a gap is clipped to the window and reported only when
    the clipped part still lasts ``min_gap_s``. ``plausible`` compares the displacement with the
    whole time between the two fixes at ``CITY_SPEED_MPS``.
    """
    if not min_gap_s > 0:
        raise ValueError(f"min_gap_s must be > 0, got {min_gap_s!r}")
    window = _check_window(work_window)
    t, la, lo = _arrays(t_s=t_s, lats=lats, lons=lons)
    order = np.argsort(t, kind="stable")
    return _gaps_on_sorted(t[order], la[order], lo[order], order, float(min_gap_s), window)


def explain_gap(start_s: float, end_s: float, events: Iterable[tuple[float, str]]) -> str:
    """Return the kind of the earliest device event explaining a gap, else "unknown".

    Counted: ``power_off``, ``location_permission_revoked``, ``network_lost``, ``app_killed`` at
    ``start_s - 300 <= t_s < end_s`` ("in or just before the gap", contract §2 SIGNAL_GAP).
    """
    best_t = math.inf
    best = "unknown"
    lo = float(start_s) - GAP_EVENT_LEAD_S
    hi = float(end_s)
    for t, kind in events:
        if kind in GAP_REASONS and lo <= float(t) < hi and float(t) < best_t:
            best_t, best = float(t), kind
    return best


# --------------------------------------------------------------------------
# The day
# --------------------------------------------------------------------------


def stored_km(km: float) -> float:
    """A day's tracked km as the rollup keeps it (to the metre). Whoever uses a day's km,
    read from the rollup or recomputed from the fixes, uses this value: a rule's result must not
    depend on whether the rollup was fresh when it ran."""
    return round(float(km), KM_DECIMALS)


def analyze_day(
    t_s: ArrayLike,
    lats: ArrayLike,
    lons: ArrayLike,
    accuracy_m: ArrayLike,
    *,
    customers: tuple[Sequence[str], ArrayLike, ArrayLike, ArrayLike] | None = None,
    work_window: tuple[float, float] | None = None,
    config: TrackConfig = TrackConfig(),
) -> DayTrack:
    """Clean one rep-day of fixes and find its stops, trips, gaps and tracked km.

    Cleaning drops fixes less accurate than ``max_accuracy_m``, non-finite or (0, 0) coordinates
    and repeated timestamps, and isolates single-fix spikes (fast in and fast out while the
    neighbours agree). Segments still faster than ``max_speed_mps`` are jumps: never distance.
    ``customers`` is an ``(ids, lats, lons, radius_m)`` tuple; a stop's customer is the nearest
    one whose geofence contains the stop's centre.
    """
    t, la, lo, acc = _arrays(t_s=t_s, lats=lats, lons=lons, accuracy_m=accuracy_m)
    window = _check_window(work_window)
    cust = _check_customers(customers)
    kept, spikes, jumps, seg_d = _clean(t, la, lo, acc, config)
    tk, lak, lok = t[kept], la[kept], lo[kept]
    n = kept.size
    seg_ok = seg_d <= config.max_speed_mps * np.diff(tk) if n >= 2 else np.empty(0, dtype=bool)
    ranges = _stops_on_sorted(tk, lak, lok, config)
    stops = _make_stops(ranges, tk, lak, lok, kept, cust)
    trips = [
        _trip(a, b, t0, t1, tk, seg_d, seg_ok, kept)
        for a, b, t0, t1 in _trip_spans(ranges, n, tk, seg_d, config)
    ]
    gaps = _gaps_on_sorted(tk, lak, lok, kept, config.signal_gap_min_s, window)
    return DayTrack(
        kept=kept,
        spikes=spikes,
        jumps=jumps,
        stops=stops,
        trips=trips,
        gaps=gaps,
        km=sum(tr.distance_m for tr in trips) / 1000.0,
        moving_s=float(sum(tr.duration_s for tr in trips)),
        stopped_s=float(sum(s.dwell_s for s in stops)),
    )


# --------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------


def simplify(lats: ArrayLike, lons: ArrayLike, tolerance_m: float) -> np.ndarray:
    """Douglas–Peucker for display: kept indices, first and last always kept."""
    return simplify_indices(lats, lons, tolerance_m)


def tolerance_for_zoom(zoom: int) -> float:
    """Return the simplification tolerance (one Web-Mercator pixel at the equator) for a zoom."""
    if isinstance(zoom, bool) or not isinstance(zoom, (int, np.integer)):
        raise ValueError(f"zoom must be an integer, got {zoom!r}")
    if not 0 <= zoom <= 24:
        raise ValueError(f"zoom must be between 0 and 24, got {zoom}")
    return _MERCATOR_M_PER_PX_Z0 / (2.0 ** int(zoom))


# --------------------------------------------------------------------------
# Legacy summary (kept while callers remain)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class DaySummary:
    fixes: int
    first_index: int | None
    last_index: int | None
    km: float


def summarize_day(
    t_s: ArrayLike,
    lats: ArrayLike,
    lons: ArrayLike,
    accuracy_m: ArrayLike,
    config: TrackConfig = TrackConfig(),
) -> DaySummary:
    """Count fixes, find the first and last, and measure km on the cleaned track.

    ``t_s`` are seconds (any epoch), need not be sorted. Cleaning drops fixes less accurate than
    ``max_accuracy_m``, zero coordinates and repeated timestamps; segments implying a speed over
    ``max_speed_mps`` are not counted as distance.
    """
    t = np.asarray(t_s, dtype=float)
    la = np.asarray(lats, dtype=float)
    lo = np.asarray(lons, dtype=float)
    acc = np.asarray(accuracy_m, dtype=float)
    n = t.size
    if n == 0:
        return DaySummary(0, None, None, 0.0)
    order = np.argsort(t, kind="stable")
    first, last = int(order[0]), int(order[-1])
    keep = order[(acc[order] <= config.max_accuracy_m) & ~((la[order] == 0) & (lo[order] == 0))]
    if keep.size >= 2:
        tk = t[keep]
        distinct = np.concatenate(([True], np.diff(tk) > 0))
        keep = keep[distinct]
    if keep.size < 2:
        return DaySummary(n, first, last, 0.0)
    d = haversine_m_np(la[keep][:-1], lo[keep][:-1], la[keep][1:], lo[keep][1:])
    dt = np.diff(t[keep])
    plausible = d <= config.max_speed_mps * dt
    return DaySummary(n, first, last, float(d[plausible].sum()) / 1000.0)

"""One rep-day as the authenticity rules see it: fixes, device events, visits, photos, customers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from dashboard.geo import haversine_m_np
from dashboard.rules import AuthenticityConfig
from dashboard.tracks import GAP_REASONS as GAP_REASONS  # one definition: the track explains gaps

MOCK_EVENT_KINDS = ("mock_app_detected", "rooted_device")
# Providers whose positions come from the satellites (an absent provider counts as one, §2).
SATELLITE_PROVIDERS = (None, "", "gps")


@dataclass(frozen=True)
class Fixes:
    """The GPS fixes of one rep-day, sorted by time (``sorted_fixes`` builds it)."""

    ids: Sequence[str]
    t_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    accuracy_m: np.ndarray
    mock: np.ndarray
    device_ids: Sequence[str] = ()
    # The fix's provider (gps / network / wifi / fused, None when absent); empty = all satellite.
    providers: Sequence[str | None] = ()

    def __len__(self) -> int:
        return int(self.t_s.size)

    def satellite(self) -> np.ndarray:
        """Boolean mask of the fixes from the satellite provider (``gps`` or absent)."""
        if not len(self.providers):
            return np.ones(len(self), dtype=bool)
        return np.fromiter(
            (p in SATELLITE_PROVIDERS for p in self.providers), dtype=bool, count=len(self)
        )


def sorted_fixes(
    ids, t_s, lat, lon, accuracy_m, mock=None, device_ids=None, providers=None
) -> Fixes:
    """Build ``Fixes`` sorted by (time, id) from parallel sequences."""
    t = np.asarray(t_s, dtype=float)
    ids = list(ids)
    order = np.lexsort((np.asarray(ids, dtype=object), t)) if t.size else np.empty(0, int)
    m = np.zeros(t.size, bool) if mock is None else np.asarray(mock, dtype=bool)
    devs = [] if device_ids is None else [device_ids[i] for i in order]
    provs = [] if providers is None else [providers[i] for i in order]
    return Fixes(
        [ids[i] for i in order],
        t[order],
        np.asarray(lat, float)[order],
        np.asarray(lon, float)[order],
        np.asarray(accuracy_m, float)[order],
        m[order],
        devs,
        provs,
    )


def jump_segments(
    t_s: np.ndarray, lat: np.ndarray, lon: np.ndarray, config: AuthenticityConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Segments k (fix k → k+1) of a time-sorted track that are jumps: ≥ min_jump_m apart at a
    speed above max_speed_mps. Return (k, metres, seconds, m/s) of every segment's k first."""
    d = haversine_m_np(lat[:-1], lon[:-1], lat[1:], lon[1:])
    dt = np.diff(t_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dt > 0, d / np.where(dt > 0, dt, 1.0), np.inf)
    hits = np.flatnonzero((d >= config.min_jump_m) & (speed > config.max_speed_mps))
    return hits, d, dt, speed


def identical_runs(
    t_s: np.ndarray, lat: np.ndarray, lon: np.ndarray, config: AuthenticityConfig
) -> list[tuple[int, int]]:
    """(first, last) positions of each run of ≥ static_min_fixes consecutive fixes spanning
    ≥ static_min_span_s with bit-identical coordinates (to 1e-6°), on a time-sorted track."""
    n = int(t_s.size)
    if n < config.static_min_fixes:
        return []
    la = np.round(lat * 1e6).astype(np.int64)
    lo = np.round(lon * 1e6).astype(np.int64)
    change = np.flatnonzero((la[1:] != la[:-1]) | (lo[1:] != lo[:-1])) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [n])) - 1
    counts = ends - starts + 1
    spans = t_s[ends] - t_s[starts]
    hit = (counts >= config.static_min_fixes) & (spans >= config.static_min_span_s)
    return list(zip(starts[hit].tolist(), ends[hit].tolist(), strict=True))


EMPTY_FIXES = sorted_fixes([], [], [], [], [])


@dataclass(frozen=True)
class DeviceEvent:
    id: str
    t_s: float
    kind: str
    device_id: str = ""


@dataclass(frozen=True)
class CheckOut:
    id: str
    t_s: float
    lat: float
    lon: float
    accuracy_m: float
    mock: bool = False


@dataclass(frozen=True)
class Photo:
    id: str
    visit_id: str
    taken_at_s: float
    sha256: str
    phash: int


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    lat: float
    lon: float
    geofence_m: float
    city: str = ""


@dataclass(frozen=True)
class Visit:
    """A check-in (its id is the visit id) with its check-outs and photos."""

    id: str
    customer_id: str
    t_s: float
    lat: float
    lon: float
    accuracy_m: float
    mock: bool = False
    device_id: str = ""
    check_outs: tuple[CheckOut, ...] = ()
    photos: tuple[Photo, ...] = ()

    @property
    def check_out(self) -> CheckOut | None:
        """The first check-out (the one dwell is measured to)."""
        if not self.check_outs:
            return None
        return min(self.check_outs, key=lambda c: (c.t_s, c.id))


@dataclass(frozen=True)
class RepDay:
    """Everything of one rep's local day that the per-day rules need."""

    rep_id: str
    local_date: date
    work_start_s: float  # the day's work hours as epoch seconds
    work_end_s: float
    fixes: Fixes = EMPTY_FIXES
    events: tuple[DeviceEvent, ...] = ()
    visits: tuple[Visit, ...] = ()
    customers: Mapping[str, Customer] = field(default_factory=dict)


def show_m(x: float) -> str:
    return f"{x:,.0f} m"


def show_dur(seconds: float) -> str:
    seconds = float(seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"


def customer_name(day: RepDay, customer_id: str) -> str:
    c = day.customers.get(customer_id)
    return c.name if c else customer_id

"""Track analytics on one rep-day of fixes (pure: arrays in, numbers out)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dashboard.geo import haversine_m_np


@dataclass(frozen=True)
class TrackConfig:
    """Thresholds for cleaning a track."""

    max_accuracy_m: float = 100.0
    # Segments faster than this are jumps (IMPOSSIBLE_SPEED), not distance travelled.
    max_speed_mps: float = 50.0


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

"""Device data quality (contract §2a): what a phone's positions are worth, never an accusation.

Per rep-day and device: fixes received, how many are coarse (``accuracy_m`` above the
track-cleaning limit), coarse jumps (fixes that would have been an IMPOSSIBLE_SPEED with good
accuracy), cached runs (identical network / wifi / fused positions that would have been a
STATIC_SPOOF from the satellites), gaps by reason and the accuracy distribution (kept as a
histogram at 0.1 m, so the median of any period is exact without the raw fixes).

A device whose coarse share over its last ``device_check_days`` working days (days it sent
fixes) is above ``device_coarse_share`` is a device to check: a phone or settings problem for
the manager, not an alert against the rep. Pure: arrays in, records out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from dashboard import tracks
from dashboard.rules import AuthenticityConfig
from dashboard.rules.authenticity import Fixes, identical_runs, jump_segments


@dataclass(frozen=True)
class DeviceDay:
    """The data-quality record of one device on one rep-day."""

    device_id: str
    fixes: int
    coarse: int
    coarse_jumps: int
    cached_runs: int
    gaps: dict[str, int] = field(default_factory=dict)  # reason → count
    accuracy_hist: dict[str, int] = field(default_factory=dict)  # "12.3" (metres) → fixes

    @property
    def median_accuracy_m(self) -> float | None:
        return median_from_hist(self.accuracy_hist)


def count_coarse_jumps(
    t_s: np.ndarray, lat: np.ndarray, lon: np.ndarray, accuracy_m: np.ndarray, config
) -> int:
    """Coarse fixes that make a jump with a neighbour on the whole (time-sorted) track: the ones
    IMPOSSIBLE_SPEED would have counted without its accuracy limit. A fallback fix out and back
    is one coarse jump (one fix), not two."""
    if t_s.size < 2:
        return 0
    hits, _d, _dt, _v = jump_segments(t_s, lat, lon, config)
    coarse = accuracy_m > config.max_accuracy_m
    involved: set[int] = set()
    for k in hits.tolist():
        involved.update(i for i in (k, k + 1) if coarse[i])
    return len(involved)


def count_cached_runs(
    t_s: np.ndarray, lat: np.ndarray, lon: np.ndarray, satellite: np.ndarray, config
) -> int:
    """Runs of identical non-satellite positions long enough to be a STATIC_SPOOF if they came
    from the satellites (consecutive among the non-satellite fixes)."""
    other = np.flatnonzero(~satellite)
    return len(identical_runs(t_s[other], lat[other], lon[other], config))


def accuracy_histogram(accuracy_m: np.ndarray) -> dict[str, int]:
    """Accuracies counted at 0.1 m (keys are decimal text, so the record is plain JSON)."""
    finite = accuracy_m[np.isfinite(accuracy_m)]
    if not finite.size:
        return {}
    tenths, counts = np.unique(np.round(finite * 10).astype(np.int64), return_counts=True)
    return {f"{t / 10:.1f}": int(c) for t, c in zip(tenths.tolist(), counts.tolist(), strict=True)}


def merge_histograms(hists: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for h in hists:
        total.update({k: int(v) for k, v in (h or {}).items()})
    return dict(total)


def median_from_hist(hist: Mapping[str, int]) -> float | None:
    """The median of the counted values (the mean of the two middle ones for an even count)."""
    items = sorted((float(k), int(v)) for k, v in (hist or {}).items() if int(v) > 0)
    n = sum(c for _k, c in items)
    if not n:
        return None
    lo_rank, hi_rank = (n - 1) // 2, n // 2  # zero-based ranks of the middle value(s)
    seen = 0
    lo_value = hi_value = None
    for value, count in items:
        if lo_value is None and lo_rank < seen + count:
            lo_value = value
        if hi_rank < seen + count:
            hi_value = value
            break
        seen += count
    assert lo_value is not None and hi_value is not None
    return round((lo_value + hi_value) / 2, 2)


def assess_device_day(
    device_id: str,
    fixes: Fixes,
    events: Sequence[tuple[float, str]],
    work_window: tuple[float, float],
    config: AuthenticityConfig,
) -> DeviceDay:
    """The quality record of one device's fixes of one rep-day (``fixes`` time-sorted)."""
    n = len(fixes)
    acc = fixes.accuracy_m
    gaps: Counter[str] = Counter()
    if n >= 2:
        for gap in tracks.find_gaps(
            fixes.t_s,
            fixes.lat,
            fixes.lon,
            min_gap_s=config.signal_gap_min_s,
            work_window=work_window,
        ):
            gaps[tracks.explain_gap(gap.silent_from_s, gap.end_s, events)] += 1
    return DeviceDay(
        device_id=device_id,
        fixes=n,
        coarse=int(np.count_nonzero(acc > config.max_accuracy_m)),
        coarse_jumps=count_coarse_jumps(fixes.t_s, fixes.lat, fixes.lon, acc, config),
        cached_runs=count_cached_runs(fixes.t_s, fixes.lat, fixes.lon, fixes.satellite(), config),
        gaps=dict(sorted(gaps.items())),
        accuracy_hist=accuracy_histogram(acc),
    )


def assess_rep_day(
    fixes: Fixes,
    events: Sequence[tuple[float, str, str]],
    work_window: tuple[float, float],
    config: AuthenticityConfig,
) -> list[DeviceDay]:
    """One record per device the rep's (time-sorted) fixes came from. ``events`` are
    (t_s, kind, device_id); an event without a device explains every device's gaps."""
    if not len(fixes):
        return []
    devices = list(fixes.device_ids) if len(fixes.device_ids) else [""] * len(fixes)
    arr = np.asarray(devices, dtype=object)
    out = []
    for device in sorted(set(devices)):
        idx = np.flatnonzero(arr == device)
        sub = Fixes(
            [fixes.ids[i] for i in idx],
            fixes.t_s[idx],
            fixes.lat[idx],
            fixes.lon[idx],
            fixes.accuracy_m[idx],
            fixes.mock[idx],
            [device] * idx.size,
            [fixes.providers[i] for i in idx] if len(fixes.providers) else [],
        )
        mine = [(t, kind) for t, kind, dev in events if not dev or dev == device]
        out.append(assess_device_day(device, sub, mine, work_window, config))
    return out


def day_figures(record: Mapping[str, Any], limit_share: float) -> dict[str, Any]:
    """One stored device-day record as shown: with its coarse share, total gaps and ``poor``
    (coarse share above the device-check limit that day)."""
    fixes, coarse = int(record["fixes"]), int(record["coarse"])
    share = coarse / fixes if fixes else 0.0
    gaps = {k: int(v) for k, v in (record["gaps"] or {}).items()}
    return {
        "device_id": record["device_id"],
        "fixes": fixes,
        "coarse": coarse,
        "coarse_share": round(share, 4),
        "coarse_jumps": int(record["coarse_jumps"]),
        "cached_runs": int(record["cached_runs"]),
        "gaps": gaps,
        "gaps_total": sum(gaps.values()),
        "median_accuracy_m": record["median_accuracy_m"],
        "poor": share > limit_share,
    }


@dataclass(frozen=True)
class DeviceSummary:
    """One device of one rep over a period (the ``export device-quality`` object)."""

    device_id: str
    rep_id: str
    days: int
    fixes: int
    coarse_share: float
    coarse_jumps: int
    cached_runs: int
    gaps: int
    gaps_by_reason: dict[str, int]
    median_accuracy_m: float | None
    to_check: bool
    first_day: date | None = None
    last_day: date | None = None

    def as_export(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id,
            "rep_id": self.rep_id,
            "days": self.days,
            "fixes": self.fixes,
            "coarse_share": round(self.coarse_share, 4),
            "coarse_jumps": self.coarse_jumps,
            "cached_runs": self.cached_runs,
            "gaps": self.gaps,
            "gaps_by_reason": self.gaps_by_reason,
            "median_accuracy_m": self.median_accuracy_m,
            "to_check": self.to_check,
        }


def is_to_check(days: Sequence[tuple[date, int, int]], config: AuthenticityConfig) -> bool:
    """Whether a device's coarse share stays above the limit over its last working days.

    ``days`` are (local date, fixes, coarse fixes); a working day is one with fixes. Fewer
    working days than ``device_check_days`` are not enough to judge a phone: not to check."""
    worked = sorted((d, n, c) for d, n, c in days if n > 0)
    need = config.device_check_days
    if len(worked) < need:
        return False
    last = worked[-need:]
    fixes = sum(n for _d, n, _c in last)
    coarse = sum(c for _d, _n, c in last)
    return coarse / fixes > config.device_coarse_share


def summarize_devices(
    records: Iterable[Mapping[str, Any]], config: AuthenticityConfig
) -> list[DeviceSummary]:
    """Fold per rep-day device records (keys: rep_id, device_id, local_date, fixes, coarse,
    coarse_jumps, cached_runs, gaps, accuracy_hist) into one summary per device and rep, the
    devices to check first, then by coarse share (highest first), device and rep."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["device_id"], r["rep_id"]), []).append(r)
    out = []
    for (device, rep), rows in groups.items():
        fixes = sum(int(r["fixes"]) for r in rows)
        coarse = sum(int(r["coarse"]) for r in rows)
        gaps: Counter[str] = Counter()
        for r in rows:
            gaps.update({k: int(v) for k, v in (r["gaps"] or {}).items()})
        worked = [r["local_date"] for r in rows if int(r["fixes"]) > 0]
        out.append(
            DeviceSummary(
                device_id=device,
                rep_id=rep,
                days=len(worked),
                fixes=fixes,
                coarse_share=coarse / fixes if fixes else 0.0,
                coarse_jumps=sum(int(r["coarse_jumps"]) for r in rows),
                cached_runs=sum(int(r["cached_runs"]) for r in rows),
                gaps=sum(gaps.values()),
                gaps_by_reason=dict(sorted(gaps.items())),
                median_accuracy_m=median_from_hist(
                    merge_histograms(r["accuracy_hist"] for r in rows)
                ),
                to_check=is_to_check(
                    [(r["local_date"], int(r["fixes"]), int(r["coarse"])) for r in rows], config
                ),
                first_day=min(worked) if worked else None,
                last_day=max(worked) if worked else None,
            )
        )
    out.sort(key=lambda s: (not s.to_check, -s.coarse_share, s.device_id, s.rep_id))
    return out

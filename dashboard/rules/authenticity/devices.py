"""Across reps: DEVICE_SHARED (one phone used by several reps on one day)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dashboard.rules import Alert, AuthenticityConfig, utc

# ---------------------------------------------------------------------------- DEVICE_SHARED


@dataclass(frozen=True)
class DeviceUse:
    """A rep's first use of a device on one local day."""

    device_id: str
    rep_id: str
    local_date: date
    first_s: float


def find_shared_devices(uses: Iterable[DeviceUse], config: AuthenticityConfig) -> list[Alert]:
    """One alert per rep of a device used by ≥ device_min_reps reps on one local day."""
    by_key: dict[tuple[str, date], dict[str, float]] = defaultdict(dict)
    for u in uses:
        reps = by_key[(u.device_id, u.local_date)]
        reps[u.rep_id] = min(reps.get(u.rep_id, math.inf), u.first_s)
    out = []
    for (device, day), reps in sorted(by_key.items()):
        if len(reps) < config.device_min_reps:
            continue
        rep_ids = sorted(reps)
        for rep_id in rep_ids:
            others = [r for r in rep_ids if r != rep_id]
            out.append(
                Alert(
                    f"DEVICE_SHARED:{device}:{day.isoformat()}:{rep_id}",
                    "DEVICE_SHARED",
                    rep_id,
                    utc(reps[rep_id]),
                    day,
                    f"device {device} was used by {len(rep_ids)} reps on {day.isoformat()} "
                    f"(also by {', '.join(others)})",
                    {
                        "device_id": device,
                        "rep_ids": rep_ids,
                        "reps": len(rep_ids),
                        "min_reps": config.device_min_reps,
                    },
                )
            )
    return out

"""Hold one rep-day being generated: its random streams, local plane, output and helpers."""

from __future__ import annotations

import math
import random
from datetime import date
from typing import Any

import numpy as np

from dashboard.demo.config import DAY_S, InjectedCase, second_suffixes
from dashboard.demo.schedule import Slot
from dashboard.demo.world import Rep, World
from dashboard.geo import metres_per_degree


class RepDay:
    """One rep's local working day: what the generators read, draw from and write to.

    ``g`` and ``r`` are the day's random streams, ``noise_g`` and ``noise_r`` the phone noise's.
    Positions are metres east (x) and north (y) of the team's city centre. Records go to
    ``plans``, ``check_ins`` and ``other`` (in that order in the day's batch); expected
    violations go to ``cases``.
    """

    def __init__(
        self,
        w: World,
        rep: Rep,
        di: int,
        day: date,
        slot: Slot | None,
        cutoff: int | None,
        cases: list[InjectedCase],
    ) -> None:
        self.w, self.rep, self.di, self.day, self.slot = w, rep, di, day, slot
        self.kind = slot.kind if slot else ""
        self.cutoff = DAY_S * 2 if cutoff is None else cutoff
        self.complete = cutoff is None
        self.cases = cases
        key = [w.cfg.seed, rep.idx, day.toordinal()]
        self.g = np.random.default_rng(np.random.SeedSequence([*key, 1]))
        self.r = random.Random(
            int.from_bytes(np.random.SeedSequence([*key, 2]).generate_state(4).tobytes(), "little")
        )
        # The phones' noise draws from streams of its own, so every other record of the demo
        # stays what it was before phones became noisy.
        self.noise_g = np.random.default_rng(np.random.SeedSequence([*key, 3]))
        self.noise_r = random.Random(
            int.from_bytes(np.random.SeedSequence([*key, 4]).generate_state(4).tobytes(), "little")
        )
        self.ymd = day.strftime("%Y%m%d")
        self.iso = day.isoformat()
        city = rep.team.city
        self.lat0, self.lon0 = city.lat, city.lon
        self.kx, self.ky = metres_per_degree(city.lat)
        self.device = (
            w.reps[slot.other].device_id if slot and slot.kind == "DEVICE_SHARED" else rep.device_id
        )
        self.plans: list[dict[str, Any]] = []
        self.check_ins: list[dict[str, Any]] = []
        self.other: list[dict[str, Any]] = []
        self.day_photos: list[tuple[str, str, str, str]] = []
        self.visited: list[int] = []
        self.honest_visited: list[int] = []
        self.mock_window: tuple[int, int] | None = None

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        """Project (lat, lon) to metres on the day's plane."""
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def cust_xy(self, c: int) -> tuple[float, float]:
        """Return a customer's position on the day's plane."""
        return self.xy(float(self.w.cust_lat[c]), float(self.w.cust_lon[c]))

    def latlon(self, xy: tuple[float, float]) -> tuple[float, float]:
        """Return the (lat, lon) of a point of the plane, rounded as the wire carries it."""
        return round(self.lat0 + xy[1] / self.ky, 6), round(self.lon0 + xy[0] / self.kx, 6)

    def near(self, xy: tuple[float, float], lo: float, hi: float) -> tuple[float, float]:
        """Return a random point lo..hi metres from xy (draws from ``r``)."""
        a, d = self.r.uniform(0, 2 * math.pi), self.r.uniform(lo, hi)
        return xy[0] + d * math.cos(a), xy[1] + d * math.sin(a)

    def jitter(self, xy: tuple[float, float], sigma: float, cap: float) -> tuple[float, float]:
        """Return xy moved by gaussian noise of sigma metres, capped per axis."""
        r = self.r
        return (
            xy[0] + max(-cap, min(cap, r.gauss(0, sigma))),
            xy[1] + max(-cap, min(cap, r.gauss(0, sigma))),
        )

    def ts(self, t: int) -> str:
        """Return the wire timestamp of a second of the day."""
        return self.iso + second_suffixes()[t]

    def case(self, rule: str, ref: str, note: str = "") -> None:
        """Report an injected violation of this rep."""
        self.cases.append(InjectedCase(rule, self.rep.id, ref, note))

    def emit(self, t: int, rec: dict[str, Any]) -> None:
        """Keep a record unless it lies after the cutoff (now, on today's date)."""
        if t <= self.cutoff:
            (self.check_ins if rec["type"] == "check_in" else self.other).append(rec)

"""A company whose honest phones are as noisy as real ones (contract §2a), with a few labelled
cheats: the test world of "bad phone ≠ cheater".

Honest noise: cell-tower fallback fixes kilometres away with accuracy in the thousands, runs of
identical ``fused`` positions while the phone sits indoors at a customer, network fixes 60–150 m
off, indoor check-ins with 40–90 m accuracy, and two reps whose phones send 40 % coarse fixes.
Cheats (labelled ``(rule, rep_id, local date)``): a teleport reported with good accuracy, a frozen
satellite position, a mock fix, a check-in 1.5 km from the customer.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

TZ = timezone(timedelta(hours=8))
LAT0, LON0 = 31.2304, 121.4737
M_LAT = 1 / 111_194.93
FIRST_DAY = date(2026, 11, 23)  # a Monday
POOR_REPS = ("rep-p1", "rep-p2")
HONEST_REPS = tuple(f"rep-h{i}" for i in range(1, 7)) + POOR_REPS
CHEATS = {
    "rep-c1": ("IMPOSSIBLE_SPEED", 1),
    "rep-c2": ("STATIC_SPOOF", 2),
    "rep-c3": ("MOCK_LOCATION", 3),
    "rep-c4": ("GEOFENCE_MISS", 4),
}


def _move(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (
        lat + north_m * M_LAT,
        lon + east_m * M_LAT / math.cos(math.radians(lat)),
    )


def _ts(day: date, seconds: float) -> str:
    start = datetime(day.year, day.month, day.day, tzinfo=TZ)
    return (start + timedelta(seconds=seconds)).isoformat(timespec="seconds")


@dataclass
class World:
    records: list[dict[str, Any]] = field(default_factory=list)
    truth: set[tuple[str, str, str]] = field(default_factory=set)  # (rule, rep, date)
    days: list[date] = field(default_factory=list)

    @property
    def reps(self) -> list[str]:
        return [*HONEST_REPS, *CHEATS]


def build(days: int = 5, seed: int = 21) -> World:
    """Every record of the world, masters first; ``truth`` names the injected cheats."""
    r = random.Random(seed)
    w = World(days=[FIRST_DAY + timedelta(days=i) for i in range(days)])
    w.records += [
        {"type": "region", "id": "reg-n", "name": "华东 East"},
        {"type": "team", "id": "team-n", "name": "上海噪声组", "region_id": "reg-n"},
    ]
    for k, rep in enumerate(w.reps):
        w.records.append(
            {
                "type": "rep",
                "id": rep,
                "name": f"业务员{k}",
                "team_id": "team-n",
                "device_id": f"dev-{rep}",
            }
        )
        # Four customers per rep on a ring 2–4 km around the rep's start, ≥ 1 km apart.
        home = _move(LAT0, LON0, r.uniform(-8000, 8000), r.uniform(-8000, 8000))
        for c in range(4):
            ang = c * math.pi / 2 + r.uniform(-0.3, 0.3)
            dist = r.uniform(2000, 4000)
            lat, lon = _move(*home, dist * math.cos(ang), dist * math.sin(ang))
            w.records.append(
                {
                    "type": "customer",
                    "id": f"{rep}-c{c}",
                    "name": f"门店{k}-{c}",
                    "lat": round(lat, 6),
                    "lon": round(lon, 6),
                    "city": "上海",
                    "grade": "ABC"[c % 3],
                    "owner_rep_id": rep,
                }
            )
        for d in w.days:
            _day(w, r, rep, home, d)
    return w


def _day(w: World, r: random.Random, rep: str, home, day: date) -> None:
    cheat, cheat_day = CHEATS.get(rep, ("", -1))
    cheat = cheat if w.days.index(day) == cheat_day else ""
    if cheat:
        w.truth.add((cheat, rep, day.isoformat()))
    customers = [rec for rec in w.records if rec.get("owner_rep_id") == rep]
    # The day's timeline: (t from midnight, lat, lon, indoors-at-customer or None).
    points: list[tuple[float, float, float, int | None]] = []
    t, pos = 9 * 3600.0, home
    visits = []
    for c_idx, cust in enumerate(customers):
        target = (cust["lat"], cust["lon"])
        if cheat == "GEOFENCE_MISS" and c_idx == 1:
            target = _move(*target, 1500.0, 0.0)  # parked 1.5 km away, checks in from there
        dist = _haversine(pos, target)
        steps = max(1, int(dist / (8.0 * 60)))  # 8 m/s, one fix a minute
        for s in range(steps):
            f = s / steps
            points.append(
                (t, pos[0] + (target[0] - pos[0]) * f, pos[1] + (target[1] - pos[1]) * f, None)
            )
            t += 60.0
        dwell = r.randint(25, 40) * 60
        visits.append((cust, t, t + dwell, target))
        for _ in range(dwell // 60):
            points.append((t, target[0], target[1], c_idx))
            t += 60.0
        pos = target
    points.append((t, pos[0], pos[1], None))
    _fixes(w, r, rep, day, points, cheat)
    _visits(w, r, rep, day, visits, cheat)
    w.records.append(
        {
            "type": "expense",
            "id": f"e-{rep}-{day.isoformat()}",
            "rep_id": rep,
            "date": day.isoformat(),
            "category": "meal",
            "amount": 42.0,
            "city": "上海",
        }
    )


def _haversine(a, b) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def _fixes(w: World, r: random.Random, rep: str, day: date, points, cheat: str) -> None:
    poor = rep in POOR_REPS
    fallback_at = set(r.sample(range(10, len(points) - 10), 3))
    cached: dict[int, tuple[float, float, float]] = {}
    for i, (t, lat, lon, indoors) in enumerate(points):
        provider, acc, mock = ("gps" if r.random() < 0.6 else "fused"), r.uniform(4, 18), False
        la, lo = _move(lat, lon, r.gauss(0, 4), r.gauss(0, 4))
        if poor and r.random() < 0.4:
            # A poor phone: 40 % of its fixes from the cell network, hundreds of metres off.
            acc = r.uniform(500, 2500)
            ang, dist = r.uniform(0, 2 * math.pi), acc * r.uniform(0.1, 0.8)
            la, lo = _move(lat, lon, dist * math.cos(ang), dist * math.sin(ang))
            provider = "network"
        elif indoors is not None:
            # Indoors: the phone repeats its cached fused position the whole visit.
            if indoors not in cached:
                cached[indoors] = (
                    *_move(lat, lon, r.uniform(-30, 30), r.uniform(-30, 30)),
                    r.uniform(30, 60),
                )
            la, lo, acc = cached[indoors]
            provider = "fused"
        elif i in fallback_at:
            ang, dist = r.uniform(0, 2 * math.pi), r.uniform(4000, 8000)
            la, lo = _move(lat, lon, dist * math.cos(ang), dist * math.sin(ang))
            provider, acc = "network", r.uniform(1500, 3000)
        elif r.random() < 0.1:
            acc = r.uniform(60, 150)
            ang, dist = r.uniform(0, 2 * math.pi), r.uniform(60, 150)
            la, lo = _move(lat, lon, dist * math.cos(ang), dist * math.sin(ang))
            provider = "network"
        if cheat == "IMPOSSIBLE_SPEED" and i == len(points) // 2:
            la, lo = _move(lat, lon, 25_000.0, 0.0)  # a teleport with good accuracy
            provider, acc = "gps", 8.0
        if cheat == "MOCK_LOCATION" and i == len(points) // 3:
            mock = True
        w.records.append(
            {
                "type": "gps",
                "id": f"g-{rep}-{day:%m%d}-{i:04d}",
                "rep_id": rep,
                "device_id": f"dev-{rep}",
                "ts": _ts(day, t),
                "lat": round(la, 6),
                "lon": round(lo, 6),
                "accuracy_m": round(acc, 1),
                "provider": provider,
                "mock": mock,
            }
        )
    if cheat == "STATIC_SPOOF":
        # At the second visit a mock app reports a frozen position as satellite fixes: the very
        # run an honest phone sends as ``fused`` indoors, but from the satellite provider.
        first = next(i for i, p in enumerate(points) if p[3] == 1)
        frozen = points[first]
        for i in range(first, first + 15):
            w.records[-len(points) + i].update(
                lat=round(frozen[1], 6), lon=round(frozen[2], 6), provider="gps", accuracy_m=5.0
            )


def _visits(w: World, r: random.Random, rep: str, day: date, visits, cheat: str) -> None:
    for n, (cust, t_in, t_out, where) in enumerate(visits):
        vid = f"v-{rep}-{day:%m%d}-{n}"
        acc = r.uniform(40, 90)  # indoor check-in
        off = acc * r.uniform(0, 0.9)
        ang = r.uniform(0, 2 * math.pi)
        lat, lon = _move(*where, off * math.cos(ang), off * math.sin(ang))
        if cheat == "GEOFENCE_MISS" and n == 1:
            acc = 10.0
            lat, lon = where
        w.records.append(
            {
                "type": "check_in",
                "id": vid,
                "rep_id": rep,
                "device_id": f"dev-{rep}",
                "customer_id": cust["id"],
                "ts": _ts(day, t_in + 30),
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "accuracy_m": round(acc, 1),
            }
        )
        w.records.append(
            {
                "type": "check_out",
                "id": f"co-{vid}",
                "visit_id": vid,
                "ts": _ts(day, t_out - 30),
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "accuracy_m": round(acc, 1),
            }
        )
        digest = hashlib.sha256(vid.encode()).hexdigest()
        w.records.append(
            {
                "type": "photo",
                "id": f"ph-{vid}",
                "visit_id": vid,
                "ts": _ts(day, t_in + 300),
                "taken_at": _ts(day, t_in + 240),
                "sha256": digest,
                "phash": f"{r.getrandbits(64):016x}",
                "kind": "shelf",
            }
        )

"""Choose the working days, and which rep-days carry a trip or one injected rule."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from dashboard.demo.catalogue import CITIES, TRIP_PARTNER
from dashboard.demo.config import LOCAL_TZ, DemoConfig
from dashboard.demo.world import World, place
from dashboard.rules import AUTHENTICITY_RULES, EXPENSE_RULES

# Share of active reps that receive each injected rule over the period (at least one rep).
_INJECT_RATE = 0.05
_INJECT_RATE_BY_RULE = {"SIGNAL_GAP": 0.08}
_TRIP_RATE = 0.04
# Share of ordinary rep-days a rep takes off.
HONEST_LEAVE_P = 0.01
# The order in which injected rules claim rep-days: contract §2's, not dashboard.rules' (by
# severity). Every injection of every seed depends on it; a rule missing here fails loudly.
_CLAIM_ORDER = (
    "MOCK_LOCATION",
    "IMPOSSIBLE_SPEED",
    "GEOFENCE_MISS",
    "TRACK_MISMATCH",
    "STATIC_SPOOF",
    "SHORT_VISIT",
    "PHOTO_REUSE",
    "PHOTO_TIME_MISMATCH",
    "CLUSTERED_CHECKINS",
    "DEVICE_SHARED",
    "OFF_HOURS",
    "SIGNAL_GAP",
    *EXPENSE_RULES,
)


@dataclass
class Slot:
    """What a rep-day carries besides honest work: one injected rule or a trip leg."""

    kind: str
    variant: int = 0
    other: int = -1  # DEVICE_SHARED: the owner of the borrowed device; DEVICE_OWNER: the borrower
    city: str = ""  # trips: the destination city code
    hotel: tuple[float, float] = (0.0, 0.0)
    overcap_hotel: bool = False


def working_days(cfg: DemoConfig) -> tuple[list[date], date | None, int]:
    """Return the complete working days, today's date if it is a working day, and now (s)."""
    now_local = cfg.now.astimezone(LOCAL_TZ)
    today = now_local.date()
    days: list[date] = []
    d = today
    while len(days) < cfg.days:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            days.append(d)
    days.reverse()
    now_s = now_local.hour * 3600 + now_local.minute * 60 + now_local.second
    return days, (today if today.weekday() < 5 else None), now_s


def plan_schedule(w: World, n_days: int) -> dict[tuple[int, int], Slot]:
    """Choose which rep-days carry a trip or an injected rule (one per rep-day)."""
    g = np.random.default_rng([w.cfg.seed, 3])
    r = random.Random(int(g.integers(2**62)))
    active = [rep.idx for rep in w.reps if rep.active]
    slots = [(i, d) for i in active for d in range(n_days)]
    r.shuffle(slots)
    used: dict[tuple[int, int], Slot] = {}
    n_active = len(active)

    def count(rule: str) -> int:
        return max(1, round(_INJECT_RATE_BY_RULE.get(rule, _INJECT_RATE) * n_active))

    def take(
        rule: str, n: int, ok: Any = None, prefer_later: bool = False, on_take: Any = None
    ) -> list[Slot]:
        order = sorted(slots, key=lambda s: s[1] == 0) if prefer_later else slots
        got: list[Slot] = []
        reps_used: set[int] = set()
        for rep_i, d in order:
            if len(got) >= n:
                break
            if (rep_i, d) in used or rep_i in reps_used or (ok is not None and not ok(rep_i, d)):
                continue
            slot = Slot(rule, variant=len(got))
            used[(rep_i, d)] = slot
            reps_used.add(rep_i)
            got.append(slot)
            if on_take is not None:
                on_take(rep_i, d, slot)
        return got

    # Overnight trips to the partner city of the region (needs that city's customers).
    def trip_ok(rep_i: int, d: int) -> bool:
        partner = TRIP_PARTNER[w.reps[rep_i].team.city.code]
        return partner in w.city_customers and d + 1 < n_days and (rep_i, d + 1) not in used

    def book_trip(rep_i: int, d: int, slot: Slot) -> None:
        city = CITIES[TRIP_PARTNER[w.reps[rep_i].team.city.code]]
        slot.city = city.code
        slot.hotel = place(city, city.bearing(r.random()), r.uniform(500, 2500))
        used[(rep_i, d + 1)] = Slot("TRIP_BACK", city=city.code, hotel=slot.hotel)

    trips = take("TRIP_OUT", max(1, round(_TRIP_RATE * n_active)), trip_ok, on_take=book_trip)

    # DEVICE_SHARED: the borrower and the device's owner work the same day (owner stays honest).
    team_of = {rep.idx: rep.team for rep in w.reps}

    def owner_for(rep_i: int, d: int) -> int:
        for other in team_of[rep_i].reps + active:
            if other != rep_i and w.reps[other].active and (other, d) not in used:
                return other
        return -1

    def lend(rep_i: int, d: int, slot: Slot) -> None:
        slot.other = owner_for(rep_i, d)
        used[(slot.other, d)] = Slot("DEVICE_OWNER", other=rep_i)

    take("DEVICE_SHARED", count("DEVICE_SHARED"), lambda i, d: owner_for(i, d) >= 0, on_take=lend)

    drivers = {i for i in active if w.reps[i].driver}
    for rule in sorted(AUTHENTICITY_RULES + EXPENSE_RULES, key=_CLAIM_ORDER.index):
        if rule in ("DEVICE_SHARED", "FRAUD_DAY_CLAIM"):
            continue
        n = count(rule)
        if rule == "OVER_CAP":
            # Variants cycle meal / entertainment / hotel; a hotel over the cap rides on a trip.
            free_trips = [s for s in trips if not s.overcap_hotel]
            n_hotel = min(len(free_trips), n // 3)
            for s in free_trips[:n_hotel]:
                s.overcap_hotel = True
            take(rule, n - n_hotel)
        elif rule == "MILEAGE_INFLATED":
            take(rule, n, lambda i, d: i in drivers)
        elif rule in ("PHOTO_REUSE", "DUPLICATE_RECEIPT"):
            take(rule, n, prefer_later=True)
        else:
            take(rule, n)
    return used


def takes_day_off(cfg: DemoConfig, rep_idx: int, day: date) -> bool:
    """Return True if a rep with an ordinary day takes it off (no records at all)."""
    coin = np.random.default_rng([cfg.seed, 4, rep_idx, day.toordinal()]).random()
    return bool(coin < HONEST_LEAVE_P)

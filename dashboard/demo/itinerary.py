"""Plan and live a rep's day: which customers, in what order, when each stop begins and ends."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from dashboard.demo.day import RepDay
from dashboard.demo.routes import Track, route

# One rep-day in this many visits two planned stops in swapped order.
SWAP_EVERY = 5


@dataclass
class Item:
    """A stop the rep means to make: a customer visit, a check-in cluster or an idle stop."""

    kind: str
    x: float
    y: float
    cust: int = -1
    variant: str = ""
    forced: bool = False
    planned: bool = False
    skip: bool = False
    cluster: list[int] = field(default_factory=list)


@dataclass
class Visit:
    """A visit as lived: customer, check-in and check-out (s), where each and the photos were."""

    cust: int
    ci: int
    co: int
    ci_xy: tuple[float, float]
    co_xy: tuple[float, float]
    photo_xy: tuple[float, float]
    variant: str = ""
    group: str = ""


@dataclass
class Sim:
    """A lived day: its true track, visits, lunch and signal gap (times in s after midnight)."""

    start: int
    track: Track
    end: int = 0
    visits: list[Visit] = field(default_factory=list)
    lunch: tuple[int, int] | None = None
    gap: tuple[int, int] | None = None  # the idle window in which no fix is sent


def plan_day(rd: RepDay) -> tuple[list[Item], tuple[float, float], tuple[float, float]]:
    """Plan the day's stops and emit its plan; return the stops, where it starts and ends."""
    w, r, rep = rd.w, rd.r, rd.rep
    home = rd.xy(rep.home_lat, rep.home_lon)
    start_xy = end_xy = home
    own = rep.customers
    if rd.kind in ("TRIP_OUT", "TRIP_BACK"):
        assert rd.slot is not None
        hotel = rd.xy(*rd.slot.hotel)
        pool = w.city_customers[rd.slot.city]
        hx, hy = hotel
        cx = (w.cust_lon[pool] - rd.lon0) * rd.kx
        cy = (w.cust_lat[pool] - rd.lat0) * rd.ky
        near = pool[np.argsort((cx - hx) ** 2 + (cy - hy) ** 2, kind="stable")[:40]]
        near = [int(c) for c in near if w.last_visit[c] < rd.di - 1]
        if rd.kind == "TRIP_OUT":
            chosen = r.sample(near, min(len(near), r.randint(3, 5)))
            plan = _nn(rd, chosen, home)
            end_xy = hotel
        else:
            chosen = r.sample(near, min(len(near), r.randint(2, 3)))
            trip = _nn(rd, chosen, hotel)
            last = rd.cust_xy(trip[-1]) if trip else hotel
            plan = trip + _nn(rd, _due(rd, own, r.randint(3, 5)), last)
            start_xy = hotel
    else:
        plan = _nn(rd, _due(rd, own, r.randint(6, 10)), home)
    items = []
    for c in plan:
        items.append(Item("visit", *rd.near(rd.cust_xy(c), 5, 30), cust=c, planned=True))
        items[-1].skip = r.random() < 0.07
    # Some days the rep takes two planned stops the other way round (plan vs actual shows them
    # "done out of order"); chosen by rep and day, not drawn, so the random streams are as before.
    if len(items) >= 4 and (rd.rep.idx + rd.di) % SWAP_EVERY == 0:
        items[1], items[2] = items[2], items[1]
    if not rd.kind.startswith("TRIP") and r.random() < 0.35:
        _insert_unplanned(rd, items, own)
    rd.plans.append(
        {
            "type": "plan",
            "id": f"plan-{rd.rep.num}-{rd.ymd}",
            "rep_id": rd.rep.id,
            "date": rd.iso,
            "customer_ids": [rd.w.cust_id[c] for c in plan],
        }
    )
    return items, start_xy, end_xy


def _due(rd: RepDay, own: np.ndarray, k: int) -> list[int]:
    """Return the k customers most due a visit, by interval, attention and a little chance."""
    if len(own) == 0:
        return []
    w = rd.w
    due = (rd.di - w.last_visit[own]) / w.cust_interval[own]
    noise = 0.3 * rd.g.random(len(own))
    # Neglected customers' urgency grows slowly: the rep's favourites come first.
    score = (due + noise) * w.cust_attention[own]
    return [int(c) for c in own[np.argsort(-score, kind="stable")[:k]]]


def _nn(rd: RepDay, custs: list[int], start: tuple[float, float]) -> list[int]:
    """Order customers by nearest neighbour from start."""
    left = list(custs)
    out: list[int] = []
    cx, cy = start
    pts = {c: rd.cust_xy(c) for c in custs}
    while left:
        nxt = min(left, key=lambda c: (pts[c][0] - cx) ** 2 + (pts[c][1] - cy) ** 2)
        out.append(nxt)
        left.remove(nxt)
        cx, cy = pts[nxt]
    return out


def _insert_unplanned(rd: RepDay, items: list[Item], own: np.ndarray) -> None:
    """Add an unplanned visit to the own customer nearest a random planned stop."""
    taken = {it.cust for it in items}
    spare = [int(c) for c in own if int(c) not in taken]
    if not spare or not items:
        return
    at = rd.r.randrange(len(items))
    ax, ay = items[at].x, items[at].y
    pts = {c: rd.cust_xy(c) for c in spare}
    c = min(spare, key=lambda c: (pts[c][0] - ax) ** 2 + (pts[c][1] - ay) ** 2)
    items.insert(at + 1, Item("visit", *rd.near(pts[c], 5, 30), cust=c))


def simulate(
    rd: RepDay, items: list[Item], start_xy: tuple[float, float], end_xy: tuple[float, float]
) -> Sim:
    """Live the day: drive to each stop that still fits before the end of work, lunch, go home."""
    r, rep, kind = rd.r, rd.rep, rd.kind
    start = rep.ws + r.randint(300, 2400)
    end_target = rep.we - r.randint(600, 3600)
    tr = Track(start, *start_xy)
    tr.stay(start + r.randint(60, 420))
    sim = Sim(start=start, track=tr)
    if not kind.startswith("TRIP") and r.random() < 0.2:  # morning meeting at the office
        office = rd.xy(rep.team.office_lat, rep.team.office_lon)
        tr.drive(route(r, *tr.pos, *rd.near(office, 10, 40)))
        tr.stay(math.ceil(tr.now) + r.randint(1200, 2700))
    lunch_at = r.randint(41_400, 45_000)
    long_lunch = kind in ("IMPOSSIBLE_SPEED", "STATIC_SPOOF")
    for it in items:
        if it.skip:
            continue
        if sim.lunch is None and tr.now >= lunch_at:
            _lunch(rd, tr, sim, long_lunch)
        leg = route(r, *tr.pos, it.x, it.y)
        arrive = math.ceil(tr.now + leg.duration)
        depart, visits, gap = _stop(rd, it, arrive)
        if not it.forced:
            back = route(r, it.x, it.y, *end_xy)
            if depart + back.duration > end_target:
                it.skip = True
                continue
        tr.drive(leg)
        tr.stay(arrive)
        tr.stay(depart)
        sim.visits.extend(visits)
        if gap:
            sim.gap = gap
    if sim.lunch is None and (tr.now < 14 * 3600 or long_lunch):
        _lunch(rd, tr, sim, long_lunch)
    tr.drive(route(r, *tr.pos, *end_xy))
    tr.stay(max(end_target, math.ceil(tr.now)))
    sim.end = math.ceil(tr.now)
    return sim


def _lunch(rd: RepDay, tr: Track, sim: Sim, long_lunch: bool) -> None:
    """Drive to a place nearby and lunch there."""
    r = rd.r
    tr.drive(route(r, *tr.pos, *rd.near(tr.pos, 150, 700)))
    arrive = math.ceil(tr.now)
    depart = arrive + (r.randint(2520, 3480) if long_lunch else r.randint(1800, 3600))
    tr.stay(arrive)
    tr.stay(depart)
    sim.lunch = (arrive, depart)


def _stop(rd: RepDay, it: Item, arrive: int) -> tuple[int, list[Visit], tuple[int, int] | None]:
    """Time a stop: return the departure, the check-ins made there and any signal gap."""
    r = rd.r
    pos = (it.x, it.y)
    if it.kind == "idle":
        gap_start = arrive + r.randint(180, 360)
        gap_end = gap_start + r.randint(2400, 7200)
        return gap_end + r.randint(180, 360), [], (gap_start, gap_end)
    if it.kind == "cluster":
        visits = []
        ci = arrive + r.randint(120, 300)
        for c in it.cluster:
            co = ci + r.randint(480, 660)
            visits.append(
                Visit(
                    c,
                    ci,
                    co,
                    rd.jitter(pos, 6, 18),
                    rd.jitter(pos, 6, 18),
                    pos,
                    "CLUSTERED_CHECKINS",
                    group="cluster",
                )
            )
            ci += r.randint(720, 900)
        return visits[-1].co + r.randint(120, 400), visits, None
    if it.variant == "TRACK_MISMATCH":
        ci = arrive + r.randint(420, 600)
        co = ci + r.randint(900, 1800)
        cxy = rd.cust_xy(it.cust)
        at_shop = rd.near(cxy, 5, 25)
        v = Visit(it.cust, ci, co, at_shop, rd.jitter(at_shop, 4, 10), at_shop, it.variant)
        return co + r.randint(420, 600), [v], None
    ci = arrive + r.randint(30, 180)
    co = ci + (r.randint(60, 170) if it.variant == "SHORT_VISIT" else r.randint(720, 2400))
    v = Visit(it.cust, ci, co, rd.jitter(pos, 4, 10), rd.jitter(pos, 4, 10), pos, it.variant)
    return co + r.randint(20, 150), [v], None

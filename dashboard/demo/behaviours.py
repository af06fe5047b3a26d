"""Inject the cheating behaviours: the records they alter or add, and the cases they expect."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dashboard.demo.catalogue import CITIES
from dashboard.demo.day import RepDay
from dashboard.demo.expenses import entertainment_claim, meal_claim, new_receipt
from dashboard.demo.itinerary import Item, Sim, Visit

# What a SIGNAL_GAP's phone says before and after it, by variant (the last says nothing).
_GAP_EVENTS = (
    ("power_off", "power_on"),
    ("location_permission_revoked", "location_permission_granted"),
    ("network_lost", "network_restored"),
    ("app_killed", "app_started"),
    (None, None),
)


def mark_injection(rd: RepDay, items: list[Item]) -> None:
    """Turn a planned stop into the injected one, or add a check-in cluster or an idle stop."""
    kind = rd.kind
    visit_rules = {
        "GEOFENCE_MISS",
        "TRACK_MISMATCH",
        "SHORT_VISIT",
        "PHOTO_REUSE",
        "PHOTO_TIME_MISMATCH",
    }
    # MOCK_LOCATION alternates: even instances spoof around a visit, odd ones only root.
    mock_visit = kind == "MOCK_LOCATION" and rd.slot is not None and rd.slot.variant % 2 == 0
    if (kind in visit_rules or mock_visit) and items:
        it = items[min(1, len(items) - 1)]
        it.variant, it.forced, it.skip = kind, True, False
        cxy = rd.cust_xy(it.cust)
        if kind == "GEOFENCE_MISS":
            it.x, it.y = rd.near(cxy, 1300, 2700)
        elif kind == "TRACK_MISMATCH":
            it.x, it.y = rd.near(cxy, 3000, 6000)
    elif kind == "CLUSTERED_CHECKINS":
        at = min(2, len(items))
        prev = (items[at - 1].x, items[at - 1].y) if at else rd.xy(rd.rep.home_lat, rd.rep.home_lon)
        cafe = rd.near(prev, 300, 900)
        taken = {it.cust for it in items}
        cluster = _cluster_customers(rd, cafe, taken)
        if len(cluster) >= 3:
            items.insert(at, Item("cluster", *cafe, forced=True, cluster=cluster))
    elif kind == "SIGNAL_GAP":
        at = min(2, len(items))
        prev = (items[at - 1].x, items[at - 1].y) if at else rd.xy(rd.rep.home_lat, rd.rep.home_lon)
        spot = rd.near(prev, 200, 900)
        items.insert(at, Item("idle", *spot, forced=True))


def _cluster_customers(rd: RepDay, cafe: tuple[float, float], taken: set[int]) -> list[int]:
    """Pick 3 customers at least 700 m from the cafe and at least 600 m from each other.

    Three, not four: four check-ins within the hour hold two overlapping triples, which a
    detector may rightly report as one alert or two, and the ground truth must not be vague.
    """
    w = rd.w
    n = 3
    for pool in (rd.rep.customers, w.city_customers[rd.rep.team.city.code]):
        cand = [int(c) for c in pool if int(c) not in taken]
        rd.r.shuffle(cand)
        chosen: list[int] = []
        pts: list[tuple[float, float]] = []
        for c in cand:
            p = rd.cust_xy(c)
            d = math.hypot(p[0] - cafe[0], p[1] - cafe[1])
            if not 700 <= d <= 6000:
                continue
            if all(math.hypot(p[0] - q[0], p[1] - q[1]) >= 600 for q in pts):
                chosen.append(c)
                pts.append(p)
                if len(chosen) == n:
                    return chosen
    return []


def add_off_hours_visit(rd: RepDay, sim: Sim) -> None:
    """Add a visit two hours or so after the end of work (OFF_HOURS)."""
    r = rd.r
    own = [int(c) for c in rd.rep.customers] or [v.cust for v in sim.visits]
    if not own:
        return
    c = r.choice(own)
    pos = rd.near(rd.cust_xy(c), 5, 30)
    ci = rd.rep.we + r.randint(6000, 8400)
    co = ci + r.randint(900, 1800)
    sim.visits.append(
        Visit(c, ci, co, rd.jitter(pos, 4, 10), rd.jitter(pos, 4, 10), pos, "OFF_HOURS")
    )


def inject_into_fixes(
    rd: RepDay,
    sim: Sim,
    t: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    acc: np.ndarray,
    spd: np.ndarray,
    mock: np.ndarray,
    ids: list[str],
    prov: np.ndarray,
) -> None:
    """Teleport, freeze or mock the day's fixes (in place) for the rules that live in them."""
    kind, r = rd.kind, rd.r
    if kind == "IMPOSSIBLE_SPEED" and sim.lunch:
        a, b = sim.lunch
        idx = np.flatnonzero((t >= a + 480) & (t <= b - 480))
        if len(idx) >= 6:
            i = int(idx[2])
            d, ang = r.uniform(22_000, 35_000), r.uniform(0, 2 * math.pi)
            dlat = d * math.sin(ang) / rd.ky
            dlon = d * math.cos(ang) / rd.kx
            lat[i : i + 3] = np.round(lat[i : i + 3] + dlat, 6)
            lon[i : i + 3] = np.round(lon[i : i + 3] + dlon, 6)
            secs = int(t[i] - t[i - 1]), int(t[i + 3] - t[i + 2])
            km = d / 1000
            rd.case("IMPOSSIBLE_SPEED", ids[i], f"jump of {km:.1f} km in {secs[0]} s")
            rd.case(
                "IMPOSSIBLE_SPEED",
                ids[i + 3],
                f"jump back of {km:.1f} km in {secs[1]} s (same teleport as {ids[i]})",
            )
    elif kind == "STATIC_SPOOF" and sim.lunch:
        a = sim.lunch[0] + 180
        idx = np.flatnonzero((t >= a) & (t <= a + 1200))
        if len(idx) >= 20:
            i0, i1 = int(idx[0]), int(idx[-1])
            lat[i0 : i1 + 1] = lat[i0]
            lon[i0 : i1 + 1] = lon[i0]
            acc[i0 : i1 + 1] = acc[i0]
            spd[i0 : i1 + 1] = 0.0
            prov[i0 : i1 + 1] = 0  # a mock app reports its frozen position as satellite
            rd.case(
                "STATIC_SPOOF",
                ids[i0],
                f"{i1 - i0 + 1} identical fixes over {int(t[i1] - t[i0]) // 60} min",
            )
    elif kind == "MOCK_LOCATION" and rd.slot is not None and rd.slot.variant % 2 == 0:
        target = next((v for v in sim.visits if v.variant == "MOCK_LOCATION"), None)
        if target is not None:
            start = target.ci - r.randint(300, 600)
            end = start + r.randint(1500, 2400)
            mock[(t >= start) & (t <= end)] = True
            rd.mock_window = (start, end)


def signal_gap_events(
    rd: RepDay,
    sim: Sim,
    t: np.ndarray,
    fix_ids: list[str],
    events: list[tuple[int, str, str | None]],
) -> tuple[int, int] | None:
    """Add the events that announce the SIGNAL_GAP; return the gap between fixes (s), if any."""
    r = rd.r
    if rd.kind != "SIGNAL_GAP" or not sim.gap:
        return None
    before = np.flatnonzero(t < sim.gap[0])
    after = np.flatnonzero(t >= sim.gap[1])
    if not (len(before) and len(after)):
        return None
    ia, ib = int(before[-1]), int(after[0])
    ta, tb = int(t[ia]), int(t[ib])
    assert rd.slot is not None
    off, on = _GAP_EVENTS[rd.slot.variant % len(_GAP_EVENTS)]
    if off and on:
        events.append((ta + r.randint(3, 50), off, None))
        events.append((tb - r.randint(5, 90), on, None))
    rd.case(
        "SIGNAL_GAP",
        fix_ids[ia],
        f"reason={off or 'unknown'}; no fix for {(tb - ta) // 60} min",
    )
    return ta, tb


def device_cheat_events(rd: RepDay, sim: Sim, events: list[tuple[int, str, str | None]]) -> None:
    """Add the MOCK_LOCATION events, and report MOCK_LOCATION and DEVICE_SHARED cases."""
    r = rd.r
    if rd.kind == "MOCK_LOCATION":
        assert rd.slot is not None
        if rd.mock_window is not None:
            t_mock = rd.mock_window[0] - r.randint(5, 60)
            events.append((t_mock, "mock_app_detected", "com.lerist.fakelocation"))
            note = "mock_app_detected event, mock fixes and a mock check-in"
        else:
            events.append((sim.start + r.randint(0, 600), "rooted_device", "su binary found"))
            note = "rooted_device event"
        rd.case("MOCK_LOCATION", rd.iso, note)
    if rd.kind == "DEVICE_SHARED":
        assert rd.slot is not None
        owner = rd.w.reps[rd.slot.other]
        rd.case(
            "DEVICE_SHARED",
            rd.iso,
            f"uses device {owner.device_id} of {owner.id}, who also sends fixes that day",
        )
    elif rd.kind == "DEVICE_OWNER":
        assert rd.slot is not None
        rd.case(
            "DEVICE_SHARED",
            rd.iso,
            f"owner side: device {rd.device} also used by {rd.w.reps[rd.slot.other].id}",
        )


def report_visit(rd: RepDay, v: Visit, vid: str) -> None:
    """Report the case an injected visit should raise (clustered ones: their geofence miss)."""
    if v.variant == "CLUSTERED_CHECKINS":
        cxy = rd.cust_xy(v.cust)
        d = math.hypot(v.ci_xy[0] - cxy[0], v.ci_xy[1] - cxy[1])
        rd.case(
            "GEOFENCE_MISS",
            vid,
            f"side effect of CLUSTERED_CHECKINS: check-in {d:.0f} m from the customer",
        )
    elif v.variant in ("GEOFENCE_MISS", "TRACK_MISMATCH", "SHORT_VISIT", "OFF_HOURS"):
        notes = {
            "GEOFENCE_MISS": "check-in and check-out {d:.0f} m from the customer",
            "TRACK_MISMATCH": "check-in at the customer, track {d:.0f} m away",
            "SHORT_VISIT": "check-out {s} s after check-in",
            "OFF_HOURS": "check-in at {hm} local",
        }
        cxy = rd.cust_xy(v.cust)
        d = math.hypot(v.photo_xy[0] - cxy[0], v.photo_xy[1] - cxy[1])
        hm = f"{v.ci // 3600:02d}:{v.ci % 3600 // 60:02d}"
        rd.case(v.variant, vid, notes[v.variant].format(d=d, s=v.co - v.ci, hm=hm))


def report_cluster(rd: RepDay, cluster_ids: list[str]) -> None:
    """Report the CLUSTERED_CHECKINS case of the visits made from one spot."""
    rd.case(
        "CLUSTERED_CHECKINS",
        cluster_ids[0],
        f"{len(cluster_ids)} check-ins from one spot: {', '.join(cluster_ids)}",
    )


def tamper_photos(rd: RepDay, v: Visit, vid: str, photos: list[list[Any]]) -> None:
    """Reuse an earlier photo (PHOTO_REUSE) or backdate one (PHOTO_TIME_MISMATCH), in place."""
    r = rd.r
    if v.variant == "PHOTO_REUSE":
        _reuse_photo(rd, photos, vid)
    elif v.variant == "PHOTO_TIME_MISMATCH":
        photos[-1][1] = max(60, v.ci - r.randint(7200, 18000))
        hours = (v.ci - photos[-1][1]) / 3600
        rd.case("PHOTO_TIME_MISMATCH", vid, f"photo {photos[-1][0]} taken {hours:.1f} h before")


def _reuse_photo(rd: RepDay, photos: list[list[Any]], vid: str) -> None:
    """Give the first photo the hashes of an earlier one: the same sha256, or a near phash."""
    r = rd.r
    pool = rd.w.photo_pool.get(rd.rep.idx) or rd.day_photos
    if not pool:
        return
    src_id, src_vid, sha, ph = r.choice(pool)
    assert rd.slot is not None
    if rd.slot.variant % 2 == 0:
        photos[0][2], photos[0][3] = sha, ph
        note = f"photo {photos[0][0]} has the sha256 of {src_id} (visit {src_vid})"
    else:
        bits = r.sample(range(64), r.randint(1, 4))
        flipped = int(ph, 16)
        for b in bits:
            flipped ^= 1 << b
        photos[0][3] = f"{flipped:016x}"
        note = f"photo {photos[0][0]} phash {len(bits)} bits from {src_id} (visit {src_vid})"
    rd.case("PHOTO_REUSE", vid, note)


def inject_claims(rd: RepDay, claims: list[dict[str, Any]]) -> None:
    """Add or replace the day's claims for an injected expense rule (in place)."""
    r, w, kind = rd.r, rd.w, rd.kind
    city = rd.rep.team.city.name
    if kind == "HOTEL_CITY_MISMATCH":
        region = rd.rep.team.city.region
        elsewhere = [c for c in CITIES.values() if c.region != region]
        other = r.choice(elsewhere)
        claims.append(
            {
                "category": "hotel",
                "amount": float(r.randint(280, 480)),
                "city": other.name,
                "receipt_sha256": new_receipt(rd),
                "note": "出差住宿",
                "_rule": kind,
                "_note": f"hotel in {other.name}, check-ins only in {city}",
            }
        )
    elif kind == "DUPLICATE_RECEIPT":
        pool = w.receipt_pool.get(rd.rep.idx)
        if pool:
            src = r.choice(pool)
        else:  # the first day: the same taxi receipt is claimed twice on one date
            src = {
                "category": "transport",
                "amount": round(r.uniform(20, 60), 1),
                "city": city,
                "receipt_sha256": new_receipt(rd),
                "note": "打车",
            }
            claims.append(dict(src))
            src = {**src, "id": "a claim of the same day"}
        if src["category"] == "meal":
            claims[:] = [cl for cl in claims if cl["category"] != "meal"]
        dup = {k: v for k, v in src.items() if k != "id" and not k.startswith("_")}
        dup.update(_rule=kind, _note=f"reuses the receipt of {src['id']}")
        claims.append(dup)
    elif kind == "OVER_CAP":
        guests = [c for c in rd.honest_visited]
        if rd.slot is not None and rd.slot.variant % 2 == 1 and guests:
            claims[:] = [cl for cl in claims if cl["category"] != "entertainment"]
            cl = entertainment_claim(rd, r.choice(guests), r.uniform(1300, 2600), new_receipt(rd))
            cl.update(_rule=kind, _note="entertainment over the 1,000 CNY daily cap")
            claims.append(cl)
        else:
            claims[:] = [cl for cl in claims if cl["category"] != "meal"]
            lunch = meal_claim(r.uniform(118, 168), city, "午餐(客户)", new_receipt(rd))
            dinner = meal_claim(r.uniform(96, 150), city, "晚餐", new_receipt(rd))
            total = lunch["amount"] + dinner["amount"]
            for cl in (lunch, dinner):
                cl.update(_rule=kind, _note=f"meals add up to {total:.1f} CNY (cap 150)")
                claims.append(cl)
    elif kind == "ENTERTAINMENT_NO_VISIT":
        seen = set(rd.visited)
        spare = [int(c) for c in rd.rep.customers if int(c) not in seen]
        if spare:
            c = r.choice(spare)
            cl = entertainment_claim(rd, c, r.uniform(300, 800), new_receipt(rd))
            cl.update(_rule=kind, _note=f"no check-in at {w.cust_id[c]} that day")
            claims.append(cl)
    for cl in claims:
        if cl.get("_rule") == "OVER_CAP" and cl["category"] == "hotel":
            cl["_note"] = "hotel over the 600 CNY cap"


def claim_on_day_off(rd: RepDay) -> None:
    """Claim a taxi ride on a day off (NO_VISIT_DAY): no plan, no track, no check-in."""
    if not rd.complete:
        return
    r = rd.r
    eid = f"exp-{rd.rep.num}-{rd.ymd}-1"
    rd.other.append(
        {
            "type": "expense",
            "id": eid,
            "rep_id": rd.rep.id,
            "date": rd.iso,
            "category": "transport",
            "amount": round(r.uniform(35, 95), 1),
            "currency": "CNY",
            "city": rd.rep.team.city.name,
            "receipt_sha256": new_receipt(rd),
            "note": "打车",
        }
    )
    rd.case("NO_VISIT_DAY", eid, "claim on a day without any check-in")

"""File a rep-day's expense claims: mileage, transport, meals, hotels, entertainment."""

from __future__ import annotations

from typing import Any

from dashboard.demo.catalogue import CITIES
from dashboard.demo.day import RepDay
from dashboard.demo.itinerary import Sim
from dashboard.rules import SEVERITY

_MILEAGE_RATE_CNY_PER_KM = 0.8
# A day with a critical injection makes every claim of that day a FRAUD_DAY_CLAIM.
_CRITICAL = frozenset(rule for rule, level in SEVERITY.items() if level == "critical")


def new_receipt(rd: RepDay) -> str:
    """Return a fresh receipt hash (draws from ``r``)."""
    return f"{rd.r.getrandbits(256):064x}"


def draft_claims(rd: RepDay, sim: Sim) -> list[dict[str, Any]]:
    """Return the claims the rep drafts for the day, before ``behaviours.inject_claims``.

    An injected MILEAGE_INFLATED or over-cap hotel is drafted here, where its draws always were;
    keys starting with "_" (the rule, its evidence) stay off the wire.
    """
    r, w, rep, kind = rd.r, rd.w, rd.rep, rd.kind
    driven_km = sim.track.length / 1000.0
    trip_city = CITIES[rd.slot.city].name if rd.slot and rd.slot.city else ""
    city = trip_city or rep.team.city.name
    claims: list[dict[str, Any]] = []
    if rep.driver:
        if driven_km >= 3 and (r.random() < 0.92 or kind == "MILEAGE_INFLATED"):
            if kind == "MILEAGE_INFLATED":
                km = round(driven_km * r.uniform(1.7, 2.2) + r.uniform(12, 25), 1)
            else:
                km = round(driven_km * r.uniform(0.92, 1.03), 1)
            claims.append(
                {
                    "category": "mileage",
                    "amount": round(km * _MILEAGE_RATE_CNY_PER_KM, 2),
                    "claimed_km": km,
                    "note": "自驾拜访客户",
                    "_rule": "MILEAGE_INFLATED" if kind == "MILEAGE_INFLATED" else "",
                    "_driven": driven_km,
                }
            )
        if r.random() < 0.2:
            claims.append(
                {
                    "category": "other",
                    "amount": float(r.randint(5, 30)),
                    "city": city,
                    "receipt_sha256": new_receipt(rd),
                    "note": "停车费",
                }
            )
    else:
        for _ in range(r.randint(1, 3)):
            claims.append(
                {
                    "category": "transport",
                    "amount": round(r.uniform(8, 60), 1),
                    "city": city,
                    "receipt_sha256": new_receipt(rd),
                    "note": r.choice(("打车", "地铁", "网约车")),
                }
            )
    if kind.startswith("TRIP") and rep.driver:
        claims.append(
            {
                "category": "transport",
                "amount": float(r.randint(35, 110)),
                "city": city,
                "receipt_sha256": new_receipt(rd),
                "note": "高速通行费",
            }
        )
    critical = kind in _CRITICAL
    if r.random() < 0.7 or critical:
        hi = 60 if kind == "TRIP_OUT" else 75
        claims.append(meal_claim(r.uniform(22, hi), city, "午餐", new_receipt(rd)))
    if kind == "TRIP_OUT":
        claims.append(meal_claim(r.uniform(30, 58), city, "晚餐", new_receipt(rd)))
        over = rd.slot is not None and rd.slot.overcap_hotel
        claims.append(
            {
                "category": "hotel",
                "amount": float(r.randint(780, 1200) if over else r.randint(320, 520)),
                "city": city,
                "receipt_sha256": new_receipt(rd),
                "note": "出差住宿",
                "_rule": "OVER_CAP" if over else "",
            }
        )
    guests = [c for c in rd.honest_visited if w.cust_grade[c] in "AB"]
    if guests and r.random() < 0.03 and not kind:
        claims.append(
            entertainment_claim(rd, r.choice(guests), r.uniform(200, 800), new_receipt(rd))
        )
    return claims


def file_claims(rd: RepDay, claims: list[dict[str, Any]]) -> None:
    """Emit the day's claims, report the cases they carry and keep the receipts for reuse."""
    w, rep, kind = rd.w, rd.rep, rd.kind
    critical = kind in _CRITICAL
    for k, cl in enumerate(claims, start=1):
        eid = f"exp-{rep.num}-{rd.ymd}-{k}"
        rec: dict[str, Any] = {
            "type": "expense",
            "id": eid,
            "rep_id": rep.id,
            "date": rd.iso,
            "category": cl["category"],
            "amount": round(float(cl["amount"]), 2),
            "currency": "CNY",
        }
        for key in ("claimed_km", "city", "customer_id", "receipt_sha256", "note"):
            if key in cl:
                rec[key] = cl[key]
        rd.other.append(rec)
        rule = cl.get("_rule", "")
        if rule == "MILEAGE_INFLATED":
            rd.case(rule, eid, f"claimed {cl['claimed_km']} km, drove {cl['_driven']:.1f} km")
        elif rule:
            rd.case(rule, eid, cl.get("_note", ""))
        if critical:
            rd.case("FRAUD_DAY_CLAIM", eid, f"claim on a day with {kind}")
    pool = [
        {**cl, "id": f"exp-{rep.num}-{rd.ymd}-{k}"}
        for k, cl in enumerate(claims, start=1)
        if cl["category"] in ("meal", "transport", "other")
        and "receipt_sha256" in cl
        and not cl.get("_rule")
    ]
    if pool:
        w.receipt_pool[rep.idx] = pool


def meal_claim(amount: float, city: str, note: str, receipt: str) -> dict[str, Any]:
    """Return a meal claim."""
    return {
        "category": "meal",
        "amount": round(amount, 1),
        "city": city,
        "receipt_sha256": receipt,
        "note": note,
    }


def entertainment_claim(rd: RepDay, c: int, amount: float, receipt: str) -> dict[str, Any]:
    """Return a claim for entertaining customer c."""
    return {
        "category": "entertainment",
        "amount": round(amount, 1),
        "city": CITIES[rd.w.cust_city[c]].name,
        "customer_id": rd.w.cust_id[c],
        "receipt_sha256": receipt,
        "note": "客户招待",
    }

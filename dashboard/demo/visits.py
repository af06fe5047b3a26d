"""Emit a rep-day's visits: check-ins and check-outs, photos, orders and SOP steps."""

from __future__ import annotations

import math
from typing import Any

from dashboard.demo import behaviours
from dashboard.demo.catalogue import (
    REORDERING_TEAM,
    REVISED_TEMPLATE,
    SKIPPED_MOST,
    STORE_VISIT_V1,
    TEMPLATES,
)
from dashboard.demo.config import store_visit_revised_on
from dashboard.demo.day import RepDay
from dashboard.demo.itinerary import Sim, Visit

_MEETING_NOTES = (
    "沟通下季度备货计划",
    "确认促销政策",
    "对账并催收货款",
    "新品推广沟通",
    "调整陈列协议",
)
_COMPETITOR_NOTES = (
    "竞品买二送一",
    "竞品新品上架",
    "竞品降价促销",
    "无明显竞品活动",
    "竞品增加堆头",
)


def emit_visits(rd: RepDay, sim: Sim) -> None:
    """Emit the day's visits up to the cutoff, in check-in order, and report injected ones."""
    visits = sorted(sim.visits, key=lambda v: v.ci)
    cluster_ids: list[str] = []
    for k, v in enumerate(visits, start=1):
        vid = f"v-{rd.rep.num}-{rd.ymd}-{k:02d}"
        if v.ci > rd.cutoff:
            continue
        _visit(rd, v, vid)
        rd.visited.append(v.cust)
        if not v.variant:
            rd.honest_visited.append(v.cust)
        if v.variant == "CLUSTERED_CHECKINS":
            cluster_ids.append(vid)
        behaviours.report_visit(rd, v, vid)
    if cluster_ids:
        behaviours.report_cluster(rd, cluster_ids)


def _visit(rd: RepDay, v: Visit, vid: str) -> None:
    """Emit one visit: check-in, check-out, photos, maybe an order, and its SOP steps."""
    r, w, rep = rd.r, rd.w, rd.rep
    kind = w.cust_kind[v.cust]
    tmpl_id, _, steps = TEMPLATES[kind]
    if tmpl_id == REVISED_TEMPLATE and rd.day < store_visit_revised_on(rd.w.cfg):
        steps = STORE_VISIT_V1  # the version in force before the mid-period revision
    cid = w.cust_id[v.cust]
    mock_w = rd.mock_window
    ci_mock = bool(mock_w and mock_w[0] <= v.ci <= mock_w[1])
    co_mock = bool(mock_w and mock_w[0] <= v.co <= mock_w[1])
    la, lo = rd.latlon(v.ci_xy)
    rd.emit(
        v.ci,
        {
            "type": "check_in",
            "id": vid,
            "rep_id": rep.id,
            "device_id": rd.device,
            "customer_id": cid,
            "ts": rd.ts(v.ci),
            "lat": la,
            "lon": lo,
            "accuracy_m": round(r.uniform(5, 25), 1),
            "mock": ci_mock,
            "face_verified": r.random() < 0.97,
            "sop_template_id": tmpl_id,
        },
    )
    la, lo = rd.latlon(v.co_xy)
    rd.emit(
        v.co,
        {
            "type": "check_out",
            "id": f"co-{vid[2:]}",
            "visit_id": vid,
            "ts": rd.ts(v.co),
            "lat": la,
            "lon": lo,
            "accuracy_m": round(r.uniform(5, 25), 1),
            "mock": co_mock,
        },
    )
    short = v.variant == "SHORT_VISIT"
    # Photos: taken during the visit, uploaded moments later, each with fresh random hashes.
    n_ph = 1 if short else r.randint(1, 3)
    lo_t, hi_t = (v.ci + 5, v.co - 5) if short else (v.ci + 20, v.co - 20)
    # The storefront photo comes first, on arrival (its SOP step points at it).
    first = v.ci + (r.randint(5, 9) if short else r.randint(15, 50))
    taken = [first, *sorted(r.randint(lo_t, hi_t) for _ in range(n_ph - 1))]
    kinds = ["storefront", *r.sample(["shelf", "shelf", "promo", "other"], n_ph - 1)]
    photos = []
    for j in range(n_ph):
        sha, ph = f"{r.getrandbits(256):064x}", f"{r.getrandbits(64):016x}"
        photos.append([f"ph-{vid[2:]}-{j + 1}", taken[j], sha, ph, kinds[j]])
    behaviours.tamper_photos(rd, v, vid, photos)
    pla, plo = rd.latlon(rd.jitter(v.photo_xy, 4, 10))
    for pid, tk, sha, ph, pk in photos:
        up = min(max(tk, v.ci) + r.randint(2, 90), v.co)
        rd.emit(
            up,
            {
                "type": "photo",
                "id": pid,
                "visit_id": vid,
                "ts": rd.ts(up),
                "taken_at": rd.ts(tk),
                "lat": pla,
                "lon": plo,
                "sha256": sha,
                "phash": ph,
                "kind": pk,
            },
        )
        if not v.variant and up <= rd.cutoff:
            rd.day_photos.append((pid, vid, sha, ph))
    # Order and SOP steps.
    order_p = (0.4, 0.35, 0.6)[kind]
    amount = None
    oid = f"ord-{vid[2:]}"
    if not short and r.random() < order_p:
        scale = (1500.0, 1200.0, 15000.0)[kind]
        amount = round(scale * math.exp(r.gauss(0, 0.6)), 2)
        t_o = v.co - r.randint(60, 300)
        rd.emit(
            t_o,
            {"type": "order", "id": oid, "visit_id": vid, "amount": amount, "currency": "CNY"},
        )
    # SOP steps (issue 18): honest reps skip some required steps (competitor check and stock
    # count most), now and then record the display photo after leaving (late); injected visits
    # do every required step, so the SOP_INCOMPLETE cases are the honest visits' gaps.
    honest = not v.variant
    done = []
    for code, required in steps:
        if short:
            if code in ("storefront_photo", "checkin"):
                done.append(code)
            continue
        if code == "order_taking":
            if amount is not None:
                done.append(code)
        elif required:
            if not honest or r.random() < SKIPPED_MOST.get(code, 0.97):
                done.append(code)
        elif r.random() < 0.35:
            done.append(code)
    if rd.rep.team.idx == REORDERING_TEAM and len(done) > 3:
        done = [done[0], *reversed(done[1:-1]), done[-1]]  # this team's own order
    late = "photo" if honest and "photo" in done and r.random() < 0.04 else None
    if done:
        lo_s, hi_s = (v.ci + 10, v.co - 5) if short else (v.ci + 60, v.co - 60)
        span = (hi_s - lo_s) / len(done)
        for j, code in enumerate(done):
            ts = int(lo_s + span * j + r.uniform(0, span * 0.8))
            if code == late:
                ts = v.co + r.randint(120, 900)  # recorded after the check-out
            value, ok = _step_value(rd, code, photos[0][0], oid, amount)
            rd.emit(
                ts,
                {
                    "type": "sop_step",
                    "id": f"st-{vid[2:]}-{j + 1}",
                    "visit_id": vid,
                    "step": code,
                    "ts": rd.ts(ts),
                    "value": value,
                    "ok": ok,
                },
            )
    gaps = [c for c, required in steps if required and (c not in done or c == late)]
    if honest and not short and gaps and v.co <= rd.cutoff and v.co - v.ci >= 300:
        rd.case("SOP_INCOMPLETE", vid, "required steps not done: " + ", ".join(gaps))


def _step_value(
    rd: RepDay, code: str, photo_id: str, order_id: str, amount: float | None
) -> tuple[Any, bool]:
    """Return the value an SOP step records and whether it is ok."""
    r = rd.r
    if code in ("storefront_photo", "photo"):
        return {"photo_id": photo_id}, True
    if code in ("checkin", "checkout"):
        return {"confirmed": True}, True
    if code == "competitor_check":
        return r.choice(_COMPETITOR_NOTES), True
    if code == "shelf_check":
        oos = r.choice((0, 0, 0, 0, 1, 2))
        return {"facings": r.randint(4, 40), "out_of_stock_skus": oos}, oos < 2
    if code == "stock_count":
        return {"skus": r.randint(8, 40), "units": r.randint(40, 600)}, True
    if code == "promo_check":
        ok = r.random() < 0.85
        return {"display": ok, "price_tag_ok": r.random() < 0.9}, ok
    if code == "competitor_note":
        return r.choice(_COMPETITOR_NOTES), True
    if code == "order_taking":
        return {"order_id": order_id, "amount": amount}, True
    if code == "staff_training":
        return {"attendees": r.randint(1, 5)}, True
    if code == "payment_followup":
        return {"outstanding_cny": round(r.uniform(0, 50_000), 2)}, True
    return r.choice(_MEETING_NOTES), True

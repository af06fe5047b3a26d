"""Small builders of valid wire records (contract §1) for tests; override any field by keyword."""

from __future__ import annotations

from typing import Any


def region(id: str = "reg-e", **kw: Any) -> dict[str, Any]:
    return {"type": "region", "id": id, "name": "华东 East", **kw}


def team(id: str = "team-1", region_id: str = "reg-e", **kw: Any) -> dict[str, Any]:
    return {"type": "team", "id": id, "name": "上海一组", "region_id": region_id, **kw}


def rep(id: str = "rep-1", team_id: str = "team-1", **kw: Any) -> dict[str, Any]:
    return {"type": "rep", "id": id, "name": "张伟", "team_id": team_id, **kw}


def customer(id: str = "cust-1", **kw: Any) -> dict[str, Any]:
    rec = {
        "type": "customer",
        "id": id,
        "name": "华联超市(徐汇店)",
        "lat": 31.1880,
        "lon": 121.4365,
        "city": "上海",
        "grade": "A",
        "owner_rep_id": "rep-1",
    }
    rec.update(kw)
    return rec


def sop_template(id: str = "sop-std", **kw: Any) -> dict[str, Any]:
    rec = {
        "type": "sop_template",
        "id": id,
        "name": "标准拜访",
        "steps": [
            {"code": "storefront_photo", "required": True},
            {"code": "shelf_check", "required": True},
            {"code": "promo_check", "required": False},
        ],
    }
    rec.update(kw)
    return rec


def plan(id: str = "plan-1", **kw: Any) -> dict[str, Any]:
    rec = {
        "type": "plan",
        "id": id,
        "rep_id": "rep-1",
        "date": "2026-11-26",
        "customer_ids": ["cust-1"],
    }
    rec.update(kw)
    return rec


def gps(id: str = "fix-1", ts: str = "2026-11-26T09:15:02+08:00", **kw: Any) -> dict[str, Any]:
    rec = {
        "type": "gps",
        "id": id,
        "rep_id": "rep-1",
        "device_id": "dev-1",
        "ts": ts,
        "lat": 31.1881,
        "lon": 121.4366,
        "accuracy_m": 12.0,
        "speed_mps": 0.5,
        "provider": "gps",
    }
    rec.update(kw)
    return rec


def device_event(id: str = "ev-1", kind: str = "power_off", **kw: Any) -> dict[str, Any]:
    rec = {
        "type": "device_event",
        "id": id,
        "rep_id": "rep-1",
        "device_id": "dev-1",
        "ts": "2026-11-26T10:00:00+08:00",
        "kind": kind,
    }
    rec.update(kw)
    return rec


def check_in(id: str = "v-1", **kw: Any) -> dict[str, Any]:
    rec = {
        "type": "check_in",
        "id": id,
        "rep_id": "rep-1",
        "device_id": "dev-1",
        "customer_id": "cust-1",
        "ts": "2026-11-26T09:20:00+08:00",
        "lat": 31.1882,
        "lon": 121.4364,
        "accuracy_m": 10.0,
        "sop_template_id": "sop-std",
    }
    rec.update(kw)
    return rec


def check_out(id: str = "co-1", visit_id: str = "v-1", **kw: Any) -> dict[str, Any]:
    rec = {
        "type": "check_out",
        "id": id,
        "visit_id": visit_id,
        "ts": "2026-11-26T09:45:00+08:00",
        "lat": 31.1882,
        "lon": 121.4364,
        "accuracy_m": 10.0,
    }
    rec.update(kw)
    return rec


def sop_step(id: str = "st-1", visit_id: str = "v-1", **kw: Any) -> dict[str, Any]:
    rec = {
        "type": "sop_step",
        "id": id,
        "visit_id": visit_id,
        "step": "storefront_photo",
        "ts": "2026-11-26T09:22:00+08:00",
        "ok": True,
    }
    rec.update(kw)
    return rec


def photo(id: str = "ph-1", visit_id: str = "v-1", **kw: Any) -> dict[str, Any]:
    rec = {
        "type": "photo",
        "id": id,
        "visit_id": visit_id,
        "ts": "2026-11-26T09:23:00+08:00",
        "taken_at": "2026-11-26T09:22:30+08:00",
        "sha256": "ab" * 32,
        "phash": "0f0f0f0f0f0f0f0f",
        "kind": "shelf",
    }
    rec.update(kw)
    return rec


def order(id: str = "o-1", visit_id: str = "v-1", **kw: Any) -> dict[str, Any]:
    return {"type": "order", "id": id, "visit_id": visit_id, "amount": 1280.5, **kw}


def expense(id: str = "e-1", **kw: Any) -> dict[str, Any]:
    rec = {
        "type": "expense",
        "id": id,
        "rep_id": "rep-1",
        "date": "2026-11-26",
        "category": "meal",
        "amount": 45.0,
        "city": "上海",
    }
    rec.update(kw)
    return rec


def company() -> list[dict[str, Any]]:
    """The master records every event builder above refers to."""
    return [region(), team(), rep(), customer(), sop_template(), plan()]


def one_visit() -> list[dict[str, Any]]:
    """A complete visit: check-in, steps, photo, order, check-out."""
    return [check_in(), sop_step(), photo(), order(), check_out()]

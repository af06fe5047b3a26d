"""Builders for finance tests: a small two-region company with claims, a driven track, and
expense flags inserted directly (as the judge's rules engine would write them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from dashboard.services import ingest, rollups, users
from data_access import schema
from tests import builders as b

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
DAY = "2026-11-26"
# A 10-minute-step drive east along latitude 31.2 (≈ 0.9525 km per 0.01° of longitude).
DRIVE_LONS = [121.40 + 0.01 * i for i in range(9)]


def company() -> list[dict[str, Any]]:
    """East (rep-1 drives, rep-2 walks) and south (rep-s), customers in two cities."""
    return [
        b.region("reg-e", name="华东 East"),
        b.region("reg-s", name="华南 South"),
        b.team("team-1", region_id="reg-e", name="上海一组"),
        b.team("team-s", region_id="reg-s", name="广州三组"),
        b.rep("rep-1", team_id="team-1", name="张伟"),
        b.rep("rep-2", team_id="team-1", name="王芳"),
        b.rep("rep-s", team_id="team-s", name="李娜"),
        b.customer("cust-1", lat=31.2, lon=121.40, city="上海"),
        b.customer("cust-2", lat=31.2, lon=121.48, city="上海", name="联华超市"),
        b.customer("cust-h", lat=30.27, lon=120.15, city="杭州", name="杭州门店"),
        b.customer(
            "cust-s", owner_rep_id="rep-s", lat=23.13, lon=113.26, city="广州", name="天河便利店"
        ),
        b.sop_template(),
    ]


def drive() -> list[dict[str, Any]]:
    """rep-1's day: fixes every 10 min from 09:00 along 8 × 0.01° east, and two verified
    visits at either end (cust-1 at 09:00, cust-2 at 10:20)."""
    fixes = [
        b.gps(
            f"fix-{i}",
            ts=f"{DAY}T{9 + (i * 10) // 60:02d}:{(i * 10) % 60:02d}:00+08:00",
            lat=31.2,
            lon=lon,
        )
        for i, lon in enumerate(DRIVE_LONS)
    ]
    visits = [
        b.check_in("v-1", customer_id="cust-1", ts=f"{DAY}T09:00:30+08:00", lat=31.2, lon=121.40),
        b.check_out("co-1", "v-1", ts=f"{DAY}T09:20:00+08:00", lat=31.2, lon=121.40),
        b.check_in("v-2", customer_id="cust-2", ts=f"{DAY}T10:20:30+08:00", lat=31.2, lon=121.48),
        b.check_out("co-2", "v-2", ts=f"{DAY}T10:40:00+08:00", lat=31.2, lon=121.48),
    ]
    return fixes + visits


def claims() -> list[dict[str, Any]]:
    """Claims of every kind on DAY (east) plus one of the south rep."""
    return [
        b.expense("e-km", category="mileage", amount=24.0, claimed_km=30.0, city=None),
        b.expense("e-meal-1", amount=120.0, receipt_sha256="aa" * 32),
        b.expense("e-meal-2", amount=80.0, receipt_sha256="bb" * 32),
        b.expense("e-taxi", category="transport", amount=30.0, receipt_sha256="aa" * 32),
        b.expense("e-hotel", category="hotel", amount=450.0, city="杭州"),
        b.expense("e-ent", category="entertainment", amount=600.0, customer_id="cust-2"),
        b.expense("e-clean", category="transport", amount=18.0, rep_id="rep-2"),
        b.expense("e-s", category="meal", amount=40.0, rep_id="rep-s", city="广州"),
    ]


def flag(
    claim_id: str,
    rule: str,
    *,
    rep_id: str = "rep-1",
    day: str = DAY,
    amount: float,
    at_risk: float,
    status: str = "open",
    evidence: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One expense_flags row, id "<rule>:<claim_id>" like the judge's."""
    return {
        "id": f"{rule}:{claim_id}",
        "rule": rule,
        "claim_id": claim_id,
        "rep_id": rep_id,
        "date": date.fromisoformat(day),
        "amount": amount,
        "amount_at_risk": at_risk,
        "summary": f"{rule} on {claim_id}",
        "evidence": dict(evidence or {}),
        "status": status,
        "created_at": NOW,
        "updated_at": NOW,
    }


def standard_flags() -> list[dict[str, Any]]:
    """Mileage inflated, meals over the cap (excess 50 shared), a duplicate receipt, a hotel in
    a city not visited."""
    return [
        flag(
            "e-km",
            "MILEAGE_INFLATED",
            amount=24.0,
            at_risk=7.31,
            evidence={"claimed_km": 30.0, "tracked_km": 7.62, "limit_km": 10.76},
        ),
        flag("e-meal-1", "OVER_CAP", amount=120.0, at_risk=30.0),
        flag("e-meal-2", "OVER_CAP", amount=80.0, at_risk=20.0),
        flag("e-taxi", "DUPLICATE_RECEIPT", amount=30.0, at_risk=30.0),
        flag("e-hotel", "HOTEL_CITY_MISMATCH", amount=450.0, at_risk=450.0),
        flag("e-s", "NO_VISIT_DAY", rep_id="rep-s", amount=40.0, at_risk=40.0),
    ]


def insert_flags(engine: Engine, rows: Iterable[Mapping[str, Any]]) -> None:
    with engine.begin() as conn:
        conn.execute(schema.expense_flags.insert(), [dict(r) for r in rows])


def seed(engine: Engine, *, flags: bool = True) -> None:
    """The company, rep-1's driven day, the claims, the rollups, and (by default) the flags."""
    summary = ingest.ingest_values(engine, company() + drive() + claims(), source="test", now=NOW)
    assert not summary.rejected, summary.rejected
    rollups.refresh_rep_days(engine, now=NOW)
    if flags:
        insert_flags(engine, standard_flags())


def make_user(engine: Engine, role: str, *, name: str | None = None, regions=()) -> users.User:
    return users.create_user(
        engine,
        name=name or role,
        password="password-123",
        role=role,
        regions=regions or (("reg-e",) if role == "manager" else ()),
        now=NOW,
    )

"""Expense rules (contract §3): thresholds from both sides, amounts at risk, rules together."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from dashboard.rules import ExpenseConfig
from dashboard.rules import expenses as x

D = date(2026, 11, 26)
NEXT = date(2026, 11, 27)
CFG = ExpenseConfig()
VISITED = [x.CheckIn("r-1", D, "c-1", "上海")]


def claim(cid="e-1", category="meal", amount="80", **kw) -> x.Claim:
    kw.setdefault("arrival", (0, int(cid.split("-")[-1]) if cid.split("-")[-1].isdigit() else 0))
    return x.Claim(cid, kw.pop("rep_id", "r-1"), kw.pop("date", D), category, Decimal(amount), **kw)


def judge(claims, *, check_ins=VISITED, km=None, critical=None, receipts=(), config=CFG):
    return x.judge_claims(
        claims,
        check_ins=check_ins,
        tracked_km=km or {},
        critical_alerts=critical or {},
        receipt_claims=receipts,
        config=config,
    )


def by_rule(flags) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in flags:
        out.setdefault(f.rule, []).append(f)
    return out


def test_clean_claims_raise_nothing():
    claims = [
        claim("e-1", "meal", "90"),
        claim("e-2", "entertainment", "500", customer_id="c-1"),
        claim("e-3", "mileage", "40", claimed_km=50.0),
        claim("e-4", "hotel", "400", city="上海"),
    ]
    assert judge(claims, km={("r-1", D): 48.0}) == []


def test_mileage_contract_example_and_amount_at_risk():
    flags = judge([claim("e-5", "mileage", "96", claimed_km=120.0)], km={("r-1", D): 72.1})
    (f,) = flags
    assert f.rule == "MILEAGE_INFLATED" and f.id == "MILEAGE_INFLATED:e-5"
    assert f.evidence["limit_km"] == pytest.approx(72.1 * 1.15 + 2, abs=1e-3)
    assert f.evidence["tracked_km"] == 72.1 and f.evidence["rate_cny_per_km"] == 0.8
    assert f.amount_at_risk == Decimal("38.32")  # (120 - 72.1) km x 0.8 CNY/km
    assert f.amount == Decimal("96.00")


def test_mileage_at_the_limit_does_not_fire_just_above_does():
    limit = 50.0 * 1.15 + 2
    assert judge([claim("e-1", "mileage", "50", claimed_km=limit)], km={("r-1", D): 50.0}) == []
    flags = judge([claim("e-1", "mileage", "50", claimed_km=limit + 0.001)], km={("r-1", D): 50.0})
    assert [f.rule for f in flags] == ["MILEAGE_INFLATED"]


def test_mileage_at_risk_never_exceeds_the_claim():
    (f,) = judge([claim("e-1", "mileage", "10", claimed_km=500.0)], km={("r-1", D): 0.0})
    assert f.amount_at_risk == Decimal("10.00")


def test_no_visit_day_flags_every_claim_of_a_day_without_check_in():
    flags = judge([claim("e-1", "meal", "30"), claim("e-2", "transport", "12.5")], check_ins=[])
    assert sorted((f.id, f.amount_at_risk) for f in flags) == [
        ("NO_VISIT_DAY:e-1", Decimal("30.00")),
        ("NO_VISIT_DAY:e-2", Decimal("12.50")),
    ]


def test_hotel_city_matches_same_or_next_day_only():
    hotel = claim("e-1", "hotel", "400", city="杭州")
    assert [f.rule for f in judge([hotel])] == ["HOTEL_CITY_MISMATCH"]
    next_day = [*VISITED, x.CheckIn("r-1", NEXT, "c-9", "杭州")]
    assert judge([hotel], check_ins=next_day) == []
    other_rep = [*VISITED, x.CheckIn("r-2", D, "c-9", "杭州")]
    (f,) = judge([hotel], check_ins=other_rep)
    assert f.evidence["city"] == "杭州" and f.evidence["cities_visited"] == ["上海"]


def test_duplicate_receipt_flags_all_but_the_first_by_date_then_arrival():
    sha = "f" * 64
    early = claim("e-3", "meal", "50", receipt_sha256=sha, date=date(2026, 11, 25), arrival=(9, 9))
    first_today = claim("e-1", "meal", "50", receipt_sha256=sha, arrival=(1, 1))
    second_today = claim("e-2", "meal", "50", receipt_sha256=sha, arrival=(1, 2))
    flags = judge([first_today, second_today], receipts=[early, first_today, second_today])
    dup = by_rule(flags)["DUPLICATE_RECEIPT"]
    assert sorted(f.claim_id for f in dup) == ["e-1", "e-2"]
    assert {f.evidence["first_claim_id"] for f in dup} == {"e-3"}
    alone = judge([first_today, second_today])
    assert [f.claim_id for f in by_rule(alone)["DUPLICATE_RECEIPT"]] == ["e-2"]


def test_fraud_day_claim_names_the_critical_alerts():
    flags = judge([claim()], critical={("r-1", D): ["PHOTO_REUSE:p-1", "MOCK_LOCATION:r-1:x"]})
    (f,) = flags
    assert f.rule == "FRAUD_DAY_CLAIM"
    assert f.evidence["alert_ids"] == ["MOCK_LOCATION:r-1:x", "PHOTO_REUSE:p-1"]
    assert judge([claim()], critical={("r-1", NEXT): ["PHOTO_REUSE:p-1"]}) == []


def test_over_cap_at_the_cap_is_fine_above_splits_the_excess():
    assert judge([claim("e-1", "meal", "100"), claim("e-2", "meal", "50")]) == []
    flags = judge([claim("e-1", "meal", "100"), claim("e-2", "meal", "60")])
    assert sorted((f.claim_id, f.amount_at_risk) for f in flags) == [
        ("e-1", Decimal("6.25")),
        ("e-2", Decimal("3.75")),
    ]
    assert flags[0].evidence["cap_cny"] == 150.0 and flags[0].evidence["total_cny"] == 160.0


def test_over_cap_shares_add_up_to_the_excess_to_the_cent():
    claims = [claim(f"e-{i}", "entertainment", "333.34", customer_id="c-1") for i in range(1, 4)]
    flags = judge(claims)
    assert sum(f.amount_at_risk for f in flags) == Decimal("0.02")
    hotel = judge([claim("e-1", "hotel", "600.01", city="上海")])
    assert [(f.rule, f.amount_at_risk) for f in hotel] == [("OVER_CAP", Decimal("0.01"))]


def test_over_cap_uses_configured_caps():
    config = replace(CFG, meal_cap_cny=50.0)
    assert [f.rule for f in judge([claim("e-1", "meal", "80")], config=config)] == ["OVER_CAP"]


def test_entertainment_without_a_check_in_at_that_customer():
    assert judge([claim("e-1", "entertainment", "300", customer_id="c-1")]) == []
    (f,) = judge([claim("e-1", "entertainment", "300", customer_id="c-2")])
    assert f.rule == "ENTERTAINMENT_NO_VISIT" and f.evidence["customer_id"] == "c-2"


def test_no_visit_day_and_over_cap_fire_together():
    flags = judge([claim("e-1", "meal", "200")], check_ins=[])
    assert sorted((f.rule, f.amount_at_risk) for f in flags) == [
        ("NO_VISIT_DAY", Decimal("200.00")),
        ("OVER_CAP", Decimal("50.00")),
    ]

"""The expense reconciliation arithmetic: mileage ledger, caps, what-if counts, decisions."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from dashboard import finance as core
from dashboard.rules.expenses import Claim, reconcile_mileage
from dashboard.rules.integrity import integrity_score

RULES = core.FinanceRules()


def test_default_band_is_tracked_times_1_15_plus_2_km():
    assert float(core.limit_km(100.0, RULES)) == pytest.approx(117.0)
    assert float(core.limit_km(0.0, RULES)) == pytest.approx(2.0)


def test_ledger_of_an_inflated_claim_puts_the_km_over_the_track_at_risk_as_the_flag_does():
    ledger = core.mileage_ledger(
        claimed_km=120.0, amount_cny=96.0, raw_km=80.0, tracked_km=72.1, chain_km=40.0, rules=RULES
    )
    assert ledger.limit_km == pytest.approx(72.1 * 1.15 + 2)  # 84.915, contract §4 example
    # contract §3: the excess km × rate (§4's example: 120 km claimed, 72.1 tracked → ≈ 38.4)
    assert ledger.excess_km == pytest.approx(120 - 72.1)
    assert ledger.at_risk_cny == pytest.approx(38.32)
    assert ledger.reimbursable_km == pytest.approx(72.1)
    assert ledger.reimbursable_cny == pytest.approx(96.0 - 38.32)
    claim = Claim("e", "r", date(2026, 11, 26), "mileage", Decimal("96.00"), claimed_km=120.0)
    flag = reconcile_mileage(claim, 72.1, RULES)
    assert float(flag.amount_at_risk) == ledger.at_risk_cny
    assert ledger.ratio == pytest.approx(120 / 72.1)
    assert not ledger.within_band and not ledger.below_chain


def test_ledger_within_the_band_reimburses_the_whole_claim():
    ledger = core.mileage_ledger(
        claimed_km=50.0, amount_cny=40.0, raw_km=48.0, tracked_km=45.0, chain_km=30.0, rules=RULES
    )
    assert ledger.within_band
    assert ledger.excess_km == 0
    assert ledger.reimbursable_cny == 40.0 and ledger.at_risk_cny == 0.0


def test_ledger_without_a_track_has_no_ratio_and_only_the_fixed_tolerance():
    ledger = core.mileage_ledger(
        claimed_km=10.0, amount_cny=8.0, raw_km=0.0, tracked_km=0.0, chain_km=0.0, rules=RULES
    )
    assert ledger.ratio is None
    assert not ledger.within_band  # 10 km claimed over a 2 km band
    assert ledger.reimbursable_km == 0.0 and ledger.reimbursable_cny == 0.0
    assert ledger.at_risk_cny == pytest.approx(8.0)  # 10 km × 0.8, the whole claim


def test_ledger_flags_a_claim_below_the_straight_line_lower_bound():
    ledger = core.mileage_ledger(
        claimed_km=5.0, amount_cny=4.0, raw_km=20.0, tracked_km=20.0, chain_km=12.0, rules=RULES
    )
    assert ledger.below_chain and ledger.within_band


def test_ledger_uses_the_configured_rate_and_tolerance():
    rules = core.FinanceRules(
        mileage_tolerance_pct=0.0, mileage_allowance_km=0.0, mileage_rate_cny_per_km=1.5
    )
    ledger = core.mileage_ledger(
        claimed_km=30.0, amount_cny=45.0, raw_km=20.0, tracked_km=20.0, chain_km=0.0, rules=rules
    )
    assert ledger.limit_km == 20.0
    assert ledger.reimbursable_cny == 30.0 and ledger.at_risk_cny == 15.0


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_ledger_refuses_a_negative_or_non_finite_distance_naming_it(bad):
    with pytest.raises(core.FinanceError, match="tracked_km"):
        core.mileage_ledger(
            claimed_km=1.0, amount_cny=1.0, raw_km=1.0, tracked_km=bad, chain_km=0.0, rules=RULES
        )


def test_raw_track_km_sums_plausible_segments_in_time_order_and_skips_jumps():
    # 0.01° of longitude at the equator ≈ 1.112 km; fixes given out of order.
    t = [600.0, 0.0, 1200.0, 1201.0]
    lats = [0.0, 0.0, 0.0, 0.0]
    lons = [0.01, 0.0, 0.02, 1.0]  # the last fix jumps ~110 km in 1 s
    assert core.raw_track_km(t, lats, lons) == pytest.approx(2 * 1.11195, rel=1e-3)


def test_raw_track_km_of_fewer_than_two_fixes_is_zero():
    assert core.raw_track_km([1.0], [0.0], [0.0]) == 0.0


def test_chain_km_joins_points_in_order():
    assert core.chain_km([0, 0, 0], [0.0, 0.01, 0.0]) == pytest.approx(2 * 1.11195, rel=1e-3)
    assert core.chain_km([0], [0]) == 0.0


def _claims(rows):
    return pd.DataFrame(
        rows,
        columns=[
            "claim_id",
            "rep_id",
            "date",
            "category",
            "amount",
            "claimed_km",
            "tracked_km",
        ],
    )


D = date(2026, 11, 26)
HISTORY = _claims(
    [
        ("m1", "r1", D, "mileage", 96.0, 120.0, 72.1),  # 47.9 km over the track → 38.32
        ("m2", "r1", date(2026, 11, 25), "mileage", 40.0, 50.0, 45.0),  # within
        ("m3", "r2", D, "mileage", 20.0, 25.0, None),  # no track: 25 km × 0.8 → all 20.0
        ("a", "r1", D, "meal", 120.0, None, None),
        ("b", "r1", D, "meal", 80.0, None, None),  # meals 200 > 150: excess 50 shared 30/20
        ("h", "r2", D, "hotel", 590.0, None, None),
        ("t", "r2", D, "transport", 500.0, None, None),  # uncapped
    ]
)


def test_what_if_with_the_defaults_counts_each_rule_and_each_claim_once():
    table = core.what_if(HISTORY, RULES).set_index("rule")
    assert table.loc["MILEAGE_INFLATED", "claims"] == 2
    assert table.loc["MILEAGE_INFLATED", "at_risk"] == pytest.approx(38.32 + 20.0)
    assert table.loc["OVER_CAP", "claims"] == 2
    assert table.loc["OVER_CAP", "at_risk"] == pytest.approx(50.0)
    assert table.loc["OVER_CAP", "amount"] == pytest.approx(200.0)
    assert table.loc["total", "claims"] == 4


def test_what_if_a_lower_hotel_cap_flags_the_hotel_and_a_wider_tolerance_clears_mileage():
    proposed = core.rules_from_values(
        {"hotel_cap_cny": 500, "mileage_tolerance_pct": 100, "mileage_allowance_km": 30}
    )
    table = core.compare_what_if(HISTORY, RULES, proposed).set_index("rule")
    assert table.loc["OVER_CAP", "claims_then"] == 3
    assert table.loc["OVER_CAP", "at_risk_then"] == pytest.approx(140.0)
    assert table.loc["MILEAGE_INFLATED", "claims_then"] == 0
    assert table.loc["MILEAGE_INFLATED", "claims_change"] == -2
    assert table.loc["total", "claims_now"] == 4 and table.loc["total", "claims_then"] == 3


def test_over_cap_shares_the_excess_in_proportion_and_adds_up_to_it():
    risk = core.over_cap_at_risk(HISTORY, RULES)
    assert risk.tolist() == [0.0, 0.0, 0.0, 30.0, 20.0, 0.0, 0.0]


def test_cap_check_reports_total_cap_and_excess_and_none_for_uncapped():
    check = core.cap_check("meal", [("a", 120.0), ("b", 80.0)], RULES)
    assert (check.total_cny, check.cap_cny, check.excess_cny) == (200.0, 150.0, 50.0)
    assert check.claim_ids == ("a", "b")
    assert core.cap_check("transport", [("t", 500.0)], RULES) is None


def test_rules_from_values_reads_setting_keys_and_names_a_bad_one():
    rules = core.rules_from_values({"mileage_rate_cny_per_km": "1.2", "meal_cap_cny": 200})
    assert rules.mileage_rate_cny_per_km == 1.2 and rules.meal_cap_cny == 200.0
    assert rules.mileage_tolerance_pct == 15.0
    with pytest.raises(core.FinanceError, match="meal_cap_cny"):
        core.rules_from_values({"meal_cap_cny": -5})
    with pytest.raises(core.FinanceError, match="mileage_tolerance_pct"):
        core.rules_from_values({"mileage_tolerance_pct": "lots"})
    with pytest.raises(core.FinanceError, match="not a finance setting"):
        core.rules_from_values({"cap.taxi_cny": 5})
    with pytest.raises(core.FinanceError, match=r"mileage_rate_cny_per_km: 0\.0 is outside 0\.01"):
        core.rules_from_values({"mileage_rate_cny_per_km": 0})


@pytest.mark.parametrize(
    ("current", "action", "note", "expected"),
    [
        ("pending", "approve", None, "approved"),
        ("pending", "reject", "no visit that day", "rejected"),
        ("pending", "query", "which customer?", "queried"),
        ("queried", "query", "and the receipt?", "queried"),
        ("queried", "approve", "answered", "approved"),
        ("approved", "reject", "receipt reused", "rejected"),
    ],
)
def test_decide_moves_a_claim_to_the_status_of_the_action(current, action, note, expected):
    assert core.decide(current, action, note) == expected


@pytest.mark.parametrize(
    ("current", "action", "note", "message"),
    [
        ("pending", "reject", None, "rejection needs a reason"),
        ("pending", "reject", "   ", "rejection needs a reason"),
        ("pending", "query", "", "query needs the question"),
        ("approved", "approve", None, "already approved"),
        ("pending", "delete", None, "not one of"),
        ("pending", "approve", "x" * 2001, "2000"),
    ],
)
def test_decide_refuses_with_the_reason(current, action, note, message):
    with pytest.raises(core.FinanceError, match=message):
        core.decide(current, action, note)


def test_integrity_score_penalises_each_distinct_rule_by_severity():
    assert integrity_score([]) == 100
    assert integrity_score(["GEOFENCE_MISS", "GEOFENCE_MISS"]) == 65
    assert integrity_score(["MOCK_LOCATION", "GEOFENCE_MISS", "OFF_HOURS"]) == 0


def test_claim_at_risk_takes_the_largest_flag_capped_at_the_amount():
    assert core.claim_at_risk(100.0, [30.0, 60.0]) == 60.0
    assert core.claim_at_risk(50.0, [80.0]) == 50.0
    assert core.claim_at_risk(50.0, []) == 0.0


def test_statement_sums_per_group_by_decision_with_reasons():
    claims = pd.DataFrame(
        {
            "rep_id": ["r1", "r1", "r1", "r2"],
            "amount": [100.0, 50.0, 20.0, 10.0],
            "status": ["approved", "rejected", "queried", "pending"],
            "at_risk": [0.0, 50.0, 5.0, 0.0],
            "rules": [[], ["DUPLICATE_RECEIPT"], ["OVER_CAP"], []],
            "decision_note": [None, "receipt reused", "which guest?", None],
        }
    )
    out = core.statement(claims, ["rep_id"]).set_index("rep_id")
    r1 = out.loc["r1"]
    assert (r1["claimed"], r1["approved"], r1["rejected"], r1["queried"]) == (170, 100, 50, 20)
    assert r1["at_risk"] == 55.0 and r1["flagged"] == 2 and r1["claims"] == 3
    assert "DUPLICATE_RECEIPT ×1" in r1["reasons"] and "“receipt reused” ×1" in r1["reasons"]
    assert "which guest" not in r1["reasons"]  # only rejection reasons are listed
    assert out.loc["r2", "pending"] == 10.0 and out.loc["r2", "reasons"] == ""


def _reasons_one_group(group: pd.DataFrame) -> str:
    """The statement's reasons of one group, written plainly (the oracle of the vectorised
    ``core._reasons``)."""
    counts: dict[str, int] = {}
    for rules in group["rules"]:
        for rule in rules:
            counts[rule] = counts.get(rule, 0) + 1
    parts = [f"{rule} ×{n}" for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    notes: dict[str, int] = {}
    for note in group[group["status"] == "rejected"]["decision_note"].dropna():
        notes[str(note)] = notes.get(str(note), 0) + 1
    parts += [f"“{n}” ×{k}" for n, k in sorted(notes.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "; ".join(parts)


STATUS_CHOICES = ["approved", "rejected", "queried", "pending"]


@pytest.mark.parametrize("seed", range(6))
def test_statement_reasons_equal_the_plain_per_group_count(seed):
    rng = random.Random(seed)
    n = rng.choice([0, 1, 5, 300])
    rule_codes = ["OVER_CAP", "DUPLICATE_RECEIPT", "NO_VISIT_DAY", "MILEAGE_INFLATED"]
    claims = pd.DataFrame(
        {
            "rep_id": [rng.choice(["r1", "r2", "r3", None]) for _ in range(n)],
            "team_id": [rng.choice(["t1", "t2"]) for _ in range(n)],
            "amount": [round(rng.uniform(1, 500), 2) for _ in range(n)],
            "status": [
                rng.choice(["approved", "rejected", "queried", "pending"]) for _ in range(n)
            ],
            "at_risk": [0.0] * n,
            "rules": [rng.sample(rule_codes, rng.choice([0, 0, 1, 2])) for _ in range(n)],
            "decision_note": [rng.choice([None, "no receipt", "personal", "b"]) for _ in range(n)],
        },
        columns=["rep_id", "team_id", "amount", "status", "at_risk", "rules", "decision_note"],
    )
    for keys in (["rep_id"], ["team_id", "rep_id"]):
        out = core.statement(claims, keys)
        expected = {
            key if isinstance(key, tuple) else (key,): _reasons_one_group(group)
            for key, group in claims.groupby(keys, dropna=False)
        }
        got = {tuple(row[k] for k in keys): row["reasons"] for row in out.to_dict("records")}
        norm = lambda d: {tuple("∅" if pd.isna(x) else x for x in k): v for k, v in d.items()}  # noqa: E731
        assert norm(got) == norm(expected)


def _statement_rows(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rep_name": [f"Rep {i}" for i in range(n)],
            "team_name": ["T"] * n,
            "claims": [1] * n,
            **{f: [1.0] * n for f in ("claimed", "approved", "rejected", "queried")},
            **{f: [0.0] * n for f in ("pending", "at_risk")},
            "flagged": [0] * n,
            "reasons": [""] * n,
        }
    )


@pytest.mark.parametrize(("n", "drawn", "noted"), [(10, 10, False), (250, 200, True)])
def test_statement_table_draws_at_most_200_rows_and_says_so(n, drawn, noted):
    from components.finance.statement import statement_table

    totals = {"claims": n, "flagged": 0} | {
        f: 1.0 * n for f in ("claimed", "approved", "rejected", "queried", "pending", "at_risk")
    }
    table = statement_table(_statement_rows(n), totals, "rep", "2026-11", "en")
    body = next(c for c in table.children[1].children if type(c).__name__ == "Tbody")
    assert len(body.children) == drawn
    note = table.children[-1]
    assert (note is not None) == noted
    if noted:
        assert "200 of 250" in note.children

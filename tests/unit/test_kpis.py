"""KPI definitions (dashboard.kpis) on small hand-built frames."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import kpis
from dashboard.kpis import FrequencyRules

D = date.fromisoformat
RATIO_KEYS = (
    "visits_per_rep_day",
    "effective_per_rep_day",
    "effective_rate",
    "plan_adherence",
    "sop_completion",
    "avg_dwell_min",
    "km_per_visit",
    "expense_per_visit",
    "order_per_visit",
)


def fact(rep: str = "r1", day: str = "2026-11-23", **values: float) -> dict:
    """One rep-day of facts; every additive column 0 unless given."""
    row = {
        "rep_id": rep,
        "rep_name": rep.upper(),
        "team_id": "t1",
        "team_name": "Team 1",
        "local_date": D(day),
    }
    row.update(dict.fromkeys(kpis.SUM_COLUMNS, 0))
    row.update(values)
    return row


def facts(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


# ------------------------------------------------------------------ ratio and change


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (3, 4, 0.75),
        (0, 5, 0.0),
        (5, 0, None),
        (0, 0, None),
        (None, 2, None),
        (2, None, None),
        (float("nan"), 2, None),
        (2, float("nan"), None),
        (np.int64(1), np.int64(4), 0.25),
    ],
)
def test_ratio_is_none_when_the_denominator_is_zero_or_missing(a, b, expected):
    assert kpis.ratio(a, b) == expected


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (12, 10, 0.2),
        (8, 10, -0.2),
        (0, 10, -1.0),
        (5, 0, None),
        (0, 0, None),
        (None, 3, None),
        (3, None, None),
        (-1.0, -2.0, 0.5),  # relative to the size of the previous value
    ],
)
def test_change_is_relative_and_undefined_against_a_zero_previous(current, previous, expected):
    result = kpis.change(current, previous)
    assert result == (None if expected is None else pytest.approx(expected))


# ------------------------------------------------------------------ summarize


def test_empty_period_gives_zero_totals_and_only_undefined_ratios():
    for empty in (pd.DataFrame(), pd.DataFrame(columns=list(fact().keys()))):
        out = kpis.summarize(empty)
        assert set(out) == set(kpis.KPI_KEYS)
        assert all(out[key] is None for key in RATIO_KEYS)
        assert out["visits"] == 0 and out["rep_days"] == 0 and out["km"] == 0.0


def test_summarize_computes_every_kpi_of_a_hand_built_period():
    frame = facts(
        fact(
            "r1",
            "2026-11-23",
            visits=4,
            effective=3,
            dwell_s_sum=3600,
            dwell_n=3,
            sop_required=8,
            sop_done=6,
            planned=5,
            planned_done=4,
            order_amount=1000,
            expense_amount=50,
            km=40,
            fixes=100,
        ),
        fact(
            "r2",
            "2026-11-23",
            visits=2,
            effective=1,
            dwell_s_sum=600,
            dwell_n=2,
            sop_required=2,
            sop_done=2,
            planned=0,
            planned_done=0,
            order_amount=200,
            expense_amount=30,
            km=20,
            fixes=50,
        ),
    )
    out = kpis.summarize(frame)
    assert out["visits"] == 6 and out["effective"] == 4 and out["rep_days"] == 2
    assert out["visits_per_rep_day"] == pytest.approx(3.0)
    assert out["effective_per_rep_day"] == pytest.approx(2.0)
    assert out["effective_rate"] == pytest.approx(4 / 6)
    assert out["plan_adherence"] == pytest.approx(4 / 5)
    assert out["sop_completion"] == pytest.approx(8 / 10)
    assert out["avg_dwell_min"] == pytest.approx(4200 / 5 / 60)
    assert out["km"] == pytest.approx(60.0)
    assert out["km_per_visit"] == pytest.approx(10.0)
    assert out["expense"] == pytest.approx(80.0)
    assert out["expense_per_visit"] == pytest.approx(80 / 6)
    assert out["orders"] == pytest.approx(1200.0)
    assert out["order_per_visit"] == pytest.approx(200.0)


@pytest.mark.parametrize(
    ("row", "working"),
    [
        (fact(fixes=3), True),  # a track, no visit
        (fact(visits=1), True),  # a visit without any stored fix
        (fact(planned=4), False),  # a plan only
        (fact(expense_amount=45.0), False),  # a claim only
        (fact(km=0.0), False),
    ],
    ids=["fix-only", "visit-only", "plan-only", "claim-only", "nothing"],
)
def test_a_rep_working_day_needs_a_fix_or_a_visit(row, working):
    assert kpis.summarize(facts(row))["rep_days"] == int(working)


def test_a_rep_with_no_plan_has_undefined_plan_adherence_not_zero():
    frame = facts(
        fact("planned", visits=2, planned=2, planned_done=1),
        fact("unplanned", visits=3),
    )
    assert kpis.summarize(facts(fact("unplanned", visits=3)))["plan_adherence"] is None
    assert kpis.summarize(frame)["plan_adherence"] == pytest.approx(0.5)  # not (0.5 + 0) / 2
    per_rep = kpis.by_group(frame, ["rep_id"]).set_index("rep_id")
    assert per_rep.loc["planned", "plan_adherence"] == pytest.approx(0.5)
    assert math.isnan(per_rep.loc["unplanned", "plan_adherence"])


def test_planned_but_nothing_done_is_zero_adherence():
    assert kpis.summarize(facts(fact(planned=3)))["plan_adherence"] == 0.0


def test_zero_visits_leave_per_visit_kpis_undefined_even_with_km_and_claims():
    out = kpis.summarize(facts(fact(fixes=10, km=35.0, expense_amount=60.0)))
    assert out["visits"] == 0 and out["rep_days"] == 1
    assert out["visits_per_rep_day"] == 0.0  # a working day without a visit counts as 0
    for key in (
        "effective_rate",
        "km_per_visit",
        "expense_per_visit",
        "order_per_visit",
        "avg_dwell_min",
        "sop_completion",
    ):
        assert out[key] is None, key
    assert out["km"] == pytest.approx(35.0) and out["expense"] == pytest.approx(60.0)


def test_average_dwell_is_over_checked_out_visits_only():
    # 3 visits, 2 checked out (15 and 25 min): the open one does not pull the mean down.
    out = kpis.summarize(facts(fact(visits=3, dwell_s_sum=2400, dwell_n=2)))
    assert out["avg_dwell_min"] == pytest.approx(20.0)


def test_sop_completion_is_undefined_without_required_steps():
    assert kpis.summarize(facts(fact(visits=2, sop_required=0)))["sop_completion"] is None
    out = kpis.summarize(facts(fact(visits=2, sop_required=4, sop_done=3)))
    assert out["sop_completion"] == pytest.approx(0.75)


def test_missing_fact_columns_count_as_zero():
    out = kpis.summarize(pd.DataFrame({"visits": [2], "effective": [1]}))
    assert out["effective_rate"] == pytest.approx(0.5)
    assert out["rep_days"] == 1 and out["plan_adherence"] is None


# ------------------------------------------------------------------ groups, trend, ranking


def test_by_group_gives_the_kpis_per_team_and_keeps_empty_frames_shaped():
    frame = facts(
        fact("r1", visits=2, effective=2, fixes=1),
        fact("r2", visits=2, effective=0, fixes=1) | {"team_id": "t2", "team_name": "Team 2"},
        fact("r1", "2026-11-24", visits=2, effective=1, fixes=1),
    )
    teams = kpis.by_group(frame, ["team_id", "team_name"]).set_index("team_id")
    assert teams.loc["t1", "effective_rate"] == pytest.approx(3 / 4)
    assert teams.loc["t1", "rep_days"] == 2
    assert teams.loc["t2", "effective_rate"] == 0.0
    assert list(kpis.by_group(frame.iloc[0:0], ["team_id"]).columns) == ["team_id", *kpis.KPI_KEYS]


def test_by_group_keeps_rows_with_a_missing_key():
    frame = facts(fact(visits=1) | {"team_id": None}, fact(visits=2))
    assert kpis.by_group(frame, ["team_id"])["visits"].sum() == 3


def test_daily_trend_has_every_date_and_weekly_trend_starts_on_monday():
    frame = facts(
        fact(day="2026-11-22", visits=1, fixes=1),  # a Sunday
        fact(day="2026-11-24", visits=3, effective=3, fixes=1),
        fact(day="2026-12-01", visits=9),  # outside the range
    )
    daily = kpis.trend(frame, start=D("2026-11-22"), end=D("2026-11-25"))
    assert list(daily["local_date"]) == [D("2026-11-22") + timedelta(days=i) for i in range(4)]
    assert daily["visits"].tolist() == [1, 0, 3, 0]
    assert math.isnan(daily["effective_rate"].iloc[1])
    weekly = kpis.trend(frame, start=D("2026-11-22"), end=D("2026-11-25"), grain="week")
    assert list(weekly["week"]) == [D("2026-11-16"), D("2026-11-23")]
    assert weekly["visits"].tolist() == [1, 3]
    empty = kpis.trend(pd.DataFrame(), start=D("2026-11-22"), end=D("2026-11-23"))
    assert empty["visits"].tolist() == [0, 0]
    with pytest.raises(ValueError, match="grain"):
        kpis.trend(frame, start=D("2026-11-22"), end=D("2026-11-25"), grain="month")


def test_rank_teams_leaves_out_undefined_and_never_repeats_a_team():
    teams = pd.DataFrame(
        {
            "team_id": list("abcdefg"),
            "team_name": list("ABCDEFG"),
            "effective_per_rep_day": [1.0, 3.0, np.nan, 2.0, 0.5, 4.0, 0.1],
        }
    )
    top, bottom = kpis.rank_teams(teams)
    assert list(top["team_id"]) == ["f", "b", "d"]
    assert list(bottom["team_id"]) == ["g", "e", "a"]
    top, bottom = kpis.rank_teams(teams.iloc[:4])
    assert list(top["team_id"]) == ["b", "d", "a"] and bottom.empty


# ------------------------------------------------------------------ visit frequency


def coverage(*rows: tuple) -> pd.DataFrame:
    """Rows of (customer_id, grade, verified_visits, last_verified_date, team_id)."""
    return pd.DataFrame(
        [
            {
                "customer_id": cid,
                "name": f"Store {cid}",
                "grade": grade,
                "verified_visits": n,
                "last_verified_date": None if last is None else D(last),
                "team_id": team,
                "team_name": None if team is None else f"Team {team}",
            }
            for cid, grade, n, last, team in rows
        ]
    )


def test_frequency_rules_default_to_4_2_1_per_28_days_and_are_frozen():
    rules = FrequencyRules()
    assert (rules.A, rules.B, rules.C) == ((4, 28), (2, 28), (1, 28))
    assert rules.required_visits("A") == 4 and rules.window_days("C") == 28
    assert rules.required_visits("Z") is None
    assert rules.windows() == {28: ("A", "B", "C")}
    assert FrequencyRules(C=(1, 56)).windows() == {28: ("A", "B"), 56: ("C",)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.A = (1, 28)  # type: ignore[misc]
    with pytest.raises(ValueError):
        FrequencyRules(B=(2, 0))


@pytest.mark.parametrize(
    ("grade", "visits", "compliant"),
    [
        ("A", 4, True),
        ("A", 3, False),
        ("A", 5, True),
        ("B", 2, True),
        ("B", 1, False),
        ("C", 1, True),
        ("C", 0, False),
    ],
)
def test_frequency_rule_boundaries(grade, visits, compliant):
    out = kpis.frequency_compliance(coverage(("c1", grade, visits, "2026-11-20", "t1")))
    row = out.set_index("grade").loc[grade]
    assert (row["customers"], row["compliant"]) == (1, int(compliant))
    assert row["rate"] == float(compliant)


def test_frequency_compliance_per_grade_with_an_empty_grade_undefined():
    out = kpis.frequency_compliance(
        coverage(
            ("a1", "A", 4, "2026-11-20", "t1"),
            ("a2", "A", 1, "2026-11-02", "t1"),
            ("a3", "A", 0, None, "t1"),
            ("b1", "B", 2, "2026-11-20", "t1"),
            ("x1", "X", 0, None, "t1"),  # a grade without a rule is not judged
        )
    ).set_index("grade")
    assert list(out.index) == ["A", "B", "C"]
    assert out.loc["A", ["customers", "compliant"]].tolist() == [3, 1]
    assert out.loc["A", "rate"] == pytest.approx(1 / 3)
    assert out.loc["B", "rate"] == 1.0
    assert out.loc["C", "customers"] == 0 and math.isnan(out.loc["C", "rate"])
    empty = kpis.frequency_compliance(coverage())
    assert empty["customers"].tolist() == [0, 0, 0]


def test_custom_rules_change_the_verdict():
    cov = coverage(("a1", "A", 3, "2026-11-20", "t1"))
    assert kpis.frequency_compliance(cov, FrequencyRules(A=(3, 28)))["compliant"].iloc[0] == 1


def test_overdue_customers_a_first_then_fewest_visits_then_longest_since_last():
    cov = coverage(
        ("c-old", "C", 0, "2026-10-01", "t1"),
        ("b-never", "B", 0, None, "t1"),
        ("a-2", "A", 2, "2026-11-20", "t1"),
        ("a-ok", "A", 4, "2026-11-25", "t1"),
        ("a-0-recent", "A", 0, "2026-10-25", "t1"),
        ("a-0-never", "A", 0, None, "t1"),
        ("a-0-older", "A", 0, "2026-10-10", "t1"),
        ("c-never", "C", 0, None, "t1"),
        ("a-3", "A", 3, "2026-11-01", "t1"),
    )
    out = kpis.overdue_customers(cov, as_of=D("2026-11-26"))
    assert list(out["customer_id"]) == [
        "a-0-never",
        "a-0-older",
        "a-0-recent",
        "a-2",
        "a-3",
        "b-never",
        "c-never",
        "c-old",
    ]
    by_id = out.set_index("customer_id")
    assert by_id.loc["a-3", "missing_visits"] == 1 and by_id.loc["a-2", "required_visits"] == 4
    assert by_id.loc["c-old", "days_since_last"] == 56
    assert math.isnan(by_id.loc["a-0-never", "days_since_last"])
    assert "days_since_last" not in kpis.overdue_customers(cov).columns
    assert kpis.overdue_customers(coverage()).empty


def test_compliance_heatmap_is_team_by_grade():
    cov = coverage(
        ("a1", "A", 4, "2026-11-20", "t1"),
        ("a2", "A", 0, None, "t1"),
        ("c1", "C", 1, "2026-11-20", "t1"),
        ("b1", "B", 0, None, "t2"),
        ("b2", "B", 0, None, None),  # no owner team
    )
    heat = kpis.compliance_heatmap(cov).set_index("team_id")
    assert list(heat.columns) == ["team_name", "A", "B", "C"]
    assert heat.loc["t1", ["A", "C"]].tolist() == [0.5, 1.0]
    assert math.isnan(heat.loc["t1", "B"])
    assert heat.loc["t2", "B"] == 0.0
    assert heat.loc["", "team_name"] == "—"
    assert list(kpis.compliance_heatmap(coverage()).columns) == [
        "team_id",
        "team_name",
        "A",
        "B",
        "C",
    ]


def test_window_for_is_inclusive_of_both_ends():
    assert kpis.window_for(D("2026-11-26"), 28) == (D("2026-10-30"), D("2026-11-26"))


# ------------------------------------------------------------------ helpers for pages


def test_as_records_turns_nan_into_none():
    frame = pd.DataFrame({"a": [1.0, np.nan], "b": ["x", None]})
    assert kpis.as_records(frame) == [{"a": 1.0, "b": "x"}, {"a": None, "b": None}]


def test_severity_counts_lists_every_severity_most_severe_first():
    assert kpis.severity_counts({"low": 2, "critical": 1}) == {
        "critical": 1,
        "high": 0,
        "medium": 0,
        "low": 2,
    }


def test_every_kpi_has_a_definition_for_the_page_help():
    assert set(kpis.KPI_KEYS) | {"frequency_compliance", "online_rate"} <= set(kpis.KPI_DEFINITIONS)


# ------------------------------------------------------------------ invariants


day_facts = st.fixed_dictionaries(
    {
        "visits": st.integers(0, 20),
        "planned": st.integers(0, 10),
        "sop_required": st.integers(0, 10),
        "fixes": st.integers(0, 3),
        "km": st.floats(0, 500),
    }
).map(
    lambda d: {
        **d,
        "effective": d["visits"] // 2,
        "planned_done": d["planned"] // 3,
        "sop_done": d["sop_required"] // 2,
        "dwell_n": d["visits"],
        "dwell_s_sum": 600.0 * d["visits"],
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(day_facts, max_size=12))
def test_rates_stay_in_0_1_and_are_undefined_exactly_when_the_denominator_is_zero(rows):
    frame = pd.DataFrame([fact(f"r{i % 3}", **row) for i, row in enumerate(rows)])
    out = kpis.summarize(frame)
    for key, den in (
        ("effective_rate", "visits"),
        ("plan_adherence", "planned"),
        ("sop_completion", "sop_required"),
    ):
        total = sum(row[den] for row in rows)
        if total == 0:
            assert out[key] is None
        else:
            assert 0.0 <= out[key] <= 1.0
    if rows:
        per_rep = kpis.by_group(frame, ["rep_id"])
        assert per_rep["visits"].sum() == out["visits"]
        assert per_rep["rep_days"].sum() == out["rep_days"]


# ------------------------------------------------------------------ facts summed in the database


def summed(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """What the database returns per group: the sums and the rep-working-days (rep_days)."""
    frame = frame.copy()
    frame["rep_days"] = ((frame["fixes"] > 0) | (frame["visits"] > 0)).astype("int64")
    return frame.groupby(keys)[[*kpis.SUM_COLUMNS, "rep_days"]].sum().reset_index()


@settings(max_examples=25, deadline=None)
@given(st.lists(day_facts, min_size=1, max_size=12))
def test_kpis_of_group_sums_equal_the_kpis_of_their_rep_days(rows):
    days = [f"2026-11-{23 + i % 4}" for i in range(len(rows))]
    frame = pd.DataFrame(
        [fact(f"r{i % 3}", day, **row) for i, (day, row) in enumerate(zip(days, rows, strict=True))]
    )
    per_rep = kpis.group_kpis(summed(frame, ["rep_id"]), ["rep_id"])
    # Floats summed in another order may differ in the last bits.
    same = {"check_exact": False, "rtol": 1e-9}
    pd.testing.assert_frame_equal(per_rep, kpis.by_group(frame, ["rep_id"]), **same)
    per_day = summed(frame, ["local_date"])
    got, want = kpis.summarize(per_day), kpis.summarize(frame)
    for key in kpis.KPI_KEYS:
        assert got[key] == (None if want[key] is None else pytest.approx(want[key], rel=1e-9))
    for grain in ("day", "week"):
        pd.testing.assert_frame_equal(
            kpis.trend(per_day, start=D("2026-11-20"), end=D("2026-11-30"), grain=grain),
            kpis.trend(frame, start=D("2026-11-20"), end=D("2026-11-30"), grain=grain),
            **same,
        )


def test_a_summed_group_counts_its_rep_working_days_not_its_rows():
    sums = pd.DataFrame(
        [{"team_id": "t1", **dict.fromkeys(kpis.SUM_COLUMNS, 0), "visits": 12, "rep_days": 4}]
    )
    out = kpis.group_kpis(sums, ["team_id"])
    assert out["visits_per_rep_day"].iloc[0] == 3.0
    assert kpis.summarize(sums)["rep_days"] == 4


def test_group_kpis_refuses_rep_day_rows_without_rep_days():
    with pytest.raises(ValueError, match="rep_days"):
        kpis.group_kpis(facts(fact(visits=1)), ["rep_id"])


def test_compliance_of_counted_customers_equals_compliance_of_the_customers():
    one_per_row = coverage(
        ("c1", "A", 4, None, "t1"),
        ("c2", "A", 4, None, "t1"),
        ("c3", "A", 1, None, "t1"),
        ("c4", "B", 0, None, "t2"),
        ("c5", "C", 3, None, "t2"),
    )
    counted = pd.DataFrame(
        {
            "team_id": ["t1", "t1", "t2", "t2"],
            "team_name": ["Team t1", "Team t1", "Team t2", "Team t2"],
            "grade": ["A", "A", "B", "C"],
            "verified_visits": [4, 1, 0, 3],
            "customers": [2, 1, 1, 1],
        }
    )
    pd.testing.assert_frame_equal(
        kpis.frequency_compliance(counted), kpis.frequency_compliance(one_per_row)
    )
    pd.testing.assert_frame_equal(
        kpis.compliance_heatmap(counted), kpis.compliance_heatmap(one_per_row)
    )
    assert kpis.compliance_heatmap(counted).set_index("team_id").loc["t1", "A"] == pytest.approx(
        2 / 3
    )


def test_overdue_grid_rows_carry_only_the_grids_columns():
    from components.drill import overdue_columns, overdue_rows

    frame = pd.DataFrame(
        {
            "customer_id": ["c1"],
            "name": ["Store"],
            "city": ["上海"],
            "grade": ["A"],
            "owner_rep_id": ["rep-1"],
            "owner_name": ["Li"],
            "team_id": ["t1"],
            "team_name": ["Team 1"],
            "region_id": ["reg-east"],
            "verified_visits": [0],
            "last_verified_date": [None],
            "required_visits": [4],
            "missing_visits": [4],
            "days_since_last": [float("nan")],
        }
    )
    rows = overdue_rows(frame)
    assert list(rows[0]) == [c["field"] for c in overdue_columns("en")]
    assert rows[0]["name"] == "Store" and rows[0]["last_verified_date"] is None
    assert overdue_rows(frame.iloc[0:0]) == []

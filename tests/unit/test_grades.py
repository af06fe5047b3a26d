"""The regrade of contract §5, table-driven: A = the smallest top set reaching 70 % of the
region's order amount, B = the next up to 90 %, C = the rest and customers without orders;
ties by customer id; a locked grade survives but counts in the shares."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.grades import (
    CustomerAmount,
    GradeError,
    RegradeConfig,
    clean_reason,
    grades_by_rank,
    history_rows,
    regrade,
    what_if,
)

CFG = RegradeConfig()


def _grades(pairs):
    return grades_by_rank(pairs, CFG)


@pytest.mark.parametrize(
    ("name", "amounts", "expected"),
    [
        ("one customer takes everything", [("c1", 100)], {"c1": "A"}),
        ("no orders at all: every customer C", [("c1", 0), ("c2", 0)], {"c1": "C", "c2": "C"}),
        (
            "exactly 70 % closes A, exactly 90 % closes B",
            [("c1", 70), ("c2", 20), ("c3", 10)],
            {"c1": "A", "c2": "B", "c3": "C"},
        ),
        (
            "one cent short of 70 % needs the next customer in A",
            [("c1", 6999), ("c2", 2001), ("c3", 1000)],
            {"c1": "A", "c2": "A", "c3": "C"},
        ),
        (
            "ten equal customers: ties by id, 7 A, 2 B, 1 C",
            [(f"c{i:02d}", 10) for i in range(10, 0, -1)],
            {**{f"c{i:02d}": "A" for i in range(1, 8)}, "c08": "B", "c09": "B", "c10": "C"},
        ),
        (
            "a customer without orders is C even when the rest is short of 90 %",
            [("a", 50), ("b", 30), ("z", 0)],
            {"a": "A", "b": "A", "z": "C"},
        ),
        (
            "the long tail is C",
            [("big", 800), ("mid", 150), ("s1", 30), ("s2", 20)],
            {"big": "A", "mid": "B", "s1": "C", "s2": "C"},
        ),
    ],
)
def test_grades_by_rank(name, amounts, expected):
    assert _grades(amounts) == expected, name


def test_tie_at_the_boundary_goes_to_the_smaller_id_whatever_the_input_order():
    pairs = [("c-b", 30), ("c-a", 30), ("c-c", 40)]
    for order in (pairs, list(reversed(pairs))):
        assert _grades(order) == {"c-c": "A", "c-a": "A", "c-b": "B"}


def _c(cid, grade, cents, *, region="r1", locked=False):
    return CustomerAmount(cid, region, grade, locked, cents)


def test_locked_grade_survives_and_still_counts_in_the_ranking():
    rows = [_c("big", "C", 800, locked=True), _c("mid", "C", 150), _c("s1", "A", 50)]
    out = {r.customer_id: r for r in regrade(rows, CFG)}
    assert out["big"].after == "C" and out["big"].computed == "A" and out["big"].held_by_lock
    # "big" fills the 70 %, so "mid" is B, not A, although "big" keeps its C.
    assert out["mid"].after == "B"
    assert out["s1"].after == "C"


def test_regions_are_ranked_apart():
    rows = [
        _c("n1", "C", 10, region="north"),
        _c("s1", "C", 1000, region="south"),
        _c("s2", "A", 1, region="south"),
    ]
    out = {r.customer_id: r.after for r in regrade(rows, CFG)}
    assert out == {"n1": "A", "s1": "A", "s2": "C"}


def test_what_if_lists_moves_per_region_and_shares_before_and_after():
    rows = [
        _c("a", "B", 700),
        _c("b", "A", 200),
        _c("c", "A", 100),
        _c("d", "C", 0),
        _c("x", "C", 5, region="r2"),
    ]
    plan = what_if(rows, today=date(2026, 12, 6))
    assert plan.moves() == [
        {"region_id": "r1", "move": "A→B", "before": "A", "after": "B", "customers": 1},
        {"region_id": "r1", "move": "A→C", "before": "A", "after": "C", "customers": 1},
        {"region_id": "r1", "move": "B→A", "before": "B", "after": "A", "customers": 1},
        {"region_id": "r2", "move": "C→A", "before": "C", "after": "A", "customers": 1},
    ]
    shares = {(s["region_id"], s["grade"]): s for s in plan.shares()}
    assert shares[("r1", "A")]["share_before"] == 30.0
    assert shares[("r1", "A")]["share_after"] == 70.0
    assert shares[("r1", "B")]["share_after"] == 20.0
    assert shares[("r1", "C")]["customers_after"] == 2
    assert sum(s["share_after"] for k, s in shares.items() if k[0] == "r1") == 100.0
    assert plan.summary()["changes"] == 4


def test_a_regrade_of_its_own_result_moves_nothing():
    rows = [_c(f"c{i}", "C", cents) for i, cents in enumerate([500, 300, 90, 60, 30, 20, 0])]
    first = regrade(rows, CFG)
    again = regrade([_c(r.customer_id, r.after, r.amount_cents) for r in first], CFG)
    assert not [r for r in again if r.moves]


def test_history_rows_only_for_moves_and_reason_is_required():
    rows = regrade([_c("a", "C", 10), _c("b", "C", 0)], CFG)
    hist = history_rows(rows, at="t", by="admin", why="yearly")
    assert hist == [
        {
            "customer_id": "a",
            "old_grade": "C",
            "new_grade": "A",
            "changed_at": "t",
            "changed_by": "admin",
            "reason": "yearly",
            "source": "regrade",
        }
    ]
    with pytest.raises(GradeError, match="reason"):
        clean_reason("   ")


def test_bad_grade_and_bad_config_are_refused_naming_the_field():
    with pytest.raises(GradeError, match="grade"):
        regrade([_c("a", "D", 1)], CFG)
    with pytest.raises(GradeError, match="a_share_pct"):
        RegradeConfig(a_share_pct=95, b_share_pct=90)

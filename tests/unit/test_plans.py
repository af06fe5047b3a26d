"""Plan vs actual and route efficiency of a rep-day (contract §6), pure core."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dashboard import plans
from dashboard.geo import haversine_m
from dashboard.plans import (
    DONE_IN_ORDER,
    DONE_OUT_OF_ORDER,
    MISSED,
    DayVisit,
    match_plan,
    route_efficiency,
)

DAY = date(2026, 11, 26)
T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def visit(n: int, customer: str, *, rep: str = "rep-1", effective: bool = True, day=DAY):
    return DayVisit(f"v{n}", rep, customer, day, T0 + timedelta(minutes=40 * n), effective)


def statuses(match):
    return [s.status for s in match.stops]


def test_visits_in_plan_order_are_all_done_in_order():
    m = match_plan("rep-1", DAY, ["a", "b", "c"], [visit(1, "a"), visit(2, "b"), visit(3, "c")])
    assert statuses(m) == [DONE_IN_ORDER] * 3
    assert (m.planned, m.done, m.adherence, m.unplanned) == (3, 3, 1.0, ())
    assert [s.visit_id for s in m.stops] == ["v1", "v2", "v3"]


def test_two_swapped_stops_leave_one_out_of_order():
    m = match_plan(
        "rep-1",
        DAY,
        ["a", "b", "c", "d"],
        [visit(1, "a"), visit(2, "c"), visit(3, "b"), visit(4, "d")],
    )
    # The longest in-order run is a, b, d (or a, c, d): exactly one of b, c is out of order.
    assert statuses(m).count(DONE_OUT_OF_ORDER) == 1
    assert statuses(m)[0] == statuses(m)[3] == DONE_IN_ORDER
    assert m.adherence == 1.0


def test_a_reversed_plan_keeps_a_single_stop_in_order():
    m = match_plan("rep-1", DAY, ["a", "b", "c"], [visit(1, "c"), visit(2, "b"), visit(3, "a")])
    assert statuses(m).count(DONE_IN_ORDER) == 1 and m.out_of_order == 2


def test_missed_stops_lower_adherence_and_do_not_break_the_order():
    m = match_plan("rep-1", DAY, ["a", "b", "c", "d"], [visit(1, "a"), visit(2, "d")])
    assert statuses(m) == [DONE_IN_ORDER, MISSED, MISSED, DONE_IN_ORDER]
    assert m.adherence == pytest.approx(0.5)


def test_visits_outside_the_plan_are_unplanned():
    m = match_plan(
        "rep-1", DAY, ["a"], [visit(1, "x"), visit(2, "a"), visit(3, "y", effective=False)]
    )
    assert [v.customer_id for v in m.unplanned] == ["x", "y"]
    assert statuses(m) == [DONE_IN_ORDER]


def test_a_visit_by_another_rep_does_not_count():
    m = match_plan("rep-1", DAY, ["a", "b"], [visit(1, "a", rep="rep-2"), visit(2, "b")])
    assert statuses(m) == [MISSED, DONE_IN_ORDER]
    assert m.unplanned == ()  # the other rep's visit is not this rep's either


def test_a_visit_that_is_not_effective_or_on_another_day_does_not_count():
    m = match_plan(
        "rep-1",
        DAY,
        ["a", "b"],
        [visit(1, "a", effective=False), visit(2, "b", day=DAY - timedelta(days=1))],
    )
    assert statuses(m) == [MISSED, MISSED] and m.adherence == 0.0


def test_no_plan_has_undefined_adherence():
    m = match_plan("rep-1", DAY, [], [visit(1, "a")])
    assert m.adherence is None and len(m.unplanned) == 1


# ------------------------------------------------------------------ route efficiency

A, B, C = (31.20, 121.40), (31.21, 121.40), (31.22, 121.40)


def km(p, q):
    return haversine_m(p[0], p[1], q[0], q[1]) / 1000.0


def test_an_optimally_driven_day_has_efficiency_one():
    driven = km(A, B) + km(B, C)
    r = route_efficiency(driven, [A, B, C])
    assert r.efficiency == pytest.approx(1.0) and r.reason is None
    assert r.shortest_km == pytest.approx(driven)


def test_a_detour_is_above_one_and_a_tiny_undershoot_is_clamped():
    # Visiting the middle customer last: from A, C then back to B.
    detour = km(A, C) + km(C, B)
    r = route_efficiency(detour, [A, C, B])
    assert r.efficiency == pytest.approx(detour / (km(A, B) + km(B, C)))
    assert r.efficiency > 1.3
    assert route_efficiency((km(A, B) + km(B, C)) * 0.999, [A, B, C]).efficiency == 1.0


def test_efficiency_starts_from_the_first_stop_of_the_day():
    # From B the shortest open route is B-A-C (A and C lie on either side).
    r = route_efficiency(10.0, [B, A, C])
    assert r.shortest_km == pytest.approx(km(B, A) + km(A, C))


@pytest.mark.parametrize(
    ("driven", "stops", "reason"),
    [
        (5.0, [A], plans.FEW_STOPS),
        (5.0, [], plans.FEW_STOPS),
        (0.0, [A, B], plans.NO_TRIPS),
        (None, [A, B], plans.NO_TRIPS),
        (5.0, [A, A], plans.FEW_STOPS),
    ],
)
def test_efficiency_is_undefined_with_a_reason(driven, stops, reason):
    r = route_efficiency(driven, stops)
    assert r.efficiency is None and r.reason == reason


def test_negative_driven_km_is_refused_naming_the_field():
    with pytest.raises(ValueError, match="driven_km"):
        route_efficiency(-1.0, [A, B])


def test_optimal_order_visits_the_middle_customer_second():
    assert plans.optimal_order([A, C, B]) == [0, 2, 1]


def test_roll_up_sums_rep_days_and_skips_days_without_a_route():
    days = [(3, 2, 6.0, 4.0, 1.5), (2, 2, 5.0, 5.0, 1.0), (0, 0, 9.0, None, None)]
    r = plans.roll_up(days)
    assert (r.planned, r.done, r.adherence) == (5, 4, pytest.approx(0.8))
    assert r.efficiency == pytest.approx(11.0 / 9.0)
    empty = plans.roll_up([(0, 0, 3.0, None, None)])
    assert empty.adherence is None and empty.efficiency is None

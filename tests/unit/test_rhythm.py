"""The rhythm view's pure core (contract §5): where a customer stands on a date, the due list
and overdue list, task outcomes and the task completion rate. Table-driven from §5's cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dashboard import rhythm as core
from dashboard.frequency import FrequencyConfig

D = date.fromisoformat
CONFIG = FrequencyConfig()  # A 4 per 28 d (interval 7), B 2 (14), C 1 (28), grace 3
TODAY = D("2026-12-10")


def _days(n: int) -> date:
    return TODAY - timedelta(days=n)


# (case, grade, last visit, since, state on TODAY, due on, overdue on)
STANDINGS = [
    (
        "visited yesterday: on rhythm beyond the 7-day horizon",
        "C",
        _days(1),
        None,
        "on_rhythm",
        _days(1) + timedelta(days=28),
        _days(1) + timedelta(days=32),
    ),
    (
        "A visited 2 days ago: due within the next 7 days",
        "A",
        _days(2),
        None,
        "upcoming",
        _days(2) + timedelta(days=7),
        _days(2) + timedelta(days=11),
    ),
    (
        "A visited exactly one interval ago: due today",
        "A",
        _days(7),
        None,
        "due",
        TODAY,
        TODAY + timedelta(days=4),
    ),
    (
        "A one day into grace: still due, not overdue",
        "A",
        _days(8),
        None,
        "due",
        _days(1),
        TODAY + timedelta(days=3),
    ),
    (
        "A last day of grace (interval + grace): due",
        "A",
        _days(10),
        None,
        "due",
        _days(3),
        TODAY + timedelta(days=1),
    ),
    ("A first overdue day (> interval + grace)", "A", _days(11), None, "overdue", _days(4), TODAY),
    ("B at its interval (14 days)", "B", _days(14), None, "due", TODAY, TODAY + timedelta(days=4)),
    ("B first overdue day (18 days)", "B", _days(18), None, "overdue", _days(4), TODAY),
    (
        "never visited, created 11 days ago: counts from created, overdue",
        "A",
        None,
        _days(11),
        "overdue",
        _days(4),
        TODAY,
    ),
    (
        "never visited, created 3 days ago: upcoming",
        "A",
        None,
        _days(3),
        "upcoming",
        _days(3) + timedelta(days=7),
        _days(3) + timedelta(days=11),
    ),
]


@pytest.mark.parametrize(
    ("grade", "last", "since", "state", "due_on", "overdue_on"),
    [case[1:] for case in STANDINGS],
    ids=[case[0] for case in STANDINGS],
)
def test_standing_follows_contract_5(grade, last, since, state, due_on, overdue_on):
    found = core.standing("c", grade, last, since, today=TODAY, config=CONFIG)
    assert found is not None
    assert (found.state, found.due_on, found.overdue_on) == (state, due_on, overdue_on)
    assert found.never_visited is (last is None)


def test_standing_without_base_or_with_unknown_grade_is_none():
    assert core.standing("c", "A", None, None, today=TODAY, config=CONFIG) is None
    assert core.standing("c", "Z", _days(3), None, today=TODAY, config=CONFIG) is None


def test_a_stricter_rule_makes_the_same_customer_overdue():
    strict = FrequencyConfig(visits_per_28d_a=8)  # interval 3.5: overdue after 7 days
    assert core.standing("c", "A", _days(7), None, today=TODAY, config=CONFIG).state == "due"
    assert core.standing("c", "A", _days(7), None, today=TODAY, config=strict).state == "overdue"


def _row(cid, grade, last=None, since=None, **extra):
    return {"customer_id": cid, "grade": grade, "last_visit": last, "since": since, **extra}


def test_due_list_and_overdue_list_split_and_order():
    rows = [
        _row("on", "C", _days(1)),
        _row("up", "A", _days(2), name="upcoming shop"),
        _row("due-b", "B", _days(14)),
        _row("due-a", "A", _days(7)),
        _row("grace", "A", _days(9)),
        _row("late-1", "A", _days(11)),
        _row("late-9", "B", _days(26)),
        _row("never", "A", None, _days(30)),
        _row("no-base", "A"),
    ]
    due, overdue = core.due_list(rows, today=TODAY, config=CONFIG)
    assert [r["customer_id"] for r in due] == ["grace", "due-a", "due-b", "up"]
    assert [r["state"] for r in due] == ["due", "due", "due", "upcoming"]
    assert due[-1]["name"] == "upcoming shop"  # other keys are kept
    assert [(r["customer_id"], r["days_overdue"], r["never"]) for r in overdue] == [
        ("never", 19, True),
        ("late-9", 8, False),
        ("late-1", 0, False),
    ]


def test_due_list_horizon_is_seven_days_inclusive():
    rows = [_row("d7", "C", _days(21)), _row("d8", "C", _days(20))]  # due in 7 and 8 days
    due, overdue = core.due_list(rows, today=TODAY, config=CONFIG)
    assert [r["customer_id"] for r in due] == ["d7"] and overdue == []


# (case, stored status, done on, created, customer overdue on as_of, outcome)
OUTCOMES = [
    ("done by a visit before as_of (by any rep)", "done", _days(2), _days(5), False, "done"),
    ("done by a visit on as_of", "done", TODAY, _days(5), True, "done"),
    (
        "done only after as_of: still overdue then",
        "done",
        TODAY + timedelta(days=1),
        _days(5),
        True,
        "overdue",
    ),
    (
        "done only after as_of, inside grace then: open",
        "done",
        TODAY + timedelta(days=1),
        _days(1),
        False,
        "open",
    ),
    ("open, customer overdue: overdue", "open", None, _days(5), True, "overdue"),
    ("open inside grace", "open", None, _days(1), False, "open"),
    (
        "created after as_of: not a task yet",
        "open",
        None,
        TODAY + timedelta(days=1),
        False,
        "pending",
    ),
]


@pytest.mark.parametrize(
    ("status", "done_on", "created", "customer_overdue", "outcome"),
    [case[1:] for case in OUTCOMES],
    ids=[case[0] for case in OUTCOMES],
)
def test_task_outcome(status, done_on, created, customer_overdue, outcome):
    assert (
        core.task_outcome(
            status=status,
            done_on=done_on,
            created=created,
            customer_overdue=customer_overdue,
            as_of=TODAY,
        )
        == outcome
    )


# (outcomes, done, overdue, open, rate)
RATES = [
    ([], 0, 0, 0, None),
    (["open", "open", "pending"], 0, 0, 2, None),
    (["done"], 1, 0, 0, 1.0),
    (["overdue"], 0, 1, 0, 0.0),
    (["done", "done", "done", "overdue", "open", "pending"], 3, 1, 1, 0.75),
]


@pytest.mark.parametrize(("outcomes", "done", "overdue", "open_", "rate"), RATES)
def test_completion_rate_is_done_over_done_plus_overdue(outcomes, done, overdue, open_, rate):
    got = core.completion(outcomes)
    assert (got.done, got.overdue, got.open) == (done, overdue, open_)
    assert got.rate == rate
    assert got.as_dict()["task_completion"] == rate


def test_completion_refuses_an_unknown_outcome():
    with pytest.raises(ValueError, match="outcome"):
        core.completion(["finished"])


def test_completion_by_groups_per_key():
    got = core.completion_by([("t1", "done"), ("t2", "overdue"), ("t1", "overdue"), ("t1", "done")])
    assert {k: (v.done, v.overdue, v.rate) for k, v in got.items()} == {
        "t1": (2, 1, pytest.approx(2 / 3)),
        "t2": (0, 1, 0.0),
    }


def test_period_is_judged_on_its_last_day_or_today():
    assert core.period_as_of(_days(3), TODAY) == _days(3)
    assert core.period_as_of(TODAY + timedelta(days=5), TODAY) == TODAY


def test_overdue_count_by_counts_one_grade_per_key_with_zeros():
    rows = [
        _row("a1", "A", _days(11), team_id="t1"),
        _row("a2", "A", _days(3), team_id="t1"),
        _row("a3", "A", None, _days(40), team_id="t2"),
        _row("a4", "A", _days(1), team_id="t3"),
        _row("b1", "B", _days(40), team_id="t3"),
    ]
    got = core.overdue_count_by(rows, key="team_id", grade="A", today=TODAY, config=CONFIG)
    assert got == {"t1": 1, "t2": 1, "t3": 0}

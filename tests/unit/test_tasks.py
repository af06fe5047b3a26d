"""Visit tasks, pure (contract §5): who is due when, the task's id and due date, how a task
stands on a date, and which visit closes it."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import tasks as core
from dashboard.frequency import FrequencyConfig

D = date.fromisoformat
DEFAULT = FrequencyConfig()


def rhythm(grade="A", last=None, since="2026-10-01", owner="rep-1", cid="c-1"):
    return core.Rhythm(cid, grade, owner, "reg-e", last and D(last), since and D(since))


def planned(rhythms, on, config=DEFAULT):
    return list(core.plan_tasks(rhythms, on=D(on), config=config))


def test_an_a_customer_visited_on_the_first_is_due_a_week_later_not_before():
    assert planned([rhythm(last="2026-11-01")], "2026-11-07") == []
    (task,) = planned([rhythm(last="2026-11-01")], "2026-11-08")
    assert task == core.NewTask(
        "c-1:2026-11-08", "c-1", "rep-1", "reg-e", "A", D("2026-11-08"), D("2026-11-08")
    )


def test_an_overdue_customer_still_gets_its_task_due_on_last_visit_plus_interval():
    (task,) = planned([rhythm(grade="B", last="2026-11-01")], "2026-11-30")
    assert (task.created, task.due) == (D("2026-11-30"), D("2026-11-15"))


def test_a_never_visited_customer_counts_from_its_created_date():
    (task,) = planned([rhythm(grade="C", since="2026-11-01")], "2026-11-29")
    assert task.due == D("2026-11-29")
    assert planned([rhythm(grade="C", since="2026-11-01")], "2026-11-28") == []


def test_an_orphan_gets_a_task_without_an_owner():
    (task,) = planned([rhythm(owner=None, last="2026-11-01")], "2026-11-10")
    assert task.rep_id is None and task.region_id == "reg-e"


def test_customers_without_a_base_date_or_with_an_unknown_grade_get_nothing():
    assert planned([rhythm(since=None), rhythm(grade="Z", last="2026-01-01")], "2026-12-01") == []


def test_a_fractional_interval_rounds_the_due_date_up():
    # Three visits per 28 days: an interval of 9.33 days, due on the 10th day.
    config = FrequencyConfig(visits_per_28d_b=3)
    assert planned([rhythm(grade="B", last="2026-11-01")], "2026-11-10", config) == []
    (task,) = planned([rhythm(grade="B", last="2026-11-01")], "2026-11-11", config)
    assert task.due == D("2026-11-11")


def test_the_frequency_setting_moves_the_due_date():
    (task,) = planned(
        [rhythm(last="2026-11-01")], "2026-11-30", FrequencyConfig(visits_per_28d_a=2)
    )
    assert task.due == D("2026-11-15")


def test_overdue_starts_the_day_after_interval_plus_grace():
    r = rhythm(last="2026-11-01")
    assert not core.is_overdue(r, on=D("2026-11-11"), config=DEFAULT)
    assert core.is_overdue(r, on=D("2026-11-12"), config=DEFAULT)
    assert not core.is_overdue(
        r, on=D("2026-11-12"), config=FrequencyConfig(frequency_grace_days=5)
    )
    assert not core.is_overdue(rhythm(since=None), on=D("2026-12-31"), config=DEFAULT)


@pytest.mark.parametrize(
    ("stored", "done_on", "overdue", "on", "want"),
    [
        ("open", None, False, None, "open"),
        ("open", None, True, None, "overdue"),
        ("done", "2026-11-10", True, None, "done"),
        ("done", "2026-11-10", False, "2026-11-10", "done"),
        # As it stood before its visit: still waiting.
        ("done", "2026-11-10", True, "2026-11-09", "overdue"),
        ("done", "2026-11-10", False, "2026-11-09", "open"),
    ],
)
def test_a_task_stands_open_overdue_or_done(stored, done_on, overdue, on, want):
    got = core.status_on(stored, done_on and D(done_on), customer_overdue=overdue, on=on and D(on))
    assert got == want


def test_an_unknown_stored_status_is_named():
    with pytest.raises(ValueError, match="status: 'overdue'"):
        core.status_on("overdue", None, customer_overdue=False)


def test_the_first_effective_visit_on_or_after_creation_closes_a_task():
    found = core.first_visits(
        [("t-1", D("2026-11-10")), ("t-2", D("2026-11-10"))],
        [
            ("v-old", "c-1", D("2026-11-09"), 1.0),
            ("v-late", "c-1", D("2026-11-12"), 9.0),
            ("v-first", "c-1", D("2026-11-12"), 5.0),
            ("v-other", "c-9", D("2026-11-11"), 1.0),
        ],
        {"t-1": "c-1", "t-2": "c-2"},
    )
    assert found == {"t-1": ("v-first", D("2026-11-12"))}


def test_the_export_fields_are_the_contracts():
    assert core.EXPORT_FIELDS == (
        "id",
        "customer_id",
        "rep_id",
        "grade",
        "created",
        "due",
        "status",
        "visit_id",
    )

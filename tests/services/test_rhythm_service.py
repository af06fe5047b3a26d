"""The rhythm view, the task completion rate per team and rep, and the overview's digest on
real SQLite and real PostgreSQL (customer_builders.company(), first stored on 2026-11-27), in
the caller's scope: an admin sees both regions, a manager only theirs."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.filters import Filters
from dashboard.services import drilldown, tasks
from dashboard.services import rhythm as svc
from dashboard.services import settings as rule_settings
from dashboard.services.users import User
from tests.customer_builders import company, effective_visit, load

D = date.fromisoformat
ADMIN = User(id=1, name="admin", role="admin", regions=())
MANAGER_E = User(id=2, name="mgr-e", role="manager", regions=("reg-e",))
MANAGER_N = User(id=3, name="mgr-n", role="manager", regions=("reg-n",))
TODAY = D("2026-12-08")
PERIOD = Filters("custom", D("2026-12-01"), TODAY)


@pytest.fixture
def world(engine, now):
    """cust-1 (A, rep-1) and cust-2 (B, rep-1) visited on 11-26; tasks generated on 12-03
    (cust-1) and 12-04 (the never-visited A customers: cust-x, an orphan of reg-e, and cust-n
    of reg-n); rep-2 visits rep-1's cust-1 on 12-05, which closes its task."""
    load(engine, company(), now)
    load(
        engine,
        [
            *effective_visit("v-1", "cust-1", D("2026-11-26")),
            *effective_visit("v-2", "cust-2", D("2026-11-26")),
        ],
        now,
    )
    tasks.generate(engine, on=D("2026-12-03"), now=now)
    tasks.generate(engine, on=D("2026-12-04"), now=now)
    load(engine, effective_visit("v-3", "cust-1", D("2026-12-05"), rep_id="rep-2"), now)
    assert tasks.close_done(engine, now=now) == 1
    return engine


def ids(rows) -> list[str]:
    return [row["customer_id"] for row in rows]


def test_rhythm_view_of_everything_for_an_admin(world):
    view = svc.rhythm_view(world, ADMIN, PERIOD, today=TODAY)
    # cust-2 (B, last 11-26) is due 12-10, cust-1 (A, last 12-05) 12-12; cust-3 (C, never,
    # since 11-27) not before 12-25: beyond the 7 days.
    assert ids(view["due"]) == ["cust-2", "cust-1"]
    assert [row["state"] for row in view["due"]] == ["upcoming", "upcoming"]
    assert [row["due_on"] for row in view["due"]] == [D("2026-12-10"), D("2026-12-12")]
    # Never visited A customers first stored 11-27: 12-08 is their first overdue day.
    assert ids(view["overdue"]) == ["cust-n", "cust-x"]
    assert all(row["never"] and row["days_overdue"] == 0 for row in view["overdue"])
    # cust-1's task was done by rep-2's visit; cust-x's and cust-n's are overdue.
    assert view["completion"] == {
        "tasks_done": 1,
        "tasks_overdue": 2,
        "tasks_open": 0,
        "task_completion": pytest.approx(1 / 3),
    }
    assert view["as_of"] == TODAY
    assert view["horizon_end"] == D("2026-12-15")


def test_a_manager_sees_only_their_region(world):
    east = svc.rhythm_view(world, MANAGER_E, PERIOD, today=TODAY)
    assert ids(east["due"]) == ["cust-2", "cust-1"]
    assert ids(east["overdue"]) == ["cust-x"]
    assert east["completion"]["tasks_done"] == 1
    assert east["completion"]["task_completion"] == pytest.approx(1 / 2)
    north = svc.rhythm_view(world, MANAGER_N, PERIOD, today=TODAY)
    assert (ids(north["due"]), ids(north["overdue"])) == ([], ["cust-n"])
    assert north["completion"]["task_completion"] == 0.0
    # A filter naming the other region's team yields nothing, never its data.
    other = svc.rhythm_view(
        world, MANAGER_N, Filters("custom", PERIOD.start, TODAY, team="team-1"), today=TODAY
    )
    assert (other["due"], other["overdue"], other["completion"]["task_completion"]) == (
        [],
        [],
        None,
    )


def test_rhythm_view_of_one_rep(world):
    rep = svc.rhythm_view(
        world, ADMIN, Filters("custom", PERIOD.start, TODAY, rep="rep-1"), today=TODAY
    )
    assert ids(rep["due"]) == ["cust-2", "cust-1"] and rep["overdue"] == []
    # rep-1's task was closed by rep-2's visit: it counts as done for rep-1.
    assert rep["completion"]["tasks_done"] == 1 and rep["completion"]["task_completion"] == 1.0


def test_a_period_is_judged_as_it_stood_on_its_last_day(world):
    # On 12-04 cust-1's task (due 12-03) was not done yet and cust-1 was inside its grace:
    # open; the never-visited customers' tasks (due 12-04) too. Nothing decided yet.
    early = svc.rhythm_view(
        world, ADMIN, Filters("custom", D("2026-12-01"), D("2026-12-04")), today=TODAY
    )
    assert early["as_of"] == D("2026-12-04")
    assert early["completion"] == {
        "tasks_done": 0,
        "tasks_overdue": 0,
        "tasks_open": 3,
        "task_completion": None,
    }
    # A period before any task was due has no task at all.
    none = svc.rhythm_view(
        world, ADMIN, Filters("custom", D("2026-11-01"), D("2026-11-30")), today=TODAY
    )
    assert none["completion"]["tasks_done"] + none["completion"]["tasks_open"] == 0


def test_completion_rates_per_team_and_rep(world):
    teams = svc.completion_rates(world, ADMIN, PERIOD, today=TODAY, by="team")
    got = teams.set_index("team_id")[["tasks_done", "tasks_overdue", "task_completion"]]
    # The orphan's task (no rep) counts in no team.
    assert got.to_dict("index") == {
        "team-1": {"tasks_done": 1, "tasks_overdue": 0, "task_completion": 1.0},
        "team-n": {"tasks_done": 0, "tasks_overdue": 1, "task_completion": 0.0},
    }
    reps = svc.completion_rates(world, MANAGER_E, PERIOD, today=TODAY, by="rep")
    assert list(reps["rep_id"]) == ["rep-1"]
    with pytest.raises(ValueError, match="by"):
        svc.completion_rates(world, ADMIN, PERIOD, today=TODAY, by="region")


def test_the_drill_grid_carries_the_completion_rate(world):
    teams = drilldown.drill(world, ADMIN, PERIOD, level="teams", today=TODAY)
    rates = dict(zip(teams["team_id"], teams["task_completion"], strict=True))
    assert rates["team-1"] == 1.0 and rates["team-n"] == 0.0
    reps = drilldown.drill(
        world,
        ADMIN,
        Filters("custom", PERIOD.start, TODAY, team="team-1"),
        level="reps",
        today=TODAY,
    )
    by_rep = reps.set_index("rep_id")
    assert by_rep.loc["rep-1", "tasks_done"] == 1
    # rep-2 had no task: 0 tasks, no rate.
    assert by_rep.loc["rep-2", "tasks_done"] == 0 and pd.isna(
        by_rep.loc["rep-2", "task_completion"]
    )


def test_digest_counts_overdue_a_customers_per_team_in_scope(world):
    everything = svc.digest(world, ADMIN, PERIOD, today=TODAY)
    # Most overdue first, then by team name.
    assert everything["teams"] == [
        {"team_id": "team-1", "team_name": "上海一组", "a_customers": 2, "overdue_a": 1},
        {"team_id": "team-n", "team_name": "北京一组", "a_customers": 1, "overdue_a": 1},
    ]
    assert everything["overdue_a"] == 2
    assert [row["grade"] for row in everything["grades"]] == ["A", "B", "C"]
    east = svc.digest(world, MANAGER_E, PERIOD, today=TODAY)
    assert [row["team_id"] for row in east["teams"]] == ["team-1"]
    assert east["overdue_a"] == 1
    assert sum(row["customers"] for row in east["grades"]) < sum(
        row["customers"] for row in everything["grades"]
    )


def test_a_stricter_a_rule_moves_the_digest(world, now):
    day = D("2026-12-13")  # cust-1 (A) was last visited on 12-05: 8 days
    before = svc.digest(world, ADMIN, PERIOD, today=day)
    rule_settings.set_value(world, "visits_per_28d_a", 8, actor="ops", now=now)
    after = svc.digest(world, ADMIN, PERIOD, today=day)
    # Interval 3.5 days: overdue after 7 days instead of 11, so cust-1 is overdue now.
    assert after["overdue_a"] == before["overdue_a"] + 1
    rate = {row["grade"]: row for row in before["grades"]}
    rate_after = {row["grade"]: row for row in after["grades"]}
    assert rate_after["A"]["required_visits"] == 8
    assert rate_after["A"]["compliant"] <= rate["A"]["compliant"]

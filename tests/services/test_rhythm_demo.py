"""The demo company's rhythm (issue 16): most A customers on rhythm, some slipping, a few never
visited, one rep with far more overdue tasks than the others, a task history over the last 14
days that makes the completion rate meaningful, and an overview that moves when the rule in the
settings changes (A 4 → 8 visits per 28 days)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from statistics import median

import pytest
import sqlalchemy as sa

from dashboard.filters import Filters
from dashboard.services import rhythm, tasks
from dashboard.services import settings as rule_settings
from dashboard.services.db import dispose_engine, get_engine
from dashboard.services.demo import TASK_HISTORY_DAYS, seed_demo
from dashboard.services.users import User
from data_access import schema
from tests.conftest import FIXED_NOW

ADMIN = User(id=1, name="admin", role="admin", regions=())
TODAY = tasks.company_today(FIXED_NOW)
LAST_14 = Filters("custom", TODAY - timedelta(days=13), TODAY)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('rhythm-demo') / 'demo.db'}"
    engine = get_engine(url)
    result = seed_demo(engine, seed=7, reps=12, days=20, now=FIXED_NOW)
    yield engine, result
    dispose_engine(url)


def test_seeding_replays_a_task_history_of_the_last_days(demo):
    engine, result = demo
    assert result.daily["history"]["created"] > 0 and result.daily["history"]["closed"] > 0
    with engine.connect() as conn:
        days = set(conn.execute(sa.select(schema.tasks.c.created).distinct()).scalars())
        done = conn.execute(
            sa.select(sa.func.count()).where(schema.tasks.c.status == "done")
        ).scalar_one()
    assert min(days) == TODAY - timedelta(days=TASK_HISTORY_DAYS)
    assert max(days) == TODAY and len(days) >= 8  # the working days have new tasks
    assert done > 0


def test_the_completion_rate_over_the_last_14_days_is_meaningful(demo):
    engine, _ = demo
    done = rhythm.rhythm_view(engine, ADMIN, LAST_14, today=TODAY)["completion"]
    assert done["tasks_done"] >= 10 and done["tasks_overdue"] >= 10
    assert 0.2 < done["task_completion"] < 0.9


def test_most_a_customers_are_on_rhythm_some_slip_a_few_were_never_visited(demo):
    engine, _ = demo
    view = rhythm.rhythm_view(engine, ADMIN, LAST_14, today=TODAY)
    digest = rhythm.digest(engine, ADMIN, LAST_14, today=TODAY)
    a_customers = sum(row["a_customers"] for row in digest["teams"])
    overdue_a = [row for row in view["overdue"] if row["grade"] == "A"]
    assert len(overdue_a) == digest["overdue_a"]
    assert 0 < len(overdue_a) < 0.3 * a_customers
    never_a = [row for row in overdue_a if row["never"]]
    assert 0 < len(never_a) < 0.1 * a_customers


def test_one_rep_has_many_more_overdue_tasks_than_the_others(demo):
    engine, _ = demo
    rows = tasks.export_rows(engine, today=TODAY, statuses=("overdue",))
    per_rep = Counter(row["rep_id"] for row in rows if row["rep_id"])
    (_worst, most), *others = per_rep.most_common()
    assert most >= 10
    assert most >= 3 * median(count for _rep, count in others)


def test_a_stricter_a_rule_moves_the_overview_digest(demo):
    engine, _ = demo
    before = rhythm.digest(engine, ADMIN, LAST_14, today=TODAY)
    rule_settings.set_value(engine, "visits_per_28d_a", 8, actor="ops", now=FIXED_NOW)
    try:
        after = rhythm.digest(engine, ADMIN, LAST_14, today=TODAY)
    finally:
        rule_settings.set_value(engine, "visits_per_28d_a", 4, actor="ops", now=FIXED_NOW)
    # Interval 3.5 days instead of 7: more A customers are overdue, fewer meet the rule.
    assert after["overdue_a"] > before["overdue_a"]
    a_before = next(row for row in before["grades"] if row["grade"] == "A")
    a_after = next(row for row in after["grades"] if row["grade"] == "A")
    assert (a_before["required_visits"], a_after["required_visits"]) == (4, 8)
    assert a_after["rate"] < a_before["rate"]
    # B and C are untouched.
    for grade in ("B", "C"):
        pair = [next(r for r in d["grades"] if r["grade"] == grade) for d in (before, after)]
        assert pair[0]["rate"] == pair[1]["rate"]

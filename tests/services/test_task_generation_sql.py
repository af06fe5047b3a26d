"""The fast path of task generation (the due list computed by the database, inserted in one
statement) equals the pure definition (``dashboard.tasks.plan_tasks`` over the rhythms read
customer by customer) on SQLite and PostgreSQL, for contract §5's table-driven cases on every
date of a month and under a changed rule: never visited (from ``created``, else first stored),
visited exactly at the interval, into the grace, the first overdue day, a visit by another rep,
a visit too short to count, an orphan, an inactive customer, an open task already there."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dashboard import tasks as core
from dashboard.frequency import GRADES
from dashboard.services import settings as rule_settings
from dashboard.services import tasks as svc
from dashboard.services.settings import frequency_config_of
from data_access import schema
from data_access import tasks as store
from tests import builders as b
from tests.customer_builders import company, effective_visit, load

D = date.fromisoformat
FIRST, LAST = D("2026-11-27"), D("2026-12-31")


@pytest.fixture
def world(engine, now):
    """customer_builders.company() plus customers for each case of contract §5."""
    extra = [
        b.customer("a-created", name="新店 A", created="2026-11-20"),
        b.customer("b-created", name="新店 B", grade="B", created="2026-11-01"),
        b.customer("c-old", name="老店 C", grade="C", created="2026-09-01"),
        b.customer("a-short", name="短访 A"),
        b.customer("a-other", name="他访 A"),
        b.customer("b-gone", name="关店 B", grade="B", created="2026-10-01"),
        b.customer("a-none", name="无主 A", owner_rep_id=None, created="2026-11-10"),
    ]
    visits = [
        *effective_visit("v-1", "cust-1", D("2026-11-26")),
        *effective_visit("v-2", "cust-2", D("2026-11-20")),
        *effective_visit("v-3", "cust-3", D("2026-11-05"), rep_id="rep-2"),
        *effective_visit("v-x", "cust-x", D("2026-11-12"), rep_id="rep-1"),
        *effective_visit("v-s", "a-short", D("2026-11-25"), minutes=3),  # no effective visit
        *effective_visit("v-s2", "a-short", D("2026-11-18")),
        *effective_visit("v-o", "a-other", D("2026-11-24"), rep_id="rep-2"),
        *effective_visit("v-late", "cust-1", D("2026-12-08")),  # after some of the dates
    ]
    load(engine, [*company(), *extra], now)
    load(engine, visits, now)
    with engine.begin() as conn:
        c = schema.customers
        conn.execute(c.update().where(c.c.id == "b-gone").values(active=False))
    return engine


def reference(conn, on: date) -> set[tuple]:
    """The pure definition: every active customer's rhythm through ``core.plan_tasks``,
    leaving out those with an open task."""
    config = frequency_config_of(conn)
    c, tk = schema.customers, schema.tasks
    active = set(conn.execute(sa.select(c.c.id).where(c.c.active.is_(True))).scalars())
    busy = set(conn.execute(sa.select(tk.c.customer_id).where(tk.c.status == "open")).scalars())
    rhythms = [
        core.Rhythm(
            row["customer_id"],
            row["grade"],
            row["owner_rep_id"],
            row["region_id"],
            row["last_visit"],
            row["since"],
        )
        for row in store.fetch_rhythms(conn, on=on).values()
        if row["customer_id"] in active - busy
    ]
    return {
        (t.id, t.customer_id, t.rep_id, t.region_id, t.grade, t.created, t.due)
        for t in core.plan_tasks(rhythms, on=on, config=config)
    }


def fast(conn, on: date) -> set[tuple]:
    config = frequency_config_of(conn)
    days = {grade: config.due_after_days(grade) for grade in GRADES}
    rows = conn.execute(store.due_task_select(conn, on=on, due_after_days=days)).all()
    return {
        (r.id, r.customer_id, r.rep_id, r.region_id, r.grade, _day(r.created), _day(r.due))
        for r in rows
    }


def _day(value) -> date:
    return value if isinstance(value, date) else D(str(value))


def stored(conn) -> set[tuple]:
    tk = schema.tasks
    cols = (tk.c.id, tk.c.customer_id, tk.c.rep_id, tk.c.region_id, tk.c.grade, tk.c.created)
    rows = conn.execute(sa.select(*cols, tk.c.due).where(tk.c.status == "open")).all()
    return set(map(tuple, rows))


def _every_day_equal(engine, now) -> int:
    """Compare on every date from FIRST to LAST, the task table emptied before each; return
    how many tasks the dates gave in all (so the cases are not vacuous)."""
    total = 0
    day = FIRST
    while day <= LAST:
        with engine.begin() as conn:
            conn.execute(schema.tasks.delete())
            want = reference(conn, day)
            assert fast(conn, day) == want, day
        result = svc.generate(engine, on=day, now=now)
        with engine.connect() as conn:
            assert stored(conn) == want, day
        assert (result.due, result.created) == (len(want), len(want))
        total += len(want)
        day += timedelta(days=1)
    return total


def test_fast_path_equals_the_pure_definition_on_every_date(world, now):
    assert _every_day_equal(world, now) > 100


def test_fast_path_equals_the_pure_definition_under_a_changed_rule(world, now):
    # A 3 a month (interval 9⅓ days: due after 10), B 1, C 1, no grace.
    rule_settings.save_values(
        world,
        {"visits_per_28d_a": 3, "visits_per_28d_b": 1, "frequency_grace_days": 0},
        actor="admin",
        now=now,
    )
    assert _every_day_equal(world, now) > 100


def test_customers_with_an_open_task_are_left_out_alike(world, now):
    svc.generate(world, on=D("2026-12-01"), now=now)
    with world.connect() as conn:
        assert stored(conn)  # some open tasks
        later = D("2026-12-20")
        want = reference(conn, later)
        assert fast(conn, later) == want
        open_before = len(stored(conn))
    result = svc.generate(world, on=later, now=now)
    assert result.created == len(want)
    with world.connect() as conn:
        assert len(stored(conn)) == open_before + len(want)


def test_cases_land_as_contract_5_says(world, now):
    """Spot checks of the definition itself on 12-03 (A due after 7 days, B 14, C 28)."""
    with world.connect() as conn:
        got = {row[1]: row for row in fast(conn, D("2026-12-03"))}
    assert got["cust-1"][6] == D("2026-12-03")  # visited 11-26: exactly at the interval
    assert got["a-created"][6] == D("2026-11-27")  # never visited: from created
    assert got["cust-x"][2] is None  # an inactive rep's customer: an orphan's task
    assert got["a-none"][2] is None and got["a-none"][6] == D("2026-11-17")
    assert got["a-short"][6] == D("2026-11-25")  # the 3-minute visit does not count
    assert got["a-other"][6] == D("2026-12-01")  # a visit by another rep counts
    assert "cust-2" not in got and "b-gone" not in got  # B due 12-04; an inactive customer
    assert got["c-old"][6] == D("2026-09-29")

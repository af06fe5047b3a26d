"""A rep's handover from the cockpit (issue 15, contract §5): what a rep holds, the eligible
receiving reps, the preview with a required reason, and the handover itself through the one
``handover`` path (owner history, audit event, plans from today, open tasks), with its refusals
changing nothing."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from dashboard.services import customers as svc
from dashboard.services import tasks as task_svc
from data_access import schema
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company, effective_visit, load

EVERYONE = Scope.everything(user="admin")
MANAGER_E = Scope.of_regions(["reg-e"], user="mgr-e")
VISIT_DAY = date(2026, 11, 26)


@pytest.fixture
def world(engine, now):
    """customer_builders.company() with visits of 11-26, plans of rep-1 before and from today
    (11-27) and the tasks of 12-04: cust-1's (rep-1) and cust-x's (no rep: rep-x left)."""
    load(engine, company(), now)
    load(
        engine,
        [
            *effective_visit("v-1", "cust-1", VISIT_DAY),
            *effective_visit("v-2", "cust-2", VISIT_DAY),
            b.plan("plan-past", date="2026-11-26", customer_ids=["cust-1"]),
            b.plan("plan-today", date="2026-11-27", customer_ids=["cust-1", "cust-2"]),
            b.plan("plan-next", date="2026-11-30", customer_ids=["cust-2"]),
        ],
        now,
    )
    task_svc.generate(engine, on=date(2026, 12, 4), now=now)
    return engine


def tasks(engine) -> dict[str, str | None]:
    t = schema.tasks
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(t.c.id, t.c.rep_id).where(t.c.status == "open")).all())


def snapshot(engine):
    """Every row of the tables a handover may touch."""
    out = {}
    with engine.connect() as conn:
        for table in (
            schema.customers,
            schema.customer_owner_history,
            schema.plans,
            schema.plan_items,
            schema.reps,
            schema.status_events,
            schema.rep_days,
            schema.tasks,
        ):
            out[table.name] = sorted(map(tuple, conn.execute(sa.select(table))), key=repr)
    return out


def test_the_fixture_has_the_tasks_the_handover_must_move(world):
    assert tasks(world) == {
        "cust-1:2026-12-03": "rep-1",
        "cust-x:2026-12-04": None,
        "cust-n:2026-12-04": "rep-n",
    }


def test_rep_holding_lists_customers_plans_from_today_and_open_tasks(world, now):
    held = svc.rep_holding(world, MANAGER_E, rep_id="rep-1", now=now)
    assert held["rep"]["id"] == "rep-1" and held["today"] == date(2026, 11, 27)
    assert [row["id"] for row in held["customers"]] == ["cust-1", "cust-2"]
    assert [p["id"] for p in held["plans"]] == ["plan-today", "plan-next"]
    assert [t["id"] for t in held["tasks"]] == ["cust-1:2026-12-03"]
    # An inactive rep's customers' tasks have no rep: they are still the rep's to hand over.
    orphan = svc.rep_holding(world, EVERYONE, rep_id="rep-x", now=now)
    assert [t["id"] for t in orphan["tasks"]] == ["cust-x:2026-12-04"]
    for scope, rep in ((MANAGER_E, "rep-n"), (EVERYONE, "rep-zz")):
        with pytest.raises(svc.HandoverRefused, match=f"from: unknown rep '{rep}'"):
            svc.rep_holding(world, scope, rep_id=rep, now=now)


def test_targets_are_active_reps_of_the_scope_and_for_a_manager_of_the_same_region(world):
    ids = lambda rows: [row["id"] for row in rows]  # noqa: E731
    assert ids(svc.handover_targets(world, MANAGER_E, from_rep="rep-1", same_region=True)) == [
        "rep-2"
    ]
    assert set(ids(svc.handover_targets(world, EVERYONE, from_rep="rep-1"))) == {"rep-2", "rep-n"}
    assert ids(svc.handover_targets(world, EVERYONE, from_rep="rep-1", same_region=True)) == [
        "rep-2"
    ]
    assert svc.handover_targets(world, MANAGER_E, from_rep="rep-n") == []
    assert svc.handover_targets(world, EVERYONE, from_rep="rep-zz") == []


def test_preview_equals_what_moves_and_the_handover_writes_history_and_an_audit_event(world, now):
    before = snapshot(world)
    args = {"from_rep": "rep-1", "to_rep": "rep-2", "reason": " 离职 left ", "same_region": True}
    preview = svc.preview_rep_handover(world, MANAGER_E, now=now, **args)
    assert snapshot(world) == before
    plan = svc.hand_over_rep(world, MANAGER_E, by="mgr-e", deactivate=True, now=now, **args)
    assert preview.summary() == {**plan.summary(), "deactivated": False}
    assert plan.summary()["customers"] == ["cust-1", "cust-2"]
    assert plan.summary()["tasks"] == ["cust-1:2026-12-03"]
    c, h, p, r = schema.customers, schema.customer_owner_history, schema.plans, schema.reps
    with world.connect() as conn:
        owners = dict(conn.execute(sa.select(c.c.id, c.c.owner_rep_id)).all())
        history = conn.execute(
            sa.select(h.c.customer_id, h.c.from_rep_id, h.c.to_rep_id, h.c.changed_by, h.c.reason)
            .where(h.c.source == "handover")
            .order_by(h.c.customer_id)
        ).all()
        plan_reps = dict(conn.execute(sa.select(p.c.id, p.c.rep_id)).all())
        active = conn.execute(sa.select(r.c.active).where(r.c.id == "rep-1")).scalar_one()
        event = conn.execute(sa.select(schema.status_events)).mappings().one()
    assert owners["cust-1"] == owners["cust-2"] == "rep-2" and owners["cust-3"] == "rep-2"
    assert [tuple(row) for row in history] == [
        ("cust-1", "rep-1", "rep-2", "mgr-e", "离职 left"),
        ("cust-2", "rep-1", "rep-2", "mgr-e", "离职 left"),
    ]
    # The past plan stays the leaving rep's; today's and later ones move.
    assert plan_reps == {"plan-past": "rep-1", "plan-today": "rep-2", "plan-next": "rep-2"}
    assert tasks(world)["cust-1:2026-12-03"] == "rep-2"
    assert active is False
    assert (event["subject_id"], event["action"], event["actor"], event["assigned_to"]) == (
        "rep-1",
        "handover",
        "mgr-e",
        "rep-2",
    )
    assert '"reason": "离职 left"' in event["note"]


def test_an_inactive_reps_ownerless_tasks_move_with_their_customers(world, now):
    plan = svc.hand_over_rep(
        world, EVERYONE, from_rep="rep-x", to_rep="rep-2", reason="left", by="admin", now=now
    )
    assert [t["id"] for t in plan.tasks] == ["cust-x:2026-12-04"]
    assert tasks(world)["cust-x:2026-12-04"] == "rep-2"


def test_a_reps_own_open_task_of_a_customer_moved_away_by_ingest_moves_too(world, now):
    load(world, [b.customer("cust-1", name="华联超市", owner_rep_id="rep-2")], now)
    plan = svc.preview_rep_handover(
        world, EVERYONE, from_rep="rep-1", to_rep="rep-2", reason="left", now=now
    )
    assert [row["id"] for row in plan.customers] == ["cust-2"]
    assert [t["id"] for t in plan.tasks] == ["cust-1:2026-12-03"]
    svc.hand_over_rep(
        world, EVERYONE, from_rep="rep-1", to_rep="rep-2", reason="left", by="admin", now=now
    )
    assert tasks(world)["cust-1:2026-12-03"] == "rep-2"


@pytest.mark.parametrize(
    ("scope", "kwargs", "message"),
    [
        (EVERYONE, {"to_rep": "rep-x"}, "to: rep 'rep-x' is inactive"),
        (MANAGER_E, {"to_rep": "rep-n"}, "to: unknown rep 'rep-n'"),
        (EVERYONE, {"to_rep": "rep-n"}, "to: rep 'rep-n' works in region 'reg-n'"),
        (EVERYONE, {"from_rep": "rep-zz"}, "from: unknown rep 'rep-zz'"),
        (MANAGER_E, {"from_rep": "rep-n", "to_rep": "rep-2"}, "from: unknown rep 'rep-n'"),
        (EVERYONE, {"reason": ""}, "reason: say why"),
        (EVERYONE, {"reason": "   "}, "reason: say why"),
        (EVERYONE, {"reason": None}, "reason: say why"),
        (EVERYONE, {"to_rep": ""}, "to: pick the receiving rep"),
        (EVERYONE, {"by": ""}, "by: the name of who hands over is required"),
        (Scope.everything(user="exec", read_only=True), {}, "scope: a read-only user"),
    ],
)
def test_refused_rep_handover_changes_nothing(world, now, scope, kwargs, message):
    before = snapshot(world)
    args = {
        "from_rep": "rep-1",
        "to_rep": "rep-2",
        "reason": "left",
        "same_region": True,
        "deactivate": True,
        **kwargs,
    }
    by = args.pop("by", "someone")
    if "by" not in kwargs:  # the preview names nobody
        with pytest.raises(svc.HandoverRefused) as info:
            svc.preview_rep_handover(world, scope, now=now, **args)
        assert str(info.value).startswith(message)
    with pytest.raises(svc.HandoverRefused) as info:
        svc.hand_over_rep(world, scope, by=by, now=now, **args)
    assert str(info.value).startswith(message)
    assert snapshot(world) == before

"""The regrade service on real SQLite and PostgreSQL: the what-if in scope, apply (admin only,
one transaction, grade history, audit event), a lock that survives the apply, the lock's
roles and reason, ingest writing grade history, and two admins applying at once = once."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dashboard.grades import GradeError, StalePlan
from dashboard.services import grades as svc
from data_access import schema
from data_access.scope import Scope
from tests import builders as b
from tests.conftest import data_table_names
from tests.customer_builders import company, effective_visit, load

TODAY = date(2026, 11, 27)
ADMIN = Scope.everything(user="root")
EAST = Scope.of_regions({"reg-e"}, user="mgr-e")
NORTH = Scope.of_regions({"reg-n"}, user="mgr-n")


def _order_visit(vid: str, cid: str, day: date, amount: float, rep: str = "rep-1"):
    return [*effective_visit(vid, cid, day, rep_id=rep), b.order(f"o-{vid}", vid, amount=amount)]


@pytest.fixture
def world(engine, now):
    """reg-e: cust-3 (C) 10,000.00, cust-2 (B) 2,000.00, cust-1 (A) 500.00, cust-x (A, orphan)
    none, plus an order 400 days ago that no longer counts; reg-n: cust-n (A) none."""
    load(engine, company(), now)
    load(
        engine,
        [
            *_order_visit("v-3", "cust-3", TODAY - timedelta(days=30), 10000.0, "rep-2"),
            *_order_visit("v-2", "cust-2", TODAY - timedelta(days=364), 2000.0),
            *_order_visit("v-1", "cust-1", TODAY - timedelta(days=3), 500.0),
            *_order_visit("v-old", "cust-1", TODAY - timedelta(days=400), 99999.0),
        ],
        now,
    )
    return engine


def _grades(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(schema.customers.c.id, schema.customers.c.grade)).all())


def _history(engine, source: str | None = None) -> list[dict]:
    gh = schema.customer_grade_history
    stmt = sa.select(gh).order_by(gh.c.id)
    if source:
        stmt = stmt.where(gh.c.source == source)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def test_what_if_ranks_each_region_and_changes_nothing(world):
    plan = svc.what_if(world, ADMIN, today=TODAY)
    after = {r.customer_id: (r.before, r.after) for r in plan.results}
    assert after == {
        "cust-3": ("C", "A"),
        "cust-2": ("B", "B"),
        "cust-1": ("A", "C"),
        "cust-x": ("A", "C"),
        "cust-n": ("A", "C"),
    }
    amounts = {r.customer_id: r.amount_cents for r in plan.results}
    assert amounts["cust-3"] == 1_000_000 and amounts["cust-1"] == 50_000
    assert {m["move"]: m["customers"] for m in plan.moves() if m["region_id"] == "reg-e"} == {
        "A→C": 2,
        "C→A": 1,
    }
    assert _grades(world)["cust-3"] == "C"
    assert not _history(world)


def test_manager_what_if_sees_only_their_regions(world):
    plan = svc.what_if(world, NORTH, today=TODAY)
    assert {r.customer_id for r in plan.results} == {"cust-n"}


def test_apply_sets_grades_writes_history_and_one_audit_event(world, now):
    applied = svc.apply_regrade(
        world, ADMIN, role="admin", by="root", reason="yearly review", today=TODAY, now=now
    )
    assert sorted(r.customer_id for r in applied.changed) == [
        "cust-1",
        "cust-3",
        "cust-n",
        "cust-x",
    ]
    grades = _grades(world)
    assert grades["cust-3"] == "A" and grades["cust-1"] == "C" and grades["cust-2"] == "B"
    hist = {h["customer_id"]: h for h in _history(world, "regrade")}
    assert hist["cust-3"]["old_grade"] == "C" and hist["cust-3"]["new_grade"] == "A"
    assert hist["cust-3"]["changed_by"] == "root" and hist["cust-3"]["reason"] == "yearly review"
    se = schema.status_events
    with world.connect() as conn:
        events = conn.execute(sa.select(se).where(se.c.subject_kind == "regrade")).mappings().all()
    assert len(events) == 1 and events[0]["actor"] == "root" and '"changed": 4' in events[0]["note"]
    # Applying again finds nothing to move.
    again = svc.apply_regrade(
        world, ADMIN, role="admin", by="root", reason="again", today=TODAY, now=now
    )
    assert again.changed == [] and len(_history(world, "regrade")) == 4


def test_a_locked_grade_survives_the_apply(world, now):
    assert svc.set_grade_lock(
        world,
        EAST,
        role="manager",
        by="mgr-e",
        customer_id="cust-1",
        locked=True,
        reason="strategic account",
        now=now,
    )
    svc.apply_regrade(world, ADMIN, role="admin", by="root", reason="r", today=TODAY, now=now)
    assert _grades(world)["cust-1"] == "A"
    card = svc.grade_card(world, EAST, customer_id="cust-1")
    assert card["grade_locked"] and card["locked_by"] == "mgr-e"
    assert card["lock_reason"] == "strategic account"
    assert [h["source"] for h in card["history"]] == ["lock"]
    # Unlocked, the next regrade moves it.
    svc.set_grade_lock(
        world,
        ADMIN,
        role="admin",
        by="root",
        customer_id="cust-1",
        locked=False,
        reason="account lost",
        now=now,
    )
    svc.apply_regrade(world, ADMIN, role="admin", by="root", reason="r", today=TODAY, now=now)
    assert _grades(world)["cust-1"] == "C"


@pytest.mark.parametrize(
    ("role", "scope", "customer", "reason", "error"),
    [
        ("exec", ADMIN, "cust-1", "x", svc.GradeNotAllowed),
        ("finance", ADMIN, "cust-1", "x", svc.GradeNotAllowed),
        ("manager", NORTH, "cust-1", "x", svc.GradeCustomerNotFound),
        ("manager", EAST, "nope", "x", svc.GradeCustomerNotFound),
        ("manager", EAST, "cust-1", "  ", GradeError),
    ],
)
def test_lock_refusals_change_nothing(world, now, role, scope, customer, reason, error):
    with pytest.raises(error):
        svc.set_grade_lock(
            world,
            scope,
            role=role,
            by="someone",
            customer_id=customer,
            locked=True,
            reason=reason,
            now=now,
        )
    assert not _history(world)


@pytest.mark.parametrize("role", ["manager", "exec", "finance"])
def test_only_an_admin_applies(world, now, role):
    with pytest.raises(svc.GradeNotAllowed, match="role"):
        svc.apply_regrade(world, ADMIN, role=role, by="x", reason="r", today=TODAY, now=now)
    with pytest.raises(GradeError, match="reason"):
        svc.apply_regrade(world, ADMIN, role="admin", by="x", reason="", today=TODAY, now=now)
    assert _grades(world)["cust-3"] == "C"


def test_ingest_of_a_changed_grade_writes_grade_history(world, now):
    load(world, [b.customer("cust-2", name="联华便利", grade="A")], now)
    load(world, [b.customer("cust-2", name="联华便利", grade="A")], now)  # same grade: no row
    hist = _history(world, "ingest")
    assert [(h["customer_id"], h["old_grade"], h["new_grade"]) for h in hist] == [
        ("cust-2", "B", "A")
    ]
    assert hist[0]["changed_by"] == "test"


@pytest.mark.postgres
def test_two_admins_applying_at_once_apply_once(postgres_url, now):
    from dashboard.services.db import get_engine

    engine = get_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {data_table_names()} RESTART IDENTITY CASCADE")
    load(engine, company(), now)
    load(engine, _order_visit("v-3", "cust-3", TODAY - timedelta(days=1), 100.0, "rep-2"), now)
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            applied = svc.apply_regrade(
                engine, ADMIN, role="admin", by=f"admin-{i}", reason="race", today=TODAY, now=now
            )
            results.append(len(applied.changed))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert sorted(results) == [0, 0, 0, 5]  # C→A, B→C, A→C twice, and cust-n A→C
    assert len(_history(engine, "regrade")) == 5
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {data_table_names()} RESTART IDENTITY CASCADE")


def test_apply_refuses_a_what_if_that_changed_since_it_was_shown(world, now):
    shown = svc.what_if(world, ADMIN, today=TODAY).fingerprint()
    svc.apply_regrade(
        world, ADMIN, role="admin", by="a1", reason="r", today=TODAY, now=now, expect=shown
    )
    # A second admin confirming the same (now applied) what-if changes nothing more.
    with pytest.raises(StalePlan):
        svc.apply_regrade(
            world, ADMIN, role="admin", by="a2", reason="r", today=TODAY, now=now, expect=shown
        )
    assert len(_history(world, "regrade")) == 4


def test_an_unknown_region_is_refused_naming_the_field(world, now):
    with pytest.raises(GradeError, match="region: unknown region 'reg-x'"):
        svc.what_if(world, ADMIN, today=TODAY, region="reg-x")
    with pytest.raises(GradeError, match="region"):
        svc.apply_regrade(
            world, ADMIN, role="admin", by="a", reason="r", today=TODAY, now=now, region="reg-x"
        )
    assert not _history(world)


def test_ingest_wins_over_a_lock_and_keeps_the_lock_and_the_history(world, now):
    svc.set_grade_lock(
        world,
        ADMIN,
        role="admin",
        by="root",
        customer_id="cust-2",
        locked=True,
        reason="hold",
        now=now,
    )
    load(world, [b.customer("cust-2", name="联华便利", grade="C")], now)
    card = svc.grade_card(world, ADMIN, customer_id="cust-2")
    assert card["grade"] == "C" and card["grade_locked"] and card["lock_reason"] == "hold"
    assert [(h["source"], h["old_grade"], h["new_grade"]) for h in card["history"]] == [
        ("ingest", "B", "C"),
        ("lock", "B", "B"),
    ]

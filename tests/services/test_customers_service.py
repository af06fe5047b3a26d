"""The customer service (contract §5) on real SQLite and real PostgreSQL: the list and its
rhythm status on edge dates, orphans, the profile, scope, handover and reassignment."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dashboard.frequency import FrequencyConfig, visit_status
from dashboard.services import customers as svc
from dashboard.services import settings as rule_settings
from data_access import schema
from data_access.coverage import fetch_customer_coverage
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company, effective_visit, load

EVERYONE = Scope.everything(user="admin")
MANAGER_E = Scope.of_regions(["reg-e"], user="mgr-e")
VISIT_DAY = date(2026, 11, 26)


@pytest.fixture
def world(engine, now):
    load(engine, company(), now)
    return engine


def statuses(engine, today, scope=EVERYONE, **filters):
    page = svc.list_customers(engine, scope, today=today, active=None, **filters)
    return {row["id"]: row["status"] for row in page.rows}


# ------------------------------------------------------------------ rhythm status


@pytest.mark.parametrize(
    ("days_after", "expected"),
    [(0, "on_rhythm"), (6, "on_rhythm"), (7, "due"), (10, "due"), (11, "overdue")],
)
def test_grade_a_status_on_edge_dates_after_its_last_effective_visit(
    world, now, days_after, expected
):
    load(world, effective_visit("v-1", "cust-1", VISIT_DAY), now)
    today = VISIT_DAY + timedelta(days=days_after)
    assert statuses(world, today)["cust-1"] == expected


@pytest.mark.parametrize(
    ("grade_days", "expected"),
    [
        (("cust-2", 13), "on_rhythm"),
        (("cust-2", 14), "due"),
        (("cust-2", 17), "due"),
        (("cust-2", 18), "overdue"),
        (("cust-3", 27), "on_rhythm"),
        (("cust-3", 28), "due"),
        (("cust-3", 31), "due"),
        (("cust-3", 32), "overdue"),
    ],
)
def test_grade_b_and_c_intervals_are_14_and_28_days_with_3_days_of_grace(
    world, now, grade_days, expected
):
    customer_id, days = grade_days
    rep = "rep-2" if customer_id == "cust-3" else "rep-1"
    load(world, effective_visit("v-1", customer_id, VISIT_DAY, rep_id=rep), now)
    assert statuses(world, VISIT_DAY + timedelta(days=days))[customer_id] == expected


def test_never_visited_customers_are_never_and_a_short_visit_is_no_effective_visit(world, now):
    load(world, effective_visit("v-short", "cust-1", VISIT_DAY, minutes=4), now)
    got = statuses(world, VISIT_DAY)
    assert got["cust-1"] == "never"
    assert set(got.values()) == {"never"}


def test_a_visit_by_another_rep_counts_and_the_latest_effective_visit_is_the_last_visit(world, now):
    load(
        world,
        effective_visit("v-1", "cust-1", VISIT_DAY - timedelta(days=20))
        + effective_visit("v-2", "cust-1", VISIT_DAY - timedelta(days=3), rep_id="rep-2")
        + effective_visit("v-3", "cust-1", VISIT_DAY - timedelta(days=1), minutes=2),
        now,
    )
    page = svc.list_customers(world, EVERYONE, today=VISIT_DAY, text="cust-1")
    (row,) = page.rows
    assert row["last_visit"] == VISIT_DAY - timedelta(days=3)
    assert row["visits_28d"] == 2
    assert row["required_28d"] == 4
    assert row["status"] == "on_rhythm"
    assert row["due_on"] == VISIT_DAY + timedelta(days=4)
    assert row["overdue_on"] == VISIT_DAY + timedelta(days=8)


def test_status_follows_the_frequency_settings_of_the_settings_store(world, now):
    load(world, effective_visit("v-1", "cust-1", VISIT_DAY), now)
    today = VISIT_DAY + timedelta(days=7)
    assert statuses(world, today)["cust-1"] == "due"
    rule_settings.save_values(
        world, {"visits_per_28d_a": 2, "frequency_grace_days": 0}, actor="admin", now=now
    )
    assert statuses(world, today)["cust-1"] == "on_rhythm"  # interval 14 days now
    assert statuses(world, VISIT_DAY + timedelta(days=15))["cust-1"] == "overdue"


def test_sql_status_equals_the_pure_status_for_every_grade_and_day():
    # The SQL cut-offs and visit_status are one rule: check them against each other.
    config = FrequencyConfig(visits_per_28d_a=3, frequency_grace_days=2)
    today = date(2026, 12, 31)
    for grade in ("A", "B", "C"):
        due_cut, overdue_cut = config.cutoffs(today)[grade]
        for back in range(0, 40):
            last = today - timedelta(days=back)
            sql_like = (
                "overdue" if last <= overdue_cut else "due" if last <= due_cut else "on_rhythm"
            )
            assert sql_like == visit_status(last, grade, today, config), (grade, back)


def test_visits_in_28_days_and_last_visit_equal_the_kpi_coverage_query(world, now):
    load(
        world,
        effective_visit("v-1", "cust-1", VISIT_DAY - timedelta(days=30))
        + effective_visit("v-2", "cust-1", VISIT_DAY - timedelta(days=10))
        + effective_visit("v-3", "cust-1", VISIT_DAY)
        + effective_visit("v-4", "cust-2", VISIT_DAY - timedelta(days=27)),
        now,
    )
    page = svc.list_customers(world, MANAGER_E, today=VISIT_DAY)
    with world.connect() as conn:
        kpi = fetch_customer_coverage(
            conn,
            window_start=VISIT_DAY - timedelta(days=27),
            window_end=VISIT_DAY,
            history_start=date(2000, 1, 1),
            scope=MANAGER_E,
        )
    expected = {
        row.customer_id: (int(row.verified_visits), row.last_verified_date)
        for row in kpi.itertuples()
    }
    got = {row["id"]: (row["visits_28d"], row["last_visit"]) for row in page.rows}
    owned = {cid: value for cid, value in got.items() if cid != "cust-x"}
    assert owned == {cid: value for cid, value in expected.items() if cid in owned}
    assert got["cust-1"] == (2, VISIT_DAY)
    assert got["cust-2"] == (1, VISIT_DAY - timedelta(days=27))


# ------------------------------------------------------------------ filters, paging, figures


def test_filters_by_grade_status_owner_city_and_text_are_applied_in_the_query(world, now):
    load(world, effective_visit("v-1", "cust-1", VISIT_DAY), now)
    ids = lambda page: [row["id"] for row in page.rows]  # noqa: E731
    assert ids(svc.list_customers(world, EVERYONE, today=VISIT_DAY, grade=["B", "C"])) == [
        "cust-2",
        "cust-3",
    ]
    assert ids(svc.list_customers(world, EVERYONE, today=VISIT_DAY, status=["on_rhythm"])) == [
        "cust-1"
    ]
    assert ids(svc.list_customers(world, EVERYONE, today=VISIT_DAY, owner_rep_id="rep-2")) == [
        "cust-3"
    ]
    assert ids(svc.list_customers(world, EVERYONE, today=VISIT_DAY, text="王经理")) == ["cust-1"]
    assert ids(svc.list_customers(world, EVERYONE, today=VISIT_DAY, text="%")) == []
    assert len(svc.list_customers(world, EVERYONE, today=VISIT_DAY, city="上海").rows) == 5
    with pytest.raises(ValueError, match="status"):
        svc.list_customers(world, EVERYONE, today=VISIT_DAY, status=["late"])


def test_paging_returns_the_total_of_the_filter_and_says_when_capped(world):
    first = svc.list_customers(world, EVERYONE, today=VISIT_DAY, sort="id", limit=2)
    assert [row["id"] for row in first.rows] == ["cust-1", "cust-2"]
    assert (first.total, first.capped) == (5, True)
    last = svc.list_customers(world, EVERYONE, today=VISIT_DAY, sort="id", limit=2, offset=4)
    assert [row["id"] for row in last.rows] == ["cust-x"]
    assert (last.total, last.capped) == (5, False)
    beyond = svc.list_customers(world, EVERYONE, today=VISIT_DAY, limit=2, offset=10)
    assert (beyond.rows, beyond.total) == ([], 5)


def test_owner_team_open_alerts_and_orders_of_90_days_are_on_the_row(world, now):
    load(
        world,
        effective_visit("v-1", "cust-1", VISIT_DAY)
        + effective_visit("v-old", "cust-1", VISIT_DAY - timedelta(days=95))
        + [b.order("o-1", visit_id="v-1", amount=100.5), b.order("o-2", visit_id="v-old")],
        now,
    )
    with world.begin() as conn:
        for n, status in enumerate(("open", "acknowledged", "dismissed")):
            conn.execute(
                schema.alerts.insert().values(
                    id=f"a-{n}",
                    rule="GEOFENCE_MISS",
                    severity="high",
                    rep_id="rep-1",
                    ts=now,
                    local_date=VISIT_DAY,
                    visit_id="v-1",
                    customer_id="cust-1",
                    summary="far",
                    evidence={},
                    status=status,
                    created_at=now,
                    updated_at=now,
                )
            )
    (row,) = svc.list_customers(world, EVERYONE, today=VISIT_DAY, text="cust-1").rows
    assert row["owner_name"] == "张伟" and row["team_name"] == "上海一组"
    assert row["region_id"] == "reg-e" and row["owner_active"] is True
    assert row["open_alerts"] == 2
    assert row["orders_90d"] == 100.5


# ------------------------------------------------------------------ scope and orphans


def test_a_manager_lists_only_the_customers_of_their_regions(world):
    page = svc.list_customers(world, MANAGER_E, today=VISIT_DAY, sort="id")
    assert [row["id"] for row in page.rows] == ["cust-1", "cust-2", "cust-3", "cust-x"]
    north = svc.list_customers(world, Scope.of_regions(["reg-n"]), today=VISIT_DAY)
    assert [row["id"] for row in north.rows] == ["cust-n"]


def test_a_manager_asking_for_another_regions_customer_gets_the_same_not_found_as_unknown(world):
    with pytest.raises(svc.CustomerNotFound) as other:
        svc.customer_profile(world, MANAGER_E, "cust-n", today=VISIT_DAY)
    with pytest.raises(svc.CustomerNotFound) as unknown:
        svc.customer_profile(world, MANAGER_E, "cust-nope", today=VISIT_DAY)
    assert str(other.value).replace("cust-n", "X") == str(unknown.value).replace("cust-nope", "X")
    assert svc.customer_profile(world, EVERYONE, "cust-n", today=VISIT_DAY)["customer"]["id"]


def test_orphans_are_active_customers_whose_owner_is_inactive_or_missing(world, now):
    load(
        world,
        [
            b.customer("cust-gone", owner_rep_id="rep-1"),
            b.customer("cust-closed", owner_rep_id="rep-x", active=False),
        ],
        now,
    )
    load(world, [b.customer("cust-gone", owner_rep_id=None)], now + timedelta(hours=1))
    orphans = svc.list_orphans(world, EVERYONE, today=VISIT_DAY)
    assert sorted(row["id"] for row in orphans.rows) == ["cust-gone", "cust-x"]
    assert all(row["orphan"] for row in orphans.rows)
    # The manager of the orphans' region sees them (the ownerless one by its last region) ...
    mine = svc.list_orphans(world, MANAGER_E, today=VISIT_DAY)
    assert sorted(row["id"] for row in mine.rows) == ["cust-gone", "cust-x"]
    # ... another region's manager does not.
    assert svc.list_orphans(world, Scope.of_regions(["reg-n"]), today=VISIT_DAY).rows == []


# ------------------------------------------------------------------ profile


def test_profile_has_master_data_history_timeline_with_integrity_orders_and_open_alerts(world, now):
    load(
        world,
        effective_visit("v-1", "cust-1", VISIT_DAY - timedelta(days=2))
        + effective_visit("v-2", "cust-1", VISIT_DAY)
        + [b.order("o-1", visit_id="v-2", amount=88.0), b.photo("ph-1", visit_id="v-2")],
        now,
    )
    with world.begin() as conn:
        conn.execute(
            schema.alerts.insert().values(
                id="a-1",
                rule="SHORT_VISIT",
                severity="medium",
                rep_id="rep-1",
                ts=now,
                local_date=VISIT_DAY,
                visit_id="v-2",
                customer_id="cust-1",
                summary="short",
                evidence={},
                status="open",
                created_at=now,
                updated_at=now,
            )
        )
    profile = svc.customer_profile(world, MANAGER_E, "cust-1", today=VISIT_DAY)
    customer = profile["customer"]
    assert (customer["contact_name"], customer["contact_phone"]) == ("王经理", "13800138000")
    assert customer["last_visit"] == VISIT_DAY and customer["open_alerts"] == 1
    assert [(h["from_rep_id"], h["to_rep_id"], h["source"]) for h in profile["owner_history"]] == [
        (None, "rep-1", "ingest")
    ]
    assert [v["visit_id"] for v in profile["visits"]] == ["v-2", "v-1"]
    newest = profile["visits"][0]
    assert newest["integrity"] == 85 and newest["rules"] == ["SHORT_VISIT"]
    assert newest["effective"] is True and newest["order_amount"] == 88.0
    assert newest["photos"] == 1
    assert newest["replay"] == ("rep-1", VISIT_DAY, "09:20")
    assert profile["visits"][1]["integrity"] == 100
    assert profile["orders"] == [{"local_date": VISIT_DAY, "orders": 1, "amount": 88.0}]
    assert [a["id"] for a in profile["alerts"]] == ["a-1"]


# ------------------------------------------------------------------ handover


def owners(engine):
    c = schema.customers
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(c.c.id, c.c.owner_rep_id)).all())


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
        ):
            out[table.name] = sorted(map(tuple, conn.execute(sa.select(table))), key=repr)
    return out


@pytest.fixture
def with_plans(world, now):
    load(
        world,
        [
            b.plan("plan-past", date="2026-11-26", customer_ids=["cust-1"]),
            b.plan("plan-today", date="2026-11-27", customer_ids=["cust-1", "cust-2"]),
            b.plan("plan-next", date="2026-11-30", customer_ids=["cust-2"]),
        ],
        now,
    )
    return world


def test_handover_moves_every_customer_and_open_plan_writes_history_and_deactivates(
    with_plans, now
):
    engine = with_plans
    plan = svc.handover(
        engine,
        MANAGER_E,
        from_rep="rep-1",
        to_rep="rep-2",
        deactivate=True,
        by="mgr-e",
        reason="left the company",
        now=now,
    )
    assert [row["id"] for row in plan.customers] == ["cust-1", "cust-2"]
    assert [p["id"] for p in plan.plans] == ["plan-today", "plan-next"]
    assert owners(engine)["cust-1"] == owners(engine)["cust-2"] == "rep-2"
    h, p, pi, r = (schema.customer_owner_history, schema.plans, schema.plan_items, schema.reps)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                h.c.customer_id,
                h.c.from_rep_id,
                h.c.to_rep_id,
                h.c.changed_by,
                h.c.reason,
                h.c.source,
                h.c.changed_at,
            )
            .where(h.c.source == "handover")
            .order_by(h.c.customer_id)
        ).all()
        plan_reps = dict(conn.execute(sa.select(p.c.id, p.c.rep_id)).all())
        item_reps = set(map(tuple, conn.execute(sa.select(pi.c.plan_id, pi.c.rep_id))))
        active = conn.execute(sa.select(r.c.active).where(r.c.id == "rep-1")).scalar_one()
        event = conn.execute(sa.select(schema.status_events)).mappings().one()
    assert [tuple(row) for row in rows] == [
        ("cust-1", "rep-1", "rep-2", "mgr-e", "left the company", "handover", now),
        ("cust-2", "rep-1", "rep-2", "mgr-e", "left the company", "handover", now),
    ]
    assert plan_reps == {"plan-past": "rep-1", "plan-today": "rep-2", "plan-next": "rep-2"}
    assert ("plan-past", "rep-1") in item_reps and ("plan-next", "rep-2") in item_reps
    assert active is False
    assert (event["subject_kind"], event["subject_id"], event["action"]) == (
        "rep",
        "rep-1",
        "handover",
    )
    assert (event["actor"], event["assigned_to"], event["to_status"]) == (
        "mgr-e",
        "rep-2",
        "inactive",
    )
    # The leaving rep's past stays theirs.
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema.visits.c.rep_id)).scalars().all() == []
    profile = svc.customer_profile(engine, MANAGER_E, "cust-1", today=VISIT_DAY)
    assert [x["source"] for x in profile["owner_history"]] == ["ingest", "handover"]


def test_handover_of_listed_customers_moves_only_them_and_leaves_the_plans(with_plans, now):
    plan = svc.handover(
        with_plans,
        EVERYONE,
        from_rep="rep-1",
        to_rep="rep-2",
        customers=["cust-2"],
        by="admin",
        now=now,
    )
    assert [row["id"] for row in plan.customers] == ["cust-2"] and plan.plans == []
    assert owners(with_plans)["cust-1"] == "rep-1" and owners(with_plans)["cust-2"] == "rep-2"


def test_preview_says_what_would_move_and_changes_nothing(with_plans, now):
    before = snapshot(with_plans)
    plan = svc.handover_preview(with_plans, MANAGER_E, from_rep="rep-1", to_rep="rep-2", now=now)
    assert plan.summary() == {
        "from": "rep-1",
        "to": "rep-2",
        "customers": ["cust-1", "cust-2"],
        "plans": [
            {"id": "plan-today", "date": "2026-11-27"},
            {"id": "plan-next", "date": "2026-11-30"},
        ],
        "tasks": [],
        "deactivated": False,
        "from_date": "2026-11-27",
        "warnings": [],
    }
    assert snapshot(with_plans) == before


@pytest.mark.parametrize(
    ("scope", "kwargs", "message"),
    [
        (EVERYONE, {"to_rep": "rep-x"}, "to: rep 'rep-x' is inactive"),
        (EVERYONE, {"to_rep": "rep-zz"}, "to: unknown rep 'rep-zz'"),
        (EVERYONE, {"from_rep": "rep-zz"}, "from: unknown rep 'rep-zz'"),
        (MANAGER_E, {"to_rep": "rep-n"}, "to: unknown rep 'rep-n'"),
        (Scope.of_regions(["reg-n"]), {"to_rep": "rep-n"}, "from: unknown rep 'rep-1'"),
        (EVERYONE, {"customers": ["cust-3"]}, "customers: 'cust-3' is not a customer of"),
        (MANAGER_E, {"customers": ["cust-1", "cust-n"]}, "customers: 'cust-n' is not a customer"),
        (EVERYONE, {"customers": []}, "customers: the list is empty"),
        (EVERYONE, {"to_rep": "rep-1"}, "to: 'rep-1' is the leaving rep itself"),
        (Scope.everything(user="exec", read_only=True), {}, "scope: a read-only user"),
        (EVERYONE, {"by": " "}, "by: the name of who hands over is required"),
    ],
)
def test_refused_handover_changes_nothing(with_plans, now, scope, kwargs, message):
    before = snapshot(with_plans)
    args = {"from_rep": "rep-1", "to_rep": "rep-2", "deactivate": True, "by": "someone", **kwargs}
    with pytest.raises(svc.HandoverRefused) as info:
        svc.handover(with_plans, scope, now=now, **args)
    assert str(info.value).startswith(message)
    assert snapshot(with_plans) == before


def test_an_orphan_of_an_inactive_rep_is_handed_over_and_leaves_the_orphan_list(world, now):
    svc.handover(world, MANAGER_E, from_rep="rep-x", to_rep="rep-2", by="mgr-e", now=now)
    assert svc.list_orphans(world, EVERYONE, today=VISIT_DAY).rows == []
    assert owners(world)["cust-x"] == "rep-2"


def test_assigning_an_ownerless_orphan_by_a_person_writes_a_person_history_row(world, now):
    load(world, [b.customer("cust-x", owner_rep_id=None)], now)
    changed = svc.assign_customers(
        world,
        MANAGER_E,
        customer_ids=["cust-x"],
        to_rep="rep-1",
        by="mgr-e",
        reason="orphan",
        now=now + timedelta(hours=1),
    )
    assert changed == ["cust-x"]
    history = svc.customer_profile(world, MANAGER_E, "cust-x", today=VISIT_DAY)["owner_history"]
    assert [(x["from_rep_id"], x["to_rep_id"], x["source"]) for x in history][-1] == (
        None,
        "rep-1",
        "person",
    )
    with pytest.raises(svc.HandoverRefused, match="customers: customer 'cust-n' not found"):
        svc.assign_customers(
            world, MANAGER_E, customer_ids=["cust-n"], to_rep="rep-1", by="mgr-e", now=now
        )


def test_seeded_demo_has_a_handed_over_leaver_orphans_and_contacts(engine, now):
    from dashboard.demo import DemoConfig, departure
    from dashboard.services.demo import seed_demo

    seed_demo(engine, reps=10, days=4, now=now)
    leaver = departure(DemoConfig(now=now, reps=10, days=4))
    assert leaver is not None
    h, r = schema.customer_owner_history, schema.reps
    with engine.connect() as conn:
        moved = conn.execute(
            sa.select(h.c.from_rep_id, h.c.to_rep_id, h.c.changed_by).where(
                h.c.source == "handover"
            )
        ).all()
        active = conn.execute(sa.select(r.c.active).where(r.c.id == leaver.rep_id)).scalar_one()
    assert moved and set(map(tuple, moved)) == {(leaver.rep_id, leaver.to_rep_id, "demo")}
    assert active is False
    today = now.date()
    assert len(svc.list_orphans(engine, EVERYONE, today=today).rows) == 2
    page = svc.list_customers(engine, EVERYONE, today=today, limit=1000)
    assert sum(row["contact_phone"] is not None for row in page.rows) > 0.75 * page.total
    assert any(row["status"] == "never" for row in page.rows)

"""Visit tasks and FREQUENCY_MISS (contract §5) on real SQLite and real PostgreSQL: generation
(idempotent, one open task per customer, orphans without an owner), done by the first effective
visit, the export as it stands on a date, the background pass's daily step, the handover, and
FREQUENCY_MISS in the judge and the alert queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboard.filters import Filters
from dashboard.services import alerts as alert_service
from dashboard.services import background, customers, frequency
from dashboard.services import settings as rule_settings
from dashboard.services import tasks as svc
from dashboard.services.detect import detect
from dashboard.services.users import User
from data_access import schema
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company, effective_visit, load

D = date.fromisoformat
VISIT_DAY = D("2026-11-26")  # cust-1 (A) and cust-2 (B) get an effective visit
EVERYONE = Scope.everything(user="admin")
ADMIN = User(id=1, name="admin", role="admin", regions=())
MANAGER_E = User(id=2, name="mgr-e", role="manager", regions=("reg-e",))
MANAGER_N = User(id=3, name="mgr-n", role="manager", regions=("reg-n",))


@pytest.fixture
def world(engine, now):
    """customer_builders.company(), first stored on 2026-11-27, and the visits of 11-26."""
    load(engine, company(), now)
    load(
        engine,
        [
            *effective_visit("v-1", "cust-1", VISIT_DAY),
            *effective_visit("v-2", "cust-2", VISIT_DAY),
        ],
        now,
    )
    return engine


def stored_tasks(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.tasks)).mappings()
        return {row["id"]: dict(row) for row in rows}


def at(day: str, hour: int = 3) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


# ------------------------------------------------------------------ generation


def test_generation_gives_each_due_customer_one_task_for_its_owner(world, now):
    assert svc.generate(world, on=D("2026-12-02"), now=now).created == 0
    first = svc.generate(world, on=D("2026-12-03"), now=now)
    assert (first.due, first.created) == (1, 1)
    task = stored_tasks(world)["cust-1:2026-12-03"]
    assert (task["rep_id"], task["region_id"], task["grade"], task["status"]) == (
        "rep-1",
        "reg-e",
        "A",
        "open",
    )
    assert (task["created"], task["due"]) == (D("2026-12-03"), D("2026-12-03"))
    # 12-04: the never-visited A customers (first stored 11-27) are due too; cust-1 keeps its
    # one open task. The orphan's task (inactive owner rep-x) has no owner.
    second = svc.generate(world, on=D("2026-12-04"), now=now)
    assert (second.due, second.created) == (2, 2)
    tasks = stored_tasks(world)
    assert set(tasks) == {"cust-1:2026-12-03", "cust-x:2026-12-04", "cust-n:2026-12-04"}
    assert tasks["cust-x:2026-12-04"]["rep_id"] is None
    assert tasks["cust-x:2026-12-04"]["region_id"] == "reg-e"
    assert tasks["cust-n:2026-12-04"]["rep_id"] == "rep-n"


def test_generating_twice_for_one_date_creates_nothing_new(world, now):
    # cust-3 (C, first stored 11-27) is due only from 12-25.
    assert svc.generate(world, on=D("2026-12-20"), now=now).created == 4
    before = stored_tasks(world)
    again = svc.generate(world, on=D("2026-12-20"), now=now + timedelta(hours=1))
    assert again.created == 0 and stored_tasks(world) == before
    # A later date gives no second open task to a customer that still has one: only cust-3,
    # due from 12-25, is new.
    later = svc.generate(world, on=D("2026-12-30"), now=now)
    assert (later.due, later.created) == (1, 1)
    assert set(stored_tasks(world)) - set(before) == {"cust-3:2026-12-25"}


def test_the_database_refuses_a_second_open_task_for_a_customer(world, now):
    svc.generate(world, on=D("2026-12-03"), now=now)
    row = {
        "id": "cust-1:2026-12-04",
        "customer_id": "cust-1",
        "rep_id": "rep-1",
        "region_id": "reg-e",
        "grade": "A",
        "created": D("2026-12-04"),
        "due": D("2026-12-04"),
    }
    from data_access import tasks as task_store

    with world.begin() as conn:
        assert task_store.insert_open_tasks(conn, [row], now=now) == []
    assert "cust-1:2026-12-04" not in stored_tasks(world)


def test_the_frequency_setting_changes_who_is_due(world, now):
    rule_settings.set_value(world, "visits_per_28d_b", 4, actor="ops", now=now)
    svc.generate(world, on=D("2026-12-03"), now=now)
    assert set(stored_tasks(world)) == {"cust-1:2026-12-03", "cust-2:2026-12-03"}


def test_inactive_customers_get_no_task(world, now):
    with world.begin() as conn:
        conn.execute(
            schema.customers.update().where(schema.customers.c.id == "cust-1").values(active=False)
        )
    svc.generate(world, on=D("2026-12-03"), now=now)
    assert stored_tasks(world) == {}


# ------------------------------------------------------------------ done by a visit


def test_the_first_effective_visit_by_anyone_after_creation_closes_the_task(world, now):
    svc.generate(world, on=D("2026-12-03"), now=now)
    load(world, effective_visit("v-short", "cust-1", D("2026-12-04"), minutes=3), now)
    assert svc.close_done(world, now=now) == 0
    load(
        world,
        [
            *effective_visit("v-later", "cust-1", D("2026-12-06"), rep_id="rep-2"),
            *effective_visit("v-first", "cust-1", D("2026-12-05"), rep_id="rep-2"),
        ],
        now,
    )
    assert svc.close_done(world, now=now) == 1
    task = stored_tasks(world)["cust-1:2026-12-03"]
    assert (task["status"], task["visit_id"], task["done_on"]) == (
        "done",
        "v-first",
        D("2026-12-05"),
    )
    assert svc.close_done(world, now=now) == 0
    # Done, the customer's rhythm starts again from its last visit (12-06): due from 12-13.
    svc.generate(world, on=D("2026-12-12"), now=now)
    assert not any(tid.startswith("cust-1:2026-12-1") for tid in stored_tasks(world))
    svc.generate(world, on=D("2026-12-13"), now=now)
    assert stored_tasks(world)["cust-1:2026-12-13"]["status"] == "open"


def test_a_visit_before_the_task_was_created_does_not_close_it(world, now):
    load(world, effective_visit("v-early", "cust-1", D("2026-12-02")), now)
    svc.generate(world, on=D("2026-12-10"), now=now)
    assert svc.close_done(world, now=now) == 0
    assert stored_tasks(world)["cust-1:2026-12-09"]["status"] == "open"


# ------------------------------------------------------------------ export


def test_export_objects_carry_exactly_the_contract_fields(world, now):
    svc.generate(world, on=D("2026-12-03"), now=now)
    (row,) = svc.export_rows(world, today=D("2026-12-03"))
    assert row == {
        "id": "cust-1:2026-12-03",
        "customer_id": "cust-1",
        "rep_id": "rep-1",
        "grade": "A",
        "created": "2026-12-03",
        "due": "2026-12-03",
        "status": "open",
        "visit_id": None,
    }


def test_export_shows_overdue_then_done_and_as_it_stood_on_a_date(world, now):
    svc.generate(world, on=D("2026-12-03"), now=now)
    # Overdue once more than 7 + 3 days passed since 11-26: from 12-07.
    assert [r["status"] for r in svc.export_rows(world, today=D("2026-12-06"))] == ["open"]
    assert [r["status"] for r in svc.export_rows(world, today=D("2026-12-07"))] == ["overdue"]
    load(world, effective_visit("v-3", "cust-1", D("2026-12-08")), now)
    svc.close_done(world, now=now)
    (done,) = svc.export_rows(world, today=D("2026-12-09"))
    assert (done["status"], done["visit_id"]) == ("done", "v-3")
    (then,) = svc.export_rows(world, today=D("2026-12-09"), on=D("2026-12-07"))
    assert (then["status"], then["visit_id"]) == ("overdue", None)
    assert svc.export_rows(world, today=D("2026-12-09"), on=D("2026-12-02")) == []


def test_export_filters_by_rep_region_and_status(world, now):
    svc.generate(world, on=D("2026-12-05"), now=now)
    ids = lambda **kw: [r["id"] for r in svc.export_rows(world, today=D("2026-12-05"), **kw)]  # noqa: E731
    assert ids(rep_id="rep-1") == ["cust-1:2026-12-03"]
    assert ids(region_id="reg-n") == ["cust-n:2026-12-04"]
    assert ids(statuses=("overdue",)) == []
    assert len(ids(statuses=("open",))) == 3
    with pytest.raises(ValueError, match="status: 'late'"):
        svc.export_rows(world, today=D("2026-12-05"), statuses=("late",))


# ------------------------------------------------------------------ the background pass


def test_the_background_pass_generates_once_a_day_and_closes_tasks_after_visits(world):
    day = at("2026-12-03")
    assert background.has_pending(world, lambda: day)
    background.run_pass(world, lambda: day)
    assert set(stored_tasks(world)) == {"cust-1:2026-12-03"}
    assert not background.has_pending(world, lambda: day)
    # An ingest of a visit: the next pass closes the task without waiting for tomorrow.
    load(world, effective_visit("v-9", "cust-1", D("2026-12-03")), day)
    background.run_pass(world, lambda: day)
    assert stored_tasks(world)["cust-1:2026-12-03"]["status"] == "done"
    # The next day's generation runs once.
    assert background.has_pending(world, lambda: at("2026-12-04"))
    background.run_pass(world, lambda: at("2026-12-04"))
    assert {"cust-x:2026-12-04", "cust-n:2026-12-04"} <= set(stored_tasks(world))


# ------------------------------------------------------------------ handover


def test_handover_moves_the_open_tasks_of_the_moved_customers_and_previews_them(world, now):
    svc.generate(world, on=D("2026-12-03"), now=now)
    preview = customers.handover_preview(
        world, EVERYONE, from_rep="rep-1", to_rep="rep-2", customers=["cust-1"], now=now
    )
    assert preview.summary()["tasks"] == ["cust-1:2026-12-03"]
    assert stored_tasks(world)["cust-1:2026-12-03"]["rep_id"] == "rep-1"
    customers.handover(
        world, EVERYONE, from_rep="rep-1", to_rep="rep-2", customers=["cust-1"], by="ops", now=now
    )
    assert stored_tasks(world)["cust-1:2026-12-03"]["rep_id"] == "rep-2"


def test_assigning_an_orphan_gives_its_open_task_to_the_new_owner(world, now):
    svc.generate(world, on=D("2026-12-04"), now=now)
    customers.assign_customers(
        world, EVERYONE, customer_ids=["cust-x"], to_rep="rep-2", by="ops", now=now
    )
    assert stored_tasks(world)["cust-x:2026-12-04"]["rep_id"] == "rep-2"


def test_open_tasks_follow_an_owner_changed_by_ingest_at_the_next_generation(world, now):
    svc.generate(world, on=D("2026-12-04"), now=now)
    load(world, [b.customer("cust-1", name="华联超市", owner_rep_id="rep-2")], now)
    with world.begin() as conn:
        conn.execute(schema.reps.update().where(schema.reps.c.id == "rep-n").values(active=False))
    svc.generate(world, on=D("2026-12-05"), now=now)
    tasks = stored_tasks(world)
    assert tasks["cust-1:2026-12-03"]["rep_id"] == "rep-2"
    # rep-n left: cust-n's task becomes an orphan's, still in its region.
    assert tasks["cust-n:2026-12-04"]["rep_id"] is None
    assert tasks["cust-n:2026-12-04"]["region_id"] == "reg-n"


# ------------------------------------------------------------------ FREQUENCY_MISS


def frequency_alerts(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(schema.alerts).where(schema.alerts.c.rule == "FREQUENCY_MISS")
        ).mappings()
        return {row["id"]: dict(row) for row in rows}


def test_frequency_miss_raises_one_alert_per_overdue_spell_with_the_contract_evidence(world, now):
    result = frequency.judge_frequency(world, until=D("2026-12-10"), now=now)
    alerts = frequency_alerts(world)
    # cust-1 (A, last 11-26) overdue from 12-07; the never visited A customers (first stored
    # 11-27) from 12-08: cust-x goes to its inactive owner's region, cust-n to rep-n.
    assert set(alerts) == {
        "FREQUENCY_MISS:cust-1:2026-12-07",
        "FREQUENCY_MISS:cust-x:2026-12-08",
        "FREQUENCY_MISS:cust-n:2026-12-08",
    }
    assert result.alerts_written == 3
    one = alerts["FREQUENCY_MISS:cust-1:2026-12-07"]
    assert (one["rep_id"], one["severity"], one["status"], one["customer_id"]) == (
        "rep-1",
        "medium",
        "open",
        "cust-1",
    )
    assert one["local_date"] == D("2026-12-07")
    assert one["evidence"] == {
        "grade": "A",
        "required_per_28d": 4,
        "last_visit": "2026-11-26",
        "days_since": 11,
        "limit_days": 10,
    }
    assert alerts["FREQUENCY_MISS:cust-x:2026-12-08"]["evidence"]["last_visit"] is None
    again = frequency.judge_frequency(world, until=D("2026-12-10"), now=now)
    assert (again.alerts_written, again.alerts_deleted) == (0, 0)


def test_a_later_visit_ends_the_spell_but_the_alert_keeps_its_history(world, now):
    frequency.judge_frequency(world, until=D("2026-12-10"), now=now)
    load(world, effective_visit("v-3", "cust-1", D("2026-12-09")), now)
    result = frequency.judge_frequency(world, until=D("2026-12-12"), now=now)
    assert "FREQUENCY_MISS:cust-1:2026-12-07" in frequency_alerts(world)
    assert result.alerts_deleted == 0


def test_a_visit_stored_late_inside_the_spell_withdraws_the_open_alert(world, now):
    frequency.judge_frequency(world, until=D("2026-12-10"), now=now)
    load(world, effective_visit("v-late", "cust-1", D("2026-12-05")), now)
    result = frequency.judge_frequency(world, until=D("2026-12-10"), now=now)
    assert result.alerts_deleted == 1
    assert "FREQUENCY_MISS:cust-1:2026-12-07" not in frequency_alerts(world)


def test_frequency_miss_is_in_the_queue_of_the_region_is_triaged_and_survives_detect(world, now):
    frequency.judge_frequency(world, until=D("2026-12-10"), now=now)
    period = Filters(period="custom", start=D("2026-12-01"), end=D("2026-12-10"))
    queue = alert_service.alert_queue(world, MANAGER_E, period)
    assert sorted(queue["alerts"]["id"]) == [
        "FREQUENCY_MISS:cust-1:2026-12-07",
        "FREQUENCY_MISS:cust-x:2026-12-08",
    ]
    assert queue["counts"]["rule"] == {"FREQUENCY_MISS": 2}
    assert queue["counts"]["severity"] == {"medium": 2}
    other = alert_service.alert_queue(world, MANAGER_N, period)
    assert list(other["alerts"]["id"]) == ["FREQUENCY_MISS:cust-n:2026-12-08"]
    only = alert_service.parse_alert_query({"rule": "FREQUENCY_MISS"})
    assert only.rules == ("FREQUENCY_MISS",)
    done = alert_service.triage(
        world, MANAGER_E, "FREQUENCY_MISS:cust-1:2026-12-07", "acknowledge", now=now
    )
    assert done["status"] == "acknowledged"
    # The rep-day judge leaves the customer rule's alerts alone.
    load(world, effective_visit("v-7", "cust-2", D("2026-12-07")), now)
    detect(world, now=now)
    assert len(frequency_alerts(world)) == 3
    history = alert_service.rep_history(world, ADMIN, "rep-1", end=D("2026-12-10"))
    # The world's visits record no SOP steps, so the judge also raises SOP_INCOMPLETE (§7) on
    # them; the customer rule's alert is counted once in the rep's history beside those.
    assert history["by_rule"]["FREQUENCY_MISS"].sum() == 1
    assert history["total"] == 1 + history["by_rule"].get("SOP_INCOMPLETE", 0).sum()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_frequency_miss_alert_opens_with_its_evidence_in_words(world, now, lang):
    from components.alerts.evidence_panel import evidence_panel

    frequency.judge_frequency(world, until=D("2026-12-10"), now=now)
    detail = alert_service.alert_detail(world, MANAGER_E, "FREQUENCY_MISS:cust-1:2026-12-07")
    assert detail is not None
    panel = evidence_panel(detail, lang=lang, tile_url="blank")
    text = str(panel)
    assert ("拜访频次未达标" if lang == "zh" else "Visit frequency missed") in text
    assert ("11 天" if lang == "zh" else "11 days") in text
    assert ("10 天" if lang == "zh" else "10 days") in text

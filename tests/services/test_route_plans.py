"""Suggested plans (contract §6) on real databases: candidates, ranking, start point, opening
hours, reasons for every customer left out, publishing through ingest, the export."""

from __future__ import annotations

import statistics
from datetime import date

import pytest

from dashboard import route_solver
from dashboard.services import ingest, rollups
from dashboard.services import route_plans as plans
from dashboard.services import settings as settings_service
from dashboard.services import tasks as task_service
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company, load

D = date.fromisoformat
DAY = D("2026-12-07")  # a Monday
EVERYONE = Scope.system()
BACKENDS = [
    "fallback",
    pytest.param(
        "pyvrp",
        marks=pytest.mark.skipif(
            not route_solver.pyvrp_available(), reason="PyVRP is not installed"
        ),
    ),
]

# rep-1's extra customers around Xuhui, Shanghai (all created long ago, never visited: due).
EXTRA = [
    ("p-a1", "A", 31.190, 121.440, {}),
    ("p-a2", "A", 31.200, 121.450, {}),
    ("p-b1", "B", 31.185, 121.430, {}),
    ("p-b2", "B", 31.210, 121.470, {"open": "14:00", "close": "17:00"}),
    ("p-c1", "C", 31.170, 121.420, {}),
    ("p-c2", "C", 31.175, 121.445, {"close": "07:30"}),  # closes before work starts
]


@pytest.fixture
def world(engine, now):
    load(engine, company(), now)
    load(
        engine,
        [
            b.customer(
                cid, name=f"店 {cid}", grade=grade, lat=lat, lon=lon, created="2026-09-01", **kw
            )
            for cid, grade, lat, lon, kw in EXTRA
        ],
        now,
    )
    return engine


def _ids(suggestion, key="stops"):
    return [s["customer_id"] for s in suggestion[key]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_due_list_gives_a_route_with_every_customer_placed_or_explained(world, backend):
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE, backend=backend)
    assert got["id"] == "sug:rep-1:2026-12-07"
    assert got["candidates_from"] == "due"
    assert got["backend"] == backend
    # cust-2 (B, first stored 11-27) is not due before 12-11.
    owned = {"cust-1", *(e[0] for e in EXTRA)}
    assert set(_ids(got)) | set(_ids(got, "left_out")) == owned
    assert set(_ids(got)).isdisjoint(_ids(got, "left_out"))
    assert got["customer_ids"] == _ids(got)
    (closed,) = got["left_out"]
    assert closed["customer_id"] == "p-c2" and closed["reason"] == "unreachable"
    # Opening hours and work hours hold; stops follow one another.
    by_id = {s["customer_id"]: s for s in got["stops"]}
    assert by_id["p-b2"]["start"] >= "14:00" and by_id["p-b2"]["end"] <= "17:00"
    assert got["stops"][0]["arrive"] >= "08:30" and got["stops"][-1]["end"] <= "18:30"
    for a, nxt in zip(got["stops"], got["stops"][1:], strict=False):
        assert a["end"] <= nxt["arrive"]
    assert got["km_planned"] == pytest.approx(
        sum(s["km_from_previous"] for s in got["stops"]), abs=0.05
    )
    assert got["start"]["source"] == "customers"  # no fixes yet
    service = {"A": 45, "B": 30, "C": 20}
    assert got["service_min"] == sum(service[s["grade"]] for s in got["stops"])


def test_max_visits_keeps_a_first_then_most_overdue(world, now):
    settings_service.save_values(world, {"max_visits_per_day": 3}, actor="ops", now=now)
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE)
    # cust-1 (A, first stored 11-27) and the two older A customers come first.
    assert sorted(_ids(got)) == ["cust-1", "p-a1", "p-a2"]
    reasons = {x["customer_id"]: x["reason"] for x in got["left_out"]}
    assert reasons["p-c2"] == "unreachable"
    assert {k for k, v in reasons.items() if v == "max_stops"} == {"p-b1", "p-b2", "p-c1"}


def test_start_point_is_the_median_of_the_first_fixes(world, now):
    fixes = []
    firsts = [(31.20, 121.40), (31.21, 121.41), (31.25, 121.49)]
    for i, (lat, lon) in enumerate(firsts):
        day = f"2026-12-0{i + 1}"
        fixes.append(b.gps(f"f-{i}-a", ts=f"{day}T08:40:00+08:00", lat=lat, lon=lon))
        fixes.append(b.gps(f"f-{i}-b", ts=f"{day}T09:40:00+08:00", lat=30.0, lon=120.0))
    load(world, fixes, now)
    rollups.refresh_rep_days(world, now=now)
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE)
    assert got["start"] == {
        "lat": pytest.approx(statistics.median(p[0] for p in firsts)),
        "lon": pytest.approx(statistics.median(p[1] for p in firsts)),
        "source": "first_fixes",
        "days": 3,
    }


def test_open_tasks_are_the_candidates_when_they_exist(world, now):
    task_service.generate(world, on=D("2026-12-01"), now=now)
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE)
    assert got["candidates_from"] == "tasks"
    tasks = {t["customer_id"] for t in task_service.export_rows(world, today=DAY, rep_id="rep-1")}
    assert set(_ids(got)) | set(_ids(got, "left_out")) == tasks


def test_a_rep_outside_the_scope_or_unknown_is_refused(world):
    north = Scope(user="m", region_ids=frozenset({"reg-n"}))
    with pytest.raises(plans.PlanError, match="rep: 'rep-1'"):
        plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=north)
    with pytest.raises(plans.PlanError, match="rep: 'rep-x'"):  # inactive
        plans.suggest_day(world, rep_id="rep-x", on=DAY, scope=EVERYONE)
    assert plans.suggest_day(world, rep_id="rep-n", on=DAY, scope=north)["rep_id"] == "rep-n"


def test_publish_stores_an_ordinary_plan_through_ingest(world, now):
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE)
    summary = plans.publish(world, got, now=now, by="mgr", scope=EVERYONE)
    assert summary["accepted"] == 1 and summary["rejected"] == []
    (row,) = plans.export_rows(world, scope=EVERYONE, rep_id="rep-1", date_from=DAY, date_to=DAY)
    assert row == {
        "id": "sug:rep-1:2026-12-07",
        "rep_id": "rep-1",
        "date": "2026-12-07",
        "customer_ids": got["customer_ids"],
        "source": "suggested",
        "km_planned": got["km_planned"],
    }
    # Re-publishing an edited suggestion (a stop removed) replaces it: the newest wins.
    edited = {**got, "customer_ids": got["customer_ids"][1:]}
    assert plans.publish(world, edited, now=now, by="mgr", scope=EVERYONE)["accepted"] == 1
    (row,) = plans.export_rows(world, scope=EVERYONE, rep_id="rep-1")
    assert row["customer_ids"] == got["customer_ids"][1:]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_ids": ["cust-1", "nobody"]}, "customer_ids"),
        ({"rep_id": "nobody"}, "rep_id"),
        ({"date": "2026-13-40"}, "date"),
        ({"km_planned": -3}, "km_planned"),
    ],
)
def test_a_bad_edited_suggestion_is_rejected_naming_the_field(world, now, change, field):
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE)
    summary = plans.publish(world, {**got, **change}, now=now, by="mgr", scope=EVERYONE)
    assert summary["accepted"] == 0
    (rejected,) = summary["rejected"]
    assert rejected["error"].startswith(field)
    assert plans.export_rows(world, scope=EVERYONE) == []


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (b.customer("h-1", open="25:00"), "open"),
        (b.customer("h-2", close="9am"), "close"),
        (b.customer("h-3", open="12:00", close="11:00"), "close"),
        (b.plan("pl-1", source="robot"), "source"),
    ],
)
def test_ingest_validates_the_new_fields(world, now, record, field):
    summary = ingest.ingest_values(world, [record], source="test", now=now)
    (rejected,) = summary.rejected
    assert rejected["error"].startswith(field)


def test_publishing_keeps_to_the_scope(world, now):
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE)
    north = Scope(user="m", region_ids=frozenset({"reg-n"}))
    with pytest.raises(plans.PlanError, match="rep_id: 'rep-1' is not an active rep in your scope"):
        plans.publish(world, got, now=now, by="m", scope=north)
    wall = Scope(user="w", read_only=True)
    with pytest.raises(plans.PlanError, match="scope: read-only"):
        plans.publish(world, got, now=now, by="w", scope=wall)
    east = Scope(user="e", region_ids=frozenset({"reg-e"}))
    assert plans.publish(world, got, now=now, by="e", scope=east)["accepted"] == 1


def test_an_empty_suggestion_is_not_published(world, now):
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE)
    with pytest.raises(plans.PlanError, match="customer_ids: the plan has no stops"):
        plans.publish(world, {**got, "customer_ids": []}, now=now, by="mgr", scope=EVERYONE)
    assert plans.export_rows(world, scope=EVERYONE) == []


def test_plan_records_default_to_source_ingest(world, now):
    load(world, [b.plan("pl-2", date="2026-12-08")], now)
    (row,) = plans.export_rows(world, scope=EVERYONE, date_from=D("2026-12-08"))
    assert row["source"] == "ingest" and row["km_planned"] is None


def test_team_week_places_each_customer_once(world):
    days = plans.week_days("2026-W50")
    assert days[0] == DAY and len(days) == 5
    got = plans.suggest_team_week(world, team_id="team-1", week="2026-W50", scope=EVERYONE)
    assert {(s["rep_id"], s["date"]) for s in got} == {
        (rep, d.isoformat()) for rep in ("rep-1", "rep-2") for d in days
    }
    placed = [c for s in got if s["rep_id"] == "rep-1" for c in s["customer_ids"]]
    assert len(placed) == len(set(placed))
    with pytest.raises(plans.PlanError, match="week"):
        plans.week_days("next week")
    with pytest.raises(plans.PlanError, match="team"):
        plans.suggest_team_week(world, team_id="team-zz", week="2026-W50", scope=EVERYONE)

"""Plan vs actual service (contract §6) on real SQLite and real PostgreSQL: the rep-days of a
period worst first, one rep-day in detail, the manager's scope, and the plan adherence of the
page equal to the KPI's."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from dashboard.filters import Filters
from dashboard.geo import haversine_m
from dashboard.services import kpis as kpi_service
from dashboard.services import plan_actual as svc
from dashboard.services.ingest import ingest_values
from dashboard.services.rollups import refresh_rep_days
from dashboard.services.users import User, scope_of
from data_access import schema
from tests import builders as b

DAY = date(2026, 11, 26)
EXEC = User(id=1, name="boss", role="exec", regions=())
MANAGER_B = User(id=2, name="mgr-b", role="manager", regions=("reg-b",))
# Customers on a line north of c1, 0.01° (~1.1 km) apart; c4 sits between c2 and c3.
WHERE = {
    "c1": (31.188, 121.4365),
    "c2": (31.198, 121.4365),
    "c3": (31.208, 121.4365),
    "c4": (31.203, 121.4365),
    "cb": (31.188, 121.5),
}
DRIVEN_KM = 5.0


def visit(vid: str, rep: str, cust: str, at: str, minutes: float | None = 20) -> list[dict]:
    la, lo = WHERE[cust]
    ts = f"2026-11-26T{at}:00+08:00"
    out: list[dict[str, Any]] = [
        b.check_in(vid, rep_id=rep, device_id=f"dev-{rep}", customer_id=cust, ts=ts, lat=la, lon=lo)
    ]
    if minutes is not None:
        co = (datetime.fromisoformat(ts) + timedelta(minutes=minutes)).isoformat()
        out.append(b.check_out(f"co-{vid}", visit_id=vid, ts=co, lat=la, lon=lo))
    return out


def records() -> list[dict[str, Any]]:
    """rep-1 plans c1, c2, c3 and visits c2, then c1 (swapped), c4 (unplanned), c3 for 2 min
    (not effective: missed); rep-2 (same team) visits c3 properly, which is not rep-1's; rep-b in
    region B plans cb and visits it."""
    recs = [
        b.region("reg-a", name="East"),
        b.region("reg-b", name="North"),
        b.team("team-a", region_id="reg-a", name="A team"),
        b.team("team-b", region_id="reg-b", name="B team"),
        b.rep("rep-1", team_id="team-a", name="Alice"),
        b.rep("rep-2", team_id="team-a", name="Andy"),
        b.rep("rep-b", team_id="team-b", name="Bob"),
        b.sop_template(),
    ]
    owner = {"cb": "rep-b"}
    recs += [
        b.customer(cid, name=f"Store {cid}", lat=la, lon=lo, owner_rep_id=owner.get(cid, "rep-1"))
        for cid, (la, lo) in WHERE.items()
    ]
    recs += [
        b.plan("p-1", rep_id="rep-1", date="2026-11-26", customer_ids=["c1", "c2", "c3"]),
        b.plan("p-b", rep_id="rep-b", date="2026-11-26", customer_ids=["cb"]),
    ]
    recs += visit("v1", "rep-1", "c2", "09:00")
    recs += visit("v2", "rep-1", "c1", "10:00")
    recs += visit("v3", "rep-1", "c4", "11:00")
    recs += visit("v4", "rep-1", "c3", "12:00", minutes=2)
    recs += visit("v5", "rep-2", "c3", "09:30")
    recs += visit("v6", "rep-b", "cb", "09:30")
    return recs


@pytest.fixture
def site(engine, now):
    summary = ingest_values(engine, records(), source="test", now=now)
    assert summary.rejected == []
    refresh_rep_days(engine, now=now)
    # The day's trips: the rollup's km, as the track analysis would have stored it.
    with engine.begin() as conn:
        rd = schema.rep_days
        conn.execute(
            rd.update()
            .where(rd.c.rep_id == "rep-1", rd.c.local_date == DAY)
            .values(km=DRIVEN_KM, fixes=50)
        )
    return engine


def km(a: str, c: str) -> float:
    return haversine_m(*WHERE[a], *WHERE[c]) / 1000.0


def test_rep_day_detail_matches_plan_to_the_reps_effective_visits(site):
    d = svc.rep_day(site, scope_of(EXEC), rep_id="rep-1", day=DAY)
    assert [(s["customer_id"], s["status"]) for s in d["stops"]] == [
        ("c1", "done_out_of_order"),
        ("c2", "done_in_order"),
        ("c3", "missed"),  # its own visit is 2 min; rep-2's visit is not rep-1's
    ]
    assert [u["customer_id"] for u in d["unplanned"]] == ["c4"]
    s = d["summary"]
    assert (s["planned"], s["done"], s["missed"], s["unplanned"]) == (3, 2, 1, 1)
    assert s["adherence"] == pytest.approx(2 / 3)
    # Visited c2, c1, c4, c3 (every check-in); shortest from c2: c1 then north to c4, c3.
    shortest = km("c2", "c1") + km("c1", "c4") + km("c4", "c3")
    assert s["shortest_km"] == pytest.approx(shortest, rel=1e-3)
    assert s["efficiency"] == pytest.approx(DRIVEN_KM / shortest, rel=1e-3)
    # On a line from c2, south first or north first are equally short.
    assert d["optimal_ids"] in (["c2", "c1", "c4", "c3"], ["c2", "c3", "c4", "c1"])
    assert d["actual"][0] == [WHERE["c2"][0], WHERE["c2"][1]]


def test_team_period_lists_rep_days_worst_first_with_names(site):
    out = svc.team_period(site, scope_of(EXEC), start=DAY - timedelta(days=6), end=DAY)
    done = {r["rep_id"]: r for r in out["rows"]}
    assert done["rep-1"]["adherence"] == pytest.approx(2 / 3)
    assert done["rep-b"]["adherence"] == 1.0
    assert done["rep-2"]["adherence"] is None  # visits but no plan
    # Worst first: the lowest adherence leads, rep-days without a plan come last.
    assert [r["rep_id"] for r in out["rows"]] == ["rep-1", "rep-b", "rep-2"]
    assert done["rep-b"]["efficiency"] is None
    assert done["rep-b"]["efficiency_reason"] == "few_stops"
    assert len(out["dates"]) == 7 and out["dates"][-1] == "2026-11-26"
    assert {r["rep_name"] for r in out["reps"]} == {"Alice", "Andy", "Bob"}
    # Per team: A team = Alice's 2 of 3 (Andy planned nothing), B team = Bob's 1 of 1.
    teams = {g["name"]: g for g in out["by_team"]}
    assert (teams["A team"]["planned"], teams["A team"]["done"]) == (3, 2)
    assert teams["A team"]["efficiency"] == pytest.approx(done["rep-1"]["efficiency"], rel=1e-3)
    assert teams["B team"]["adherence"] == 1.0 and teams["B team"]["efficiency"] is None
    assert [g["name"] for g in out["by_rep"]] == ["Alice", "Bob", "Andy"]


def test_a_manager_sees_the_rep_days_of_their_regions_only(site):
    out = svc.team_period(site, scope_of(MANAGER_B), start=DAY, end=DAY)
    assert [r["rep_id"] for r in out["rows"]] == ["rep-b"]
    assert svc.rep_day(site, scope_of(MANAGER_B), rep_id="rep-1", day=DAY) is None
    assert (
        svc.team_period(site, scope_of(MANAGER_B), start=DAY, end=DAY, team="team-a")["rows"] == []
    )


def test_plan_adherence_of_the_page_equals_the_kpi(site):
    scope = scope_of(EXEC)
    rows = svc.team_period(site, scope, start=DAY, end=DAY)["rows"]
    page = {r["rep_id"]: (r["planned"], r["done"]) for r in rows if r["planned"]}
    period = Filters(period="custom", start=DAY, end=DAY)
    kpi = kpi_service.rep_distribution(site, EXEC, period).set_index("rep_id")
    for rep_id, (planned, done) in page.items():
        assert (kpi.loc[rep_id, "planned"], kpi.loc[rep_id, "planned_done"]) == (planned, done)
    assert page["rep-1"] == (3, 2)
    total = kpi_service.overview(site, EXEC, period, today=DAY)["current"]
    assert total["plan_adherence"] == pytest.approx(
        sum(d for _, d in page.values()) / sum(p for p, _ in page.values())
    )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(DAY, DAY - timedelta(days=1), "end"), (DAY - timedelta(days=100), DAY, "end")],
)
def test_a_bad_period_is_refused_naming_the_field(site, start, end, field):
    with pytest.raises(svc.PlanActualError, match=field):
        svc.team_period(site, scope_of(EXEC), start=start, end=end)


def test_rows_of_the_rollup_are_untouched(site):
    # Reading plan vs actual writes nothing.
    with site.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(schema.rep_days)).scalar()
    svc.team_period(site, scope_of(EXEC), start=DAY, end=DAY)
    with site.connect() as conn:
        after = conn.execute(sa.select(sa.func.count()).select_from(schema.rep_days)).scalar()
    assert before == after

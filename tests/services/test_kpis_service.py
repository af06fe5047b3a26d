"""KPI services on real SQLite and real PostgreSQL, over a small company whose every KPI was
worked out by hand (see the comments of ``company_records``)."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from dashboard.filters import Filters
from dashboard.geo import haversine_m
from dashboard.kpis import FrequencyRules
from dashboard.services import kpis as svc
from dashboard.services import settings as settings_service
from dashboard.services.ingest import ingest_values
from dashboard.services.rollups import refresh_rep_days
from dashboard.services.users import User
from data_access import facts as fact_store
from data_access import schema
from data_access.scope import Scope
from tests import alert_builders as ab
from tests import builders as b

D = date.fromisoformat
START, END = D("2026-11-23"), D("2026-11-26")
TODAY = END
PERIOD = Filters(period="custom", start=START, end=END)
NOW_SET = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)

EXEC = User(id=1, name="boss", role="exec", regions=())
MANAGER_A = User(id=2, name="mgr-a", role="manager", regions=("reg-a",))
FINANCE = User(id=3, name="fin", role="finance", regions=())

# Two fixes one hour apart, 0.009° of latitude apart: the only distance of a day's track.
FIX_LAT0, FIX_LAT1, FIX_LON = 31.1881, 31.1971, 121.4366
LEG_KM = round(haversine_m(FIX_LAT0, FIX_LON, FIX_LAT1, FIX_LON) / 1000.0, 3)

OUTSIDE_LAT = 31.2000  # about 1.3 km north of every customer: outside the 200 m geofence


def visit(
    vid: str,
    rep: str,
    cust: str,
    day: str,
    at: str,
    minutes: float | None = None,
    *,
    outside: bool = False,
    template: str | None = "sop-std",
    steps: tuple[tuple[str, bool], ...] = (),
    order: float | None = None,
) -> list[dict[str, Any]]:
    """A check-in, and optionally its check-out ``minutes`` later, SOP steps and an order."""
    checkin = b.check_in(
        vid, rep_id=rep, customer_id=cust, device_id=f"dev-{rep}", ts=f"{day}T{at}:00+08:00"
    )
    if outside:
        checkin["lat"] = OUTSIDE_LAT
    if template is None:
        del checkin["sop_template_id"]
    else:
        checkin["sop_template_id"] = template
    out = [checkin]
    t0 = datetime.fromisoformat(checkin["ts"])
    if minutes is not None:
        ts = (t0 + timedelta(minutes=minutes)).isoformat()
        out.append(b.check_out(f"co-{vid}", visit_id=vid, ts=ts))
    for i, (code, ok) in enumerate(steps):
        ts = (t0 + timedelta(minutes=1)).isoformat()
        out.append(b.sop_step(f"st-{vid}-{i}", visit_id=vid, step=code, ok=ok, ts=ts))
    if order is not None:
        out.append(b.order(f"o-{vid}", visit_id=vid, amount=order))
    return out


def fixes(rep: str, day: str, n: int = 2) -> list[dict[str, Any]]:
    """``n`` (1 or 2) fixes of a rep on a day; two make one leg of LEG_KM."""
    out = [
        b.gps(
            f"fx-{rep}-{day}-0",
            rep_id=rep,
            device_id=f"dev-{rep}",
            ts=f"{day}T09:00:00+08:00",
            lat=FIX_LAT0,
            lon=FIX_LON,
        )
    ]
    if n == 2:
        out.append(
            b.gps(
                f"fx-{rep}-{day}-1",
                rep_id=rep,
                device_id=f"dev-{rep}",
                ts=f"{day}T10:00:00+08:00",
                lat=FIX_LAT1,
                lon=FIX_LON,
            )
        )
    return out


BOTH_STEPS = (("storefront_photo", True), ("shelf_check", True))


def company_records() -> list[dict[str, Any]]:
    """Region A (teams a1, a2) and region B (team b1).

    Current period 2026-11-23..26 (facts per rep-day, "req/done" = required SOP steps):
    - rep-a1 11-23: va1 ca-A1 25 min in fence, 2/2 steps (+ optional), order 1000 → verified;
                     va2 ca-B1 3 min (short), 1/2 (shelf_check not ok); 2 fixes; meal 45;
                     plan [ca-A1, ca-B1, ca-C1] → 1 of 3 done (va2 is no
                     effective visit, contract §6).
              11-24: va3 ca-A1 20 min OUTSIDE the fence, 0/2, order 500; va4 ca-C1 no check-out,
                     no template; 2 fixes; transport 30.5; plan [ca-A1] → 0 of 1 (va3 outside).
              11-25: va5 ca-A1 10 min → verified, 1/2 (the same step sent twice); no fixes.
              11-26: plan [ca-B1] not visited; nothing else (not a working day).
    - rep-a2 11-23: va6 ca-A2 30 min → verified, 2/2, order 200, 2 fixes; 11-26: 1 fix only.
                     No plan at all.
    - rep-a3 11-25: va7 ca-C3 40 min → verified, no template; plan [ca-C3] → 1 of 1; no fixes.
    - rep-b1 11-24: vb1 cb-A1 30 min 2/2 order 9999, vb2 cb-B1 exactly 5 min 0/2, both verified;
                     plan [cb-A1, cb-B1] 2 of 2; 2 fixes; hotel 500.
    - rep-x (inactive, team a1): 1 fix on 11-26.
    Previous period 11-19..22: va0 rep-a1 ca-A1 11-20 15 min → verified; meal 20 on 11-19.
    Older verified visits for the 28-day window 10-30..11-26: ca-A1 on 10-30 (first day of the
    window), ca-A2 on 10-29 (one day too early), 11-05 and 11-10, ca-C1 on 10-20 (history only).
    """
    recs: list[dict[str, Any]] = [
        b.region("reg-a", name="East"),
        b.region("reg-b", name="North"),
        b.team("team-a1", region_id="reg-a", name="A one"),
        b.team("team-a2", region_id="reg-a", name="A two"),
        b.team("team-b1", region_id="reg-b", name="B one"),
        b.rep("rep-a1", team_id="team-a1", name="Alice"),
        b.rep("rep-a2", team_id="team-a1", name="Andy"),
        b.rep("rep-a3", team_id="team-a2", name="Amy"),
        b.rep("rep-b1", team_id="team-b1", name="Bob"),
        b.rep("rep-x", team_id="team-a1", name="Xavier", active=False),
        b.sop_template(),
    ]
    customers = [
        ("ca-A1", "A", "rep-a1"),
        ("ca-B1", "B", "rep-a1"),
        ("ca-C1", "C", "rep-a1"),
        ("ca-A2", "A", "rep-a2"),
        ("ca-C2", "C", "rep-a2"),
        ("ca-A3", "A", "rep-a3"),
        ("ca-C3", "C", "rep-a3"),
        ("cb-A1", "A", "rep-b1"),
        ("cb-B1", "B", "rep-b1"),
    ]
    recs += [
        b.customer(cid, name=f"Store {cid}", grade=gr, owner_rep_id=own)
        for cid, gr, own in customers
    ]
    recs += [
        b.plan(
            "p-a1-23", rep_id="rep-a1", date="2026-11-23", customer_ids=["ca-A1", "ca-B1", "ca-C1"]
        ),
        b.plan("p-a1-24", rep_id="rep-a1", date="2026-11-24", customer_ids=["ca-A1"]),
        b.plan("p-a1-26", rep_id="rep-a1", date="2026-11-26", customer_ids=["ca-B1"]),
        b.plan("p-a3-25", rep_id="rep-a3", date="2026-11-25", customer_ids=["ca-C3"]),
        b.plan("p-b1-24", rep_id="rep-b1", date="2026-11-24", customer_ids=["cb-A1", "cb-B1"]),
    ]
    recs += visit(
        "va1",
        "rep-a1",
        "ca-A1",
        "2026-11-23",
        "09:20",
        25,
        steps=(*BOTH_STEPS, ("promo_check", True)),
        order=1000,
    )
    recs += visit(
        "va2",
        "rep-a1",
        "ca-B1",
        "2026-11-23",
        "10:30",
        3,
        steps=(("storefront_photo", True), ("shelf_check", False)),
    )
    recs += visit("va3", "rep-a1", "ca-A1", "2026-11-24", "09:00", 20, outside=True, order=500)
    recs += visit("va4", "rep-a1", "ca-C1", "2026-11-24", "11:00", None, template=None)
    recs += visit(
        "va5",
        "rep-a1",
        "ca-A1",
        "2026-11-25",
        "09:00",
        10,
        steps=(("storefront_photo", True), ("storefront_photo", True)),
    )
    recs += visit("va6", "rep-a2", "ca-A2", "2026-11-23", "14:00", 30, steps=BOTH_STEPS, order=200)
    recs += visit("va7", "rep-a3", "ca-C3", "2026-11-25", "10:00", 40, template=None)
    recs += visit("vb1", "rep-b1", "cb-A1", "2026-11-24", "09:00", 30, steps=BOTH_STEPS, order=9999)
    recs += visit("vb2", "rep-b1", "cb-B1", "2026-11-24", "11:00", 5)  # exactly the minimum
    # previous period and history
    recs += visit("va0", "rep-a1", "ca-A1", "2026-11-20", "09:00", 15)
    recs += visit("vh1", "rep-a1", "ca-A1", "2026-10-30", "09:00", 15)
    recs += visit("vh2", "rep-a2", "ca-A2", "2026-10-29", "09:00", 15)
    recs += visit("vh3", "rep-a2", "ca-A2", "2026-11-05", "09:00", 15)
    recs += visit("vh4", "rep-a2", "ca-A2", "2026-11-10", "09:00", 15)
    recs += visit("vh5", "rep-a1", "ca-C1", "2026-10-20", "09:00", 15)
    recs += fixes("rep-a1", "2026-11-23") + fixes("rep-a1", "2026-11-24")
    recs += fixes("rep-a2", "2026-11-23") + fixes("rep-a2", "2026-11-26", n=1)
    recs += fixes("rep-b1", "2026-11-24") + fixes("rep-x", "2026-11-26", n=1)
    recs += [
        b.expense("e-a1-23", rep_id="rep-a1", date="2026-11-23", amount=45.0),
        b.expense("e-a1-24", rep_id="rep-a1", date="2026-11-24", category="transport", amount=30.5),
        b.expense("e-a1-19", rep_id="rep-a1", date="2026-11-19", amount=20.0),
        b.expense("e-b1-24", rep_id="rep-b1", date="2026-11-24", category="hotel", amount=500.0),
    ]
    return recs


def _alert(aid: str, rep: str, day: str, severity: str, status: str, now: datetime) -> dict:
    return {
        "id": aid,
        "rule": "TEST",
        "severity": severity,
        "rep_id": rep,
        "ts": now,
        "local_date": D(day),
        "visit_id": None,
        "customer_id": None,
        "summary": "test",
        "evidence": {},
        "status": status,
        "assigned_to": None,
        "created_at": now,
        "updated_at": now,
    }


def _flag(
    fid: str, claim: str, rep: str, day: str, amount: float, risk: float, status: str, now: datetime
) -> dict:
    return {
        "id": fid,
        "rule": "TEST",
        "claim_id": claim,
        "rep_id": rep,
        "date": D(day),
        "amount": amount,
        "amount_at_risk": risk,
        "summary": "test",
        "evidence": {},
        "status": status,
        "created_at": now,
        "updated_at": now,
    }


def seed_judgements(engine, now: datetime) -> None:
    """Alerts and expense flags (their rules are not built yet, so rows are written directly).

    Open alerts in the period: rep-a1 critical, rep-b1 high (rep-a1's high one is acknowledged,
    rep-a2's low one is before the period). At risk: e-a1-23 max(20, 10) = 20 (an approved 45
    does not count), e-a1-24 100 capped at the claim's 30.5, e-b1-24 100.
    """
    alerts = [
        _alert("al-1", "rep-a1", "2026-11-24", "critical", "open", now),
        _alert("al-2", "rep-a1", "2026-11-24", "high", "acknowledged", now),
        _alert("al-3", "rep-b1", "2026-11-24", "high", "open", now),
        _alert("al-4", "rep-a2", "2026-11-10", "low", "open", now),
    ]
    flags = [
        _flag("f-1", "e-a1-23", "rep-a1", "2026-11-23", 45.0, 20.0, "open", now),
        _flag("f-2", "e-a1-23", "rep-a1", "2026-11-23", 45.0, 10.0, "open", now),
        _flag("f-3", "e-a1-23", "rep-a1", "2026-11-23", 45.0, 45.0, "approved", now),
        _flag("f-4", "e-a1-24", "rep-a1", "2026-11-24", 30.5, 100.0, "open", now),
        _flag("f-5", "e-b1-24", "rep-b1", "2026-11-24", 500.0, 100.0, "open", now),
    ]
    with engine.begin() as conn:
        conn.execute(schema.alerts.insert(), alerts)
        conn.execute(schema.expense_flags.insert(), flags)


@pytest.fixture
def company(engine, now):
    summary = ingest_values(engine, company_records(), source="test", now=now)
    assert summary.rejected == []
    refresh_rep_days(engine, now=now)
    seed_judgements(engine, now)
    return engine


# ------------------------------------------------------------------ overview numbers


def test_overview_of_exec_matches_the_hand_computed_kpis(company):
    out = svc.overview(company, EXEC, PERIOD, today=TODAY)
    cur = out["current"]
    assert cur["visits"] == 9
    assert cur["effective"] == 6
    # a1: 23, 24, 25; a2: 23, 26 (a fix only); a3: 25; b1: 24; rep-x (inactive now): 26
    assert cur["rep_days"] == 8
    assert cur["visits_per_rep_day"] == pytest.approx(9 / 8)
    assert cur["effective_per_rep_day"] == pytest.approx(6 / 8)
    assert cur["effective_rate"] == pytest.approx(6 / 9)
    assert (cur["planned"], cur["planned_done"]) == (8, 4)
    assert cur["plan_adherence"] == pytest.approx(0.5)
    assert cur["sop_completion"] == pytest.approx(8 / 14)
    # a1 1500 + 180 + 1200 + 600, a2 1800, a3 2400, b1 1800 + 300 over 8 checked-out visits
    assert cur["avg_dwell_min"] == pytest.approx(9780 / 8 / 60)
    assert cur["km"] == pytest.approx(4 * LEG_KM)
    assert cur["km_per_visit"] == pytest.approx(4 * LEG_KM / 9)
    assert cur["expense"] == pytest.approx(575.5)
    assert cur["expense_per_visit"] == pytest.approx(575.5 / 9)
    assert cur["orders"] == pytest.approx(11699.0)
    assert cur["order_per_visit"] == pytest.approx(11699 / 9)

    prev = out["previous"]
    assert (prev["visits"], prev["effective"], prev["rep_days"]) == (1, 1, 1)
    assert prev["plan_adherence"] is None  # nothing planned then: undefined, not 0 %
    assert prev["expense"] == pytest.approx(20.0)
    assert out["changes"]["visits"] == pytest.approx(8.0)
    assert out["changes"]["plan_adherence"] is None
    assert out["period"]["previous_start"] == D("2026-11-19")

    assert out["alerts"] == {"critical": 1, "high": 1, "medium": 0, "low": 0}
    assert out["expenses"]["claimed"] == pytest.approx(575.5)
    assert out["expenses"]["at_risk"] == pytest.approx(20 + 30.5 + 100)
    assert out["online"] == {"online": 1, "reps": 4, "rate": 0.25, "day": TODAY}

    # by verified visits per rep-day: b1 2/1, a2 1/1, a1 3/6
    assert list(out["top_teams"]["team_id"]) == ["team-b1", "team-a2", "team-a1"]
    assert out["top_teams"]["effective_per_rep_day"].tolist() == pytest.approx([2.0, 1.0, 0.5])
    assert out["bottom_teams"].empty

    trend = out["trend"]
    assert list(trend["local_date"]) == [START + timedelta(days=i) for i in range(4)]
    assert trend["visits"].tolist() == [3, 4, 2, 0]
    assert trend["rep_days"].tolist() == [2, 2, 2, 2]
    assert math.isnan(trend["effective_rate"].iloc[3])  # 11-26: a fix but no visit


def test_overview_of_manager_a_counts_region_a_only(company):
    out = svc.overview(company, MANAGER_A, PERIOD, today=TODAY)
    cur = out["current"]
    assert (cur["visits"], cur["effective"], cur["rep_days"]) == (7, 4, 7)
    assert (cur["planned"], cur["planned_done"]) == (6, 2)
    assert cur["sop_completion"] == pytest.approx(6 / 10)
    assert cur["avg_dwell_min"] == pytest.approx(7680 / 6 / 60)
    assert cur["km"] == pytest.approx(3 * LEG_KM)
    assert cur["orders"] == pytest.approx(1700.0)
    assert cur["expense"] == pytest.approx(75.5)
    assert out["alerts"] == {"critical": 1, "high": 0, "medium": 0, "low": 0}
    assert out["expenses"] == {"claimed": 75.5, "at_risk": 50.5, "at_risk_rate": 50.5 / 75.5}
    assert out["online"]["online"] == 1 and out["online"]["reps"] == 3
    assert out["online"]["rate"] == pytest.approx(1 / 3)
    assert list(out["top_teams"]["team_id"]) == ["team-a2", "team-a1"]


def test_online_rate_counts_active_reps_with_a_fix_on_today_only(company):
    # 11-24: a1 and b1 have fixes; 11-26: only a2 (rep-x is inactive); 11-25: nobody.
    rates = {
        day: svc.overview(company, EXEC, PERIOD, today=D(day))["online"]["rate"]
        for day in ("2026-11-24", "2026-11-25", "2026-11-26")
    }
    assert rates == {"2026-11-24": 0.5, "2026-11-25": 0.0, "2026-11-26": 0.25}


def test_empty_period_gives_undefined_ratios_not_zero(company):
    empty = Filters(period="custom", start=D("2025-01-01"), end=D("2025-01-07"))
    out = svc.overview(company, EXEC, empty, today=D("2025-01-07"))
    assert out["current"]["visits"] == 0
    for key in (
        "visits_per_rep_day",
        "effective_rate",
        "plan_adherence",
        "sop_completion",
        "avg_dwell_min",
        "km_per_visit",
        "expense_per_visit",
        "order_per_visit",
    ):
        assert out["current"][key] is None, key
    assert out["online"]["rate"] == 0.0  # 4 active reps, none online that day
    assert out["expenses"]["at_risk_rate"] is None
    assert len(out["trend"]) == 7 and out["trend"]["visits"].sum() == 0


# ------------------------------------------------------------------ tables


def test_team_comparison_has_every_kpi_per_team(company):
    teams = svc.team_comparison(company, EXEC, PERIOD).set_index("team_id")
    assert list(teams.index) == ["team-a1", "team-a2", "team-b1"]  # by name: A one, A two, B one
    a1 = teams.loc["team-a1"]
    assert (a1["visits"], a1["effective"], a1["rep_days"]) == (6, 3, 6)
    assert a1["plan_adherence"] == pytest.approx(1 / 5)
    assert a1["sop_completion"] == pytest.approx(6 / 10)
    assert a1["orders"] == pytest.approx(1700.0)
    assert teams.loc["team-a2", "plan_adherence"] == pytest.approx(1.0)
    assert math.isnan(teams.loc["team-a2", "sop_completion"])  # va7 has no template
    assert teams.loc["team-b1", "sop_completion"] == pytest.approx(0.5)
    assert teams.loc["team-b1", "region_name"] == "North"


def test_team_comparison_lists_idle_teams_with_undefined_rates(company):
    idle = Filters(period="custom", start=D("2026-11-26"), end=D("2026-11-26"))
    teams = svc.team_comparison(company, EXEC, idle).set_index("team_id")
    assert set(teams.index) == {"team-a1", "team-a2", "team-b1"}
    assert teams.loc["team-a2", "visits"] == 0
    assert math.isnan(teams.loc["team-a2", "visits_per_rep_day"])
    assert teams.loc["team-a1", "rep_days"] == 2  # the fix-only days of rep-a2 and rep-x


def test_rep_with_no_plan_has_undefined_plan_adherence(company):
    reps = svc.rep_distribution(company, EXEC, PERIOD).set_index("rep_id")
    # by team name, then rep name; rep-x is inactive now but worked (a fix) in the period
    assert list(reps.index) == ["rep-a1", "rep-a2", "rep-x", "rep-a3", "rep-b1"]
    assert reps.loc["rep-x", "visits"] == 0
    assert math.isnan(reps.loc["rep-a2", "plan_adherence"])
    assert reps.loc["rep-a1", "plan_adherence"] == pytest.approx(1 / 5)
    assert reps.loc["rep-a1", "visits_per_rep_day"] == pytest.approx(5 / 3)
    assert reps.loc["rep-a2", "visits_per_rep_day"] == pytest.approx(1 / 2)
    assert reps.loc["rep-a1", "avg_dwell_min"] == pytest.approx(3480 / 4 / 60)


def test_team_reps_and_rep_days_drill_down(company):
    reps = svc.team_reps(company, EXEC, PERIOD, "team-a1")
    assert list(reps["rep_id"]) == ["rep-a1", "rep-a2", "rep-x"]
    days = svc.rep_days(company, EXEC, PERIOD, "rep-a1").set_index("local_date")
    assert list(days.index) == [D("2026-11-23"), D("2026-11-24"), D("2026-11-25"), D("2026-11-26")]
    assert days.loc[D("2026-11-23"), "plan_adherence"] == pytest.approx(1 / 3)
    assert days.loc[D("2026-11-24"), "effective_rate"] == 0.0
    assert days.loc[D("2026-11-24"), "expense"] == pytest.approx(30.5)
    assert days.loc[D("2026-11-26"), "rep_days"] == 0  # a plan only: not a working day
    assert days.loc[D("2026-11-26"), "plan_adherence"] == 0.0


def test_day_visits_lists_the_checks_of_one_rep_day(company):
    visits = svc.day_visits(company, EXEC, "rep-a1", D("2026-11-23")).set_index("visit_id")
    assert list(visits.index) == ["va1", "va2"]
    va1, va2 = visits.loc["va1"], visits.loc["va2"]
    assert (va1["effective"], va1["in_geofence"], va1["planned"]) == (True, True, True)
    assert (va1["sop_required"], va1["sop_done"]) == (2, 2)
    assert va1["order_amount"] == pytest.approx(1000.0)
    assert va1["dwell_min"] == pytest.approx(25.0)
    assert va1["ts_local"].isoformat() == "2026-11-23T09:20:00+08:00"
    assert (va2["effective"], va2["sop_done"], va2["order_amount"]) == (False, 1, 0.0)
    day2 = svc.day_visits(company, EXEC, "rep-a1", D("2026-11-24")).set_index("visit_id")
    assert (day2.loc["va3", "in_geofence"], day2.loc["va3", "effective"]) == (False, False)
    assert pd.isna(day2.loc["va4", "checked_out_local"])
    assert day2.loc["va4", "sop_required"] == 0
    assert not day2.loc["va4", "planned"]  # planned for 11-23, visited on 11-24


def test_weekly_trend_sums_by_monday(company):
    wide = Filters(period="custom", start=D("2026-11-19"), end=D("2026-11-26"))
    weeks = svc.trend(company, EXEC, wide, grain="week").set_index("week")
    assert list(weeks.index) == [D("2026-11-16"), D("2026-11-23")]
    assert weeks.loc[D("2026-11-16"), "visits"] == 1
    assert weeks.loc[D("2026-11-23"), "visits"] == 9


# ------------------------------------------------------------------ frequency compliance


def test_compliance_per_grade_with_the_28_day_window(company):
    out = svc.compliance(company, EXEC, PERIOD)
    assert (out["window_start"], out["window_end"]) == (D("2026-10-30"), END)
    grades = out["grades"].set_index("grade")
    assert grades.loc["A", ["customers", "compliant"]].tolist() == [4, 1]  # ca-A1 has exactly 4
    assert grades.loc["B", ["customers", "compliant"]].tolist() == [2, 0]
    assert grades.loc["C", ["customers", "compliant"]].tolist() == [3, 1]
    assert grades.loc["A", "rate"] == pytest.approx(0.25)


def test_overdue_customers_of_manager_are_ordered_by_urgency(company):
    out = svc.compliance(company, MANAGER_A, PERIOD)
    overdue = out["overdue"]
    # A first (fewest visits first), then B, then C (never visited before the one seen 10-20).
    assert list(overdue["customer_id"]) == ["ca-A3", "ca-A2", "ca-B1", "ca-C2", "ca-C1"]
    assert overdue["verified_visits"].tolist() == [0, 3, 0, 0, 0]
    by_id = overdue.set_index("customer_id")
    assert by_id.loc["ca-C1", "last_verified_date"] == D("2026-10-20")
    assert by_id.loc["ca-C1", "days_since_last"] == 37
    assert by_id.loc["ca-A2", "missing_visits"] == 1
    heat = out["heatmap"].set_index("team_id")
    assert heat.loc["team-a1", ["A", "B", "C"]].tolist() == [0.5, 0.0, 0.0]
    assert heat.loc["team-a2", "A"] == 0.0 and heat.loc["team-a2", "C"] == 1.0
    assert math.isnan(heat.loc["team-a2", "B"])


@pytest.mark.parametrize("user", [EXEC, MANAGER_A], ids=["exec", "manager"])
def test_grade_compliance_alone_equals_the_full_compliance_grades(company, user):
    for filters in (PERIOD, dataclasses.replace(PERIOD, start=END, end=END)):
        pd.testing.assert_frame_equal(
            svc.grade_compliance(company, user, filters),
            svc.compliance(company, user, filters)["grades"],
        )
    settings_service.set_value(company, "visits_per_28d_a", 3, actor="ops", now=NOW_SET)
    grades = svc.grade_compliance(company, user, PERIOD).set_index("grade")
    assert grades.loc["A", "required_visits"] == 3
    pd.testing.assert_frame_equal(
        grades.reset_index(), svc.compliance(company, user, PERIOD)["grades"]
    )


def test_compliance_rules_are_configurable(company):
    lenient = FrequencyRules(A=(3, 28), B=(0, 28), C=(1, 56))
    grades = svc.compliance(company, EXEC, PERIOD, rules=lenient)["grades"].set_index("grade")
    assert grades.loc["A", "compliant"] == 2  # ca-A1 (4) and ca-A2 (3)
    assert grades.loc["B", "compliant"] == 2
    assert grades.loc["C", "compliant"] == 2  # ca-C1's visit of 10-20 is inside 56 days


def test_changing_the_frequency_setting_moves_the_compliance_kpi(company):
    before = svc.compliance(company, EXEC, PERIOD)["grades"].set_index("grade")
    assert before.loc["A", ["required_visits", "compliant"]].tolist() == [4, 1]
    settings_service.set_value(company, "visits_per_28d_a", 3, actor="ops", now=NOW_SET)
    after = svc.compliance(company, EXEC, PERIOD)["grades"].set_index("grade")
    # ca-A2's 3 verified visits now meet the A rule; B and C are untouched.
    assert after.loc["A", ["required_visits", "compliant"]].tolist() == [3, 2]
    assert after.loc["B", "compliant"] == before.loc["B", "compliant"]
    overdue = set(svc.compliance(company, MANAGER_A, PERIOD)["overdue"]["customer_id"])
    assert "ca-A2" not in overdue


@pytest.mark.parametrize("user", [EXEC, MANAGER_A], ids=["exec", "manager"])
def test_a_team_or_rep_filter_gives_the_rows_of_the_unfiltered_views(company, user):
    """Team and rep filters take another plan on PostgreSQL (a per-rep lookup): their numbers
    are the unfiltered views' rows of that team or rep."""
    whole = svc.team_views(company, user, PERIOD)
    assert len(whole["reps"]) >= 3
    for team_id in whole["teams"]["team_id"]:
        narrowed = svc.team_views(company, user, dataclasses.replace(PERIOD, team=team_id))
        pd.testing.assert_frame_equal(
            narrowed["teams"].reset_index(drop=True),
            whole["teams"][whole["teams"]["team_id"] == team_id].reset_index(drop=True),
        )
        pd.testing.assert_frame_equal(
            narrowed["reps"].reset_index(drop=True),
            whole["reps"][whole["reps"]["team_id"] == team_id].reset_index(drop=True),
        )
    for rep_id in whole["reps"]["rep_id"]:
        days = svc.rep_days(company, user, PERIOD, rep_id)
        row = whole["reps"][whole["reps"]["rep_id"] == rep_id].iloc[0]
        assert int(days["visits"].sum()) == row["visits"]
        assert int(days["effective"].sum()) == row["effective"]
        by_rep = svc.trend(company, user, dataclasses.replace(PERIOD, rep=rep_id))
        assert int(by_rep["visits"].sum()) == row["visits"]


@pytest.mark.parametrize("narrow", [{}, {"team": "team-a1"}, {"rep": "rep-a1"}])
def test_facts_computed_from_the_raw_records_equal_the_rollups(company, narrow):
    """A dwell threshold other than the rollup's makes fetch_fact_sums compute the facts from
    the raw records (another statement); at a threshold no visit's dwell falls between, the
    numbers are the rollup's."""
    periods = {"day": (START, END), "team": (START, END), "rep": (START, END)}
    with company.connect() as conn:
        rollup = fact_store.fetch_fact_sums(
            conn, periods=periods, scope=Scope.everything(), **narrow
        )
        raw = fact_store.fetch_fact_sums(
            conn, periods=periods, scope=Scope.everything(), min_dwell_s=299.9999, **narrow
        )
    for grain in periods:
        assert len(rollup[grain]) > 0
        pd.testing.assert_frame_equal(raw[grain], rollup[grain])


# ------------------------------------------------------------------ region scope


B_FILTERS = [
    Filters(period="custom", start=START, end=END, region="reg-b"),
    Filters(period="custom", start=START, end=END, team="team-b1"),
    Filters(period="custom", start=START, end=END, rep="rep-b1"),
]


@pytest.mark.parametrize("filters", B_FILTERS, ids=["region", "team", "rep"])
def test_manager_of_region_a_gets_nothing_of_region_b_even_when_the_filter_names_it(
    company, filters
):
    out = svc.overview(company, MANAGER_A, filters, today=D("2026-11-24"))
    assert out["current"]["visits"] == 0 and out["previous"]["visits"] == 0
    assert out["current"]["expense"] == 0.0
    assert out["alerts"] == {"critical": 0, "high": 0, "medium": 0, "low": 0}
    assert out["expenses"]["claimed"] == 0.0 and out["expenses"]["at_risk"] == 0.0
    assert out["online"]["online"] == 0 and out["online"]["reps"] == 0
    assert out["top_teams"].empty and out["trend"]["visits"].sum() == 0
    assert svc.team_comparison(company, MANAGER_A, filters).empty
    assert svc.trend(company, MANAGER_A, filters)["visits"].sum() == 0
    assert svc.rep_distribution(company, MANAGER_A, filters).empty
    assert svc.team_reps(company, MANAGER_A, filters, "team-b1").empty
    assert svc.rep_days(company, MANAGER_A, filters, "rep-b1").empty
    cov = svc.compliance(company, MANAGER_A, filters)
    assert cov["grades"]["customers"].sum() == 0
    assert cov["overdue"].empty and cov["heatmap"].empty


def test_manager_drill_downs_into_region_b_are_empty_even_without_a_filter(company):
    assert svc.team_reps(company, MANAGER_A, PERIOD, "team-b1").empty
    assert svc.rep_days(company, MANAGER_A, PERIOD, "rep-b1").empty
    assert svc.day_visits(company, MANAGER_A, "rep-b1", D("2026-11-24")).empty
    assert len(svc.day_visits(company, EXEC, "rep-b1", D("2026-11-24"))) == 2
    reps = svc.rep_distribution(company, MANAGER_A, PERIOD)
    assert set(reps["rep_id"]) == {"rep-a1", "rep-a2", "rep-a3", "rep-x"}
    teams = svc.team_comparison(company, MANAGER_A, PERIOD)
    assert set(teams["team_id"]) == {"team-a1", "team-a2"}
    customers = set(svc.compliance(company, MANAGER_A, PERIOD)["overdue"]["customer_id"])
    assert not any(cid.startswith("cb-") for cid in customers)


def test_filter_options_follow_the_users_scope(company):
    mgr = svc.filter_options(company, MANAGER_A)
    assert [r["id"] for r in mgr["regions"]] == ["reg-a"]
    assert {t["id"] for t in mgr["teams"]} == {"team-a1", "team-a2"}
    assert {r["id"] for r in mgr["reps"]} == {"rep-a1", "rep-a2", "rep-a3", "rep-x"}
    every = svc.filter_options(company, FINANCE)
    assert {r["id"] for r in every["regions"]} == {"reg-a", "reg-b"}
    assert {t["team_id"] for t in every["reps"] if t["id"] == "rep-b1"} == {"team-b1"}


def test_exec_sees_both_regions_and_can_narrow_to_region_b(company):
    out = svc.overview(company, EXEC, B_FILTERS[0], today=D("2026-11-24"))
    assert (out["current"]["visits"], out["current"]["effective"]) == (2, 2)
    assert out["alerts"]["high"] == 1
    assert out["expenses"] == {"claimed": 500.0, "at_risk": 100.0, "at_risk_rate": 0.2}
    assert out["online"] == {"online": 1, "reps": 1, "rate": 1.0, "day": D("2026-11-24")}
    grades = svc.compliance(company, EXEC, B_FILTERS[1])["grades"]
    assert grades["customers"].tolist() == [1, 1, 0]


def test_a_manager_without_regions_sees_nothing(company):
    nobody = User(id=9, name="empty", role="manager", regions=())
    assert svc.overview(company, nobody, PERIOD, today=TODAY)["current"]["visits"] == 0
    assert svc.filter_options(company, nobody) == {"regions": [], "teams": [], "reps": []}
    assert svc.compliance(company, nobody, PERIOD)["grades"]["customers"].sum() == 0


# ------------------------------------------------------------------ visit integrity


def test_day_visits_score_each_visits_integrity_from_the_alerts_fired_on_it(company):
    ab.insert_alerts(
        company,
        [
            ab.geofence_miss("va3", rep_id="rep-a1", ts="2026-11-24T01:00:00Z"),
            ab.short_visit("va3", rep_id="rep-a1", ts="2026-11-24T01:20:00Z", visit_id="va3"),
            # The same rule twice on one visit penalises it once.
            ab.alert("va3-again", "GEOFENCE_MISS", rep_id="rep-a1", visit_id="va3"),
            # An alert of another visit changes nothing here.
            ab.geofence_miss("vb1", rep_id="rep-b1", ts="2026-11-24T01:00:00Z"),
        ],
    )
    day2 = svc.day_visits(company, EXEC, "rep-a1", D("2026-11-24")).set_index("visit_id")
    assert day2.loc["va3", "integrity"] == 50  # 100 - high 35 - medium 15
    assert day2.loc["va3", "rules"] == ["GEOFENCE_MISS", "SHORT_VISIT"]
    assert day2.loc["va4", "integrity"] == 100
    assert day2.loc["va4", "rules"] == []
    empty = svc.day_visits(company, MANAGER_A, "rep-b1", D("2026-11-24"))
    assert empty.empty and {"integrity", "rules"} <= set(empty.columns)

"""Contract §7 through ingest, the judge and the /sop page's service: versions (a change of steps
is a new version, the same steps none), the version in force at a visit, steps checked against
it, SOP_INCOMPLETE stored by the judge, the funnel's outcomes, the editor's history and scope."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from dashboard.services import detect, ingest, rollups
from dashboard.services import sop as svc
from dashboard.sop import StepsError
from data_access import schema
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company, effective_visit

V1 = [
    {"code": "arrive", "required": True},
    {"code": "shelf", "required": True},
    {"code": "competitor", "required": False},
]
V2 = [
    {"code": "arrive", "required": True},
    {"code": "stock", "required": True, "kind": "count", "min_seconds": 90},
    {"code": "shelf", "required": True},
]
EARLY, LATE = date(2026, 11, 10), date(2026, 11, 24)
NOV = svc.SopFilter(date(2026, 11, 1), date(2026, 11, 30))
EVERYONE = Scope.everything()


def send(engine, values, now):
    return ingest.ingest_values(engine, values, source="test", now=now)


def step(id_, visit, code, day, hhmm, ok=True):
    return b.sop_step(id_, visit_id=visit, step=code, ts=f"{day}T{hhmm}:00+08:00", ok=ok)


@pytest.fixture
def world(engine, now):
    tpl = b.sop_template("sop-std", steps=V1, valid_from="2026-11-01T00:00:00+08:00")
    masters = [r for r in company() if r["type"] != "sop_template"]
    assert not send(engine, [*masters, tpl], now).rejected
    revised = b.sop_template("sop-std", steps=V2, valid_from="2026-11-20T00:00:00+08:00")
    assert not send(engine, [revised], now).rejected
    values = effective_visit("v-early", "cust-1", EARLY) + effective_visit("v-late", "cust-2", LATE)
    values += [
        step("s1", "v-early", "arrive", EARLY, "09:21"),
        step("s2", "v-early", "shelf", EARLY, "09:50"),  # after the 09:40 check-out: late
        step("s3", "v-late", "arrive", EARLY.replace(day=24), "09:21"),
        step("s4", "v-late", "stock", LATE, "09:22", ok=False),  # failed, 60 s < 90 s minimum
        step("s5", "v-late", "shelf", LATE, "09:30"),
    ]
    summary = send(engine, values, now)
    assert not summary.rejected, summary.rejected
    rollups.refresh_rep_days(engine, now=now)  # the page reads the SOP rollup
    return engine


def _versions(engine):
    with engine.connect() as conn:
        v = schema.visits
        return dict(conn.execute(sa.select(v.c.id, v.c.sop_version)).all())


def test_a_visit_uses_the_version_in_force_at_its_check_in(world):
    assert _versions(world) == {"v-early": 1, "v-late": 2}


def test_resending_a_template_with_the_same_steps_makes_no_new_version(world, now):
    again = b.sop_template("sop-std", steps=V2, name="Renamed")
    assert not send(world, [again, again], now).rejected
    history = svc.template_history(world, "sop-std")
    assert [h["version"] for h in history] == [1, 2]
    assert history[-1]["name"] == "Renamed"


def test_a_step_is_checked_against_the_visits_version(world, now):
    # "stock" is a step of version 2 only: the early visit (version 1) refuses it.
    summary = send(world, [step("s9", "v-early", "stock", EARLY, "09:30")], now)
    (rejected,) = summary.rejected
    assert rejected["error"].startswith("step:") and "version 1" in rejected["error"]


def test_an_unknown_step_code_is_rejected_naming_the_field(world, now):
    summary = send(world, [step("s8", "v-late", "dance", LATE, "09:30")], now)
    (rejected,) = summary.rejected
    assert rejected["error"].startswith("step: 'dance' is not a step of SOP template")


def test_a_template_with_an_unknown_step_kind_is_rejected_naming_the_field(engine, now):
    bad = b.sop_template("sop-bad", steps=[{"code": "a", "kind": "dance"}])
    (rejected,) = send(engine, [bad], now).rejected
    assert rejected["error"].startswith("steps[0].kind:")


def test_the_judge_flags_the_visit_with_a_late_required_step_only(world, now):
    detect.detect(world, now=now)
    with world.connect() as conn:
        a = schema.alerts
        rows = conn.execute(
            sa.select(a.c.visit_id, a.c.severity, a.c.evidence).where(a.c.rule == "SOP_INCOMPLETE")
        ).all()
    # v-late: its failed "stock" step was carried out, so it is not flagged.
    assert [(r.visit_id, r.severity) for r in rows] == [("v-early", "low")]
    assert rows[0].evidence == {
        "template": "sop-std",
        "version": 1,
        "missing": [],
        "late": ["shelf"],
    }


def test_funnel_counts_each_outcome_against_the_visits_version(world):
    rows = {(r["version"], r["code"]): r for r in svc.funnel(world, EVERYONE, NOV)}
    assert rows[(1, "shelf")]["late"] == 1
    assert rows[(1, "competitor")]["missing"] == 1
    assert rows[(2, "stock")]["failed"] == 1 and rows[(2, "stock")]["failed_share"] == 1.0
    assert rows[(2, "shelf")]["done"] == 1
    assert (1, "stock") not in rows


def test_reps_worst_first_and_step_timing_flags_too_fast_steps(world):
    (rep,) = svc.offenders(world, EVERYONE, NOV, by="rep")
    assert (rep["key"], rep["visits"], rep["required"], rep["done"]) == ("rep-1", 2, 5, 3)
    assert rep["gaps"] == 1 and rep["completion"] == 0.6  # the late shelf check
    timing = {(r["version"], r["code"]): r for r in svc.step_timing(world, EVERYONE, NOV)}
    # 09:21 → 09:22: 60 s, counted in the 60-70 s bucket (the median is known to its bucket)
    assert 60.0 <= timing[(2, "stock")]["median_s"] < 70.0
    assert timing[(2, "stock")]["too_fast"] == 1 and timing[(2, "stock")]["flagged"]
    assert timing[(2, "shelf")]["too_fast"] == 0 and not timing[(2, "shelf")]["flagged"]
    assert 480.0 <= timing[(2, "shelf")]["median_s"] < 510.0  # 480 s


def test_incomplete_visits_link_to_the_replay_moment(world):
    (row,) = svc.incomplete_visits(world, EVERYONE, NOV)
    assert row["id"] == "v-early" and row["late"] == "shelf" and row["missing"] == ""
    assert row["replay"] == "/replay/rep-1/2026-11-10?t=09:20"  # the check-in, local time


def test_a_manager_of_another_region_sees_none_of_it(world):
    other = Scope.of_regions(["reg-n"], user="m")
    assert svc.funnel(world, other, NOV) == []
    assert svc.incomplete_visits(world, other, NOV) == []


def test_editor_saves_versions_keeps_history_and_refuses_bad_codes(world, now):
    later = datetime(2026, 11, 28, tzinfo=UTC)
    with pytest.raises(StepsError, match=r"steps\[1\]\.code"):
        svc.save_template(
            world,
            template_id="sop-std",
            name="x",
            steps=[*V2[:1], {"code": ""}],
            user="admin",
            now=later,
        )
    with pytest.raises(StepsError, match=r"steps\[1\]\.code: code 'arrive'"):
        svc.save_template(
            world, template_id="sop-std", name="x", steps=[V2[0], V2[0]], user="admin", now=later
        )
    result = svc.save_template(
        world, template_id="sop-std", name="Std", steps=list(reversed(V2)), user="admin", now=later
    )
    assert (result.version, result.created) == (3, True)
    history = svc.template_history(world, "sop-std")
    assert [(h["version"], h["source"], h["created_by"]) for h in history] == [
        (1, "ingest", "test"),
        (2, "ingest", "test"),
        (3, "editor", "admin"),
    ]
    assert _versions(world) == {"v-early": 1, "v-late": 2}  # old visits keep their version
    (current,) = svc.current_templates(world)
    assert current["version"] == 3 and current["steps"][0]["code"] == "shelf"


def test_sop_incomplete_shows_on_the_replay_and_the_customer_profile(world, now):
    from dashboard.services import customers, replay
    from dashboard.services.users import User

    detect.detect(world, now=now)
    boss = User(id=1, name="boss", role="exec", regions=())
    day = replay.replay_day(world, boss, "rep-1", EARLY)
    assert [(a["rule"], a["visit_id"]) for a in day["alerts"]] == [("SOP_INCOMPLETE", "v-early")]
    profile = customers.customer_profile(world, EVERYONE, "cust-1", today=date(2026, 11, 27))
    assert "SOP_INCOMPLETE" in {a["rule"] for a in profile["alerts"]}
    (visit,) = [v for v in profile["visits"] if v["visit_id"] == "v-early"]
    assert (visit["sop_required"], visit["sop_done"]) == (2, 1)  # the late shelf check

"""The suggested-plan review page (/plans/suggest, issue 17) × every caller: managers and admins
only (exec and finance refused on the server), a manager refused a rep outside their regions
(suggest, edit and publish), and a manager's suggest → remove a stop → publish through the web,
over the demo company of tests/web/test_access.py."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from test_access import (  # the shared site of the access tests (same folder)
    ANONYMOUS,
    CALLERS,
    REGION_A,
    REGION_B,
    UPDATE,
    Call,
    build_payload,
    site,  # noqa: F401  (fixture)
)

from dashboard.services import route_plans
from data_access.scope import Scope
from tests.web_client import finish_background

REVIEW_ROLES = ("manager", "admin")
DAY = "2026-11-30"  # the Monday after the demo's FIXED_NOW
SUGGEST = "plan-suggest-suggest.n_clicks"

PLAN_SUGGEST_CALLS: dict[str, Call] = {
    "fill_plan_suggest_pickers": Call({"plan-suggest-init.data": 0}, REVIEW_ROLES),
    "update_plan_suggestion": Call(
        {SUGGEST: 1, "plan-suggest-mode.value": "day", "plan-suggest-date.date": DAY},
        REVIEW_ROLES,
        changed=(SUGGEST,),
    ),
    "render_plan_suggestion": Call({"plan-suggest-plan.data": None}, REVIEW_ROLES),
    "publish_plan_suggestion": Call(
        {"plan-suggest-publish.n_clicks": 1, "plan-suggest-plan.data": None},
        REVIEW_ROLES,
        changed=("plan-suggest-publish.n_clicks",),
    ),
}
# The /plans/suggest callbacks are an area: test_access's classification check reads this.
AREA_CALLBACKS = tuple(PLAN_SUGGEST_CALLS)


def call(site_, who: str, name: str, values: Mapping[str, Any] | None = None, **kw: Any):
    spec = PLAN_SUGGEST_CALLS[name]
    body = build_payload(
        site_.deps[name],
        {**spec.values, **(values or {})},
        changed=kw.get("changed", spec.changed),
    )
    return finish_background(site_.clients[who], body, site_.clients[who].post(UPDATE, json=body))


def _out(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def _reps(site_, region: str) -> list[str]:
    with site_.engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT r.id FROM reps r JOIN teams t ON t.id = r.team_id "
                    "WHERE r.active AND t.region_id = :g ORDER BY r.id"
                ),
                {"g": region},
            ).scalars()
        )


def _plans(site_, rep: str) -> list[dict[str, Any]]:
    return route_plans.export_rows(site_.engine, scope=Scope.system(), rep_id=rep)


def test_every_plan_suggest_callback_is_in_the_app(site):  # noqa: F811
    assert set(PLAN_SUGGEST_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(PLAN_SUGGEST_CALLS))
def test_plan_suggest_callback_answers_each_caller_by_role(site, name, who):  # noqa: F811
    got = call(site, who, name).status_code
    if who == ANONYMOUS:
        assert got == 401
    elif who in REVIEW_ROLES:
        assert got in (200, 204), (name, who, got)  # 204: a click with nothing to publish
    else:
        assert got == 403, (name, who, got)


@pytest.mark.parametrize("role", ("exec", "finance"))
def test_exec_and_finance_get_the_forbidden_page(site, role):  # noqa: F811
    body = build_payload(
        site.deps["update"],
        {"_pages_location.pathname": "/plans/suggest", "_pages_location.search": ""},
        changed=("_pages_location.pathname",),
    )
    content = json.dumps(site.clients[role].post(UPDATE, json=body).get_json())
    assert '"page-forbidden"' in content


def test_the_manager_picks_only_reps_of_their_regions(site):  # noqa: F811
    out = _out(call(site, "manager", "fill_plan_suggest_pickers"))
    offered = {o["value"] for o in out["plan-suggest-rep"]["options"]}
    assert offered == set(_reps(site, REGION_A))
    assert offered.isdisjoint(_reps(site, REGION_B))
    admin = _out(call(site, "admin", "fill_plan_suggest_pickers"))
    assert {o["value"] for o in admin["plan-suggest-rep"]["options"]} >= set(_reps(site, REGION_B))
    assert date.fromisoformat(out["plan-suggest-date"]["date"]).weekday() < 5


def test_a_manager_is_refused_a_rep_outside_their_regions(site):  # noqa: F811
    rep_b = _reps(site, REGION_B)[0]
    out = _out(call(site, "manager", "update_plan_suggestion", {"plan-suggest-rep.value": rep_b}))
    assert "plan-suggest-plan" not in out
    assert "is not an active rep in your scope" in json.dumps(out, ensure_ascii=False)
    # A forged plan of region B's rep is neither re-timed nor published.
    forged = route_plans.suggest_day(
        site.engine, rep_id=rep_b, on=date(2026, 11, 30), scope=Scope.system()
    )
    before = _plans(site, rep_b)
    for name, values in (
        ("publish_plan_suggestion", {"plan-suggest-plan.data": forged}),
        (
            "update_plan_suggestion",
            {
                "plan-suggest-plan.data": forged,
                "plan-suggest-remove.n_clicks": 1,
                "plan-suggest-stop.value": (forged["customer_ids"] or ["x"])[0],
            },
        ),
    ):
        changed = (
            ("plan-suggest-publish.n_clicks",)
            if name.startswith("publish")
            else ("plan-suggest-remove.n_clicks",)
        )
        if name.startswith("update") and not forged["customer_ids"]:
            continue
        got = _out(call(site, "manager", name, values, changed=changed))
        assert "plan-suggest-plan" not in got
        assert "in your scope" in json.dumps(got, ensure_ascii=False)
    assert _plans(site, rep_b) == before


def test_a_manager_suggests_edits_and_publishes_a_day(site):  # noqa: F811
    for rep in _reps(site, REGION_A):
        out = _out(call(site, "manager", "update_plan_suggestion", {"plan-suggest-rep.value": rep}))
        plan = out["plan-suggest-plan"]["data"]
        if len(plan["customer_ids"]) >= 2:
            break
    else:
        pytest.fail("no rep of region A has two customers due on the demo's next Monday")
    first = plan["customer_ids"][0]
    edited = _out(
        call(
            site,
            "manager",
            "update_plan_suggestion",
            {
                "plan-suggest-plan.data": plan,
                "plan-suggest-remove.n_clicks": 1,
                "plan-suggest-stop.value": first,
            },
            changed=("plan-suggest-remove.n_clicks",),
        )
    )["plan-suggest-plan"]["data"]
    assert edited["customer_ids"] == plan["customer_ids"][1:]
    assert {"customer_id": first, "reason": "removed"}.items() <= next(
        x for x in edited["left_out"] if x["customer_id"] == first
    ).items()
    shown = _out(
        call(site, "manager", "render_plan_suggestion", {"plan-suggest-plan.data": edited})
    )
    assert first in json.dumps(shown["plan-suggest-left-out"], ensure_ascii=False)
    # The browser's km is not trusted: the server re-times the order it publishes.
    forged = {**edited, "km_planned": 0.001}
    res = _out(call(site, "manager", "publish_plan_suggestion", {"plan-suggest-plan.data": forged}))
    assert edited["id"] in json.dumps(res, ensure_ascii=False)
    (row,) = [r for r in _plans(site, edited["rep_id"]) if r["id"] == edited["id"]]
    assert row["customer_ids"] == edited["customer_ids"]
    assert row["km_planned"] == pytest.approx(edited["km_planned"])
    assert row["source"] == "suggested"


def test_a_team_week_gives_its_rep_days_to_pick_from(site):  # noqa: F811
    with site.engine.connect() as conn:
        team = conn.execute(
            sa.text(
                "SELECT r.team_id FROM reps r JOIN teams t ON t.id = r.team_id "
                "WHERE r.active AND t.region_id = :g ORDER BY r.team_id LIMIT 1"
            ),
            {"g": REGION_A},
        ).scalar_one()
    week = {"plan-suggest-mode.value": "week", "plan-suggest-team.value": team}
    bad = _out(
        call(site, "manager", "update_plan_suggestion", {**week, "plan-suggest-week.value": "W9"})
    )
    assert "week: 'W9' is not an ISO week" in json.dumps(bad, ensure_ascii=False)
    out = _out(
        call(
            site,
            "manager",
            "update_plan_suggestion",
            {**week, "plan-suggest-week.value": "2026-W49"},
        )
    )
    plans = out["plan-suggest-week-plans"]["data"]
    members = set(_reps(site, REGION_A))
    assert plans and {p["rep_id"] for p in plans} <= members
    assert {p["date"] for p in plans} == {f"2026-11-{d}" for d in range(30, 31)} | {
        f"2026-12-0{d}" for d in range(1, 5)
    }
    assert len(out["plan-suggest-week-pick"]["options"]) == len(plans)
    assert out["plan-suggest-plan"]["data"] == plans[0]
    picked = _out(
        call(
            site,
            "manager",
            "update_plan_suggestion",
            {"plan-suggest-week-plans.data": plans, "plan-suggest-week-pick.value": len(plans) - 1},
            changed=("plan-suggest-week-pick.value",),
        )
    )
    assert picked["plan-suggest-plan"]["data"] == plans[-1]
    # A manager naming region B's team gets a refusal, not its reps.
    with site.engine.connect() as conn:
        team_b = conn.execute(
            sa.text(
                "SELECT r.team_id FROM reps r JOIN teams t ON t.id = r.team_id "
                "WHERE r.active AND t.region_id = :g LIMIT 1"
            ),
            {"g": REGION_B},
        ).scalar_one()
    refused = _out(
        call(
            site,
            "manager",
            "update_plan_suggestion",
            {**week, "plan-suggest-team.value": team_b, "plan-suggest-week.value": "2026-W49"},
        )
    )
    assert "plan-suggest-plan" not in refused and "no active rep in your scope" in json.dumps(
        refused, ensure_ascii=False
    )


@pytest.mark.parametrize("role", ("exec", "manager", "finance", "admin"))
def test_the_teams_rep_level_links_to_the_review_for_its_roles_only(site, role):  # noqa: F811
    rep = _reps(site, REGION_A)[0]
    body = build_payload(
        site.deps["update"],
        {"_pages_location.pathname": "/teams", "_pages_location.search": f"?rep={rep}"},
        changed=("_pages_location.pathname",),
    )
    content = json.dumps(site.clients[role].post(UPDATE, json=body).get_json())
    assert (f"/plans/suggest?rep={rep}" in content) == (role in REVIEW_ROLES)


@pytest.mark.parametrize(
    "forged", [5, "x", {"customer_ids": 5}, {"rep_id": "r", "date": "d", "customer_ids": [1]}]
)
def test_a_store_not_written_by_the_page_is_no_server_error(site, forged):  # noqa: F811
    shown = call(site, "manager", "render_plan_suggestion", {"plan-suggest-plan.data": forged})
    assert shown.status_code == 200
    for name, trigger in (
        ("publish_plan_suggestion", "plan-suggest-publish.n_clicks"),
        ("update_plan_suggestion", "plan-suggest-up.n_clicks"),
    ):
        got = call(
            site,
            "manager",
            name,
            {"plan-suggest-plan.data": forged, "plan-suggest-stop.value": 1, trigger: 1},
            changed=(trigger,),
        )
        assert got.status_code in (200, 204), (name, got.status_code)

"""The /plans page's callbacks × every caller, and the manager's region scope (heatmaps, worst
rep-days, one rep-day), over the small demo company of tests/web/test_access.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_access import (  # the shared site of the access tests (same folder)
    ANONYMOUS,
    CALLERS,
    PERIOD,
    REGION_A,
    REGION_B,
    ROLES,
    UPDATE,
    Call,
    _id_key,
    build_payload,
    region_b,  # noqa: F401  (fixture)
    site,  # noqa: F401  (fixture)
)

GRID = _id_key({"type": "data-grid", "name": "plans-rep-days"})

PLANS_CALLS: dict[str, Call] = {
    "render_plans": Call({"plans-query.data": PERIOD}, ROLES),
    "render_plan_detail": Call(
        {"data-grid.selectedRows": [{"rep_id": "rep-001", "date": "2026-11-26"}]},
        ROLES,
        match={"name": "plans-rep-days"},
    ),
}


def call(site_, who: str, name: str, values: dict[str, Any] | None = None):
    spec = PLANS_CALLS[name]
    body = build_payload(
        site_.deps[name], {**spec.values, **(values or {})}, match=spec.match, changed=spec.changed
    )
    return site_.clients[who].post(UPDATE, json=body)


def _out(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def _region_of_reps(site_) -> dict[str, str]:
    import sqlalchemy as sa

    with site_.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT r.id, t.region_id FROM reps r JOIN teams t ON t.id = r.team_id")
        ).all()
    return {row.id: row.region_id for row in rows}


def test_every_plans_callback_is_in_the_app(site):  # noqa: F811
    assert set(PLANS_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(PLANS_CALLS))
def test_plans_callback_answers_each_caller_by_role(site, name, who):  # noqa: F811
    want = 401 if who == ANONYMOUS else 200
    assert call(site, who, name).status_code == want


def test_anonymous_plans_callbacks_run_no_service(site, monkeypatch):  # noqa: F811
    from dashboard.services import plan_actual

    def boom(*_a, **_kw):
        raise AssertionError("a service ran for an anonymous caller")

    monkeypatch.setattr(plan_actual, "team_period", boom)
    monkeypatch.setattr(plan_actual, "rep_day", boom)
    for name in PLANS_CALLS:
        assert call(site, ANONYMOUS, name).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_plans_page_renders_for_every_role(site, role):  # noqa: F811
    assert site.clients[role].get("/plans").status_code == 200
    body = build_payload(
        site.deps["update"],
        {"_pages_location.pathname": "/plans", "_pages_location.search": ""},
        changed=("_pages_location.pathname",),
    )
    content = json.dumps(site.clients[role].post(UPDATE, json=body).get_json(), ensure_ascii=False)
    assert '"page-forbidden"' not in content and "plans-heat-adherence" in content


def test_exec_sees_both_regions_and_the_manager_region_a_only(site):  # noqa: F811
    regions = _region_of_reps(site)
    exec_rows = _out(call(site, "exec", "render_plans"))[GRID]["rowData"]
    manager_rows = _out(call(site, "manager", "render_plans"))[GRID]["rowData"]
    assert {regions[r["rep_id"]] for r in exec_rows} == {REGION_A, REGION_B}
    assert manager_rows and {regions[r["rep_id"]] for r in manager_rows} == {REGION_A}
    # Worst first: adherence never rises before the rep-days without a plan.
    adherence = [r["adherence"] for r in exec_rows if r["adherence"] is not None]
    assert adherence == sorted(adherence)
    assert all(r["replay"].endswith(f"(/replay/{r['rep_id']}/{r['date']})") for r in exec_rows)


def test_manager_asking_for_a_region_b_team_gets_nothing(site, region_b):  # noqa: F811
    query = {**PERIOD, "team": region_b.team}
    out = _out(call(site, "manager", "render_plans", {"plans-query.data": query}))
    assert out[GRID]["rowData"] == []
    exec_out = _out(call(site, "exec", "render_plans", {"plans-query.data": query}))
    assert exec_out[GRID]["rowData"]


def test_manager_cannot_open_a_region_b_rep_day(site, region_b):  # noqa: F811
    picked = {"data-grid.selectedRows": [{"rep_id": region_b.rep, "date": region_b.day}]}
    manager = json.dumps(
        _out(call(site, "manager", "render_plan_detail", picked)), ensure_ascii=False
    )
    exec_ = json.dumps(_out(call(site, "exec", "render_plan_detail", picked)), ensure_ascii=False)
    assert "找不到这个人天" in manager and region_b.rep not in manager
    assert "找不到这个人天" not in exec_
    assert "plans-stops" in exec_ or "当天没有计划" in exec_


def test_a_too_long_period_is_refused_with_a_message_naming_the_field(site):  # noqa: F811
    query = {"period": "custom", "from": "2026-01-01", "to": "2026-11-27"}
    out = _out(call(site, "exec", "render_plans", {"plans-query.data": query}))
    assert out[GRID]["rowData"] == []
    assert "end:" in json.dumps(out["plans-message"], ensure_ascii=False)

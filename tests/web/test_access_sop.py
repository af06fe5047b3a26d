"""The /sop page's callbacks × every caller (the editor's add/remove/save for admins only), the
manager's region scope on the compliance grids, and the editor through the web, over the small
demo company of tests/web/test_access.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import sqlalchemy as sa
from test_access import (  # the shared site of the access tests (same folder)
    ANONYMOUS,
    CALLERS,
    REGION_A,
    REGION_B,
    ROLES,
    UPDATE,
    Call,
    _id_key,
    build_payload,
    site,  # noqa: F401  (fixture)
)

from tests.web_client import finish_background

EDIT_ROLES = ("admin",)
PERIOD = {"period": "custom", "from": "2026-11-01", "to": "2026-11-30"}
REPS = _id_key({"type": "data-grid", "name": "sop-reps"})
FUNNEL = _id_key({"type": "data-grid", "name": "sop-funnel"})
STEPS = [
    {"code": "arrive", "required": True, "kind": "check"},
    {"code": "shelf", "required": True, "kind": "count", "min_seconds": 30},
]

SOP_CALLS: dict[str, Call] = {
    "render_sop_grids": Call({"sop-query.data": PERIOD, "sop-template.value": None}, ROLES),
    "push_sop_template_to_url": Call(
        {"sop-template.value": "sop-standard", "sop-query.data": PERIOD},
        ROLES,
        changed=("sop-template.value",),
    ),
    "fill_sop_templates": Call(
        {"sop-query.data": PERIOD, "sop-editor-message.children": None}, ROLES
    ),
    "load_sop_template": Call({"sop-editor-pick.value": "sop-standard"}, ROLES),
    "edit_sop_steps": Call(
        {
            "sop-editor-add.n_clicks": 1,
            "sop-editor-remove.n_clicks": None,
            "sop-editor-steps.virtualRowData": [],
            "sop-editor-steps.selectedRows": [],
        },
        EDIT_ROLES,
        changed=("sop-editor-add.n_clicks",),
    ),
    "save_sop_template": Call(
        {
            "sop-editor-save.n_clicks": 1,
            "sop-editor-id.value": "sop-access-test",
            "sop-editor-name.value": "Access test",
            "sop-editor-steps.virtualRowData": STEPS,
        },
        EDIT_ROLES,
        changed=("sop-editor-save.n_clicks",),
    ),
}

AREA_CALLBACKS = tuple(SOP_CALLS)


def call(site_, who: str, name: str, values: Mapping[str, Any] | None = None):
    spec = SOP_CALLS[name]
    body = build_payload(site_.deps[name], {**spec.values, **(values or {})}, changed=spec.changed)
    return finish_background(site_.clients[who], body, site_.clients[who].post(UPDATE, json=body))


def _out(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def _status(name: str, who: str) -> int:
    if who == ANONYMOUS:
        return 401
    roles = SOP_CALLS[name].roles
    return 200 if roles is None or who in roles else 403


def test_every_sop_callback_is_in_the_app(site):  # noqa: F811
    assert set(SOP_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(SOP_CALLS))
def test_sop_callback_answers_each_caller_by_role(site, name, who):  # noqa: F811
    got, want = call(site, who, name).status_code, _status(name, who)
    assert got == want or (want == 200 and got == 204), (name, who, got)


def _region_of_reps(site_) -> dict[str, str]:
    sql = "SELECT r.id, t.region_id FROM reps r JOIN teams t ON t.id = r.team_id"
    with site_.engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(sa.text(sql))}


def test_manager_sees_only_region_a_reps_on_the_sop_page(site):  # noqa: F811
    regions = _region_of_reps(site)
    manager = _out(call(site, "manager", "render_sop_grids"))[REPS]["rowData"]
    everyone = _out(call(site, "exec", "render_sop_grids"))[REPS]["rowData"]
    assert manager and {regions[row["key"]] for row in manager} == {REGION_A}
    assert REGION_B in {regions[row["key"]] for row in everyone}
    funnel = _out(call(site, "exec", "render_sop_grids"))[FUNNEL]["rowData"]
    assert funnel and all(row["visits"] >= row["done"] for row in funnel)


def test_the_template_choice_goes_into_the_url(site):  # noqa: F811
    out = _out(call(site, "manager", "push_sop_template_to_url"))
    search = out["shell-url"]["search"]
    assert (
        search.startswith("?") and "template=sop-standard" in search and "from=2026-11-01" in search
    )
    same = {"sop-query.data": {**PERIOD, "template": "sop-standard"}}
    assert call(site, "manager", "push_sop_template_to_url", same).status_code == 204


def test_editor_refuses_a_duplicate_code_and_saves_a_new_version_once(site):  # noqa: F811
    dup = [*STEPS, {"code": "shelf", "required": False}]
    out = _out(call(site, "admin", "save_sop_template", {"sop-editor-steps.virtualRowData": dup}))
    text = str(out)
    assert "steps[2].code" in text and "repeats step 2" in text
    values = {"sop-editor-id.value": "sop-web-editor"}
    first = _out(call(site, "admin", "save_sop_template", values))
    assert first["sop-editor-message"]["children"]["props"]["color"] == "success"
    assert [h["version"] for h in first["sop-editor-history"]["rowData"]] == [1]
    again = _out(call(site, "admin", "save_sop_template", values))
    assert [h["version"] for h in again["sop-editor-history"]["rowData"]] == [1]  # unchanged
    changed = [{**STEPS[1], "code": "shelf"}, STEPS[0]]  # reordered: a new version
    third = _out(
        call(
            site,
            "admin",
            "save_sop_template",
            {**values, "sop-editor-steps.virtualRowData": changed},
        )
    )
    history = third["sop-editor-history"]["rowData"]
    assert [h["version"] for h in history] == [2, 1]  # newest first, the old one kept
    assert history[0]["created_by"] == "admin" and history[0]["source"] == "editor"
    assert call(site, "manager", "save_sop_template", values).status_code == 403

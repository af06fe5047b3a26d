"""The rhythm view (/teams) and the overview's digest × every caller, and the manager's region
scope, over the small demo company of tests/web/test_access.py (two regions)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from test_access import (  # the shared site of the access tests (same folder)
    ANONYMOUS,
    CALLERS,
    PAGE_ROLES,
    PERIOD,
    UPDATE,
    Call,
    _id_key,
    _seen,
    build_payload,
    region_b,  # noqa: F401  (fixture)
    site,  # noqa: F401  (fixture)
)

DUE = _id_key({"type": "data-grid", "name": "teams-rhythm-due"})
OVERDUE = _id_key({"type": "data-grid", "name": "teams-rhythm-overdue"})

RHYTHM_CALLS: dict[str, Call] = {
    "render_rhythm": Call({"teams-query.data": PERIOD}, PAGE_ROLES["/teams"]),
    "render_digest": Call({"overview-query.data": PERIOD}, PAGE_ROLES["/"]),
}
AREA_CALLBACKS = tuple(RHYTHM_CALLS)


def call(site_, who: str, name: str, values: Mapping[str, Any] | None = None):
    spec = RHYTHM_CALLS[name]
    body = build_payload(
        site_.deps[name], {**spec.values, **(values or {})}, match=spec.match, changed=spec.changed
    )
    return site_.clients[who].post(UPDATE, json=body)


def _status(name: str, who: str) -> int:
    if who == ANONYMOUS:
        return 401
    roles = RHYTHM_CALLS[name].roles
    return 200 if roles is None or who in roles else 403


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.dumps(response.get_json(), ensure_ascii=False)


def test_every_rhythm_callback_is_in_the_app(site):  # noqa: F811
    assert set(RHYTHM_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(RHYTHM_CALLS))
def test_rhythm_callback_answers_each_caller_by_role(site, name, who):  # noqa: F811
    assert call(site, who, name).status_code == _status(name, who)


def test_anonymous_callers_run_no_rhythm_service(site, monkeypatch):  # noqa: F811
    from dashboard.services import rhythm

    def boom(*_a, **_kw):
        raise AssertionError("a service ran for an anonymous caller")

    monkeypatch.setattr(rhythm, "rhythm_view", boom)
    monkeypatch.setattr(rhythm, "digest", boom)
    for name in RHYTHM_CALLS:
        assert call(site, ANONYMOUS, name).status_code == 401


@pytest.mark.parametrize("name", sorted(RHYTHM_CALLS))
def test_manager_default_view_shows_region_a_only(site, region_b, name):  # noqa: F811
    assert _seen(_text(call(site, "manager", name)), region_b.tokens) == []
    assert _seen(_text(call(site, "exec", name)), region_b.tokens) != []


def test_manager_asking_for_a_region_b_team_or_rep_gets_nothing(site, region_b):  # noqa: F811
    for key, value in (("team", region_b.team), ("rep", region_b.rep)):
        query = {**PERIOD, key: value}
        manager = call(site, "manager", "render_rhythm", {"teams-query.data": query})
        body = manager.get_json()["response"]
        assert body[DUE]["rowData"] == [] and body[OVERDUE]["rowData"] == []
        # Only the title may repeat the id the manager typed.
        rest = {k: v for k, v in body.items() if k != "teams-rhythm-title"}
        assert _seen(json.dumps(rest, ensure_ascii=False), region_b.tokens) == []
        boss = call(site, "exec", "render_rhythm", {"teams-query.data": query}).get_json()
        rows = boss["response"][DUE]["rowData"] + boss["response"][OVERDUE]["rowData"]
        assert rows, f"exec should see region B's rhythm for {key}"
        digest = call(site, "manager", "render_digest", {"overview-query.data": query})
        assert _seen(_text(digest), region_b.tokens) == []

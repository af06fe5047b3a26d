"""The reports page's callbacks × every caller, and the manager's region scope on screen and in
the downloaded file, over the small demo company of tests/web/test_access.py."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Mapping
from typing import Any

import pytest
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

DAY = "2026-11-26"  # a day of the demo (FIXED_NOW is 2026-11-27)
SHOWN = {
    "reports-kind.value": "weekly",
    "reports-date.date": DAY,
    "reports-region.value": None,
    "reports-team.value": None,
}
TEAMS = _id_key({"type": "data-grid", "name": "reports-teams"})

REPORT_CALLS: dict[str, Call] = {
    "fill_report_pickers": Call({"reports-region.value": None}, ROLES),
    "render_report": Call(SHOWN, ROLES),
    "download_report": Call(
        {**SHOWN, "reports-export-csv.n_clicks": 1},
        ROLES,
        changed=("reports-export-csv.n_clicks",),
    ),
}
AREA_CALLBACKS = (*REPORT_CALLS, "cancel_call")


def call(site_, who: str, name: str, values: Mapping[str, Any] | None = None, **kw: Any):
    spec = REPORT_CALLS[name]
    body = build_payload(
        site_.deps[name],
        {**spec.values, **(values or {})},
        match=kw.get("match", spec.match),
        changed=kw.get("changed", spec.changed),
    )
    return finish_background(site_.clients[who], body, site_.clients[who].post(UPDATE, json=body))


def _out(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def test_every_report_callback_is_in_the_app(site):  # noqa: F811
    assert set(REPORT_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(REPORT_CALLS))
def test_report_callback_answers_each_caller_by_role(site, name, who):  # noqa: F811
    want = 401 if who == ANONYMOUS else 200
    assert call(site, who, name).status_code == want


def test_anonymous_report_callbacks_run_no_service(site, monkeypatch):  # noqa: F811
    from dashboard.services import reports

    def boom(*_a, **_kw):
        raise AssertionError("a service ran for an anonymous caller")

    monkeypatch.setattr(reports, "build_report", boom)
    for name in ("render_report", "download_report"):
        assert call(site, ANONYMOUS, name).status_code == 401


def _grid_parents(out: Mapping[str, Any]) -> set[str]:
    """The parent (region) ids of the rows of the per-team grid in a render_report answer."""
    text = str(out["reports-teams"]["children"])
    return {region for region in (REGION_A, REGION_B) if f"'{region}'" in text}


def test_a_manager_report_shows_only_region_a_even_when_asking_for_region_b(site):  # noqa: F811
    assert _grid_parents(_out(call(site, "exec", "render_report"))) == {REGION_A, REGION_B}
    assert _grid_parents(_out(call(site, "manager", "render_report"))) == {REGION_A}
    asked = _out(call(site, "manager", "render_report", {"reports-region.value": REGION_B}))
    assert _grid_parents(asked) == set()
    options = _out(call(site, "manager", "fill_report_pickers"))
    assert [o["value"] for o in options["reports-region"]["options"]] == [REGION_A]


def test_a_manager_downloaded_csv_holds_only_region_a(site):  # noqa: F811
    out = _out(call(site, "manager", "download_report"))
    payload = out["reports-export-download"]["data"]
    assert payload["filename"].startswith("report-weekly-2026-W48-company")
    text = base64.b64decode(payload["content"]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    teams = [row for row in rows if row[0] == "团队"]
    assert teams and {row[3] for row in teams} == {REGION_A}

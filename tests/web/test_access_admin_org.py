"""The admin console's organisation tab × every caller: only admin runs its callbacks (the
others get 403 from the server, anonymous 401), its changes need the session's CSRF token, and
a rep edited through the page is stored and shows in the audit tab."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
import sqlalchemy as sa
from test_access import (  # the shared site of the access tests (same folder)
    ANONYMOUS,
    CALLERS,
    UPDATE,
    Call,
    build_payload,
    site,  # noqa: F401  (fixture)
)
from test_access_admin import ADMIN_CALLS, _csrf

from dashboard.services import admin

ADMIN = ("admin",)
REP_FORM = {
    "admin-org-rep.value": None,
    "admin-org-start.value": "08:00",
    "admin-org-end.value": "17:00",
    "admin-org-zone.value": "Asia/Shanghai",
    "admin-org-team.value": None,
    "admin-org-active.value": True,
    "admin-org-reason.value": "matrix",
    "admin-csrf.data": None,
    "admin-org-refresh.data": 0,
}

ADMIN_ORG_CALLS: dict[str, Call] = {
    "render_admin_org": Call({"admin-org-refresh.data": 0}, ADMIN),
    "fill_admin_org_rep": Call(
        {"admin-org-rep.value": "nobody"}, ADMIN, changed=("admin-org-rep.value",)
    ),
    # Without the session's CSRF token (the matrix sends none) an action changes nothing.
    "save_admin_org_rep": Call(
        {"admin-org-save.n_clicks": 1, **REP_FORM}, ADMIN, changed=("admin-org-save.n_clicks",)
    ),
    "change_admin_org_unit": Call(
        {
            "admin-org-rename.n_clicks": 1,
            "admin-org-unit.value": None,
            "admin-org-unit-name.value": "matrix",
            "admin-org-unit-reason.value": "matrix",
            "admin-csrf.data": None,
            "admin-org-refresh.data": 0,
        },
        ADMIN,
        changed=("admin-org-rename.n_clicks",),
    ),
}
AREA_CALLBACKS = tuple(ADMIN_ORG_CALLS)


def call(site_, who, name: str, values: Mapping[str, Any] | None = None):
    spec = ADMIN_ORG_CALLS[name]
    body = build_payload(site_.deps[name], {**spec.values, **(values or {})}, changed=spec.changed)
    return site_.clients[who].post(UPDATE, json=body)


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.dumps(response.get_json(), ensure_ascii=False)


def _reps(site_) -> list[dict[str, Any]]:
    with site_.engine.connect() as conn:
        return [
            dict(row)
            for row in conn.execute(
                sa.text("SELECT id, team_id, work_start, work_end, active FROM reps ORDER BY id")
            ).mappings()
        ]


def test_every_org_callback_is_in_the_app(site):  # noqa: F811
    assert set(ADMIN_ORG_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(ADMIN_ORG_CALLS))
def test_org_callbacks_refuse_every_other_caller_on_the_server(site, name, who):  # noqa: F811
    got = call(site, who, name).status_code
    want = 401 if who == ANONYMOUS else (200 if who == "admin" else 403)
    assert got == want or (want == 200 and got == 204), (name, who, got)


def test_non_admins_change_nothing_even_with_a_valid_csrf_token(site):  # noqa: F811
    rep = _reps(site)[0]
    before = _reps(site)
    token = _csrf(site, site.clients["admin"])
    values = {**REP_FORM, "admin-org-rep.value": rep["id"], "admin-org-team.value": rep["team_id"]}
    for who in ("exec", "manager", "finance"):
        got = call(site, who, "save_admin_org_rep", {**values, "admin-csrf.data": token})
        assert got.status_code == 403
    assert _reps(site) == before


def test_org_changes_without_the_sessions_csrf_token_change_nothing(site):  # noqa: F811
    rep = _reps(site)[0]
    before = _reps(site)
    values = {**REP_FORM, "admin-org-rep.value": rep["id"], "admin-org-team.value": rep["team_id"]}
    for token in (None, "forged"):
        assert "CSRF" in _text(
            call(site, "admin", "save_admin_org_rep", {**values, "admin-csrf.data": token})
        )
        assert "CSRF" in _text(
            call(site, "admin", "change_admin_org_unit", {"admin-csrf.data": token})
        )
    assert _reps(site) == before


def test_admin_edits_a_reps_hours_through_the_page_and_the_audit_tab_shows_it(site):  # noqa: F811
    rep = next(r for r in _reps(site) if r["active"])
    token = _csrf(site, site.clients["admin"])
    filled = json.loads(
        _text(call(site, "admin", "fill_admin_org_rep", {"admin-org-rep.value": rep["id"]}))
    )["response"]
    assert filled["admin-org-start"]["value"] == rep["work_start"]
    values = {
        **REP_FORM,
        "admin-org-rep.value": rep["id"],
        "admin-org-team.value": rep["team_id"],
        "admin-org-start.value": "07:15",
        "admin-org-end.value": "16:45",
        "admin-org-reason.value": "shift change",
        "admin-csrf.data": token,
    }
    bad = _text(
        call(site, "admin", "save_admin_org_rep", {**values, "admin-org-end.value": "07:00"})
    )
    assert "work_end: 07:00 must be later than work_start 07:15" in bad
    done = _text(call(site, "admin", "save_admin_org_rep", values))
    assert "07:15-16:45" in done and "admin-org-note" in done
    stored = next(r for r in _reps(site) if r["id"] == rep["id"])
    assert (stored["work_start"], stored["work_end"]) == ("07:15", "16:45")
    audit = ADMIN_CALLS["render_admin_audit"]
    body = build_payload(
        site.deps["render_admin_audit"], {**audit.values, "admin-audit-what.value": rep["id"]}
    )
    text = _text(site.clients["admin"].post(UPDATE, json=body))
    assert "admin work_hours" in text and "shift change" in text and "07:15-16:45" in text
    tree = _text(call(site, "admin", "render_admin_org"))
    assert "07:15–16:45" in tree


def test_deactivating_a_rep_who_holds_customers_offers_the_handover_then_deactivates(site):  # noqa: F811
    with site.engine.connect() as conn:
        rep_id, team = conn.execute(
            sa.text(
                "SELECT r.id, r.team_id FROM reps r JOIN customers c ON c.owner_rep_id = r.id "
                "WHERE r.active GROUP BY r.id, r.team_id ORDER BY r.id LIMIT 1"
            )
        ).one()
    values = {
        **REP_FORM,
        "admin-org-rep.value": rep_id,
        "admin-org-team.value": team,
        "admin-org-active.value": False,
        "admin-org-reason.value": "left",
        "admin-csrf.data": _csrf(site, site.clients["admin"]),
    }
    with site.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT work_start, work_end, timezone FROM reps WHERE id = :r"), {"r": rep_id}
        ).one()
    values.update(
        {
            "admin-org-start.value": row.work_start,
            "admin-org-end.value": row.work_end,
            "admin-org-zone.value": row.timezone,
        }
    )
    asked = json.loads(_text(call(site, "admin", "save_admin_org_rep", values)))["response"]
    assert asked["admin-org-confirm-box"]["is_open"] is True
    assert f"/teams?rep={rep_id}" in json.dumps(asked["admin-org-holding"])
    assert next(r for r in _reps(site) if r["id"] == rep_id)["active"]
    spec = ADMIN_ORG_CALLS["save_admin_org_rep"]
    body = build_payload(
        site.deps["save_admin_org_rep"],
        {**spec.values, **values, "admin-org-save.n_clicks": None, "admin-org-confirm.n_clicks": 1},
        changed=("admin-org-confirm.n_clicks",),
    )
    done = json.loads(_text(site.clients["admin"].post(UPDATE, json=body)))["response"]
    assert done["admin-org-confirm-box"]["is_open"] is False
    assert not next(r for r in _reps(site) if r["id"] == rep_id)["active"]


def test_the_demo_company_has_an_admins_organisation_edit_in_its_audit_log(site):  # noqa: F811
    note = "门店提前开门 stores open earlier"
    (row,) = [r for r in admin.audit_log(site.engine, what="admin work_hours") if r["note"] == note]
    assert row["actor"] == "admin" and row["subject"].startswith("rep:")
    assert row["before"].startswith("08:30-") and row["after"].startswith("08:00-")

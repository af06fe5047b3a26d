"""The admin console's Privacy tab (issue 20) × every caller: only admin lists reps and the
retention policy or exports a rep's data (the others get 403 from the server, anonymous 401);
an export without the session's CSRF token changes nothing; an admin's export downloads the
rep's JSON and is audited (who exported whom, when)."""

from __future__ import annotations

import base64
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
from test_access_admin import _csrf, _text

from dashboard.services import admin

ADMIN = ("admin",)

PRIVACY_CALLS: dict[str, Call] = {
    "render_admin_privacy": Call({"admin-privacy-refresh.data": 0}, ADMIN),
    # Without the session's CSRF token (the matrix sends none) the export does nothing.
    "export_rep_data": Call(
        {
            "admin-privacy-export.n_clicks": 1,
            "admin-privacy-rep.value": None,
            "admin-csrf.data": None,
        },
        ADMIN,
        changed=("admin-privacy-export.n_clicks",),
    ),
}
AREA_CALLBACKS = tuple(PRIVACY_CALLS)


def call(site_, who, name: str, values: Mapping[str, Any] | None = None):
    spec = PRIVACY_CALLS[name]
    body = build_payload(site_.deps[name], {**spec.values, **(values or {})}, changed=spec.changed)
    return site_.clients[who].post(UPDATE, json=body)


def _exports(site_) -> list[tuple[str, str]]:
    with site_.engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT actor, subject_id FROM status_events "
                    "WHERE subject_kind = 'rep_export' ORDER BY id"
                )
            ).all()
        )


def _a_rep(site_) -> str:
    with site_.engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM reps ORDER BY id LIMIT 1")).scalar_one()


def test_every_privacy_callback_is_in_the_app(site):  # noqa: F811
    assert set(PRIVACY_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(PRIVACY_CALLS))
def test_privacy_callbacks_refuse_every_other_caller_on_the_server(site, name, who):  # noqa: F811
    want = 401 if who == ANONYMOUS else (200 if who in ADMIN else 403)
    rep = _a_rep(site)
    assert call(site, who, name, {"admin-privacy-rep.value": rep}).status_code == want


def test_non_admins_cannot_export_even_with_a_valid_csrf_token(site):  # noqa: F811
    token = _csrf(site, site.clients["admin"])
    before = _exports(site)
    for who in ("exec", "manager", "finance"):
        values = {"admin-privacy-rep.value": _a_rep(site), "admin-csrf.data": token}
        assert call(site, who, "export_rep_data", values).status_code == 403
    assert _exports(site) == before


def test_export_without_the_sessions_csrf_token_changes_nothing(site):  # noqa: F811
    before = _exports(site)
    for token in (None, "forged"):
        values = {"admin-privacy-rep.value": _a_rep(site), "admin-csrf.data": token}
        out = _text(call(site, "admin", "export_rep_data", values))
        assert "admin-privacy-download" not in out
    assert _exports(site) == before


def test_admin_lists_reps_and_the_retention_policy(site):  # noqa: F811
    out = call(site, "admin", "render_admin_privacy").get_json()["response"]
    values = [o["value"] for o in out["admin-privacy-rep"]["options"]]
    assert _a_rep(site) in values
    card = json.dumps(out["admin-privacy-retention"]["children"], ensure_ascii=False)
    assert "90 天" in card and "尚未执行过清理" in card and "/admin?tab=settings" in card


def test_admin_exports_a_rep_as_json_and_the_export_is_audited(site):  # noqa: F811
    token = _csrf(site, site.clients["admin"])
    rep = _a_rep(site)
    before = _exports(site)
    missing = call(
        site,
        "admin",
        "export_rep_data",
        {"admin-privacy-rep.value": None, "admin-csrf.data": token},
    )
    assert "请选择业务员" in _text(missing)
    values = {"admin-privacy-rep.value": rep, "admin-csrf.data": token}
    out = call(site, "admin", "export_rep_data", values).get_json()["response"]
    sent = out["admin-privacy-download"]["data"]
    assert sent["filename"].startswith(f"rep-{rep}-") and sent["filename"].endswith(".json")
    content = sent["content"] if not sent.get("base64") else base64.b64decode(sent["content"])
    doc = json.loads(content)
    assert doc["header"]["rep_id"] == rep and doc["header"]["exported_by"] == "admin"
    assert [r["id"] for r in doc["tables"]["reps"]] == [rep]
    assert _exports(site) == [*before, ("admin", rep)]
    log = admin.audit_log(site.engine, what="rep_export")
    assert log[0]["actor"] == "admin" and log[0]["subject"] == rep

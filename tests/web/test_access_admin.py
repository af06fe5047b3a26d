"""The admin console's callbacks × every caller (only admin runs them; the others get 403 from
the server, anonymous 401), its CSRF check, and the whole path of a user created, signed in
and deactivated through the page: the open session is refused at its next request."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from test_access import (  # the shared site of the access tests (same folder)
    ANONYMOUS,
    CALLERS,
    UPDATE,
    Call,
    build_payload,
    site,  # noqa: F401  (fixture)
)

from components.i18n import t as t_
from dashboard.services import admin, users
from tests.web_client import sign_in

ADMIN = ("admin",)
NO_CLICK = None

ADMIN_CALLS: dict[str, Call] = {
    "render_admin_users": Call({"admin-users-refresh.data": 0}, ADMIN),
    # Without the session's CSRF token (the matrix sends none) an action changes nothing.
    "admin_user_action": Call(
        {
            "admin-user-create.n_clicks": 1,
            "admin-user-name.value": "matrix.user",
            "admin-user-role.value": "exec",
            "admin-user-regions.value": [],
            "admin-csrf.data": None,
            "admin-users-refresh.data": 0,
        },
        ADMIN,
        changed=("admin-user-create.n_clicks",),
    ),
    "render_admin_tokens": Call({"admin-tokens-refresh.data": 0}, ADMIN),
    "admin_token_action": Call(
        {
            "admin-token-create.n_clicks": 1,
            "admin-token-name.value": "matrix-token",
            "admin-csrf.data": None,
            "admin-tokens-refresh.data": 0,
        },
        ADMIN,
        changed=("admin-token-create.n_clicks",),
    ),
    "render_admin_audit": Call(
        {
            "admin-audit-who.value": None,
            "admin-audit-what.value": None,
            "admin-audit-since.value": None,
            "admin-audit-until.value": None,
            "admin-users-refresh.data": 0,
            "admin-tokens-refresh.data": 0,
            "admin-settings-refresh.data": 0,
        },
        ADMIN,
    ),
    "export_admin_audit": Call(
        {
            "admin-audit-export.n_clicks": 1,
            "admin-audit-who.value": None,
            "admin-audit-what.value": None,
            "admin-audit-since.value": None,
            "admin-audit-until.value": None,
        },
        ADMIN,
        changed=("admin-audit-export.n_clicks",),
    ),
}
AREA_CALLBACKS = tuple(ADMIN_CALLS)


def call(site_, who, name: str, values: Mapping[str, Any] | None = None, client=None):
    spec = ADMIN_CALLS[name]
    body = build_payload(site_.deps[name], {**spec.values, **(values or {})}, changed=spec.changed)
    return (client or site_.clients[who]).post(UPDATE, json=body)


def _find(node: Any, component_id: str) -> Any:
    """The props of the component with this id in a rendered layout (JSON)."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props
        for value in node.values():
            found = _find(value, component_id)
            if found is not None:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _find(value, component_id)
            if found is not None:
                return found
    return None


def _csrf(site_, client) -> str:
    body = build_payload(
        site_.deps["update"],
        {"_pages_location.pathname": "/admin", "_pages_location.search": ""},
        changed=("_pages_location.pathname",),
    )
    props = _find(client.post(UPDATE, json=body).get_json(), "admin-csrf")
    assert props and props["data"], "the admin page carries the session's CSRF token"
    return props["data"]


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.dumps(response.get_json(), ensure_ascii=False)


def test_every_admin_callback_is_in_the_app(site):  # noqa: F811
    assert set(ADMIN_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(ADMIN_CALLS))
def test_admin_callbacks_refuse_every_other_caller_on_the_server(site, name, who):  # noqa: F811
    got = call(site, who, name).status_code
    want = 401 if who == ANONYMOUS else (200 if who == "admin" else 403)
    assert got == want or (want == 200 and got == 204), (name, who, got)


def test_non_admins_change_nothing_even_with_a_valid_csrf_token(site):  # noqa: F811
    before = admin.list_users(site.engine)
    for who in ("exec", "manager", "finance"):
        token = _csrf(site, site.clients["admin"])  # a token cannot open the door either
        got = call(site, who, "admin_user_action", {"admin-csrf.data": token})
        assert got.status_code == 403
    assert admin.list_users(site.engine) == before


def test_actions_without_the_sessions_csrf_token_change_nothing(site):  # noqa: F811
    before = (admin.list_users(site.engine), admin.list_tokens(site.engine))
    for token in (None, "forged"):
        got = _text(call(site, "admin", "admin_user_action", {"admin-csrf.data": token}))
        assert "CSRF" in got
        got = _text(call(site, "admin", "admin_token_action", {"admin-csrf.data": token}))
        assert "CSRF" in got
    assert (admin.list_users(site.engine), admin.list_tokens(site.engine)) == before


def test_created_user_signs_in_and_is_signed_out_at_once_when_deactivated(site):  # noqa: F811
    boss = site.clients["admin"]
    csrf = _csrf(site, boss)
    got = _text(
        call(
            site,
            "admin",
            "admin_user_action",
            {"admin-user-name.value": "web.user", "admin-csrf.data": csrf},
        )
    )
    props = _find(json.loads(got), "admin-user-password")
    password = props["children"]
    assert len(password) >= 8

    person = site.app.server.test_client()
    assert sign_in(person, "web.user", password).status_code == 302
    assert person.get("/").status_code == 200

    values = {
        "admin-user-create.n_clicks": None,
        "admin-user-deactivate.n_clicks": 1,
        "admin-user-name.value": "web.user",
        "admin-csrf.data": csrf,
    }
    spec = ADMIN_CALLS["admin_user_action"]
    body = build_payload(
        site.deps["admin_user_action"],
        {**spec.values, **values},
        changed=("admin-user-deactivate.n_clicks",),
    )
    assert "web.user" in _text(boss.post(UPDATE, json=body))
    # The open session is refused at its very next request (page and callback alike).
    got = person.get("/")
    assert got.status_code == 302 and "/login" in got.headers["Location"]
    assert call(site, None, "render_admin_users", client=person).status_code == 401
    log = admin.audit_log(site.engine, what="web.user")
    assert [(r["action"], r["actor"]) for r in log] == [
        ("deactivate", "admin"),
        ("create", "admin"),
    ] or {r["action"] for r in log} == {"deactivate", "create"}


def test_token_created_through_the_page_is_shown_once_and_revoked(site):  # noqa: F811
    boss = site.clients["admin"]
    csrf = _csrf(site, boss)
    got = _text(
        call(
            site,
            "admin",
            "admin_token_action",
            {"admin-token-name.value": "web-token", "admin-csrf.data": csrf},
        )
    )
    secret = _find(json.loads(got), "admin-token-secret")["children"]
    assert users.check_token(site.engine, secret, now=datetime.now(UTC)) == "web-token"
    body = build_payload(
        site.deps["admin_token_action"],
        {
            **ADMIN_CALLS["admin_token_action"].values,
            "admin-token-create.n_clicks": None,
            "admin-token-revoke.n_clicks": 1,
            "admin-token-name.value": "web-token",
            "admin-csrf.data": csrf,
        },
        changed=("admin-token-revoke.n_clicks",),
    )
    assert "web-token" in _text(boss.post(UPDATE, json=body))
    assert [
        t["revoked_at"] is not None
        for t in admin.list_tokens(site.engine)
        if t["name"] == "web-token"
    ] == [True]
    audit = _text(call(site, "admin", "render_admin_audit", {"admin-audit-what.value": "token"}))
    # The admin reads Chinese: the action in words (吊销), the token's name as stored.
    assert "web-token" in audit and t_("audit.action.revoke", "zh") in audit
    export = call(site, "admin", "export_admin_audit", {"admin-audit-what.value": "web-token"})
    content = export.get_json()["response"]["admin-audit-download"]["data"]["content"]
    # The page's CSV is headed and worded as its grid, in the admin's language.
    header = ",".join(t_(f"admin.col.{k}", "zh") for k in ("at", "actor", "trail"))
    assert content.lstrip("\ufeff").splitlines()[0].startswith(header)
    assert "web-token" in content and t_("audit.action.revoke", "zh") in content


def test_bad_audit_date_is_refused_naming_the_field(site):  # noqa: F811
    got = _text(call(site, "admin", "render_admin_audit", {"admin-audit-since.value": "27/11"}))
    assert "since" in got and "YYYY-MM-DD" in got

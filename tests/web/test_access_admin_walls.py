"""The admin console's wall links tab (issue 20) × every caller: only admin lists, creates and
revokes (the others get 403 from the server, anonymous 401), nothing changes without the
session's CSRF token, and a link created through the page opens the wall until it is revoked
through the page: the open wall is blanked at its next request and the link refused at once.
Also the users tab's "last sign-in" and the token tab's scope."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from test_access import (  # the shared site of the access tests (same folder)
    ANONYMOUS,
    CALLERS,
    REGION_A,
    UPDATE,
    Call,
    build_payload,
    site,  # noqa: F401  (fixture)
)
from test_access_admin import _csrf, _find, _text

from dashboard.services import admin, users

ADMIN = ("admin",)

WALL_CALLS: dict[str, Call] = {
    "render_admin_walls": Call({"admin-walls-refresh.data": 0}, ADMIN),
    # Without the session's CSRF token (the matrix sends none) an action changes nothing.
    "admin_wall_action": Call(
        {
            "admin-wall-create.n_clicks": 1,
            "admin-wall-revoke.n_clicks": None,
            "admin-wall-name.value": "matrix-wall",
            "admin-wall-views.value": ["national"],
            "admin-wall-regions.value": [],
            "admin-wall-expires.value": "1d",
            "admin-csrf.data": None,
            "admin-walls-refresh.data": 0,
        },
        ADMIN,
        changed=("admin-wall-create.n_clicks",),
    ),
}
AREA_CALLBACKS = tuple(WALL_CALLS)


def call(site_, who, name: str, values: Mapping[str, Any] | None = None, changed=None, client=None):
    spec = WALL_CALLS[name]
    body = build_payload(
        site_.deps[name], {**spec.values, **(values or {})}, changed=changed or spec.changed
    )
    return (client or site_.clients[who]).post(UPDATE, json=body)


def _revoke(site_, name: str, csrf: str):
    return call(
        site_,
        "admin",
        "admin_wall_action",
        {
            "admin-wall-create.n_clicks": None,
            "admin-wall-revoke.n_clicks": 1,
            "admin-wall-name.value": name,
            "admin-csrf.data": csrf,
        },
        changed=("admin-wall-revoke.n_clicks",),
    )


def _links(site_) -> dict[str, str]:
    return {r["name"]: r["status"] for r in admin.list_wall_links(site_.engine, now=_now())}


def _now() -> datetime:
    return datetime.now(UTC)


def test_every_wall_links_callback_is_in_the_app(site):  # noqa: F811
    assert set(WALL_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(WALL_CALLS))
def test_wall_link_callbacks_refuse_every_other_caller_on_the_server(site, name, who):  # noqa: F811
    got = call(site, who, name).status_code
    want = 401 if who == ANONYMOUS else (200 if who == "admin" else 403)
    assert got == want or (want == 200 and got == 204), (name, who, got)


def test_non_admins_create_and_revoke_nothing_even_with_a_valid_csrf_token(site):  # noqa: F811
    before = _links(site)
    token = _csrf(site, site.clients["admin"])
    for who in ("exec", "manager", "finance"):
        assert call(site, who, "admin_wall_action", {"admin-csrf.data": token}).status_code == 403
    assert _links(site) == before


def test_wall_actions_without_the_sessions_csrf_token_change_nothing(site):  # noqa: F811
    before = _links(site)
    for token in (None, "forged"):
        assert "CSRF" in _text(call(site, "admin", "admin_wall_action", {"admin-csrf.data": token}))
    assert _links(site) == before


def test_link_created_on_the_page_opens_the_wall_until_revoked_on_the_page(site):  # noqa: F811
    csrf = _csrf(site, site.clients["admin"])
    views = [f"region:{REGION_A}", "national"]
    got = _text(
        call(
            site,
            "admin",
            "admin_wall_action",
            {
                "admin-wall-name.value": "reception",
                "admin-wall-views.value": views,
                "admin-wall-regions.value": [REGION_A],
                "admin-csrf.data": csrf,
            },
        )
    )
    url = _find(json.loads(got), "admin-wall-url")["children"]
    assert "/wall/link/wl_" in url
    listed = {r["name"]: r for r in admin.list_wall_links(site.engine, now=_now())}
    assert listed["reception"]["status"] == "live" and listed["reception"]["views"] == views
    assert listed["reception"]["regions"] == [REGION_A]
    assert listed["reception"]["created_by"] == "admin"
    grid = _text(call(site, "admin", "render_admin_walls"))
    assert "reception" in grid and "→" in grid and ("有效" in grid or "live" in grid)

    kiosk = site.app.server.test_client()
    opened = kiosk.get("/wall/link/" + url.rsplit("/", 1)[1])
    assert opened.status_code == 302 and "rotate=" in opened.headers["Location"]
    refresh = build_payload(
        site.deps["update_wall_panels"],
        {
            "wall-refresh.n_intervals": 1,
            "wall-view.data": "national",
            "wall-config.data": {"lang": "en", "privacy": False},
        },
        changed=("wall-refresh.n_intervals",),
    )
    live = kiosk.post(UPDATE, json=refresh).get_json()["response"]
    assert live["wall-revoked"]["hidden"] is True
    assert _links(site)["reception"] == "live"

    revoked = _text(_revoke(site, "reception", csrf))
    assert "reception" in revoked and "已吊销" in revoked
    assert _links(site)["reception"] == "revoked"
    # At once: the open wall's very next request is blanked, the link refused.
    blank = kiosk.post(UPDATE, json=refresh).get_json()["response"]
    assert blank["wall-revoked"]["hidden"] is False
    assert (
        site.app.server.test_client().get("/wall/link/" + url.rsplit("/", 1)[1]).status_code == 403
    )
    log = admin.audit_log(site.engine, what="reception")
    assert {(r["action"], r["actor"]) for r in log} == {("create", "admin"), ("revoke", "admin")}
    again = _text(_revoke(site, "reception", csrf))
    assert "no live wall link named" in again


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"admin-wall-name.value": "bad name!"}, "name"),
        ({"admin-wall-name.value": "w1", "admin-wall-views.value": []}, "views"),
        ({"admin-wall-name.value": "w2", "admin-wall-expires.value": "soon"}, "expires"),
        ({"admin-wall-name.value": "w3", "admin-wall-views.value": ["region:nowhere"]}, "region"),
    ],
)
def test_bad_wall_link_input_is_refused_naming_the_field(site, values, field):  # noqa: F811
    csrf = _csrf(site, site.clients["admin"])
    before = _links(site)
    got = _text(call(site, "admin", "admin_wall_action", {**values, "admin-csrf.data": csrf}))
    assert f"{field}:" in got
    assert _links(site) == before


def test_users_tab_shows_the_last_sign_in_and_tokens_tab_the_scope(site):  # noqa: F811
    # Every role of the site signed in through /login when the site was built.
    listed = {u["name"]: u for u in admin.list_users(site.engine)}
    assert all(listed[n]["last_sign_in_at"] is not None for n in ("admin", "exec"))
    got = _text(
        site.clients["admin"].post(
            UPDATE,
            json=build_payload(
                site.deps["render_admin_users"],
                {"admin-users-refresh.data": 0},
            ),
        )
    )
    assert "Last sign-in" in got or "最近登录" in got
    csrf = _csrf(site, site.clients["admin"])
    body = build_payload(
        site.deps["admin_token_action"],
        {
            "admin-token-create.n_clicks": 1,
            "admin-token-revoke.n_clicks": None,
            "admin-token-name.value": "bi-export",
            "admin-token-scope.value": "read",
            "admin-csrf.data": csrf,
            "admin-tokens-refresh.data": 0,
        },
        changed=("admin-token-create.n_clicks",),
    )
    secret = _find(
        json.loads(_text(site.clients["admin"].post(UPDATE, json=body))), "admin-token-secret"
    )
    assert users.check_scoped_token(site.engine, secret["children"], now=_now()) == (
        "bi-export",
        "read",
    )
    assert {t["name"]: t["scope"] for t in admin.list_tokens(site.engine)}["bi-export"] == "read"

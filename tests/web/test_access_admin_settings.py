"""The settings tab of /admin (issue 20) × every caller: only admin runs its callbacks (the
others get 403 from the server, anonymous 401), a change needs the session's CSRF token, and a
change through the page is validated (the error names the key and its range), saved with its
reason, listed in the tab's history and the audit tab, sets off the rejudge, and can be reset."""

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
from test_access_admin import _csrf, _find

from dashboard.services import background
from dashboard.services import settings as rule_settings
from data_access import judge as judge_store

ADMIN = ("admin",)

SETTINGS_CALLS: dict[str, Call] = {
    "render_admin_settings": Call({"admin-settings-refresh.data": 0}, ADMIN),
    "show_admin_setting": Call(
        {"admin-settings-key.value": "meal_cap_cny", "admin-settings-refresh.data": 0}, ADMIN
    ),
    # Without the session's CSRF token (the matrix sends none) an action changes nothing.
    "admin_setting_action": Call(
        {
            "admin-settings-save.n_clicks": 1,
            "admin-settings-key.value": "meal_cap_cny",
            "admin-settings-value.value": 170,
            "admin-settings-choice.value": None,
            "admin-settings-reason.value": "matrix",
            "admin-csrf.data": None,
            "admin-settings-refresh.data": 0,
        },
        ADMIN,
        changed=("admin-settings-save.n_clicks",),
    ),
}
AREA_CALLBACKS = tuple(SETTINGS_CALLS)


def call(site_, who, name: str, values: Mapping[str, Any] | None = None, changed=None):
    spec = SETTINGS_CALLS[name]
    body = build_payload(
        site_.deps[name],
        {**spec.values, **(values or {})},
        changed=spec.changed if changed is None else changed,
    )
    return site_.clients[who].post(UPDATE, json=body)


def _out(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def _text(response) -> str:
    return json.dumps(_out(response), ensure_ascii=False)


@pytest.fixture
def clean_settings(site):  # noqa: F811
    """The module's site is shared: put every setting this file changes back afterwards."""
    yield
    # A change through the page asked this process's background work for a pass: let it end.
    background.runner.wait_idle(str(site.engine.url))
    for key, info in rule_settings.current_values(site.engine).items():
        if info["overridden"]:
            rule_settings.reset_setting(
                site.engine, key, actor="test", now=_now(), reason="test cleanup"
            )


def _now() -> datetime:
    return datetime.now(UTC)


def test_every_settings_callback_is_in_the_app(site):  # noqa: F811
    assert set(SETTINGS_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(SETTINGS_CALLS))
def test_settings_callbacks_refuse_every_other_caller_on_the_server(site, name, who):  # noqa: F811
    got = call(site, who, name).status_code
    want = 401 if who == ANONYMOUS else (200 if who == "admin" else 403)
    assert got == want, (name, who, got)


def test_non_admins_change_nothing_even_with_a_valid_csrf_token(site, clean_settings):  # noqa: F811
    before = rule_settings.audit_log(site.engine)
    token = _csrf(site, site.clients["admin"])
    for who in ("exec", "manager", "finance"):
        got = call(site, who, "admin_setting_action", {"admin-csrf.data": token})
        assert got.status_code == 403
    assert rule_settings.audit_log(site.engine) == before


def test_a_change_without_the_sessions_csrf_token_changes_nothing(site, clean_settings):  # noqa: F811
    before = rule_settings.audit_log(site.engine)
    for token in (None, "forged"):
        got = _text(call(site, "admin", "admin_setting_action", {"admin-csrf.data": token}))
        assert "CSRF" in got and "admin-settings-refused" in got
    assert rule_settings.audit_log(site.engine) == before


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"admin-settings-value.value": 5_000_000}, "meal_cap_cny: 5000000.0 is outside 0..1e+06"),
        ({"admin-settings-value.value": None}, "meal_cap_cny: enter a number in 0..1e+06"),
        ({"admin-settings-reason.value": "  "}, "reason: say why the setting changes"),
        (
            {"admin-settings-key.value": "precision_exec", "admin-settings-choice.value": "5m"},
            "precision_exec: '5m' is not one of exact, 100m, 1km",
        ),
        ({"admin-settings-key.value": None}, "setting: None is not a known setting"),
    ],
)
def test_a_bad_change_shows_its_error_naming_the_key(site, clean_settings, values, message):  # noqa: F811
    token = _csrf(site, site.clients["admin"])
    out = _out(call(site, "admin", "admin_setting_action", {"admin-csrf.data": token, **values}))
    assert message in json.dumps(out["admin-settings-result"], ensure_ascii=False)
    assert "admin-settings-refresh" not in out  # nothing to refresh
    assert "admin-settings-reason" not in out  # what was typed stays to be corrected
    assert not any(v["overridden"] for v in rule_settings.current_values(site.engine).values())


def test_admin_changes_a_setting_sees_it_in_the_history_and_audit_and_resets_it(
    site,  # noqa: F811
    clean_settings,
):
    token = _csrf(site, site.clients["admin"])
    values = {
        "admin-csrf.data": token,
        "admin-settings-key.value": "min_dwell_s",
        "admin-settings-value.value": 240,
        "admin-settings-reason.value": "门店拜访更短 shorter store visits",
    }
    out = _out(call(site, "admin", "admin_setting_action", values))
    saved = json.dumps(out["admin-settings-result"], ensure_ascii=False)
    assert "最短有效拜访时长:300 s → 240 s" in saved and "代表日排入重新判定" in saved
    assert out["admin-settings-refresh"]["data"] == 1
    assert out["admin-settings-reason"]["value"] == ""  # the next change needs its own
    assert rule_settings.load_configs(site.engine)[0].min_dwell_s == 240.0
    # The page asked the background work for a pass: every rep-day is judged again with it.
    background.runner.wait_idle(str(site.engine.url))
    with site.engine.connect() as conn:
        assert judge_store.pending_work(conn) == {"dirty": False, "unjudged": False}

    shown = _out(
        call(site, "admin", "show_admin_setting", {"admin-settings-key.value": "min_dwell_s"})
    )
    assert shown["admin-settings-value"]["value"] == 240.0
    assert (shown["admin-settings-value"]["min"], shown["admin-settings-value"]["max"]) == (
        0.0,
        86400.0,
    )
    history = json.dumps(shown["admin-settings-history"], ensure_ascii=False)
    assert "admin:300 s (默认) → 240 s · 原因:门店拜访更短 shorter store visits" in history
    table = _text(call(site, "admin", "render_admin_settings"))
    assert "已修改" in table and "admin-settings-value-min_dwell_s" in table

    audit = _out(
        call_admin_audit(site, {"admin-audit-what.value": "min_dwell_s"}),
    )
    assert "门店拜访更短" in json.dumps(audit, ensure_ascii=False)

    reset = {**values, "admin-settings-reason.value": "trial over"}
    out = _out(
        call(
            site,
            "admin",
            "admin_setting_action",
            {**reset, "admin-settings-save.n_clicks": None, "admin-settings-reset.n_clicks": 1},
            changed=("admin-settings-reset.n_clicks",),
        )
    )
    assert "240 s → 300 s" in json.dumps(out["admin-settings-result"], ensure_ascii=False)
    info = rule_settings.current_values(site.engine)["min_dwell_s"]
    assert (info["value"], info["overridden"]) == (300.0, False)
    notes = [r["note"] for r in rule_settings.audit_log(site.engine, keys=["min_dwell_s"])]
    assert notes == ["trial over", "门店拜访更短 shorter store visits"]


def test_a_choice_setting_is_saved_from_its_dropdown(site, clean_settings):  # noqa: F811
    token = _csrf(site, site.clients["admin"])
    shown = _out(
        call(site, "admin", "show_admin_setting", {"admin-settings-key.value": "precision_exec"})
    )
    assert shown["admin-settings-choice"]["value"] == "100m"
    assert shown["admin-settings-value-box"]["style"] == {"display": "none"}
    values = {
        "admin-csrf.data": token,
        "admin-settings-key.value": "precision_exec",
        "admin-settings-value.value": None,
        "admin-settings-choice.value": "1km",
        "admin-settings-reason.value": "works council",
    }
    out = _out(call(site, "admin", "admin_setting_action", values))
    assert "约 100 米 → 约 1 公里" in json.dumps(out["admin-settings-result"], ensure_ascii=False)
    assert rule_settings.current_values(site.engine)["precision_exec"]["value"] == "1km"


def call_admin_audit(site_, values):
    from test_access_admin import call as admin_call

    return admin_call(site_, "admin", "render_admin_audit", values)


def test_the_page_carries_the_tab(site):  # noqa: F811
    body = build_payload(
        site.deps["update"],
        {"_pages_location.pathname": "/admin", "_pages_location.search": ""},
        changed=("_pages_location.pathname",),
    )
    page = site.clients["admin"].post(UPDATE, json=body).get_json()
    assert _find(page, "admin-settings-key") is not None
    assert _find(page, "admin-settings-refresh")["data"] == 0

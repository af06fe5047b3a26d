"""The settings tab of /admin in a real browser on the demo company (issue 20): an admin picks a
setting, a value out of its range is refused with an error naming the key and the range, a
good value with a reason is saved, shown changed in its section's table and listed in the
tab's history and the audit tab; the tab speaks only the viewer's language (the setting keys,
codes an admin types in the CLI, and the demo's names aside); no console error."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard.services import settings as rule_settings
from dashboard.thresholds import SETTINGS
from tests.browser.conftest import (
    WAIT,
    app_engine,
    choose_option,
    click,
    db_rows,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_text_containing,
)
from tests.browser.test_language_leak import COLLECT, _names, leaks

pytestmark = pytest.mark.browser

KEY = "max_visits_per_day"  # read by the plan suggestions at each use: no rejudge to wait for


def _data(app) -> list[str]:
    """What the tab shows that is data, not UI text: the setting keys (codes an admin types in
    the CLI), the demo's names, and the reasons given for changes; longest first."""
    notes = [r[0] for r in db_rows(app, "SELECT note FROM settings_audit") if r[0]]
    return sorted({*SETTINGS, *_names(app), *notes}, key=len, reverse=True)


def _type(dash_duo, selector: str, text: str) -> None:
    field = wait_for(dash_duo, selector)
    field.clear()
    field.send_keys(text)


def _open_settings_tab(dash_duo) -> None:
    tabs = dash_duo.find_elements("#admin-tabs .nav-link")
    click(dash_duo, next(tab for tab in tabs if tab.text == "规则设置"))
    wait_for(dash_duo, "#admin-settings-table-privacy")


def test_admin_changes_a_setting_with_a_reason_and_sees_it_in_history_and_audit(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "admin", path="/admin")
    wait_for_grid_rows(dash_duo, "admin-users", 2)
    _open_settings_tab(dash_duo)
    for section in ("authenticity", "expenses", "tracks", "customers", "plans", "privacy"):
        wait_for(dash_duo, f"#admin-settings-table-{section}")
    rows = dash_duo.find_elements(".admin-settings-table tbody tr")
    assert len(rows) == len(SETTINGS)

    # The tab in Chinese: no English word but data (keys, names, reasons).
    text = dash_duo.driver.execute_script(COLLECT)
    assert "试点结束" in text  # the demo's history of changes
    assert leaks(text, "zh", _data(demo_app)) == []

    choose_option(dash_duo, "admin-settings-key", KEY)
    wait_for_text_containing(dash_duo, "#admin-settings-in-force", "当前值 8", "范围 1 – 50")

    _type(dash_duo, "#admin-settings-value", "99")
    _type(dash_duo, "#admin-settings-reason", "旺季 peak season")
    click(dash_duo, "#admin-settings-save")
    # Out of range, the browser sends no number: the server names the key and its range.
    wait_for_text_containing(dash_duo, "#admin-settings-refused", f"{KEY}: enter a number in 1..50")
    assert rule_settings.current_values(app_engine(demo_app))[KEY]["overridden"] is False

    _type(dash_duo, "#admin-settings-value", "10")
    click(dash_duo, "#admin-settings-save")
    wait_for_text_containing(dash_duo, "#admin-settings-saved", "每日最多拜访:8 → 10")
    wait_for_text_containing(dash_duo, f"#admin-settings-value-{KEY}", "10", "已修改")
    wait_for_text_containing(
        dash_duo, "#admin-settings-changes", "admin:8 (默认) → 10 · 原因:旺季 peak season"
    )
    assert rule_settings.current_values(app_engine(demo_app))[KEY]["value"] == 10
    reason = dash_duo.find_element("#admin-settings-reason")
    until(lambda: reason.get_attribute("value") == "", WAIT, msg="the reason stayed for the next")

    tabs = dash_duo.find_elements("#admin-tabs .nav-link")
    click(dash_duo, next(tab for tab in tabs if tab.text == "审计日志"))
    wait_for_text_containing(dash_duo, "#admin-audit", KEY, "旺季 peak season")
    assert dash_duo.get_logs() == []


def test_the_settings_tab_speaks_english_to_an_english_viewer(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "admin", path="/admin")
    click(dash_duo, "#shell-lang-switch")
    wait_for_text_containing(dash_duo, "#shell-lang-switch", "中文")
    tabs = dash_duo.find_elements("#admin-tabs .nav-link")
    click(dash_duo, next(tab for tab in tabs if tab.text == "Settings"))
    wait_for_text_containing(dash_duo, "#admin-settings-table-expenses", "Meal cap", "CN¥")
    choose_option(dash_duo, "admin-settings-key", "precision_exec")
    wait_for(dash_duo, "#admin-settings-choice")
    wait_for_text_containing(dash_duo, "#admin-settings-in-force", "Current ~100 m")
    text = dash_duo.driver.execute_script(COLLECT)
    assert leaks(text, "en", _data(demo_app)) == []
    assert dash_duo.get_logs() == []

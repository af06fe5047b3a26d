"""The admin console in a real browser on the demo company: an admin creates a user (the initial
password is shown once and works), deactivates it (it can no longer sign in; the open session
refused at its next request is tested in tests/web/test_access_admin.py) and the audit tab
lists both changes; the page shows no console errors, and is in the admin's menu
only."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from components.i18n import t
from dashboard.services import users
from tests.browser.conftest import (
    WAIT,
    app_engine,
    click,
    grid_column,
    open_page,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser

USERS, AUDIT = "admin-users", "admin-audit"


def _type(dash_duo, selector: str, text: str) -> None:
    field = wait_for(dash_duo, selector)
    field.clear()
    field.send_keys(text)


def test_admin_creates_then_deactivates_a_user_and_the_audit_log_shows_it(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "admin", path="/admin")
    wait_for_grid_rows(dash_duo, USERS, 2)
    nav = [a.get_attribute("href") for a in dash_duo.find_elements(".shell-topbar .nav-link")]
    assert any(href.endswith("/admin") for href in nav)

    _type(dash_duo, "#admin-user-name", "new.person")
    click(dash_duo, "#admin-user-create")
    password = wait_for(dash_duo, "#admin-user-password").text
    assert len(password) >= 8
    until(lambda: "new.person" in grid_column(dash_duo, USERS, "name"), WAIT, msg="no new row")
    assert users.authenticate(app_engine(demo_app), "new.person", password) is not None

    click(dash_duo, "#admin-user-deactivate")
    wait_for_text_containing(dash_duo, ".admin-note", "new.person")

    def row_active() -> str:
        names = grid_column(dash_duo, USERS, "name")
        return grid_column(dash_duo, USERS, "active")[names.index("new.person")]

    until(lambda: row_active() == t("admin.no", "zh"), WAIT, msg="the user stayed active")
    assert users.authenticate(app_engine(demo_app), "new.person", password) is None

    tabs = dash_duo.find_elements("#admin-tabs .nav-link")
    click(dash_duo, tabs[2])
    wait_for_grid_rows(dash_duo, AUDIT, 2)
    actions = set(grid_column(dash_duo, AUDIT, "action"))
    assert {t("audit.action.create", "zh"), t("audit.action.deactivate", "zh")} <= actions
    assert dash_duo.get_logs() == []


def test_admin_page_is_not_in_a_managers_menu_and_refuses_them(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "manager")
    nav = [a.get_attribute("href") for a in dash_duo.find_elements(".shell-topbar .nav-link")]
    assert nav and not any(href.endswith("/admin") for href in nav)
    open_page(dash_duo, "/admin")
    wait_for(dash_duo, "#page-forbidden")
    assert not dash_duo.find_elements("#admin-user-create")
    assert dash_duo.get_logs() == []

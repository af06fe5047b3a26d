"""The admin console's organisation tab in a real browser on the demo company: an admin picks a
rep, changes the work hours with a reason, sees the new hours in the tree and the change (before
→ after, who, why) in the audit tab; a bad time is refused naming the field. No console errors."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from dash.testing.wait import until

from components.i18n import t
from tests.browser.conftest import (
    WAIT,
    app_engine,
    choose_option,
    click,
    grid_column,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser


def _type(dash_duo, selector: str, text: str) -> None:
    field = wait_for(dash_duo, selector)
    field.clear()
    field.send_keys(text)


def _open_tab(dash_duo, key: str) -> None:
    label = t(key, "zh")
    links = [a for a in dash_duo.find_elements("#admin-tabs .nav-link") if a.text == label]
    assert links, f"no tab {label}"
    click(dash_duo, links[0])


def test_admin_edits_a_reps_hours_and_sees_them_in_the_tree_and_the_audit_log(dash_duo, demo_app):
    with app_engine(demo_app).connect() as conn:
        rep = conn.execute(
            sa.text("SELECT id, work_start FROM reps WHERE active ORDER BY id LIMIT 1")
        ).one()
    sign_in_demo(dash_duo, demo_app, "admin", path="/admin")
    _open_tab(dash_duo, "admin.tab.org")
    wait_for(dash_duo, f"tr.admin-org-rep[data-rep='{rep.id}']")
    choose_option(dash_duo, "admin-org-rep", rep.id)
    until(
        lambda: dash_duo.find_element("#admin-org-start").get_attribute("value") == rep.work_start,
        WAIT,
        msg="the form was not filled from the rep",
    )
    _type(dash_duo, "#admin-org-start", "7:15")
    _type(dash_duo, "#admin-org-end", "16:45")
    _type(dash_duo, "#admin-org-reason", "换班 shift change")
    click(dash_duo, "#admin-org-save")
    wait_for_text_containing(dash_duo, "#admin-org-result", "work_start", "HH:MM")

    _type(dash_duo, "#admin-org-start", "07:15")
    click(dash_duo, "#admin-org-save")
    wait_for_text_containing(dash_duo, "#admin-org-result", rep.id, "07:15-16:45")
    wait_for_text_containing(
        dash_duo, f"tr.admin-org-rep[data-rep='{rep.id}'] .admin-org-hours", "07:15–16:45"
    )

    _open_tab(dash_duo, "admin.tab.audit")
    _type(dash_duo, "#admin-audit-what", rep.id + "\n")
    wait_for_grid_rows(dash_duo, "admin-audit", 1)
    until(
        lambda: "admin work_hours" in grid_column(dash_duo, "admin-audit", "action"),
        WAIT,
        msg="the audit log does not show the change",
    )
    assert "07:15-16:45" in grid_column(dash_duo, "admin-audit", "after")
    assert dash_duo.get_logs() == []

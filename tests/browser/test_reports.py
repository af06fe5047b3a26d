"""The reports page in a real browser on the demo company: a weekly report loads its tiles,
charts and grids with no console errors, and an empty period says where the latest data is,
with a link that opens that period's report."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    DEMO_TO,
    click,
    count_in,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser


def test_weekly_report_shows_tiles_charts_and_tables_with_titled_axes(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "manager", path=f"/reports?kind=weekly&date={DEMO_TO}")
    assert count_in(dash_duo, "#reports-kpi-visits") > 0
    wait_for_text_containing(dash_duo, "#reports-heading", "周报")
    wait_for_grid_rows(dash_duo, "reports-teams", 1)
    wait_for_grid_rows(dash_duo, "reports-reps", 2)
    wait_for_text_containing(dash_duo, "#reports-trend .g-ytitle", "有效拜访率")
    wait_for_text_containing(dash_duo, "#reports-ranked .g-xtitle", "%")
    # One y-axis per chart: no second (overlaying) axis anywhere.
    assert not dash_duo.find_elements("#reports-trend .g-y2title")
    wait_for(dash_duo, "#reports-exceptions-lists")
    assert dash_duo.get_logs() == []


def test_an_empty_period_links_to_the_latest_date_with_visits(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "exec", path="/reports?kind=daily&date=2027-01-05")
    wait_for_text_containing(dash_duo, "#reports-notice-empty", DEMO_TO)
    click(dash_duo, "#reports-notice-link")
    wait_for_text_containing(dash_duo, "#reports-heading", DEMO_TO)
    assert count_in(dash_duo, "#reports-kpi-visits") > 0
    assert dash_duo.get_logs() == []

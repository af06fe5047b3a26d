"""The /plans page in a real browser on the demo company: heatmaps and the worst rep-days load
with no console errors, a row opens the rep-day's detail (stops with status, map with its
layers), and its replay link opens the replay with the plan vs actual panel."""

from __future__ import annotations

import pytest

from components.i18n import t
from tests.browser.conftest import (
    DEMO_PERIOD,
    click,
    click_grid_row,
    grid_column,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser

GRID = "plans-rep-days"


def test_plans_page_shows_worst_rep_days_and_a_rep_day_in_detail(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "manager", path=f"/plans?{DEMO_PERIOD}")
    wait_for_grid_rows(dash_duo, GRID, 2)
    wait_for(dash_duo, "#plans-heat-adherence .heatmaplayer, #plans-heat-adherence .hm")
    wait_for(dash_duo, "#plans-heat-efficiency .main-svg")
    assert dash_duo.get_logs() == []

    click_grid_row(dash_duo, GRID, 0)
    wait_for(dash_duo, "#plans-detail .plans-figures")
    wait_for(dash_duo, "#plans-detail .leaflet-container")
    statuses = {t(f"plans.status.{s}", "zh") for s in ("done_in_order", "done_out_of_order")}
    statuses.add(t("plans.status.missed", "zh"))
    shown = {e.text for e in dash_duo.find_elements("#plans-detail .plans-status")}
    no_plan = dash_duo.find_elements("#plans-detail .plans-stops") == []
    assert no_plan or (shown and shown <= statuses)
    layers = dash_duo.driver.find_element("css selector", "#plans-detail .leaflet-control-layers")
    assert t("plans.layer.optimal", "zh") in layers.text
    assert dash_duo.get_logs() == []

    # The worst rep-day's replay, with the plan vs actual panel.
    rep_day = grid_column(dash_duo, GRID, "date")[0]
    link = dash_duo.find_element("#plans-detail h2 a")
    click(dash_duo, link)
    wait_for_text_containing(dash_duo, "#replay-plan-actual", "km")
    assert rep_day in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []

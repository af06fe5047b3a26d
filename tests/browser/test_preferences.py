"""Language and theme: switched from the top bar, remembered per user across pages."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    DEMO_PERIOD,
    click,
    grid_css,
    open_page,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_text,
)

pytestmark = pytest.mark.browser

H1 = "#_pages_content h1"


def test_language_switch_turns_the_cockpit_english_on_every_page_and_back(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "manager", path=f"/?{DEMO_PERIOD}")
    wait_for_text(dash_duo, H1, "经营概览")
    assert dash_duo.find_element("#shell-lang-switch").text == "English"
    visits = wait_for(dash_duo, "#overview-kpi-visits").text
    assert int(visits.replace(",", "")) > 0

    click(dash_duo, "#shell-lang-switch")
    wait_for_text(dash_duo, "#shell-lang-switch", "中文")
    wait_for_text(dash_duo, H1, "Overview")
    assert "Regional manager" in dash_duo.find_element("#shell-user").text
    assert [a.text for a in dash_duo.find_elements(".shell-topbar .nav-link")] == [
        "Overview",
        "Team KPIs",
        "Customers",
        "Plans",
        "Anti-cheat centre",
        "Devices",
        "Expense audit",
        "Reports",
    ]
    # The same data, in English (the switch keeps the page and its query).
    wait_for_text(dash_duo, "#overview-kpi-visits", visits)
    assert "period=custom" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []

    # Another page, opened afresh: still English (the choice is stored with the user).
    open_page(dash_duo, f"/teams?{DEMO_PERIOD}")
    wait_for_text(dash_duo, H1, "Team KPIs")
    wait_for_text(dash_duo, "#teams-drill-title", "Teams")
    wait_for_text(dash_duo, "#filter-period", "Custom range")
    assert dash_duo.find_element(grid_css("teams-drill", "grid-export-xlsx")).text == "Export XLSX"

    # Back to Chinese, on the page the switch was pressed on.
    click(dash_duo, "#shell-lang-switch")
    wait_for_text(dash_duo, "#shell-lang-switch", "English")
    wait_for_text(dash_duo, H1, "团队绩效")
    assert (
        "/teams" in dash_duo.driver.current_url and "period=custom" in dash_duo.driver.current_url
    )
    wait_for_text(dash_duo, "#teams-drill-title", "各团队")
    assert dash_duo.get_logs() == []


def test_theme_switch_turns_the_cockpit_dark_on_every_page_and_back(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "exec")
    assert dash_duo.find_element("html").get_attribute("data-bs-theme") == "light"
    assert dash_duo.find_element("#shell-theme-switch").text == "深色"

    click(dash_duo, "#shell-theme-switch")
    wait_for(dash_duo, "html[data-bs-theme='dark']")
    wait_for_text(dash_duo, "#shell-theme-switch", "浅色")
    wait_for(dash_duo, "#overview-kpi-visits")
    assert dash_duo.get_logs() == []

    # Another page, opened afresh: still dark, and so are its grids.
    open_page(dash_duo, f"/teams?{DEMO_PERIOD}")
    assert dash_duo.find_element("html").get_attribute("data-bs-theme") == "dark"
    wait_for_grid_rows(dash_duo, "teams-drill")
    grid = dash_duo.find_element(grid_css("teams-drill"))
    assert "ag-theme-alpine-dark" in grid.get_attribute("class")

    click(dash_duo, "#shell-theme-switch")
    wait_for(dash_duo, "html[data-bs-theme='light']")
    wait_for_text(dash_duo, "#shell-theme-switch", "深色")
    assert "period=custom" in dash_duo.driver.current_url
    wait_for_grid_rows(dash_duo, "teams-drill")
    grid = dash_duo.find_element(grid_css("teams-drill"))
    assert "ag-theme-alpine-dark" not in grid.get_attribute("class")
    assert dash_duo.get_logs() == []

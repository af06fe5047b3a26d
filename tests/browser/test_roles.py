"""What each role sees: the landing page, the navigation, which pages open, the region scope.

Every page is opened here by a full page load, as a bookmark or a shared link does; the other
page sweeps (languages, phone, tablet) move between pages as the navigation's links do.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import dash
import pytest

from components.i18n import t
from tests.browser.conftest import (
    DEMO_PERIOD,
    PAGE_READY,
    ROLES,
    count_in,
    db_rows,
    dropdown_options,
    grid_column,
    open_page,
    sign_in_demo,
    wait_for,
    wait_for_text,
    wait_until_ready,
)

pytestmark = pytest.mark.browser

DRILL = "teams-drill"


def _pages() -> list[dict]:
    """The pages of the navigation, and kiosk pages (a page reached by links with path
    variables is neither)."""
    return sorted(
        (p for p in dash.page_registry.values() if p.get("nav", True) or p.get("kiosk")),
        key=lambda p: p.get("order", 99),
    )


# Pages outside the navigation, and the browser tests that cover them.
OFF_NAV_PAGES = {
    "/replay/<rep_id>/<date>": "tests/browser/test_replay.py",
    "/customers/<customer_id>": "tests/browser/test_customers.py",
    "/plans/suggest": "tests/browser/test_plan_suggest.py",
}


def test_the_page_registry_is_covered_by_these_tests(demo_app):
    assert {p["path"] for p in _pages()} == set(PAGE_READY)
    off_nav = {
        p["path_template"]
        for p in dash.page_registry.values()
        if not p.get("nav", True) and not p.get("kiosk")
    }
    assert off_nav == set(OFF_NAV_PAGES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_on_the_overview_and_opens_exactly_its_pages(dash_duo, demo_app, role):
    regions = db_rows(demo_app, "SELECT id, name FROM regions ORDER BY id")
    assert len(regions) >= 2, "the demo company needs two regions to show a manager's scope"
    sign_in_demo(dash_duo, demo_app, role)

    # Signed in through the form: the overview, with a count in the visits tile (of the real
    # clock's default period, so possibly 0) and the user's name and role in the top bar.
    assert urlsplit(dash_duo.driver.current_url).path == "/"
    wait_for_text(dash_duo, "#_pages_content h1", t("overview.title", "zh"))
    count_in(dash_duo, PAGE_READY["/"])
    user = dash_duo.find_element("#shell-user").text
    assert role in user and t(f"role.{role}", "zh") in user

    # The navigation lists exactly the pages of the role, in order.
    allowed = [p for p in _pages() if role in p["roles"] and p.get("nav", True)]
    links = dash_duo.find_elements(".shell-topbar .nav-link")
    hrefs = [link.get_attribute("pathname") for link in links]
    assert hrefs == [p["path"] for p in allowed]
    assert [link.text for link in links] == [p["title_zh"] for p in allowed]
    assert ("/data" in hrefs) == (role in ("exec", "admin"))
    assert dash_duo.get_logs() == []

    # Every other page of the registry: allowed ones render their data, others a refusal.
    for page in _pages():
        path = page["path"]
        if path == "/":
            continue  # the landing page, checked above
        if page.get("kiosk"):
            dash_duo.driver.get(f"{dash_duo.server.url}{path}")  # no top bar to wait for
        else:
            open_page(dash_duo, f"{path}?{DEMO_PERIOD}")
        if role in page["roles"]:
            wait_until_ready(dash_duo, path)
            assert not dash_duo.find_elements("#page-forbidden"), path
        else:
            forbidden = wait_for(dash_duo, "#page-forbidden")
            assert t("forbidden.title", "zh") in forbidden.text
            assert not dash_duo.find_elements("[id^='data-count-']")
        assert dash_duo.get_logs() == [], path

        if path == "/teams":
            # The region scope: the demo manager is limited to the first region
            # (create_demo_logins); every other role sees all regions, in the filter and the grid.
            scope = [regions[0].name] if role == "manager" else [r.name for r in regions]
            assert sorted(dropdown_options(dash_duo, "filter-region")) == sorted(scope)
            assert set(grid_column(dash_duo, DRILL, "region_name")) == set(scope)
            assert dash_duo.get_logs() == []

"""The suggested-plan review (/plans/suggest, issue 17) in a real browser on the demo company:
a manager gets a rep-day's suggestion (map with the numbered stops and the route, the list),
removes a stop (it moves to the left-out list with its reason, km re-timed), publishes it (the
plan is stored), with no console errors; an executive gets the forbidden page."""

from __future__ import annotations

from datetime import date

import pytest
from dash.testing.wait import until

from components.i18n import t
from dashboard.services import route_plans
from dashboard.services.users import list_region_ids
from data_access.scope import Scope
from tests.browser.conftest import (
    WAIT,
    app_engine,
    choose_option,
    click,
    db_rows,
    open_page,
    sign_in_demo,
    wait_for,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser

DAY = date(2026, 11, 30)  # the Monday after the demo's days


def _rep_with_stops(app) -> dict:
    engine = app_engine(app)
    # The demo manager sees the first region.
    scope = Scope(user="manager", region_ids=frozenset(list_region_ids(engine)[:1]))
    for rep in route_plans.reps_in_scope(engine, scope=scope):
        got = route_plans.suggest_day(engine, rep_id=rep["id"], on=DAY, scope=scope)
        if len(got["customer_ids"]) >= 2:
            return got
    raise AssertionError("no rep of the manager's region has two stops on the demo's Monday")


def _rows(dash_duo, table: str) -> list:
    return dash_duo.find_elements(f"#{table} tbody tr")


def test_a_manager_reviews_removes_a_stop_and_publishes(dash_duo, demo_app):
    want = _rep_with_stops(demo_app)
    rep, n = want["rep_id"], len(want["customer_ids"])
    path = f"/plans/suggest?rep={rep}&date={DAY.isoformat()}"
    sign_in_demo(dash_duo, demo_app, "manager", path=path)
    wait_for(dash_duo, "#plan-suggest-rep-count")
    until(
        lambda: dash_duo.find_element("#plan-suggest-rep-count").text.strip("…").isdigit(),
        WAIT,
        msg="the reps were never counted",
    )
    click(dash_duo, "#plan-suggest-suggest")
    until(lambda: len(_rows(dash_duo, "plan-suggest-table")) == n, WAIT, msg="no stop list")
    # The map: the start point, the route and one numbered marker per stop.
    until(
        lambda: len(dash_duo.find_elements("#plan-suggest-map .plan-suggest-icon")) == n,
        WAIT,
        msg="the stops are not numbered on the map",
    )
    assert dash_duo.find_elements("#plan-suggest-map path.leaflet-interactive")
    first = want["customer_ids"][0]
    choose_option(dash_duo, "plan-suggest-stop", first)
    click(dash_duo, "#plan-suggest-remove")
    until(lambda: len(_rows(dash_duo, "plan-suggest-table")) == n - 1, WAIT, msg="not removed")
    left = wait_for_text_containing(
        dash_duo, "#plan-suggest-left-out-table", t("plansug.reason.removed", "zh")
    )
    assert first in left
    wait_for_text_containing(dash_duo, "#plan-suggest-summary", f"{n - 1} 站")
    click(dash_duo, "#plan-suggest-publish")
    wait_for_text_containing(dash_duo, "#plan-suggest-result", want["id"])
    rows = db_rows(demo_app, "SELECT customer_ids FROM plans WHERE id = :i", i=want["id"])
    assert len(rows) == 1 and first not in str(rows[0].customer_ids)
    assert dash_duo.get_logs() == []


def test_an_executive_gets_the_forbidden_page(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "exec")
    open_page(dash_duo, "/plans/suggest")
    wait_for(dash_duo, "#page-forbidden")
    assert not dash_duo.find_elements("#plan-suggest-suggest")
    assert dash_duo.get_logs() == []

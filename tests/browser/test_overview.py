"""The overview page at a wall-screen size: every card visible, none drawn over another."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from dashboard.filters import Filters
from dashboard.services import kpis
from dashboard.services.users import User
from tests.browser.conftest import (
    DEMO_FROM,
    DEMO_PERIOD,
    DEMO_TO,
    app_engine,
    sign_in_demo,
    wait_for,
)

pytestmark = pytest.mark.browser

SIDE_CARDS = ("#overview-online", "#overview-alerts", "#overview-expense")
TEAM_CARDS = ("#overview-top", "#overview-bottom")


def _box(dash_duo, selector: str) -> dict[str, float]:
    """The page rectangle of the card that holds ``selector``."""
    return dash_duo.driver.execute_script(
        "const r = document.querySelector(arguments[0]).closest('.card').getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};",
        selector,
    )


def test_the_side_cards_stack_above_the_team_tables_and_show_the_alert_counts(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "exec", path=f"/?{DEMO_PERIOD}")
    dash_duo.driver.set_window_size(1920, 1080)
    wait_for(dash_duo, "#overview-alerts .badge")
    wait_for(dash_duo, "#overview-top table")

    side = [_box(dash_duo, s) for s in SIDE_CARDS]
    for upper, lower in pairwise(side):
        assert upper["bottom"] <= lower["top"], (upper, lower)  # stacked, not overlapping
    first_team_row = min(_box(dash_duo, s)["top"] for s in TEAM_CARDS)
    assert side[-1]["bottom"] <= first_team_row, "a side card runs into the team tables"

    period = Filters("custom", date.fromisoformat(DEMO_FROM), date.fromisoformat(DEMO_TO))
    exec_user = User(id=0, name="exec", role="exec", regions=())
    today = date.fromisoformat(DEMO_TO)
    counts = kpis.overview(app_engine(demo_app), exec_user, period, today=today)["alerts"]
    assert sum(counts.values()) > 0  # the demo has open alerts in the period
    shown = dash_duo.find_element("#overview-alerts").text
    for n in counts.values():
        if n:
            assert str(n) in shown
    assert dash_duo.get_logs() == []

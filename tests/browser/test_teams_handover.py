"""A rep's handover on /teams in a real browser (issue 15): at a rep's level of the drill-down a
manager sees what the rep holds, is told the reason is required, previews what moves and
confirms, with no console errors; an executive gets no handover panel."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from components.i18n import t
from tests.browser.conftest import (
    DEMO_PERIOD,
    WAIT,
    choose_option,
    click,
    db_rows,
    sign_in_demo,
    wait_for,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser

REPS_OF_EAST = (
    "SELECT r.id, r.name, r.team_id, COUNT(c.id) AS n FROM reps r "
    "JOIN teams t ON t.id = r.team_id JOIN customers c ON c.owner_rep_id = r.id "
    "WHERE r.active AND t.region_id = 'reg-east' GROUP BY r.id, r.name, r.team_id "
    "ORDER BY COUNT(c.id) DESC, r.id"
)


def test_manager_hands_a_reps_customers_over_after_a_preview(dash_duo, demo_app):
    reps = db_rows(demo_app, REPS_OF_EAST)
    leaving, receiving = reps[-1], reps[0]
    path = f"/teams?{DEMO_PERIOD}&team={leaving.team_id}&rep={leaving.id}"
    sign_in_demo(dash_duo, demo_app, "manager", path=path)
    wait_for_text_containing(dash_duo, "#teams-handover-counts", f"{leaving.n} 个客户")

    # The reason is required: refused, naming the field, and nothing opens.
    choose_option(dash_duo, "teams-handover-to", receiving.id)
    click(dash_duo, "#teams-handover-preview")
    wait_for_text_containing(dash_duo, "#teams-handover-refused", "reason:")

    wait_for(dash_duo, "#teams-handover-reason").send_keys("离职")
    click(dash_duo, "#teams-handover-preview")
    wait_for_text_containing(dash_duo, "#teams-handover-body", receiving.name)
    customers = wait_for_text_containing(
        dash_duo, "#teams-handover-customers", t("handover.customers", "zh").format(n=leaving.n)
    )
    assert customers
    click(dash_duo, "#teams-handover-yes")
    wait_for_text_containing(dash_duo, "#teams-handover-done", receiving.name)
    # The panel refreshes: the rep now holds nothing.
    wait_for_text_containing(dash_duo, "#teams-handover-counts", "0 个客户")
    owners = db_rows(
        demo_app, "SELECT COUNT(*) AS n FROM customers WHERE owner_rep_id = :r", r=leaving.id
    )
    assert owners[0].n == 0
    [history] = db_rows(
        demo_app,
        "SELECT COUNT(*) AS n FROM customer_owner_history WHERE from_rep_id = :f "
        "AND to_rep_id = :t AND source = 'handover' AND reason = '离职'",
        f=leaving.id,
        t=receiving.id,
    )
    assert history.n == leaving.n
    assert dash_duo.get_logs() == []


def test_an_executive_gets_no_handover_panel_at_a_reps_level(dash_duo, demo_app):
    rep = db_rows(demo_app, REPS_OF_EAST)[0]
    path = f"/teams?{DEMO_PERIOD}&team={rep.team_id}&rep={rep.id}"
    sign_in_demo(dash_duo, demo_app, "exec", path=path)
    wait_for(dash_duo, "#teams-handover-preview")
    until(
        lambda: dash_duo.find_elements(".ag-row"), WAIT, poll=0.1, msg="the rep's days never drew"
    )
    assert not dash_duo.find_element("#teams-handover").is_displayed()
    assert dash_duo.get_logs() == []

"""The rhythm view on the team drill-down and the overview's daily digest in a real browser on
the demo company, with no console errors: the whole scope, then one rep (from the URL) whose
due and overdue lists hold only their customers; the task completion column in the drill grid;
a manager's digest naming only their region's teams."""

from __future__ import annotations

import re

import pytest

from components.i18n import t
from tests.browser.conftest import (
    DEMO_PERIOD,
    db_rows,
    grid_column,
    open_page,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser

DUE, OVERDUE, DRILL = "teams-rhythm-due", "teams-rhythm-overdue", "teams-drill"
TITLE = "#teams-rhythm-title"
RATE = re.compile(r"^(\d{1,3}\.\d%|—)$")


def _tile(dash_duo, name: str) -> str:
    return wait_for(dash_duo, f"#teams-rhythm-{name}").text


def test_rhythm_view_of_the_scope_then_of_one_rep(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "exec", path=f"/teams?{DEMO_PERIOD}")
    wait_for_text_containing(dash_duo, TITLE, t("rhythm.scope.all", "zh"))
    wait_for_grid_rows(dash_duo, OVERDUE, 2)
    assert int(_tile(dash_duo, "overdue-count").replace(",", "")) >= 2
    assert RATE.match(_tile(dash_duo, "completion"))
    assert re.match(r"^\d+ / \d+ / \d+$", _tile(dash_duo, "tasks"))
    # The drill grid's team rows carry the task completion rate.
    wait_for_grid_rows(dash_duo, DRILL, 2)
    rates = grid_column(dash_duo, DRILL, "task_completion")
    assert rates and all(RATE.match(rate) for rate in rates)
    assert dash_duo.get_logs() == []

    # One rep: the rep with the most overdue customers; both lists hold only their customers.
    rep = db_rows(
        demo_app,
        "SELECT r.id, r.name, r.team_id FROM tasks k JOIN reps r ON r.id = k.rep_id "
        "WHERE k.status = 'open' GROUP BY r.id, r.name, r.team_id "
        "ORDER BY COUNT(*) DESC, r.id LIMIT 1",
    )[0]
    open_page(dash_duo, f"/teams?{DEMO_PERIOD}&team={rep.team_id}&rep={rep.id}")
    wait_for_text_containing(dash_duo, TITLE, rep.id)
    wait_for_grid_rows(dash_duo, OVERDUE, 1)
    owners = set(grid_column(dash_duo, OVERDUE, "owner_name"))
    due_owners = set(grid_column(dash_duo, DUE, "owner_name"))
    assert owners | due_owners == {rep.name}
    assert dash_duo.get_logs() == []


def test_a_managers_digest_names_only_their_region(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "manager", path=f"/?{DEMO_PERIOD}")
    head = wait_for_text_containing(dash_duo, "#overview-digest-overdue-a", "逾期 A 类客户")
    assert re.search(r"\d+", head)
    wait_for(dash_duo, "#overview-digest-teams")
    shown = {
        cell.text
        for cell in dash_duo.find_elements("#overview-digest-teams tbody tr td:first-child")
    }
    region = {
        row.region_id
        for row in db_rows(
            demo_app,
            "SELECT g.region_id FROM user_regions g JOIN users u ON u.id = g.user_id "
            "WHERE u.name = 'manager'",
        )
    }
    teams = {
        row.name: row.region_id for row in db_rows(demo_app, "SELECT name, region_id FROM teams")
    }
    assert shown and all(teams[name] in region for name in shown)
    for grade in ("A", "B", "C"):
        assert RATE.match(wait_for(dash_duo, f"#overview-digest-rate-{grade}").text)
    assert dash_duo.get_logs() == []

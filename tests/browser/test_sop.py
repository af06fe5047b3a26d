"""The /sop page in a real browser on the demo company: the funnel, the teams and reps, the step
timing and the visits missing required steps load from the URL's period with no console errors;
the template choice goes into the URL (``?template=``);
a manager reads the editor without its controls; an admin's editor refuses an empty step code
and saves a new version, keeping the old one in the history."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from tests.browser.conftest import (
    DEMO_PERIOD,
    WAIT,
    choose_option,
    click,
    grid_column,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_query,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser

STEP_ROWS = "#sop-editor-steps .ag-center-cols-container .ag-row"
HISTORY_ROWS = "#sop-editor-history .ag-center-cols-container .ag-row"


def _rows(dash_duo, css: str, n: int) -> list:
    until(lambda: len(dash_duo.find_elements(css)) == n, WAIT, poll=0.05, msg=f"{css} != {n}")
    return dash_duo.find_elements(css)


def test_the_page_loads_its_grids_from_the_url_and_a_manager_only_reads(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "manager", path=f"/sop?{DEMO_PERIOD}&template=sop-standard")
    wait_for_grid_rows(dash_duo, "sop-funnel", 2)
    assert set(grid_column(dash_duo, "sop-funnel", "template_id")) == {"sop-standard"}
    wait_for_grid_rows(dash_duo, "sop-reps", 1)
    wait_for_grid_rows(dash_duo, "sop-teams", 1)
    wait_for_grid_rows(dash_duo, "sop-timing", 1)
    wait_for_grid_rows(dash_duo, "sop-incomplete", 1)
    link = wait_for(dash_duo, "[col-id='replay'] a")
    assert "/replay/rep-" in link.get_attribute("href") and "?t=" in link.get_attribute("href")
    assert not dash_duo.find_element("#sop-editor-save").is_enabled()
    # Another template: into the URL (a deep link), the period kept, the grids follow it.
    choose_option(dash_duo, "sop-template", "sop-pharmacy")
    q = wait_for_query(dash_duo, lambda q: q.get("template") == "sop-pharmacy", "template")
    assert {k: q[k] for k in ("period", "from", "to")} == dict(
        part.split("=") for part in DEMO_PERIOD.split("&")
    )
    until(
        lambda: set(grid_column(dash_duo, "sop-funnel", "template_id")) == {"sop-pharmacy"},
        WAIT,
        poll=0.1,
        msg="the funnel never showed the chosen template only",
    )
    assert dash_duo.get_logs() == []


def test_admin_editor_refuses_an_empty_code_and_saves_a_new_version(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "admin", path=f"/sop?{DEMO_PERIOD}")
    wait_for_grid_rows(dash_duo, "sop-funnel", 2)
    choose_option(dash_duo, "sop-editor-pick", "sop-pharmacy")
    _rows(dash_duo, STEP_ROWS, 4)
    _rows(dash_duo, HISTORY_ROWS, 1)

    click(dash_duo, "#sop-editor-add")
    _rows(dash_duo, STEP_ROWS, 5)
    click(dash_duo, "#sop-editor-save")
    wait_for_text_containing(dash_duo, "#sop-editor-message", "steps[4].code")

    # Select the empty step and the first one, remove them: 3 steps, saved as version 2.
    rows = _rows(dash_duo, STEP_ROWS, 5)
    click(dash_duo, rows[-1].find_element("css selector", ".ag-cell"))
    click(dash_duo, "#sop-editor-remove")
    rows = _rows(dash_duo, STEP_ROWS, 4)
    click(dash_duo, rows[0].find_element("css selector", ".ag-cell"))
    click(dash_duo, "#sop-editor-remove")
    _rows(dash_duo, STEP_ROWS, 3)
    click(dash_duo, "#sop-editor-save")
    wait_for_text_containing(dash_duo, "#sop-editor-message", "版本 2")
    _rows(dash_duo, HISTORY_ROWS, 2)
    assert dash_duo.get_logs() == []

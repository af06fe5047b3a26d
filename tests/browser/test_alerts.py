"""The anti-cheat centre in a browser: open the queue, filter it, open an alert's evidence,
acknowledge it, try to dismiss it without a note, dismiss it with one, and watch the status and
the history follow; a read-only role sees evidence but no triage controls."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By

from components.i18n import t
from tests import alert_builders as ab
from tests.browser.conftest import (
    DEMO_PERIOD,
    app_engine,
    click,
    click_grid_row,
    grid_column,
    grid_css,
    press_escape,
    sign_in_demo,
    wait_for,
    wait_for_query,
    wait_for_text,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser

QUEUE = "alerts-queue"


def _action(action: str) -> str:
    return f"""[id='{{"action":"{action}","type":"alerts-action"}}']"""


NOTE = """[id='{"name":"triage","type":"alerts-note"}']"""


def _wait_rows(dash_duo, n: int) -> None:
    until(
        lambda: len(grid_column(dash_duo, QUEUE, "rule_label")) == n,
        10,
        poll=0.05,
        msg=f"the queue never showed {n} rows: {grid_column(dash_duo, QUEUE, 'rule_label')}",
    )


def _pick(dash_duo, dropdown_id: str, value: str) -> None:
    """Choose one value of a multi-value dcc.Dropdown, then close it."""
    click(dash_duo, f"#{dropdown_id}")
    option = wait_for(
        dash_duo, f".dash-dropdown-content [role=option] input[value='{value}']"
    ).find_element(By.XPATH, "ancestor::*[@role='option']")
    click(dash_duo, option)
    press_escape(dash_duo)


def test_manager_filters_opens_evidence_acknowledges_and_dismisses_with_a_note(dash_duo, demo_app):
    engine = app_engine(demo_app)
    rows = ab.demo_alerts(engine, only_these=True)
    mine = [r for name, r in rows.items() if name != "other_region"]
    geofence = rows["geofence"]
    sign_in_demo(dash_duo, demo_app, "manager", path=f"/alerts?{DEMO_PERIOD}")

    # the queue holds the manager's region only
    _wait_rows(dash_duo, len(mine))
    wait_for_text(dash_duo, "#alerts-count-total", str(len(mine)))

    # filter by rule: the URL and the grid follow
    _pick(dash_duo, "alerts-rule", "GEOFENCE_MISS")
    wait_for_query(dash_duo, lambda q: q.get("rule") == "GEOFENCE_MISS", "rule=GEOFENCE_MISS")
    _wait_rows(dash_duo, 1)
    assert grid_column(dash_duo, QUEUE, "rule_label") == [t("rule.GEOFENCE_MISS.name", "zh")]
    wait_for_text(dash_duo, "#alerts-count-total", "1")

    # open the evidence
    click_grid_row(dash_duo, QUEUE, 0)
    wait_for_text(dash_duo, "#alerts-rule-desc", t("rule.GEOFENCE_MISS.desc", "zh"))
    wait_for(dash_duo, "#alerts-map .leaflet-tile-loaded")
    assert dash_duo.find_elements("#alerts-map path.leaflet-interactive"), "no geofence drawn"
    wait_for_text_containing(dash_duo, "#alerts-ev-distance_m", "4")
    replay = dash_duo.find_element("#alerts-replay-link").get_attribute("href")
    assert f"/replay/{geofence['rep_id']}/{geofence['local_date'].isoformat()}?t=" in replay
    wait_for_text(dash_duo, "#alerts-evidence-status", t("alerts.status.open", "zh"))

    # acknowledge
    click(dash_duo, _action("acknowledge"))
    wait_for_text(dash_duo, "#alerts-evidence-status", t("alerts.status.acknowledged", "zh"))

    # dismiss without a note: a clear error, nothing changes
    click(dash_duo, _action("dismiss"))
    wait_for_text(dash_duo, "#alerts-triage-error", t("alerts.error.note_required", "zh"))
    assert ab.status_of(engine, geofence["id"]) == ("acknowledged", None)

    # dismiss with a note
    dash_duo.find_element(NOTE).send_keys("商场内定位漂移,已电话核实")
    click(dash_duo, _action("dismiss"))
    wait_for_text(dash_duo, "#alerts-evidence-status", t("alerts.status.dismissed", "zh"))
    wait_for_text_containing(
        dash_duo,
        "#alerts-history-list li:nth-child(2)",
        "商场内定位漂移,已电话核实",
        t("alerts.action.dismiss", "zh"),
    )
    assert len(dash_duo.find_elements("#alerts-history-list li")) == 2
    dismissed = t("alerts.status.dismissed", "zh")
    until(lambda: grid_column(dash_duo, QUEUE, "status_label") == [dismissed], 10, poll=0.05)
    assert dash_duo.find_element(NOTE).get_attribute("value") == ""

    assert ab.status_of(engine, geofence["id"]) == ("dismissed", None)
    events = ab.events_of(engine, geofence["id"])
    assert [(e["actor"], e["action"]) for e in events] == [
        ("manager", "acknowledge"),
        ("manager", "dismiss"),
    ]
    assert events[1]["note"] == "商场内定位漂移,已电话核实"
    assert dash_duo.get_logs() == []


def test_exec_sees_the_photo_pair_and_the_rep_view_but_no_triage_controls(dash_duo, demo_app):
    rows = ab.demo_alerts(app_engine(demo_app), only_these=True)
    reuse = rows["reuse"]
    sign_in_demo(
        dash_duo,
        demo_app,
        "exec",
        path=f"/alerts?{DEMO_PERIOD}&rule=PHOTO_REUSE&rep={reuse['rep_id']}",
    )
    _wait_rows(dash_duo, 1)
    wait_for(dash_duo, "#alerts-read-only")
    assert not dash_duo.find_elements("#alerts-triage-card")

    click_grid_row(dash_duo, QUEUE, 0)
    wait_for_text_containing(
        dash_duo,
        "#alerts-photo-pair",
        reuse["evidence"]["photo_id"],
        reuse["evidence"]["matched_photo_id"],
    )
    wait_for_text_containing(dash_duo, "#alerts-ev-hamming", "/ 64")

    # the rep view of the rep named in the URL
    wait_for(dash_duo, "#alerts-rep-title")
    wait_for(dash_duo, "#alerts-rep-severity .main-svg")
    assert dash_duo.find_elements(f"{grid_css(QUEUE)} .ag-row")
    assert dash_duo.get_logs() == []

"""The replay page in a real browser: the player animates a demo rep-day on its own (no server
round-trip per frame), follows speed, timeline clicks, the next anomaly and day navigation."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
import sqlalchemy as sa
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from components.replay import clock
from dashboard.services import replay as svc
from dashboard.services.users import User
from data_access import schema
from tests.browser.conftest import (
    app_engine,
    click,
    db_rows,
    open_page,
    sign_in_demo,
    text_of,
    wait_for,
    wait_for_text,
)

pytestmark = pytest.mark.browser

EXEC = User(id=0, name="exec", role="exec", regions=())
MARKER = ".leaflet-replay-marker-pane-pane path"
CLOCK = "#replay-clock"


def _busiest_day(app, region: str = "reg-east") -> tuple[str, str]:
    """The latest rep-day with visits of a rep of ``region`` (the demo manager's region)."""
    row = db_rows(
        app,
        "SELECT d.rep_id, d.local_date FROM rep_days d JOIN reps r ON r.id = d.rep_id "
        "JOIN teams t ON t.id = r.team_id WHERE d.visits > 0 AND t.region_id = :g "
        "ORDER BY d.local_date DESC, d.fixes DESC, d.rep_id LIMIT 1",
        g=region,
    )[0]
    return row.rep_id, str(row.local_date)[:10]


def _seconds(text: str | None) -> int:
    h, m, s = (int(x) for x in (text or "").split(":"))
    return h * 3600 + m * 60 + s


def _wait_ready(dash_duo) -> str:
    until(
        lambda: ":" in (text_of(dash_duo, CLOCK) or ""), 15, poll=0.05, msg="player never started"
    )
    wait_for(dash_duo, "#replay-timeline .barlayer .trace")
    return text_of(dash_duo, CLOCK)


def _marker_path(dash_duo) -> str:
    return dash_duo.find_element(MARKER).get_attribute("d")


def _choose_speed(dash_duo, speed: int) -> None:
    label = dash_duo.driver.find_element(
        By.XPATH, f"//*[@id='replay-speed']//label[normalize-space()='{speed}×']"
    )
    click(dash_duo, label)
    until(
        lambda: (text_of(dash_duo, "#replay-speed-now") or "").endswith(f" {speed}×"),
        5,
        poll=0.05,
    )


def _clock_advance(dash_duo, wait_s: float) -> int:
    before = _seconds(text_of(dash_duo, CLOCK))
    time.sleep(wait_s)
    return _seconds(text_of(dash_duo, CLOCK)) - before


def test_play_moves_the_marker_speed_changes_pace_and_a_timeline_click_jumps(dash_duo, demo_app):
    rep, day = _busiest_day(demo_app)
    payload = svc.replay_day(app_engine(demo_app), EXEC, rep, day)
    trips = payload["trips"]
    assert trips, "the demo rep-day has no trip to click"
    sign_in_demo(dash_duo, demo_app, "exec", path=f"/replay/{rep}/{day}?t=10:00")

    # The drill-down's ?t= is where the player starts.
    assert _wait_ready(dash_duo) == "10:00:00"

    # Click the longest trip on the timeline: the player jumps to its start.
    lanes = [lane for lane in ("visits", "stops", "trips", "gaps") if payload[lane]]
    k = max(range(len(trips)), key=lambda i: trips[i]["end"] - trips[i]["start"])
    bar = dash_duo.find_elements("#replay-timeline .barlayer .trace")[lanes.index("trips")]
    target = bar.find_elements(By.CSS_SELECTOR, ".point path")[k]
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", target
    )
    # Plotly's drag layer lies over the bars: click the point on the screen, as a user does.
    ActionChains(dash_duo.driver).move_to_element(target).click().perform()
    wait_for_text(dash_duo, CLOCK, clock(trips[k]["start"], payload["clock"]))
    assert (
        int(dash_duo.find_element("#replay-scrubber [role=slider]").get_attribute("aria-valuenow"))
        == trips[k]["start"]
    )

    # Play: the marker moves along the trip and the clock runs.
    start_path = _marker_path(dash_duo)
    _choose_speed(dash_duo, 60)
    click(dash_duo, "#replay-play")
    until(lambda: _marker_path(dash_duo) != start_path, 10, poll=0.1, msg="marker never moved")
    assert _seconds(text_of(dash_duo, CLOCK)) > trips[k]["start"]

    # Speed: 60x runs a minute of the day per second, 1x a second.
    assert _clock_advance(dash_duo, 2.0) >= 30
    _choose_speed(dash_duo, 1)
    assert 0 <= _clock_advance(dash_duo, 2.0) <= 10

    # Pause stops the clock.
    click(dash_duo, "#replay-play")
    time.sleep(0.3)
    assert _clock_advance(dash_duo, 1.0) == 0
    assert dash_duo.get_logs() == []


def test_next_anomaly_jumps_to_the_next_alert_of_the_day(dash_duo, demo_app):
    rep, day = _busiest_day(demo_app)
    at = datetime.fromisoformat(f"{day}T14:05:30+08:00")
    with app_engine(demo_app).begin() as conn:
        conn.execute(
            sa.insert(schema.alerts).values(
                id=f"SIGNAL_GAP:{rep}:test",
                rule="SIGNAL_GAP",
                severity="medium",
                rep_id=rep,
                ts=at,
                local_date=at.date(),
                summary="no fix for 42 min (limit 30 min)",
                evidence={"gap_s": 2520, "min_gap_s": 1800},
                status="open",
                created_at=at,
                updated_at=at,
            )
        )
    # Start just before it: the day holds other alerts too (an SOP_INCOMPLETE at a morning visit).
    sign_in_demo(dash_duo, demo_app, "exec", path=f"/replay/{rep}/{day}?t=14:05")
    _wait_ready(dash_duo)
    assert "SIGNAL_GAP" in text_of(dash_duo, "#replay-anomalies")

    click(dash_duo, "#replay-next-anomaly")

    wait_for_text(dash_duo, CLOCK, "14:05:30")
    assert dash_duo.get_logs() == []


def test_day_links_and_rep_picker_stay_within_the_days_and_reps_in_scope(dash_duo, demo_app):
    rep, day = _busiest_day(demo_app)
    payload = svc.replay_day(app_engine(demo_app), EXEC, rep, day)
    sign_in_demo(dash_duo, demo_app, "manager", path=f"/replay/{rep}/{day}")
    _wait_ready(dash_duo)
    assert payload["prev_day"] and not payload["next_day"]

    click(dash_duo, "#replay-prev-day")
    until(lambda: dash_duo.driver.current_url.endswith(f"/replay/{rep}/{payload['prev_day']}"), 10)
    until(lambda: payload["prev_day"] in (text_of(dash_duo, "#replay-title") or ""), 10)

    # Another region's rep: the manager is told, and sees nothing of that rep.
    other = db_rows(
        demo_app,
        "SELECT r.id, r.name FROM reps r JOIN teams t ON t.id = r.team_id "
        "WHERE t.region_id <> 'reg-east' ORDER BY r.id LIMIT 1",
    )[0]
    open_page(dash_duo, f"/replay/{other.id}/{day}")
    wait_for(dash_duo, "#replay-not-found")
    assert other.name not in dash_duo.find_element("body").text
    assert dash_duo.get_logs() == []


def test_time_outside_work_hours_is_an_off_duty_band_on_the_timeline(dash_duo, demo_app):
    """Issue 20: the timeline shades the time outside the rep's work hours and says so (in the
    viewer's language: the demo exec reads Chinese)."""
    rep, day = _busiest_day(demo_app)
    sign_in_demo(dash_duo, demo_app, "exec", path=f"/replay/{rep}/{day}")
    _wait_ready(dash_duo)
    wait_for(dash_duo, "#replay-timeline .annotation-text")
    labels = {e.text for e in dash_duo.find_elements("#replay-timeline .annotation-text")}
    assert labels == {"非工作时间"}
    bands = dash_duo.find_elements("#replay-timeline .layer-below .shapelayer path")
    assert len(bands) >= 1
    assert dash_duo.get_logs() == []

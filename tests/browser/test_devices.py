"""Bad phone ≠ cheater where managers look: the devices page and a poor phone's replay."""

from __future__ import annotations

import pytest

from components.i18n import t
from tests.browser.conftest import (
    DEMO_FROM,
    DEMO_PERIOD,
    DEMO_TO,
    db_rows,
    grid_column,
    open_page,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser


def _poorest_device(app):
    """The device with the highest coarse share over the demo period, and its last day."""
    (row,) = db_rows(
        app,
        "SELECT rep_id, device_id, MAX(local_date) AS local_date, "
        "CAST(SUM(coarse) AS FLOAT) / SUM(fixes) AS share FROM device_days "
        "WHERE local_date BETWEEN :start AND :end GROUP BY rep_id, device_id "
        "ORDER BY share DESC, device_id LIMIT 1",
        start=DEMO_FROM,
        end=DEMO_TO,
    )
    return row


def test_devices_page_lists_the_poor_phone_first_and_its_replay_draws_coarse_fixes_apart(
    dash_duo, demo_app
):
    poor = _poorest_device(demo_app)
    assert poor.share > 0.3, "the demo has no poor phone"
    sign_in_demo(dash_duo, demo_app, "admin", path=f"/devices?{DEMO_PERIOD}")
    wait_for_text_containing(dash_duo, "#data-devices-summary", "台设备中")
    wait_for(dash_duo, "#data-devices-trend .main-svg")
    wait_for_grid_rows(dash_duo, "devices-grid", 2)
    assert grid_column(dash_duo, "devices-grid", "device_id")[0] == poor.device_id
    assert dash_duo.get_logs() == []

    open_page(dash_duo, f"/replay/{poor.rep_id}/{str(poor.local_date)[:10]}")
    wait_for_text_containing(dash_duo, "#replay-sum-quality", t("quality.poor", "zh"))
    layers = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays span'))"
        ".map(s => s.textContent.trim())"
    )
    assert t("replay.layer.coarse", "zh") in layers
    assert dash_duo.get_logs() == []

"""The admin console's wall links tab in a real browser on the demo company: an admin creates a
link (its address shown once, and it opens the wall), sees it live in the list, revokes it and
sees it revoked (the link is then refused); no console errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dash.testing.wait import until

from components.i18n import t
from dashboard.services import wall
from tests.browser.conftest import (
    WAIT,
    app_engine,
    click,
    grid_column,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser

USERS, WALLS = "admin-users", "admin-walls"


def _status_of(dash_duo, name: str) -> str | None:
    names = grid_column(dash_duo, WALLS, "name")
    return grid_column(dash_duo, WALLS, "status")[names.index(name)] if name in names else None


def test_admin_creates_a_wall_link_sees_it_live_revokes_it_and_sees_it_revoked(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "admin", path="/admin")
    wait_for_grid_rows(dash_duo, USERS, 2)
    tabs = dash_duo.find_elements("#admin-tabs .nav-link")
    walls_tab = [tab for tab in tabs if tab.text == t("admin.tab.walls", "zh")]
    assert len(walls_tab) == 1
    click(dash_duo, walls_tab[0])

    field = wait_for(dash_duo, "#admin-wall-name")
    field.send_keys("lobby-screen")
    click(dash_duo, "#admin-wall-create")
    url = wait_for(dash_duo, "#admin-wall-url").text
    assert "/wall/link/wl_" in url
    token = url.rsplit("/", 1)[1]
    until(
        lambda: _status_of(dash_duo, "lobby-screen") == t("admin.wall.status.live", "zh"),
        WAIT,
        msg="the new link is not listed live",
    )

    click(dash_duo, "#admin-wall-revoke")
    wait_for_text_containing(dash_duo, ".admin-note", "lobby-screen")
    until(
        lambda: _status_of(dash_duo, "lobby-screen") == t("admin.wall.status.revoked", "zh"),
        WAIT,
        msg="the link is not listed revoked",
    )
    assert wall.list_links(app_engine(demo_app))[0].revoked_at is not None
    assert wall.open_link(app_engine(demo_app), token, now=datetime.now(UTC)) is None
    assert dash_duo.get_logs() == []

"""The wall screen in a real headless Chromium: it fits 1080p and 4K with no scrollbars and no
console errors, rotates its views in order, shows a stale banner while the server fails and
clears it on recovery, blanks when its wall link is revoked or expires, and keeps its DOM flat
over hundreds of refreshes."""

from __future__ import annotations

import inspect
import time as clock
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dash.testing.errors import TestingTimeoutError
from dash.testing.wait import until
from flask import jsonify, request

from dashboard.services import wall
from dashboard.services.db import dispose_engine, get_engine
from dashboard.web.app import create_app
from data_access import schema
from tests.browser.conftest import (
    DEMO_PASSWORDS,
    _free_port,
    _settings,
    sign_in,
    wait_for,
    wait_for_text,
)
from tests.conftest import copy_sqlite, seeded_demo_file

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (3840, 2160)]
VIEWS = ("national", "region:reg-east", "region:reg-south")


def _live_moment(real: datetime) -> datetime:
    """A moment in the demo's working hours: now when it is a weekday afternoon in Shanghai,
    else the last weekday at 15:00 there (at night no rep of a live demo has a position yet)."""
    shanghai = ZoneInfo("Asia/Shanghai")
    local = real.astimezone(shanghai)
    if local.weekday() < 5 and time(10) <= local.time() < time(17):
        return real
    day = local.date() if local.time() >= time(17) else local.date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime.combine(day, time(15), tzinfo=shanghai).astimezone(UTC)


LIVE_NOW = _live_moment(datetime.now(UTC))


@pytest.fixture(scope="session")
def _live_template(tmp_path_factory):
    """A demo company whose last working day is in progress at LIVE_NOW (live states)."""
    return seeded_demo_file(tmp_path_factory.mktemp("wall-template"), reps=36, days=2, now=LIVE_NOW)


@pytest.fixture
def wall_app(tmp_path, _live_template):
    db_file = copy_sqlite(_live_template, tmp_path / "wall.db")
    app = create_app(_settings(db_file, tmp_path))
    yield app
    dispose_engine(f"sqlite:///{db_file}")


def _engine(app):
    return get_engine(app.server.config["COCKPIT_SETTINGS"].database_url)


def _screen(dash_duo, width: int, height: int) -> None:
    """Make the page's viewport exactly width × height CSS pixels (a wall display)."""
    dash_duo.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def _open_wall(dash_duo, app, query: str) -> None:
    sign_in(dash_duo, app, "exec", DEMO_PASSWORDS["exec"])
    dash_duo.driver.get(f"{dash_duo.server.url}/wall?{query}")
    wait_for(dash_duo, "#wall-count-online")


def _view_key(dash_duo) -> str:
    return dash_duo.driver.execute_script(
        "var e = document.getElementById('wall-view-key'); return e ? e.textContent : null;"
    )


def _visible(dash_duo, element_id: str) -> bool:
    return dash_duo.driver.execute_script(
        f"var e = document.getElementById('{element_id}');"
        "return !!e && !e.hidden && e.getBoundingClientRect().height > 0;"
    )


@pytest.mark.parametrize(("width", "height"), SIZES, ids=["1080p", "4k"])
def test_wall_fits_the_screen_without_scrollbars_or_console_errors(
    dash_duo, wall_app, width, height, monkeypatch
):
    sign_in(dash_duo, wall_app, "exec", DEMO_PASSWORDS["exec"])
    # The wall's clock at the demo's live moment, whatever the time of day the tests run at
    # (the pages' callbacks are attached at the first request, which signing in made).
    (panels,) = [
        inspect.unwrap(spec["callback"])
        for spec in wall_app.callback_map.values()
        if getattr(spec.get("callback"), "__name__", "") == "update_wall_panels"
    ]
    monkeypatch.setitem(panels.__globals__, "_now", lambda: LIVE_NOW)
    _screen(dash_duo, width, height)
    dash_duo.driver.get(f"{dash_duo.server.url}/wall?lang=en")
    wait_for(dash_duo, "#wall-count-online")
    wait_for(dash_duo, "#wall-map .wall-cluster, #wall-map path.leaflet-interactive")
    sizes = dash_duo.driver.execute_script(
        "var d = document.documentElement;"
        "return [d.scrollWidth, d.clientWidth, d.scrollHeight, d.clientHeight, innerWidth];"
    )
    scroll_w, client_w, scroll_h, client_h, inner_w = sizes
    assert inner_w == width
    assert scroll_w <= client_w and scroll_h <= client_h, sizes
    # No panel spills out of its box either (a clipped panel would hide data, not scroll).
    spilled = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('.wall-panel, .wall-header'))"
        ".filter(e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)"
        ".map(e => e.className);"
    )
    assert spilled == []
    # Kiosk: no navigation chrome, dark theme, numbers large enough for the room.
    assert not dash_duo.find_elements(".shell-topbar")
    assert (
        dash_duo.driver.execute_script(
            "return document.documentElement.getAttribute('data-bs-theme')"
        )
        == "dark"
    )
    big = dash_duo.driver.execute_script(
        "return parseFloat(getComputedStyle(document.getElementById('wall-count-online')).fontSize)"
    )
    assert big >= height * 0.055
    assert dash_duo.find_element("#wall-countdown").text.startswith("next in")
    assert dash_duo.get_logs() == []


def test_wall_before_any_fix_today_renders_empty_and_quiet(dash_duo, cockpit_app):
    # The small company's only fix is of another day: no rep has a position, all are offline.
    sign_in(dash_duo, cockpit_app, "exec")
    dash_duo.driver.get(f"{dash_duo.server.url}/wall?lang=en&refresh=1")
    wait_for_text(dash_duo, "#wall-count-offline", "1")
    wait_for_text(dash_duo, "#wall-count-online", "0")
    until(lambda: dash_duo.find_element("#wall-updated").text.startswith("Updated"), 10)
    assert dash_duo.find_elements("#wall-map .leaflet-interactive, #wall-map .wall-cluster") == []
    assert dash_duo.get_logs() == []


def test_rotation_shows_the_views_in_order_and_loops(dash_duo, wall_app):
    _open_wall(dash_duo, wall_app, f"rotate={','.join(VIEWS)}&every=2&lang=en")
    seen: list[str] = []

    def record() -> bool:
        key = _view_key(dash_duo)
        if key and (not seen or seen[-1] != key):
            seen.append(key)
        return len(seen) >= 4

    until(record, 20, poll=0.1, msg=f"rotation stalled at {seen}")
    assert seen[:4] == [*VIEWS, "national"]
    assert dash_duo.get_logs() == []


def test_stale_banner_appears_while_the_server_fails_and_clears_on_recovery(dash_duo, wall_app):
    switch = {"fail": False}

    @wall_app.server.before_request
    def _fail_refreshes():
        if switch["fail"] and request.path == "/_dash-update-component":
            return jsonify({"error": "test switch: server down"}), 503
        return None

    _open_wall(dash_duo, wall_app, "refresh=1&stale=3&lang=en")
    wait_for_text(dash_duo, "#wall-stale", "")
    until(lambda: dash_duo.find_element("#wall-updated").text.startswith("Updated"), 10)
    assert not _visible(dash_duo, "wall-stale")
    switch["fail"] = True
    until(lambda: _visible(dash_duo, "wall-stale"), 12, poll=0.2, msg="no stale banner")
    assert "stale" in dash_duo.find_element("#wall-stale").text
    switch["fail"] = False
    until(lambda: not _visible(dash_duo, "wall-stale"), 12, poll=0.2, msg="banner stuck")


def _link_session(dash_duo, app, **kw):
    link, token = wall.create_link(
        _engine(app),
        name=kw.get("name", "lobby"),
        views="national",
        expires_in=timedelta(days=1),
        created_by="admin",
        now=datetime.now(UTC),
    )
    dash_duo.start_server(app, navigate=False, port=_free_port())
    dash_duo.driver.implicitly_wait(0)
    dash_duo.driver.get(f"{dash_duo.server.url}/wall/link/{token}")
    wait_for(dash_duo, "#wall-count-online")
    assert not dash_duo.find_elements("#shell-user")
    # The same session, refreshing every second.
    dash_duo.driver.get(f"{dash_duo.server.url}/wall?view=national&refresh=1")
    wait_for(dash_duo, "#wall-count-online")
    return link


def test_revoking_the_wall_link_blanks_the_open_wall(dash_duo, wall_app):
    _link_session(dash_duo, wall_app)
    assert not _visible(dash_duo, "wall-revoked")
    wall.revoke_link(_engine(wall_app), name="lobby", now=datetime.now(UTC))
    until(lambda: _visible(dash_duo, "wall-revoked"), 10, poll=0.2, msg="wall not blanked")
    assert dash_duo.find_elements("#wall-map .wall-cluster, #wall-map .leaflet-interactive") == []
    assert dash_duo.get_logs() == []
    # Any other page of the cockpit stays closed to the wall session.
    dash_duo.driver.get(f"{dash_duo.server.url}/teams")
    until(lambda: dash_duo.driver.current_url.split("?")[0].endswith("/wall"), 10)


def test_an_expired_wall_link_blanks_the_open_wall(dash_duo, wall_app):
    link = _link_session(dash_duo, wall_app, name="short")
    with _engine(wall_app).begin() as conn:
        conn.execute(
            schema.wall_links.update()
            .where(schema.wall_links.c.id == link.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    until(lambda: _visible(dash_duo, "wall-revoked"), 10, poll=0.2, msg="wall not blanked")


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_soak_of_300_refreshes_keeps_the_dom_flat_and_the_console_clean(dash_duo, wall_app):
    done = {"n": 0}

    @wall_app.server.after_request
    def _count(response):
        if request.path == "/_dash-update-component" and b"wall-stamp" in (
            request.get_data() or b""
        ):
            done["n"] += 1
        return response

    _open_wall(dash_duo, wall_app, "rotate=national,region:reg-east&every=1&refresh=1&lang=en")

    def nodes() -> int:
        return dash_duo.driver.execute_script("return document.getElementsByTagName('*').length")

    until(lambda: done["n"] >= 20, 60, poll=0.5)
    warm = nodes()
    started = clock.monotonic()
    try:
        until(lambda: done["n"] >= 300, 400, poll=1)
    except TestingTimeoutError:
        raise AssertionError(f"only {done['n']} refreshes in 400 s") from None
    elapsed = clock.monotonic() - started
    end = nodes()
    # Rotating views show different cluster counts: allow that much, never growth per refresh.
    assert end <= warm + 60, (warm, end)
    print(f"soak: {done['n']} refreshes, {elapsed:.0f} s after warm-up, DOM {warm} -> {end} nodes")
    assert not _visible(dash_duo, "wall-stale")
    assert dash_duo.get_logs() == []

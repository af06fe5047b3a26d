"""The narrow-screen journey of test_mobile_phone.py and test_mobile_tablet.py (two files, so
pytest-xdist's --dist loadfile can give them to different workers).

For every page a role may open: nothing scrolls the page sideways, the top bar stays one line
(≤ 80 px) until its menu is opened, buttons are at least 44 px tall, the bar names the page, no
console errors; the overview's first KPI tile shows without scrolling and its filters fold into
one line; a rep-day's replay docks its player at the bottom; an alert's and a claim's evidence
open full screen with their buttons at the bottom.

The page list comes from Dash's page registry, so a new page is covered (or fails here, if it
has path variables and no example below). One browser session per viewport and role.
Set ``MOBILE_SCREENSHOTS=<folder>`` to keep a screenshot of every page visited.
"""

from __future__ import annotations

import os
from pathlib import Path

import dash
from dash.testing.wait import until

from components.i18n import t
from dashboard.services import users
from tests.browser.conftest import (
    DEMO_FROM,
    DEMO_PERIOD,
    PAGE_READY,
    app_engine,
    click,
    click_grid_row,
    count_in,
    db_rows,
    navigate,
    sign_in_demo,
    text_of,
    wait_for,
    wait_until_ready,
)

VIEWPORTS = {"phone": (390, 844), "tablet": (768, 1024)}
# English words run longer than Chinese ones: half the roles use the cockpit in English.
LANGS = {"exec": "en", "manager": "zh", "finance": "en", "admin": "zh"}
NAV_MAX_PX = 80
TOUCH_MIN_PX = 44
# Tappable things of the cockpit's own making (grids, charts and maps bring their own).
TAPPABLE = (
    ".shell-topbar .btn, .shell-topbar .nav-link, .shell-topbar .navbar-toggler, "
    ".shell-content .btn, .filter-summary"
)

_METRICS = """
const nav = document.querySelector('.shell-topbar');
const small = [];
for (const el of document.querySelectorAll(arguments[0])) {
  const r = el.getBoundingClientRect();
  if (el.getClientRects().length && r.width > 0 && r.height < arguments[1] - 0.5) {
    small.push((el.id || el.className) + ' ' + el.textContent.trim().slice(0, 20) + ': '
               + r.height.toFixed(1));
  }
}
return {
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  innerHeight: window.innerHeight,
  navHeight: nav ? nav.getBoundingClientRect().height : null,
  small: small,
};
"""

_RECT = """
const el = document.querySelector(arguments[0]);
if (!el || !el.getClientRects().length) return null;
const r = el.getBoundingClientRect();
return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width,
        height: r.height, position: getComputedStyle(el).position};
"""


def _emulate(dash_duo, width: int, height: int) -> None:
    """A phone's viewport: exact CSS pixels, overlay scrollbars, and the page's meta viewport
    obeyed (without one a mobile browser lays the page out 980 px wide)."""
    dash_duo.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )


def _rect(dash_duo, selector: str) -> dict | None:
    return dash_duo.driver.execute_script(_RECT, selector)


def _visible(dash_duo, selector: str) -> bool:
    box = _rect(dash_duo, selector)
    return box is not None and box["height"] > 0


def _check_layout(dash_duo, where: str, size: list[int], *, nav: bool = True) -> dict:
    m = dash_duo.driver.execute_script(_METRICS, TAPPABLE, TOUCH_MIN_PX)
    assert [m["innerWidth"], m["innerHeight"]] == size, f"{where}: the viewport is {m}"
    assert m["scrollWidth"] <= m["innerWidth"], f"{where}: the page scrolls sideways ({m})"
    if nav:
        assert m["navHeight"] is not None and m["navHeight"] <= NAV_MAX_PX, (where, m)
    assert not m["small"], f"{where}: touch targets under {TOUCH_MIN_PX} px: {m['small']}"
    assert dash_duo.get_logs() == [], where
    return m


def _screenshot(dash_duo, name: str) -> None:
    folder = os.environ.get("MOBILE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        dash_duo.driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _replay_example(app) -> str:
    """A rep-day with visits in the demo manager's region (so every role may open it)."""
    row = db_rows(
        app,
        "SELECT d.rep_id, d.local_date FROM rep_days d JOIN reps r ON r.id = d.rep_id "
        "JOIN teams t ON t.id = r.team_id WHERE d.visits > 0 AND t.region_id = 'reg-east' "
        "ORDER BY d.local_date DESC, d.fixes DESC, d.rep_id LIMIT 1",
    )[0]
    return f"/replay/{row.rep_id}/{str(row.local_date)[:10]}"


def _customer_example(app) -> str:
    """A customer in the demo manager's region with the most visits (so every role may open
    it and its timeline has rows)."""
    row = db_rows(
        app,
        "SELECT v.customer_id FROM visits v JOIN reps r ON r.id = v.rep_id "
        "JOIN teams t ON t.id = r.team_id WHERE t.region_id = 'reg-east' "
        "GROUP BY v.customer_id ORDER BY COUNT(*) DESC, v.customer_id LIMIT 1",
    )[0]
    return f"/customers/{row.customer_id}"


# Pages with path variables: how to make an example path from the demo company.
EXAMPLES = {
    "/replay/<rep_id>/<date>": _replay_example,
    "/customers/<customer_id>": _customer_example,
    # Off the navigation without path variables (registered by its template to be listed).
    "/plans/suggest": lambda _app: "/plans/suggest",
}


def _pages_of(role: str) -> list[dict]:
    """The pages a role may open, in navigation order, without kiosk pages (the wall is for big
    screens)."""
    return sorted(
        (
            p
            for p in dash.page_registry.values()
            if role in p.get("roles", ()) and not p.get("kiosk")
        ),
        key=lambda p: (p.get("order", 99), p["path"]),
    )


def _wait_replay(dash_duo) -> None:
    until(
        lambda: ":" in (text_of(dash_duo, "#replay-clock") or ""),
        20,
        poll=0.05,
        msg="the player never started",
    )
    wait_for(dash_duo, "#replay-timeline .barlayer .trace")


def _check_menu(dash_duo, size: list[int]) -> None:
    """Closed: one line with the menu button. Open: links, language, theme and sign-out."""
    assert _visible(dash_duo, "#shell-menu-toggle")
    assert _visible(dash_duo, "#shell-brand")
    for hidden in ("#shell-logout", "#shell-lang-switch", "#shell-theme-switch"):
        assert not _visible(dash_duo, hidden), f"{hidden} shows while the menu is closed"
    click(dash_duo, "#shell-menu-toggle")
    for shown in ("#shell-logout", "#shell-lang-switch", "#shell-theme-switch", "#shell-user"):
        until(lambda s=shown: _visible(dash_duo, s), 5, poll=0.05, msg=f"{shown} never showed")
    # The links show once the menu has finished opening (Bootstrap animates its height).
    until(
        lambda: all(
            link.is_displayed() for link in dash_duo.find_elements(".shell-topbar .nav-link")
        ),
        5,
        poll=0.05,
        msg="the page links never showed in the open menu",
    )
    until(
        lambda: "show" in dash_duo.find_element("#shell-menu").get_attribute("class").split(),
        5,
        poll=0.05,
        msg="the menu never finished opening",
    )
    _screenshot(dash_duo, f"{size[0]}x{size[1]}-menu-open")
    _check_layout(dash_duo, "menu open", size, nav=False)
    click(dash_duo, "#shell-menu-toggle")
    until(lambda: not _visible(dash_duo, "#shell-logout"), 5, poll=0.05, msg="menu never closed")


def _check_overview(dash_duo, inner_height: int, lang: str) -> None:
    """The first KPI tile shows without scrolling; the filters fold into one line."""
    assert dash_duo.driver.execute_script("return window.scrollY") == 0
    tile = _rect(dash_duo, "#overview-tiles .kpi-tile")
    assert tile is not None and tile["top"] >= 0 and tile["bottom"] <= inner_height, tile
    assert not _visible(dash_duo, "#filter-bar"), "the filter panel is open on a narrow screen"
    until(
        lambda: DEMO_FROM in (text_of(dash_duo, "#filter-summary-text") or ""),
        5,
        poll=0.05,
        msg=f"the filter line shows {text_of(dash_duo, '#filter-summary-text')!r}",
    )
    assert t("filter.team", lang) in text_of(dash_duo, "#filter-summary-text")
    click(dash_duo, "#filter-summary")
    until(lambda: _visible(dash_duo, "#filter-period"), 5, poll=0.05, msg="panel never opened")
    click(dash_duo, "#filter-summary")
    until(lambda: not _visible(dash_duo, "#filter-bar"), 5, poll=0.05, msg="panel never closed")


def _check_replay(dash_duo, inner_width: int, inner_height: int) -> None:
    """The map full width, the player docked at the bottom, the timeline scrolling in its box."""
    player = _rect(dash_duo, ".replay-player-card")
    assert player["position"] == "fixed" and abs(player["bottom"] - inner_height) <= 1, player
    assert player["height"] <= inner_height / 4, f"the player takes {player['height']} px"
    for control in ("#replay-play", "#replay-next-anomaly", "#replay-scrubber", "#replay-speed"):
        box = _rect(dash_duo, control)
        assert box is not None and box["top"] >= player["top"] - 1, control
    the_map = _rect(dash_duo, "#replay-map")
    assert the_map["width"] >= inner_width - 40, the_map
    box = dash_duo.driver.execute_script(
        "const b = document.querySelector('.replay-timeline-scroll');"
        "return [b.scrollWidth, b.clientWidth, getComputedStyle(b).overflowX];"
    )
    if inner_width < 880:  # the timeline keeps 880 px: narrower screens scroll it in its box
        assert box[0] > box[1] and box[2] == "auto", box


def _check_evidence(dash_duo, grid: str, pane: str, buttons: str, ready: str, where: str):
    """A tapped row opens the evidence full screen, the buttons in the bottom of the screen."""
    click_grid_row(dash_duo, grid, 0)
    wait_for(dash_duo, ready)
    until(
        lambda: (_rect(dash_duo, pane) or {}).get("position") == "fixed",
        5,
        poll=0.05,
        msg=f"{pane} never opened full screen",
    )
    size = dash_duo.driver.execute_script("return [window.innerWidth, window.innerHeight]")
    box = _rect(dash_duo, pane)
    assert box["top"] == 0 and box["left"] == 0, box
    assert box["width"] == size[0] and box["height"] == size[1], box
    found = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => {"
        "const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom,"
        " height: r.height, text: e.textContent}; });",
        buttons,
    )
    assert found, f"no {buttons}"
    for button in found:
        # Within thumb reach: on the screen, in its lower part, and tall enough.
        assert size[1] * 0.6 <= button["top"] and button["bottom"] <= size[1], (where, button)
        assert button["height"] >= TOUCH_MIN_PX, (where, button)
    _screenshot(dash_duo, where)
    _check_layout(dash_duo, where, size, nav=False)
    click(dash_duo, f"{pane} .evidence-close")
    until(
        lambda: (_rect(dash_duo, pane) or {}).get("position") != "fixed",
        5,
        poll=0.05,
        msg=f"{pane} never closed",
    )


def visit_every_page(dash_duo, demo_app, viewport: str, role: str) -> None:
    """Sign in as ``role`` on a ``viewport`` screen and check every page the role may open."""
    width, height = VIEWPORTS[viewport]
    lang = LANGS[role]
    [user] = db_rows(demo_app, "SELECT id FROM users WHERE name = :name", name=role)
    users.set_preferences(app_engine(demo_app), user.id, locale=lang)
    sign_in_demo(dash_duo, demo_app, role, lang=lang)
    _emulate(dash_duo, width, height)
    pages = _pages_of(role)
    assert pages, f"{role} may open no page"
    for page in pages:
        template = page.get("path_template")
        if template:
            assert template in EXAMPLES, f"{template}: add an example path to EXAMPLES"
            path = EXAMPLES[template](demo_app)
        else:
            path = page["path"]
        navigate(dash_duo, path if template else f"{path}?{DEMO_PERIOD}")
        if template == "/replay/<rep_id>/<date>":
            _wait_replay(dash_duo)
        elif template == "/customers/<customer_id>":
            wait_for(dash_duo, "#customer-name")
            wait_for(dash_duo, "#customer-owner-history, #customer-status")
        elif template == "/plans/suggest":
            count_in(dash_duo, "#plan-suggest-rep-count")
        else:
            assert path in PAGE_READY, f"{path}: say in PAGE_READY what shows it is ready"
            wait_until_ready(dash_duo, path)
        name = (template or path).strip("/").split("/")[0] or "overview"
        if template == "/customers/<customer_id>":
            name = "customer-profile"  # beside the list page's "customers"
        if template == "/plans/suggest":
            name = "plan-suggest"  # beside the /plans page
        where = f"{viewport}-{role}-{lang}-{name}"
        until(
            lambda p=page: text_of(dash_duo, "#shell-current-page") == p[f"title_{lang}"],
            5,
            poll=0.05,
            msg=f"{where}: the bar names {text_of(dash_duo, '#shell-current-page')!r}",
        )
        _screenshot(dash_duo, where)
        metrics = _check_layout(dash_duo, where, [width, height])
        if path == "/":
            _check_overview(dash_duo, metrics["innerHeight"], lang)
            _check_menu(dash_duo, [width, height])
        elif template == "/replay/<rep_id>/<date>":
            _check_replay(dash_duo, metrics["innerWidth"], metrics["innerHeight"])
        elif path == "/alerts" and role == "manager":
            _check_evidence(
                dash_duo,
                "alerts-queue",
                "#alerts-evidence-pane",
                "#alerts-triage-card .alerts-triage-buttons .btn",
                "#alerts-rule-desc",
                f"{where}-evidence",
            )
        elif path == "/finance" and role == "finance":
            _check_evidence(
                dash_duo,
                "finance-claims",
                "#finance-evidence-pane",
                "#finance-approve, #finance-reject, #finance-query-button",
                "#finance-claim-status",
                f"{where}-evidence",
            )

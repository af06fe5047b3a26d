"""The customer pages in a real browser on the demo company: the list and the coverage map load
with no console errors, filters come from the URL and go back to it, a name opens the profile
(timeline, replay links), an unknown id says "not found", and a manager hands an orphan over
(pick, preview, confirm) while an executive gets no handover controls."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By

from components.i18n import t
from tests.browser.conftest import (
    WAIT,
    choose_option,
    click,
    db_rows,
    grid_column,
    grid_css,
    open_page,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_query,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser

LIST, ORPHANS = "customers-list", "customers-orphans"


def _map_drawn(dash_duo) -> bool:
    """Customers (dots) or the server's cells are on the map."""
    return bool(
        dash_duo.find_elements("#customers-map path.leaflet-interactive")
        or dash_duo.find_elements("#customers-map .customers-cell")
    )


def test_list_and_map_load_filtered_by_the_url_and_filters_go_back_to_it(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "exec", path="/customers?grade=A&status=never,overdue")
    wait_for_grid_rows(dash_duo, LIST, 2)
    assert set(grid_column(dash_duo, LIST, "grade")) == {"A"}
    shown = set(grid_column(dash_duo, LIST, "status"))
    assert shown and shown <= {t("cust.status.never", "zh"), t("cust.status.overdue", "zh")}
    until(lambda: _map_drawn(dash_duo), WAIT, poll=0.1, msg="the map drew no customer")
    note = wait_for_text_containing(dash_duo, "#customers-map-note", "个客户")
    assert note
    for key in ("total", "white", "orphans"):
        wait_for(dash_duo, f"#customers-count-{key}")
    assert dash_duo.get_logs() == []

    # The white-space switch goes to the URL, and the page follows it.
    click(dash_duo, "#customers-white")
    wait_for_query(dash_duo, lambda q: q.get("white") == "1", "white=1")
    wait_for_query(dash_duo, lambda q: q.get("grade") == "A", "grade kept")
    wait_for_grid_rows(dash_duo, LIST, 1)
    assert dash_duo.get_logs() == []


def test_a_name_opens_the_profile_and_an_unknown_id_is_not_found(dash_duo, demo_app):
    [busiest] = db_rows(
        demo_app,
        "SELECT v.customer_id, c.name FROM visits v JOIN customers c ON c.id = v.customer_id "
        "GROUP BY v.customer_id, c.name ORDER BY COUNT(*) DESC, v.customer_id LIMIT 1",
    )
    sign_in_demo(dash_duo, demo_app, "admin", path=f"/customers?q={busiest.customer_id}")
    wait_for_grid_rows(dash_duo, LIST, 1)
    link = wait_for(dash_duo, f"{grid_css(LIST)} .ag-row [col-id='link'] a")
    assert link.text == busiest.name
    click(dash_duo, link)
    until(
        lambda: urlsplit(dash_duo.driver.current_url).path == f"/customers/{busiest.customer_id}",
        WAIT,
        poll=0.05,
        msg="the name did not open the profile",
    )
    wait_for_text_containing(dash_duo, "#customer-name", busiest.name)
    wait_for_grid_rows(dash_duo, "customer-visits", 1)
    replay = wait_for(dash_duo, f"{grid_css('customer-visits')} [col-id='replay'] a")
    assert "/replay/" in replay.get_attribute("href") and "?t=" in replay.get_attribute("href")
    wait_for(dash_duo, "#customer-orders-chart, #customer-orders-none")
    assert dash_duo.get_logs() == []

    open_page(dash_duo, "/customers/no-such-customer")
    wait_for_text_containing(dash_duo, "#customer-not-found", t("cust.profile.not_found", "zh"))
    assert dash_duo.get_logs() == []


def test_manager_hands_an_orphan_over_after_a_preview(dash_duo, demo_app):
    orphans = db_rows(
        demo_app,
        "SELECT c.id, c.name FROM customers c JOIN reps r ON r.id = c.owner_rep_id "
        "JOIN teams t ON t.id = r.team_id WHERE c.active AND NOT r.active "
        "AND t.region_id = 'reg-east' ORDER BY c.id",
    )
    assert orphans, "the demo has orphans in the manager's region"
    [rep] = db_rows(
        demo_app,
        "SELECT r.id, r.name FROM reps r JOIN teams t ON t.id = r.team_id "
        "WHERE r.active AND t.region_id = 'reg-east' ORDER BY r.id LIMIT 1",
    )
    sign_in_demo(dash_duo, demo_app, "manager", path="/customers")
    wait_for_grid_rows(dash_duo, ORPHANS, len(orphans))
    assert sorted(grid_column(dash_duo, ORPHANS, "city")) and len(
        grid_column(dash_duo, ORPHANS, "grade")
    ) == len(orphans)

    # Preview without a pick: told to pick first.
    click(dash_duo, "#customers-orphan-preview")
    wait_for_text_containing(dash_duo, "#customers-orphan-message", t("cust.orphans.pick", "zh"))

    first = wait_for_grid_rows(dash_duo, ORPHANS, 1)[0]
    click(dash_duo, first.find_element(By.CSS_SELECTOR, ".ag-cell[col-id='city']"))
    choose_option(dash_duo, "customers-orphan-to", rep.id)
    click(dash_duo, "#customers-orphan-preview")
    body = wait_for_text_containing(dash_duo, "#customers-handover-body", rep.name)
    picked = [o for o in orphans if o.name in body]
    assert len(picked) == 1
    click(dash_duo, "#customers-handover-yes")
    wait_for_text_containing(dash_duo, "#customers-handover-done", rep.name)
    until(
        lambda: len(grid_column(dash_duo, ORPHANS, "grade")) == len(orphans) - 1,
        WAIT,
        poll=0.1,
        msg="the handed-over customer is still listed as an orphan",
    )
    [owner] = db_rows(demo_app, "SELECT owner_rep_id FROM customers WHERE id = :c", c=picked[0].id)
    assert owner.owner_rep_id == rep.id
    assert dash_duo.get_logs() == []


def test_an_executive_sees_orphans_but_no_handover_controls(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "exec", path="/customers")
    wait_for_grid_rows(dash_duo, ORPHANS, 1)
    wait_for_text_containing(dash_duo, "#customers-orphans-card", t("cust.orphans.read_only", "zh"))
    assert not dash_duo.find_element("#customers-orphan-preview").is_displayed()
    assert dash_duo.get_logs() == []


def test_a_map_removed_by_a_redraw_takes_late_moves_without_an_error(dash_duo, demo_app):
    """Dash pages redraw the page on each URL change, so a viewport or bounds answer can reach a
    map Leaflet already removed (assets/leaflet-removed-map.js): it must not throw."""
    sign_in_demo(dash_duo, demo_app, "exec", path="/customers")
    until(lambda: _map_drawn(dash_duo), WAIT, poll=0.1, msg="the map drew no customer")
    outcome = dash_duo.driver.execute_script(
        """
        var div = document.createElement("div");
        div.style.width = "300px"; div.style.height = "200px";
        document.body.appendChild(div);
        var map = L.map(div, {center: [39.9, 116.4], zoom: 10, zoomAnimation: false});
        map.remove();
        div.remove();
        var done = [];
        var moves = {
          getBounds: function () { map.getBounds(); },
          fitBounds: function () {
            map.fitBounds([[39.8, 116.3], [40.0, 116.5]], {animate: false});
          },
          setView: function () { map.setView([31.2, 121.5], 12, {animate: false}); },
          panBy: function () { map.panBy([20, 10], {animate: false}); },
          point: function () { map.containerPointToLayerPoint([5, 5]); },
        };
        for (var name in moves) {
          try { moves[name](); done.push(name); } catch (e) { done.push(name + ": " + e); }
        }
        return done;
        """
    )
    assert outcome == ["getBounds", "fitBounds", "setView", "panBy", "point"]
    assert dash_duo.get_logs() == []

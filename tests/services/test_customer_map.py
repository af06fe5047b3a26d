"""The coverage map of the customer page (dashboard.services.customers.customer_map) on real
SQLite and real PostgreSQL: points below the threshold, cells counted by the database above
it, the viewport, scope, status and white-space counts, and the payload's size."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from dashboard.services import customers as svc
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company, effective_visit, load

EVERYONE = Scope.everything(user="admin")
MANAGER_E = Scope.of_regions(["reg-e"], user="mgr-e")
TODAY = date(2026, 11, 26)
# A grid of customers of rep-1 (region reg-e) around Shanghai: 12 × 10, 0.05° apart.
GRID_ROWS, GRID_COLS, STEP = 12, 10, 0.05


def _grid() -> list[dict]:
    return [
        b.customer(
            f"g-{i:02d}-{j:02d}",
            name=f"网格店 {i}-{j}",
            lat=31.0 + i * STEP,
            lon=121.0 + j * STEP,
            grade="ABC"[(i + j) % 3],
        )
        for i in range(GRID_ROWS)
        for j in range(GRID_COLS)
    ]


@pytest.fixture
def world(engine, now):
    load(engine, company() + _grid(), now)
    return engine


def test_few_customers_in_view_come_as_points_with_status_grade_and_white_space(world, now):
    load(world, effective_visit("v-1", "cust-1", TODAY - timedelta(days=2)), now)
    got = svc.customer_map(world, EVERYONE, today=TODAY, max_points=500)
    assert got["mode"] == "points"
    by_id = {p["id"]: p for p in got["points"]}
    # Every customer with a position: the five of the company and the grid.
    assert got["total"] == len(by_id) == 5 + GRID_ROWS * GRID_COLS
    assert by_id["cust-1"]["status"] == "on_rhythm" and by_id["cust-1"]["white"] is False
    assert by_id["cust-2"]["status"] == "never" and by_id["cust-2"]["white"] is True
    assert by_id["g-00-01"]["grade"] == "B"


def test_above_the_threshold_the_database_groups_customers_into_cells(world):
    got = svc.customer_map(world, EVERYONE, today=TODAY, zoom=4, max_points=50)
    assert got["mode"] == "cells"
    assert got["total"] == 5 + GRID_ROWS * GRID_COLS
    assert sum(cell["n"] for cell in got["cells"]) == got["total"]
    # At zoom 4 a cell spans 5.625°: the Shanghai grid and the company fall into few cells.
    assert got["cell_deg"] == pytest.approx(5.625)
    assert len(got["cells"]) <= 3
    for cell in got["cells"]:
        south, west, north, east = cell["bounds"]
        assert south <= cell["lat"] <= north and west <= cell["lon"] <= east
        assert sum(cell["status"].values()) == cell["n"]
        assert cell["white"] == cell["n"]  # nobody was visited


def test_a_closer_zoom_gives_smaller_cells_and_cells_partition_the_customers(world):
    wide = svc.customer_map(world, EVERYONE, today=TODAY, zoom=4, max_points=10)
    close = svc.customer_map(world, EVERYONE, today=TODAY, zoom=10, max_points=10)
    assert close["cell_deg"] < wide["cell_deg"]
    assert len(close["cells"]) > len(wide["cells"])
    assert sum(c["n"] for c in close["cells"]) == close["total"] == wide["total"]
    # No two cells of one answer share a place (one GROUP BY per cell).
    assert len({tuple(c["bounds"]) for c in close["cells"]}) == len(close["cells"])


def test_the_viewport_limits_the_customers_and_may_turn_cells_into_points(world):
    everything = svc.customer_map(world, EVERYONE, today=TODAY, zoom=8, max_points=60)
    assert everything["mode"] == "cells"
    # The grid's first three rows only (30 customers): points again.
    south, north = 31.0 - 0.001, 31.0 + 2 * STEP + 0.001
    view = svc.customer_map(
        world,
        EVERYONE,
        today=TODAY,
        zoom=12,
        max_points=60,
        bounds=svc.map_bounds([[south, 120.9], [north, 121.6]]),
    )
    assert view["mode"] == "points"
    assert {p["id"] for p in view["points"]} == {
        f"g-{i:02d}-{j:02d}" for i in range(3) for j in range(GRID_COLS)
    }


def test_filters_status_and_white_space_apply_to_the_map(world, now):
    load(world, effective_visit("v-1", "cust-1", TODAY - timedelta(days=1)), now)
    visited = svc.customer_map(world, EVERYONE, today=TODAY, status=["on_rhythm"])
    assert [p["id"] for p in visited["points"]] == ["cust-1"]
    white = svc.customer_map(world, EVERYONE, today=TODAY, white_space=True)
    assert "cust-1" not in {p["id"] for p in white["points"]}
    assert white["total"] == 4 + GRID_ROWS * GRID_COLS
    grade_a = svc.customer_map(world, EVERYONE, today=TODAY, grade=["A"], max_points=5)
    assert grade_a["mode"] == "cells"
    assert sum(c["status"]["on_rhythm"] for c in grade_a["cells"]) == 1


def test_a_visit_older_than_sixty_days_leaves_a_customer_in_the_white_space(world, now):
    load(
        world,
        effective_visit("v-old", "cust-2", TODAY - timedelta(days=60))
        + effective_visit("v-edge", "cust-3", TODAY - timedelta(days=59), rep_id="rep-2"),
        now,
    )
    white = {
        p["id"] for p in svc.customer_map(world, EVERYONE, today=TODAY)["points"] if p["white"]
    }
    assert "cust-2" in white and "cust-3" not in white
    listed = svc.list_customers(world, EVERYONE, today=TODAY, white_space=True, limit=1000)
    assert {row["id"] for row in listed.rows} == white


def test_a_manager_map_holds_only_their_region(world):
    got = svc.customer_map(world, MANAGER_E, today=TODAY, max_points=2000)
    assert "cust-n" not in {p["id"] for p in got["points"]}
    cells = svc.customer_map(world, MANAGER_E, today=TODAY, max_points=5)
    everyone = svc.customer_map(world, EVERYONE, today=TODAY, max_points=5)
    assert sum(c["n"] for c in cells["cells"]) == everyone["total"] - 1


def test_map_bounds_accepts_leaflet_bounds_and_refuses_anything_else():
    assert svc.map_bounds([[31, 121], [32, 122]]) == (31.0, 121.0, 32.0, 122.0)
    assert svc.map_bounds([[-100, -400], [100, 400]]) == (-90.0, -180.0, 90.0, 180.0)
    for junk in (None, "x", [[1, 2]], [["a", 1], [2, 3]], [[float("nan"), 1], [2, 3]]):
        assert svc.map_bounds(junk) is None
    assert svc.cell_degrees("junk") == svc.cell_degrees(4)
    assert svc.cell_degrees(99) == svc.cell_degrees(18)


def test_cells_at_national_zoom_stay_small_for_many_customers(world):
    # Every cell answers in about 200 bytes whatever its count; at national zoom China spans
    # at most about 13 × 13 cells of 5.6°, so 150,000 customers still send under 1 MB.
    got = svc.customer_map(world, EVERYONE, today=TODAY, zoom=4, max_points=1)
    per_cell = max(len(json.dumps(c, default=str)) for c in got["cells"])
    assert per_cell < 400
    assert per_cell * 13 * 13 < 1_000_000

"""The coverage map honours the base map's datum (``tile_crs``): the viewport it is asked for
is read in that datum and every position it returns is given in it (customers are stored in
WGS-84; GCJ-02 / BD-09 tiles sit a few hundred metres away in China)."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import geo
from dashboard.services import customers as svc
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company, load

EVERYONE = Scope.everything(user="admin")
TODAY = date(2026, 11, 26)
SHOP = (31.1880, 121.4365)  # cust-1 of the company, WGS-84


def box(lat: float, lon: float, half: float = 0.0005) -> tuple[float, float, float, float]:
    return lat - half, lon - half, lat + half, lon + half


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_points_come_in_the_tile_datum_and_the_viewport_is_read_in_it(engine, now, crs):
    load(engine, company(), now)
    shown = geo.from_wgs84(*SHOP, crs)
    # About 50 m around where the tiles draw the shop: the shop is in view.
    got = svc.customer_map(engine, EVERYONE, today=TODAY, bounds=box(*shown), tile_crs=crs)
    # Every customer of the company stands at the shop's position.
    assert {p["id"] for p in got["points"]} == {"cust-1", "cust-2", "cust-3", "cust-x", "cust-n"}
    point = got["points"][0]
    assert (point["lat"], point["lon"]) == pytest.approx(shown, abs=1e-9)
    assert got["crs"] == crs
    south, west, north, east = got["extent"]
    assert south <= shown[0] <= north and west <= shown[1] <= east
    # The same box around the stored WGS-84 position is hundreds of metres off the drawn shop.
    assert (
        svc.customer_map(engine, EVERYONE, today=TODAY, bounds=box(*SHOP), tile_crs=crs)["points"]
        == []
    )


def test_cells_and_their_bounds_come_in_the_tile_datum(engine, now):
    load(engine, [*company(), *(b.customer(f"x-{i}", lat=31.2 + i / 1000) for i in range(9))], now)
    plain = svc.customer_map(engine, EVERYONE, today=TODAY, zoom=4, max_points=1)
    shifted = svc.customer_map(
        engine, EVERYONE, today=TODAY, zoom=4, max_points=1, tile_crs="gcj02"
    )
    assert plain["mode"] == shifted["mode"] == "cells"
    for a, c in zip(plain["cells"], shifted["cells"], strict=True):
        assert (c["lat"], c["lon"]) == pytest.approx(geo.from_wgs84(a["lat"], a["lon"], "gcj02"))
        assert c["n"] == a["n"]
        assert c["bounds"] != a["bounds"]


def test_an_unknown_datum_is_refused_naming_the_argument(engine, now):
    load(engine, company(), now)
    with pytest.raises(ValueError, match="tile_crs"):
        svc.customer_map(engine, EVERYONE, today=TODAY, tile_crs="mercator")

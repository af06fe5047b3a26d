"""Base-map settings from the environment: URL template, datum, the offline blank tiles."""

import pytest

from dashboard.settings import BLANK_TILE_URL, Settings


def test_default_tiles_are_openstreetmap_in_wgs84():
    s = Settings.from_env({})

    assert s.tile_url.startswith("https://tile.openstreetmap.org/")
    assert s.tile_crs == "wgs84"


def test_blank_names_the_apps_own_tiles():
    assert Settings.from_env({"COCKPIT_TILE_URL": "blank"}).tile_url == BLANK_TILE_URL


def test_amap_tiles_in_gcj02_from_the_short_names():
    amap = "https://webrd01.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}"
    s = Settings.from_env({"TILE_URL": amap, "TILE_CRS": "GCJ02"})

    assert (s.tile_url, s.tile_crs) == (amap, "gcj02")


def test_unknown_datum_is_refused_by_name():
    with pytest.raises(ValueError, match="COCKPIT_TILE_CRS: 'mercator'"):
        Settings.from_env({"COCKPIT_TILE_CRS": "mercator"})


def test_tile_url_without_placeholders_is_refused():
    with pytest.raises(ValueError, match=r"COCKPIT_TILE_URL: 'https://x/tile.png' lacks"):
        Settings.from_env({"COCKPIT_TILE_URL": "https://x/tile.png"})

"""Pure pieces of the anti-cheat centre's components: unit-aware evidence values, the map's
zoom, the perceptual-hash distance."""

from __future__ import annotations

import math

import pytest

from components import alerts as view


@pytest.mark.parametrize(
    ("key", "value", "lang", "text"),
    [
        ("distance_m", 230.4, "en", "230 m"),
        ("distance_m", 1240.3, "en", "1.24 km"),
        ("speed_mps", 95.0, "en", "95.0 m/s (342 km/h)"),
        ("dwell_s", 45, "en", "45 s"),
        ("dwell_s", 125, "en", "2 min 5 s"),
        ("gap_s", 4800, "en", "1 h 20 min"),
        ("gap_s", 1800, "zh", "30 分"),
        ("claimed_km", 120, "en", "120.0 km"),
        ("hamming", 2, "en", "2 / 64"),
        ("plausible", True, "en", "yes"),
        ("plausible", False, "zh", "否"),
        ("reason", "power_off", "en", "phone switched off"),
        ("source", "check_in", "zh", "签到"),
        ("gap_start", "2026-11-26T05:03:00Z", "en", "2026-11-26 13:03"),
        ("distance_m", None, "en", "—"),
        ("distance_m", math.nan, "en", "—"),
    ],
)
def test_evidence_values_are_shown_with_the_unit_their_key_names(key, value, lang, text):
    assert view.fmt_evidence(key, value, lang, "Asia/Shanghai") == text


@pytest.mark.parametrize(
    ("span_deg", "zoom"),
    [(0.002, 17), (0.05, 12), (0.5, 9)],
)
def test_map_zoom_fits_the_bounds_and_narrows_as_they_widen(span_deg, zoom):
    bounds = [[31.2, 121.4], [31.2 + span_deg, 121.4 + span_deg]]
    assert view.fit_zoom(bounds) == zoom


def test_map_zoom_keeps_both_ends_of_a_far_check_in_in_view():
    """5 km apart: at the chosen zoom the span fits the map's 560 px, at one more it does not."""
    bounds = [[31.20, 121.40], [31.20, 121.4525]]
    zoom = view.fit_zoom(bounds)
    metres = 0.0525 * 111_320.0 * math.cos(math.radians(31.2))
    px = lambda z: metres / (156_543.03 * math.cos(math.radians(31.2)) / 2**z)  # noqa: E731
    assert px(zoom) <= 560 < px(zoom + 1)


@pytest.mark.parametrize(
    ("a", "b", "bits"),
    [
        ("0f0f0f0f0f0f0f0f", "0f0f0f0f0f0f0f0f", 0),
        ("0f0f0f0f0f0f0f0f", "0f0f0f0f0f0f0f0e", 1),
        ("0000000000000000", "ffffffffffffffff", 64),
        ("zz", "00", None),
        (None, "00", None),
    ],
)
def test_hamming_distance_of_two_perceptual_hashes(a, b, bits):
    assert view.hamming(a, b) == bits

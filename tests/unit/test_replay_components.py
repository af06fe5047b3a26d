"""The replay page's presentation helpers: clock, track split by speed bin, player data."""

import numpy as np

from components.replay import _track_layers, clock, player_data, timeline_figure


def _payload(**track) -> dict:
    base = {"t": [0, 10, 20, 30, 40], "lat": [0.0, 0.1, 0.2, 0.3, 0.4], "lon": [0.0] * 5}
    base |= {"v": [0, 10, 10, 50, 50], "bin": [0, 1, 1, 2, 2], "brk": []}
    base |= track
    return {
        "status": "ok",
        "day": "2026-11-26",
        "clock": [],
        "track": base,
        "stops": [],
        "gaps": [],
        "alerts": [],
    }


def test_clock_formats_seconds_since_midnight_and_applies_a_dst_shift():
    assert clock(9 * 3600 + 5 * 60 + 7) == "09:05:07"
    assert clock(None) == "—"
    # From 02:00 the wall clock runs an hour ahead (spring forward).
    assert clock(3 * 3600, [[2 * 3600, 3600]]) == "04:00:00"
    assert clock(3600, [[2 * 3600, 3600]]) == "01:00:00"


def test_track_splits_into_one_line_per_speed_bin_sharing_the_joint_point():
    lines = {line.color: line.positions for line in _track_layers(_payload())}

    assert len(lines) == 2
    city, arterial = lines.values()
    assert [p.tolist() for p in city] == [[[0.0, 0.0], [0.1, 0.0], [0.2, 0.0]]]
    assert [p.tolist() for p in arterial] == [[[0.2, 0.0], [0.3, 0.0], [0.4, 0.0]]]


def test_track_line_is_broken_at_a_gap():
    lines = _track_layers(_payload(bin=[0, 1, 1, 1, 1], brk=[3]))

    (only,) = lines
    assert [p.tolist() for p in only.positions] == [
        [[0.0, 0.0], [0.1, 0.0], [0.2, 0.0]],
        [[0.3, 0.0], [0.4, 0.0]],
    ]


def test_player_starts_at_the_requested_time_only_inside_the_track():
    assert player_data(_payload(), lang="en", start=25)["start"] == 25
    assert player_data(_payload(), lang="en", start=99)["start"] == 0
    assert player_data({"status": "not_found"}, lang="en", start=None) == {"ok": False}
    assert isinstance(player_data(_payload(), lang="en", start=None)["lat"], np.ndarray)


def test_empty_timeline_keeps_every_lane_in_order():
    fig = timeline_figure({"status": "not_found"}, lang="en", theme="dark")

    assert fig["data"] == []
    assert fig["layout"]["yaxis"]["categoryarray"][0] == "Alerts"

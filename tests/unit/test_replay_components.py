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


def test_off_duty_is_a_shaded_labelled_band_and_a_line_in_the_gaps_lane():
    """Work 08:30-10:20; a silence 10:20-10:50 after work; the track runs 10:00-11:06."""
    p = _payload(t=[36000, 39000], lat=[31.0, 31.001], lon=[121.0, 121.0], v=[0, 0], bin=[0, 0])
    p |= {"trips": [], "visits": [], "photos": [], "expenses": []}
    p["rep"] = {"work": [30600, 37200]}
    p["summary"] = {"first_fix": 36000, "last_fix": 39000}
    p["off_duty"] = [{"start": 37200, "end": 39000, "duration_s": 1800}]
    for lang, word in (("en", "off duty"), ("zh", "非工作时间")):
        fig = timeline_figure(p, lang=lang, theme="light")
        # The axis runs 08:15-11:05: bands before 08:30 and after 10:20.
        before, after = fig["layout"]["shapes"]
        assert (before["x0"][-8:], before["x1"][-8:]) == ("08:15:00", "08:30:00")
        assert (after["x0"][-8:], after["x1"][-8:]) == ("10:20:00", "11:05:00")
        assert [a["text"] for a in fig["layout"]["annotations"]] == [word, word]
        gaps = next(tr for tr in fig["data"] if tr["name"] in ("Gaps", "中断"))
        assert [text.split(" ", 1)[1].split(" · ")[0] for text in gaps["hovertext"]] == [word]
        assert gaps["marker"]["color"] == ["#adb5bd"]
        idle = player_data(p, lang=lang, start=None)["idle"]
        assert [37200, 39000, "o", 0, word] in idle

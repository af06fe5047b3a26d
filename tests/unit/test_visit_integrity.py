"""The per-visit integrity: its contributing rules (pure core) and how the pages show it."""

from __future__ import annotations

import pandas as pd
import pytest

from components.drill import drill_columns, drill_rows
from components.integrity import integrity_badge, integrity_level, integrity_text, rule_names
from components.replay import summary_panel, timeline_figure
from dashboard.rules.integrity import contributing_rules, visit_integrity


def test_contributing_rules_are_distinct_heaviest_penalty_first_then_by_code():
    fired = ["SHORT_VISIT", "GEOFENCE_MISS", "OFF_HOURS", "GEOFENCE_MISS", "DEVICE_SHARED"]
    assert contributing_rules(fired) == [
        "DEVICE_SHARED",
        "GEOFENCE_MISS",
        "SHORT_VISIT",
        "OFF_HOURS",
    ]
    assert contributing_rules([]) == []


def test_visit_integrity_of_no_alert_and_of_one_high_and_one_medium():
    assert visit_integrity([]) == (100, [])
    assert visit_integrity(["SHORT_VISIT", "GEOFENCE_MISS"]) == (
        50,
        ["GEOFENCE_MISS", "SHORT_VISIT"],
    )


def test_an_unknown_rule_is_refused_by_name():
    with pytest.raises(ValueError, match="NOT_A_RULE"):
        contributing_rules(["GEOFENCE_MISS", "NOT_A_RULE"])


@pytest.mark.parametrize(
    ("score", "level"),
    [(100, "ok"), (80, "ok"), (79, "doubt"), (50, "doubt"), (49, "bad"), (0, "bad"), (None, None)],
)
def test_integrity_levels_are_green_from_80_amber_from_50_red_below(score, level):
    assert integrity_level(score) == level


def test_rules_are_named_in_the_viewers_language():
    assert rule_names(["GEOFENCE_MISS", "SHORT_VISIT"], "en") == "Outside the geofence, Short visit"
    assert rule_names(["GEOFENCE_MISS"], "zh") == "围栏外签到"
    assert rule_names([], "en") == "—"
    assert integrity_text(50, ["SHORT_VISIT"], "en") == "Integrity 50 (Short visit)"
    assert integrity_text(100, [], "zh") == "可信度 100"


def test_evidence_badge_is_coloured_by_level_and_lists_the_rules_with_codes():
    badge = integrity_badge(50, ["GEOFENCE_MISS", "SHORT_VISIT"], "en", badge_id="b")
    score = badge.children[1]
    assert (score.children, score.color) == ("50 / 100", "warning")
    items = badge.children[3].children
    assert [li.children[2].children for li in items] == ["GEOFENCE_MISS", "SHORT_VISIT"]
    assert integrity_badge(30, ["PHOTO_REUSE"], "en", badge_id="b").children[1].color == "danger"


def _visit_frame() -> pd.DataFrame:
    ts = pd.Timestamp("2026-11-24T09:00:00+08:00")
    return pd.DataFrame(
        {
            "visit_id": ["v-1", "v-2"],
            "ts_local": [ts, ts + pd.Timedelta(hours=2)],
            "checked_out_local": [pd.NaT, pd.NaT],
            "in_geofence": [True, False],
            "effective": [True, False],
            "planned": [True, True],
            "sop_done": [0, 0],
            "sop_required": [0, 0],
            "integrity": [100, 50],
            "rules": [[], ["GEOFENCE_MISS", "SHORT_VISIT"]],
        }
    )


def test_drill_visits_show_integrity_coloured_and_the_rules_in_words_with_codes():
    rows = drill_rows("visits", _visit_frame(), {"rep": "rep-1", "day": "2026-11-24"}, "en")
    assert list(rows["integrity"]) == [100, 50]
    assert list(rows["rules"]) == ["—", "Outside the geofence, Short visit"]
    assert list(rows["rule_codes"]) == ["", "GEOFENCE_MISS, SHORT_VISIT"]
    cols = {c["field"]: c for c in drill_columns("visits", "en")}
    assert cols["integrity"]["headerName"] == "Integrity"
    assert set(cols["integrity"]["cellClassRules"]) == {
        "integrity-ok",
        "integrity-doubt",
        "integrity-bad",
    }
    assert cols["rules"]["tooltipField"] == "rule_codes"


def _replay_payload() -> dict:
    visit = {"t": 9 * 3600, "out": None, "customer_name": "Store", "lat": 31.2, "lon": 121.4}
    return {
        "status": "ok",
        "day": "2026-11-24",
        "rep": {"work": [8 * 3600, 18 * 3600]},
        "clock": [],
        "visits": [
            {**visit, "integrity": 100, "rules": []},
            {**visit, "t": 11 * 3600, "integrity": 50, "rules": ["GEOFENCE_MISS", "SHORT_VISIT"]},
        ],
        "stops": [],
        "trips": [],
        "gaps": [],
        "photos": [],
        "expenses": [],
        "alerts": [],
        "summary": {
            "km": 1.0,
            "drive_s": 0,
            "in_store_s": 0,
            "planned": 0,
            "done": 2,
            "detected_without_check_in": 0,
            "first_fix": None,
            "last_fix": None,
            "fixes": 0,
            "doubtful": 1,
            "min_integrity": 50,
        },
    }


def test_replay_timeline_colours_each_visit_by_integrity_and_names_its_rules():
    fig = timeline_figure(_replay_payload(), lang="en", theme="light")
    (visits,) = [tr for tr in fig["data"] if tr.get("name") == "Visits"]
    assert visits["marker"]["color"] == ["#198754", "#e69b00"]  # green 100, amber 50
    assert "Integrity 50 (Outside the geofence, Short visit)" in visits["hovertext"][1]


def test_replay_summary_counts_the_visits_in_doubt():
    panel = summary_panel(_replay_payload(), lang="en")
    stat = next(d.children[1] for d in panel.children if d.children[1].id == "replay-sum-integrity")
    assert stat.children == "1 · lowest 50"

"""The pure helpers of the load benches (bench/_loadlib.py): waves, labels, percentiles, freshness,
GPS batches."""

from __future__ import annotations

import json
import math
import sys
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest

from dashboard.geo import haversine_m

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import _loadlib as loadlib
from _loadlib import Captured, callback_label, freshness_seconds, group_waves, percentile


def _req(name: str, sent: float, done: float) -> Captured:
    return Captured("POST", "/_dash-update-component", name, sent, done, label=name)


def test_callbacks_sent_together_form_one_wave_and_a_later_one_starts_the_next():
    page = _req("page", 0.0, 1.0)
    a, b = _req("a", 1.1, 1.5), _req("b", 1.12, 2.0)
    chained = _req("chained", 1.6, 1.9)  # sent after a answered: may depend on it
    waves = group_waves([chained, b, page, a])
    assert [[r.label for r in w] for w in waves] == [["page"], ["a", "b"], ["chained"]]


def test_no_callbacks_make_no_waves():
    assert group_waves([]) == []


def test_label_is_the_first_output_and_the_count_of_the_others():
    body = json.dumps(
        {
            "output": "..x..",
            "outputs": [
                {"id": "teams-heatmap", "property": "figure"},
                {"id": {"name": "teams-overdue", "type": "data-grid"}, "property": "rowData"},
            ],
        }
    )
    assert callback_label(body) == "teams-heatmap.figure+1"


def test_label_of_a_single_output_drops_the_duplicate_suffix():
    body = json.dumps(
        {"output": "shell-url.search@abc", "outputs": {"id": "shell-url", "property": "search@abc"}}
    )
    assert callback_label(body) == "shell-url.search"


@pytest.mark.parametrize(
    ("q", "expected"), [(50, 5.0), (95, 10.0), (100, 10.0), (1, 1.0), (10, 1.0), (11, 2.0)]
)
def test_percentile_is_nearest_rank(q, expected):
    assert percentile([float(x) for x in range(10, 0, -1)], q) == expected


def test_percentile_of_nothing_is_nan():
    assert math.isnan(percentile([], 95))


def test_fresh_from_the_first_final_sample_that_stays_final():
    samples = [(10.0, "old"), (11.0, "new"), (12.0, "mid"), (13.0, "new"), (14.0, "new")]
    assert freshness_seconds(samples, "new", ingest_end=9.5) == pytest.approx(3.5)


def test_never_fresh_when_the_last_sample_is_not_final():
    assert freshness_seconds([(1.0, "new"), (2.0, "old")], "new", ingest_end=0.0) is None


def test_fresh_at_once_counts_zero_not_negative():
    assert freshness_seconds([(5.0, "new")], "new", ingest_end=6.0) == 0.0


def test_gps_batch_walks_on_from_its_start_at_a_plausible_speed_with_unique_ids():
    fixes = loadlib.gps_batch(
        rep_id="rep-1",
        device_id="d1",
        start=datetime(2026, 12, 4, 9, 48, 13),
        n=1000,
        tag="t",
        home=(31.298071, 121.498882),
    )
    assert len({f["id"] for f in fixes}) == 1000
    assert {f["rep_id"] for f in fixes} == {"rep-1"}
    # 1,000 fixes 5 s apart from the start (UTC), from where the track stood.
    assert fixes[0]["ts"] == "2026-12-04T09:48:13Z"
    assert fixes[-1]["ts"] == "2026-12-04T11:11:28Z"
    assert (fixes[0]["lat"], fixes[0]["lon"]) == (31.298071, 121.498882)
    # A walk at 1.5 m/s: far below any impossible speed, so the batch raises no alert by itself.
    speeds = [haversine_m(a["lat"], a["lon"], b["lat"], b["lon"]) / 5 for a, b in pairwise(fixes)]
    assert min(speeds) > 1.3 and max(speeds) < 1.7


def test_captured_plans_read_back_as_written():
    call = Captured("POST", loadlib.DASH_UPDATE, '{"output": "x.children"}', 1.0, 1.2, "a: x")
    plans = {"a": loadlib.PagePlan("a", "/", ["/", "/_dash-layout"], [[call], [call, call]])}
    again = loadlib.plans_from_json(loadlib.plans_to_json(plans))
    assert again == plans
    assert [len(w) for w in again["a"].waves] == [1, 2]


def test_the_recorder_counts_only_between_the_measures_start_and_stop():
    rec = loadlib.Recorder()
    rec.on_request("POST", "tiles", 100, 10, None)
    rec.reset()  # the measure starts: what came before (sign-ins, first loads) is dropped
    rec.on_request("POST", "tiles", 80, 10, None)
    rec.on_request("PAGE", "page overview", 200, 0, None)
    rec.on_request("POST", "tiles", 90, 10, None, context={"resent": True})
    rec.on_request("POST", "tiles", 90, 10, RuntimeError("closed"))
    rec.stop()
    # A request in flight at the stop, or the next stage's ramp-up, answers after it.
    rec.on_request("POST", "tiles", 900, 10, None)
    rec.on_request("POST", "tiles", 900, 10, RuntimeError("late"))
    assert dict(rec.times) == {"tiles": [0.08], "page overview": [0.2]}
    assert (rec.requests, rec.page_loads, dict(rec.errors)) == (3, 1, {"tiles": 1})

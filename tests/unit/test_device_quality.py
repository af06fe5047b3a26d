"""Bad phone ≠ cheater (contract §2 as amended, §2a): coarse and cached fixes never accuse a rep,
they are counted in the device's data-quality record instead."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from dashboard.rules import AuthenticityConfig
from dashboard.rules import authenticity as a
from dashboard.rules import quality as q
from tests.unit.test_rules_authenticity import LAT, LON, T0, WORK, day, north

CFG = AuthenticityConfig()


def track(points, providers=None, devices=None) -> a.Fixes:
    """points: (t offset s, lat, lon, accuracy_m)."""
    return a.sorted_fixes(
        [f"f{i:03d}" for i in range(len(points))],
        [T0 + p[0] for p in points],
        [p[1] for p in points],
        [p[2] for p in points],
        [p[3] for p in points],
        device_ids=devices,
        providers=providers,
    )


def walk(n=20, step_s=60.0, acc=10.0):
    """A rep walking north 30 m a minute: n good fixes."""
    return [(i * step_s, north(30.0 * i), LON, acc) for i in range(n)]


def with_fallback(acc_of_fallback: float):
    """A good walk with one fix 4 km away at minute 10 (a cell-tower fallback if coarse)."""
    pts = walk()
    t, lat, lon, _acc = pts[10]
    pts[10] = (t, north(4000.0, lat), lon, acc_of_fallback)
    return pts


def identical(n: int, span_s: float):
    step = span_s / (n - 1)
    return [(i * step, LAT, LON, 25.0) for i in range(n)]


# ------------------------------------------------------------------------ the amended rules

SPEED_CASES = [
    # (name, fallback accuracy, IMPOSSIBLE_SPEED alerts, coarse jumps counted)
    ("fallback 2,500 m accuracy: no alert, one coarse jump", 2500.0, 0, 1),
    ("same jump with 10 m accuracy: an IMPOSSIBLE_SPEED (out and back)", 10.0, 2, 0),
    ("exactly at the limit (100 m) still counts as good", 100.0, 2, 0),
    ("just coarser than the limit (100.1 m): a data-quality event", 100.1, 0, 1),
]


@pytest.mark.parametrize(
    ("name", "acc", "alerts", "jumps"), SPEED_CASES, ids=[c[0] for c in SPEED_CASES]
)
def test_impossible_speed_counts_only_accurate_fixes(name, acc, alerts, jumps):
    fx = track(with_fallback(acc))
    found = a.find_impossible_speeds(day(fx=fx), CFG)
    assert len(found) == alerts
    assert q.count_coarse_jumps(fx.t_s, fx.lat, fx.lon, fx.accuracy_m, CFG) == jumps


def test_impossible_speed_evidence_names_the_accuracies_compared():
    fx = track(with_fallback(10.0))
    alert = a.find_impossible_speeds(day(fx=fx), CFG)[0]
    assert alert.evidence["accuracy_m"] == [10.0, 10.0]
    assert alert.evidence["max_accuracy_m"] == 100.0
    assert "accuracy" in alert.summary


def test_a_teleport_between_two_accurate_fixes_around_a_coarse_one_still_fires():
    # good A, coarse X, good B 5 km from A 60 s later: the jump A→B counts (X is skipped).
    pts = [(0.0, LAT, LON, 8.0), (30.0, north(800.0), LON, 3000.0), (60.0, north(5000.0), LON, 8.0)]
    found = a.find_impossible_speeds(day(fx=track(pts)), CFG)
    assert [x.evidence["fix_ids"] for x in found] == [["f000", "f002"]]
    assert found[0].evidence["accuracy_m"] == [8.0, 8.0]


def test_two_fallback_fixes_at_one_tower_are_two_coarse_jumps_and_no_alert():
    pts = walk()
    for i in (10, 11):
        pts[i] = (pts[i][0], north(4000.0), LON, 1800.0)
    fx = track(pts)
    assert a.find_impossible_speeds(day(fx=fx), CFG) == []
    assert q.count_coarse_jumps(fx.t_s, fx.lat, fx.lon, fx.accuracy_m, CFG) == 2


STATIC_CASES = [
    # (name, provider, fixes, span s, STATIC_SPOOF alerts, cached runs)
    ("12 identical fused fixes over 11 min: cached, no alert", "fused", 12, 660.0, 0, 1),
    ("12 identical network fixes over 11 min: cached", "network", 12, 660.0, 0, 1),
    ("12 identical wifi fixes over 11 min: cached", "wifi", 12, 660.0, 0, 1),
    ("12 identical gps fixes over 11 min: a STATIC_SPOOF", "gps", 12, 660.0, 1, 0),
    ("12 identical fixes without a provider: satellite, a STATIC_SPOOF", None, 12, 660.0, 1, 0),
    ("9 identical fused fixes: too few to be a cached run", "fused", 9, 660.0, 0, 0),
    ("12 identical fused fixes over 9 min: too short", "fused", 12, 540.0, 0, 0),
]


@pytest.mark.parametrize(
    ("name", "provider", "n", "span", "alerts", "cached"),
    STATIC_CASES,
    ids=[c[0] for c in STATIC_CASES],
)
def test_static_spoof_counts_only_satellite_fixes(name, provider, n, span, alerts, cached):
    fx = track(identical(n, span), providers=[provider] * n)
    assert len(a.find_static_spoofs(day(fx=fx), CFG)) == alerts
    assert q.count_cached_runs(fx.t_s, fx.lat, fx.lon, fx.satellite(), CFG) == cached


def test_static_spoof_evidence_names_the_provider():
    fx = track(identical(12, 660.0), providers=["gps"] * 12)
    alert = a.find_static_spoofs(day(fx=fx), CFG)[0]
    assert alert.evidence["provider"] == "gps"
    assert alert.evidence["accuracy_m"] == 25.0
    assert "satellite" in alert.summary


def test_satellite_run_interleaved_with_cached_fixes_is_still_a_spoof():
    # A spoofer's frozen gps position does not hide behind fused fixes in between.
    pts, provs = [], []
    for i in range(12):
        pts.append((i * 60.0, LAT, LON, 5.0))
        provs.append("gps")
        pts.append((i * 60.0 + 30.0, north(50.0), LON, 30.0))
        provs.append("fused")
    assert len(a.find_static_spoofs(day(fx=track(pts, providers=provs)), CFG)) == 1


# ------------------------------------------------------------------------ the §2a record


def test_assess_rep_day_splits_devices_and_counts_everything():
    pts = with_fallback(2500.0) + [(1500.0 + p[0], p[1], p[2], p[3]) for p in identical(12, 660.0)]
    provs = ["gps"] * 20 + ["fused"] * 12
    devs = ["d-1"] * 32
    pts.append((3000.0, LAT, LON, 15.0))
    provs.append("gps")
    devs.append("d-2")
    records = q.assess_rep_day(track(pts, provs, devs), [], WORK, CFG)
    by_dev = {r.device_id: r for r in records}
    assert sorted(by_dev) == ["d-1", "d-2"]
    d1 = by_dev["d-1"]
    assert (d1.fixes, d1.coarse, d1.coarse_jumps, d1.cached_runs) == (32, 1, 1, 1)
    assert d1.median_accuracy_m == 10.0  # 19 × 10 m, 12 × 25 m, 1 × 2,500 m
    assert by_dev["d-2"].fixes == 1


def test_gaps_by_reason_use_the_devices_events():
    pts = [(0.0, LAT, LON, 10.0), (60.0, LAT, LON, 10.0), (60.0 + 3600.0, LAT, LON, 10.0)]
    events = [(T0 + 100.0, "power_off", "d-1")]
    rec = q.assess_rep_day(track(pts, devices=["d-1"] * 3), events, WORK, CFG)[0]
    assert rec.gaps == {"power_off": 1}
    other = q.assess_rep_day(track(pts, devices=["d-9"] * 3), events, WORK, CFG)[0]
    assert other.gaps == {"unknown": 1}


@pytest.mark.parametrize(
    ("values", "median"),
    [
        ([], None),
        ([5.0], 5.0),
        ([5.0, 7.0], 6.0),
        ([3.0, 1.0, 2.0], 2.0),
        ([10.0] * 3 + [2500.0] * 2, 10.0),
    ],
)
def test_median_from_histogram_is_exact(values, median):
    hist = q.accuracy_histogram(np.asarray(values, float))
    assert q.median_from_hist(hist) == median
    if values:
        assert q.median_from_hist(hist) == pytest.approx(float(np.median(values)))


def test_histograms_merge_to_the_median_of_the_whole_period():
    a_vals, b_vals = [3.0, 4.0, 4.5], [2000.0, 2500.0]
    merged = q.merge_histograms(
        [q.accuracy_histogram(np.asarray(a_vals)), q.accuracy_histogram(np.asarray(b_vals))]
    )
    assert q.median_from_hist(merged) == float(np.median(a_vals + b_vals))


def _days(share: float, n: int, fixes: int = 200):
    start = date(2026, 11, 2)
    return [(start + timedelta(days=i), fixes, round(fixes * share)) for i in range(n)]


@pytest.mark.parametrize(
    ("name", "days", "to_check"),
    [
        ("35 % coarse over 5 working days: to check", _days(0.35, 5), True),
        ("25 % coarse over 5 working days: not", _days(0.25, 5), False),
        ("35 % over only 4 working days: not enough to judge", _days(0.35, 4), False),
        ("exactly 30 %: not above the limit", _days(0.30, 5), False),
        (
            "bad a month ago, fine in the last 5 working days: fixed, not to check",
            _days(0.6, 10)
            + [(d + timedelta(days=20), n, round(n * 0.05)) for d, n, _c in _days(0, 5)],
            False,
        ),
        (
            "days without fixes are not working days",
            [*_days(0.35, 5), (date(2026, 12, 1), 0, 0)],
            True,
        ),
    ],
)
def test_device_to_check(name, days, to_check):
    assert q.is_to_check(days, CFG) is to_check


def test_summaries_fold_days_and_put_devices_to_check_first():
    def rec(device, rep, d, fixes, coarse, **kw):
        return {
            "device_id": device,
            "rep_id": rep,
            "local_date": d,
            "fixes": fixes,
            "coarse": coarse,
            "coarse_jumps": kw.get("jumps", 0),
            "cached_runs": kw.get("cached", 0),
            "gaps": kw.get("gaps", {}),
            "accuracy_hist": kw.get("hist", {"10.0": fixes - coarse, "2500.0": coarse}),
        }

    rows = [rec("good", "r-1", d, n, c) for d, n, c in _days(0.02, 5)]
    rows += [
        rec("poor", "r-2", d, n, c, jumps=2, cached=1, gaps={"network_lost": 1})
        for d, n, c in _days(0.4, 5)
    ]
    out = q.summarize_devices(rows, CFG)
    assert [s.device_id for s in out] == ["poor", "good"]
    poor = out[0].as_export()
    assert poor == {
        "device_id": "poor",
        "rep_id": "r-2",
        "days": 5,
        "fixes": 1000,
        "coarse_share": 0.4,
        "coarse_jumps": 10,
        "cached_runs": 5,
        "gaps": 5,
        "gaps_by_reason": {"network_lost": 5},
        "median_accuracy_m": 10.0,
        "to_check": True,
    }
    assert out[1].to_check is False


def test_quality_events_never_reach_the_integrity_score():
    # A day of nothing but coarse fallbacks and cached runs raises no authenticity alert at all.
    pts = with_fallback(2500.0) + [(1500.0 + p[0], p[1], p[2], p[3]) for p in identical(12, 660.0)]
    provs = ["fused"] * len(pts)
    found = a.judge_rep_day(day(fx=track(pts, provs)), CFG, lambda t: "")
    assert [x.rule for x in found] == []

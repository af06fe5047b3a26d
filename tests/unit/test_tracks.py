"""Unit tests for dashboard.tracks: cleaning, stops, trips, gaps, explanations, simplification."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import tracks
from dashboard.geo import EARTH_RADIUS_M, haversine_m, path_length_m
from dashboard.tracks import TrackConfig, analyze_day, detect_stops, explain_gap, find_gaps

LAT0, LON0 = 31.2304, 121.4737  # People's Square, Shanghai
T0 = 1_780_000_000.0  # a morning in 2026 (UTC seconds)
M_PER_DEG = math.radians(1.0) * EARTH_RADIUS_M


def at(east_m: float, north_m: float) -> tuple[float, float]:
    """Return (lat, lon) of a point east/north of the origin, in metres."""
    lat = LAT0 + north_m / M_PER_DEG
    lon = LON0 + east_m / (M_PER_DEG * math.cos(math.radians(LAT0)))
    return lat, lon


class Track:
    """A small builder: a rep-day of fixes, written as stays and drives in local metres."""

    def __init__(self, step_s: float = 30.0) -> None:
        self.step_s = step_s
        self.t: list[float] = []
        self.xy: list[tuple[float, float]] = []
        self.acc: list[float] = []
        self.now = T0

    def fix(self, x: float, y: float, *, dt: float | None = None, acc: float = 10.0) -> Track:
        self.now += self.step_s if dt is None and self.t else (dt or 0.0)
        self.t.append(self.now)
        self.xy.append((x, y))
        self.acc.append(acc)
        return self

    def stay(self, x: float, y: float, minutes: float, *, jitter_m: float = 0.0) -> Track:
        """Fixes every step at (x, y) for ``minutes`` (with a deterministic wobble)."""
        count = round(minutes * 60.0 / self.step_s)
        for k in range(count):
            wobble = jitter_m * math.sin(k * 1.7), jitter_m * math.cos(k * 2.3)
            self.fix(x + wobble[0], y + wobble[1])
        return self

    def drive(self, x1: float, y1: float, speed_mps: float = 10.0) -> Track:
        """Fixes every step along a straight line to (x1, y1) at ``speed_mps``."""
        x0, y0 = self.xy[-1]
        length = math.hypot(x1 - x0, y1 - y0)
        steps = max(1, math.ceil(length / (speed_mps * self.step_s)))
        for k in range(1, steps + 1):
            f = k / steps
            self.fix(x0 + f * (x1 - x0), y0 + f * (y1 - y0), dt=length / steps / speed_mps)
        return self

    def silence(self, minutes: float) -> Track:
        self.now += minutes * 60.0 - self.step_s
        return self

    def arrays(self):
        lat_lon = [at(x, y) for x, y in self.xy]
        return (
            np.array(self.t),
            np.array([p[0] for p in lat_lon]),
            np.array([p[1] for p in lat_lon]),
            np.array(self.acc),
        )

    def analyze(self, **kw) -> tracks.DayTrack:
        return analyze_day(*self.arrays(), **kw)


# --------------------------------------------------------------------------
# Named scenarios
# --------------------------------------------------------------------------


def test_simple_trip_between_two_stops_measures_the_drive():
    day = Track().stay(0, 0, 20).drive(3000, 0, speed_mps=10).stay(3000, 0, 20).analyze()
    assert len(day.stops) == 2
    first, second = day.stops
    # The classic leave time: the first fix outside the 100 m radius, 30 s after the last inside.
    assert first.dwell_s == pytest.approx(20 * 60)
    assert first.n_fixes == 40
    assert haversine_m(first.lat, first.lon, *at(0, 0)) < 1.0
    assert haversine_m(second.lat, second.lon, *at(3000, 0)) < 1.0
    assert len(day.trips) == 1
    trip = day.trips[0]
    assert trip.distance_m == pytest.approx(3000.0, rel=1e-3)
    assert trip.start_s == first.end_s and trip.end_s == second.start_s
    assert trip.duration_s == pytest.approx(270.0)
    assert trip.avg_speed_mps == pytest.approx(3000.0 / 270.0, rel=1e-3)
    assert trip.max_speed_mps == pytest.approx(10.0, rel=1e-3)
    assert trip.first_index == first.last_index
    assert trip.last_index == second.first_index
    assert day.km == pytest.approx(3.0, rel=1e-3)
    assert day.moving_s == pytest.approx(270.0)
    assert day.stopped_s == pytest.approx(first.dwell_s + second.dwell_s)
    assert day.gaps == []


def test_stop_at_the_end_of_the_day_is_reported():
    day = Track().fix(0, 0).drive(2000, 0).stay(2000, 0, 12).analyze()
    assert len(day.stops) == 1
    stop = day.stops[0]
    assert stop.last_index == len(day.kept) - 1
    assert stop.dwell_s >= 11 * 60
    assert len(day.trips) == 1
    assert day.trips[0].last_index == stop.first_index


def test_short_stop_below_threshold_is_not_a_stop():
    day = Track().stay(0, 0, 10).drive(2000, 0).stay(2000, 0, 4).drive(4000, 0).analyze()
    assert len(day.stops) == 1
    assert day.stops[0].first_index == 0
    assert len(day.trips) == 1
    assert day.trips[0].distance_m == pytest.approx(4000.0, rel=1e-3)


def test_jitter_while_parked_counts_no_distance():
    parked = Track(step_s=10).stay(0, 0, 60, jitter_m=25).analyze()
    assert len(parked.stops) == 1
    assert parked.trips == []
    assert parked.km == 0.0
    # The old summary would have counted the wobble as kilometres.
    t, la, lo, acc = Track(step_s=10).stay(0, 0, 60, jitter_m=25).arrays()
    assert tracks.summarize_day(t, la, lo, acc).km > 5.0


def test_gap_splitting_a_stop_gives_two_stops_and_a_gap():
    day = Track().stay(0, 0, 20).silence(40).stay(10, 0, 20).analyze()
    assert len(day.stops) == 2
    assert day.stops[1].start_s - day.stops[0].end_s == pytest.approx(40 * 60)
    assert len(day.gaps) == 1
    assert day.gaps[0].duration_s == pytest.approx(40 * 60)
    assert day.gaps[0].plausible
    # The silent span at the same place is no trip, and no distance.
    assert day.trips == []
    assert day.km == 0.0


def test_single_spike_is_isolated_and_not_counted():
    trk = Track().stay(0, 0, 10).drive(1500, 0).stay(1500, 0, 10)
    spike_at = len(trk.t)
    trk.fix(8000, 5000).stay(1500, 0, 10)
    day = trk.analyze()
    assert day.spikes.tolist() == [spike_at]
    assert spike_at not in day.kept
    assert day.jumps.size == 0
    assert day.km == pytest.approx(1.5, rel=1e-3)
    assert len(day.stops) == 2


def test_unsorted_input_gives_original_indices():
    t, la, lo, acc = Track().stay(0, 0, 10).drive(2000, 0).stay(2000, 0, 10).arrays()
    sorted_day = analyze_day(t, la, lo, acc)
    perm = np.random.default_rng(7).permutation(t.size)
    day = analyze_day(t[perm], la[perm], lo[perm], acc[perm])
    assert day.km == pytest.approx(sorted_day.km)
    assert np.array_equal(perm[day.kept], sorted_day.kept)
    for mine, ref in zip(day.stops, sorted_day.stops, strict=True):
        assert perm[mine.first_index] == ref.first_index
        assert perm[mine.last_index] == ref.last_index
        assert mine.start_s == ref.start_s
        assert mine.lat == pytest.approx(ref.lat)


def test_empty_day_is_empty():
    day = analyze_day([], [], [], [])
    assert day.kept.size == 0 and day.spikes.size == 0 and day.jumps.size == 0
    assert day.stops == [] and day.trips == [] and day.gaps == []
    assert day.km == 0.0 and day.moving_s == 0.0 and day.stopped_s == 0.0


def test_signal_lost_indoors_keeps_the_visit_dwell_to_the_first_fix_outside():
    # Two fixes at the door, 12 min without signal inside, then seen 300 m away.
    trk = Track().fix(0, 0).fix(5, 0).silence(12).fix(300, 0).drive(2000, 0)
    day = trk.analyze()
    assert len(day.stops) == 1
    stop = day.stops[0]
    assert stop.n_fixes == 2 and stop.last_index == 1
    assert stop.end_s == trk.t[2]  # the classic leave time
    assert stop.dwell_s == pytest.approx(12.5 * 60)
    assert day.trips[0].start_s == stop.end_s


def test_stop_cut_by_a_data_gap_is_kept_and_ends_at_its_last_fix():
    trk = Track().stay(0, 0, 10).silence(30).fix(3000, 0).drive(5000, 0)
    day = trk.analyze()
    assert len(day.stops) == 1
    assert day.stops[0].end_s == trk.t[19]
    assert day.stops[0].dwell_s == pytest.approx(9.5 * 60)
    assert len(day.gaps) == 1


def test_ping_pong_between_two_places_is_jumps_not_spikes():
    trk = Track().stay(0, 0, 5)
    for k in range(6):
        trk.fix(20000 * (k % 2 == 0), 0, dt=10)
    day = trk.analyze()
    assert day.spikes.size == 0
    assert day.jumps.size >= 5
    assert day.km == 0.0


# --------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------


def test_cleaning_drops_inaccurate_duplicate_and_zero_fixes():
    t = np.array([T0, T0 + 30, T0 + 30, T0 + 60, T0 + 90])
    la = np.array([LAT0, LAT0, LAT0 + 0.001, 0.0, LAT0])
    lo = np.array([LON0, LON0, LON0, 0.0, LON0])
    acc = np.array([5.0, 500.0, 5.0, 5.0, 5.0])
    day = analyze_day(t, la, lo, acc)
    # index 1 is inaccurate, index 2 then stands alone at its time; index 3 is (0, 0).
    assert day.kept.tolist() == [0, 2, 4]
    t2 = np.array([T0, T0 + 30, T0 + 30])
    day2 = analyze_day(t2, [LAT0] * 3, [LON0, LON0, LON0 + 0.001], [5.0, 9.0, 3.0])
    assert day2.kept.tolist() == [0, 2]  # the more accurate of the two at T0 + 30


def test_jump_without_return_is_flagged_and_not_distance():
    trk = Track().stay(0, 0, 10)
    jump_at = len(trk.t)
    trk.fix(20000, 0).stay(20000, 0, 10)
    day = trk.analyze()
    assert day.jumps.tolist() == [jump_at]
    assert day.spikes.size == 0
    assert day.km == 0.0


def test_bad_window_customers_and_tolerance_are_named():
    args = ([T0, T0 + 60], [LAT0] * 2, [LON0] * 2, [5.0] * 2)
    with pytest.raises(ValueError, match="work_window ends before it starts"):
        analyze_day(*args, work_window=(T0 + 10, T0))
    with pytest.raises(ValueError, match="customers must be"):
        analyze_day(*args, customers=(["a"], [LAT0]))
    with pytest.raises(ValueError, match="customers: 2 ids but 1 lats"):
        analyze_day(*args, customers=(["a", "b"], [LAT0], [LON0], [100.0]))
    with pytest.raises(ValueError, match="min_gap_s"):
        find_gaps(args[0], args[1], args[2], min_gap_s=0)
    with pytest.raises(ValueError, match="tolerance_m"):
        tracks.simplify(args[1], args[2], -1.0)


def test_mismatched_lengths_are_named():
    with pytest.raises(ValueError, match="lons has 1 values but t_s has 2"):
        analyze_day([T0, T0 + 1], [LAT0, LAT0], [LON0], [5.0, 5.0])


# --------------------------------------------------------------------------
# Stops and customers
# --------------------------------------------------------------------------


def test_stop_is_assigned_to_the_nearest_customer_whose_geofence_holds_it():
    trk = Track().stay(0, 0, 10).drive(2000, 0).stay(2000, 0, 10)
    customers = (
        ["far", "near", "big"],
        np.array([at(300, 0)[0], at(30, 0)[0], at(2100, 0)[0]]),
        np.array([at(300, 0)[1], at(30, 0)[1], at(2100, 0)[1]]),
        np.array([200.0, 200.0, 150.0]),
    )
    day = trk.analyze(customers=customers)
    assert [s.customer_id for s in day.stops] == ["near", "big"]
    no_fence = (["x"], [at(500, 0)[0]], [at(500, 0)[1]], [100.0])
    assert [s.customer_id for s in trk.analyze(customers=no_fence).stops] == [None, None]


def test_detect_stops_merges_neighbouring_stay_points():
    # Three spots 60 m apart in one large site: the sliding window splits them into two stay
    # points (0-60 m, then 120 m) whose centres lie 90 m apart.
    trk = Track().stay(0, 0, 15).stay(60, 0, 15).stay(120, 0, 15)
    t, la, lo, _ = trk.arrays()
    unmerged = detect_stops(t, la, lo, TrackConfig(stop_merge_m=0.0))
    merged = detect_stops(t, la, lo)
    assert len(unmerged) == 2
    assert len(merged) == 1
    assert merged[0].first_index == unmerged[0].first_index
    assert merged[0].last_index == unmerged[1].last_index
    assert merged[0].n_fixes == t.size


# --------------------------------------------------------------------------
# Gaps
# --------------------------------------------------------------------------


def _gappy_track():
    # 08:00-09:00 fixes, silence 09:00-10:00, fixes to 11:00, 6 km away.
    return Track(step_s=60).stay(0, 0, 60).silence(60).stay(6000, 0, 60)


def test_gap_inside_the_work_window_is_reported_with_displacement():
    t, la, lo, _ = _gappy_track().arrays()
    gaps = find_gaps(t, la, lo, min_gap_s=1800.0, work_window=(T0, T0 + 6 * 3600))
    assert len(gaps) == 1
    gap = gaps[0]
    assert gap.duration_s == pytest.approx(3600.0)
    assert gap.before_index + 1 == gap.after_index
    assert gap.displacement_m == pytest.approx(6000.0, rel=1e-3)
    assert gap.plausible  # 6 km in an hour is a city drive


def test_gap_outside_the_work_window_is_not_reported_and_partial_overlap_is_clipped():
    t, la, lo, _ = _gappy_track().arrays()
    gap_start = t[59]
    assert find_gaps(t, la, lo, work_window=(T0 + 5 * 3600, T0 + 9 * 3600)) == []
    clipped = find_gaps(t, la, lo, work_window=(gap_start + 600, T0 + 9 * 3600))
    assert len(clipped) == 1
    assert clipped[0].start_s == gap_start + 600
    assert clipped[0].duration_s == pytest.approx(3000.0)
    assert find_gaps(t, la, lo, work_window=(gap_start + 2000, T0 + 9 * 3600)) == []


def test_gap_with_impossible_displacement_is_implausible():
    t = np.array([T0, T0 + 1800])
    la, lo = zip(at(0, 0), at(40000, 0), strict=True)
    (gap,) = find_gaps(t, la, lo)
    assert not gap.plausible


def test_analyze_day_reports_gaps_on_the_cleaned_track():
    day = _gappy_track().analyze(work_window=(T0, T0 + 6 * 3600))
    assert len(day.gaps) == 1
    assert len(day.stops) == 2
    assert len(day.trips) == 1  # 6 km moved across the gap
    assert day.km == pytest.approx(6.0, rel=1e-3)


@pytest.mark.parametrize("reason", tracks.GAP_REASONS)
def test_explain_gap_names_the_event_in_the_gap(reason):
    events = [(T0 + 10, "checkin"), (T0 + 600, reason)]
    assert explain_gap(T0, T0 + 3600, events) == reason


def test_explain_gap_takes_the_event_just_before_the_gap():
    assert explain_gap(T0, T0 + 3600, [(T0 - 299, "power_off")]) == "power_off"
    assert explain_gap(T0, T0 + 3600, [(T0 - 301, "power_off")]) == "unknown"


def test_explain_gap_prefers_the_earliest_event():
    events = [(T0 + 900, "app_killed"), (T0 + 100, "network_lost"), (T0 + 50, "battery_low")]
    assert explain_gap(T0, T0 + 3600, events) == "network_lost"


def test_explain_gap_is_unknown_without_a_matching_event():
    assert explain_gap(T0, T0 + 3600, []) == "unknown"
    assert explain_gap(T0, T0 + 3600, [(T0 + 3600, "power_off")]) == "unknown"
    assert explain_gap(T0, T0 + 3600, [(T0 + 60, "mock_app_detected")]) == "unknown"


# --------------------------------------------------------------------------
# Simplification
# --------------------------------------------------------------------------


def test_simplify_keeps_ends_and_corners():
    trk = Track(step_s=10).stay(0, 0, 0.5).drive(1000, 0).drive(1000, 1000)
    _, la, lo, _ = trk.arrays()
    kept = tracks.simplify(la, lo, 5.0)
    assert kept[0] == 0 and kept[-1] == la.size - 1
    corner = int(np.argmin([haversine_m(a, b, *at(1000, 0)) for a, b in zip(la, lo, strict=True)]))
    assert corner in kept
    assert kept.size <= 4


def test_tolerance_for_zoom_halves_per_level():
    assert tracks.tolerance_for_zoom(0) == pytest.approx(156543.03, rel=1e-6)
    for z in range(0, 20):
        assert tracks.tolerance_for_zoom(z + 1) == pytest.approx(tracks.tolerance_for_zoom(z) / 2)
    with pytest.raises(ValueError, match="zoom"):
        tracks.tolerance_for_zoom(30)


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

_fixes = st.lists(
    st.tuples(
        st.integers(0, 6 * 3600),
        st.floats(-3000, 3000),
        st.floats(-3000, 3000),
        st.sampled_from([5.0, 20.0, 150.0]),
    ),
    max_size=60,
)


def _fix_arrays(rows):
    t = np.array([T0 + r[0] for r in rows], dtype=float)
    pts = [at(r[1], r[2]) for r in rows]
    la = np.array([p[0] for p in pts], dtype=float)
    lo = np.array([p[1] for p in pts], dtype=float)
    acc = np.array([r[3] for r in rows], dtype=float)
    return t, la, lo, acc


@settings(max_examples=150, deadline=None)
@given(_fixes)
def test_property_day_invariants(rows):
    t, la, lo, acc = _fix_arrays(rows)
    day = analyze_day(t, la, lo, acc)
    kept = day.kept
    assert np.all(np.diff(t[kept]) > 0)
    assert set(kept.tolist()).isdisjoint(day.spikes.tolist())
    assert set(day.jumps.tolist()) <= set(kept.tolist())
    # km never exceeds the plain length of the cleaned track
    assert day.km * 1000.0 <= path_length_m(la[kept], lo[kept]) + 1e-6
    assert day.km >= 0.0
    for stop in day.stops:
        assert stop.dwell_s >= 300.0
        assert stop.end_s - stop.start_s == stop.dwell_s
    for a, b in zip(day.stops, day.stops[1:], strict=False):
        assert a.end_s <= b.start_s
    total = t[kept][-1] - t[kept][0] if kept.size else 0.0
    assert day.moving_s + day.stopped_s <= total + 1e-6
    # order of the input does not matter
    perm = np.random.default_rng(len(rows)).permutation(t.size)
    shuffled = analyze_day(t[perm], la[perm], lo[perm], acc[perm])
    assert shuffled.km == pytest.approx(day.km)
    assert len(shuffled.stops) == len(day.stops)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-5000, 5000), st.floats(-5000, 5000)), max_size=80),
    st.floats(0, 500),
)
def test_property_simplify_keeps_ends_sorted_and_within_tolerance(points, tol):
    pts = [at(x, y) for x, y in points]
    la = np.array([p[0] for p in pts], dtype=float)
    lo = np.array([p[1] for p in pts], dtype=float)
    kept = tracks.simplify(la, lo, tol)
    if la.size == 0:
        assert kept.size == 0
        return
    assert kept[0] == 0 and kept[-1] == la.size - 1
    assert np.all(np.diff(kept) > 0)
    looser = tracks.simplify(la, lo, tol * 2 + 1)
    assert looser.size <= kept.size


def test_off_duty_spans_are_the_silences_parts_outside_the_work_window():
    from dashboard.tracks import off_duty_spans

    t = [100.0, 200.0, 5000.0, 5100.0, 9000.0, 12000.0]
    # Window 1000-8000: the silence 200-5000 is off duty up to 1000; 5100-9000 from 8000 on;
    # 9000-12000 (all after work) wholly off duty; 100-200 is too short to count.
    assert off_duty_spans(t, (1000.0, 8000.0), min_gap_s=1800) == [
        (200.0, 1000.0),
        (8000.0, 9000.0),
        (9000.0, 12000.0),
    ]
    assert off_duty_spans(t, (0.0, 20000.0), min_gap_s=1800) == []
    assert off_duty_spans([5.0], (0.0, 1.0), min_gap_s=1) == []

"""Authenticity rules (contract §2): just inside and just outside each threshold, clean days,
two rules at once, SIGNAL_GAP reasons."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from dashboard.geo import haversine_m
from dashboard.rules import SETTINGS, AuthenticityConfig, check_setting, integrity_score
from dashboard.rules import authenticity as a

DAY = date(2026, 11, 26)
T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC).timestamp()  # 09:00 in Shanghai
WORK = (datetime(2026, 11, 26, 0, 30, tzinfo=UTC).timestamp(), T0 + 9.5 * 3600)
LAT, LON = 31.2304, 121.4737
M_LAT = 1 / 111_194.93  # degrees of latitude per metre on the haversine sphere
CFG = AuthenticityConfig()
SHOP = a.Customer("c-1", "Store 1", LAT, LON, 200.0, "上海")


def north(m: float, lat: float = LAT) -> float:
    return lat + m * M_LAT


def fixes(points, *, mock=None, devices=None) -> a.Fixes:
    """points: (t offset s, lat, lon[, accuracy])."""
    ids = [f"f{i:03d}" for i in range(len(points))]
    return a.sorted_fixes(
        ids,
        [T0 + p[0] for p in points],
        [p[1] for p in points],
        [p[2] for p in points],
        [p[3] if len(p) > 3 else 10.0 for p in points],
        mock,
        devices,
    )


def visit(vid="v-1", t=0.0, lat=LAT, lon=LON, *, customer="c-1", out=None, photos=(), **kw):
    check_outs = ()
    if out is not None:
        co_t, co_lat, co_lon = out if isinstance(out, tuple) else (out, lat, lon)
        check_outs = (
            a.CheckOut(f"co-{vid}", T0 + co_t, co_lat, co_lon, 10.0, kw.pop("co_mock", False)),
        )
    return a.Visit(
        vid,
        customer,
        T0 + t,
        lat,
        lon,
        kw.pop("acc", 10.0),
        check_outs=check_outs,
        photos=tuple(photos),
        **kw,
    )


def day(*, fx=None, visits=(), events=(), customers=None) -> a.RepDay:
    return a.RepDay(
        "r-1",
        DAY,
        WORK[0],
        WORK[1],
        fx if fx is not None else a.EMPTY_FIXES,
        tuple(events),
        tuple(visits),
        customers if customers is not None else {"c-1": SHOP},
    )


def hhmm(t_s: float) -> str:
    return datetime.fromtimestamp(t_s, UTC).strftime("%H:%M")


def rules_of(alerts) -> list[str]:
    return sorted(x.rule for x in alerts)


def test_clean_day_raises_nothing():
    track = fixes([(i * 60, LAT + i * 1e-5, LON) for i in range(-20, 60)])
    d = day(fx=track, visits=[visit(out=900, photos=[a.Photo("p1", "v-1", T0 + 60, "a" * 64, 1)])])
    assert a.judge_rep_day(d, CFG, hhmm) == []


# ---------------------------------------------------------------------------- MOCK_LOCATION


def test_mock_location_one_alert_per_source_kind():
    track = fixes([(0, LAT, LON), (60, LAT, LON), (120, LAT, LON)], mock=[False, True, True])
    events = [a.DeviceEvent("e1", T0 + 5, "rooted_device", "dev-1")]
    d = day(fx=track, visits=[visit(mock=True, out=(600, LAT, LON), co_mock=True)], events=events)
    alerts = a.find_mock_locations(d)
    assert sorted(x.evidence["source"] for x in alerts) == [
        "check_in",
        "check_out",
        "device_event",
        "gps",
    ]
    gps = next(x for x in alerts if x.evidence["source"] == "gps")
    assert gps.evidence["fix_ids"] == ["f001"] and gps.evidence["count"] == 2
    ev = next(x for x in alerts if x.evidence["source"] == "device_event")
    assert ev.evidence["event_id"] == "e1" and ev.evidence["event_kind"] == "rooted_device"
    assert all(x.severity == "critical" for x in alerts)


def test_mock_location_ignores_other_device_events():
    d = day(events=[a.DeviceEvent("e1", T0, "power_off"), a.DeviceEvent("e2", T0, "heartbeat")])
    assert a.find_mock_locations(d) == []


# ---------------------------------------------------------------------------- IMPOSSIBLE_SPEED


def _jump(distance_m: float, seconds: float):
    return fixes([(0, LAT, LON), (seconds, north(distance_m), LON)])


def test_impossible_speed_just_above_limit_fires_with_both_fix_ids():
    track = _jump(2000, 39.9)  # 50.1 m/s
    alerts = a.find_impossible_speeds(day(fx=track), CFG)
    assert [x.evidence["fix_ids"] for x in alerts] == [["f000", "f001"]]
    assert alerts[0].id == "IMPOSSIBLE_SPEED:f001" and alerts[0].evidence["limit_mps"] == 50.0


def test_impossible_speed_at_exactly_the_limit_does_not_fire():
    track = _jump(2000, 40)
    d = haversine_m(LAT, LON, north(2000), LON)
    config = replace(CFG, max_speed_mps=d / 40)
    assert a.find_impossible_speeds(day(fx=track), config) == []
    assert (
        len(a.find_impossible_speeds(day(fx=track), replace(config, max_speed_mps=d / 40 - 1e-6)))
        == 1
    )


def test_impossible_speed_needs_at_least_the_minimum_distance():
    track = _jump(1000, 1)
    d = haversine_m(LAT, LON, north(1000), LON)
    assert len(a.find_impossible_speeds(day(fx=track), replace(CFG, min_jump_m=d))) == 1
    assert a.find_impossible_speeds(day(fx=track), replace(CFG, min_jump_m=d + 0.001)) == []


# ---------------------------------------------------------------------------- GEOFENCE_MISS


def test_geofence_miss_only_farther_than_geofence_plus_capped_accuracy():
    lat = north(350)
    dist = haversine_m(lat, LON, LAT, LON)
    at_limit = replace(SHOP, geofence_m=dist - 100)  # accuracy 500 m is capped at 100
    inside = day(visits=[visit(lat=lat, acc=500.0)], customers={"c-1": at_limit})
    assert a.find_geofence_misses(inside, CFG) == []
    just_out = replace(SHOP, geofence_m=dist - 100 - 0.01)
    alerts = a.find_geofence_misses(
        day(visits=[visit(lat=lat, acc=500.0)], customers={"c-1": just_out}), CFG
    )
    assert [x.id for x in alerts] == ["GEOFENCE_MISS:v-1"]
    assert alerts[0].evidence["distance_m"] == round(dist, 1)
    assert alerts[0].visit_id == "v-1" and alerts[0].customer_id == "c-1"
    assert alerts[0].summary.startswith("check-in 350 m from Store 1 (limit 350 m)")


def test_geofence_miss_on_check_out_has_its_own_id():
    d = day(visits=[visit(out=(900, north(800), LON))])
    alerts = a.find_geofence_misses(d, CFG)
    assert [(x.id, x.evidence["source"]) for x in alerts] == [("GEOFENCE_MISS:co-v-1", "check_out")]


# ---------------------------------------------------------------------------- TRACK_MISMATCH


def test_track_mismatch_when_every_fix_in_window_is_farther_than_limit():
    far = north(1500)
    track = fixes([(-300, far, LON), (0, far, LON), (300, far, LON), (301, LAT, LON)])
    alerts = a.find_track_mismatches(day(fx=track, visits=[visit()]), CFG)
    assert [x.evidence["fix_ids"] for x in alerts] == [["f000", "f001", "f002"]]
    assert alerts[0].severity == "critical"


def test_track_mismatch_not_when_one_fix_is_at_the_limit():
    lat = north(1000)
    d = haversine_m(lat, LON, LAT, LON)
    track = fixes([(0, north(3000), LON), (200, lat, LON)])
    assert (
        a.find_track_mismatches(day(fx=track, visits=[visit()]), replace(CFG, track_mismatch_m=d))
        == []
    )
    hit = a.find_track_mismatches(
        day(fx=track, visits=[visit()]), replace(CFG, track_mismatch_m=d - 0.01)
    )
    assert len(hit) == 1


def test_track_mismatch_needs_fixes_in_the_window():
    track = fixes([(-301, north(5000), LON), (301, north(5000), LON)])
    assert a.find_track_mismatches(day(fx=track, visits=[visit()]), CFG) == []


# ---------------------------------------------------------------------------- STATIC_SPOOF


def _frozen(n: int, span_s: float, *, wobble_last: bool = False):
    pts = [(i * span_s / (n - 1), LAT, LON) for i in range(n)]
    if wobble_last:
        pts[-1] = (pts[-1][0], LAT + 1e-6, LON)
    return fixes([(-60, north(50), LON), *pts, (span_s + 60, north(80), LON)])


def test_static_spoof_ten_fixes_over_ten_minutes_fires():
    alerts = a.find_static_spoofs(day(fx=_frozen(10, 600)), CFG)
    assert [x.evidence["fix_ids"] for x in alerts] == [["f001", "f010"]]


@pytest.mark.parametrize(("n", "span"), [(9, 600), (10, 599.9)])
def test_static_spoof_not_below_count_or_span(n, span):
    assert a.find_static_spoofs(day(fx=_frozen(n, span)), CFG) == []


def test_static_spoof_broken_by_a_one_microdegree_change():
    assert a.find_static_spoofs(day(fx=_frozen(10, 900, wobble_last=True)), CFG) == []


# ---------------------------------------------------------------------------- SHORT_VISIT


def test_short_visit_below_minimum_dwell_only():
    assert a.find_short_visits(day(visits=[visit(out=300)]), CFG) == []
    alerts = a.find_short_visits(day(visits=[visit(out=299.5)]), CFG)
    assert alerts[0].evidence == {
        "source": "check_out",
        "dwell_s": 299.5,
        "min_dwell_s": 300.0,
        "check_out_id": "co-v-1",
    }
    assert a.find_short_visits(day(visits=[visit()]), CFG) == []  # no check-out yet


# ---------------------------------------------------------------------------- PHOTO_TIME_MISMATCH


@pytest.mark.parametrize(
    ("taken", "fires"),
    [(-900, False), (-900.5, True), (1800 + 900, False), (1800 + 900.5, True), (600, False)],
)
def test_photo_time_mismatch_window_is_inclusive(taken, fires):
    p = a.Photo("p1", "v-1", T0 + taken, "a" * 64, 0)
    alerts = a.find_photo_time_mismatches(day(visits=[visit(out=1800, photos=[p])]), CFG)
    assert bool(alerts) is fires
    if fires:
        assert alerts[0].evidence["photo_id"] == "p1"


# ---------------------------------------------------------------------------- CLUSTERED_CHECKINS


def _cluster_customers(spacing_m: float):
    return {
        f"c-{i}": a.Customer(f"c-{i}", f"Store {i}", north(i * spacing_m), LON, 200.0)
        for i in range(1, 5)
    }


def _cluster_visits(last_t: float = 3600):
    ts = [0, 1200, last_t]
    return [
        visit(f"v-{i + 1}", t, north(i * 30), LON, customer=f"c-{i + 1}") for i, t in enumerate(ts)
    ]


def test_clustered_checkins_three_within_an_hour_fire_once():
    alerts = a.find_clustered_checkins(
        day(visits=_cluster_visits(), customers=_cluster_customers(600)), CFG
    )
    assert [(x.id, x.evidence["visit_ids"]) for x in alerts] == [
        ("CLUSTERED_CHECKINS:v-1", ["v-1", "v-2", "v-3"])
    ]
    assert alerts[0].evidence["customer_ids"] == ["c-1", "c-2", "c-3"]


def test_clustered_checkins_not_beyond_sixty_minutes():
    d = day(visits=_cluster_visits(3600.5), customers=_cluster_customers(600))
    assert a.find_clustered_checkins(d, CFG) == []


def test_clustered_checkins_not_when_customers_are_not_farther_apart_than_limit():
    customers = _cluster_customers(600)
    d12 = haversine_m(north(600), LON, north(1200), LON)
    d = day(visits=_cluster_visits(), customers=customers)
    assert a.find_clustered_checkins(d, replace(CFG, cluster_customer_min_m=d12)) == []
    assert len(a.find_clustered_checkins(d, replace(CFG, cluster_customer_min_m=d12 - 0.01))) == 1


def test_clustered_checkins_not_when_points_spread_more_than_radius():
    d = day(visits=_cluster_visits(), customers=_cluster_customers(600))
    spread = haversine_m(LAT, LON, north(60), LON)
    assert len(a.find_clustered_checkins(d, replace(CFG, cluster_radius_m=spread))) == 1
    assert a.find_clustered_checkins(d, replace(CFG, cluster_radius_m=spread - 0.01)) == []


# ---------------------------------------------------------------------------- DEVICE_SHARED


def test_device_shared_one_alert_per_rep_same_local_day_only():
    uses = [
        a.DeviceUse("dev-9", "r-1", DAY, T0),
        a.DeviceUse("dev-9", "r-2", DAY, T0 + 60),
        a.DeviceUse("dev-9", "r-3", date(2026, 11, 27), T0 + 86_400),
        a.DeviceUse("dev-1", "r-1", DAY, T0),
    ]
    alerts = a.find_shared_devices(uses, CFG)
    assert [x.id for x in alerts] == [
        "DEVICE_SHARED:dev-9:2026-11-26:r-1",
        "DEVICE_SHARED:dev-9:2026-11-26:r-2",
    ]
    assert (
        alerts[0].evidence["rep_ids"] == ["r-1", "r-2"]
        and alerts[0].evidence["device_id"] == "dev-9"
    )


# ---------------------------------------------------------------------------- OFF_HOURS


@pytest.mark.parametrize(
    ("t", "fires"),
    [
        (WORK[1] - T0, False),
        (WORK[1] - T0 + 1, True),
        (WORK[0] - T0, False),
        (WORK[0] - T0 - 1, True),
    ],
)
def test_off_hours_outside_work_hours_only(t, fires):
    alerts = a.find_off_hours(day(visits=[visit(t=t)]), hhmm)
    assert bool(alerts) is fires
    assert all(x.severity == "low" for x in alerts)


# ---------------------------------------------------------------------------- SIGNAL_GAP


def _gap_track(gap_s: float, moved_m: float = 200):
    return fixes(
        [
            (0, LAT, LON),
            (600, LAT, LON),
            (600 + gap_s, north(moved_m), LON),
            (700 + gap_s, north(moved_m), LON),
        ]
    )


def test_signal_gap_of_exactly_the_minimum_fires_and_one_second_less_does_not():
    assert len(a.find_signal_gaps(day(fx=_gap_track(1800)), CFG)) == 1
    assert a.find_signal_gaps(day(fx=_gap_track(1799)), CFG) == []


@pytest.mark.parametrize(
    "reason", ["power_off", "location_permission_revoked", "network_lost", "app_killed"]
)
def test_signal_gap_names_the_event_that_explains_it(reason):
    events = [a.DeviceEvent("e-hb", T0 + 700, "heartbeat"), a.DeviceEvent("e-1", T0 + 900, reason)]
    alerts = a.find_signal_gaps(day(fx=_gap_track(2400), events=events), CFG)
    ev = alerts[0].evidence
    assert (ev["reason"], ev["event_id"]) == (reason, "e-1")
    assert ev["gap_start"] == "2026-11-26T01:10:00Z" and ev["gap_s"] == 2400
    assert ev["fix_ids"] == ["f001", "f002"] and ev["plausible"] is True


def test_signal_gap_event_up_to_five_minutes_before_counts_earlier_does_not():
    just = [a.DeviceEvent("e-1", T0 + 600 - 300, "power_off")]
    assert (
        a.find_signal_gaps(day(fx=_gap_track(2400), events=just), CFG)[0].evidence["reason"]
        == "power_off"
    )
    early = [a.DeviceEvent("e-1", T0 + 600 - 301, "power_off")]
    ev = a.find_signal_gaps(day(fx=_gap_track(2400), events=early), CFG)[0].evidence
    assert ev["reason"] == "unknown" and "event_id" not in ev


def test_signal_gap_from_before_work_hours_is_explained_by_an_event_after_the_last_fix():
    # Last fix 25 min before work starts, phone off 1 min later, next fix 40 min into the day:
    # the gap counts from the work start, but the phone fell silent at the last fix.
    start = WORK[0] - T0
    track = fixes([(start - 1500, LAT, LON), (start + 2400, LAT, LON), (start + 2500, LAT, LON)])
    events = [a.DeviceEvent("e-off", T0 + start - 1440, "power_off")]
    ev = a.find_signal_gaps(day(fx=track, events=events), CFG)[0].evidence
    assert ev["gap_s"] == 2400  # counted inside work hours only
    assert (ev["reason"], ev["event_id"]) == ("power_off", "e-off")


def test_signal_gap_without_events_is_unknown_and_flags_implausible_displacement():
    ev = a.find_signal_gaps(day(fx=_gap_track(1800, moved_m=60_000)), CFG)[0].evidence
    assert ev["reason"] == "unknown" and ev["plausible"] is False and ev["displacement_m"] > 59_000


def test_signal_gap_outside_work_hours_is_ignored():
    late = WORK[1] - T0 + 60
    track = fixes([(late, LAT, LON), (late + 7200, LAT, LON)])
    assert a.find_signal_gaps(day(fx=track), CFG) == []


# ---------------------------------------------------------------------------- PHOTO_REUSE


def _indexed(pid, vid, t, phash, sha="0" * 64, rep="r-1"):
    return a.IndexedPhoto(pid, vid, rep, "c-1", T0 + t, DAY, sha, phash)


def test_photo_reuse_flags_the_later_visit_by_sha_or_hamming():
    base = 0x0123_4567_89AB_CDEF
    six = base ^ 0b111111
    photos = [
        _indexed("p-old", "v-1", 0, base, sha="a" * 64),
        _indexed("p-same", "v-2", 600, 0xFFFF, sha="a" * 64),
        _indexed("p-six", "v-3", 1200, six, sha="b" * 64),
        _indexed("p-seven", "v-4", 1800, base ^ (0b1111111 << 20), sha="c" * 64),
    ]
    index = a.PhotoIndex(photos, CFG.photo_max_hamming)
    got = {p.id: a.find_photo_reuse(p, index, CFG) for p in photos}
    assert got["p-old"] is None
    assert got["p-same"].evidence["matched_photo_id"] == "p-old"
    assert got["p-same"].evidence["same_sha256"] is True
    assert (got["p-six"].evidence["matched_photo_id"], got["p-six"].evidence["hamming"]) == (
        "p-old",
        6,
    )
    assert got["p-seven"] is None
    assert got["p-six"].visit_id == "v-3" and got["p-six"].severity == "critical"


def test_photo_reuse_ignores_photos_of_the_same_visit():
    photos = [_indexed("p1", "v-1", 0, 5, sha="a" * 64), _indexed("p2", "v-1", 0, 5, sha="a" * 64)]
    index = a.PhotoIndex(photos, 6)
    assert [a.find_photo_reuse(p, index, CFG) for p in photos] == [None, None]


@pytest.mark.parametrize("max_hamming", [0, 6, 11])
def test_photo_index_finds_exactly_what_brute_force_finds(max_hamming):
    rng = random.Random(5)
    seeds = [rng.getrandbits(64) for _ in range(40)]
    photos = []
    for i in range(600):
        h = rng.choice(seeds)
        for _ in range(rng.randint(0, 9)):
            h ^= 1 << rng.randrange(64)
        photos.append(_indexed(f"p{i}", f"v{i // 2}", i, h, sha=f"{i:064x}"))
    index = a.PhotoIndex(photos, max_hamming)
    fast = index.matches_many(photos)
    for p in photos:
        want = {
            q.id
            for q in photos
            if q.visit_id != p.visit_id and (p.phash ^ q.phash).bit_count() <= max_hamming
        }
        assert {q.id for q, _h in fast.get(p.id, [])} == want


# ---------------------------------------------------------------------------- together


def test_geofence_miss_and_short_visit_fire_together_on_one_visit():
    far = north(900)
    d = day(visits=[visit(lat=far, out=(120, far, LON))])
    alerts = a.judge_rep_day(d, CFG, hhmm)
    assert rules_of(alerts) == ["GEOFENCE_MISS", "GEOFENCE_MISS", "SHORT_VISIT"]
    assert integrity_score({x.rule for x in alerts if x.visit_id == "v-1"}) == 100 - 35 - 15


def test_integrity_score_penalties_and_floor():
    assert integrity_score([]) == 100
    assert integrity_score(["OFF_HOURS", "OFF_HOURS"]) == 95
    assert integrity_score(["PHOTO_REUSE", "TRACK_MISMATCH"]) == 0
    with pytest.raises(ValueError, match="NOPE"):
        integrity_score(["NOPE"])


# ---------------------------------------------------------------------------- settings


def test_check_setting_types_ranges_and_unknown_keys():
    assert check_setting("min_dwell_s", "240") == 240.0
    assert check_setting("photo_max_hamming", 8) == 8
    with pytest.raises(ValueError, match="unknown setting 'dwell'"):
        check_setting("dwell", 1)
    with pytest.raises(ValueError, match=r"photo_max_hamming: '6\.5' is not an integer"):
        check_setting("photo_max_hamming", "6.5")
    with pytest.raises(ValueError, match=r"max_speed_mps: -1\.0 is outside 1\.\.1000"):
        check_setting("max_speed_mps", -1)
    with pytest.raises(ValueError, match="expected a number, got bool"):
        check_setting("min_dwell_s", True)
    assert SETTINGS["signal_gap_min_s"].default == 1800.0

"""The replay service on real SQLite and real PostgreSQL: one rep-day built by hand (a drive to a
customer, a visit, a power-off gap, a second customer planned but missed), shaped for the page."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from dashboard import geo, tracks
from dashboard.services import replay as svc
from dashboard.services.ingest import ingest_values
from dashboard.services.users import User
from data_access import schema
from tests import alert_builders as ab
from tests import builders as b

EXEC = User(id=1, name="boss", role="exec", regions=())
MANAGER_E = User(id=2, name="mgr-e", role="manager", regions=("reg-e",))
MANAGER_S = User(id=3, name="mgr-s", role="manager", regions=("reg-s",))
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)

CUST_LAT, CUST_LON = 31.1880, 121.4365  # cust-1 of the builders
OFFICE = (CUST_LAT - 0.045, CUST_LON)  # 5 km south of the customer
DAY = "2026-11-26"
LOCAL = "+08:00"


def _at(hhmmss: str, day: str = DAY) -> str:
    return f"{day}T{hhmmss}{LOCAL}"


def _clock_s(hhmm: str) -> int:
    h, m = hhmm.split(":")[:2]
    return int(h) * 3600 + int(m) * 60


def _fixes(day: str = DAY, prefix: str = "f") -> list[dict[str, Any]]:
    """08:40-09:00 parked at the office, 09:00-09:15 drive north 5 km, 09:15-09:50 at the
    customer, 09:50-10:00 drive 1 km east, then nothing until 11:00 (the phone was off), then
    11:00-11:30 parked 2 km further east. One fix every 30 s."""
    out: list[dict[str, Any]] = []
    start = datetime.fromisoformat(_at("08:40:00", day))

    def add(t: datetime, lat: float, lon: float) -> None:
        out.append(
            b.gps(
                f"{prefix}-{len(out):04d}",
                ts=t.isoformat(),
                lat=round(lat, 7),
                lon=round(lon, 7),
                speed_mps=None,
            )
        )

    t = start
    jitter = [(0.00002, -0.00001), (-0.00001, 0.00002), (0.0, 0.0), (0.00001, 0.00001)]
    for k in range(40):  # 08:40-09:00 parked
        add(t, OFFICE[0] + jitter[k % 4][0], OFFICE[1] + jitter[k % 4][1])
        t += timedelta(seconds=30)
    for k in range(1, 31):  # 09:00-09:15 drive north to the customer
        add(t, OFFICE[0] + (CUST_LAT - OFFICE[0]) * k / 30, OFFICE[1])
        t += timedelta(seconds=30)
    for k in range(70):  # 09:15-09:50 at the customer
        add(t, CUST_LAT + jitter[k % 4][0], CUST_LON + jitter[k % 4][1])
        t += timedelta(seconds=30)
    for k in range(1, 21):  # 09:50-10:00 drive ~1 km east
        add(t, CUST_LAT, CUST_LON + 0.0105 * k / 20)
        t += timedelta(seconds=30)
    t = datetime.fromisoformat(_at("11:00:00", day))
    for k in range(61):  # 11:00-11:30 parked ~2 km further east
        add(t, CUST_LAT + jitter[k % 4][0], CUST_LON + 0.0315 + jitter[k % 4][1])
        t += timedelta(seconds=30)
    return out


def _company() -> list[dict[str, Any]]:
    return [
        b.region("reg-e"),
        b.region("reg-s", name="华南 South"),
        b.team("team-1", region_id="reg-e"),
        b.team("team-s", region_id="reg-s", name="广州一组"),
        b.rep("rep-1", team_id="team-1"),
        b.rep("rep-s", team_id="team-s", name="李娜"),
        b.customer("cust-1"),
        b.customer("cust-2", name="永辉超市", lat=CUST_LAT + 0.02, lon=CUST_LON),
        b.customer("cust-far", name="远处客户", lat=CUST_LAT + 1.0, lon=CUST_LON),
        b.sop_template(),
        b.plan("plan-1", date=DAY, customer_ids=["cust-1", "cust-2"]),
    ]


def _day_records() -> list[dict[str, Any]]:
    return [
        *_fixes(),
        # The last fix of the previous local day, but 2026-11-26 in UTC: not part of the day.
        b.gps("f-prev-evening", ts="2026-11-25T18:50:00+08:00", lat=OFFICE[0], lon=OFFICE[1]),
        b.device_event("ev-off", kind="power_off", ts=_at("09:58:00")),
        b.device_event("ev-on", kind="power_on", ts=_at("11:00:00")),
        b.check_in("v-1", ts=_at("09:20:00")),
        b.check_out("co-1", visit_id="v-1", ts=_at("09:45:00")),
        b.photo("ph-1", visit_id="v-1", ts=_at("09:23:00"), taken_at=_at("09:22:30")),
        b.expense("e-1", date=DAY, category="mileage", amount=12.0, claimed_km=15.0),
    ]


def _alert(alert_id: str, rule: str, ts: str, severity: str = "high") -> dict[str, Any]:
    return {
        "id": alert_id,
        "rule": rule,
        "severity": severity,
        "rep_id": "rep-1",
        "ts": datetime.fromisoformat(ts),
        "local_date": datetime.fromisoformat(ts).date(),
        "visit_id": None,
        "customer_id": None,
        "summary": f"{rule} at {ts}",
        "evidence": {},
        "status": "open",
        "assigned_to": None,
        "created_at": NOW,
        "updated_at": NOW,
    }


@pytest.fixture
def day_db(engine):
    summary = ingest_values(engine, _company() + _day_records(), source="test", now=NOW)
    assert not summary.rejected, summary.rejected
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.alerts),
            [
                _alert("SHORT:b", "SHORT_VISIT", _at("09:45:00"), "medium"),
                _alert("GAP:a", "SIGNAL_GAP", _at("10:00:00"), "medium"),
                _alert("MOCK:c", "MOCK_LOCATION", _at("09:05:00"), "critical"),
            ],
        )
    return engine


def _payload(engine, user=EXEC, rep="rep-1", day=DAY, **kw):
    return svc.replay_day(engine, user, rep, day, **kw)


# ------------------------------------------------------------------ the day, shaped


def test_times_are_seconds_since_the_reps_local_midnight(day_db):
    p = _payload(day_db)

    assert p["status"] == "ok"
    assert p["t0"] == int(datetime.fromisoformat(_at("00:00:00")).timestamp())
    assert p["summary"]["first_fix"] == _clock_s("08:40")
    assert p["summary"]["last_fix"] == _clock_s("11:30")
    assert p["visits"][0]["t"] == _clock_s("09:20")
    assert p["visits"][0]["out"]["t"] == _clock_s("09:45")
    assert p["rep"]["work"] == [_clock_s("08:30"), _clock_s("18:30")]
    assert p["clock"] == []  # no DST change in Shanghai


def test_fixes_of_the_previous_local_evening_are_not_part_of_the_day(day_db):
    p = _payload(day_db)

    assert p["summary"]["fixes"] == len(_fixes())
    assert min(p["track"]["t"]) >= _clock_s("08:40")


def test_stops_are_numbered_with_dwell_and_matched_customer(day_db):
    p = _payload(day_db)

    stops = p["stops"]
    assert [s["n"] for s in stops] == list(range(1, len(stops) + 1))
    at_customer = [s for s in stops if s["customer_id"] == "cust-1"]
    assert len(at_customer) == 1
    assert at_customer[0]["customer_name"] == "华联超市(徐汇店)"
    # Arrival 09:14:30; the stop lasts until the first fix outside 100 m (the classic leave time),
    # about a minute after the rep drove off at 09:50.
    assert 34 * 60 <= at_customer[0]["dwell_s"] <= 37 * 60
    assert stops[0]["customer_id"] is None  # the office
    assert stops[0]["start"] == _clock_s("08:40")


def test_gap_has_the_power_off_reason_and_its_event(day_db):
    p = _payload(day_db)

    assert len(p["gaps"]) == 1
    gap = p["gaps"][0]
    assert gap["reason"] == "power_off"
    assert gap["event_id"] == "ev-off"
    assert gap["start"] == _clock_s("09:59") + 30 and gap["end"] == _clock_s("11:00")
    assert gap["plausible"] is True
    assert 1800 <= gap["displacement_m"] <= 2300


def test_no_off_duty_inside_work_hours(day_db):
    assert _payload(day_db)["off_duty"] == []


def test_a_gap_spanning_the_end_of_work_hours_is_cut_there_and_the_rest_is_off_duty(engine):
    """Work ends at 10:40: the silence 09:59:30-11:00 is a gap up to 10:40 and off duty after;
    the fixes of 11:00-11:10 (inside the privacy margin) are kept, those after 11:10 dropped."""
    company = [r if r["id"] != "rep-1" else {**r, "work_end": "10:40"} for r in _company()]
    summary = ingest_values(engine, company + _day_records(), source="test", now=NOW)
    assert not summary.rejected, summary.rejected
    p = _payload(engine)

    assert p["rep"]["work"][1] == _clock_s("10:40")
    [gap] = p["gaps"]
    assert (gap["start"], gap["end"]) == (_clock_s("09:59") + 30, _clock_s("10:40"))
    assert gap["duration_s"] == _clock_s("10:40") - _clock_s("09:59") - 30
    assert p["off_duty"] == [
        {"start": _clock_s("10:40"), "end": _clock_s("11:00"), "duration_s": 1200}
    ]


def test_a_silence_mostly_after_work_hours_is_off_duty_and_no_gap(engine):
    """Work ends at 10:05 and the silence runs 09:59:30-10:34: its 5.5 minutes inside work
    hours are no gap, so none is listed; the rest is off duty until the next fix (kept: inside
    the 30-minute privacy margin)."""
    company = [r if r["id"] != "rep-1" else {**r, "work_end": "10:05"} for r in _company()]
    records = [*_day_records(), b.gps("f-late", ts=_at("10:34:00"), lat=CUST_LAT, lon=CUST_LON)]
    ingest_values(engine, company + records, source="test", now=NOW)
    p = _payload(engine)

    assert p["gaps"] == []
    assert p["off_duty"] == [
        {"start": _clock_s("10:05"), "end": _clock_s("10:34"), "duration_s": 1740}
    ]


def test_km_comes_from_the_full_track_not_the_simplified_one(day_db):
    p = _payload(day_db)
    fixes = _fixes()
    t = np.array([datetime.fromisoformat(f["ts"]).timestamp() for f in fixes])
    lat = np.array([f["lat"] for f in fixes])
    lon = np.array([f["lon"] for f in fixes])
    full = tracks.analyze_day(t, lat, lon, np.full(t.size, 12.0))

    assert p["summary"]["km"] == pytest.approx(full.km, abs=0.01)
    # 5 km north, 1 km east, and the 2 km across the gap (plausible, so tracked).
    assert 7.5 <= p["summary"]["km"] <= 8.5
    assert len(p["track"]["t"]) < len(fixes) / 3
    simplified_km = geo.path_length_m(p["track"]["lat"], p["track"]["lon"]) / 1000
    assert simplified_km != pytest.approx(full.km, abs=1e-6)


def test_display_track_breaks_at_the_gap_and_speed_colours_the_drive(day_db):
    p = _payload(day_db)
    tr = p["track"]

    assert tr["t"] == sorted(tr["t"])
    assert len(tr["t"]) == len(tr["lat"]) == len(tr["lon"]) == len(tr["v"]) == len(tr["bin"])
    gap_end = p["gaps"][0]["end"]
    assert [tr["t"][i] for i in tr["brk"]] == [gap_end]
    # The 5 km drive in 15 min is 20 km/h: the city bin; nothing in the gap is coloured.
    driving = [
        v
        for t, v in zip(tr["t"], tr["v"], strict=True)
        if _clock_s("09:01") < t <= _clock_s("09:15")
    ]
    assert driving and all(15 <= v <= 25 for v in driving)
    assert tr["v"][tr["brk"][0]] == 0


def test_visits_are_inside_the_geofence_and_carry_their_check_out(day_db):
    p = _payload(day_db)

    (visit,) = p["visits"]
    assert visit["customer_id"] == "cust-1"
    assert visit["inside"] is True and visit["out"]["inside"] is True
    assert visit["limit_m"] == 210  # geofence 200 + min(accuracy 10, 100)
    assert visit["distance_m"] < 50


def test_summary_counts_planned_done_and_in_store_time(day_db):
    s = _payload(day_db)["summary"]

    assert (s["planned"], s["planned_done"], s["done"]) == (2, 1, 1)
    assert s["detected_without_check_in"] == 0
    assert s["in_store_s"] == 25 * 60
    # Moving: the 15 min drive north, and 09:50-11:00 east (across the gap, a plausible move).
    assert s["drive_s"] == pytest.approx(85 * 60, abs=120)


def test_customers_are_visited_planned_or_owned_inside_the_tracks_box(day_db):
    p = _payload(day_db)

    roles = {c["id"]: c["role"] for c in p["customers"]}
    assert roles == {"cust-1": "visited", "cust-2": "planned"}  # cust-far lies outside the box
    assert p["plan"] == ["cust-1", "cust-2"]
    assert {c["id"]: c["seq"] for c in p["customers"]} == {"cust-1": 1, "cust-2": 2}
    assert all(c["geofence_m"] == 200.0 for c in p["customers"])


def test_photos_expenses_and_alerts_of_the_day(day_db):
    p = _payload(day_db)

    assert [(ph["id"], ph["t"]) for ph in p["photos"]] == [("ph-1", _clock_s("09:23"))]
    # A photo without coordinates sits at its visit's check-in point.
    assert (p["photos"][0]["lat"], p["photos"][0]["lon"]) == (
        p["visits"][0]["lat"],
        p["visits"][0]["lon"],
    )
    assert [(e["id"], e["claimed_km"]) for e in p["expenses"]] == [("e-1", 15.0)]
    assert [a["rule"] for a in p["alerts"]] == ["MOCK_LOCATION", "SHORT_VISIT", "SIGNAL_GAP"]
    assert [a["t"] for a in p["alerts"]] == sorted(a["t"] for a in p["alerts"])


def test_payload_is_compact_json(day_db):
    import json

    text = json.dumps(_payload(day_db), ensure_ascii=False)

    assert len(text.encode()) < 30_000


# ------------------------------------------------------------------ navigation and scope


def test_previous_and_next_working_days_are_days_with_data(day_db):
    ingest_values(
        day_db,
        _fixes("2026-11-23", "g") + _fixes("2026-11-30", "h"),
        source="test",
        now=NOW,
    )

    p = _payload(day_db)

    # The lone evening fix of 2026-11-25 makes that a day with data too.
    assert (p["prev_day"], p["next_day"]) == ("2026-11-25", "2026-11-30")
    assert _payload(day_db, day="2026-11-25")["prev_day"] == "2026-11-23"
    assert _payload(day_db, day="2026-11-23")["prev_day"] is None
    assert _payload(day_db, day="2026-11-30")["next_day"] is None


def test_manager_of_another_region_gets_nothing(day_db):
    p = _payload(day_db, user=MANAGER_S)

    assert p["status"] == "not_found"
    assert set(p) == {"status", "message", "reps"}  # no track, no visits, no names of the day
    assert [r[0] for r in p["reps"]] == ["rep-s"]  # the picker offers their own reps


def test_manager_of_the_region_gets_the_day_and_only_their_reps_in_the_picker(day_db):
    p = _payload(day_db, user=MANAGER_E)

    assert p["status"] == "ok"
    assert [r[0] for r in p["reps"]] == ["rep-1"]
    assert sorted(r[0] for r in _payload(day_db)["reps"]) == ["rep-1", "rep-s"]


def test_unknown_rep_looks_exactly_like_an_out_of_scope_rep(day_db):
    nobody = _payload(day_db, rep="rep-nobody", user=MANAGER_S)

    assert nobody == _payload(day_db, user=MANAGER_S)


def test_bad_date_names_the_value(day_db):
    p = _payload(day_db, day="2026-02-30")

    assert p["status"] == "bad_date"
    assert "'2026-02-30'" in p["message"] and "YYYY-MM-DD" in p["message"]


def test_empty_day_of_a_rep_in_scope_is_ok_and_empty(day_db):
    p = _payload(day_db, day="2026-11-24")

    assert p["status"] == "ok"
    assert p["track"]["t"] == [] and p["stops"] == [] and p["visits"] == []
    assert p["summary"]["fixes"] == 0 and p["summary"]["first_fix"] is None


# ------------------------------------------------------------------ display datum


def test_gcj02_tiles_shift_the_drawing_but_not_the_measurements(day_db):
    wgs = _payload(day_db)
    gcj = _payload(day_db, tile_crs="gcj02")

    assert gcj["crs"] == "gcj02"
    assert gcj["summary"] == wgs["summary"]
    lat, lon = geo.wgs84_to_gcj02(wgs["visits"][0]["lat"], wgs["visits"][0]["lon"])
    assert gcj["visits"][0]["lat"] == pytest.approx(lat, abs=1e-5)
    assert gcj["visits"][0]["lon"] == pytest.approx(lon, abs=1e-5)
    shift = geo.haversine_m(
        wgs["track"]["lat"][0],
        wgs["track"]["lon"][0],
        gcj["track"]["lat"][0],
        gcj["track"]["lon"][0],
    )
    assert 100 < shift < 1000  # GCJ-02 moves Shanghai by a few hundred metres


def test_bd09_converts_every_point_kind(day_db):
    wgs = _payload(day_db)
    bd = _payload(day_db, tile_crs="bd09")

    for key in ("stops", "customers", "photos"):
        for a, c in zip(wgs[key], bd[key], strict=True):
            la, lo = geo.wgs84_to_bd09(a["lat"], a["lon"])
            assert (c["lat"], c["lon"]) == pytest.approx((la, lo), abs=1e-5)
    la, lo = geo.wgs84_to_bd09(*wgs["gaps"][0]["from"])
    assert bd["gaps"][0]["from"] == pytest.approx([la, lo], abs=1e-5)


def test_unknown_tile_datum_is_refused_by_name(day_db):
    with pytest.raises(ValueError, match="'mercator'"):
        _payload(day_db, tile_crs="mercator")


def test_start_clock_parses_hh_mm_and_ignores_junk():
    assert svc.parse_clock("09:20") == _clock_s("09:20")
    assert svc.parse_clock("09:20:30") == _clock_s("09:20") + 30
    assert svc.parse_clock("nine") is None and svc.parse_clock(None) is None
    assert not math.isnan(svc.speed_bin(np.array([0.0, 5.0, 10.0, 30.0])).sum())
    assert svc.speed_bin(np.array([0.0, 5.0, 10.0, 30.0])).tolist() == [0, 1, 2, 3]


# ------------------------------------------------------------------ visit integrity


def test_a_visit_without_alerts_of_its_own_has_full_integrity(day_db):
    # The day's alerts name no visit: they do not count against v-1.
    p = _payload(day_db)
    (visit,) = p["visits"]
    assert (visit["id"], visit["integrity"], visit["rules"]) == ("v-1", 100, [])
    assert (p["summary"]["doubtful"], p["summary"]["min_integrity"]) == (0, 100)


def test_a_visit_with_a_high_and_a_medium_alert_scores_50_with_both_rules_listed(day_db):
    ab.insert_alerts(
        day_db,
        [
            ab.short_visit("v-1", rep_id="rep-1", ts=_at("09:45:00"), visit_id="v-1"),
            ab.geofence_miss("v-1", rep_id="rep-1", ts=_at("09:20:00")),
        ],
    )
    p = _payload(day_db)
    (visit,) = p["visits"]
    assert visit["integrity"] == 50
    assert visit["rules"] == ["GEOFENCE_MISS", "SHORT_VISIT"]  # the heaviest first
    assert (p["summary"]["doubtful"], p["summary"]["min_integrity"]) == (1, 50)
    # A manager of another region gets nothing of the day, scores included.
    assert _payload(day_db, user=MANAGER_S)["status"] == "not_found"
    assert _payload(day_db, user=MANAGER_E)["visits"][0]["integrity"] == 50


# ------------------------------------------------------------------ plan vs actual (§6)


def test_plan_vs_actual_of_the_day_rides_along_with_the_replay(day_db):
    p = _payload(day_db)
    pa = p["plan_actual"]
    assert [(s["customer_id"], s["status"]) for s in pa["stops"]] == [
        ("cust-1", "done_in_order"),
        ("cust-2", "missed"),
    ]
    s = pa["summary"]
    assert (s["planned"], s["done"], s["unplanned"]) == (2, 1, 0)
    assert p["summary"]["planned_done"] == s["done"]
    # One customer visited: no route to compare, said so.
    assert s["efficiency"] is None and s["efficiency_reason"] == "few_stops"
    assert s["driven_km"] == pytest.approx(p["summary"]["km"], abs=1e-3)


def test_the_shortest_route_is_a_switchable_layer_over_the_visited_customers(day_db):
    la, lo = CUST_LAT + 0.02, CUST_LON
    more = [
        b.check_in("v-2", ts=_at("11:05:00"), customer_id="cust-2", lat=la, lon=lo),
        b.check_out("co-2", visit_id="v-2", ts=_at("11:25:00"), lat=la, lon=lo),
    ]
    assert not ingest_values(day_db, more, source="test", now=NOW).rejected
    p = _payload(day_db)
    assert p["plan_actual"]["optimal_ids"] == ["cust-1", "cust-2"]
    assert [s["status"] for s in p["plan_actual"]["stops"]] == ["done_in_order"] * 2
    from components.replay import map_layers

    layers = map_layers(p, lang="en", tile_url="x", attribution="")
    optimal = next(o for o in layers[1:] if o.children.id == "replay-layer-optimal")
    assert optimal.checked is False and len(optimal.children.children) == 1

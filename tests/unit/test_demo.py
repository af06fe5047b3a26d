"""The demo company generator: deterministic, contract-valid, honest below every threshold."""

from __future__ import annotations

import collections
import itertools
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from dashboard.contract import validate_record
from dashboard.demo import (
    AUTHENTICITY_RULES,
    EXPENSE_RULES,
    LOCAL_TZ,
    MAX_BATCH_RECORDS,
    DemoConfig,
    InjectedCase,
    estimate_record_count,
    iter_demo_batches,
)
from dashboard.geo import haversine_m_np
from tests.contract_rules import CONTRACT_RULES

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=LOCAL_TZ)  # a Thursday, mid-morning
SMALL = DemoConfig(now=NOW, reps=10, days=4)
MASTER_ORDER = ("region", "team", "rep", "sop_template", "customer")
GAP_EVENTS = {
    "power_off": {"power_off", "power_on"},
    "location_permission_revoked": {"location_permission_revoked", "location_permission_granted"},
    "network_lost": {"network_lost", "network_restored"},
    "app_killed": {"app_killed", "app_started"},
    "unknown": set(),
}
ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
TS_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")
REFS = {
    "team": ("region_id",),
    "rep": ("team_id",),
    "customer": ("owner_rep_id",),
    "plan": ("rep_id",),
    "gps": ("rep_id",),
    "device_event": ("rep_id",),
    "check_in": ("rep_id", "customer_id", "sop_template_id"),
    "check_out": ("visit_id",),
    "sop_step": ("visit_id",),
    "photo": ("visit_id",),
    "order": ("visit_id",),
    "expense": ("rep_id", "customer_id"),
}
REF_TYPE = {
    "region_id": "region",
    "team_id": "team",
    "owner_rep_id": "rep",
    "rep_id": "rep",
    "customer_id": "customer",
    "sop_template_id": "sop_template",
    "visit_id": "check_in",
}


def generate(config: DemoConfig) -> tuple[list[list[dict[str, Any]]], list[InjectedCase]]:
    cases: list[InjectedCase] = []
    return list(iter_demo_batches(config, cases)), cases


@pytest.fixture(scope="module")
def small() -> tuple[list[list[dict[str, Any]]], list[InjectedCase]]:
    return generate(SMALL)


@pytest.fixture(scope="module")
def by_type(small: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for batch in small[0]:
        for rec in batch:
            out[rec["type"]].append(rec)
    return out


def case_day(case: InjectedCase) -> str:
    """Return the local ISO date a case is about (ids carry it as YYYYMMDD)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", case.ref):
        return case.ref
    digits = re.search(r"-(\d{8})-", case.ref)
    assert digits, case.ref
    d = digits.group(1)
    return f"{d[:4]}-{d[4:6]}-{d[6:]}"


def day_of(rec: dict[str, Any]) -> str:
    """Return a record's local date ("" for an order, which has no time of its own)."""
    return rec.get("date") or rec.get("ts", "")[:10]


def seconds(ts: str) -> int:
    return int(ts[11:13]) * 3600 + int(ts[14:16]) * 60 + int(ts[17:19])


def hhmm(text: str) -> int:
    return int(text[:2]) * 3600 + int(text[3:]) * 60


def injected_rep_days(cases: list[InjectedCase]) -> set[tuple[str, str]]:
    # SOP_INCOMPLETE cases are honest reps skipping steps, not injected anomalies of the day.
    return {(c.rep_id, case_day(c)) for c in cases if c.rule != "SOP_INCOMPLETE"}


# ------------------------------------------------------------------ determinism and order


def test_same_config_yields_byte_identical_records_and_cases(small: Any) -> None:
    batches, cases = small
    again, cases_again = generate(SMALL)
    assert json.dumps(again, ensure_ascii=False) == json.dumps(batches, ensure_ascii=False)
    assert cases_again == cases


def test_different_seed_yields_a_different_company() -> None:
    a, _ = generate(DemoConfig(now=NOW, reps=10, days=1, seed=7))
    b, _ = generate(DemoConfig(now=NOW, reps=10, days=1, seed=8))
    assert a[0] != b[0]
    fixes_a = [r for batch in a for r in batch if r["type"] == "gps"][:50]
    fixes_b = [r for batch in b for r in batch if r["type"] == "gps"][:50]
    assert [(r["lat"], r["lon"]) for r in fixes_a] != [(r["lat"], r["lon"]) for r in fixes_b]


def test_masters_come_first_regions_before_teams_before_reps_before_customers(
    small: Any,
) -> None:
    types = [rec["type"] for batch in small[0] for rec in batch]
    n_master = sum(1 for t in types if t in MASTER_ORDER)
    assert all(t in MASTER_ORDER for t in types[:n_master])
    ranks = [MASTER_ORDER.index(t) for t in types[:n_master]]
    assert ranks == sorted(ranks)
    assert set(types[:n_master]) == set(MASTER_ORDER)


def test_every_reference_names_a_record_sent_earlier(small: Any) -> None:
    known: dict[str, set[str]] = collections.defaultdict(set)
    checked = 0
    for batch in small[0]:
        for rec in batch:
            for field in REFS.get(rec["type"], ()):
                if field in rec:
                    assert rec[field] in known[REF_TYPE[field]], (rec["type"], rec["id"], field)
                    checked += 1
            for cid in rec.get("customer_ids", ()):
                assert cid in known["customer"]
            known[rec["type"]].add(rec["id"])
    assert checked > 10_000


def test_batches_are_bounded_and_grouped_by_day(small: Any) -> None:
    batches = small[0]
    assert all(0 < len(b) <= MAX_BATCH_RECORDS for b in batches)
    dates = [{day_of(r) for r in b if r["type"] not in MASTER_ORDER} - {""} for b in batches[1:]]
    flat = [d for ds in dates for d in sorted(ds)]
    assert flat == sorted(flat)
    assert all(len(ds) == 1 for ds in dates)


# ------------------------------------------------------------------ contract validity


def test_every_record_is_valid_under_the_contract(small: Any) -> None:
    seen: dict[str, set[str]] = collections.defaultdict(set)
    for batch in small[0]:
        for rec in batch:
            validate_record(rec)  # raises RecordError naming the field
            assert ID_RE.fullmatch(rec["id"]), rec["id"]
            # A master may come twice only as a template's revision (issue 18: a new version).
            revision = rec["type"] == "sop_template" and "valid_from" in rec
            assert revision or rec["id"] not in seen[rec["type"]], rec["id"]
            seen[rec["type"]].add(rec["id"])
            for key in ("ts", "taken_at"):
                if key in rec:
                    assert TS_RE.fullmatch(rec[key]), rec[key]
            if rec["type"] == "photo":
                assert re.fullmatch(r"[0-9a-f]{64}", rec["sha256"])
                assert re.fullmatch(r"[0-9a-f]{16}", rec["phash"])
            if "receipt_sha256" in rec:
                assert re.fullmatch(r"[0-9a-f]{64}", rec["receipt_sha256"])
            if rec["type"] == "check_in":
                assert rec["sop_template_id"] in seen["sop_template"]


def test_step_codes_belong_to_the_template_version_in_force_at_the_visit(by_type: Any) -> None:
    versions = collections.defaultdict(list)  # template → [(valid_from, codes)]
    for t in by_type["sop_template"]:
        since = t.get("valid_from", "0000")
        versions[t["id"]].append((since, {s["code"] for s in t["steps"]}))
    assert len(versions["sop-standard"]) == 2  # revised mid-period (issue 18)
    visit = {c["id"]: c for c in by_type["check_in"]}
    assert by_type["sop_step"]
    used = set()
    for s in by_type["sop_step"]:
        ci = visit[s["visit_id"]]
        when = datetime.fromisoformat(ci["ts"])
        history = sorted(versions[ci["sop_template_id"]], key=lambda x: x[0])
        in_force = [
            c for since, c in history if since == "0000" or datetime.fromisoformat(since) <= when
        ]
        assert s["step"] in in_force[-1]
        used.add((ci["sop_template_id"], len(in_force)))
    assert {("sop-standard", 1), ("sop-standard", 2)} <= used  # both versions have visits


# ------------------------------------------------------------------ the company


def test_grades_split_customers_by_revenue_share(by_type: Any) -> None:
    revenue = collections.defaultdict(list)
    for c in by_type["customer"]:
        revenue[c["grade"]].append(c["annual_revenue"])
    total = sum(sum(v) for v in revenue.values())
    assert 0.80 <= sum(revenue["A"]) / total < 0.86
    assert 0.10 < sum(revenue["B"]) / total <= 0.16
    assert 0.0 < sum(revenue["C"]) / total <= 0.05
    assert min(revenue["A"]) >= max(revenue["B"]) >= max(revenue["C"])
    assert len(revenue["A"]) < len(revenue["C"])  # heavy tail: few customers hold most revenue


def test_default_company_has_twelve_teams_in_four_regions() -> None:
    config = DemoConfig(now=NOW)
    masters = next(iter_demo_batches(config))
    count = collections.Counter(r["type"] for r in masters)
    assert count == {
        "region": 4,
        "team": 12,
        "rep": 108,
        "sop_template": 4,  # the store visit twice: its first version, then its revision
        "customer": 108 * 30,
    }
    teams = {t["id"]: t for t in masters if t["type"] == "team"}
    assert teams["team-sh-1"]["name"] == "上海一组"
    assert teams["team-sh-2"]["region_id"] == "reg-east"
    reps = [r for r in masters if r["type"] == "rep"]
    assert sum(not r["active"] for r in reps) == 2
    assert len({r["device_id"] for r in reps}) == 108
    assert {r["timezone"] for r in reps} == {"Asia/Shanghai"}
    cities = collections.Counter(c["city"] for c in masters if c["type"] == "customer")
    assert set(cities) == {"上海", "杭州", "苏州", "广州", "深圳", "北京", "天津", "成都", "重庆"}
    assert 1_200_000 < estimate_record_count(config) < 2_000_000


def test_customers_lie_within_15_km_of_their_city_centre(by_type: Any) -> None:
    lat = np.array([c["lat"] for c in by_type["customer"]])
    lon = np.array([c["lon"] for c in by_type["customer"]])
    d = haversine_m_np(lat, lon, np.full_like(lat, 31.2304), np.full_like(lon, 121.4737))
    assert {c["city"] for c in by_type["customer"]} == {"上海"}
    assert d.max() < 15_100
    assert np.median(d) < 9_000  # denser towards the centre


def test_inactive_reps_send_no_events(by_type: Any) -> None:
    inactive = {r["id"] for r in by_type["rep"] if not r["active"]}
    assert inactive
    for kind in ("gps", "check_in", "plan", "expense", "device_event"):
        assert not inactive & {r["rep_id"] for r in by_type[kind]}


# ------------------------------------------------------------------ days


def test_weekends_are_skipped() -> None:
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=LOCAL_TZ)
    batches, _ = generate(DemoConfig(now=monday, reps=3, days=3, customers_per_rep=8))
    dates = {day_of(r) for b in batches for r in b if r["type"] not in MASTER_ORDER} - {""}
    assert dates <= {"2026-11-25", "2026-11-26", "2026-11-27", "2026-11-30"}
    assert {"2026-11-25", "2026-11-26", "2026-11-27"} <= dates


def test_todays_records_stop_at_now(by_type: Any) -> None:
    today = NOW.date().isoformat()
    todays = [r for recs in by_type.values() for r in recs if r.get("ts", "")[:10] == today]
    assert sum(r["type"] == "gps" for r in todays) > 100
    assert any(r["type"] == "check_in" for r in todays)
    assert max(r["ts"] for r in todays) <= NOW.isoformat()
    assert all(r["taken_at"] <= NOW.isoformat() for r in todays if r["type"] == "photo")
    assert any(p["date"] == today for p in by_type["plan"])
    assert not [e for e in by_type["expense"] if e["date"] == today]


# ------------------------------------------------------------------ honest behaviour


def test_honest_fixes_are_30_to_60_s_apart_and_slower_than_30_mps(small: Any, by_type: Any) -> None:
    hours = {r["id"]: (hhmm(r["work_start"]), hhmm(r["work_end"])) for r in by_type["rep"]}
    skip = injected_rep_days(small[1])
    tracks: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for f in by_type["gps"]:
        start, end = hours[f["rep_id"]]
        if start <= seconds(f["ts"]) <= end:
            tracks[(f["rep_id"], f["ts"][:10])].append(f)
    honest = [fixes for key, fixes in tracks.items() if key not in skip]
    assert len(honest) > 10
    for all_fixes in honest:
        t = np.array([seconds(f["ts"]) for f in all_fixes])
        dt = np.diff(t)
        assert dt.min() >= 30 and dt.max() <= 60
        assert max(f["speed_mps"] for f in all_fixes) < 30
        assert not any(f["mock"] for f in all_fixes)
        # Real phones add coarse fallbacks and cached indoor runs (contract §2a); the accurate
        # fixes stay physically consistent and the satellite ones never freeze.
        fixes = [f for f in all_fixes if f["accuracy_m"] <= 100]
        t = np.array([seconds(f["ts"]) for f in fixes])
        lat = np.array([f["lat"] for f in fixes])
        lon = np.array([f["lon"] for f in fixes])
        speed = haversine_m_np(lat[:-1], lon[:-1], lat[1:], lon[1:]) / np.diff(t)
        assert speed.max() < 30
        sat = [f for f in fixes if f["provider"] == "gps"]
        s_lat = np.array([f["lat"] for f in sat])
        s_lon = np.array([f["lon"] for f in sat])
        same = (s_lat[1:] == s_lat[:-1]) & (s_lon[1:] == s_lon[:-1])
        assert same.sum() < 5  # parked satellite fixes jitter


def test_honest_phones_are_noisy_like_real_ones(small: Any, by_type: Any) -> None:
    """Fallback fixes kilometres off, cached fused runs while visiting, a poor device."""
    skip = injected_rep_days(small[1])
    honest = [f for f in by_type["gps"] if (f["rep_id"], f["ts"][:10]) not in skip]
    fallbacks = [f for f in honest if f["accuracy_m"] >= 1500 and f["provider"] == "network"]
    assert fallbacks
    by_rep = collections.Counter(f["rep_id"] for f in honest)
    coarse = collections.Counter(f["rep_id"] for f in honest if f["accuracy_m"] > 100)
    shares = sorted(coarse[r] / by_rep[r] for r in by_rep)
    assert shares[-1] > 0.3 > shares[len(shares) // 2]  # a poor phone; most phones are fine
    fused = collections.Counter(
        (f["rep_id"], f["lat"], f["lon"]) for f in honest if f["provider"] == "fused"
    )
    assert max(fused.values()) >= 10  # a cached indoor run


def test_honest_visits_are_inside_the_geofence_hours_and_never_overlap(
    small: Any, by_type: Any
) -> None:
    skip = injected_rep_days(small[1])
    reps = {r["id"]: r for r in by_type["rep"]}
    cust = {c["id"]: c for c in by_type["customer"]}
    out = {c["visit_id"]: c for c in by_type["check_out"]}
    per_day: dict[tuple[str, str], list[tuple[int, int]]] = collections.defaultdict(list)
    for v in by_type["check_in"]:
        if (v["rep_id"], v["ts"][:10]) in skip or v["id"] not in out:
            continue
        c = cust[v["customer_id"]]
        for rec in (v, out[v["id"]]):
            assert haversine_m_np(rec["lat"], rec["lon"], c["lat"], c["lon"]) <= 60
        ci, co = seconds(v["ts"]), seconds(out[v["id"]]["ts"])
        assert 10 * 60 <= co - ci <= 45 * 60
        rep = reps[v["rep_id"]]
        assert hhmm(rep["work_start"]) <= ci and co <= hhmm(rep["work_end"])
        assert not v["mock"]
        per_day[(v["rep_id"], v["ts"][:10])].append((ci, co))
    assert len(per_day) > 10
    for spans in per_day.values():
        spans.sort()
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))


def test_honest_claims_stay_under_caps_with_visits_and_unique_receipts(
    small: Any, by_type: Any
) -> None:
    expense_cases = {c.ref for c in small[1]}
    visit_days = {(v["rep_id"], v["ts"][:10]) for v in by_type["check_in"]}
    honest = [e for e in by_type["expense"] if e["id"] not in expense_cases]
    assert len(honest) > 20
    totals: dict[tuple[str, str, str], float] = collections.defaultdict(float)
    for e in honest:
        assert (e["rep_id"], e["date"]) in visit_days
        totals[(e["rep_id"], e["date"], e["category"])] += e["amount"]
    caps = {"meal": 120, "hotel": 600, "entertainment": 1000}
    assert all(v <= caps.get(k[2], 1e9) for k, v in totals.items())
    receipts = [e["receipt_sha256"] for e in honest if "receipt_sha256" in e]
    assert len(receipts) == len(set(receipts))


def test_honest_mileage_claims_match_the_track(small: Any, by_type: Any) -> None:
    tracked = collections.defaultdict(float)
    fixes = collections.defaultdict(list)
    for f in by_type["gps"]:
        if f["accuracy_m"] <= 100:  # the track-cleaning limit: coarse fixes are never distance
            fixes[(f["rep_id"], f["ts"][:10])].append((seconds(f["ts"]), f["lat"], f["lon"]))
    for key, pts in fixes.items():
        a = np.array(pts)
        d = haversine_m_np(a[:-1, 1], a[:-1, 2], a[1:, 1], a[1:, 2])
        dt = np.diff(a[:, 0])
        v = d / dt
        moving = (v > 1.0) & (v < 50.0) & (dt < 600)  # trips only: no jumps, no gaps
        tracked[key] = d[moving].sum() / 1000
    claims = {e["id"]: e for e in by_type["expense"] if e["category"] == "mileage"}
    inflated = {c.ref for c in small[1] if c.rule == "MILEAGE_INFLATED"}
    assert inflated and len(claims) > len(inflated)
    for eid, e in claims.items():
        km = tracked[(e["rep_id"], e["date"])]
        if eid in inflated:
            assert e["claimed_km"] >= 1.5 * km + 10
        else:
            assert 0.85 * km <= e["claimed_km"] <= 1.12 * km


def test_reps_neglect_some_customers_so_frequency_compliance_varies() -> None:
    """Verified visits per customer over the last 28 days: not every customer meets its rule."""
    batches, _ = generate(DemoConfig(now=NOW, reps=12, days=20, customers_per_rep=30))
    recs: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for batch in batches:
        for rec in batch:
            recs[rec["type"]].append(rec)
    customers = {c["id"]: c for c in recs["customer"]}
    out = {c["visit_id"]: c for c in recs["check_out"]}
    end = NOW.date() - timedelta(days=1)  # the last complete working day
    while end.weekday() >= 5:
        end -= timedelta(days=1)
    start = end - timedelta(days=27)
    verified: collections.Counter[str] = collections.Counter()
    for v in recs["check_in"]:
        if not start.isoformat() <= v["ts"][:10] <= end.isoformat() or v["id"] not in out:
            continue
        if seconds(out[v["id"]]["ts"]) - seconds(v["ts"]) < 300:
            continue
        c = customers[v["customer_id"]]
        d = haversine_m_np(v["lat"], v["lon"], c["lat"], c["lon"])
        if d <= c["geofence_m"] + min(v["accuracy_m"], 100):
            verified[c["id"]] += 1
    required = {"A": 4, "B": 2, "C": 1}
    compliant: dict[str, list[bool]] = collections.defaultdict(list)
    for cid, c in customers.items():
        compliant[c["grade"]].append(verified[cid] >= required[c["grade"]])
    assert set(compliant) == set(required)
    for grade, flags in compliant.items():
        assert any(flags) and not all(flags), grade
    overall = [ok for flags in compliant.values() for ok in flags]
    assert 0.50 <= sum(overall) / len(overall) <= 0.97


# ------------------------------------------------------------------ injected behaviour


def test_every_rule_of_the_contract_is_injected(small: Any) -> None:
    assert set(AUTHENTICITY_RULES) | set(EXPENSE_RULES) == CONTRACT_RULES
    # ... and SOP_INCOMPLETE (contract §7): the honest visits that skip a required step.
    assert {c.rule for c in small[1]} == CONTRACT_RULES | {"SOP_INCOMPLETE"}


def test_injected_cases_point_at_records_of_their_rep(small: Any, by_type: Any) -> None:
    ids = {rec["id"]: rec for recs in by_type.values() for rec in recs}
    visit_rep = {v["id"]: v["rep_id"] for v in by_type["check_in"]}
    for c in small[1]:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", c.ref):
            date.fromisoformat(c.ref)
            continue
        rec = ids[c.ref]
        assert rec.get("rep_id", visit_rep.get(rec["id"])) == c.rep_id, c


def test_injected_geofence_misses_and_short_visits_are_far_beyond_the_threshold(
    small: Any, by_type: Any
) -> None:
    cust = {c["id"]: c for c in by_type["customer"]}
    visits = {v["id"]: v for v in by_type["check_in"]}
    out = {c["visit_id"]: c for c in by_type["check_out"]}
    for c in small[1]:
        v = visits.get(c.ref)
        if c.rule == "GEOFENCE_MISS":
            k = cust[v["customer_id"]]
            d = haversine_m_np(v["lat"], v["lon"], k["lat"], k["lon"])
            assert d > k["geofence_m"] + 100 + 200
        elif c.rule == "SHORT_VISIT":
            assert 60 <= seconds(out[c.ref]["ts"]) - seconds(v["ts"]) <= 180
        elif c.rule == "OFF_HOURS":
            assert seconds(v["ts"]) >= 19 * 3600


def test_injected_signal_gaps_last_40_to_120_min_with_the_announced_event(
    small: Any, by_type: Any
) -> None:
    fixes = {f["id"]: f for f in by_type["gps"]}
    gaps = [c for c in small[1] if c.rule == "SIGNAL_GAP"]
    assert gaps
    for c in gaps:
        before = fixes[c.ref]
        n = int(c.ref[-4:])
        after = fixes[f"{c.ref[:-4]}{n + 1:04d}"]
        gap = seconds(after["ts"]) - seconds(before["ts"])
        assert 40 * 60 <= gap <= 122 * 60
        reason = re.search(r"reason=(\w+)", c.note)
        assert reason
        kinds = {
            e["kind"]
            for e in by_type["device_event"]
            if e["rep_id"] == c.rep_id and before["ts"] <= e["ts"] <= after["ts"]
        }
        assert kinds == GAP_EVENTS[reason.group(1)]


def test_injected_static_spoof_freezes_at_least_15_fixes_over_15_min(
    small: Any, by_type: Any
) -> None:
    fixes = [f for f in by_type["gps"]]
    index = {f["id"]: i for i, f in enumerate(fixes)}
    for c in (c for c in small[1] if c.rule == "STATIC_SPOOF"):
        i = index[c.ref]
        j = i
        while (fixes[j + 1]["lat"], fixes[j + 1]["lon"]) == (fixes[i]["lat"], fixes[i]["lon"]):
            j += 1
        assert j - i + 1 >= 15
        assert seconds(fixes[j]["ts"]) - seconds(fixes[i]["ts"]) >= 15 * 60


def test_config_rejects_naive_now_and_empty_company() -> None:
    with pytest.raises(ValueError, match="aware"):
        DemoConfig(now=datetime(2026, 11, 26, 10, 30))
    with pytest.raises(ValueError, match="reps"):
        DemoConfig(now=NOW, reps=0)


def test_estimate_is_close_to_the_real_count(small: Any) -> None:
    real = sum(len(b) for b in small[0])
    assert abs(estimate_record_count(SMALL) - real) < 0.2 * real


def test_a_single_rep_company_still_generates(small: Any) -> None:
    batches, cases = generate(DemoConfig(now=NOW + timedelta(days=1), reps=1, days=2))
    types = collections.Counter(r["type"] for b in batches for r in b)
    assert types["rep"] == 1 and types["gps"] > 500
    assert "DEVICE_SHARED" not in {c.rule for c in cases}


# ------------------------------------------------------------------ customers (contract §5)


def test_a_rep_leaves_mid_period_and_sends_nothing_from_that_day(small: Any, by_type: Any) -> None:
    from dashboard.demo import departure

    leaver = departure(SMALL)
    assert leaver is not None and leaver.rep_id != leaver.to_rep_id
    reps = {r["id"]: r for r in by_type["rep"]}
    assert reps[leaver.rep_id]["active"] and reps[leaver.to_rep_id]["active"]
    assert reps[leaver.rep_id]["team_id"] == reps[leaver.to_rep_id]["team_id"]
    days = {
        day_of(r)
        for kind in ("gps", "check_in", "plan", "expense")
        for r in by_type[kind]
        if r["rep_id"] == leaver.rep_id
    }
    assert days and max(days) < leaver.day.isoformat()
    assert any(c.get("owner_rep_id") == leaver.rep_id for c in by_type["customer"])
    assert departure(SMALL) == leaver  # deterministic


def test_most_customers_have_a_contact_and_inactive_reps_still_own_a_few_orphans(
    by_type: Any,
) -> None:
    customers = by_type["customer"]
    with_contact = [c for c in customers if "contact_phone" in c]
    assert 0.75 < len(with_contact) / len(customers) < 0.95
    assert all(re.fullmatch(r"1[3-8]\d{9}", c["contact_phone"]) for c in with_contact)
    inactive = {r["id"] for r in by_type["rep"] if not r["active"]}
    orphans = [c for c in customers if c.get("owner_rep_id") in inactive]
    assert len(orphans) == 2 * len(inactive) > 0

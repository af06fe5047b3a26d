"""Unit tests for dashboard.route_plans (the pure part of suggested plans)."""

from datetime import date

import pytest

from dashboard import route_plans as rp

ON = date(2026, 12, 7)


def cand(cid, grade, due, lat=31.2, lon=121.4, **kw):
    return rp.Candidate(cid, f"店 {cid}", grade, lat, lon, date.fromisoformat(due), **kw)


def test_rank_puts_a_first_then_the_most_overdue():
    ranked = rp.rank(
        [
            cand("c-new", "C", "2026-12-06"),
            cand("b-old", "B", "2026-11-01"),
            cand("a-new", "A", "2026-12-07"),
            cand("c-old", "C", "2026-10-01"),
            cand("a-old", "A", "2026-11-20"),
            cand("b-tie", "B", "2026-11-01"),
        ],
        ON,
    )
    assert [c.customer_id for c in ranked] == ["a-old", "a-new", "c-old", "b-old", "b-tie", "c-new"]


def test_start_point_is_the_median_of_first_fixes_else_of_the_candidates():
    fixes = [(31.0, 121.0), (31.2, 121.9), (31.1, 121.1), (40.0, 100.0)]
    got = rp.start_point(fixes, [])
    assert (got["lat"], got["lon"], got["source"], got["days"]) == (
        pytest.approx(31.15),
        pytest.approx(121.05),
        "first_fixes",
        4,
    )
    cands = [cand("a", "A", "2026-12-01", 30.0, 120.0), cand("b", "B", "2026-12-01", 30.2, 120.4)]
    got = rp.start_point([], cands)
    assert got["source"] == "customers" and got["lat"] == pytest.approx(30.1)
    assert rp.start_point([], []) is None


def test_times_and_ids():
    assert rp.hhmm_s("08:30") == 30600
    assert rp.s_hhmm(30600 + 29) == "08:30"
    assert rp.s_hhmm(30600 + 31) == "08:31"
    assert rp.plan_id("rep-1", ON) == "sug:rep-1:2026-12-07"


def test_service_minutes_per_grade_and_config_from_settings():
    config = rp.PlanConfig.from_values({"service_min_b": 40, "max_speed_mps": 9.0})
    assert config.service_s("A") == 45 * 60
    assert config.service_s("B") == 40 * 60
    assert config.max_visits_per_day == 8 and config.detour_factor == 1.3
    with pytest.raises(ValueError, match="grade"):
        config.service_s("D")


@pytest.mark.parametrize("backend", ["fallback", "auto"])
def test_suggest_orders_by_route_and_lists_every_left_out(backend):
    day = rp.RepDay("rep-1", ON, "08:30", "12:00")  # a short morning
    cands = [
        cand("far-a", "A", "2026-12-01", 31.30, 121.40),
        cand("near-c", "C", "2026-12-01", 31.21, 121.40),
        cand("mid-b", "B", "2026-12-01", 31.25, 121.40),
        cand("late-b", "B", "2026-12-01", 31.22, 121.40, open="15:00"),
        cand("extra-c", "C", "2026-11-01", 31.215, 121.40),
    ]
    start = {"lat": 31.20, "lon": 121.40, "source": "first_fixes", "days": 20}
    config = rp.PlanConfig(max_visits_per_day=3)
    got = rp.suggest(day, cands, start, config, candidate_source="due", backend=backend)
    # A first, then the most overdue (extra-c), then by id among equals (late-b is unreachable
    # after 12:00); three stops at most, in route order from the start going north.
    assert got["customer_ids"] == ["extra-c", "mid-b", "far-a"]
    reasons = {x["customer_id"]: x["reason"] for x in got["left_out"]}
    assert reasons == {"late-b": "unreachable", "near-c": "max_stops"}
    assert got["stops"][0]["arrive"] > "08:30" and got["stops"][-1]["end"] <= "12:00"
    record = rp.plan_record(got)
    assert record == {
        "type": "plan",
        "id": "sug:rep-1:2026-12-07",
        "rep_id": "rep-1",
        "date": "2026-12-07",
        "customer_ids": ["extra-c", "mid-b", "far-a"],
        "source": "suggested",
        "km_planned": got["km_planned"],
    }


def test_suggest_without_candidates_is_empty():
    day = rp.RepDay("rep-1", ON, "08:30", "18:30")
    got = rp.suggest(day, [], None, rp.PlanConfig(), candidate_source="due")
    assert got["customer_ids"] == [] and got["left_out"] == [] and got["km_planned"] == 0.0

"""A manager's review of a suggested plan (issue 17): an edited order re-timed through the same
core as the suggestion, nothing left out silently, whether the day still fits, the scope."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.route_plans import next_working_day
from dashboard.services import route_plans as plans
from dashboard.services import settings as settings_service
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company, load

DAY = date(2026, 12, 7)  # a Monday
EVERYONE = Scope.system()
EXTRA = [
    ("p-a1", "A", 31.190, 121.440, {}),
    ("p-a2", "A", 31.200, 121.450, {}),
    ("p-b1", "B", 31.185, 121.430, {}),
    ("p-b2", "B", 31.210, 121.470, {"open": "14:00", "close": "17:00"}),
    ("p-c1", "C", 31.170, 121.420, {}),
]


@pytest.fixture
def world(engine, now):
    load(engine, company(), now)
    load(
        engine,
        [
            b.customer(
                cid, name=f"店 {cid}", grade=grade, lat=lat, lon=lon, created="2026-09-01", **kw
            )
            for cid, grade, lat, lon, kw in EXTRA
        ],
        now,
    )
    return engine


def _ids(rows):
    return [r["customer_id"] for r in rows]


def test_the_suggested_order_evaluates_to_the_suggestion(world):
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE, backend="fallback")
    same = plans.evaluate_order(
        world,
        rep_id="rep-1",
        on=DAY,
        customer_ids=got["customer_ids"],
        scope=EVERYONE,
        previous=got,
    )
    assert same["stops"] == got["stops"]
    assert same["km_planned"] == got["km_planned"]
    assert same["drive_min"] == got["drive_min"]
    assert same["service_min"] == got["service_min"]
    assert same["left_out"] == got["left_out"]
    assert same["fits"] is True and same["late"] == [] and same["backend"] == "fixed"


def test_reordering_and_removing_recomputes_km_and_times(world):
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE, backend="fallback")
    ids = got["customer_ids"]
    edited = [*reversed(ids[1:])]  # the first stop removed, the rest reversed
    ev = plans.evaluate_order(
        world, rep_id="rep-1", on=DAY, customer_ids=edited, scope=EVERYONE, previous=got
    )
    assert ev["customer_ids"] == edited == _ids(ev["stops"])
    assert ev["km_planned"] == pytest.approx(
        sum(s["km_from_previous"] for s in ev["stops"]), abs=0.05
    )
    assert ev["km_planned"] != got["km_planned"]
    for a, nxt in zip(ev["stops"], ev["stops"][1:], strict=False):
        assert a["end"] <= nxt["arrive"]
    removed = [r for r in ev["left_out"] if r["reason"] == "removed"]
    assert _ids(removed) == [ids[0]]
    # Every candidate is placed or listed, once.
    assert sorted(ev["customer_ids"] + _ids(ev["left_out"])) == sorted(
        got["customer_ids"] + _ids(got["left_out"])
    )
    # Adding it back (at the end) takes it off the left-out list.
    back = plans.evaluate_order(
        world,
        rep_id="rep-1",
        on=DAY,
        customer_ids=[*edited, ids[0]],
        scope=EVERYONE,
        previous=ev,
    )
    assert ids[0] not in _ids(back["left_out"]) and back["customer_ids"][-1] == ids[0]


def test_a_day_that_no_longer_fits_is_said_so(world, now):
    settings_service.save_values(world, {"max_visits_per_day": 2}, actor="ops", now=now)
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE, backend="fallback")
    assert len(got["customer_ids"]) == 2
    every = got["customer_ids"] + _ids(got["left_out"])
    ev = plans.evaluate_order(
        world, rep_id="rep-1", on=DAY, customer_ids=every, scope=EVERYONE, previous=got
    )
    assert ev["over_max"] is True and ev["fits"] is False and ev["left_out"] == []
    # Three A stops of 3 h each first: p-b2 (closes 17:00) cannot be served in time.
    late_first = [c for c in every if c != "p-b2"] + ["p-b2"]
    settings_service.save_values(
        world, {"max_visits_per_day": 20, "service_min_a": 180}, actor="ops", now=now
    )
    ev = plans.evaluate_order(
        world, rep_id="rep-1", on=DAY, customer_ids=late_first, scope=EVERYONE
    )
    assert "p-b2" in ev["late"] and ev["fits"] is False


def test_bad_orders_are_refused_naming_the_field(world):
    north = Scope(user="m", region_ids=frozenset({"reg-n"}))
    with pytest.raises(plans.PlanError, match="rep: 'rep-1'"):
        plans.evaluate_order(world, rep_id="rep-1", on=DAY, customer_ids=["p-a1"], scope=north)
    with pytest.raises(plans.PlanError, match="customer_ids: nobody"):
        plans.evaluate_order(
            world, rep_id="rep-1", on=DAY, customer_ids=["p-a1", "nobody"], scope=EVERYONE
        )
    with pytest.raises(plans.PlanError, match="customer_ids: p-a1 listed more than once"):
        plans.evaluate_order(
            world, rep_id="rep-1", on=DAY, customer_ids=["p-a1", "p-a1"], scope=EVERYONE
        )
    with pytest.raises(plans.PlanError, match="customer_ids: must be a list"):
        plans.evaluate_order(world, rep_id="rep-1", on=DAY, customer_ids="p-a1", scope=EVERYONE)


def test_next_working_day_skips_the_weekend():
    assert next_working_day(date(2026, 12, 4)) == date(2026, 12, 7)  # Friday → Monday
    assert next_working_day(date(2026, 12, 5)) == date(2026, 12, 7)
    assert next_working_day(date(2026, 12, 7)) == date(2026, 12, 8)


def test_the_left_out_list_is_rebuilt_from_the_candidates_not_the_browser(world):
    got = plans.suggest_day(world, rep_id="rep-1", on=DAY, scope=EVERYONE, backend="fallback")
    ids = got["customer_ids"]
    forged = {
        **got,
        "left_out": [
            {"customer_id": ids[0], "name": "<b>forged</b>", "reason": "whatever"},
            {"customer_id": "nobody", "name": "x", "reason": "removed"},
            "junk",
        ],
        "customer_ids": "not a list",
    }
    ev = plans.evaluate_order(
        world, rep_id="rep-1", on=DAY, customer_ids=ids[1:], scope=EVERYONE, previous=forged
    )
    (row,) = ev["left_out"]
    stop = got["stops"][0]
    assert (row["customer_id"], row["name"], row["grade"]) == (ids[0], stop["name"], stop["grade"])
    assert row["reason"] == "removed" and "forged" not in str(ev)

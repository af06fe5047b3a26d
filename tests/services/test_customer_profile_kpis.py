"""The customer profile's figures are the KPI layer's (contract §5 and the README's KPI
definitions), on real SQLite and real PostgreSQL: which visits are effective, the SOP outcome,
the order amount of each visit, the last effective visit and the visits in 28 days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dashboard.services import customers as svc
from data_access.coverage import fetch_customer_coverage
from data_access.kpis import fetch_day_visits
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company, effective_visit, load

EVERYONE = Scope.everything(user="admin")
DAY = date(2026, 11, 26)


@pytest.fixture
def world(engine, now):
    load(engine, company(), now)
    days = [DAY - timedelta(days=n) for n in (0, 3, 9, 30)]
    values = []
    for n, day in enumerate(days):
        values += effective_visit(f"v-{n}", "cust-1", day, minutes=20 if n != 1 else 3)
        values.append(b.order(f"o-{n}", visit_id=f"v-{n}", amount=100.0 * (n + 1)))
    # A check-in far outside the geofence: not effective, whatever its dwell.
    far = effective_visit("v-far", "cust-1", DAY - timedelta(days=1))
    far[0].update(lat=31.25, lon=121.50)
    values += far
    values += [
        b.sop_step("st-1", visit_id="v-0", step="storefront_photo"),
        b.sop_step("st-2", visit_id="v-0", step="shelf_check", ok=False),
        # Recorded during v-2 (contract §7: a step after the check-out is late, not done).
        b.sop_step("st-3", visit_id="v-2", step="storefront_photo", ts=f"{days[2]}T09:22:00+08:00"),
        b.sop_step("st-4", visit_id="v-2", step="shelf_check", ts=f"{days[2]}T09:25:00+08:00"),
    ]
    load(engine, values, now)
    return engine


def test_profile_visits_are_effective_exactly_when_the_kpi_layer_says_so(world):
    profile = svc.customer_profile(world, EVERYONE, "cust-1", today=DAY)
    got = {
        v["visit_id"]: (v["effective"], v["sop_required"], v["sop_done"], v["order_amount"])
        for v in profile["visits"]
    }
    expected = {}
    with world.connect() as conn:
        for day in {v["local_date"] for v in profile["visits"]}:
            frame = fetch_day_visits(conn, rep_id="rep-1", day=day, scope=EVERYONE)
            for row in frame.itertuples():
                expected[row.visit_id] = (
                    bool(row.effective),
                    int(row.sop_required),
                    int(row.sop_done),
                    float(row.order_amount),
                )
    assert got == expected
    assert got["v-1"][0] is False and got["v-far"][0] is False  # too short, too far
    assert got["v-0"][1:3] == (2, 1) and got["v-2"][1:3] == (2, 2)


def test_profile_rhythm_figures_equal_the_kpi_coverage_query(world):
    customer = svc.customer_profile(world, EVERYONE, "cust-1", today=DAY)["customer"]
    with world.connect() as conn:
        kpi = fetch_customer_coverage(
            conn,
            window_start=DAY - timedelta(days=27),
            window_end=DAY,
            history_start=date(2000, 1, 1),
            scope=EVERYONE,
        )
    row = kpi.set_index("customer_id").loc["cust-1"]
    assert customer["visits_28d"] == int(row["verified_visits"]) == 2
    assert customer["last_visit"] == row["last_verified_date"] == DAY
    # Orders of 90 days: every visit's order, effective or not (v-0..v-3, 100 to 400).
    assert customer["orders_90d"] == pytest.approx(1000.0)

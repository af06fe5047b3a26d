"""Benchmark: the customer pages (issue 15, speed) on PostgreSQL, against raw SQL baselines
measured in the same run.

    .venv/bin/python bench/customers.py [--customers 150000] [--reps 5000] [--days 90]
                                        [--runs 20] [--admin-url URL] [--keep] [--database NAME]

``--keep`` leaves the scratch database in place (its name is printed); ``--database NAME``
re-times a kept one without building it again.

Builds a scratch PostgreSQL database (``bench_customers_<random>``, migrated by
``get_engine``): ``--reps`` reps in 8 regions (10 reps a team), ``--customers`` customers
(15 % A, 30 % B, 55 % C) spread over the regions' cities, 5 % of them orphans (no owner), ~3 %
never visited, and ``--days`` days of visits at each grade's rhythm with a random lag (one in
ten too short to be effective), an order on a third of them and an open alert on 2 % of the
customers. Written through the data layer's bulk path (COPY); the stored last effective visit
is then rebuilt from the visits (``customers.rebuild_last_visits``, timed) and the database
``VACUUM ANALYZE``d.

Times ``--runs`` runs of each, interleaved, and prints p50 / p95 and the p95 ratio to its
baseline:
- grid (manager): the customer page's data callback for a manager of one region, i.e.
  ``customers.customer_list`` (page of 500, total, white-space count, orphan counts) and the
  grid rows of ``list_outputs``; target p95 ≤ 300 ms;
- grid (company): the same for the whole company; target p95 ≤ 300 ms;
- grid (company, filtered): status overdue + grade A + a text search, the same target;
- profile: ``customers.customer_profile`` of a customer with visits; target p95 ≤ 200 ms;
- map (national): ``customers.customer_map`` at zoom 4 and its ``map_outputs``; target: the
  GeoJSON the page sends ≤ 1 MB.
Baselines (raw SQL, the least each must read): the grid, one SELECT of the scope's first 500
customers by name with their owner + one count(*) of the scope; the profile, the customer's row
+ its 200 latest visits; the map, one count(*) of the customers.
Exit code 0 when every target passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.customers.coverage import map_outputs
from components.customers.listing import list_outputs
from dashboard.services import customers as svc
from dashboard.services.db import dispose_engine, get_engine
from data_access import records, schema
from data_access.scope import Scope

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 4, tzinfo=UTC)
REGIONS = {
    "reg-0": (31.23, 121.47),
    "reg-1": (23.13, 113.26),
    "reg-2": (30.57, 104.07),
    "reg-3": (39.90, 116.40),
    "reg-4": (30.59, 114.31),
    "reg-5": (34.34, 108.94),
    "reg-6": (41.80, 123.43),
    "reg-7": (25.04, 102.71),
}
INTERVAL = {"A": 7, "B": 14, "C": 28}
MAX_BYTES = 1_000_000
TARGET_MS = {"grid": 300.0, "profile": 200.0}
CUSTOMER_COLUMNS = (
    "id",
    "name",
    "lat",
    "lon",
    "city",
    "address",
    "grade",
    "owner_rep_id",
    "region_id",
    "geofence_m",
    "updated_at",
    "contact_name",
    "contact_phone",
    "created",
    "active",
    "first_seen",
    "grade_locked",
)
VISIT_COLUMNS = (
    "id",
    "rep_id",
    "device_id",
    "customer_id",
    "ts",
    "local_date",
    "lat",
    "lon",
    "accuracy_m",
    "mock",
    "face_verified",
    "sop_template_id",
    "received_at",
    "checkin_distance_m",
    "geofence_limit_m",
    "checked_out_at",
    "dwell_s",
)
ORDER_COLUMNS = ("id", "visit_id", "amount", "currency", "received_at")


def build(engine, customers: int, reps: int, days: int, rnd: random.Random) -> None:
    """Write the synthetic company, its visits, orders and alerts."""
    t0 = time.perf_counter()
    regions = list(REGIONS)
    teams = [(f"team-{i}", regions[i % len(regions)]) for i in range(max(1, reps // 10))]
    rep_rows = [
        {
            "id": f"rep-{i:05d}",
            "name": f"业务员{i}",
            "team_id": teams[i % len(teams)][0],
            "device_id": f"d{i}",
            "timezone": "Asia/Shanghai",
            "work_start": "08:30",
            "work_end": "18:30",
            "active": i % 100 != 99,  # 1 % have left: their customers are orphans too
            "updated_at": NOW,
        }
        for i in range(reps)
    ]
    first_day = TODAY - timedelta(days=days - 1)
    cust_rows, visit_rows, order_rows, alert_rows = [], [], [], []
    n_visits = n_orders = 0
    with engine.begin() as conn:
        conn.execute(
            schema.regions.insert(), [{"id": r, "name": r, "updated_at": NOW} for r in regions]
        )
        conn.execute(
            schema.teams.insert(),
            [{"id": t, "name": t, "region_id": r, "updated_at": NOW} for t, r in teams],
        )
        records.upsert_rows(conn, schema.reps, rep_rows)
        for c in range(customers):
            cid = f"c-{c:06d}"
            rep = c % reps
            region = teams[rep % len(teams)][1]
            lat0, lon0 = REGIONS[region]
            lat, lon = lat0 + rnd.gauss(0, 0.3), lon0 + rnd.gauss(0, 0.3)
            grade = "A" if c % 20 < 3 else ("B" if c % 20 < 9 else "C")
            owner = None if c % 20 == 19 else f"rep-{rep:05d}"
            cust_rows.append(
                (
                    cid,
                    f"客户{c} 超市",
                    lat,
                    lon,
                    f"城市{region[-1]}",
                    f"路{c % 997}号",
                    grade,
                    owner,
                    region,
                    150.0,
                    NOW,
                    f"联系人{c % 501}",
                    f"138{c:08d}",
                    TODAY - timedelta(days=400 + c % 300),
                    True,
                    TODAY - timedelta(days=400),
                    False,
                )
            )
            if rnd.random() < 0.02:
                alert_rows.append(
                    {
                        "id": f"al-{cid}",
                        "rule": "FREQUENCY_MISS",
                        "severity": "medium",
                        "rep_id": f"rep-{rep:05d}",
                        "ts": NOW,
                        "local_date": TODAY,
                        "visit_id": None,
                        "customer_id": cid,
                        "summary": "overdue",
                        "evidence": {},
                        "status": "open",
                        "assigned_to": None,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
            if rnd.random() < 0.03:
                continue  # never visited
            interval = INTERVAL[grade]
            step = interval + (rnd.randrange(interval + 1) if rnd.random() < 0.3 else 0)
            day = first_day + timedelta(days=rnd.randrange(step))
            k = 0
            while day <= TODAY:
                ts = datetime(day.year, day.month, day.day, 1, tzinfo=UTC) + timedelta(
                    minutes=c % 480
                )
                vid = f"v-{cid}-{k}"
                dwell = 120.0 if rnd.random() < 0.1 else 1500.0
                visit_rows.append(
                    (
                        vid,
                        owner or f"rep-{rep:05d}",
                        f"d{rep}",
                        cid,
                        ts,
                        day,
                        lat,
                        lon,
                        10.0,
                        False,
                        None,
                        None,
                        NOW,
                        20.0,
                        160.0,
                        ts + timedelta(seconds=dwell),
                        dwell,
                    )
                )
                if rnd.random() < 0.33:
                    order_rows.append(
                        (f"o-{vid}", vid, round(rnd.uniform(100, 5000), 2), "CNY", NOW)
                    )
                k += 1
                day += timedelta(days=step)
            if len(visit_rows) >= 100_000:
                n_visits += records.insert_new_rows(
                    conn, schema.visits, visit_rows, columns=VISIT_COLUMNS
                )
                n_orders += records.insert_new_rows(
                    conn, schema.orders, order_rows, columns=ORDER_COLUMNS
                )
                visit_rows, order_rows = [], []
        n_visits += records.insert_new_rows(conn, schema.visits, visit_rows, columns=VISIT_COLUMNS)
        n_orders += records.insert_new_rows(conn, schema.orders, order_rows, columns=ORDER_COLUMNS)
        records.insert_new_rows(conn, schema.customers, cust_rows, columns=CUSTOMER_COLUMNS)
        conn.execute(schema.alerts.insert(), alert_rows)
    built = time.perf_counter() - t0
    t1 = time.perf_counter()
    svc.rebuild_last_visits(engine)
    rebuilt = time.perf_counter() - t1
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    print(
        f"built {customers:,} customers, {reps:,} reps, {n_visits:,} visits, {n_orders:,} "
        f"orders, {len(alert_rows):,} open alerts over {days} days in {built:.1f} s; "
        f"last effective visits rebuilt in {rebuilt:.1f} s"
    )


GRID_BASELINE = sa.text(
    "SELECT c.id, c.name, c.city, c.grade, c.last_effective_visit, r.name AS owner, t.name"
    " FROM customers c LEFT JOIN reps r ON r.id = c.owner_rep_id"
    " LEFT JOIN teams t ON t.id = r.team_id"
    " WHERE c.active"
    " AND (CAST(:region AS text) IS NULL OR coalesce(t.region_id, c.region_id) = :region)"
    " ORDER BY c.name, c.id LIMIT 500"
)
COUNT_BASELINE = sa.text(
    "SELECT count(*) FROM customers c LEFT JOIN reps r ON r.id = c.owner_rep_id"
    " LEFT JOIN teams t ON t.id = r.team_id"
    " WHERE c.active"
    " AND (CAST(:region AS text) IS NULL OR coalesce(t.region_id, c.region_id) = :region)"
)
PROFILE_BASELINE = (
    sa.text("SELECT * FROM customers WHERE id = :id"),
    sa.text("SELECT * FROM visits WHERE customer_id = :id ORDER BY ts DESC LIMIT 200"),
)
MAP_BASELINE = sa.text("SELECT count(*) FROM customers")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=150_000)
    ap.add_argument("--reps", type=int, default=5000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--database", help="re-time a database kept by --keep (not dropped)")
    args = ap.parse_args()
    rnd = random.Random(15)
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    name = args.database or f"bench_customers_{uuid.uuid4().hex[:8]}"
    keep = args.keep or args.database is not None
    if args.database is None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = get_engine(url)
        if args.database is None:
            build(engine, args.customers, args.reps, args.days, rnd)
        print(f"database {name}")
        return measure(engine, args.runs)
    finally:
        if not keep:
            dispose_engine(url)
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def measure(engine, runs: int) -> int:
    manager = Scope.of_regions(["reg-0"], user="bench-manager")
    company = Scope.everything(user="bench-admin")
    with engine.connect() as conn:
        profile_id = conn.execute(
            sa.select(schema.visits.c.customer_id)
            .group_by(schema.visits.c.customer_id)
            .order_by(sa.func.count().desc(), schema.visits.c.customer_id)
            .limit(1)
        ).scalar_one()
    sizes: dict[str, int] = {}

    def grid(scope, **filters):
        def run():
            result = svc.customer_list(engine, scope, today=TODAY, **filters)
            rows = list_outputs(result, "zh")
            sizes.setdefault(f"total {scope.user} {sorted(filters)}", result["total"])
            return rows

        return run

    def profile():
        return svc.customer_profile(engine, company, profile_id, today=TODAY)

    def national():
        result = svc.customer_map(engine, company, today=TODAY, zoom=4)
        data, _note = map_outputs(result, "zh")
        sizes["map_bytes"] = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
        sizes["map_features"] = len(data["features"])
        sizes["map_total"] = result["total"]
        return data

    def raw(*statements, **params):
        def run():
            with engine.connect() as conn:
                for stmt in statements:
                    conn.execute(stmt, params).all()

        return run

    cases = {
        "grid (manager)": (grid(manager), raw(GRID_BASELINE, COUNT_BASELINE, region="reg-0")),
        "grid (company)": (grid(company), raw(GRID_BASELINE, COUNT_BASELINE, region=None)),
        "grid (company, filtered)": (
            grid(company, status=["overdue"], grade=["A"], text="超市"),
            raw(GRID_BASELINE, COUNT_BASELINE, region=None),
        ),
        "profile": (profile, raw(*PROFILE_BASELINE, id=profile_id)),
        "map (national)": (national, raw(MAP_BASELINE)),
    }
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in cases}
    for _run in range(runs + 1):  # the first round warms the caches and is not counted
        for label, (fn, base) in cases.items():
            t0 = time.perf_counter()
            fn()
            took = time.perf_counter() - t0
            t0 = time.perf_counter()
            base()
            base_took = time.perf_counter() - t0
            if _run:
                times[label][0].append(took * 1000)
                times[label][1].append(base_took * 1000)
    ok = True
    for label, (ms, base_ms) in times.items():
        p95, b95 = percentile(ms, 0.95), percentile(base_ms, 0.95)
        target = TARGET_MS["profile" if label == "profile" else "grid"]
        line = (
            f"{label:26s} p50 {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms  "
            f"baseline p95 {b95:6.1f} ms  ratio {p95 / b95:5.1f}x"
        )
        if label.startswith("map"):
            print(line)
            continue
        passed = p95 <= target
        ok &= passed
        print(f"{line}  target {target:.0f} ms {'PASS' if passed else 'FAIL'}")
    for key, value in sizes.items():
        if key.startswith("total"):
            print(f"  {key}: {value:,} customers match")
    map_ok = sizes["map_bytes"] <= MAX_BYTES
    ok &= map_ok
    print(
        f"map (national): {sizes['map_features']:,} features for {sizes['map_total']:,} "
        f"customers, {sizes['map_bytes']:,} B ({sizes['map_bytes'] / 1024:.1f} KiB) "
        f"<= {MAX_BYTES:,} B {'PASS' if map_ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

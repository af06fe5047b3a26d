"""Benchmark: visit-task generation (contract §5) on PostgreSQL, against one hand-written SQL
statement computing the same due list.

    .venv/bin/python bench/tasks.py [--customers 150000] [--days 90] [--runs 5]
                                    [--admin-url URL] [--keep] [--database NAME]

``--keep`` leaves the scratch database in place (its name is printed); ``--database NAME``
re-times a kept one without building it again.

Builds a scratch PostgreSQL database (``bench_tasks_<random>``, migrated by ``get_engine``) with
``--customers`` customers (15 % A, 30 % B, 55 % C) owned by customers÷150 reps in 4 regions,
about 3 % of them never visited and 5 % without an owner, and ``--days`` days of effective
visits at each grade's rhythm with a random lag (some customers fall behind): ~800,000 visits
at 150,000 customers. Written through the data layer's bulk path (``insert_new_rows`` = COPY),
then ``VACUUM ANALYZE``.

Times, ``--runs`` runs, interleaved in the same run:
- ``tasks.generate(engine, on=D)`` on an empty task table: re-point open tasks at their
  owners, compute the due list in the database into a staging table (``due_task_select``,
  held equal to the pure ``plan_tasks`` by tests/services/test_task_generation_sql.py),
  insert it with one INSERT ... SELECT ... ON CONFLICT DO NOTHING, commit; the task table is
  emptied before each run (not timed);
- baseline: one hand-written SELECT of the same due list (customer id and due date), whose
  result is compared with the generated tasks on every run.
Targets: generation median ≤ 10 s and ≤ 3 × the baseline's median. Also reported once: a
second generation of the same date (creates nothing), ``tasks.export_rows`` of every task, and
``frequency.judge_frequency`` over 90 days.
Exit code 0 when both targets pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
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

from dashboard.services import frequency, tasks
from dashboard.services.db import dispose_engine, get_engine
from dashboard.services.settings import load_frequency_config
from data_access import records, schema

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 4, tzinfo=UTC)
CITY = {
    "reg-0": (31.23, 121.47),
    "reg-1": (23.13, 113.26),
    "reg-2": (30.57, 104.07),
    "reg-3": (39.90, 116.40),
}
INTERVAL = {"A": 7, "B": 14, "C": 28}
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
    "annual_revenue",
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


def build(engine, customers: int, days: int, rnd: random.Random) -> None:
    """Write the synthetic company and its visits."""
    t0 = time.perf_counter()
    regions = list(CITY)
    reps = max(1, customers // 150)
    teams = [(f"team-{i}", regions[i % 4]) for i in range(max(1, reps // 10))]
    rep_rows = []
    for i in range(reps):
        team, _region = teams[i % len(teams)]
        rep_rows.append(
            {
                "id": f"rep-{i:05d}",
                "name": f"Rep {i}",
                "team_id": team,
                "device_id": f"d{i}",
                "timezone": "Asia/Shanghai",
                "work_start": "08:30",
                "work_end": "18:30",
                "active": True,
                "updated_at": NOW,
            }
        )
    first_day = TODAY - timedelta(days=days - 1)
    cust_rows, visit_rows = [], []
    n_visits = 0
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
            team, region = teams[rep % len(teams)]
            lat, lon = CITY[region]
            grade = "A" if c % 20 < 3 else ("B" if c % 20 < 9 else "C")
            owner = None if c % 20 == 19 else f"rep-{rep:05d}"
            cust_rows.append(
                (
                    cid,
                    f"Store {c}",
                    lat,
                    lon,
                    region,
                    None,
                    grade,
                    owner,
                    region,
                    200.0,
                    None,
                    NOW,
                    None,
                    None,
                    TODAY - timedelta(days=400 + c % 300),
                    True,
                    TODAY - timedelta(days=400),
                    False,
                )
            )
            if rnd.random() < 0.03:
                continue  # never visited
            interval = INTERVAL[grade]
            # Most keep the rhythm; some lag behind by up to the interval again.
            step = interval + (rnd.randrange(interval + 1) if rnd.random() < 0.3 else 0)
            day = first_day + timedelta(days=rnd.randrange(step))
            k = 0
            while day <= TODAY:
                ts = datetime(day.year, day.month, day.day, 2, tzinfo=UTC) + timedelta(
                    minutes=c % 400
                )
                visit_rows.append(
                    (
                        f"v-{cid}-{k}",
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
                        210.0,
                        ts + timedelta(minutes=25),
                        1500.0,
                    )
                )
                k += 1
                day += timedelta(days=step)
            if len(visit_rows) >= 100_000:
                n_visits += records.insert_new_rows(
                    conn, schema.visits, visit_rows, columns=VISIT_COLUMNS
                )
                visit_rows = []
        n_visits += records.insert_new_rows(conn, schema.visits, visit_rows, columns=VISIT_COLUMNS)
        records.insert_new_rows(conn, schema.customers, cust_rows, columns=CUSTOMER_COLUMNS)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    print(
        f"built {customers:,} customers, {reps:,} reps, {n_visits:,} effective visits over "
        f"{days} days in {time.perf_counter() - t0:.1f} s"
    )


BASELINE = sa.text(
    "WITH last AS ("
    "  SELECT customer_id, max(local_date) AS last_visit FROM visits"
    "  WHERE local_date <= :d AND checked_out_at IS NOT NULL AND dwell_s >= 300.0"
    "    AND checkin_distance_m <= geofence_limit_m"
    "  GROUP BY customer_id),"
    " r AS ("
    "  SELECT c.id, coalesce(l.last_visit, c.created, c.first_seen)"
    "    + CASE c.grade WHEN 'A' THEN :a WHEN 'B' THEN :b WHEN 'C' THEN :c END AS due"
    "  FROM customers c LEFT JOIN last l ON l.customer_id = c.id"
    "  WHERE c.active AND NOT EXISTS ("
    "    SELECT 1 FROM tasks t WHERE t.customer_id = c.id AND t.status = 'open'))"
    " SELECT id, due FROM r WHERE due <= :d"
)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=150_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--database", help="re-time a database kept by --keep (not dropped)")
    args = ap.parse_args()
    rnd = random.Random(7)
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    name = args.database or f"bench_tasks_{uuid.uuid4().hex[:8]}"
    keep = args.keep or args.database is not None
    if args.database is None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = get_engine(url)
        if args.database is None:
            build(engine, args.customers, args.days, rnd)
        print(f"database {name}")
        config = load_frequency_config(engine)
        due_days = {g: config.due_after_days(g) for g in ("A", "B", "C")}
        gen_t, base_t, created = [], [], 0
        for _run in range(args.runs):
            with engine.begin() as conn:
                conn.execute(schema.tasks.delete())
            t0 = time.perf_counter()
            result = tasks.generate(engine, on=TODAY, now=NOW)
            gen_t.append(time.perf_counter() - t0)
            created = result.created
            with engine.connect() as conn:
                conn.execute(schema.tasks.delete())  # the baseline sees no open task either
                t0 = time.perf_counter()
                rows = conn.execute(
                    BASELINE, {"d": TODAY, **{k.lower(): v for k, v in due_days.items()}}
                ).all()
                base_t.append(time.perf_counter() - t0)
                conn.rollback()  # keep the generated tasks for the comparison
            with engine.connect() as conn:
                stored = set(
                    conn.execute(sa.select(schema.tasks.c.customer_id, schema.tasks.c.due)).all()
                )
            assert stored == {(cid, due) for cid, due in rows}, "generation and baseline differ"
        med, base = statistics.median(gen_t), statistics.median(base_t)
        ratio = med / base
        ok_time, ok_ratio = med <= 10.0, ratio <= 3.0
        print(
            f"tasks.generate: {created:,} tasks for {args.customers:,} customers, median "
            f"{med:.2f} s (min {min(gen_t):.2f}, max {max(gen_t):.2f}; target 10 s) "
            f"{'PASS' if ok_time else 'FAIL'}; baseline SQL median {base:.2f} s, ratio "
            f"{ratio:.2f} (target 3) {'PASS' if ok_ratio else 'FAIL'}; same due list: yes"
        )
        t0 = time.perf_counter()
        again = tasks.generate(engine, on=TODAY, now=NOW)
        print(
            f"second generation of the same date: {again.created} created in "
            f"{time.perf_counter() - t0:.2f} s"
        )
        t0 = time.perf_counter()
        exported = tasks.export_rows(engine, today=TODAY)
        print(f"tasks.export_rows: {len(exported):,} tasks in {time.perf_counter() - t0:.2f} s")
        t0 = time.perf_counter()
        judged = frequency.judge_frequency(engine, until=TODAY, now=NOW)
        print(
            f"frequency.judge_frequency (90 days): {judged.alerts:,} FREQUENCY_MISS alerts in "
            f"{time.perf_counter() - t0:.2f} s"
        )
        return 0 if ok_time and ok_ratio else 1
    finally:
        if not keep:
            dispose_engine(url)
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())

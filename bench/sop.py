"""Benchmark: the /sop page's callbacks (contract §7, issue 18) on PostgreSQL, against one
hand-written SQL statement computing the same step funnel.

    .venv/bin/python bench/sop.py [--visits 300000] [--days 60] [--runs 20]
                                  [--admin-url URL] [--keep] [--database NAME]

``--keep`` leaves the scratch database in place (its name is printed); ``--database NAME``
re-times a kept one without building it again.

Builds a scratch PostgreSQL database (``bench_sop_<random>``, migrated by ``get_engine``): 4
regions, 40 teams, 1,000 reps, three templates (the 7-step store visit revised half-way, so two
versions, a 7-step and an 8-step one), ``--visits`` visits over ``--days`` days and about 6.6
steps each (~2 M at 300,000 visits): most done in the visit, some failed, skipped (competitor
check and stock count most) or recorded after the check-out. Written through the data layer's
bulk path (``insert_new_rows`` = COPY), the rep-days marked dirty as ingest does, then the
background refresh (``rollups.refresh_rep_days``: rep-day rollups and the SOP rollup the page
reads; its time is printed) after an ``ANALYZE``, then ``VACUUM FULL sop_rollup_weeks`` (the
backfill rewrote each rep-week about seven times) and ``VACUUM ANALYZE``.

Times, ``--runs`` runs each, interleaved:
- ``render_sop_grids`` as the page runs it (``sop.page_data`` + ``components.sop.page_rows``)
  for the page's default 7-day period, for 30 days, and for 30 days of one template;
- ``fill_sop_templates`` and ``load_sop_template`` (the editor's reads);
- the funnel alone (``sop.funnel``, 30 days) and the baseline: one hand-written SQL statement of
  the same funnel, whose counts are compared with the service's on every run.
Targets: p95 of every callback ≤ 300 ms, and the funnel's median ≤ 3 × the baseline's median.
Exit code 0 when every target passes, 1 otherwise.
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

from components import sop as view
from dashboard import sop as core
from dashboard.services import rollups, sop
from dashboard.services.db import dispose_engine, get_engine
from data_access import records, schema
from data_access import sop as sop_store
from data_access.scope import Scope

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 4, tzinfo=UTC)
SCOPE = Scope.everything(user="bench")
STORE_V1 = [
    "storefront_photo",
    "shelf_check",
    "stock_count",
    "promo_check",
    "competitor_note",
    "order_taking",
    "photo",
]
STORE_V2 = [
    "checkin",
    "shelf_check",
    "competitor_check",
    "stock_count",
    "order_taking",
    "photo",
    "checkout",
]
PHARMACY = [
    "storefront_photo",
    "shelf_check",
    "expiry_check",
    "staff_training",
    "order_taking",
    "photo",
    "checkout",
]
DEALER = [
    "storefront_photo",
    "stock_count",
    "meeting_note",
    "payment",
    "credit_check",
    "order_taking",
    "photo",
    "checkout",
]
OPTIONAL = {"order_taking", "promo_check", "staff_training", "payment"}
DO_P = {"competitor_check": 0.55, "stock_count": 0.7}
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
    "sop_version",
    "checkin_distance_m",
    "geofence_limit_m",
    "checked_out_at",
    "dwell_s",
)
STEP_COLUMNS = ("id", "visit_id", "step", "ts", "value", "ok", "received_at")


def _steps(codes: list[str]) -> list[dict]:
    return core.normalize_steps(
        [
            {
                "code": c,
                "required": c not in OPTIONAL,
                "min_seconds": 60.0 if c == "stock_count" else None,
            }
            for c in codes
        ]
    )


def build(engine, n_visits: int, days: int, rnd: random.Random) -> None:
    """Write the synthetic company, its templates, visits and steps."""
    t0 = time.perf_counter()
    regions = [f"reg-{i}" for i in range(4)]
    teams = [(f"team-{i:02d}", regions[i % 4]) for i in range(40)]
    reps = [f"rep-{i:04d}" for i in range(1000)]
    first_day = TODAY - timedelta(days=days - 1)
    revised = datetime.combine(first_day + timedelta(days=days // 2), datetime.min.time(), UTC)
    with engine.begin() as conn:
        conn.execute(
            schema.regions.insert(), [{"id": r, "name": r, "updated_at": NOW} for r in regions]
        )
        conn.execute(
            schema.teams.insert(),
            [{"id": t, "name": t, "region_id": r, "updated_at": NOW} for t, r in teams],
        )
        records.upsert_rows(
            conn,
            schema.reps,
            [
                {
                    "id": rep,
                    "name": f"Rep {i}",
                    "team_id": teams[i % 40][0],
                    "device_id": f"d{i}",
                    "timezone": "Asia/Shanghai",
                    "work_start": "08:30",
                    "work_end": "18:30",
                    "active": True,
                    "updated_at": NOW,
                }
                for i, rep in enumerate(reps)
            ],
        )
        records.upsert_rows(
            conn,
            schema.customers,
            [
                {
                    "id": f"c-{i:05d}",
                    "name": f"Store {i}",
                    "lat": 31.2,
                    "lon": 121.4,
                    "city": "上海",
                    "grade": "B",
                    "owner_rep_id": reps[i % 1000],
                    "region_id": teams[(i % 1000) % 40][1],
                    "geofence_m": 200.0,
                    "updated_at": NOW,
                    "first_seen": first_day,
                    "active": True,
                }
                for i in range(20_000)
            ],
        )
        epoch = datetime(2020, 1, 1, tzinfo=UTC)
        for tid, name, versions in (
            ("sop-standard", "Store visit", [(STORE_V1, epoch), (STORE_V2, revised)]),
            ("sop-pharmacy", "Pharmacy", [(PHARMACY, epoch)]),
            ("sop-dealer", "Dealer", [(DEALER, epoch)]),
        ):
            for codes, since in versions:
                sop_store.add_version(
                    conn,
                    template_id=tid,
                    name=name,
                    steps=_steps(codes),
                    valid_from=since,
                    now=NOW,
                    source="ingest",
                )
        templates = ["sop-standard"] * 6 + ["sop-pharmacy"] * 2 + ["sop-dealer"] * 2
        visit_rows, step_rows, n_steps = [], [], 0
        for k in range(n_visits):
            rep_i = k % 1000
            day = first_day + timedelta(days=rnd.randrange(days))
            ci = datetime(day.year, day.month, day.day, 1, tzinfo=UTC) + timedelta(
                seconds=rnd.randrange(8 * 3600)
            )
            co = ci + timedelta(seconds=rnd.randrange(600, 3000))
            tid = templates[k % 10]
            if tid == "sop-standard":
                version, codes = (2, STORE_V2) if ci >= revised else (1, STORE_V1)
            else:
                version, codes = 1, PHARMACY if tid == "sop-pharmacy" else DEALER
            vid = f"v-{k:07d}"
            visit_rows.append(
                (
                    vid,
                    reps[rep_i],
                    f"d{rep_i}",
                    f"c-{(rep_i + 1000 * rnd.randrange(20)):05d}",
                    ci,
                    day,
                    31.2,
                    121.4,
                    10.0,
                    False,
                    None,
                    tid,
                    NOW,
                    version,
                    20.0,
                    210.0,
                    co,
                    (co - ci).total_seconds(),
                )
            )
            span = (co - ci).total_seconds() / (len(codes) + 1)
            for j, code in enumerate(codes):
                if rnd.random() > DO_P.get(code, 0.97 if code not in OPTIONAL else 0.8):
                    continue
                ts = ci + timedelta(seconds=span * (j + rnd.random()))
                if rnd.random() < 0.02:
                    ts = co + timedelta(seconds=rnd.randrange(60, 900))  # late
                step_rows.append((f"s-{k:07d}-{j}", vid, code, ts, None, rnd.random() > 0.05, NOW))
            if len(step_rows) >= 200_000:
                records.insert_new_rows(conn, schema.visits, visit_rows, columns=VISIT_COLUMNS)
                n_steps += records.insert_new_rows(
                    conn, schema.sop_steps, step_rows, columns=STEP_COLUMNS
                )
                visit_rows, step_rows = [], []
        records.insert_new_rows(conn, schema.visits, visit_rows, columns=VISIT_COLUMNS)
        n_steps += records.insert_new_rows(conn, schema.sop_steps, step_rows, columns=STEP_COLUMNS)
        v = schema.visits
        records.mark_rep_days_dirty(
            conn, conn.execute(sa.select(v.c.rep_id, v.c.local_date).distinct()).all()
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    built = time.perf_counter()
    refreshed = rollups.refresh_rep_days(engine, now=NOW)
    print(f"refreshed {refreshed:,} rep-days in {time.perf_counter() - built:.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # The backfill rewrote each rep-week's sums once per refresh batch of its days (about
        # seven times): compact the weekly table once, as after migration 0016's first refresh
        # (in steady state autovacuum reuses the space of the rewritten current week).
        conn.exec_driver_sql("VACUUM FULL sop_rollup_weeks")
        conn.exec_driver_sql("VACUUM ANALYZE")
    print(
        f"built {n_visits:,} visits and {n_steps:,} steps over {days} days "
        f"in {time.perf_counter() - t0:.1f} s"
    )


BASELINE = sa.text(
    "WITH fv AS ("
    "  SELECT v.id, v.ts, v.checked_out_at, v.sop_template_id AS tid, v.sop_version AS ver"
    "  FROM visits v WHERE v.local_date BETWEEN :a AND :b AND v.sop_version IS NOT NULL),"
    " agg AS ("
    "  SELECT s.visit_id, s.step,"
    "    bool_or(s.ok AND s.ts >= fv.ts AND s.ts <= fv.checked_out_at) AS done,"
    "    bool_or(NOT s.ok AND s.ts >= fv.ts AND s.ts <= fv.checked_out_at) AS failed"
    "  FROM sop_steps s JOIN fv ON fv.id = s.visit_id GROUP BY s.visit_id, s.step)"
    " SELECT vs.template_id, vs.version, vs.seq, count(*) AS visits,"
    "   count(*) FILTER (WHERE agg.done) AS done,"
    "   count(*) FILTER (WHERE NOT agg.done AND agg.failed) AS failed,"
    "   count(*) FILTER (WHERE NOT agg.done AND NOT agg.failed) AS late,"
    "   count(*) FILTER (WHERE agg.visit_id IS NULL) AS missing"
    " FROM fv JOIN sop_version_steps vs ON vs.template_id = fv.tid AND vs.version = fv.ver"
    " LEFT JOIN agg ON agg.visit_id = fv.id AND agg.step = vs.code"
    " GROUP BY vs.template_id, vs.version, vs.seq"
)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--visits", type=int, default=300_000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--database", help="re-time a database kept by --keep (not dropped)")
    args = ap.parse_args()
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    name = args.database or f"bench_sop_{uuid.uuid4().hex[:8]}"
    keep = args.keep or args.database is not None
    if args.database is None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = get_engine(url)
        if args.database is None:
            build(engine, args.visits, args.days, random.Random(7))
        print(f"database {name}")
        week = sop.SopFilter(TODAY - timedelta(days=6), TODAY)
        month = sop.SopFilter(TODAY - timedelta(days=29), TODAY)
        one = sop.SopFilter(month.start, month.end, template_id="sop-standard")
        timed = {
            "render_sop_grids (7 days)": lambda: view.page_rows(
                sop.page_data(engine, SCOPE, week), "en"
            ),
            "render_sop_grids (30 days)": lambda: view.page_rows(
                sop.page_data(engine, SCOPE, month), "en"
            ),
            "render_sop_grids (30 days, one template)": lambda: view.page_rows(
                sop.page_data(engine, SCOPE, one), "en"
            ),
            "fill_sop_templates": lambda: sop.template_choices(engine),
            "load_sop_template": lambda: sop.template_history(engine, "sop-standard"),
            "funnel (30 days)": lambda: sop.funnel(engine, SCOPE, month),
        }
        times: dict[str, list[float]] = {k: [] for k in timed}
        base_t: list[float] = []
        for _run in range(args.runs):
            for label, fn in timed.items():
                t0 = time.perf_counter()
                result = fn()
                times[label].append(time.perf_counter() - t0)
                if label == "funnel (30 days)":
                    funnel = result
            with engine.connect() as conn:
                t0 = time.perf_counter()
                rows = conn.execute(BASELINE, {"a": month.start, "b": month.end}).all()
                base_t.append(time.perf_counter() - t0)
            got = {
                (r["template_id"], r["version"], r["seq"]): (
                    r["visits"],
                    r["done"],
                    r["failed"],
                    r["late"],
                    r["missing"],
                )
                for r in funnel
            }
            want = {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}
            assert got == want, "the service's funnel and the baseline differ"
        ok = True
        for label, values in times.items():
            passed = p95(values) <= 0.300
            ok &= passed or not label.startswith(("render", "fill", "load"))
            print(
                f"{label}: median {statistics.median(values) * 1000:.0f} ms, p95 "
                f"{p95(values) * 1000:.0f} ms (target 300 ms) {'PASS' if passed else 'FAIL'}"
            )
        med, base = statistics.median(times["funnel (30 days)"]), statistics.median(base_t)
        ratio = med / base
        print(
            f"funnel (30 days) median {med * 1000:.0f} ms; baseline SQL median "
            f"{base * 1000:.0f} ms; ratio {ratio:.2f} (target 3) "
            f"{'PASS' if ratio <= 3 else 'FAIL'}; same counts: yes"
        )
        return 0 if ok and ratio <= 3 else 1
    finally:
        if not keep:
            dispose_engine(url)
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: `detect` on one day of 500 reps, against merely reading the same rows.

    .venv/bin/python bench/detect.py [--reps 500] [--runs 3] [--dialect both|sqlite|postgres]
                                     [--admin-url URL] [--profile] [--keep]

Generates one working day of the demo company (``dashboard.demo``, ``--reps`` reps: ~700 GPS
fixes and ~8 visits per rep, with photos, check-outs, device events, claims and the injected
violations) and loads it through the ingest path into a scratch SQLite file and a scratch
PostgreSQL database (``bench_detect_<random>`` on ``--admin-url``), then refreshes the rollups.

Then, ``--runs`` times, interleaved:
- detect: ``dashboard.services.detect.detect(engine)`` over the whole day (every rule, alerts and
  flags compared with the stored ones; the first run writes them, later runs change nothing);
- baseline: the same rows read with plain DB-API cursors (fixes of the day with id, device,
  time, position, accuracy, mock; device events; check-ins; check-outs; photos; claims;
  customers), no processing at all.

Prints the median times and ratio = detect / baseline per dialect, PASS/FAIL against detect
<= 5 s and ratio <= 4. Exit code 0 when every target passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from dashboard.demo import DemoConfig, iter_demo_batches
from dashboard.services import detect, ingest, rollups
from dashboard.services.db import dispose_engine, get_engine

DEFAULT_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# A Friday, so the one "working day" before it is a full day; no partial today.
NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
TARGET_S, TARGET_RATIO = 5.0, 4.0

BASELINE_SQL = [
    "SELECT id, rep_id, device_id, ts, lat, lon, accuracy_m, mock FROM gps_fixes",
    "SELECT id, rep_id, device_id, ts, kind FROM device_events",
    "SELECT v.id, v.rep_id, v.device_id, v.customer_id, v.ts, v.local_date, v.lat, v.lon,"
    " v.accuracy_m, v.mock, c.city FROM visits v JOIN customers c ON c.id = v.customer_id",
    "SELECT id, visit_id, ts, lat, lon, accuracy_m, mock FROM check_outs",
    "SELECT p.id, p.visit_id, p.taken_at, p.sha256, p.phash, v.rep_id, v.ts FROM photos p"
    " JOIN visits v ON v.id = p.visit_id",
    "SELECT id, rep_id, date, category, amount, claimed_km, city, customer_id, receipt_sha256,"
    " received_at, arrival_seq FROM expenses",
    "SELECT c.id, c.name, c.lat, c.lon, c.geofence_m, c.city FROM customers c"
    " WHERE c.id IN (SELECT customer_id FROM visits)",
]


def load(engine, reps: int) -> dict[str, int]:
    started = time.perf_counter()
    config = DemoConfig(now=NOW, reps=reps, days=1)
    for batch in iter_demo_batches(config):
        ingest.ingest_values(engine, batch, source="bench", now=NOW)
    rollups.refresh_rep_days(engine, now=NOW)
    counts = ingest.count_stored(engine)
    print(
        f"  loaded in {time.perf_counter() - started:.1f} s: {counts['gps']:,} fixes, "
        f"{counts['check_in']:,} visits, {counts['photo']:,} photos, {counts['expense']:,} claims"
    )
    return counts


def read_baseline(engine) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for sql in BASELINE_SQL:
            cur = raw.cursor()
            cur.execute(sql)
            cur.fetchall()
            cur.close()
    return time.perf_counter() - started, time.process_time() - cpu


def run_detect(engine, profile: bool) -> tuple[float, float, detect.DetectResult]:
    started, cpu = time.perf_counter(), time.process_time()
    if profile:
        prof = cProfile.Profile()
        result = prof.runcall(detect.detect, engine, now=NOW)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    else:
        result = detect.detect(engine, now=NOW)
    return time.perf_counter() - started, time.process_time() - cpu, result


def bench(name: str, url: str, args) -> bool:
    print(f"{name}:")
    engine = get_engine(url)
    load(engine, args.reps)
    det, base, det_cpu = [], [], []
    for i in range(args.runs):
        b, b_cpu = read_baseline(engine)
        d, d_cpu, result = run_detect(engine, args.profile and i == args.runs - 1)
        base.append(b)
        det.append(d)
        det_cpu.append(d_cpu)
        # CPU seconds of this process too: on a shared machine wall time measures the load.
        print(
            f"  run {i + 1}: detect {d:.2f} s (cpu {d_cpu:.2f} s; {result.rep_days} rep-days, "
            f"{result.alerts_written} alerts and {result.flags_written} flags written), "
            f"baseline read {b:.2f} s (cpu {b_cpu:.2f} s)"
        )
    d, b = statistics.median(det), statistics.median(base)
    ratio = d / b if b else float("inf")
    ok = d <= TARGET_S and ratio <= TARGET_RATIO
    print(
        f"  {name}: detect {d:.2f} s (target <= {TARGET_S:g}; cpu of this process "
        f"{statistics.median(det_cpu):.2f} s), baseline {b:.2f} s, "
        f"ratio {ratio:.2f} (target <= {TARGET_RATIO:g}) -> {'PASS' if ok else 'FAIL'}"
    )
    dispose_engine(url)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dialect", choices=("both", "sqlite", "postgres"), default="both")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--profile", action="store_true", help="profile the last detect run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args(argv)
    results = []
    if args.dialect in ("both", "sqlite"):
        folder = tempfile.mkdtemp(prefix="bench_detect_")
        results.append(bench("SQLite", f"sqlite:///{folder}/bench.db", args))
        if not args.keep:
            Path(folder, "bench.db").unlink(missing_ok=True)
    if args.dialect in ("both", "postgres"):
        admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
        name = f"bench_detect_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
        try:
            results.append(bench("PostgreSQL", url, args))
        finally:
            if not args.keep:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

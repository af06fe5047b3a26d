"""Benchmark: the customer coverage map's payload and time for a large company.

    .venv/bin/python bench/customer_map.py [--customers 150000] [--url sqlite:///...]

Stores ``--customers`` customers spread over mainland China (one region, 100 reps; no visits,
so every customer is "never visited" and white space: the status and white-space sums still
run over every row) in a fresh SQLite file (or ``--url``), then asks the map service what the
page asks:
- baseline: ``SELECT count(*)`` of the customers (the least any map query must read);
- national: the whole company at zoom 4 (cells counted by the database);
- regional: a 2° × 2° viewport around Shanghai at zoom 8;
- city: a 0.2° × 0.2° viewport at zoom 12 (points when at most 2,000 are in it).

Prints the median time of each (and its ratio to the baseline), the mode, how many features the
map gets and the size of the GeoJSON the page sends, PASS/FAIL against the national payload
<= 1 MB (issue 15). Exit code 0 when the target passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.customers.coverage import map_outputs  # noqa: E402
from dashboard.services import customers as svc  # noqa: E402
from dashboard.services import ingest  # noqa: E402
from dashboard.services.db import get_engine  # noqa: E402
from data_access import schema  # noqa: E402
from data_access.scope import Scope  # noqa: E402
from tests import builders as b  # noqa: E402

MAX_BYTES = 1_000_000
TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
# Cities (lat, lon) the customers gather around, as real ones do.
CITIES = [
    (31.23, 121.47), (39.90, 116.40), (23.13, 113.26), (22.54, 114.06), (30.57, 104.07),
    (29.56, 106.55), (30.59, 114.31), (34.34, 108.94), (32.06, 118.80), (30.27, 120.16),
    (36.07, 120.38), (38.04, 114.51), (41.80, 123.43), (45.80, 126.53), (25.04, 102.71),
    (26.65, 106.63), (28.23, 112.94), (26.07, 119.30), (36.65, 117.12), (34.75, 113.63),
]  # fmt: skip


def seed(url: str, n: int) -> sa.Engine:
    engine = get_engine(url)
    reps = [b.rep(f"rep-{i:03d}", name=f"业务员{i}") for i in range(100)]
    summary = ingest.ingest_values(engine, [b.region(), b.team(), *reps], source="bench", now=NOW)
    assert not summary.rejected, summary.rejected
    rng = random.Random(15)
    rows = []
    for i in range(n):
        lat, lon = rng.choice(CITIES)
        rows.append(
            {
                "id": f"c-{i:06d}",
                "name": f"客户{i}",
                "lat": lat + rng.gauss(0, 0.25),
                "lon": lon + rng.gauss(0, 0.25),
                "city": "城市",
                "grade": "ABC"[rng.randrange(3)],
                "owner_rep_id": f"rep-{i % 100:03d}",
                "region_id": "reg-e",
                "geofence_m": 150.0,
                "updated_at": NOW,
                "first_seen": TODAY,
                "active": True,
                "grade_locked": False,
            }
        )
    with engine.begin() as conn:
        for start in range(0, n, 20_000):
            conn.execute(schema.customers.insert(), rows[start : start + 20_000])
    return engine


def median_time(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench-map.db"
    engine = seed(url, args.customers)
    everyone = Scope.everything(user="bench")

    def count():
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(schema.customers)).scalar()

    base, _ = median_time(count, args.runs)
    cases = {
        "national": {"zoom": 4, "bounds": None},
        "regional": {"zoom": 8, "bounds": (30.2, 120.5, 32.2, 122.5)},
        "city": {"zoom": 12, "bounds": (31.13, 121.37, 31.33, 121.57)},
    }
    print(f"{args.customers:,} customers; baseline count(*): {base * 1000:.1f} ms")
    national_bytes = 0
    for name, kw in cases.items():
        took, result = median_time(
            lambda kw=kw: svc.customer_map(engine, everyone, today=TODAY, **kw), args.runs
        )
        data, _note = map_outputs(result, "zh")
        size = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
        if name == "national":
            national_bytes = size
        print(
            f"{name:9s} {took * 1000:8.1f} ms ({took / base:5.1f}x)  {result['mode']:6s} "
            f"{len(data['features']):6,} features of {result['total']:7,} customers  "
            f"{size / 1024:8.1f} KiB"
        )
    ok = national_bytes <= MAX_BYTES
    print(f"{'PASS' if ok else 'FAIL'}: national payload {national_bytes:,} B <= {MAX_BYTES:,} B")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: the replay page's data callback, server side, for rep-days of growing size.

    .venv/bin/python bench/replay.py [--sizes 600,1500,5000] [--runs 20]
                                     [--dialects sqlite,postgres] [--admin-url URL] [--keep]

For each dialect it builds a scratch database (SQLite: a temporary file; PostgreSQL:
``bench_replay_<random>`` on the server of ``--admin-url``, dropped at the end unless ``--keep``)
holding one rep-day per size: a synthetic 08:30-18:30 day (an office, eight customer visits with
check-in, check-out and a photo, drives between them at city speed, a 45-minute power-off gap in
the afternoon, two expense claims, three alerts), ``size`` GPS fixes evenly spread over it, plus
30 of the rep's own customers nearby. Everything is loaded through the product's ingest path.

It then times what the page's one server callback does (``pages/replay.py: load_replay``):
``replay.replay_day`` (fetch in scope + analysis of the full track + shaping) and
``components.replay.render_replay`` (map layers, timeline figure, panels), serialised to JSON the
way Dash answers (``plotly.io.json``). ``--runs`` runs each, interleaved across sizes; the first
(cold) run is reported apart. ``cpu p50`` is this process's CPU time per call (the database
server's own time excluded): on a shared, loaded machine it says more than wall time.
Bytes = the JSON body of the response (and gzipped, for a server that compresses).

Baseline, measured in the same run: SELECT the rep-day's raw fixes and ``json.dumps`` them (the
naive "send every fix to the browser" page, no analysis, no layers).

Targets (issue 4): for the 1,500-fix day, p95 <= 150 ms and <= 150 KB; growth with fixes linear or
better (p95 ratio of the largest to the smallest size <= their size ratio). Exit code 0 when every
target passes, 1 otherwise, 2 when a database is unusable.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from plotly.io.json import to_json_plotly  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from components.replay import render_replay  # noqa: E402
from dashboard.services import replay  # noqa: E402
from dashboard.services.db import dispose_engine, get_engine  # noqa: E402
from dashboard.services.ingest import ingest_values  # noqa: E402
from dashboard.services.users import User  # noqa: E402
from data_access import schema  # noqa: E402

DAY = "2026-11-26"
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
CENTRE = (31.2304, 121.4737)
EXEC = User(id=1, name="bench", role="exec", regions=())
TARGET_MS, TARGET_KB, TARGET_SIZE = 150.0, 150.0, 1500
OUTPUT_IDS = (
    ("replay-data", "data", "player"),
    ("replay-layers", "children", "layers"),
    ("replay-map", "viewport", "viewport"),
    ("replay-timeline", "figure", "timeline"),
    ("replay-summary", "children", "summary"),
    ("replay-anomalies", "children", "anomalies"),
    ("replay-title", "children", "title"),
    ("replay-nav", "children", "nav"),
    ("replay-rep-picker", "options", "reps"),
    ("replay-rep-picker", "value", "rep"),
    ("replay-message", "children", "message"),
    ("replay-scrubber", "marks", "marks"),
)


# ------------------------------------------------------------------ the synthetic rep-day


def _offset(lat: float, lon: float, dx_m: float, dy_m: float) -> tuple[float, float]:
    return lat + dy_m / 111_320.0, lon + dx_m / (111_320.0 * math.cos(math.radians(lat)))


def _local(hh: int, mm: int = 0, ss: float = 0.0) -> datetime:
    base = datetime.fromisoformat(f"{DAY}T00:00:00+08:00")
    return base + timedelta(hours=hh, minutes=mm, seconds=ss)


def rep_day_records(rep: str, size: int, seed: int) -> list[dict[str, Any]]:
    """One rep's master data and a day of ``size`` fixes with visits, photos, claims, events."""
    rng = np.random.default_rng(seed)
    team = "team-bench"
    office = _offset(*CENTRE, rng.uniform(-3000, 3000), rng.uniform(-3000, 3000))
    custs = []
    for k in range(30):
        lat, lon = _offset(*office, rng.uniform(-8000, 8000), rng.uniform(-8000, 8000))
        custs.append(
            {
                "type": "customer",
                "id": f"c-{rep}-{k:02d}",
                "name": f"客户 {rep} {k:02d}",
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "city": "上海",
                "grade": "ABC"[k % 3],
                "owner_rep_id": rep,
            }
        )
    visited = custs[:8]
    records: list[dict[str, Any]] = [
        {
            "type": "rep",
            "id": rep,
            "name": f"业务员 {rep}",
            "team_id": team,
            "device_id": f"d-{rep}",
        },
        *custs,
        {
            "type": "plan",
            "id": f"plan-{rep}",
            "rep_id": rep,
            "date": DAY,
            "customer_ids": [c["id"] for c in custs[:9]],
        },
    ]
    # Ten stays (office, 8 customers, office) and nine drives over 08:30-18:30.
    places = [office] + [(c["lat"], c["lon"]) for c in visited] + [office]
    start, end = _local(8, 30).timestamp(), _local(18, 30).timestamp()
    gap = (_local(14, 0).timestamp(), _local(14, 45).timestamp())
    span = end - start
    stay_s, drive_s = 0.6 * span / 10, 0.4 * span / 9
    segments = []  # (t0, t1, from, to)
    t = start
    for i, place in enumerate(places):
        segments.append((t, t + stay_s, place, place))
        t += stay_s
        if i + 1 < len(places):
            segments.append((t, t + drive_s, place, places[i + 1]))
            t += drive_s
    # Fixes evenly spread over the day minus the gap (the phone was off).
    times = np.linspace(start, end - (gap[1] - gap[0]), size)
    times = np.where(times >= gap[0], times + (gap[1] - gap[0]), times)
    fixes = []
    seg_i = 0
    for n, ts in enumerate(times):
        while seg_i + 1 < len(segments) and ts > segments[seg_i][1]:
            seg_i += 1
        t0, t1, a, b = segments[seg_i]
        f = 0.0 if t1 == t0 else min(max((ts - t0) / (t1 - t0), 0.0), 1.0)
        lat, lon = a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
        lat, lon = _offset(lat, lon, rng.normal(0, 4), rng.normal(0, 4))
        fixes.append(
            {
                "type": "gps",
                "id": f"fx-{rep}-{n:05d}",
                "rep_id": rep,
                "device_id": f"d-{rep}",
                "ts": datetime.fromtimestamp(float(ts), UTC).isoformat(),
                "lat": round(lat, 7),
                "lon": round(lon, 7),
                "accuracy_m": float(round(rng.uniform(5, 30), 1)),
                "speed_mps": None,
            }
        )
    records += fixes
    for k, (t0, t1, _a, _b) in enumerate(segments[2:-1:2]):
        cust = visited[k]
        vid = f"v-{rep}-{k}"
        at_in = datetime.fromtimestamp(t0 + 120, UTC).isoformat()
        at_out = datetime.fromtimestamp(t1 - 120, UTC).isoformat()
        records += [
            {
                "type": "check_in",
                "id": vid,
                "rep_id": rep,
                "device_id": f"d-{rep}",
                "customer_id": cust["id"],
                "ts": at_in,
                "lat": cust["lat"],
                "lon": cust["lon"],
                "accuracy_m": 12.0,
            },
            {
                "type": "check_out",
                "id": f"co-{vid}",
                "visit_id": vid,
                "ts": at_out,
                "lat": cust["lat"],
                "lon": cust["lon"],
                "accuracy_m": 12.0,
            },
            {
                "type": "photo",
                "id": f"ph-{vid}",
                "visit_id": vid,
                "ts": datetime.fromtimestamp(t0 + 300, UTC).isoformat(),
                "taken_at": datetime.fromtimestamp(t0 + 290, UTC).isoformat(),
                "sha256": f"{k:02d}" * 32,
                "phash": f"{k:016x}",
                "kind": "shelf",
            },
        ]
    records += [
        {
            "type": "device_event",
            "id": f"ev-{rep}-off",
            "rep_id": rep,
            "device_id": f"d-{rep}",
            "ts": _local(13, 59).isoformat(),
            "kind": "power_off",
        },
        {
            "type": "expense",
            "id": f"e-{rep}-1",
            "rep_id": rep,
            "date": DAY,
            "category": "mileage",
            "amount": 40.0,
            "claimed_km": 50.0,
        },
        {
            "type": "expense",
            "id": f"e-{rep}-2",
            "rep_id": rep,
            "date": DAY,
            "category": "meal",
            "amount": 45.0,
        },
    ]
    return records


def build_database(url: str, sizes: list[int]) -> dict[int, str]:
    """Load one rep-day per size; return size → rep id."""
    engine = get_engine(url)
    masters = [
        {"type": "region", "id": "reg-bench", "name": "Bench"},
        {"type": "team", "id": "team-bench", "name": "Bench team", "region_id": "reg-bench"},
    ]
    ingest_values(engine, masters, source="bench", now=NOW)
    reps = {}
    for i, size in enumerate(sizes):
        rep = f"rep-{size}"
        summary = ingest_values(engine, rep_day_records(rep, size, seed=i), source="bench", now=NOW)
        if summary.rejected:
            raise SystemExit(f"bench data rejected: {summary.rejected[:3]}")
        reps[size] = rep
        with engine.begin() as conn:
            conn.execute(
                sa.insert(schema.alerts),
                [
                    {
                        "id": f"{rule}:{rep}",
                        "rule": rule,
                        "severity": sev,
                        "rep_id": rep,
                        "ts": _local(h, 10),
                        "local_date": _local(h).date(),
                        "summary": f"{rule} (bench)",
                        "evidence": {},
                        "status": "open",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for rule, sev, h in (
                        ("SIGNAL_GAP", "medium", 14),
                        ("SHORT_VISIT", "medium", 10),
                        ("GEOFENCE_MISS", "high", 16),
                    )
                ],
            )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return reps


# ------------------------------------------------------------------ what is timed


def data_callback(engine, rep: str) -> bytes:
    """What the page's server callback computes and sends, as the bytes of Dash's answer."""
    payload = replay.replay_day(engine, EXEC, rep, DAY)
    out = render_replay(
        payload, lang="zh", theme="light", tile_url="/tiles/blank/{z}/{x}/{y}.png", attribution=""
    )
    response: dict[str, dict[str, Any]] = {}
    for cid, prop, key in OUTPUT_IDS:
        response.setdefault(cid, {})[prop] = out[key]
    return to_json_plotly({"multi": True, "response": response}).encode()


def baseline(engine, rep: str) -> bytes:
    """Naive page: every raw fix of the day as JSON."""
    f = schema.gps_fixes
    start, end = _local(0), _local(24)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(f.c.id, f.c.ts, f.c.lat, f.c.lon, f.c.accuracy_m)
            .where(f.c.rep_id == rep, f.c.ts >= start, f.c.ts < end)
            .order_by(f.c.ts)
        ).all()
    return json.dumps([[r[0], r[1].isoformat(), r[2], r[3], r[4]] for r in rows]).encode()


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def run_dialect(name: str, url: str, sizes: list[int], runs: int) -> dict[int, dict[str, float]]:
    t_build = time.perf_counter()
    reps = build_database(url, sizes)
    print(f"\n[{name}] built {len(sizes)} rep-days in {time.perf_counter() - t_build:.1f} s")
    engine = get_engine(url)
    cold = {}
    for size in sizes:
        t0 = time.perf_counter()
        data_callback(engine, reps[size])
        cold[size] = (time.perf_counter() - t0) * 1000
    times: dict[int, list[float]] = {s: [] for s in sizes}
    cpu: dict[int, list[float]] = {s: [] for s in sizes}
    base: dict[int, list[float]] = {s: [] for s in sizes}
    sent: dict[int, bytes] = {}
    raw: dict[int, bytes] = {}
    for _ in range(runs):
        for size in sizes:
            t0, c0 = time.perf_counter(), time.process_time()
            sent[size] = data_callback(engine, reps[size])
            times[size].append((time.perf_counter() - t0) * 1000)
            cpu[size].append((time.process_time() - c0) * 1000)
            t0 = time.perf_counter()
            raw[size] = baseline(engine, reps[size])
            base[size].append((time.perf_counter() - t0) * 1000)
    print(
        f"{'fixes':>6} {'cold ms':>8} {'p50 ms':>7} {'p95 ms':>7} {'cpu p50':>7}"
        f" {'KB sent':>8} {'KB gzip':>8}"
        f" {'base p95':>9} {'base KB':>8} {'ratio':>6} {'pts':>5}"
    )
    result = {}
    for size in sizes:
        p50, p95 = _pct(times[size], 50), _pct(times[size], 95)
        b95 = _pct(base[size], 95)
        kb = len(sent[size]) / 1024
        gz = len(gzip.compress(sent[size])) / 1024
        points = len(json.loads(sent[size])["response"]["replay-data"]["data"].get("t", []))
        print(
            f"{size:>6} {cold[size]:>8.1f} {p50:>7.1f} {p95:>7.1f} {_pct(cpu[size], 50):>7.1f}"
            f" {kb:>8.1f} {gz:>8.1f}"
            f" {b95:>9.1f} {len(raw[size]) / 1024:>8.1f} {p95 / b95:>6.1f} {points:>5}"
        )
        result[size] = {"p50": p50, "p95": p95, "kb": kb}
    dispose_engine(url)
    return result


def verdict(name: str, result: dict[int, dict[str, float]], sizes: list[int]) -> bool:
    ok = True
    if TARGET_SIZE in result:
        r = result[TARGET_SIZE]
        for what, value, limit, unit in (
            ("p95", r["p95"], TARGET_MS, "ms"),
            ("bytes", r["kb"], TARGET_KB, "KB"),
        ):
            passed = value <= limit
            ok &= passed
            print(
                f"[{name}] {TARGET_SIZE}-fix day {what} {value:.1f} {unit} <= {limit:.0f} {unit}: "
                f"{'PASS' if passed else 'FAIL'}"
            )
    lo, hi = min(sizes), max(sizes)
    if lo != hi:
        growth = result[hi]["p95"] / result[lo]["p95"]
        passed = growth <= hi / lo
        ok &= passed
        print(
            f"[{name}] growth p95({hi})/p95({lo}) = {growth:.2f} <= fixes ratio {hi / lo:.2f}: "
            f"{'PASS' if passed else 'FAIL'}"
        )
        kb_growth = result[hi]["kb"] / result[lo]["kb"]
        print(f"[{name}] bytes growth {kb_growth:.2f} (fixes ratio {hi / lo:.2f})")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="600,1500,5000")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--dialects", default="sqlite,postgres")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"replay bench · {platform.node()} · {os.cpu_count()} cores · runs={args.runs}")
    ok = True
    for dialect in args.dialects.split(","):
        if dialect == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                ok &= verdict("sqlite", run_dialect("sqlite", url, sizes, args.runs), sizes)
        elif dialect == "postgres":
            admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
            name = f"bench_replay_{uuid.uuid4().hex[:10]}"
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            except sa.exc.OperationalError as exc:
                print(f"PostgreSQL unusable at {args.admin_url}: {exc.orig}")
                return 2
            url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
            try:
                ok &= verdict("postgres", run_dialect("postgres", url, sizes, args.runs), sizes)
            finally:
                if not args.keep:
                    with admin.connect() as conn:
                        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()
        else:
            raise SystemExit(f"--dialects: unknown dialect {dialect!r} (sqlite, postgres)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

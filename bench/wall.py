"""Benchmark: one full refresh of the wall screen on PostgreSQL with 500 reps, a day in progress.

    .venv/bin/python bench/wall.py [--reps 500] [--days 35] [--runs 30] [--admin-url URL] [--keep]

Builds a scratch PostgreSQL database with the synthetic company of ``bench/kpis.py`` (its
``Builder``: regions, teams, reps, customers, plans, visits, SOP steps, orders, expenses, alerts,
expense flags and the ``rep_days`` rollup, written through the data layer's bulk path), then adds
the day in progress at 16:00 Shanghai time on its last day: a GPS fix per rep per minute since
08:30 (some reps driving, 8 % silent for the last 40 minutes after a device event), and an open
check-in (no check-out yet) for a quarter of the reps. All through ``data_access.records``.

Then it times, through the real app (Flask test client signed in as exec, and as a regional
manager), the one server callback of a wall refresh (``update_wall_panels``: every panel's service
calls, the components, Dash's JSON serialisation, the session and guard), for the national view
and a region view, ``--runs`` times each. The first run of each is reported apart (cold: the
A-grade coverage is cached for 5 minutes per scope). Reports p50/p95/max server time and the
bytes of the response (raw and gzip), against targets <= 500 ms and <= 300 KB per refresh.

Baseline, same run: ONE hand-written SQL statement fetching every rep's latest fix (DISTINCT ON)
plus ``json.dumps`` of the rows: the floor of "send the positions of 500 reps".
Exit code 0 when both targets pass, 1 otherwise, 2 when PostgreSQL is unusable.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from dashboard.services import users  # noqa: E402
from dashboard.services.db import get_engine  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from dashboard.web.app import create_app  # noqa: E402
from data_access import records, schema  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_kpis", ROOT / "bench" / "kpis.py")
kb = importlib.util.module_from_spec(_spec)
sys.modules["bench_kpis"] = kb
_spec.loader.exec_module(kb)

TARGET_MS, TARGET_KB = 500.0, 300.0
# 16:00 in Shanghai on the last day of the synthetic data: the working day is in progress.
WALL_NOW = datetime(kb.LAST_DAY.year, kb.LAST_DAY.month, kb.LAST_DAY.day, 8, 0, tzinfo=UTC)
DAY_START = WALL_NOW.replace(hour=0, minute=30)  # 08:30 local
CENTRES = {
    "reg-east": (31.23, 121.47),
    "reg-north": (39.90, 116.40),
    "reg-south": (23.13, 113.26),
    "reg-west": (30.66, 104.06),
}
REASONS = ("power_off", "location_permission_revoked", "network_lost", "app_killed")
UPDATE = "/_dash-update-component"


def build_today(engine, world, builder, seed: int) -> dict[str, int]:
    """Fixes every minute since 08:30, device events, open check-ins: the day in progress."""
    rng = random.Random(seed + 1)
    fixes, events, visits = [], [], []
    minutes = int((WALL_NOW - DAY_START).total_seconds() // 60)
    for n, (rep_id, team_id) in enumerate(world.reps.items()):
        lat0, lon0 = CENTRES[world.teams[team_id]]
        lat, lon = lat0 + rng.uniform(-0.3, 0.3), lon0 + rng.uniform(-0.3, 0.3)
        silent = rng.random() < 0.08
        driving = rng.random() < 0.2
        last = minutes - 40 if silent else minutes
        for m in range(last + 1):
            moving = driving and m > last - 10
            if moving:
                lat += 0.004
            ts = DAY_START + timedelta(minutes=m, seconds=rng.randint(0, 20))
            fixes.append(
                kb._full(
                    schema.gps_fixes,
                    {
                        "id": f"fx-{rep_id}-{m}",
                        "rep_id": rep_id,
                        "device_id": f"dev-{n + 1:04d}",
                        "ts": ts,
                        "lat": lat + rng.uniform(-1e-4, 1e-4),
                        "lon": lon + rng.uniform(-1e-4, 1e-4),
                        "accuracy_m": rng.uniform(5, 30),
                        "speed_mps": rng.uniform(8, 15) if moving else rng.uniform(0, 0.8),
                        "provider": "gps",
                        "mock": False,
                        "received_at": ts,
                    },
                )
            )
        if silent:
            at = DAY_START + timedelta(minutes=last, seconds=30)
            events.append(
                kb._full(
                    schema.device_events,
                    {
                        "id": f"ev-{rep_id}",
                        "rep_id": rep_id,
                        "device_id": f"dev-{n + 1:04d}",
                        "ts": at,
                        "kind": rng.choice(REASONS),
                        "received_at": at,
                    },
                )
            )
        elif not driving and rng.random() < 0.3:
            cid = builder.customers[rep_id][0][0]
            at = WALL_NOW - timedelta(minutes=rng.randint(2, 30))
            visits.append(
                kb._full(
                    schema.visits,
                    {
                        "id": f"v-open-{rep_id}",
                        "rep_id": rep_id,
                        "device_id": f"dev-{n + 1:04d}",
                        "customer_id": cid,
                        "ts": at,
                        "local_date": kb.LAST_DAY,
                        "lat": lat,
                        "lon": lon,
                        "accuracy_m": 10.0,
                        "mock": False,
                        "sop_template_id": "sop-std",
                        "received_at": at,
                        "checkin_distance_m": 20.0,
                        "geofence_limit_m": 210.0,
                    },
                )
            )
    with engine.begin() as conn:
        for table, rows in (
            (schema.gps_fixes, fixes),
            (schema.device_events, events),
            (schema.visits, visits),
        ):
            for start in range(0, len(rows), 50_000):
                records.insert_new_rows(conn, table, rows[start : start + 50_000])
    return {"gps fixes today": len(fixes), "device events": len(events), "open visits": len(visits)}


def signed_in_client(app, engine, role: str, regions=()):
    name = f"bench-{role}"
    users.create_user(
        engine, name=name, password="bench-pass-123", role=role, regions=regions, now=WALL_NOW
    )
    client = app.server.test_client()
    assert client.post("/login", data={"name": name, "password": "bench-pass-123"}).status_code
    return client


def refresh_body(deps, view: str) -> dict:
    dep = next(d for d in deps if "wall-stamp.data" in d["output"])
    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in dep["output"][2:-2].split("...")
    ]
    values = {
        "wall-refresh.n_intervals": 1,
        "wall-view.data": view,
        "wall-config.data": {"lang": "zh", "privacy": False},
    }
    return {
        "output": dep["output"],
        "outputs": outputs,
        "inputs": [{**i, "value": values[f"{i['id']}.{i['property']}"]} for i in dep["inputs"]],
        "state": [{**s, "value": values[f"{s['id']}.{s['property']}"]} for s in dep["state"]],
        "changedPropIds": ["wall-refresh.n_intervals"],
    }


def time_refresh(client, body, runs: int) -> dict:
    times, sizes = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.post(UPDATE, json=body)
        data = response.get_data()
        times.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"refresh answered {response.status_code}: {data[:300]!r}")
        sizes.append((len(data), len(gzip.compress(data, 6))))
        reply = json.loads(data)["response"]
    return {"times": times, "sizes": sizes, "reply": reply}


def baseline(engine, runs: int) -> list[float]:
    sql = sa.text(
        "SELECT DISTINCT ON (rep_id) rep_id, ts, lat, lon, speed_mps FROM gps_fixes "
        "WHERE ts >= :since AND ts <= :now ORDER BY rep_id, ts DESC"
    )
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with engine.connect() as conn:
            rows = conn.execute(sql, {"since": DAY_START, "now": WALL_NOW}).all()
        json.dumps([[r[0], r[1].isoformat(), r[2], r[3], r[4]] for r in rows])
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--days", type=int, default=35)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--admin-url", default=kb.DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    print("bench/wall.py: one wall refresh on PostgreSQL, 500 reps, day in progress")
    print(f"python     {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs")
    print("load avg   {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()))
    try:
        scratch = kb.Scratch.create(args.admin_url)
    except sa.exc.OperationalError as exc:
        print(f"error: PostgreSQL at {args.admin_url} is unusable: {exc.orig}")
        return 2
    try:
        engine = get_engine(scratch.url)
        t0 = time.perf_counter()
        builder = kb.Builder(engine, reps=args.reps, days=args.days, seed=args.seed)
        world = builder.masters()
        builder.events(world)
        today = build_today(engine, world, builder, args.seed)
        kb.vacuum_analyze(engine)
        print(f"built in {time.perf_counter() - t0:.1f} s: {len(world.reps)} reps, "
              f"{len(world.teams)} teams, {len(world.days)} working days, "
              + ", ".join(f"{v:,} {k}" for k, v in today.items()))  # fmt: skip

        app = create_app(
            Settings(database_url=scratch.url, data_dir=ROOT / "data", seed_demo_on_start=False)
        )
        exec_client = signed_in_client(app, engine, "exec")
        manager = signed_in_client(app, engine, "manager", regions=("reg-east",))
        deps = exec_client.get("/_dash-dependencies").get_json()
        # Pin the wall's clock to the data's "now" (Dash names page modules by their path).
        page = next(
            m
            for m in list(sys.modules.values())
            if str(getattr(m, "__file__", "")).endswith(os.path.join("pages", "wall.py"))
        )
        page._now = lambda: WALL_NOW

        cases = [
            ("national", "exec", exec_client, "national"),
            ("region:reg-east", "exec", exec_client, "region:reg-east"),
            ("national (scoped)", "manager", manager, "national"),
        ]
        base = baseline(engine, args.runs)
        print(f"\nbaseline: latest fix of every rep (DISTINCT ON) + json.dumps: "
              f"p50 {statistics.median(base):.1f} ms, p95 {p95(base):.1f} ms")  # fmt: skip
        head = (
            f"{'view':<20} {'user':<8} {'cold':>7} {'p50':>7} {'p95':>7} {'max':>7} "
            f"{'ratio':>6} {'KB raw':>7} {'KB gz':>6} {'reps':>5}  target"
        )
        print(head)
        print("-" * len(head))
        failed = False
        for label, role, client, view in cases:
            result = time_refresh(client, refresh_body(deps, view), args.runs + 1)
            cold, warm = result["times"][0], result["times"][1:]
            raw, gz = max(s[0] for s in result["sizes"]), max(s[1] for s in result["sizes"])
            features = len(result["reply"]["wall-reps"]["data"]["features"])
            ok = p95(warm) <= TARGET_MS and cold <= TARGET_MS and raw / 1024 <= TARGET_KB
            failed |= not ok
            print(
                f"{label:<20} {role:<8} {cold:7.1f} {statistics.median(warm):7.1f} "
                f"{p95(warm):7.1f} {max(warm):7.1f} {p95(warm) / p95(base):6.1f} "
                f"{raw / 1024:7.1f} {gz / 1024:6.1f} {features:5d}  {'PASS' if ok else 'FAIL'}"
            )
        print(
            f"\ntargets: server time <= {TARGET_MS:.0f} ms (cold and p95) and response "
            f"<= {TARGET_KB:.0f} KB per refresh; "
            "load avg after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        )
        return 1 if failed else 0
    finally:
        if args.keep:
            print(f"kept {scratch.url}")
        else:
            scratch.drop()


if __name__ == "__main__":
    sys.exit(main())

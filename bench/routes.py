"""Benchmark: the route optimiser (issue 17) against a 5-second PyVRP run, and a team-week of
suggested plans.

    .venv/bin/python bench/routes.py [--seeds 2] [--reference-s 5] [--skip-team]

Instances: 10, 30 and 60 stops, random (uniform in a 30 km square around Shanghai) and
real-looking (the demo cities' centres and allowed bearings, up to 15 km out); an open route
from stop 0, haversine x 1.3, no time windows. Per instance, in the same run:
- ``solve_route(backend="pyvrp")`` with its default budget (what the product runs);
- ``solve_route(backend="fallback")`` (nearest neighbour / insertion + 2-opt + or-opt);
- the reference: PyVRP for ``--reference-s`` seconds without early stop.
Length ratios are against the reference of the same instance. Targets: 30 stops ≤ 1 s and
≤ 1.01 x, 60 stops ≤ 3 s and ≤ 1.03 x, the fallback ≤ 1.10 x at 30 stops.

Team-week: a scratch SQLite database with a team of 12 reps, 60 due customers each (A/B/C,
some with opening hours) and 20 working days of first fixes; ``suggest_team_week`` for the
12 reps x 5 days. Target ≤ 30 s.
Exit code 0 when every target passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard import route_solver as rs
from dashboard.demo.catalogue import CITIES
from dashboard.geo import metres_per_degree

SIZES = (10, 30, 60)
TARGETS = {30: (1.0, 1.01), 60: (3.0, 1.03)}
FALLBACK_TARGET = (30, 1.10)
TEAM_TARGET_S = 30.0


def random_points(rng: random.Random, n: int) -> list[tuple[float, float]]:
    lat0, lon0 = 31.2304, 121.4737
    ky, kx = metres_per_degree(lat0)[1], metres_per_degree(lat0)[0]
    return [
        (lat0 + rng.uniform(-15000, 15000) / ky, lon0 + rng.uniform(-15000, 15000) / kx)
        for _ in range(n)
    ]


def city_points(rng: random.Random, n: int) -> list[tuple[float, float]]:
    city = rng.choice(sorted(CITIES.values(), key=lambda c: c.code))
    kx, ky = metres_per_degree(city.lat)
    out: list[tuple[float, float]] = []
    while len(out) < n:
        radius = 15000.0 * math.sqrt(rng.random())
        bearing = math.radians(city.bearing(rng.random()))
        lat = city.lat + radius * math.cos(bearing) / ky
        lon = city.lon + radius * math.sin(bearing) / kx
        if city.allowed(lat, lon):
            out.append((lat, lon))
    return out


def problem_of(points: list[tuple[float, float]]) -> rs.RouteProblem:
    km, sec = rs.matrices_from_points(points, speed_kmh=30.0, detour_factor=1.3)
    return rs.RouteProblem(km, sec, tuple(rs.Stop(0) for _ in points[1:]), 0, 10**8)


def timed(problem: rs.RouteProblem, **kw) -> tuple[float, float]:
    t0 = time.perf_counter()
    result = rs.solve_route(problem, **kw)
    elapsed = time.perf_counter() - t0
    assert not result.unvisited, result.unvisited
    return elapsed, result.km


def bench_solver(seeds: int, reference_s: float) -> bool:
    ok = True
    print(
        f"{'stops':>5} {'kind':>6} {'seed':>4} | {'pyvrp s':>7} {'ratio':>6} | "
        f"{'fallbk s':>8} {'ratio':>6} | {'ref km':>8}"
    )
    summary: dict[int, dict[str, list[float]]] = {}
    for n in SIZES:
        agg = summary.setdefault(n, {"t": [], "r": [], "ft": [], "fr": []})
        for kind, make in (("random", random_points), ("city", city_points)):
            for seed in range(seeds):
                rng = random.Random(f"{kind}-{n}-{seed}")
                problem = problem_of(make(rng, n + 1))
                t, km = timed(problem, backend="pyvrp")
                ft, fkm = timed(problem, backend="fallback")
                _rt, ref = timed(
                    problem, backend="pyvrp", time_limit_s=reference_s, patience=None, seed=1
                )
                ref = min(ref, km, fkm)  # the best length seen is the reference
                r, fr = km / ref, fkm / ref
                agg["t"].append(t)
                agg["r"].append(r)
                agg["ft"].append(ft)
                agg["fr"].append(fr)
                print(
                    f"{n:>5} {kind:>6} {seed:>4} | {t:7.3f} {r:6.4f} | "
                    f"{ft:8.3f} {fr:6.4f} | {ref:8.2f}"
                )
    print()
    for n, agg in summary.items():
        worst_t, worst_r = max(agg["t"]), max(agg["r"])
        line = (
            f"{n} stops: pyvrp max {worst_t:.3f} s, max ratio {worst_r:.4f}; "
            f"fallback max {max(agg['ft']):.3f} s, max ratio {max(agg['fr']):.4f}, "
            f"median ratio {statistics.median(agg['fr']):.4f}"
        )
        if n in TARGETS:
            limit_s, limit_r = TARGETS[n]
            passed = worst_t <= limit_s and worst_r <= limit_r
            ok &= passed
            line += f"  [target ≤ {limit_s} s, ≤ {limit_r}x: {'PASS' if passed else 'FAIL'}]"
        if n == FALLBACK_TARGET[0]:
            passed = max(agg["fr"]) <= FALLBACK_TARGET[1]
            ok &= passed
            line += f"  [fallback ≤ {FALLBACK_TARGET[1]}x: {'PASS' if passed else 'FAIL'}]"
        print(line)
    return ok


def bench_team_week() -> bool:
    from dashboard.services import ingest, rollups
    from dashboard.services import route_plans as plans
    from dashboard.services.db import dispose_engine, get_engine
    from data_access.scope import Scope

    now = datetime(2026, 12, 5, 2, tzinfo=UTC)
    rng = random.Random(12)
    records: list[dict] = [
        {"type": "region", "id": "reg-b", "name": "Bench"},
        {"type": "team", "id": "team-b", "name": "Bench team", "region_id": "reg-b"},
    ]
    fixes: list[dict] = []
    for r in range(12):
        rep = f"rep-b{r:02d}"
        records.append({"type": "rep", "id": rep, "name": f"Rep {r}", "team_id": "team-b"})
        pts = city_points(rng, 61)
        for i, (lat, lon) in enumerate(pts[1:]):
            rec = {
                "type": "customer",
                "id": f"c-{rep}-{i:02d}",
                "name": f"Store {i}",
                "lat": lat,
                "lon": lon,
                "city": "Bench",
                "grade": rng.choice("AABBBCCCCC"),
                "owner_rep_id": rep,
                "created": "2026-08-01",
            }
            if rng.random() < 0.2:
                rec["open"], rec["close"] = rng.choice([("09:00", "12:00"), ("13:00", "18:00")])
            records.append(rec)
        for d in range(1, 21):
            day = f"2026-11-{d:02d}"
            fixes.append(
                {
                    "type": "gps",
                    "id": f"f-{rep}-{d}",
                    "rep_id": rep,
                    "device_id": f"d-{rep}",
                    "ts": f"{day}T08:45:00+08:00",
                    "lat": pts[0][0] + rng.uniform(-0.002, 0.002),
                    "lon": pts[0][1] + rng.uniform(-0.002, 0.002),
                    "accuracy_m": 10.0,
                }
            )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench_routes.db"
        engine = get_engine(url)
        summary = ingest.ingest_values(engine, records + fixes, source="bench", now=now)
        assert not summary.rejected, summary.rejected[:3]
        rollups.refresh_rep_days(engine, now=now)
        t0 = time.perf_counter()
        got = plans.suggest_team_week(
            engine, team_id="team-b", week="2026-W50", scope=Scope.system()
        )
        elapsed = time.perf_counter() - t0
        dispose_engine(url)
    stops = [len(s["stops"]) for s in got]
    left = sum(len(s["left_out"]) for s in got)
    passed = elapsed <= TEAM_TARGET_S and len(got) == 60
    print(
        f"team-week: {len(got)} rep-days in {elapsed:.2f} s "
        f"({elapsed / max(len(got), 1) * 1000:.0f} ms a rep-day), stops a day: "
        f"median {statistics.median(stops)}, min {min(stops)}, max {max(stops)}; "
        f"{left} candidates listed as left out  [target ≤ {TEAM_TARGET_S} s: "
        f"{'PASS' if passed else 'FAIL'}]"
    )
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--reference-s", type=float, default=5.0)
    parser.add_argument("--skip-team", action="store_true")
    args = parser.parse_args()
    if not rs.pyvrp_available():
        print("PyVRP is not installed: pip install -r requirements.txt", file=sys.stderr)
        return 1
    ok = bench_solver(args.seeds, args.reference_s)
    if not args.skip_team:
        ok &= bench_team_week()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

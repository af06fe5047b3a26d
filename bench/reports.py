"""Benchmark: the standard reports (contract §8) on PostgreSQL, against the KPI pages' own
service calls for the same filter, measured in the same run.

    .venv/bin/python bench/reports.py [--reps 500] [--days 62] [--runs 3] [--teams 50]
                                      [--admin-url URL] [--keep] [--database URL]

Builds the synthetic company of ``bench/kpis.py`` (its ``Builder``: regions, teams of ~10 reps,
customers, plans, visits, claims, alerts, the rep_days rollup) in a scratch database, then times,
as an executive (the whole company), the median of ``--runs`` runs of:

- on screen: the monthly company report (``reports.build_report``) and the page's components
  (tiles, charts, exceptions, grids), target ≤ 2 s;
- XLSX and PDF: the same report and its file, targets ≤ 5 s and ≤ 10 s;
- the weekly pack of ``--teams`` teams as XLSX (``reports.team_pack``), target ≤ 60 s.

Each is printed with its ratio to the baseline: the service calls the KPI pages' callbacks make
for the same filter (overview ``kpis.overview``; team KPIs ``kpis.team_views`` and
``kpis.compliance``; the finance statement), timed interleaved in the same run (for the pack: the
same calls once per team). Exit 0 when every target holds, 1 otherwise, 2 when PostgreSQL is
unusable.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from components import report_files as files  # noqa: E402
from components import reports as ui  # noqa: E402
from dashboard import reports as core  # noqa: E402
from dashboard.services import finance, kpis, reports  # noqa: E402
from dashboard.services.db import get_engine  # noqa: E402
from dashboard.services.users import User  # noqa: E402


def _load_kpi_bench():
    """bench/kpis.py as a module (its Builder makes the company)."""
    spec = importlib.util.spec_from_file_location("bench_kpis", ROOT / "bench" / "kpis.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_kpis"] = module
    spec.loader.exec_module(module)
    return module


kb = _load_kpi_bench()
EXEC = User(id=1, name="bench", role="exec", regions=())
TODAY = kb.LAST_DAY
TARGETS = {"on screen": 2.0, "xlsx": 5.0, "pdf": 10.0, "weekly pack": 60.0}


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def baseline(engine, filters) -> None:
    """The service calls of the KPI pages' callbacks for one filter."""
    kpis.overview(engine, EXEC, filters, today=TODAY)
    kpis.team_views(engine, EXEC, filters)
    kpis.compliance(engine, EXEC, filters)
    finance.period_statement(engine, EXEC, filters, by="rep")


def on_screen(engine, day: date) -> None:
    report = reports.build_report(engine, EXEC, kind="monthly", day=day, today=TODAY)
    ui.tiles(report, "zh")
    ui.trend_figure(report, lang="zh", theme="light")
    ui.ranked_figure(report, lang="zh", theme="light")
    ui.exceptions(report, "zh")
    ui.table("reports-teams", report["teams"], lang="zh", theme="light", file_name="x")
    ui.table("reports-reps", report["reps"], lang="zh", theme="light", file_name="x")


def as_file(engine, day: date, fmt: str) -> None:
    report = reports.build_report(engine, EXEC, kind="monthly", day=day, today=TODAY)
    files.render(report, fmt, "zh", "全公司")


def weekly_pack(engine, day: date, teams: list[str]) -> None:
    for team in teams:
        report = reports.build_report(engine, EXEC, kind="weekly", day=day, today=TODAY, team=team)
        files.render(report, "xlsx", "zh", team)


def pack_baseline(engine, day: date, teams: list[str]) -> None:
    period = core.report_period("weekly", day)
    for team in teams:
        baseline(engine, reports.report_filters(period, region=None, team=team))


def measure(label: str, fn, base, runs: int, rows: list) -> None:
    fn(), base()  # once untimed: statements built and compiled, the font parsed once
    own, ref = [], []
    for _ in range(runs):
        own.append(timed(fn))
        ref.append(timed(base))
    mine, theirs = statistics.median(own), statistics.median(ref)
    passed = mine <= TARGETS[label]
    rows.append((label, mine, theirs, passed))
    print(
        f"{label:<12} {mine:8.2f} s   KPI pages {theirs:7.2f} s   ratio {mine / theirs:5.1f}   "
        f"target <= {TARGETS[label]:.0f} s {'PASS' if passed else 'FAIL'}",
        flush=True,
    )


def run(engine, args: argparse.Namespace) -> int:
    day = date(TODAY.year, TODAY.month, 15)
    month = core.report_period("monthly", day)
    filters = reports.report_filters(month, region=None, team=None)
    teams = [team["id"] for team in kpis.filter_options(engine, EXEC)["teams"]][: args.teams]
    print(f"monthly report {month.label}, weekly pack of {len(teams)} teams, median of {args.runs}")
    rows: list = []
    measure(
        "on screen",
        lambda: on_screen(engine, day),
        lambda: baseline(engine, filters),
        args.runs,
        rows,
    )
    for fmt in ("xlsx", "pdf"):
        measure(
            fmt,
            lambda fmt=fmt: as_file(engine, day, fmt),
            lambda: baseline(engine, filters),
            args.runs,
            rows,
        )
    week = TODAY
    measure(
        "weekly pack",
        lambda: weekly_pack(engine, week, teams),
        lambda: pack_baseline(engine, week, teams),
        1,
        rows,
    )
    failed = [row for row in rows if not row[3]]
    print(f"targets: {len(rows) - len(failed)}/{len(rows)} pass")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--days", type=int, default=62, help="calendar days (Mon-Fri worked)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--admin-url", default=kb.DEFAULT_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--database", help="time against a database kept by --keep")
    args = parser.parse_args(argv)
    print("bench/reports.py: standard reports vs the KPI pages' service calls, same run")
    print(f"python     {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs")
    print("load avg   {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()))
    print(f"pdf font   {files.find_cjk_font()}")
    if args.database:
        return run(get_engine(args.database), args)
    try:
        scratch = kb.Scratch.create(args.admin_url)
    except sa.exc.OperationalError as exc:
        print(f"error: PostgreSQL at {args.admin_url} is unusable: {exc.orig}")
        return 2
    try:
        engine = get_engine(scratch.url)
        builder = kb.Builder(engine, reps=args.reps, days=args.days, seed=args.seed)
        t0 = time.perf_counter()
        world = builder.masters()
        builder.events(world)
        kb.vacuum_analyze(engine)
        print(f"built {args.reps} reps x {args.days} days in {time.perf_counter() - t0:.0f} s")
        return run(engine, args)
    finally:
        if args.keep:
            print(f"kept {scratch.url}")
        else:
            scratch.drop()


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: `gps` records from a JSON Lines file through the CLI ingest path, against raw writes.

    .venv/bin/python bench/ingest.py [--records 500000] [--repeat 1] [--postgres-url URL]

The project path ("cockpit") is ``python -m dashboard ingest FILE`` run in-process
(``dashboard.cli.main(["ingest", FILE])`` with ``DATABASE_URL`` set): file read, orjson lines,
validation, the privacy rule, the bulk insert; one transaction per 20,000 records.

The baseline, measured in the same run on the same machine, does the least honest work: it parses
each line with ``json.loads`` and writes the same columns (``ts`` as the text of the JSON) with a
raw psycopg ``COPY ... FROM STDIN`` + ``write_row`` into ``baseline_gps`` (``LIKE gps_fixes
INCLUDING ALL``, same database), and with raw ``sqlite3`` ``executemany`` in one transaction into a
table with the same columns, types and indexes (a separate SQLite file, same pragmas as the
project's engine). ``received_at`` is NOT NULL in ``gps_fixes``, so the baseline writes it too, as
one constant text value.

Prints records/s of each and ratio = cockpit records/s / baseline records/s (target >= 0.5).
The cockpit is timed over the whole command; a note line also shows when its summary was printed,
since the command does more work after that (the rollup refresh).
Exit code 0 (it is a report) unless the stored rows are wrong (1) or a database is unusable (2).
Nothing is left behind: the temp directory and the scratch PostgreSQL database are removed.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import heapq
import io
import json
import math
import os
import platform
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from dashboard import cli  # noqa: E402
from dashboard.services.db import dispose_engine, get_engine  # noqa: E402
from data_access import schema  # noqa: E402

TARGET_RATIO = 0.5
DEFAULT_RECORDS = 500_000
DEFAULT_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DIALECTS = ("postgresql", "sqlite")
TZ_NAME = "Asia/Shanghai"
WORK_START, WORK_END = "08:30", "18:30"
REPS = 100
FIRST_DAY = date(2026, 11, 23)  # a Monday
# The columns the baseline writes: the wire fields of a gps fix, plus the NOT NULL received_at.
BASE_COLUMNS = (
    "id",
    "rep_id",
    "device_id",
    "ts",
    "lat",
    "lon",
    "accuracy_m",
    "speed_mps",
    "provider",
    "mock",
    "received_at",
)
MASTERS_KEPT = ("regions", "teams", "reps")
COMPARED = ("rep_id", "device_id", "lat", "lon", "accuracy_m", "speed_mps", "provider", "mock")

# (city, lat, lon) of the regions' cities; every rep works around one of them.
CITIES = {
    "reg-east": [
        ("上海", 31.2304, 121.4737),
        ("杭州", 30.2741, 120.1551),
        ("南京", 32.0603, 118.7969),
    ],
    "reg-north": [("北京", 39.9042, 116.4074), ("天津", 39.3434, 117.3616)],
    "reg-south": [("广州", 23.1291, 113.2644), ("深圳", 22.5431, 114.0579)],
    "reg-west": [("成都", 30.5728, 104.0668), ("重庆", 29.5630, 106.5516)],
}
PROVIDERS = (("gps", 0.60, 3.0, 15.0), ("fused", 0.25, 5.0, 30.0), ("wifi", 0.10, 10.0, 60.0))
NETWORK = ("network", 0.05, 20.0, 150.0)


# ------------------------------------------------------------------ input files


@dataclass
class Rep:
    id: str
    team_id: str
    device_id: str
    home: tuple[float, float]


def _masters(rng: random.Random) -> tuple[list[dict[str, Any]], list[Rep]]:
    records: list[dict[str, Any]] = []
    teams: list[tuple[str, str, tuple[str, float, float]]] = []
    names = {"reg-east": "华东 East", "reg-north": "华北 North", "reg-south": "华南 South"}
    for region_id, cities in CITIES.items():
        records.append(
            {"type": "region", "id": region_id, "name": names.get(region_id, "西南 West")}
        )
        for k, city in enumerate(cities):
            team_id = f"team-{region_id[4:]}-{k + 1}"
            teams.append((team_id, region_id, city))
            records.append(
                {
                    "type": "team",
                    "id": team_id,
                    "name": f"{city[0]}{k + 1}组",
                    "region_id": region_id,
                }
            )
    reps: list[Rep] = []
    for n in range(REPS):
        team_id, _region, (_name, lat, lon) = teams[n % len(teams)]
        rep = Rep(
            id=f"rep-{n + 1:03d}",
            team_id=team_id,
            device_id=f"android-{rng.getrandbits(48):012x}",
            home=(lat + rng.uniform(-0.08, 0.08), lon + rng.uniform(-0.08, 0.08)),
        )
        reps.append(rep)
        records.append(
            {
                "type": "rep",
                "id": rep.id,
                "name": f"销售代表 {n + 1:03d}",
                "team_id": team_id,
                "device_id": rep.device_id,
                "timezone": TZ_NAME,
                "work_start": WORK_START,
                "work_end": WORK_END,
                "active": True,
            }
        )
    return records, reps


def _provider(rng: random.Random) -> tuple[str, float, float]:
    x = rng.random()
    for name, weight, acc_lo, acc_hi in PROVIDERS:
        if x < weight:
            return name, acc_lo, acc_hi
        x -= weight
    return NETWORK[0], NETWORK[2], NETWORK[3]


def _rep_day(rng: random.Random, rep: Rep, day: date, tz: ZoneInfo) -> list[tuple[int, bytes]]:
    """One rep's fixes of one day, every 30-60 s, strictly inside 08:30-18:30 local time."""
    start = datetime(day.year, day.month, day.day, 8, 30, tzinfo=tz) + timedelta(
        seconds=rng.randint(0, 1200)
    )
    end = datetime(day.year, day.month, day.day, 18, 30, tzinfo=tz) - timedelta(
        seconds=rng.randint(0, 1200)
    )
    lat, lon = rep.home
    heading = rng.uniform(0, 6.283)
    moving, state_left = False, rng.randint(600, 2400)
    out: list[tuple[int, bytes]] = []
    t = start
    while t < end:
        step = rng.randint(30, 60)
        if moving:
            speed = rng.uniform(3.0, 16.0)
            heading += rng.gauss(0, 0.3)
            dist = speed * step
            lat += dist * math.cos(heading) / 111_320.0
            lon += dist * math.sin(heading) / (111_320.0 * 0.86)
        else:
            speed = abs(rng.gauss(0, 0.3))
        provider, acc_lo, acc_hi = _provider(rng)
        jitter = acc_lo / 111_320.0
        rec: dict[str, Any] = {
            "type": "gps",
            "id": f"g-{rep.id}-{int(t.timestamp())}",
            "rep_id": rep.id,
            "device_id": rep.device_id,
            "ts": t.isoformat(timespec="seconds"),
            "lat": round(lat + rng.uniform(-jitter, jitter), 6),
            "lon": round(lon + rng.uniform(-jitter, jitter), 6),
            "accuracy_m": round(rng.uniform(acc_lo, acc_hi), 1),
        }
        if provider in ("gps", "fused"):
            rec["speed_mps"] = round(speed, 2)
        rec["provider"] = provider
        rec["mock"] = rng.random() < 0.0005
        out.append((int(t.timestamp()), json.dumps(rec, ensure_ascii=False).encode() + b"\n"))
        state_left -= step
        if state_left <= 0:
            moving = not moving
            state_left = rng.randint(300, 1800) if moving else rng.randint(600, 2700)
        t += timedelta(seconds=step)
    return out


def write_inputs(directory: Path, records: int, seed: int) -> tuple[Path, int, Path]:
    """Write the master-data file and the gps file; return (masters, master count, gps)."""
    rng = random.Random(seed)
    masters, reps = _masters(rng)
    masters_path = directory / "masters.jsonl"
    masters_path.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in masters))
    tz = ZoneInfo(TZ_NAME)
    gps_path = directory / "gps.jsonl"
    written = 0
    day = FIRST_DAY
    with open(gps_path, "wb") as out:
        while written < records:
            if day.weekday() < 5:
                tracks = [_rep_day(rng, rep, day, tz) for rep in reps]
                # Interleaved in time, as the devices' uploads arrive.
                for _ts, line in heapq.merge(*tracks):
                    out.write(line)
                    written += 1
                    if written == records:
                        break
            day += timedelta(days=1)
    return masters_path, len(masters), gps_path


# ------------------------------------------------------------------ the two paths


@dataclass
class Run:
    path: str  # "cockpit" or "baseline"
    dialect: str
    records: int
    seconds: float
    # Cockpit only: seconds until the summary was printed (the rest is after-ingest work).
    summary_seconds: float | None = None


@dataclass
class Problems:
    items: list[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.items.append(message)


class _Stdout(io.StringIO):
    """Captured standard output that notes when it is first flushed with something in it."""

    flushed_at: float | None = None

    def flush(self) -> None:
        if self.flushed_at is None and self.tell():
            self.flushed_at = time.perf_counter()
        super().flush()


@dataclass
class CliResult:
    code: int
    summary: dict[str, Any]
    stderr: str
    seconds: float
    summary_seconds: float | None  # when the summary was printed and flushed


def wait_for_rollups(url: str, timeout_s: float = 300.0) -> float:
    """Wait until no rep-day rollup is dirty; return how long that took."""
    from dashboard.services.db import get_engine

    engine = get_engine(url)
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        with engine.connect() as conn:
            dirty = conn.exec_driver_sql("SELECT count(*) FROM rep_days WHERE dirty").scalar()
        if not dirty:
            break
        time.sleep(0.1)
    return time.perf_counter() - started


def cli_ingest(url: str, path: Path) -> CliResult:
    """Run `python -m dashboard ingest PATH` in-process with DATABASE_URL=url; time it."""
    out, err = _Stdout(), io.StringIO()
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    gc.collect()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            start = time.perf_counter()
            code = cli.main(["ingest", str(path)])
            end = time.perf_counter()
        # The command hands the rollup refresh to a background process; let it finish (untimed)
        # so it does not compete with the next measurement.
        refresh_s = wait_for_rollups(url)
        print(f"    (background rollup refresh finished {refresh_s:.2f} s after the command)")
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
    text = out.getvalue().strip()
    try:
        summary = json.loads(text.splitlines()[-1]) if text else {}
    except ValueError:
        summary = {"unparsed": text[:500]}
    at = None if out.flushed_at is None else out.flushed_at - start
    return CliResult(code, summary, err.getvalue(), end - start, at)


def check_summary(problems: Problems, what: str, result: CliResult, n: int) -> None:
    code, summary = result.code, result.summary
    problems.check(code == 0, f"{what}: exit code {code}: {result.stderr.strip()[:500]}")
    problems.check(
        summary.get("accepted") == n
        and summary.get("duplicates") == 0
        and summary.get("dropped_off_hours") == 0
        and summary.get("rejected") == [],
        f"{what}: summary is not accepted == {n} with nothing else: {str(summary)[:500]}",
    )


def _received_at_text() -> str:
    return datetime.now(UTC).isoformat(sep=" ", timespec="microseconds")


def baseline_postgres(conninfo: str, path: Path) -> float:
    """json.loads per line + raw psycopg COPY (text) into baseline_gps, one transaction."""
    columns = ", ".join(BASE_COLUMNS)
    received = _received_at_text()
    loads = json.loads
    with psycopg.connect(conninfo) as conn:
        gc.collect()
        start = time.perf_counter()
        with (
            open(path, "rb") as lines,
            conn.cursor() as cur,
            cur.copy(f"COPY baseline_gps ({columns}) FROM STDIN") as copy,
        ):
            write = copy.write_row
            for line in lines:
                r = loads(line)
                get = r.get
                write(
                    (
                        r["id"],
                        r["rep_id"],
                        r["device_id"],
                        r["ts"],
                        r["lat"],
                        r["lon"],
                        r["accuracy_m"],
                        get("speed_mps"),
                        get("provider"),
                        get("mock", False),
                        received,
                    )
                )
        conn.commit()
        return time.perf_counter() - start


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30)
    # The pragmas of the project's SQLite engine (data_access/engine.py).
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def baseline_sqlite(db_path: Path, ddl: list[str], path: Path) -> float:
    """json.loads per line + raw sqlite3 executemany into baseline_gps, one transaction."""
    conn = _sqlite_connect(db_path)
    try:
        for statement in ddl:
            conn.execute(statement)
        conn.commit()
        received = _received_at_text()
        loads = json.loads
        sql = (
            f"INSERT INTO baseline_gps ({', '.join(BASE_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in BASE_COLUMNS)})"
        )
        gc.collect()
        start = time.perf_counter()
        with open(path, "rb") as lines, conn:
            rows = (
                (
                    r["id"],
                    r["rep_id"],
                    r["device_id"],
                    r["ts"],
                    r["lat"],
                    r["lon"],
                    r["accuracy_m"],
                    r.get("speed_mps"),
                    r.get("provider"),
                    r.get("mock", False),
                    received,
                )
                for r in map(loads, lines)
            )
            conn.executemany(sql, rows)
        return time.perf_counter() - start
    finally:
        conn.close()


def sqlite_gps_ddl(cockpit_db: Path) -> list[str]:
    """The project's own DDL of gps_fixes and its indexes, renamed to baseline_gps."""
    conn = sqlite3.connect(cockpit_db)
    try:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'gps_fixes' AND sql IS NOT NULL "
            "ORDER BY type = 'index'"
        ).fetchall()
    finally:
        conn.close()
    return [sql.replace("gps_fixes", "baseline_gps") for (sql,) in rows]


# ------------------------------------------------------------------ the measurements


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path, n: int) -> None:
        self.args = args
        self.work = work
        self.n = n
        self.runs: list[Run] = []
        self.problems = Problems()
        self.pg_url: str | None = None
        self.pg_admin: sa.Engine | None = None
        self.pg_name: str | None = None
        self.sqlite_urls: list[str] = []

    # -------------------------------------------------------------- PostgreSQL

    def pg_setup(self, masters: Path, n_masters: int) -> None:
        admin_url = make_url(self.args.postgres_url)
        self.pg_admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"bench_ingest_{uuid.uuid4().hex[:10]}"
        with self.pg_admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.pg_name = name
        self.pg_url = admin_url.set(database=name).render_as_string(hide_password=False)
        result = cli_ingest(self.pg_url, masters)
        check_summary(self.problems, "postgresql master data", result, n_masters)
        with get_engine(self.pg_url).begin() as conn:
            conn.exec_driver_sql("CREATE TABLE baseline_gps (LIKE gps_fixes INCLUDING ALL)")

    def pg_conninfo(self) -> str:
        assert self.pg_url is not None
        url = make_url(self.pg_url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def pg_exec(self, *statements: str) -> list[Any]:
        assert self.pg_url is not None
        out = []
        with get_engine(self.pg_url).begin() as conn:
            for statement in statements:
                result = conn.exec_driver_sql(statement)
                out.append(result.scalar() if result.returns_rows else None)
        return out

    def pg_quiesce(self) -> None:
        """Start each timed run from a clean slate: no pending checkpoint work, no garbage."""
        assert self.pg_admin is not None
        with contextlib.suppress(sa.exc.DBAPIError), self.pg_admin.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")

    def pg_round(self, gps: Path, profile: cProfile.Profile | None = None) -> None:
        n = self.n
        # Every table an ingest writes (events, rollups, log, quarantine); the masters stay.
        tables = [t.name for t in schema.metadata.sorted_tables if t.name not in MASTERS_KEPT]
        self.pg_exec(f"TRUNCATE {', '.join(tables)}, baseline_gps RESTART IDENTITY")
        if profile is None:
            self.pg_quiesce()
            seconds = baseline_postgres(self.pg_conninfo(), gps)
            self.runs.append(Run("baseline", "postgresql", n, seconds))
        self.pg_quiesce()
        assert self.pg_url is not None
        if profile is not None:
            profile.enable()
        result = cli_ingest(self.pg_url, gps)
        if profile is not None:
            profile.disable()
            return
        self.runs.append(Run("cockpit", "postgresql", n, result.seconds, result.summary_seconds))
        check_summary(self.problems, "postgresql cockpit", result, n)
        stored, base, quarantined = self.pg_exec(
            "SELECT count(*) FROM gps_fixes",
            "SELECT count(*) FROM baseline_gps",
            "SELECT count(*) FROM quarantine",
        )
        self.problems.check(stored == n, f"postgresql cockpit: {stored} rows stored, not {n}")
        self.problems.check(base == n, f"postgresql baseline: {base} rows stored, not {n}")
        self.problems.check(quarantined == 0, f"postgresql: {quarantined} quarantined")
        same = " AND ".join(f"g.{c} IS NOT DISTINCT FROM b.{c}" for c in ("ts", *COMPARED))
        (equal,) = self.pg_exec(
            f"SELECT count(*) FROM gps_fixes g JOIN baseline_gps b USING (id) WHERE {same}"
        )
        self.problems.check(
            equal == n, f"postgresql: only {equal} of {n} rows are equal in both paths"
        )

    def pg_teardown(self) -> None:
        if self.pg_url is not None:
            dispose_engine(self.pg_url)
        if self.pg_admin is not None:
            if self.pg_name is not None:
                with self.pg_admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            self.pg_admin.dispose()

    # -------------------------------------------------------------- SQLite

    def sqlite_round(
        self,
        k: int,
        masters: Path,
        n_masters: int,
        gps: Path,
        profile: cProfile.Profile | None = None,
    ) -> None:
        n = self.n
        cockpit_db = self.work / f"cockpit_{k}.db"
        base_db = self.work / f"baseline_{k}.db"
        url = f"sqlite:///{cockpit_db}"
        self.sqlite_urls.append(url)
        try:
            result = cli_ingest(url, masters)  # migrates too; not timed
            check_summary(self.problems, "sqlite master data", result, n_masters)
            if profile is None:
                seconds = baseline_sqlite(base_db, sqlite_gps_ddl(cockpit_db), gps)
                self.runs.append(Run("baseline", "sqlite", n, seconds))
            else:
                profile.enable()
            result = cli_ingest(url, gps)
            if profile is not None:
                profile.disable()
                return
            self.runs.append(Run("cockpit", "sqlite", n, result.seconds, result.summary_seconds))
            check_summary(self.problems, "sqlite cockpit", result, n)
            conn = sqlite3.connect(cockpit_db)
            try:
                conn.execute("ATTACH DATABASE ? AS base", (str(base_db),))
                stored = conn.execute("SELECT count(*) FROM gps_fixes").fetchone()[0]
                base = conn.execute("SELECT count(*) FROM base.baseline_gps").fetchone()[0]
                quarantined = conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]
                # The cockpit stores UTC text, the baseline the wire text: compare the instants.
                same = " AND ".join(f"g.{c} IS b.{c}" for c in COMPARED)
                equal = conn.execute(
                    "SELECT count(*) FROM gps_fixes g JOIN base.baseline_gps b USING (id) "
                    f"WHERE {same} AND strftime('%s', g.ts) = strftime('%s', b.ts)"
                ).fetchone()[0]
            finally:
                conn.close()
            self.problems.check(stored == n, f"sqlite cockpit: {stored} rows stored, not {n}")
            self.problems.check(base == n, f"sqlite baseline: {base} rows stored, not {n}")
            self.problems.check(quarantined == 0, f"sqlite: {quarantined} quarantined")
            self.problems.check(
                equal == n, f"sqlite: only {equal} of {n} rows are equal in both paths"
            )
        finally:
            dispose_engine(url)
            self.sqlite_urls.remove(url)
            for db in (cockpit_db, base_db):
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)

    def teardown(self) -> None:
        for url in list(self.sqlite_urls):
            dispose_engine(url)
        self.pg_teardown()


# ------------------------------------------------------------------ report


def best(runs: list[Run], path: str, dialect: str) -> Run | None:
    mine = [r for r in runs if r.path == path and r.dialect == dialect]
    return min(mine, key=lambda r: r.seconds) if mine else None


def print_table(runs: list[Run], repeat: int, dialects: tuple[str, ...]) -> None:
    head = f"{'path':<9} {'dialect':<11} {'records':>9} {'seconds':>8} {'records/s':>11}"
    head += f" {'ratio':>6}  target ratio >= {TARGET_RATIO}"
    print(head)
    print("-" * len(head))
    for dialect in dialects:
        base = best(runs, "baseline", dialect)
        mine = best(runs, "cockpit", dialect)
        for run in (base, mine):
            if run is None:
                continue
            rate = run.records / run.seconds
            line = f"{run.path:<9} {run.dialect:<11} {run.records:>9,} {run.seconds:>8.2f}"
            line += f" {rate:>11,.0f}"
            if run.path == "cockpit" and base is not None:
                ratio = rate / (base.records / base.seconds)
                verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
                line += f" {ratio:>6.2f}  {verdict}"
            else:
                line += f" {'-':>6}"
            print(line)
    for dialect in dialects:
        run = best(runs, "cockpit", dialect)
        if run is not None and run.summary_seconds is not None:
            after = run.seconds - run.summary_seconds
            print(
                f"  cockpit {dialect}: summary printed at {run.summary_seconds:.2f} s "
                f"({run.records / run.summary_seconds:,.0f} records/s), then {after:.2f} s of "
                "after-ingest work in the same command (rollup refresh)"
            )
    if repeat > 1:
        print(f"(best of {repeat} runs each; every run, with the ratio of its own round:)")
        for dialect in dialects:
            bases = [r for r in runs if r.path == "baseline" and r.dialect == dialect]
            mine = [r for r in runs if r.path == "cockpit" and r.dialect == dialect]
            ratios = []
            for k, (base, run) in enumerate(zip(bases, mine, strict=False), start=1):
                base_rate, rate = base.records / base.seconds, run.records / run.seconds
                ratios.append(rate / base_rate)
                print(
                    f"  {dialect:<11} run {k}: baseline {base_rate:>9,.0f} records/s, "
                    f"cockpit {rate:>9,.0f} records/s, ratio {rate / base_rate:.2f}"
                )
            if ratios:
                print(f"  {dialect:<11} median ratio {statistics.median(ratios):.2f}")


def print_profile(profile: cProfile.Profile, title: str, top: int) -> None:
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats(key).print_stats(top)
        body = out.getvalue()
        start = body.find("   ncalls")
        print(f"\n--- cProfile of the cockpit path, {title}, top {top} by {key} ---")
        print(body[start:].rstrip() if start >= 0 else body.rstrip())


def versions() -> str:
    import sqlalchemy

    return (
        f"psycopg {psycopg.__version__}, SQLAlchemy {sqlalchemy.__version__}, "
        f"orjson {orjson.__version__}, sqlite {sqlite3.sqlite_version}"
    )


# ------------------------------------------------------------------ main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS, help="gps records")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best is shown")
    parser.add_argument("--postgres-url", default=DEFAULT_ADMIN_URL, help="server to use")
    parser.add_argument("--dialect", choices=DIALECTS, help="measure only this database")
    parser.add_argument("--seed", type=int, default=20261126, help="seed of the generated data")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="afterwards, profile one extra (untimed) cockpit run per dialect with cProfile",
    )
    parser.add_argument("--profile-top", type=int, default=25, help="functions shown")
    args = parser.parse_args(argv)
    if args.records < 1 or args.repeat < 1:
        parser.error("--records and --repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    dialects = (args.dialect,) if args.dialect else DIALECTS
    print("bench/ingest.py: gps JSON Lines -> CLI ingest path vs raw json.loads + COPY/executemany")
    print(f"date       {datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"python     {platform.python_version()} ({platform.python_implementation()})")
    print(f"machine    {platform.platform()}, {os.cpu_count()} CPUs")
    print(f"libraries  {versions()}")
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        masters, n_masters, gps = write_inputs(work, args.records, args.seed)
        size = gps.stat().st_size
        print(
            f"input      {args.records:,} gps records, {size / 1e6:.1f} MB, {REPS} reps, "
            f"{n_masters} master records (generated in {time.perf_counter() - t0:.1f} s)"
        )
        bench = Bench(args, work, args.records)
        steps: list[tuple[str, Callable[[], None]]] = []
        try:
            if "postgresql" in dialects:
                try:
                    bench.pg_setup(masters, n_masters)
                except sa.exc.OperationalError as exc:
                    print(f"error: PostgreSQL at {args.postgres_url} is unusable: {exc.orig}")
                    return 2
                print(f"postgresql {bench.pg_exec('SHOW server_version')[0]}, db {bench.pg_name}")
            for k in range(args.repeat):
                if "postgresql" in dialects:
                    steps.append((f"postgresql run {k + 1}", lambda: bench.pg_round(gps)))
                if "sqlite" in dialects:
                    steps.append(
                        (
                            f"sqlite run {k + 1}",
                            lambda k=k: bench.sqlite_round(k, masters, n_masters, gps),
                        )
                    )
            for title, step in steps:
                print(f"... {title}", flush=True)
                step()
            print()
            print_table(bench.runs, args.repeat, dialects)
            if args.profile:
                for dialect in dialects:
                    profile = cProfile.Profile()
                    if dialect == "postgresql":
                        bench.pg_round(gps, profile)
                    else:
                        bench.sqlite_round(args.repeat, masters, n_masters, gps, profile)
                    print_profile(profile, f"{dialect}, {args.records:,} records", args.profile_top)
        finally:
            bench.teardown()
    if bench.problems.items:
        print("\nSTORED ROWS ARE WRONG:")
        for problem in bench.problems.items:
            print(f"  - {problem}")
        return 1
    print(f"\nstored rows verified: {args.records:,} per path and dialect, equal in both paths")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Retention of raw GPS fixes (issue 20) on real SQLite and PostgreSQL: the purge keeps rollups,
alerts, flags, claims and visits; KPI figures of a purged period are unchanged (also after the
rollups are recomputed and the period re-judged); dry-run changes nothing; the replay of a
purged day shows the kept summary and why; the daily job runs once a day; the CLI verb."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from components.replay.panels import message
from dashboard.demo import DemoConfig, iter_demo_batches
from dashboard.filters import Filters
from dashboard.services import background, detect, ingest, kpis, replay, retention, rollups
from dashboard.services import settings as rule_settings
from dashboard.services.users import User
from data_access import quality as meta_store
from data_access import schema
from tests import builders as b

ROOT = Path(__file__).resolve().parents[2]
EXEC = User(id=1, name="boss", role="exec", regions=())
ADMIN = User(id=9, name="root", role="admin", regions=())
DEMO_END = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
# Retention 7 days on this "today": the fixes of the demo's days before 2026-11-24 go.
TODAY = date(2026, 12, 1)
CUTOFF = date(2026, 11, 24)
PERIOD = Filters("custom", date(2026, 11, 1), date(2026, 11, 30))


def _load_demo(engine, now) -> None:
    for batch in iter_demo_batches(DemoConfig(seed=3, reps=6, days=6, now=DEMO_END)):
        ingest.ingest_values(engine, batch, source="test", now=now)
    rollups.refresh_rep_days(engine, now=now)
    detect.detect_pending(engine, now=now)
    rule_settings.set_value(engine, "retention_days", 7, actor="test", now=now, note="test")


@pytest.fixture
def demo(engine, now):
    _load_demo(engine, now)
    return engine


def _rows(engine, table, order) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(*order)).mappings()]


def _kept(engine) -> dict[str, list[dict]]:
    """Everything the purge must keep, as stored."""
    rd = schema.rep_days
    cols = [c for c in rd.c if c.name not in ("computed_at", "dirty", "version", "judged_version")]
    with engine.connect() as conn:
        rollup = [
            dict(r)
            for r in conn.execute(
                sa.select(*cols).order_by(rd.c.rep_id, rd.c.local_date)
            ).mappings()
        ]
    return {
        "rep_days": rollup,
        "alerts": _rows(engine, schema.alerts, [schema.alerts.c.id]),
        "expense_flags": _rows(engine, schema.expense_flags, [schema.expense_flags.c.id]),
        "expenses": _rows(engine, schema.expenses, [schema.expenses.c.id]),
        "visits": _rows(engine, schema.visits, [schema.visits.c.id]),
    }


def _fix_days(engine) -> dict[date, int]:
    """Fixes per Asia/Shanghai local date (every demo rep's zone)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    out: dict[date, int] = {}
    with engine.connect() as conn:
        for (ts,) in conn.execute(sa.select(schema.gps_fixes.c.ts)):
            day = ts.astimezone(tz).date()
            out[day] = out.get(day, 0) + 1
    return out


def _figures(value):
    """The KPI service's output, its frames as records (comparable with ==)."""
    if isinstance(value, pd.DataFrame):
        return _figures(value.to_dict("records"))
    if isinstance(value, pd.Series):
        return _figures(value.to_dict())
    if isinstance(value, float):
        # NaN compares unequal to itself; PostgreSQL sums floats in storage order, which a
        # rewritten rollup row changes in the last binary digit (753.62 vs 753.6199999999999).
        return "NaN" if math.isnan(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: _figures(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_figures(v) for v in value]
    return value


def _overview(engine) -> dict:
    return _figures(kpis.overview(engine, EXEC, PERIOD, today=TODAY))


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_dry_run_changes_nothing_and_reports_what_would_go(demo, now):
    before = {t.name: _count(demo, t) for t in schema.metadata.sorted_tables}
    days = _fix_days(demo)
    old = {d: n for d, n in days.items() if d < CUTOFF}
    assert old and any(d >= CUTOFF for d in days), "the demo spans the cut-off"

    report = retention.purge(demo, today=TODAY, dry_run=True, now=now)

    assert {t.name: _count(demo, t) for t in schema.metadata.sorted_tables} == before
    assert report.dry_run and report.retention_days == 7 and report.cutoff == "2026-11-24"
    assert report.rows == sum(old.values())
    assert (report.oldest, report.newest) == (min(old).isoformat(), max(old).isoformat())
    assert report.rep_days > 0 and report.deferred == 0


def test_purge_deletes_old_fixes_and_keeps_rollups_alerts_flags_claims_visits(demo, now):
    kept = _kept(demo)
    days = _fix_days(demo)
    assert kept["alerts"] and kept["expense_flags"] and kept["expenses"] and kept["visits"]

    report = retention.purge(demo, today=TODAY, now=now, batch=700)

    assert not report.dry_run
    assert report.rows == sum(n for d, n in days.items() if d < CUTOFF)
    after = _fix_days(demo)
    assert after == {d: n for d, n in days.items() if d >= CUTOFF}
    assert _kept(demo) == kept
    purged = _rows(demo, schema.purged_rep_days, [schema.purged_rep_days.c.rep_id])
    assert len(purged) == report.rep_days
    assert {r["retention_days"] for r in purged} == {7}
    assert sum(r["fixes"] for r in purged) == report.rows
    assert all(r["local_date"] < CUTOFF for r in purged)
    stops = _rows(demo, schema.kept_stops, [schema.kept_stops.c.rep_id])
    assert stops and {(s["rep_id"], s["local_date"]) for s in stops} <= {
        (r["rep_id"], r["local_date"]) for r in purged
    }
    # A second purge finds nothing left.
    again = retention.purge(demo, today=TODAY, now=now)
    assert (again.rows, again.rep_days) == (0, 0)


def test_kpis_of_a_purged_period_are_unchanged_after_refresh_and_rejudge(demo, now):
    before = _overview(demo)
    assert before["current"]["visits"] > 0
    retention.purge(demo, today=TODAY, now=now)
    assert _overview(demo) == before
    kept = _kept(demo)

    # Every rollup recomputed (as a new rollup version does) and the whole period re-judged.
    with demo.begin() as conn:
        meta_store.mark_all_dirty(conn)
    rollups.refresh_rep_days(demo, now=now)
    detect.detect(demo, now=now)
    detect.detect_pending(demo, now=now)

    after = _overview(demo)
    diff = [
        (a["local_date"], k, a[k], b[k])
        for a, b in zip(after["trend"], before["trend"], strict=True)
        for k in a
        if a[k] != b[k]
    ]
    assert after == before, diff[:2]
    assert _kept(demo) == kept


def test_a_late_fix_for_a_purged_day_is_stored_but_does_not_zero_its_km(demo, now):
    retention.purge(demo, today=TODAY, now=now)
    with demo.connect() as conn:
        rd = schema.rep_days
        row = (
            conn.execute(
                sa.select(rd).where(rd.c.local_date < CUTOFF, rd.c.km > 0).order_by(rd.c.rep_id)
            )
            .mappings()
            .first()
        )
    assert row is not None
    day = row["local_date"].isoformat()
    late = b.gps("late-fix-1", ts=f"{day}T10:00:00+08:00", rep_id=row["rep_id"])
    summary = ingest.ingest_values(demo, [late], source="test", now=now)
    assert summary.accepted == 1
    rollups.refresh_rep_days(demo, now=now)
    detect.detect_pending(demo, now=now)
    with demo.connect() as conn:
        fresh = (
            conn.execute(
                sa.select(rd).where(
                    rd.c.rep_id == row["rep_id"], rd.c.local_date == row["local_date"]
                )
            )
            .mappings()
            .one()
        )
        stored = conn.execute(
            sa.select(schema.gps_fixes.c.id).where(schema.gps_fixes.c.id == "late-fix-1")
        ).scalar_one_or_none()
    assert stored == "late-fix-1"
    assert (fresh["km"], fresh["fixes"], fresh["dirty"]) == (row["km"], row["fixes"], False)
    # The next purge takes the late fix and adds it to the day's record.
    report = retention.purge(demo, today=TODAY, now=now)
    assert (report.rows, report.rep_days) == (1, 1)
    with demo.connect() as conn:
        rec = (
            conn.execute(
                sa.select(schema.purged_rep_days).where(
                    schema.purged_rep_days.c.rep_id == row["rep_id"],
                    schema.purged_rep_days.c.local_date == row["local_date"],
                )
            )
            .mappings()
            .one()
        )
    assert rec["fixes"] == row["fixes"] + 1


def test_replay_of_a_purged_day_shows_the_kept_summary_and_why(demo, now):
    with demo.connect() as conn:
        rd = schema.rep_days
        row = (
            conn.execute(
                sa.select(rd).where(rd.c.local_date < CUTOFF, rd.c.visits > 0).order_by(rd.c.rep_id)
            )
            .mappings()
            .first()
        )
    rep_id, day = row["rep_id"], row["local_date"]
    before = replay.replay_day(demo, ADMIN, rep_id, day)
    assert before["track"]["t"] and before["stops"] and "purged" not in before
    retention.purge(demo, today=TODAY, now=now)

    after = replay.replay_day(demo, ADMIN, rep_id, day)

    assert after["status"] == "ok" and not after["track"]["t"]
    assert after["purged"] == {
        "on": now.date().isoformat(),
        "retention_days": 7,
        "fixes": row["fixes"],
    }
    assert after["stops"] == before["stops"]
    assert after["summary"]["km"] == round(row["km"], 2)
    assert after["summary"]["fixes"] == row["fixes"]
    assert after["visits"] == before["visits"]
    assert after["alerts"] == before["alerts"]
    en = message(after, lang="en")
    zh = message(after, lang="zh")
    assert en.id == "replay-purged"
    assert f"deleted on {now.date().isoformat()} under the 7-day retention policy" in en.children
    assert f"于 {now.date().isoformat()} 按 7 天保留策略删除" in zh.children
    # A day inside the retention is replayed from its fixes as before.
    recent = replay.replay_day(demo, ADMIN, rep_id, CUTOFF + timedelta(days=1))
    assert "purged" not in recent


def test_the_background_pass_purges_once_a_day(demo, now):
    def at(day: date):
        return lambda: datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=4)

    first = background.run_pass(demo, at(TODAY))
    assert first.purged is not None and first.purged.rows > 0
    assert not background.has_pending(demo, at(TODAY))
    second = background.run_pass(demo, at(TODAY))
    assert second.purged is None
    # The next day it runs again (nothing older left: an empty report).
    following = background.run_pass(demo, at(TODAY + timedelta(days=1)))
    assert following.purged is not None


def test_dirty_or_unjudged_rep_days_are_deferred(engine, now):
    _load_demo(engine, now)
    with engine.begin() as conn:
        rd = schema.rep_days
        conn.execute(rd.update().where(rd.c.local_date < CUTOFF).values(dirty=True))
    report = retention.purge(engine, today=TODAY, now=now)
    assert report.rows == 0 and report.deferred > 0
    assert _count(engine, schema.purged_rep_days) == 0


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_cli_purge_dry_run_then_purge(db_url, demo, now):
    fixes = _count(demo, schema.gps_fixes)
    dry = _cli(db_url, "purge", "--dry-run", "--today", TODAY.isoformat())
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("purge: would delete ")
    assert "retention 7 days (fixes dated before 2026-11-24" in dry.stdout
    assert _count(demo, schema.gps_fixes) == fixes

    done = _cli(db_url, "purge", "--today", TODAY.isoformat(), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["dry_run"] is False and report["rows"] > 0 and report["cutoff"] == "2026-11-24"
    assert _count(demo, schema.gps_fixes) == fixes - report["rows"]

    bad = _cli(db_url, "purge", "--today", "yesterday")
    assert bad.returncode == 1 and "--today" in bad.stderr
    helped = _cli(db_url, "purge", "--help")
    assert "--dry-run" in helped.stdout and "retention_days" in helped.stdout


# ------------------------------------------------------------------ ingest is not held up


@pytest.mark.postgres
def test_an_ingest_proceeds_while_a_purge_runs_on_postgres(postgres_url, now):
    from dashboard.services.db import dispose_engine, get_engine
    from tests.conftest import _truncate_all

    engine = get_engine(postgres_url)
    _truncate_all(engine)
    try:
        base = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
        records = [*b.company()]
        records += [
            b.gps(f"old-{i:06d}", ts=(base + timedelta(seconds=i)).isoformat(), rep_id="rep-1")
            for i in range(30_000)
        ]
        ingest.ingest_values(engine, records, source="test", now=now)
        rollups.refresh_rep_days(engine, now=now)
        detect.detect_pending(engine, now=now)
        rule_settings.set_value(engine, "retention_days", 7, actor="test", now=now)
        assert _count(engine, schema.gps_fixes) == 30_000

        outcome: dict = {}

        def run() -> None:
            outcome["report"] = retention.purge(engine, today=TODAY, now=now, batch=1000)

        thread = threading.Thread(target=run)
        thread.start()
        while _count(engine, schema.gps_fixes) == 30_000 and thread.is_alive():
            time.sleep(0.01)
        # The purge is deleting: a new fix (another connection) goes in without waiting.
        started = time.perf_counter()
        fresh = b.gps("new-1", ts="2026-11-30T09:00:00+08:00", rep_id="rep-1")
        summary = ingest.ingest_values(engine, [fresh], source="test", now=now)
        took = time.perf_counter() - started
        still_purging = thread.is_alive()
        thread.join(120)
        assert summary.accepted == 1
        assert took < 1.0, f"ingest waited {took:.2f} s"
        assert still_purging, "the purge finished before the ingest: no overlap was measured"
        assert outcome["report"].rows == 30_000
        assert _count(engine, schema.gps_fixes) == 1
    finally:
        _truncate_all(engine)
        dispose_engine(postgres_url)

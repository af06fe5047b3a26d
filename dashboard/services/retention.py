"""Retention of raw GPS fixes (issue 20, Privacy): ``purge`` and the daily job.

Raw fixes whose local date (in the rep's time zone) is more than ``retention_days`` (setting,
default 90) before the company's today are deleted. What a rep-day keeps: its visits, claims,
rollup (km, fixes, visit facts), alerts with their evidence, expense flags, and its stay points
(``kept_stops``, computed from the fixes just before they go, as the replay computes them), plus
a purge record (when, how many fixes, the retention in force) the replay quotes.

A purged rep-day is never recomputed from the missing fixes: the rollup refresh keeps its
track columns and the judge leaves its alerts and flags as they are (``is_purged`` /
``purged_pairs``). A rep-day whose rollup is still dirty or not yet judged is deferred to a
later run (the background pass brings it up to date first).

On PostgreSQL the delete runs in batches of ``BATCH`` rows by primary key, one transaction
each, so an ingest proceeds while a purge runs.
"""

from __future__ import annotations

import logging
import time as clock
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from dashboard import contract
from dashboard.services import settings as rule_settings
from data_access import quality as meta_store
from data_access import replay as replay_store
from data_access import retention as store
from data_access.scope import Scope

logger = logging.getLogger("dashboard.background")

BATCH = 5000
# app_meta key: the local date (ordinal) the daily purge last ran for.
DAILY_KEY = "retention_purged_on"

Pair = tuple[str, date]


@dataclass
class PurgeReport:
    """What a purge deleted (or, with ``dry_run``, would delete)."""

    dry_run: bool
    today: str
    retention_days: int
    # Fixes whose local date is before this date go.
    cutoff: str
    rows: int = 0
    rep_days: int = 0
    oldest: str | None = None
    newest: str | None = None
    # Rep-days left for a later run: their rollup is dirty or not judged yet.
    deferred: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def retention_days_of(engine: Engine) -> int:
    """The retention in force (setting ``retention_days``)."""
    with engine.connect() as conn:
        return int(rule_settings.stored_values(conn).get("retention_days", _default()))


def _default() -> int:
    from dashboard.thresholds import SETTINGS

    return int(SETTINGS["retention_days"].default)


def purge(
    engine: Engine,
    *,
    today: date,
    dry_run: bool = False,
    now: datetime | None = None,
    batch: int = BATCH,
) -> PurgeReport:
    """Delete the raw fixes older than the retention (or, ``dry_run``, only count them)."""
    started = clock.perf_counter()
    now = now or datetime.now(UTC)
    retention = retention_days_of(engine)
    cutoff = today - timedelta(days=retention)
    report = PurgeReport(
        dry_run=dry_run, today=today.isoformat(), retention_days=retention,
        cutoff=cutoff.isoformat(),
    )  # fmt: skip
    ids_by_pair: dict[Pair, list[str]] = defaultdict(list)
    with engine.connect() as conn:
        zones = store.fetch_rep_zones(conn)
        for rep_id, zone in sorted(zones.items()):
            tz = contract.zone(zone)
            before = datetime.combine(cutoff, time.min, tzinfo=tz)
            for fix_id, ts in store.fetch_old_fixes(conn, rep_id=rep_id, before=before):
                ids_by_pair[(rep_id, ts.astimezone(tz).date())].append(fix_id)
        purged = store.fetch_purged(conn, ids_by_pair)
        states = store.fetch_rollup_states(conn, ids_by_pair)
    ready: dict[Pair, list[str]] = {}
    for pair, ids in ids_by_pair.items():
        state = states.get(pair)
        current = (
            state is not None
            and not state["dirty"]
            and (state["judged_version"] == state["version"])
        )
        if pair in purged or current:
            ready[pair] = ids
        else:
            report.deferred += 1
    if ready:
        days = sorted(d for _r, d in ready)
        report.oldest, report.newest = days[0].isoformat(), days[-1].isoformat()
        report.rep_days = len(ready)
        report.rows = sum(len(ids) for ids in ready.values())
    if dry_run or not ready:
        report.seconds = round(clock.perf_counter() - started, 3)
        return report
    fresh = sorted(p for p in ready if p not in purged)
    stops = _stay_points(engine, fresh)
    with engine.begin() as conn:
        # Recorded before the fixes go: an interrupted purge still leaves its days marked.
        store.store_kept_stops(conn, stops)
        store.record_purged(
            conn, {p: len(ids) for p, ids in ready.items()}, now=now, retention_days=retention
        )
    ids = sorted(i for group in ready.values() for i in group)
    report.rows = store.delete_fixes(engine, ids, batch=batch)
    report.seconds = round(clock.perf_counter() - started, 3)
    logger.info("retention purge: %s", report.as_dict())
    return report


def _stay_points(engine: Engine, pairs: Iterable[Pair]) -> list[dict[str, Any]]:
    """The stay points of these rep-days, computed as the replay computes them."""
    from dashboard.services import replay

    rows: list[dict[str, Any]] = []
    scope = Scope.system()
    with engine.connect() as conn:
        config = rule_settings.track_config_of(conn)
        reps: dict[str, Any] = {}
        for rep_id, day in pairs:
            if rep_id not in reps:
                reps[rep_id] = replay_store.fetch_replay_rep(conn, rep_id=rep_id, scope=scope)
            rep = reps[rep_id]
            if rep is None:
                continue
            start, end = replay._day_bounds(day, rep["timezone"])
            rec = replay_store.fetch_replay_day(
                conn, rep_id=rep_id, day=day, start=start, end=end, scope=scope
            )
            payload = replay.build_payload(rep, day, rec, start=start, end=end, config=config)
            t0 = start.timestamp()
            for s in payload["stops"]:
                rows.append(
                    {
                        "rep_id": rep_id,
                        "local_date": day,
                        "n": s["n"],
                        "start_at": datetime.fromtimestamp(t0 + s["start"], tz=UTC),
                        "end_at": datetime.fromtimestamp(t0 + s["end"], tz=UTC),
                        "dwell_s": float(s["dwell_s"]),
                        "lat": s["lat"],
                        "lon": s["lon"],
                        "customer_id": s["customer_id"],
                    }
                )
    return rows


# ------------------------------------------------------------------ what purged days keep


def purged_pairs(engine: Engine, pairs: Iterable[Pair]) -> set[Pair]:
    """Which of these rep-days had their raw fixes purged."""
    with engine.connect() as conn:
        return set(store.fetch_purged(conn, pairs))


# ------------------------------------------------------------------ the daily job


def daily_pending(engine: Engine, *, today: date) -> bool:
    """Has today's purge not run yet?"""
    with engine.connect() as conn:
        done = meta_store.fetch_version(conn, DAILY_KEY)
    return done is None or done < today.toordinal()


def background_step(engine: Engine, *, today: date, now: datetime) -> PurgeReport | None:
    """The daily purge of a background pass (run under the pass lock: one process at a time
    across hosts); None when it already ran today."""
    if not daily_pending(engine, today=today):
        return None
    report = purge(engine, today=today, now=now)
    with engine.begin() as conn:
        meta_store.store_version(conn, DAILY_KEY, today.toordinal())
    return report


_TRACK_COLUMNS = ("fixes", "first_fix_at", "last_fix_at", "km")


def keep_purged_tracks(engine: Engine, rows: list[dict[str, Any]]) -> set[Pair]:
    """Give the freshly computed rollup rows of purged rep-days back their stored track columns
    (fixes, first and last fix, km): a late fix for a purged day never zeroes its km. Return
    the purged rep-days among ``rows`` (their device-quality records stay as they are)."""
    pairs = {(r["rep_id"], r["local_date"]) for r in rows}
    with engine.connect() as conn:
        purged = set(store.fetch_purged(conn, pairs))
        if not purged:
            return set()
        stored = store.fetch_rollups(conn, purged)
    for row in rows:
        old = stored.get((row["rep_id"], row["local_date"]))
        if old is not None:
            row.update({k: old[k] for k in _TRACK_COLUMNS})
    return purged

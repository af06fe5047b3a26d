"""Keep the per rep-day rollups current after ingest (run in passes by ``background``)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

import numpy as np
from sqlalchemy.engine import Engine

from dashboard import contract
from dashboard import sop as sop_core
from dashboard.rules import authenticity as auth
from dashboard.rules import quality
from dashboard.services import failures, retention, versions
from dashboard.services import settings as rule_settings
from dashboard.tracks import analyze_day, stored_km
from data_access import facts as fact_store
from data_access import failures as failure_store
from data_access import judge as judge_store
from data_access import quality as quality_store
from data_access import records as store
from data_access import sop as sop_store
from data_access.scope import Scope

logger = logging.getLogger(__name__)

_BATCH_DAYS = 400


def refresh_rep_days(engine: Engine, *, now: datetime) -> int:
    """Recompute every dirty rep-day rollup (and its devices' data-quality records); return how
    many were computed."""
    versions.catch_up_rollups(engine)
    config = rule_settings.load_all(engine)
    done = 0
    while True:
        with engine.connect() as conn:
            dirty = store.fetch_dirty_rep_days(conn, limit=_BATCH_DAYS)
        if not dirty:
            return done
        # A rep-day whose computation raises is set aside (stored failure, logged); the rest
        # of the batch is still stored.
        parts, failed = failures.isolate(
            dirty,
            lambda part: _compute(engine, part, now, config),
            stage="refresh",
            key=lambda r: (r["rep_id"], r["local_date"], r["version"]),
        )
        rows = [row for part_rows, _devices in parts for row in part_rows]
        devices = [d for _rows, part_devices in parts for d in part_devices]
        keys = [(r["rep_id"], r["local_date"]) for r in rows]
        # Rep-days whose raw fixes were purged keep their track figures and device records.
        purged = retention.keep_purged_tracks(engine, rows)
        with engine.begin() as conn:
            store.store_rep_days(conn, rows)
            quality_store.replace_device_days(
                conn,
                [k for k in keys if k not in purged],
                [d for d in devices if (d["rep_id"], d["local_date"]) not in purged],
            )
            # The SOP rollup (contract §7) of the same rep-days, from the raw records as they
            # are in this transaction (after the rep-day rows above took their locks).
            refresh_sop_rollup(conn, keys)
            failure_store.clear_failures(
                conn, "refresh", [(r["rep_id"], r["local_date"]) for r in rows]
            )
            failure_store.record_failures(conn, "refresh", failed, now=now)
        done += len(rows)
        if len(dirty) < _BATCH_DAYS:
            return done


def refresh_sop_rollup(conn, keys) -> int:
    """Recompute the SOP rollup rows and gap visits of the (rep_id, local_date) keys in
    ``conn``'s transaction; return how many rollup rows were written."""
    rows, gap_visits = sop_core.rollup(*sop_store.fetch_rollup_inputs(conn, keys))
    sop_store.replace_rollup(conn, keys, rows, gap_visits)
    return len(rows)


def _compute(
    engine: Engine, dirty, now: datetime, config: rule_settings.Thresholds
) -> tuple[list[dict], list[dict]]:
    # One query per local date (and time zone) for all its reps.
    groups: dict[tuple, list] = defaultdict(list)
    for row in dirty:
        groups[(row["local_date"], row["timezone"])].append(row)
    out: list[dict] = []
    devices: list[dict] = []
    for (day, tz_name), rows in groups.items():
        tz = contract.zone(tz_name)
        start = datetime.combine(day, time.min, tzinfo=tz)
        end = start + timedelta(days=1)
        sources: list[tuple[str, str | None]] = []
        rep_ids = [r["rep_id"] for r in rows]
        with engine.connect() as conn:
            fixes = store.fetch_fix_arrays(
                conn, rep_ids=rep_ids, start=start, end=end, sources=sources
            )
            events = judge_store.fetch_device_events(conn, rep_ids=rep_ids, start=start, end=end)
        events_by_rep: dict[str, list[tuple[float, str, str]]] = defaultdict(list)
        for e in events:
            events_by_rep[e["rep_id"]].append((e["t_s"], e["kind"], e["device_id"]))
        with engine.connect() as conn:
            facts = fact_store.compute_rep_day_facts(
                conn, start=day, end=day, scope=Scope.system(), rep_ids=[r["rep_id"] for r in rows]
            )
        facts_by_rep = {
            rec["rep_id"]: rec
            for rec in facts[["rep_id", *fact_store.ROLLUP_FACTS]].to_dict("records")
        }
        by_rep = _split_by_rep(fixes)
        offsets = _offsets(fixes[0])
        empty = np.empty((0, 4))
        for row in rows:
            arr = by_rep.get(row["rep_id"], empty)
            first_row = offsets.get(row["rep_id"], 0)
            devices += _device_rows(
                row,
                day,
                arr,
                sources[first_row : first_row + len(arr)],
                events_by_rep.get(row["rep_id"], []),
                config.authenticity,
                now,
            )
            # km = the day's trips (contract §3 tracked distance), not the raw track length.
            track = analyze_day(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], config=config.tracks)
            first, last = (
                (int(arr[:, 0].argmin()), int(arr[:, 0].argmax())) if len(arr) else (None, None)
            )
            out.append(
                {
                    "rep_id": row["rep_id"],
                    "local_date": day,
                    "version": row["version"],
                    "fixes": len(arr),
                    "first_fix_at": _instant(arr, first),
                    "last_fix_at": _instant(arr, last),
                    "km": stored_km(track.km),
                    "computed_at": now,
                    **_visit_facts(facts_by_rep.get(row["rep_id"])),
                }
            )
    return out, devices


def _device_rows(row, day, arr: np.ndarray, sources, events, config, now) -> list[dict]:
    """The data-quality records (contract §2a) of one rep-day's devices."""
    if not len(arr):
        return []
    tz = contract.zone(row["timezone"])
    work = tuple(
        datetime.combine(day, time.fromisoformat(row[k]), tzinfo=tz).timestamp()
        for k in ("work_start", "work_end")
    )
    order = np.argsort(arr[:, 0], kind="stable")  # ids are not needed: sort by time only
    fixes = auth.Fixes(
        order.tolist(),
        arr[order, 0],
        arr[order, 1],
        arr[order, 2],
        arr[order, 3],
        np.zeros(len(arr), dtype=bool),
        [sources[i][0] or "" for i in order.tolist()],
        [sources[i][1] for i in order.tolist()],
    )
    return [
        {
            "rep_id": row["rep_id"],
            "local_date": day,
            "device_id": rec.device_id,
            "fixes": rec.fixes,
            "coarse": rec.coarse,
            "coarse_jumps": rec.coarse_jumps,
            "cached_runs": rec.cached_runs,
            "gaps": rec.gaps,
            "accuracy_hist": rec.accuracy_hist,
            "median_accuracy_m": rec.median_accuracy_m,
            "computed_at": now,
        }
        for rec in quality.assess_rep_day(fixes, events, work, config)  # type: ignore[arg-type]
    ]


def _offsets(reps: list[str]) -> dict[str, int]:
    """The first row of each rep in rows grouped by rep."""
    out: dict[str, int] = {}
    for i, rep in enumerate(reps):
        out.setdefault(rep, i)
    return out


def _visit_facts(rec) -> dict:
    """The rollup's visit columns of one rep-day (zeros for a day without any)."""
    if rec is None:
        return {name: 0 for name in fact_store.ROLLUP_FACTS}
    return {name: rec[name] for name in fact_store.ROLLUP_FACTS}


def _split_by_rep(fixes: tuple[list[str], np.ndarray]) -> dict[str, np.ndarray]:
    """Rows grouped by rep (as fetched) → one (n, 4) array of t, lat, lon, accuracy per rep."""
    reps, values = fixes
    out: dict[str, np.ndarray] = {}
    start = 0
    for end in range(1, len(reps) + 1):
        if end == len(reps) or reps[end] != reps[start]:
            out[reps[start]] = values[start:end]
            start = end
    return out


def _instant(arr: np.ndarray, index: int | None) -> datetime | None:
    if index is None:
        return None
    return datetime.fromtimestamp(round(float(arr[index, 0]), 6), tz=UTC)

"""Visit tasks (contract §5): generate the day's tasks, close them by effective visits, export
them, and the daily step of the background work.

- ``generate(engine, on=D)`` gives every due customer without an open task one open task for its
  owner (an orphan's has none), due on its rhythm base + interval; the database's unique keys
  make it idempotent, also with several processes generating at once. It first points the open
  tasks at their customers' current owners (owner changes by ingest, deactivated reps).
- ``close_done(engine)`` marks done every open task whose customer had an effective visit on or
  after the task's creation (by anyone), with that visit.
- ``export_rows`` gives contract §5's task objects: every task as it stands today, or, with a
  date, the tasks created by then as they stood on that date.
- ``background_step`` runs inside the background pass (``dashboard.services.background``):
  after a pass that stored visits it closes tasks; once per local date it generates the day's
  tasks and judges FREQUENCY_MISS (``dashboard.services.frequency``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from dashboard import contract
from dashboard import tasks as core
from dashboard.frequency import GRADES, FrequencyConfig
from dashboard.services.settings import frequency_config_of
from data_access import quality as meta_store
from data_access import tasks as store

logger = logging.getLogger("dashboard.background")

# app_meta key: the local date (ordinal) the daily task generation last ran for.
DAILY_KEY = "tasks_generated_on"
DEFAULT_TIMEZONE = "Asia/Shanghai"
_timezone = DEFAULT_TIMEZONE


def configure(timezone: str) -> None:
    """Set the company's time zone (``COCKPIT_TIMEZONE``): what "today" means for the daily
    generation of this process (set once at start by the web app and the worker)."""
    global _timezone
    contract.zone(timezone)  # refuses an unknown zone
    _timezone = timezone


def company_today(now: datetime, timezone: str | None = None) -> date:
    """The local date of ``now`` in the company's time zone."""
    return now.astimezone(contract.zone(timezone or _timezone)).date()


@dataclass
class GenerateResult:
    """What one generation did: the date, customers due without an open task, tasks created
    (the rest were created meanwhile by another process)."""

    date: str
    due: int = 0
    created: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rhythm(row: dict[str, Any]) -> core.Rhythm:
    return core.Rhythm(
        row["customer_id"],
        row["grade"],
        row["owner_rep_id"],
        row["region_id"],
        row["last_visit"],
        row["since"],
    )


def generate_on(
    conn: Connection, *, on: date, config: FrequencyConfig, now: datetime
) -> GenerateResult:
    """``generate`` on an open connection (in the caller's transaction).

    The database computes the due list (``store.due_task_select``: the definition of
    ``core.plan_tasks``, which the tests hold it to) and inserts it from a staging table in
    one statement, so no row of the 150,000 customers travels through Python."""
    # Open tasks follow their customer's owner (an owner changed by ingest, a rep deactivated).
    store.retarget_open_tasks(conn, now=now)
    due = store.stage_due_tasks(
        conn, on=on, due_after_days={grade: config.due_after_days(grade) for grade in GRADES}
    )
    created = store.insert_staged_tasks(conn, now=now)
    return GenerateResult(on.isoformat(), due=due, created=created)


def generate(engine: Engine, *, on: date, now: datetime) -> GenerateResult:
    """Give every customer due on local date ``on`` without an open task one open task
    (idempotent: a second run for the same date creates nothing)."""
    with engine.begin() as conn:
        config = frequency_config_of(conn)
        return generate_on(conn, on=on, config=config, now=now)


def close_done(engine: Engine, *, now: datetime) -> int:
    """Mark done every open task whose customer had an effective visit on or after the task's
    creation (the first such visit); return how many."""
    with engine.begin() as conn:
        open_tasks, visits = store.fetch_open_task_visits(conn)
        if not open_tasks:
            return 0
        found = core.first_visits(
            [(t["id"], t["created"]) for t in open_tasks],
            [(x["id"], x["customer_id"], x["local_date"], x["ts"].timestamp()) for x in visits],
            {t["id"]: t["customer_id"] for t in open_tasks},
        )
        return store.close_tasks(conn, found, now=now)


def export_rows(
    engine: Engine,
    *,
    today: date,
    on: date | None = None,
    rep_id: str | None = None,
    region_id: str | None = None,
    statuses: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Contract §5's task objects (``core.EXPORT_FIELDS``), by due date then id: without
    ``on`` every task as it stands on ``today``; with it the tasks created by then, as they
    stood on ``on`` (done only by a visit on or before it). Optionally one rep's or one
    region's, and only some statuses."""
    unknown = sorted(set(statuses) - set(core.STATUSES))
    if unknown:
        raise ValueError(f"status: {unknown[0]!r} is not one of {', '.join(core.STATUSES)}")
    day = today if on is None else on
    with engine.connect() as conn:
        config = frequency_config_of(conn)
        rows = store.fetch_tasks(conn, on=on, rep_id=rep_id, region_id=region_id)
        waiting = {row["customer_id"] for row in rows if not _done_by(row, day)}
        rhythms = store.fetch_rhythms(conn, on=day, customer_ids=waiting) if waiting else {}
    out = []
    for row in rows:
        rhythm = rhythms.get(row["customer_id"])
        overdue = rhythm is not None and core.is_overdue(_rhythm(rhythm), on=day, config=config)
        status = core.status_on(row["status"], row["done_on"], customer_overdue=overdue, on=day)
        if statuses and status not in statuses:
            continue
        out.append(
            {
                "id": row["id"],
                "customer_id": row["customer_id"],
                "rep_id": row["rep_id"],
                "grade": row["grade"],
                "created": row["created"].isoformat(),
                "due": row["due"].isoformat(),
                "status": status,
                "visit_id": row["visit_id"] if status == "done" else None,
            }
        )
    return out


def _done_by(row: dict[str, Any], day: date) -> bool:
    return row["status"] == "done" and row["done_on"] is not None and row["done_on"] <= day


# ------------------------------------------------------------------ the background step


def daily_pending(engine: Engine, *, now: datetime) -> bool:
    """Has today's task generation (and frequency judging) not run yet?"""
    with engine.connect() as conn:
        done = meta_store.fetch_version(conn, DAILY_KEY)
    return done is None or done < company_today(now).toordinal()


def background_step(engine: Engine, *, now: datetime, visits_changed: bool) -> dict[str, Any]:
    """The tasks' part of a background pass (run under the pass lock, so one process at a
    time): close tasks after visits changed; generate the day's tasks and judge FREQUENCY_MISS
    once per local date."""
    from dashboard.services import frequency

    out: dict[str, Any] = {}
    if visits_changed:
        out["closed"] = close_done(engine, now=now)
    if daily_pending(engine, now=now):
        today = company_today(now)
        out["closed"] = out.get("closed", 0) + close_done(engine, now=now)
        out["generated"] = generate(engine, on=today, now=now).as_dict()
        out["frequency"] = frequency.judge_frequency(engine, until=today, now=now).as_dict()
        with engine.begin() as conn:
            meta_store.store_version(conn, DAILY_KEY, today.toordinal())
        logger.info("daily tasks for %s: %s", today, out)
    return out


def utc_now() -> datetime:
    return datetime.now(UTC)

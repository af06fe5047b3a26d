"""Rep-days whose rollup refresh or judging failed, kept apart so the rest goes on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema


def record_failures(
    conn: Connection, stage: str, failures: Sequence[Mapping[str, Any]], *, now: datetime
) -> None:
    """Store (replace) failures of a stage: each has rep_id, local_date, version, error.

    A failed refresh also clears the day's dirty flag (unless it changed meanwhile), so the
    next run does not retry it forever; a later ingest touching the day marks it dirty again.
    """
    if not failures:
        return
    f = schema.rep_day_failures
    rd = schema.rep_days
    for item in failures:
        key = (f.c.rep_id == item["rep_id"], f.c.local_date == item["local_date"])
        conn.execute(f.delete().where(*key, f.c.stage == stage))
        conn.execute(
            f.insert().values(
                rep_id=item["rep_id"],
                local_date=item["local_date"],
                stage=stage,
                version=item["version"],
                error=str(item["error"])[:2000],
                failed_at=now,
            )
        )
        if stage == "refresh" and item["version"] is not None:
            conn.execute(
                rd.update()
                .where(
                    rd.c.rep_id == item["rep_id"],
                    rd.c.local_date == item["local_date"],
                    rd.c.version == item["version"],
                )
                .values(dirty=False)
            )


def clear_failures(conn: Connection, stage: str, pairs: Iterable[tuple[str, date]]) -> None:
    """Forget the failures of a stage for rep-days that have now succeeded."""
    f = schema.rep_day_failures
    by_date: dict[date, list[str]] = {}
    for rep, day in pairs:
        by_date.setdefault(day, []).append(rep)
    if not by_date:
        return
    if conn.execute(sa.select(sa.func.count()).select_from(f)).scalar_one() == 0:
        return  # the common case: nothing has ever failed
    for day, reps in by_date.items():
        for start in range(0, len(reps), 500):
            conn.execute(
                f.delete().where(
                    f.c.stage == stage,
                    f.c.local_date == day,
                    f.c.rep_id.in_(reps[start : start + 500]),
                )
            )


def fetch_failures(conn: Connection, *, limit: int = 200) -> list[Mapping[str, Any]]:
    """Return the stored failures, newest first."""
    f = schema.rep_day_failures
    stmt = sa.select(f).order_by(f.c.failed_at.desc(), f.c.rep_id).limit(limit)
    return list(conn.execute(stmt).mappings())

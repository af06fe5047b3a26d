"""Retention of raw GPS fixes (issue 20): which fixes are old, batched deletes, what is kept.

The purge deletes ``gps_fixes`` rows by primary-key ranges, a few thousand per transaction, so
an ingest writing new fixes meanwhile never waits on it for long. What a purged rep-day keeps
lives in ``purged_rep_days`` (the purge record) and ``kept_stops`` (its stay points).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_access import schema

fx = schema.gps_fixes
rd = schema.rep_days
pr = schema.purged_rep_days
ks = schema.kept_stops

Pair = tuple[str, date]


def fetch_rep_zones(conn: Connection) -> dict[str, str]:
    """Every rep's time zone (a rep-day's local date is in it)."""
    r = schema.reps
    return {row.id: row.timezone for row in conn.execute(sa.select(r.c.id, r.c.timezone))}


def fetch_old_fixes(
    conn: Connection, *, rep_id: str, before: datetime
) -> list[tuple[str, datetime]]:
    """(id, ts) of a rep's fixes earlier than ``before``, by id."""
    stmt = (
        sa.select(fx.c.id, fx.c.ts).where(fx.c.rep_id == rep_id, fx.c.ts < before).order_by(fx.c.id)
    )
    return [(row.id, row.ts) for row in conn.execute(stmt)]


def fetch_reps_with_fixes_before(conn: Connection, before: datetime) -> list[str]:
    """The reps with at least one fix before ``before`` (any zone's cut-off is within a day)."""
    stmt = sa.select(fx.c.rep_id).where(fx.c.ts < before).distinct().order_by(fx.c.rep_id)
    return [row.rep_id for row in conn.execute(stmt)]


def fetch_rollup_states(conn: Connection, pairs: Iterable[Pair]) -> dict[Pair, Mapping[str, Any]]:
    """dirty, version and judged_version of the given rep-days' rollups."""
    wanted = set(pairs)
    out: dict[Pair, Mapping[str, Any]] = {}
    for rep in sorted({p[0] for p in wanted}):
        days = sorted(d for r, d in wanted if r == rep)
        stmt = sa.select(
            rd.c.rep_id, rd.c.local_date, rd.c.dirty, rd.c.version, rd.c.judged_version
        ).where(rd.c.rep_id == rep, rd.c.local_date.in_(days))
        for row in conn.execute(stmt).mappings():
            out[(row["rep_id"], row["local_date"])] = row
    return out


def fetch_purged(
    conn: Connection, pairs: Iterable[Pair] | None = None
) -> dict[Pair, Mapping[str, Any]]:
    """The purge records of the given rep-days (all of them when ``pairs`` is None)."""
    stmt = sa.select(pr)
    if pairs is None:
        return {(r["rep_id"], r["local_date"]): r for r in conn.execute(stmt).mappings()}
    wanted = set(pairs)
    out: dict[Pair, Mapping[str, Any]] = {}
    for rep in sorted({p[0] for p in wanted}):
        days = sorted(d for r, d in wanted if r == rep)
        rows = conn.execute(stmt.where(pr.c.rep_id == rep, pr.c.local_date.in_(days))).mappings()
        out.update({(r["rep_id"], r["local_date"]): r for r in rows})
    return out


def fetch_purged_day(conn: Connection, *, rep_id: str, day: date) -> Mapping[str, Any] | None:
    """One rep-day's purge record, or None."""
    return (
        conn.execute(sa.select(pr).where(pr.c.rep_id == rep_id, pr.c.local_date == day))
        .mappings()
        .first()
    )


def fetch_kept_stops(conn: Connection, *, rep_id: str, day: date) -> list[Mapping[str, Any]]:
    """The stay points kept for a purged rep-day, in order."""
    stmt = sa.select(ks).where(ks.c.rep_id == rep_id, ks.c.local_date == day).order_by(ks.c.n)
    return list(conn.execute(stmt).mappings())


def fetch_rollup(conn: Connection, *, rep_id: str, day: date) -> Mapping[str, Any] | None:
    """One rep-day's rollup row, or None."""
    return (
        conn.execute(sa.select(rd).where(rd.c.rep_id == rep_id, rd.c.local_date == day))
        .mappings()
        .first()
    )


def fetch_rollups(conn: Connection, pairs: Iterable[Pair]) -> dict[Pair, Mapping[str, Any]]:
    """The rollup rows of the given rep-days."""
    wanted = set(pairs)
    out: dict[Pair, Mapping[str, Any]] = {}
    for rep in sorted({p[0] for p in wanted}):
        days = sorted(d for r, d in wanted if r == rep)
        rows = conn.execute(sa.select(rd).where(rd.c.rep_id == rep, rd.c.local_date.in_(days)))
        out.update({(r["rep_id"], r["local_date"]): r for r in rows.mappings()})
    return out


def store_kept_stops(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Replace the kept stay points of the rep-days named in ``rows``' (rep_id, local_date)."""
    for rep, day in sorted({(r["rep_id"], r["local_date"]) for r in rows}):
        conn.execute(ks.delete().where(ks.c.rep_id == rep, ks.c.local_date == day))
    if rows:
        conn.execute(ks.insert(), list(rows))


def record_purged(
    conn: Connection, counts: Mapping[Pair, int], *, now: datetime, retention_days: int
) -> None:
    """Add the purge records of these rep-days; a rep-day purged before (a late fix) keeps its
    first date and retention and adds the fixes deleted now."""
    known = fetch_purged(conn, counts)
    for (rep, day), n in sorted(counts.items()):
        if (rep, day) in known:
            conn.execute(
                pr.update()
                .where(pr.c.rep_id == rep, pr.c.local_date == day)
                .values(fixes=pr.c.fixes + n)
            )
        else:
            conn.execute(
                pr.insert().values(
                    rep_id=rep,
                    local_date=day,
                    purged_at=now,
                    retention_days=retention_days,
                    fixes=n,
                )
            )


def delete_fixes(engine: Engine, ids: Sequence[str], *, batch: int) -> int:
    """Delete the fixes ``ids`` (sorted), ``batch`` per transaction by primary-key range;
    return how many rows went. Each range is bounded by the ids found, so a fix stored
    meanwhile inside a range is deleted only if it was listed."""
    deleted = 0
    for i in range(0, len(ids), batch):
        chunk = ids[i : i + batch]
        with engine.begin() as conn:
            result = conn.execute(
                fx.delete().where(fx.c.id >= chunk[0], fx.c.id <= chunk[-1], fx.c.id.in_(chunk))
            )
            deleted += result.rowcount or 0
    return deleted


def last_purge(conn: Connection) -> dict[str, Any] | None:
    """The latest retention purge (``purged_rep_days``): when, how many rep-days and fixes it
    removed; None before the first purge."""
    p = schema.purged_rep_days
    at = conn.execute(sa.select(sa.func.max(p.c.purged_at))).scalar()
    if at is None:
        return None
    stmt = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(p.c.fixes), 0)).where(
        p.c.purged_at == at
    )
    rep_days, fixes = conn.execute(stmt).one()
    return {"at": at, "rep_days": int(rep_days), "fixes": int(fixes)}

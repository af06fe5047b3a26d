"""Device data-quality records (contract §2a) and the versions of derived data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.frames import chunks
from data_access.scope import Scope, rep_conditions, scoped_rep_ids

dd = schema.device_days
_CHUNK = 500


def replace_device_days(
    conn: Connection, keys: Iterable[tuple[str, date]], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Replace the records of the (rep_id, local_date) keys by ``rows`` (a day may lose one)."""
    by_date: dict[date, list[str]] = {}
    for rep, day in set(keys):
        by_date.setdefault(day, []).append(rep)
    for day, reps in by_date.items():
        for chunk in chunks(sorted(reps), _CHUNK):
            conn.execute(dd.delete().where(dd.c.local_date == day, dd.c.rep_id.in_(chunk)))
    for chunk in chunks(list(rows), 1000):
        conn.execute(dd.insert(), [dict(r) for r in chunk])


_COLUMNS = (
    dd.c.rep_id,
    dd.c.local_date,
    dd.c.device_id,
    dd.c.fixes,
    dd.c.coarse,
    dd.c.coarse_jumps,
    dd.c.cached_runs,
    dd.c.gaps,
    dd.c.accuracy_hist,
    dd.c.median_accuracy_m,
)


def fetch_device_days(
    conn: Connection,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
) -> list[Mapping[str, Any]]:
    """Return the records of the period (both bounds inclusive) of the reps in the scope and
    the optional region/team/rep filter, by device, rep and date, each with the rep's name
    (``rep_name``)."""
    r = schema.reps
    stmt = sa.select(*_COLUMNS, r.c.name.label("rep_name")).outerjoin(r, r.c.id == dd.c.rep_id)
    if date_from is not None:
        stmt = stmt.where(dd.c.local_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(dd.c.local_date <= date_to)
    if rep_conditions(scope, region=region, team=team, rep=rep):  # else every rep: no look-up
        stmt = stmt.where(dd.c.rep_id.in_(scoped_rep_ids(scope, region=region, team=team, rep=rep)))
    stmt = stmt.order_by(dd.c.device_id, dd.c.rep_id, dd.c.local_date)
    return list(conn.execute(stmt).mappings())


def fetch_devices_of(conn: Connection, *, rep_id: str, day: date) -> list[Mapping[str, Any]]:
    """Return the devices' records of one rep-day."""
    stmt = (
        sa.select(*_COLUMNS)
        .where(dd.c.rep_id == rep_id, dd.c.local_date == day)
        .order_by(dd.c.device_id)
    )
    return list(conn.execute(stmt).mappings())


# ------------------------------------------------------------------ versions of derived data


def fetch_version(conn: Connection, key: str) -> int | None:
    m = schema.app_meta
    return conn.execute(sa.select(m.c.value).where(m.c.key == key)).scalar_one_or_none()


def store_version(conn: Connection, key: str, value: int) -> None:
    m = schema.app_meta
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(m).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def mark_all_dirty(conn: Connection) -> int:
    """Flag every rollup for recomputation (its version unchanged: nothing new arrived)."""
    rd = schema.rep_days
    return conn.execute(rd.update().values(dirty=True)).rowcount


def mark_all_unjudged(conn: Connection) -> int:
    """Forget the version every rep-day was judged at, so the judge looks at each again."""
    rd = schema.rep_days
    return conn.execute(rd.update().values(judged_version=None)).rowcount

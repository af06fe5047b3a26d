"""Bulk reads and writes of the judge: the raw records of a set of rep-days, the alerts and
expense flags stored for them, and idempotent upserts that never reset triage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.frames import chunks
from data_access.records import epoch_seconds

_CHUNK = 500


def _seconds(conn: Connection, column) -> sa.ColumnElement:
    """A timestamp column read as epoch seconds (PostgreSQL) or raw UTC text (SQLite)."""
    if conn.dialect.name == "sqlite":
        return sa.type_coerce(column, sa.String)
    return epoch_seconds(conn, column)


def _raw(conn: Connection, stmt) -> list[tuple]:
    """Execute and fetch plain DB-API tuples (no Row objects: the columns need no processing)."""
    return conn.execute(stmt).cursor.fetchall()


def _to_seconds(conn: Connection, values: Sequence[Any]) -> np.ndarray:
    if not len(values):
        return np.empty(0)
    if conn.dialect.name == "sqlite":
        return np.array(values, dtype="datetime64[us]").astype("int64") / 1e6
    return np.asarray(values, dtype=float)


# ------------------------------------------------------------------ rep-days to judge


def fetch_rep_days(
    conn: Connection, *, date_from: date | None = None, date_to: date | None = None
) -> list[Mapping[str, Any]]:
    """Return (rep_id, local_date, version) of every rollup row in the period."""
    rd = schema.rep_days
    stmt = sa.select(rd.c.rep_id, rd.c.local_date, rd.c.version)
    if date_from is not None:
        stmt = stmt.where(rd.c.local_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(rd.c.local_date <= date_to)
    return list(conn.execute(stmt.order_by(rd.c.local_date, rd.c.rep_id)).mappings())


def fetch_unjudged_rep_days(
    conn: Connection, *, limit: int | None = None
) -> list[Mapping[str, Any]]:
    """Return rep-days changed since they were last judged (judged_version behind version)."""
    rd = schema.rep_days
    stmt = (
        sa.select(rd.c.rep_id, rd.c.local_date, rd.c.version)
        .where(sa.or_(rd.c.judged_version.is_(None), rd.c.judged_version != rd.c.version))
        .order_by(rd.c.local_date, rd.c.rep_id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(conn.execute(stmt).mappings())


def pending_work(conn: Connection) -> dict[str, bool]:
    """Tell whether any rollup is dirty and whether any rep-day waits to be judged (two cheap
    EXISTS probes: what a background worker polls)."""
    rd = schema.rep_days
    dirty = sa.exists().where(rd.c.dirty.is_(True))
    unjudged = sa.exists().where(
        sa.or_(rd.c.judged_version.is_(None), rd.c.judged_version != rd.c.version)
    )
    row = conn.execute(sa.select(dirty.label("dirty"), unjudged.label("unjudged"))).one()
    return {"dirty": bool(row.dirty), "unjudged": bool(row.unjudged)}


def fetch_versions(conn: Connection, pairs: Iterable[tuple[str, date]]) -> dict[tuple, int]:
    """Return the current version of each known (rep_id, local_date)."""
    rd = schema.rep_days
    by_date: dict[date, list[str]] = {}
    for rep, day in pairs:
        by_date.setdefault(day, []).append(rep)
    out: dict[tuple, int] = {}
    for day, reps in by_date.items():
        for chunk in chunks(sorted(set(reps)), _CHUNK):
            stmt = sa.select(rd.c.rep_id, rd.c.version).where(
                rd.c.local_date == day, rd.c.rep_id.in_(chunk)
            )
            for rep, version in conn.execute(stmt):
                out[(rep, day)] = version
    return out


def mark_judged(conn: Connection, versions: Mapping[tuple[str, date], int]) -> None:
    """Record the version each rep-day was judged at."""
    rd = schema.rep_days
    stmt = (
        rd.update()
        .where(rd.c.rep_id == sa.bindparam("b_rep"), rd.c.local_date == sa.bindparam("b_date"))
        .values(judged_version=sa.bindparam("b_version"))
    )
    # In key order, as every writer of rep_days rows does: concurrent writers never deadlock.
    params = [{"b_rep": r, "b_date": d, "b_version": v} for (r, d), v in sorted(versions.items())]
    for chunk in chunks(params, 1000):
        conn.execute(stmt, list(chunk))


# ------------------------------------------------------------------ raw records


def fetch_reps(conn: Connection, rep_ids: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    """Return per rep: timezone, work_start, work_end."""
    r = schema.reps
    out = {}
    for chunk in chunks(sorted(set(rep_ids)), _CHUNK):
        stmt = sa.select(r.c.id, r.c.timezone, r.c.work_start, r.c.work_end).where(
            r.c.id.in_(chunk)
        )
        for row in conn.execute(stmt).mappings():
            out[row["id"]] = row
    return out


def fetch_fixes(
    conn: Connection, *, rep_ids: Sequence[str], start: datetime, end: datetime
) -> dict[str, Any]:
    """Return the reps' fixes in [start, end) ordered by rep and time, as parallel columns:
    rep_id, id, device_id, provider (lists), t_s, lat, lon, accuracy_m (float arrays), mock (bool
    array)."""
    g = schema.gps_fixes
    cols: dict[str, list] = {
        k: [] for k in ("rep_id", "id", "device_id", "t", "lat", "lon", "acc", "mock", "provider")
    }
    for chunk in chunks(sorted(set(rep_ids)), _CHUNK):
        stmt = (
            sa.select(
                g.c.rep_id,
                g.c.id,
                g.c.device_id,
                _seconds(conn, g.c.ts),
                g.c.lat,
                g.c.lon,
                g.c.accuracy_m,
                g.c.mock,
                g.c.provider,
            )
            .where(g.c.rep_id.in_(chunk), g.c.ts >= start, g.c.ts < end)
            # (rep_id, ts) is the index's order: no sort step. Equal times are ordered by id later.
            .order_by(g.c.rep_id, g.c.ts)
        )
        rows = _raw(conn, stmt)
        if not rows:
            continue
        # One comprehension per column: much faster than zip(*rows) on 10^5 rows.
        for i, key in enumerate(cols):
            cols[key].extend([row[i] for row in rows])
    return {
        "rep_id": cols["rep_id"],
        "id": cols["id"],
        "device_id": cols["device_id"],
        "t_s": _to_seconds(conn, cols["t"]),
        "lat": np.asarray(cols["lat"], float),
        "lon": np.asarray(cols["lon"], float),
        "accuracy_m": np.asarray(cols["acc"], float),
        "mock": np.asarray(cols["mock"], bool),
        "provider": cols["provider"],
    }


def fetch_device_events(
    conn: Connection, *, rep_ids: Sequence[str], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Return the reps' device events in [start, end): id, rep_id, device_id, t_s, kind."""
    e = schema.device_events
    out = []
    for chunk in chunks(sorted(set(rep_ids)), _CHUNK):
        stmt = sa.select(e.c.id, e.c.rep_id, e.c.device_id, _seconds(conn, e.c.ts), e.c.kind).where(
            e.c.rep_id.in_(chunk), e.c.ts >= start, e.c.ts < end
        )
        rows = conn.execute(stmt).all()
        secs = _to_seconds(conn, [row[3] for row in rows])
        out += [
            {"id": r[0], "rep_id": r[1], "device_id": r[2], "t_s": float(t), "kind": r[4]}
            for r, t in zip(rows, secs, strict=True)
        ]
    return out


def fetch_visits(
    conn: Connection, *, rep_ids: Sequence[str], dates: Sequence[date]
) -> list[dict[str, Any]]:
    """Return the check-ins of the reps on the local dates, with their customer's city."""
    v, c = schema.visits, schema.customers
    out = []
    for chunk in chunks(sorted(set(rep_ids)), _CHUNK):
        stmt = (
            sa.select(
                v.c.id,
                v.c.rep_id,
                v.c.device_id,
                v.c.customer_id,
                _seconds(conn, v.c.ts),
                v.c.local_date,
                v.c.lat,
                v.c.lon,
                v.c.accuracy_m,
                v.c.mock,
                c.c.city,
            )
            .join(c, c.c.id == v.c.customer_id)
            .where(v.c.rep_id.in_(chunk), v.c.local_date.in_(sorted(set(dates))))
        )
        rows = conn.execute(stmt).all()
        secs = _to_seconds(conn, [row[4] for row in rows])
        for r, t in zip(rows, secs, strict=True):
            out.append(
                {
                    "id": r[0],
                    "rep_id": r[1],
                    "device_id": r[2],
                    "customer_id": r[3],
                    "t_s": float(t),
                    "local_date": r[5],
                    "lat": r[6],
                    "lon": r[7],
                    "accuracy_m": r[8],
                    "mock": bool(r[9]),
                    "city": r[10],
                }
            )
    return out


def fetch_check_outs(conn: Connection, visit_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Return the check-outs of the visits."""
    co = schema.check_outs
    out = []
    for chunk in chunks(sorted(set(visit_ids)), 2000):
        stmt = sa.select(
            co.c.id,
            co.c.visit_id,
            _seconds(conn, co.c.ts),
            co.c.lat,
            co.c.lon,
            co.c.accuracy_m,
            co.c.mock,
        ).where(co.c.visit_id.in_(chunk))
        rows = conn.execute(stmt).all()
        secs = _to_seconds(conn, [row[2] for row in rows])
        out += [
            {
                "id": r[0],
                "visit_id": r[1],
                "t_s": float(t),
                "lat": r[3],
                "lon": r[4],
                "accuracy_m": r[5],
                "mock": bool(r[6]),
            }
            for r, t in zip(rows, secs, strict=True)
        ]
    return out


def fetch_photos(conn: Connection, visit_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Return the photos of the visits: id, visit_id, taken_at_s, sha256, phash."""
    p = schema.photos
    out = []
    for chunk in chunks(sorted(set(visit_ids)), 2000):
        stmt = sa.select(
            p.c.id, p.c.visit_id, _seconds(conn, p.c.taken_at), p.c.sha256, p.c.phash
        ).where(p.c.visit_id.in_(chunk))
        rows = conn.execute(stmt).all()
        secs = _to_seconds(conn, [row[2] for row in rows])
        out += [
            {"id": r[0], "visit_id": r[1], "taken_at_s": float(t), "sha256": r[3], "phash": r[4]}
            for r, t in zip(rows, secs, strict=True)
        ]
    return out


def fetch_photo_hashes(conn: Connection) -> list[dict[str, Any]]:
    """Return every stored photo's hashes with its visit's rep, customer, time and local date."""
    return _photo_hashes(conn, None)


def fetch_photo_hashes_of(conn: Connection, visit_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Return the hashes of the photos of the visits (as ``fetch_photo_hashes``)."""
    out: list[dict[str, Any]] = []
    for chunk in chunks(sorted(set(visit_ids)), 2000):
        out += _photo_hashes(conn, chunk)
    return out


def fetch_photo_hashes_by_id(conn: Connection, photo_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Return the hashes of the photos (as ``fetch_photo_hashes``)."""
    out: list[dict[str, Any]] = []
    for chunk in chunks(sorted(set(photo_ids)), 2000):
        out += _photo_hashes(conn, None, schema.photos.c.id.in_(chunk))
    return out


def fetch_photo_hashes_since(conn: Connection, received: datetime) -> list[dict[str, Any]]:
    """Return the hashes of the photos received at or after ``received``."""
    return _photo_hashes(conn, None, schema.photos.c.received_at >= received)


def photo_census(conn: Connection) -> tuple[int, datetime | None]:
    """How many photos are stored, and the newest ``received_at`` among them."""
    p = schema.photos
    count, newest = conn.execute(sa.select(sa.func.count(), sa.func.max(p.c.received_at))).one()
    return int(count), schema.UtcDateTime().process_result_value(newest, conn.dialect)


def fetch_photo_ids(conn: Connection) -> set[str]:
    """Every stored photo's id."""
    return set(conn.execute(sa.select(schema.photos.c.id)).scalars())


def _photo_hashes(
    conn: Connection, visit_ids: Sequence[str] | None, where: Any = None
) -> list[dict[str, Any]]:
    p, v = schema.photos, schema.visits
    stmt = sa.select(
        p.c.id,
        p.c.visit_id,
        p.c.sha256,
        p.c.phash,
        v.c.rep_id,
        v.c.customer_id,
        _seconds(conn, v.c.ts),
        v.c.local_date,
    ).join(v, v.c.id == p.c.visit_id)
    if visit_ids is not None:
        stmt = stmt.where(p.c.visit_id.in_(visit_ids))
    if where is not None:
        stmt = stmt.where(where)
    rows = conn.execute(stmt).all()
    secs = _to_seconds(conn, [row[6] for row in rows])
    return [
        {
            "id": r[0],
            "visit_id": r[1],
            "sha256": r[2],
            "phash": r[3],
            "rep_id": r[4],
            "customer_id": r[5],
            "visit_t_s": float(t),
            "local_date": r[7],
        }
        for r, t in zip(rows, secs, strict=True)
    ]


def fetch_customers(conn: Connection, ids: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    """Return per customer id: name, lat, lon, geofence_m, city."""
    c = schema.customers
    out = {}
    for chunk in chunks(sorted(set(ids)), 2000):
        stmt = sa.select(c.c.id, c.c.name, c.c.lat, c.c.lon, c.c.geofence_m, c.c.city).where(
            c.c.id.in_(chunk)
        )
        for row in conn.execute(stmt).mappings():
            out[row["id"]] = row
    return out


_CLAIM_COLS = (
    "id",
    "rep_id",
    "date",
    "category",
    "amount",
    "claimed_km",
    "city",
    "customer_id",
    "receipt_sha256",
    "received_at",
    "arrival_seq",
)


def _claims(conn: Connection, where) -> list[Mapping[str, Any]]:
    e = schema.expenses
    return list(conn.execute(sa.select(*(e.c[k] for k in _CLAIM_COLS)).where(where)).mappings())


def fetch_claims(
    conn: Connection, *, rep_ids: Sequence[str], dates: Sequence[date]
) -> list[Mapping[str, Any]]:
    """Return the reps' claims dated on the dates."""
    e = schema.expenses
    out: list[Mapping[str, Any]] = []
    for chunk in chunks(sorted(set(rep_ids)), _CHUNK):
        out += _claims(conn, sa.and_(e.c.rep_id.in_(chunk), e.c.date.in_(sorted(set(dates)))))
    return out


def fetch_claims_by_receipt(conn: Connection, receipts: Iterable[str]) -> list[Mapping[str, Any]]:
    """Return every claim whose receipt_sha256 is one of ``receipts``."""
    e = schema.expenses
    out: list[Mapping[str, Any]] = []
    for chunk in chunks(sorted(set(receipts)), 2000):
        out += _claims(conn, e.c.receipt_sha256.in_(chunk))
    return out


def fetch_device_uses(
    conn: Connection,
    *,
    start: datetime,
    end: datetime,
    rep_ids: Sequence[str] | None = None,
    devices: Sequence[str] | None = None,
) -> list[tuple]:
    """Return (device_id, rep_id, first use) in [start, end) from fixes, check-ins and device
    events: of the reps' devices with ``rep_ids``, of every rep of the ``devices`` with
    ``devices`` (an index on each table's device_id and ts), of everyone with neither."""
    if rep_ids is not None and devices is not None:
        raise ValueError("give rep_ids or devices, not both")
    out = []
    if rep_ids is not None:
        groups = [("rep_id", chunk) for chunk in chunks(sorted(set(rep_ids)), _CHUNK)]
    elif devices is not None:
        groups = [("device_id", chunk) for chunk in chunks(sorted(set(devices)), _CHUNK)]
    else:
        groups = [None]
    for t in (schema.gps_fixes, schema.visits, schema.device_events):
        for group in groups:
            stmt = (
                sa.select(t.c.device_id, t.c.rep_id, sa.func.min(t.c.ts))
                .where(t.c.ts >= start, t.c.ts < end)
                .group_by(t.c.device_id, t.c.rep_id)
            )
            if group is not None:
                column, chunk = group
                stmt = stmt.where(t.c[column].in_(chunk))
            for device, rep, first in conn.execute(stmt):
                first = schema.UtcDateTime().process_result_value(first, conn.dialect)
                out.append((device, rep, first))
    return out


def fetch_clean_rollup_km(
    conn: Connection, *, day: date, rep_ids: Sequence[str]
) -> dict[str, float]:
    """Return rep_id → km of the day's rollups that are up to date (not dirty)."""
    rd = schema.rep_days
    out: dict[str, float] = {}
    for chunk in chunks(sorted(set(rep_ids)), _CHUNK):
        stmt = sa.select(rd.c.rep_id, rd.c.km).where(
            rd.c.local_date == day, rd.c.rep_id.in_(chunk), rd.c.dirty.is_(False)
        )
        out.update({rep: float(km) for rep, km in conn.execute(stmt)})
    return out


def fetch_reps_on(conn: Connection, day: date) -> list[str]:
    """Return the reps with a rep-day row on ``day``."""
    rd = schema.rep_days
    return list(conn.execute(sa.select(rd.c.rep_id).where(rd.c.local_date == day)).scalars())


# ------------------------------------------------------------------ judgements


def _stored(
    conn: Connection,
    table: sa.Table,
    date_col: str,
    pairs: Iterable[tuple[str, date]],
    extra_ids: Iterable[str] = (),
    skip_rules: Iterable[str] = (),
) -> dict[str, Mapping[str, Any]]:
    by_date: dict[date, list[str]] = {}
    for rep, day in pairs:
        by_date.setdefault(day, []).append(rep)
    skipped = sorted(set(skip_rules))
    out: dict[str, Mapping[str, Any]] = {}
    for day, reps in by_date.items():
        for chunk in chunks(sorted(set(reps)), _CHUNK):
            stmt = sa.select(table).where(table.c[date_col] == day, table.c.rep_id.in_(chunk))
            if skipped:
                stmt = stmt.where(table.c.rule.not_in(skipped))
            for row in conn.execute(stmt).mappings():
                out[row["id"]] = row
    for chunk in chunks(sorted(set(extra_ids) - set(out)), 2000):
        for row in conn.execute(sa.select(table).where(table.c.id.in_(chunk))).mappings():
            out[row["id"]] = row
    return out


def fetch_alerts_for(
    conn: Connection,
    pairs: Iterable[tuple[str, date]],
    extra_ids: Iterable[str] = (),
    *,
    skip_rules: Iterable[str] = (),
) -> dict[str, Mapping[str, Any]]:
    """Return the stored alerts of the rep-days (and of the extra ids), by id; alerts of
    ``skip_rules`` (judged elsewhere) are left out of the rep-days'."""
    return _stored(conn, schema.alerts, "local_date", pairs, extra_ids, skip_rules)


def fetch_rule_alerts(
    conn: Connection, rule: str, *, date_from: date, date_to: date
) -> dict[str, Mapping[str, Any]]:
    """Return the stored alerts of one rule with local_date in [date_from, date_to], by id."""
    a = schema.alerts
    stmt = sa.select(a).where(a.c.rule == rule, a.c.local_date.between(date_from, date_to))
    return {row["id"]: row for row in conn.execute(stmt).mappings()}


def fetch_flags_for(
    conn: Connection, pairs: Iterable[tuple[str, date]], extra_ids: Iterable[str] = ()
) -> dict[str, Mapping[str, Any]]:
    """Return the stored expense flags of the rep-dates (and of the extra ids), by id."""
    return _stored(conn, schema.expense_flags, "date", pairs, extra_ids)


def fetch_critical_alert_ids(
    conn: Connection, pairs: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], list[str]]:
    """Return the ids of critical alerts per (rep_id, local_date)."""
    out: dict[tuple[str, date], list[str]] = {}
    for row in fetch_alerts_for(conn, pairs).values():
        if row["severity"] == "critical":
            out.setdefault((row["rep_id"], row["local_date"]), []).append(row["id"])
    return out


def _upsert(
    conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]], keep: Sequence[str]
) -> None:
    """Insert new rows; on an existing id update every column except ``keep`` (triage)."""
    if not rows:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={c.name: stmt.excluded[c.name] for c in table.c if c.name not in ("id", *keep)},
    )
    for chunk in chunks(list(rows), 1000):
        conn.execute(stmt, list(chunk))


def upsert_alerts(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store alerts; an existing alert keeps its status, assignee and creation time."""
    _upsert(conn, schema.alerts, rows, ("status", "assigned_to", "created_at"))


def upsert_flags(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store expense flags; an existing flag keeps its status and creation time."""
    _upsert(conn, schema.expense_flags, rows, ("status", "created_at"))


def delete_open(conn: Connection, table: sa.Table, ids: Iterable[str]) -> int:
    """Delete the given alerts or flags that are still open; return how many."""
    done = 0
    for chunk in chunks(sorted(set(ids)), 1000):
        done += conn.execute(
            table.delete().where(table.c.id.in_(chunk), table.c.status == "open")
        ).rowcount
    return done


def append_status_events(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append status events (subject_kind, subject_id, at, actor, action, from_status,
    to_status, note); the table is append-only."""
    if rows:
        conn.execute(schema.status_events.insert(), [dict(r) for r in rows])


def fetch_event_notes(
    conn: Connection, subject_kind: str, ids: Iterable[str], action: str
) -> dict[str, list[str]]:
    """Return the notes of the subjects' events of one action, by subject id."""
    se = schema.status_events
    out: dict[str, list[str]] = {}
    for chunk in chunks(sorted(set(ids)), 1000):
        stmt = sa.select(se.c.subject_id, se.c.note).where(
            se.c.subject_kind == subject_kind, se.c.action == action, se.c.subject_id.in_(chunk)
        )
        for subject, note in conn.execute(stmt):
            out.setdefault(subject, []).append(note or "")
    return out


# ------------------------------------------------------------------ export


def fetch_alerts(
    conn: Connection, *, date_from: date | None = None, date_to: date | None = None
) -> list[Mapping[str, Any]]:
    """Return alerts with local_date in the period, ordered by time then id."""
    a = schema.alerts
    stmt = sa.select(a)
    if date_from is not None:
        stmt = stmt.where(a.c.local_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(a.c.local_date <= date_to)
    return list(conn.execute(stmt.order_by(a.c.ts, a.c.id)).mappings())


def fetch_flags(
    conn: Connection, *, date_from: date | None = None, date_to: date | None = None
) -> list[Mapping[str, Any]]:
    """Return expense flags dated in the period, ordered by date then id."""
    f = schema.expense_flags
    stmt = sa.select(f)
    if date_from is not None:
        stmt = stmt.where(f.c.date >= date_from)
    if date_to is not None:
        stmt = stmt.where(f.c.date <= date_to)
    return list(conn.execute(stmt.order_by(f.c.date, f.c.id)).mappings())


def fetch_summary_context(
    conn: Connection, *, customer_ids: Iterable[str], rep_ids: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Return ({customer id: name}, {rep id: timezone}) of the named records: what an exported
    summary names besides its evidence."""
    c, r = schema.customers, schema.reps
    cids, rids = sorted(set(customer_ids) - {None}), sorted(set(rep_ids) - {None})
    names = (
        dict(conn.execute(sa.select(c.c.id, c.c.name).where(c.c.id.in_(cids))).all())
        if cids
        else {}
    )
    zones = (
        dict(conn.execute(sa.select(r.c.id, r.c.timezone).where(r.c.id.in_(rids))).all())
        if rids
        else {}
    )
    return names, zones

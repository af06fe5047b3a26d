"""Storage of field records: reference look-ups, upserts, insert-once bulk writes, quarantine.

The bulk path is one function, ``insert_new_rows``, with the fastest honest path of each dialect:
on PostgreSQL, rows whose ids are all new (a sampled probe finds none stored) are binary-COPied
straight into the table under a savepoint; otherwise, or when that COPY meets a stored id (or a
concurrent sender's), they go through a session-temporary staging table and one anti-join
``INSERT ... SELECT`` (``ON CONFLICT (id) DO NOTHING`` if a concurrent batch collides). SQLite:
``executemany`` of ``INSERT ... ON CONFLICT DO NOTHING`` in the caller's transaction.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.facts import ROLLUP_FACTS as _ROLLUP_FACTS
from data_access.frames import chunks

_CHUNK = 5000


# ------------------------------------------------------------------ look-ups used by validation


def existing_ids(conn: Connection, table: sa.Table, ids: Iterable[str]) -> set[str]:
    """Return the subset of ``ids`` stored in ``table``."""
    wanted = sorted(set(ids))
    found: set[str] = set()
    for chunk in chunks(wanted, _CHUNK):
        found.update(conn.execute(sa.select(table.c.id).where(table.c.id.in_(chunk))).scalars())
    return found


def _fetch_by_ids(
    conn: Connection, columns: Sequence[sa.ColumnElement], key: sa.Column, ids: Iterable[str]
) -> dict[str, Mapping[str, Any]]:
    wanted = sorted(set(ids))
    out: dict[str, Mapping[str, Any]] = {}
    for chunk in chunks(wanted, _CHUNK):
        for row in conn.execute(sa.select(key, *columns).where(key.in_(chunk))).mappings():
            out[row[key.name]] = row
    return out


def fetch_rep_context(conn: Connection, rep_ids: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    """Return, per known rep id: timezone, work_start, work_end and region_id."""
    r, t = schema.reps, schema.teams
    query_cols = (r.c.timezone, r.c.work_start, r.c.work_end, t.c.region_id)
    wanted = sorted(set(rep_ids))
    out: dict[str, Mapping[str, Any]] = {}
    for chunk in chunks(wanted, _CHUNK):
        stmt = (
            sa.select(r.c.id, *query_cols)
            .select_from(r.outerjoin(t, t.c.id == r.c.team_id))
            .where(r.c.id.in_(chunk))
        )
        for row in conn.execute(stmt).mappings():
            out[row["id"]] = row
    return out


def fetch_team_regions(conn: Connection, team_ids: Iterable[str]) -> dict[str, str]:
    """Return team id → region id for the known teams among ``team_ids``."""
    rows = _fetch_by_ids(conn, [schema.teams.c.region_id], schema.teams.c.id, team_ids)
    return {key: row["region_id"] for key, row in rows.items()}


def fetch_visit_context(conn: Connection, visit_ids: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    """Return, per stored visit id: rep_id, customer_id, ts, local_date, sop_template_id and
    sop_version."""
    v = schema.visits
    cols = [v.c.rep_id, v.c.customer_id, v.c.ts, v.c.local_date, v.c.sop_template_id]
    cols.append(v.c.sop_version)
    return _fetch_by_ids(conn, cols, v.c.id, visit_ids)


def fetch_template_steps(
    conn: Connection, template_ids: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """Return template id → its list of steps."""
    rows = _fetch_by_ids(
        conn, [schema.sop_templates.c.steps], schema.sop_templates.c.id, template_ids
    )
    return {key: row["steps"] for key, row in rows.items()}


# ------------------------------------------------------------------ writes


def upsert_rows(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    insert_only: Sequence[str] = (),
) -> int:
    """Insert or replace rows by primary key (the newest arrival wins); return the row count.

    A stored row gets the rows' columns, except ``insert_only`` (kept from its first insert);
    columns the rows do not carry keep their stored values.
    """
    if not rows:
        return 0
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(table)
    keys = [c.name for c in table.primary_key.columns]
    kept = set(keys) | set(insert_only)
    given = set(rows[0])
    updates = {
        c.name: stmt.excluded[c.name]
        for c in table.columns
        if c.name not in kept and c.name in given
    }
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_=updates)
    for chunk in chunks(rows, 1000):
        conn.execute(stmt, list(chunk))
    return len(rows)


def replace_plan_items(conn: Connection, plans: Sequence[Mapping[str, Any]]) -> None:
    """Rewrite the per-stop rows of the given plans from their customer_ids lists."""
    if not plans:
        return
    items = schema.plan_items
    for chunk in chunks([p["id"] for p in plans], _CHUNK):
        conn.execute(items.delete().where(items.c.plan_id.in_(chunk)))
    rows = [
        {"plan_id": p["id"], "seq": seq, "rep_id": p["rep_id"], "date": p["date"], "customer_id": c}
        for p in plans
        for seq, c in enumerate(p["customer_ids"])
    ]
    if rows:
        conn.execute(items.insert(), rows)


def replace_template_steps(conn: Connection, templates: Sequence[Mapping[str, Any]]) -> None:
    """Rewrite the per-step rows of the given SOP templates from their steps lists."""
    if not templates:
        return
    steps = schema.sop_template_steps
    for chunk in chunks([t["id"] for t in templates], _CHUNK):
        conn.execute(steps.delete().where(steps.c.template_id.in_(chunk)))
    rows = [
        {"template_id": t["id"], "seq": seq, "code": s["code"], "required": s["required"]}
        for t in templates
        for seq, s in enumerate(t["steps"])
    ]
    if rows:
        conn.execute(steps.insert(), rows)


def rederive_customer_regions(
    conn: Connection, *, rep_ids: Iterable[str] = (), team_ids: Iterable[str] = ()
) -> None:
    """Set customers.region_id from the owner's team again for reps or teams that changed."""
    c, r, t = schema.customers, schema.reps, schema.teams
    owners = sa.select(r.c.id).where(
        sa.or_(r.c.id.in_(sorted(set(rep_ids))), r.c.team_id.in_(sorted(set(team_ids))))
    )
    region = (
        sa.select(t.c.region_id)
        .join(r, r.c.team_id == t.c.id)
        .where(r.c.id == c.c.owner_rep_id)
        .scalar_subquery()
    )
    conn.execute(c.update().where(c.c.owner_rep_id.in_(owners)).values(region_id=region))


def fetch_customer_owners(conn: Connection, ids: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    """Return, per stored customer id: owner_rep_id and region_id."""
    c = schema.customers
    return _fetch_by_ids(conn, [c.c.owner_rep_id, c.c.region_id], c.c.id, ids)


def add_owner_history(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append owner-history rows (customer_id, from_rep_id, to_rep_id, changed_at, changed_by,
    reason, source)."""
    if rows:
        for chunk in chunks(list(rows), 1000):
            conn.execute(schema.customer_owner_history.insert(), list(chunk))


def fetch_customer_geo(conn: Connection, ids: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    """Return, per known customer id: lat, lon, geofence_m."""
    c = schema.customers
    return _fetch_by_ids(conn, [c.c.lat, c.c.lon, c.c.geofence_m], c.c.id, ids)


def refresh_checkout_times(conn: Connection, visit_ids: Iterable[str]) -> None:
    """Set each visit's checked_out_at (earliest stored check-out) and dwell_s."""
    v, co = schema.visits, schema.check_outs
    updates = []
    for chunk in chunks(sorted(set(visit_ids)), _CHUNK):
        stmt = (
            sa.select(v.c.id, v.c.ts, sa.func.min(co.c.ts).label("out"))
            .join(co, co.c.visit_id == v.c.id)
            .where(v.c.id.in_(chunk))
            .group_by(v.c.id, v.c.ts)
        )
        for row in conn.execute(stmt):
            out = schema.UtcDateTime().process_result_value(row.out, conn.dialect)
            updates.append({"b_id": row.id, "out": out, "dwell": (out - row.ts).total_seconds()})
    if updates:
        conn.execute(
            v.update()
            .where(v.c.id == sa.bindparam("b_id"))
            .values(checked_out_at=sa.bindparam("out"), dwell_s=sa.bindparam("dwell")),
            updates,
        )


def mark_rep_days_dirty(conn: Connection, keys: Iterable[tuple[str, Any]]) -> None:
    """Flag (rep_id, local_date) rollups for recomputation, creating missing rows."""
    rows = [{"rep_id": r, "local_date": d, "dirty": True} for r, d in sorted(set(keys))]
    if not rows:
        return
    rd = schema.rep_days
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(rd)
    stmt = stmt.on_conflict_do_update(
        index_elements=["rep_id", "local_date"],
        set_={"dirty": stmt.excluded.dirty, "version": rd.c.version + 1},
    )
    for chunk in chunks(rows, 1000):
        conn.execute(stmt, list(chunk))


_PG_TYPES = {
    sa.String: "text",
    sa.Text: "text",
    sa.Float: "float8",
    sa.Boolean: "bool",
    sa.Date: "date",
    sa.Numeric: "numeric",
    sa.BigInteger: "int8",
    sa.Integer: "int4",
    sa.JSON: "json",
}


def _pg_type(column: sa.Column) -> str:
    if isinstance(column.type, schema.UtcDateTime):
        return "timestamptz"
    for sa_type, name in _PG_TYPES.items():
        if isinstance(column.type, sa_type):
            return name
    raise TypeError(f"no COPY type for column {column}")


def insert_new_rows(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Any],
    *,
    columns: Sequence[str] | None = None,
) -> int:
    """Insert rows whose id is not stored yet (first arrival wins); return how many were new.

    ``rows`` are mappings by column name (every column of ``table``), or, when ``columns`` is
    given, sequences of values in that order.
    """
    if not rows:
        return 0
    if columns is None:
        columns = [c.name for c in table.columns]
        getter = operator.itemgetter(*columns)
        rows = [getter(row) for row in rows]
    else:
        columns = list(columns)
    key = columns.index("id")
    ids = [row[key] for row in rows]
    if len(set(ids)) < len(ids):
        # Duplicates inside the batch: the first arrival wins, the others never reach the database.
        seen: set[str] = set()
        unique = []
        for row in rows:
            if row[key] not in seen:
                seen.add(row[key])
                unique.append(row)
        rows = unique
        ids = [row[key] for row in rows]
    if conn.dialect.name == "postgresql":
        return _copy_new_rows(conn, table, columns, rows, ids)
    return _executemany_new_rows(conn, table, columns, rows)


def _copy_new_rows(
    conn: Connection,
    table: sa.Table,
    columns: list[str],
    rows: Sequence[Sequence[Any]],
    ids: Sequence[str],
) -> int:
    types = [_pg_type(table.c[name]) for name in columns]
    numeric = [i for i, t in enumerate(types) if t == "numeric"]

    def write_rows(copy: psycopg.Copy) -> None:
        copy.set_types(types)
        write = copy.write_row
        if numeric:
            for row in rows:
                values = list(row)
                for i in numeric:
                    if values[i] is not None:
                        values[i] = Decimal(str(values[i]))
                write(values)
        else:
            for row in rows:
                write(row)

    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        if not _any_stored(cur, table, ids):
            # The common case, fresh records: COPY straight into the table. A savepoint keeps
            # the transaction usable if an id is there after all (the probe is a sample, or a
            # concurrent sender committed it meanwhile); then the staging path sorts it out.
            try:
                with raw.transaction(), cur.copy(_copy_sql(table.name, columns)) as copy:
                    write_rows(copy)
            except psycopg.errors.UniqueViolation:
                pass
            else:
                return len(rows)
        return _copy_through_stage(cur, table, columns, write_rows)


_PROBE_IDS = 64


def _any_stored(cur: psycopg.Cursor, table: sa.Table, ids: Sequence[str]) -> bool:
    """Tell whether any of an evenly spread sample of ``ids`` is stored (one index look-up).

    Only a hint for choosing the faster path: correctness never depends on it.
    """
    step = max(1, len(ids) // _PROBE_IDS)
    sample = list(ids[::step])
    if ids[-1] not in sample:
        sample.append(ids[-1])
    # prepare=False: a plan cached while the table was small would scan it whole later.
    cur.execute(f"SELECT 1 FROM {table.name} WHERE id = ANY(%s) LIMIT 1", (sample,), prepare=False)
    return cur.fetchone() is not None


def _copy_sql(table_name: str, columns: Sequence[str]) -> str:
    return f"COPY {table_name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"


def _copy_through_stage(
    cur: psycopg.Cursor, table: sa.Table, columns: list[str], write_rows: Any
) -> int:
    """COPY into a session-temporary staging table, then insert the rows whose id is new."""
    stage = f"_stage_{table.name}"
    col_list = ", ".join(columns)
    raw = cur.connection
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
        f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    with cur.copy(_copy_sql(stage, columns)) as copy:
        write_rows(copy)
    # An anti-join insert costs half of ON CONFLICT's speculative insertion. A concurrent
    # batch with the same ids can still collide; then retry the slower, race-proof form.
    select = f"SELECT {col_list} FROM {stage} s"
    try:
        with raw.transaction():
            cur.execute(
                f"INSERT INTO {table.name} ({col_list}) {select} WHERE NOT EXISTS "
                f"(SELECT 1 FROM {table.name} t WHERE t.id = s.id)"
            )
    except psycopg.errors.UniqueViolation:
        cur.execute(f"INSERT INTO {table.name} ({col_list}) {select} ON CONFLICT (id) DO NOTHING")
    inserted = cur.rowcount
    cur.execute(f"TRUNCATE {stage}")
    return inserted


def _sqlite_value_converters(table: sa.Table, columns: list[str]) -> list[Any]:
    converters: list[Any] = []
    for name in columns:
        col_type = table.c[name].type
        if isinstance(col_type, schema.UtcDateTime):
            converters.append(_memo_last(_sqlite_ts) if name == "received_at" else _sqlite_ts)
        elif isinstance(col_type, sa.Date):
            converters.append(_sqlite_date)
        elif isinstance(col_type, sa.JSON):
            converters.append(_sqlite_json)
        elif isinstance(col_type, sa.Numeric) and not isinstance(col_type, sa.Float):
            converters.append(_sqlite_number)
        else:
            converters.append(None)
    return converters


def _sqlite_ts(value: datetime | None) -> str | None:
    # The exact text SQLAlchemy's SQLite DateTime writes, so both paths compare as equal strings.
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _memo_last(convert):
    """Wrap a converter so a value repeated row after row (received_at) is converted once."""
    last: list[Any] = [object(), None]

    def wrapped(value):
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return wrapped


def _sqlite_date(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _sqlite_number(value: Any) -> float | None:
    return None if value is None else float(value)


def _executemany_new_rows(
    conn: Connection, table: sa.Table, columns: list[str], rows: Sequence[Sequence[Any]]
) -> int:
    converters = [
        (i, conv) for i, conv in enumerate(_sqlite_value_converters(table, columns)) if conv
    ]
    params = []
    append = params.append
    for row in rows:
        values = list(row)
        for i, conv in converters:
            values[i] = conv(values[i])
        append(values)
    placeholders = ", ".join("?" for _ in columns)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders}) "
        "ON CONFLICT (id) DO NOTHING"
    )
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    try:
        cur.executemany(sql, params)
        return cur.rowcount
    finally:
        cur.close()


# ------------------------------------------------------------------ quarantine and batch log


def add_quarantine(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
    """Keep rejected records raw with their reason; an identical open entry is kept once.

    Returns how many entries were added.
    """
    if not rows:
        return 0
    q = schema.quarantine
    hashes = sorted({row["raw_sha256"] for row in rows})
    open_hashes: set[str] = set()
    for chunk in chunks(hashes, _CHUNK):
        open_hashes.update(
            conn.execute(
                sa.select(q.c.raw_sha256).where(q.c.status == "open", q.c.raw_sha256.in_(chunk))
            ).scalars()
        )
    fresh: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        if row["raw_sha256"] not in open_hashes:
            fresh.setdefault(row["raw_sha256"], row)
    if fresh:
        conn.execute(q.insert(), list(fresh.values()))
    return len(fresh)


def list_quarantine(
    conn: Connection, *, status: str | None = "open", limit: int | None = None
) -> list[Mapping[str, Any]]:
    """Return quarantined records, oldest first."""
    q = schema.quarantine
    stmt = sa.select(q).order_by(q.c.id)
    if status is not None:
        stmt = stmt.where(q.c.status == status)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(conn.execute(stmt).mappings())


def resolve_quarantine(conn: Connection, ids: Sequence[int], *, now: datetime) -> None:
    """Mark quarantined records as re-submitted successfully."""
    q = schema.quarantine
    for chunk in chunks(list(ids), _CHUNK):
        conn.execute(
            q.update()
            .where(q.c.id.in_(chunk))
            .values(status="resolved", resolved_at=now, attempts=q.c.attempts + 1)
        )


def note_quarantine_failure(conn: Connection, entry_id: int, *, error: str) -> None:
    """Record a failed re-submission with its newest reason."""
    q = schema.quarantine
    conn.execute(
        q.update().where(q.c.id == entry_id).values(error=error, attempts=q.c.attempts + 1)
    )


def record_batch(conn: Connection, **values: Any) -> None:
    """Append one row to the ingest log."""
    conn.execute(schema.ingest_batches.insert().values(**values))


def count_rows(conn: Connection) -> dict[str, int]:
    """Return the number of rows of every record table and the open quarantine."""
    counts: dict[str, int] = {}
    for kind, table in {**schema.MASTER_TABLES, **schema.EVENT_TABLES}.items():
        counts[kind] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    q = schema.quarantine
    counts["quarantine_open"] = conn.execute(
        sa.select(sa.func.count()).select_from(q).where(q.c.status == "open")
    ).scalar_one()
    return counts


# ------------------------------------------------------------------ rep-day rollups


def fetch_dirty_rep_days(conn: Connection, *, limit: int | None = None) -> list[Mapping[str, Any]]:
    """Return dirty (rep_id, local_date) rollups with the rep's time zone, by date."""
    rd, r = schema.rep_days, schema.reps
    stmt = (
        sa.select(
            rd.c.rep_id, rd.c.local_date, rd.c.version, r.c.timezone, r.c.work_start, r.c.work_end
        )
        .join(r, r.c.id == rd.c.rep_id)
        .where(rd.c.dirty.is_(True))
        .order_by(rd.c.local_date, rd.c.rep_id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(conn.execute(stmt).mappings())


def epoch_seconds(conn: Connection, column: sa.ColumnElement) -> sa.ColumnElement[float]:
    """SQL for a UTC timestamp column as seconds since 1970 (so bulk reads skip datetimes)."""
    if conn.dialect.name == "postgresql":
        return sa.cast(sa.func.extract("epoch", column), sa.Float)
    return (sa.func.julianday(column) - 2440587.5) * 86400.0


def fetch_fix_arrays(
    conn: Connection,
    *,
    rep_ids: Sequence[str],
    start: datetime,
    end: datetime,
    sources: list[tuple[str, str | None]] | None = None,
) -> tuple[list[str], np.ndarray]:
    """Return the reps' fixes in [start, end) grouped by rep: the rep id of each row, and an
    (n, 4) float array of epoch seconds, lat, lon, accuracy_m. With a ``sources`` list, each
    row's (device_id, provider) is appended to it in the same order."""
    g = schema.gps_fixes
    reps: list[str] = []
    parts: list[np.ndarray] = []
    extra = (g.c.device_id, g.c.provider) if sources is not None else ()
    sqlite_dialect = conn.dialect.name == "sqlite"
    # SQLite keeps UTC text: read it raw and parse it with numpy (no per-row Python work).
    ts_col = sa.type_coerce(g.c.ts, sa.String) if sqlite_dialect else epoch_seconds(conn, g.c.ts)
    for chunk in chunks(sorted(set(rep_ids)), 500):
        stmt = (
            sa.select(g.c.rep_id, ts_col, g.c.lat, g.c.lon, g.c.accuracy_m, *extra)
            .where(g.c.rep_id.in_(chunk), g.c.ts >= start, g.c.ts < end)
            .order_by(g.c.rep_id)
        )
        rows = conn.execute(stmt).all()
        if not rows:
            continue
        if sources is not None:
            sources.extend((row[5], row[6]) for row in rows)
        rep_col, ts, lat, lon, acc = ([row[i] for row in rows] for i in range(5))
        if sqlite_dialect:
            seconds = np.array(ts, dtype="datetime64[us]").astype("int64") / 1e6
        else:
            seconds = np.asarray(ts, dtype=float)
        reps.extend(rep_col)
        parts.append(
            np.column_stack(
                [seconds, np.asarray(lat, float), np.asarray(lon, float), np.asarray(acc, float)]
            )
        )
    values = np.concatenate(parts) if parts else np.empty((0, 4))
    return reps, values


def store_rep_days(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write computed rollups; clear the dirty flag unless the day changed meanwhile.

    Each row carries the ``version`` it was computed from.
    """
    rd = schema.rep_days
    stmt = (
        rd.update()
        .where(rd.c.rep_id == sa.bindparam("b_rep"), rd.c.local_date == sa.bindparam("b_date"))
        .values(
            fixes=sa.bindparam("fixes"),
            first_fix_at=sa.bindparam("first_fix_at"),
            last_fix_at=sa.bindparam("last_fix_at"),
            km=sa.bindparam("km"),
            computed_at=sa.bindparam("computed_at"),
            **{name: sa.bindparam(f"f_{name}") for name in _ROLLUP_FACTS},
            dirty=rd.c.version != sa.bindparam("b_version"),
        )
    )
    params = [
        {
            "b_rep": row["rep_id"],
            "b_date": row["local_date"],
            "b_version": row["version"],
            "fixes": row["fixes"],
            "first_fix_at": row["first_fix_at"],
            "last_fix_at": row["last_fix_at"],
            "km": row["km"],
            "computed_at": row["computed_at"],
            **{f"f_{name}": row.get(name, 0) for name in _ROLLUP_FACTS},
        }
        # In key order, as every writer of rep_days rows does: concurrent writers never deadlock.
        for row in sorted(rows, key=lambda r: (r["rep_id"], r["local_date"]))
    ]
    for chunk in chunks(params, 1000):
        conn.execute(stmt, list(chunk))


def copy_rows(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows (dicts with every column of the first) in ``conn``'s transaction: COPY on
    PostgreSQL (no numeric columns), an executemany insert elsewhere."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        for chunk in chunks(list(rows), 1000):
            conn.execute(table.insert(), [dict(r) for r in chunk])
        return
    columns = list(rows[0])
    types = [_pg_type(table.c[name]) for name in columns]
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(_copy_sql(table.name, columns)) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row([row[name] for name in columns])

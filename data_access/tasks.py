"""Visit tasks (contract §5): the customers' rhythm read for generation, the idempotent insert
(ON CONFLICT DO NOTHING on the task id, the (customer, due) key and the one open task per
customer), closing tasks by their first effective visit, moving open tasks at a handover, and
the export read.

An effective visit is ``data_access.facts.effective_condition`` (the KPI definition); visits by
any rep count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.facts import DEFAULT_MIN_DWELL_S, effective_condition
from data_access.frames import chunks
from data_access.scope import customer_home_region, customers_with_owner, owner

c = schema.customers
v = schema.visits
tk = schema.tasks

_INSERT_CHUNK = 10_000


def _last_visits(on: date, min_dwell_s: float) -> sa.Subquery:
    """customer_id → its last effective visit on or before ``on``."""
    return (
        sa.select(v.c.customer_id, sa.func.max(v.c.local_date).label("last_visit"))
        .where(v.c.local_date <= on, effective_condition(v, min_dwell_s))
        .group_by(v.c.customer_id)
        .subquery("last_visits")
    )


def _rhythm_select(on: date, min_dwell_s: float) -> tuple[sa.Select, sa.ColumnElement[Any]]:
    last = _last_visits(on, min_dwell_s)
    base = sa.func.coalesce(last.c.last_visit, c.c.created, c.c.first_seen)
    stmt = sa.select(
        c.c.id.label("customer_id"),
        c.c.grade,
        # An orphan's task has no owner (the owner is missing or inactive).
        sa.case((owner.c.active.is_(True), c.c.owner_rep_id), else_=None).label("owner_rep_id"),
        customer_home_region().label("region_id"),
        last.c.last_visit,
        sa.func.coalesce(c.c.created, c.c.first_seen).label("since"),
    ).select_from(customers_with_owner().outerjoin(last, last.c.customer_id == c.c.id))
    return stmt, base


# The due list of one generation, computed by the database (``stage_due_tasks``) and then
# inserted from there (``insert_staged_tasks``): no row travels through Python.
_staged_meta = sa.MetaData()
_staged = sa.Table(
    "staged_due_tasks",
    _staged_meta,
    *(
        sa.Column(name, sa.Date if kind == "date" else sa.Text)
        for name, kind in {
            "id": "text",
            "customer_id": "text",
            "rep_id": "text",
            "region_id": "text",
            "grade": "text",
            "created": "date",
            "due": "date",
        }.items()
    ),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def _plus_days(conn: Connection, day: sa.ColumnElement[Any], days: int) -> sa.ColumnElement[Any]:
    """``day`` + ``days`` as a date, in the connection's dialect."""
    if conn.dialect.name == "sqlite":
        return sa.func.date(day, f"+{int(days)} days", type_=sa.Date)
    return sa.cast(day + sa.literal(int(days), sa.Integer), sa.Date)


def _as_iso(conn: Connection, day: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A date as its ISO text (YYYY-MM-DD; SQLite stores dates so already)."""
    if conn.dialect.name == "sqlite":
        return sa.cast(day, sa.Text)
    return sa.func.to_char(day, "YYYY-MM-DD")


def due_task_select(
    conn: Connection,
    *,
    on: date,
    due_after_days: Mapping[str, int],
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
) -> sa.Select:
    """The tasks of local date ``on``, computed in SQL (contract §5, the definition of
    ``dashboard.tasks.plan_tasks``): every active customer of a known grade without an open
    task whose rhythm base (last effective visit on or before ``on``, else created, else first
    stored) + its grade's ``due_after_days`` is on or before ``on``; columns id
    ("customer:due"), customer_id, rep_id (None for an orphan), region_id (home), grade,
    created (``on``), due (base + days)."""
    stmt, base = _rhythm_select(on, min_dwell_s)
    cut = sa.case(
        *(
            (c.c.grade == grade, sa.literal(on - timedelta(days=days), sa.Date))
            for grade, days in due_after_days.items()
        ),
        else_=None,
    )
    due = sa.case(
        *(
            (c.c.grade == grade, _plus_days(conn, base, days))
            for grade, days in due_after_days.items()
        ),
        else_=None,
    )
    rep = stmt.selected_columns.owner_rep_id
    region = stmt.selected_columns.region_id
    has_open = sa.exists().where(tk.c.customer_id == c.c.id, tk.c.status == "open")
    return stmt.with_only_columns(
        (c.c.id + ":" + _as_iso(conn, due)).label("id"),
        c.c.id.label("customer_id"),
        rep.label("rep_id"),
        region.label("region_id"),
        c.c.grade,
        sa.literal(on, sa.Date).label("created"),
        due.label("due"),
    ).where(c.c.active.is_(True), base <= cut, ~has_open)


def stage_due_tasks(
    conn: Connection,
    *,
    on: date,
    due_after_days: Mapping[str, int],
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
) -> int:
    """Compute the tasks of ``on`` (``due_task_select``) into a temporary table of the
    connection, for ``insert_staged_tasks`` in the same transaction; return how many."""
    _staged.drop(conn, checkfirst=True)
    _staged.create(conn)
    select = due_task_select(conn, on=on, due_after_days=due_after_days, min_dwell_s=min_dwell_s)
    conn.execute(_staged.insert().from_select([col.name for col in _staged.c], select))
    return conn.execute(sa.select(sa.func.count()).select_from(_staged)).scalar_one()


def insert_staged_tasks(conn: Connection, *, now: datetime) -> int:
    """Insert the staged tasks as open tasks in one statement, skipping every one that
    conflicts with a stored task (same id, same customer and due date, or a customer that
    already has an open task: several processes may generate at once, the database decides);
    drop the staging table; return how many were inserted."""
    names = ", ".join(col.name for col in _staged.c)
    # "WHERE true": SQLite needs it to read ON CONFLICT after INSERT ... SELECT.
    inserted = conn.execute(
        sa.text(
            f"INSERT INTO tasks ({names}, status, visit_id, done_on, created_at, updated_at) "
            f"SELECT {names}, 'open', NULL, NULL, :now, :now FROM staged_due_tasks WHERE true "
            "ON CONFLICT DO NOTHING"
        ).bindparams(sa.bindparam("now", type_=tk.c.created_at.type)),
        {"now": now},
    ).rowcount
    _staged.drop(conn)
    return inserted


def fetch_rhythms(
    conn: Connection,
    *,
    on: date,
    customer_ids: Iterable[str] | None = None,
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
) -> dict[str, dict[str, Any]]:
    """customer id → its rhythm on ``on`` (customer_id, grade, owner_rep_id: None when missing
    or inactive, region_id: home, last_visit: the last effective visit on or before ``on``,
    since: created, else first stored), for the given customers (default: every customer)."""
    stmt, _base = _rhythm_select(on, min_dwell_s)
    if customer_ids is None:
        return {row["customer_id"]: dict(row) for row in conn.execute(stmt).mappings()}
    out: dict[str, dict[str, Any]] = {}
    for chunk in chunks(sorted(set(customer_ids)), 5000):
        for row in conn.execute(stmt.where(c.c.id.in_(chunk))).mappings():
            out[row["customer_id"]] = dict(row)
    return out


def insert_open_tasks(
    conn: Connection, rows: Sequence[Mapping[str, Any]], *, now: datetime
) -> list[str]:
    """Insert open tasks (rows of id, customer_id, rep_id, region_id, grade, created, due),
    skipping every row that conflicts with a stored task (same id, same customer and due date,
    or a customer that already has an open task); return the ids inserted. Safe from several
    processes at once: the database decides, not a prior read."""
    if not rows:
        return []
    done: list[str] = []
    if conn.dialect.name == "postgresql":
        # One statement per chunk over column arrays (unnest): PostgreSQL's fastest honest path
        # short of COPY, which has no ON CONFLICT.
        for chunk in chunks(list(rows), _INSERT_CHUNK):
            params: dict[str, Any] = {name: [row[name] for row in chunk] for name in _PG_ARRAYS}
            done += list(conn.execute(_PG_INSERT, {**params, "now": now}).scalars())
        return done
    stmt = sqlite.insert(tk).on_conflict_do_nothing().returning(tk.c.id)
    for chunk in chunks(list(rows), 1000):
        values = [
            {
                **{name: row[name] for name in _PG_ARRAYS},
                **_OPEN,
                "created_at": now,
                "updated_at": now,
            }
            for row in chunk
        ]
        done += list(conn.execute(stmt, values).scalars())
    return done


_OPEN = {"status": "open", "visit_id": None, "done_on": None}
_PG_ARRAYS = {
    "id": "text",
    "customer_id": "text",
    "rep_id": "text",
    "region_id": "text",
    "grade": "text",
    "created": "date",
    "due": "date",
}
_PG_INSERT = sa.text(
    f"INSERT INTO tasks ({', '.join(_PG_ARRAYS)}, status, visit_id, done_on, created_at, "
    "updated_at) "
    "SELECT *, 'open', NULL, NULL, CAST(:now AS timestamptz), CAST(:now AS timestamptz) "
    "FROM unnest("
    + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _PG_ARRAYS.items())
    + ") ON CONFLICT DO NOTHING RETURNING id"
)


def fetch_open_task_visits(
    conn: Connection, *, min_dwell_s: float = DEFAULT_MIN_DWELL_S
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(open tasks with an effective visit to their customer on or after their creation: id,
    customer_id, created; those visits: id, customer_id, local_date, ts)."""
    found = (
        sa.select(tk.c.id, tk.c.customer_id, tk.c.created, v.c.id.label("visit_id"))
        .select_from(
            tk.join(
                v,
                sa.and_(
                    v.c.customer_id == tk.c.customer_id,
                    v.c.local_date >= tk.c.created,
                    effective_condition(v, min_dwell_s),
                ),
            )
        )
        .where(tk.c.status == "open")
    )
    rows = [dict(row) for row in conn.execute(found).mappings()]
    tasks = {row["id"]: row for row in rows}
    visit_ids = sorted({row["visit_id"] for row in rows})
    visits: list[dict[str, Any]] = []
    for chunk in chunks(visit_ids, 5000):
        stmt = sa.select(v.c.id, v.c.customer_id, v.c.local_date, v.c.ts).where(v.c.id.in_(chunk))
        visits += [dict(row) for row in conn.execute(stmt).mappings()]
    return list(tasks.values()), visits


def close_tasks(conn: Connection, done: Mapping[str, tuple[str, date]], *, now: datetime) -> int:
    """Mark open tasks done by their visit: task id → (visit id, local date); return how many
    changed (a task closed meanwhile by another process is left as it is)."""
    changed = 0
    for tid, (visit_id, local_date) in sorted(done.items()):
        changed += conn.execute(
            tk.update()
            .where(tk.c.id == tid, tk.c.status == "open")
            .values(status="done", visit_id=visit_id, done_on=local_date, updated_at=now)
        ).rowcount
    return changed


def fetch_open_tasks_of(
    conn: Connection, *, rep_id: str, customer_ids: Iterable[str], all_of_rep: bool = False
) -> list[dict[str, Any]]:
    """The open tasks a handover of ``rep_id`` moves (id, customer_id, rep_id, due), by id:
    every open task of the given customers, whoever it is assigned to (an inactive owner's
    task has none), and with ``all_of_rep`` the rep's other open tasks too."""
    out: dict[str, dict[str, Any]] = {}
    cols = (tk.c.id, tk.c.customer_id, tk.c.rep_id, tk.c.due)
    for chunk in chunks(sorted(set(customer_ids)), 5000):
        stmt = sa.select(*cols).where(tk.c.status == "open", tk.c.customer_id.in_(chunk))
        out.update({row["id"]: dict(row) for row in conn.execute(stmt).mappings()})
    if all_of_rep:
        stmt = sa.select(*cols).where(tk.c.status == "open", tk.c.rep_id == rep_id)
        out.update({row["id"]: dict(row) for row in conn.execute(stmt).mappings()})
    return [out[key] for key in sorted(out)]


def move_open_tasks(
    conn: Connection,
    *,
    customer_ids: Iterable[str],
    to_rep_id: str,
    region_id: str | None,
    now: datetime,
    from_rep_id: str | None = None,
) -> int:
    """Give the open tasks of the customers to ``to_rep_id`` (and its region), and with
    ``from_rep_id`` every other open task of that rep too; return how many moved."""
    moved = 0
    values = {"rep_id": to_rep_id, "region_id": region_id, "updated_at": now}
    for chunk in chunks(sorted(set(customer_ids)), 5000):
        moved += conn.execute(
            tk.update().where(tk.c.status == "open", tk.c.customer_id.in_(chunk)).values(values)
        ).rowcount
    if from_rep_id is not None:
        moved += conn.execute(
            tk.update().where(tk.c.status == "open", tk.c.rep_id == from_rep_id).values(values)
        ).rowcount
    return moved


def retarget_open_tasks(conn: Connection, *, now: datetime) -> int:
    """Point every open task at its customer's current owner (None when the owner is missing
    or inactive) and home region, after owner changes by ingest; return how many changed."""
    r, t = schema.reps, schema.teams
    owned = c.outerjoin(r, r.c.id == c.c.owner_rep_id).outerjoin(t, t.c.id == r.c.team_id)
    rep_now = (
        sa.select(sa.case((r.c.active.is_(True), c.c.owner_rep_id), else_=None))
        .select_from(owned)
        .where(c.c.id == tk.c.customer_id)
        .scalar_subquery()
    )
    region_now = (
        sa.select(sa.func.coalesce(t.c.region_id, c.c.region_id))
        .select_from(owned)
        .where(c.c.id == tk.c.customer_id)
        .scalar_subquery()
    )
    stmt = (
        tk.update()
        .where(
            tk.c.status == "open",
            sa.or_(
                tk.c.rep_id.is_distinct_from(rep_now), tk.c.region_id.is_distinct_from(region_now)
            ),
        )
        .values(rep_id=rep_now, region_id=region_now, updated_at=now)
    )
    return int(conn.execute(stmt).rowcount)


def fetch_tasks(
    conn: Connection,
    *,
    on: date | None = None,
    rep_id: str | None = None,
    region_id: str | None = None,
) -> list[dict[str, Any]]:
    """Every task (created on or before ``on`` when given), optionally of one rep or region,
    ordered by due date then id: every column."""
    stmt = sa.select(tk)
    if on is not None:
        stmt = stmt.where(tk.c.created <= on)
    if rep_id is not None:
        stmt = stmt.where(tk.c.rep_id == rep_id)
    if region_id is not None:
        stmt = stmt.where(tk.c.region_id == region_id)
    return [dict(row) for row in conn.execute(stmt.order_by(tk.c.due, tk.c.id)).mappings()]


# ------------------------------------------------------------------ FREQUENCY_MISS


def fetch_owned_customers_rhythm(conn: Connection) -> list[dict[str, Any]]:
    """Every active customer with an owner (active or not): customer_id, name, grade, rep_id,
    timezone (the owner's), since (created, else first stored); by customer id."""
    stmt = (
        sa.select(
            c.c.id.label("customer_id"),
            c.c.name,
            c.c.grade,
            c.c.owner_rep_id.label("rep_id"),
            owner.c.timezone,
            sa.func.coalesce(c.c.created, c.c.first_seen).label("since"),
        )
        .select_from(c.join(owner, owner.c.id == c.c.owner_rep_id))
        .where(c.c.active.is_(True))
        .order_by(c.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_effective_visit_dates(
    conn: Connection,
    *,
    window_start: date,
    until: date,
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
) -> dict[str, list[date]]:
    """customer id → the local dates of its effective visits in [window_start, until], plus
    its last one before ``window_start`` (where the rhythm of the window starts from)."""
    out: dict[str, list[date]] = {}
    inside = (
        sa.select(v.c.customer_id, v.c.local_date)
        .where(v.c.local_date.between(window_start, until), effective_condition(v, min_dwell_s))
        .distinct()
    )
    before = (
        sa.select(v.c.customer_id, sa.func.max(v.c.local_date))
        .where(v.c.local_date < window_start, effective_condition(v, min_dwell_s))
        .group_by(v.c.customer_id)
    )
    for stmt in (before, inside):
        for customer_id, day in conn.execute(stmt):
            out.setdefault(customer_id, []).append(day)
    return out

"""Finance writes and their records: the decisions on claims and expense flags, the decision log
(``status_events``) and the finance rule settings with their audit trail (``settings_audit``).

``status_events`` and ``settings_audit`` are only ever inserted into: this module has no update
or delete path for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.frames import object_frame

fl = schema.expense_flags
cs = schema.claim_status
ev = schema.status_events


# ------------------------------------------------------------------ the decision log


def fetch_history(
    conn: Connection,
    subject_kind: str,
    subject_ids: Iterable[str],
    *more: tuple[str, Iterable[str]],
) -> pd.DataFrame:
    """Return the status events of the subjects, oldest first (then by id); ``more``: further
    (subject_kind, subject_ids) pairs read in the same statement."""
    wanted = [
        sa.and_(ev.c.subject_kind == kind, ev.c.subject_id.in_(sorted(set(ids))))
        for kind, ids in ((subject_kind, subject_ids), *more)
    ]
    stmt = (
        sa.select(
            ev.c.id,
            ev.c.subject_kind,
            ev.c.subject_id,
            ev.c.at,
            ev.c.actor,
            ev.c.action,
            ev.c.from_status,
            ev.c.to_status,
            ev.c.note,
        )
        .where(sa.or_(*wanted))
        .order_by(ev.c.at, ev.c.id)
    )
    return object_frame(
        conn,
        stmt,
        [
            "id",
            "subject_kind",
            "subject_id",
            "at",
            "actor",
            "action",
            "from_status",
            "to_status",
            "note",
        ],
    )


def fetch_last_notes(conn: Connection, claim_ids: Iterable[str]) -> dict[str, str]:
    """The note of the latest decision of each claim that has one."""
    ids = sorted(set(claim_ids))
    if not ids:
        return {}
    last = (
        sa.select(ev.c.subject_id, sa.func.max(ev.c.id).label("last_id"))
        .where(ev.c.subject_kind == "claim", ev.c.subject_id.in_(ids))
        .group_by(ev.c.subject_id)
        .subquery()
    )
    stmt = sa.select(ev.c.subject_id, ev.c.note).join(last, last.c.last_id == ev.c.id)
    return {sid: note for sid, note in conn.execute(stmt) if note}


# ------------------------------------------------------------------ decisions (writes)


def fetch_flag_states(conn: Connection, claim_ids: Iterable[str]) -> list[Mapping[str, Any]]:
    """(id, claim_id, status) of every flag of the named claims."""
    stmt = sa.select(fl.c.id, fl.c.claim_id, fl.c.status).where(
        fl.c.claim_id.in_(sorted(set(claim_ids)))
    )
    return list(conn.execute(stmt).mappings())


def upsert_claim_statuses(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Set the current decision of claims: rows of claim_id, status, updated_at, updated_by."""
    if not rows:
        return
    ids = [row["claim_id"] for row in rows]
    existing = set(conn.execute(sa.select(cs.c.claim_id).where(cs.c.claim_id.in_(ids))).scalars())
    new = [dict(row) for row in rows if row["claim_id"] not in existing]
    old = [
        {
            "b_id": row["claim_id"],
            "status": row["status"],
            "updated_at": row["updated_at"],
            "updated_by": row["updated_by"],
        }
        for row in rows
        if row["claim_id"] in existing
    ]
    if new:
        conn.execute(cs.insert(), new)
    if old:
        conn.execute(
            cs.update()
            .where(cs.c.claim_id == sa.bindparam("b_id"))
            .values(
                status=sa.bindparam("status"),
                updated_at=sa.bindparam("updated_at"),
                updated_by=sa.bindparam("updated_by"),
            ),
            old,
        )


def set_flag_statuses(conn: Connection, statuses: Mapping[str, str], *, now: datetime) -> None:
    """Set the status of expense flags: {flag id: status}."""
    if not statuses:
        return
    conn.execute(
        fl.update()
        .where(fl.c.id == sa.bindparam("b_id"))
        .values(status=sa.bindparam("status"), updated_at=now),
        [{"b_id": fid, "status": status} for fid, status in statuses.items()],
    )


def append_status_events(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Append rows to the decision log (subject_kind, subject_id, at, actor, action,
    from_status, to_status, note). The log is append-only: nothing here changes a row."""
    if rows:
        conn.execute(ev.insert(), [{"assigned_to": None, **row} for row in rows])

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


# ------------------------------------------------------------------ rule settings


def fetch_settings(conn: Connection, keys: Iterable[str]) -> dict[str, Any]:
    """The stored values of rule settings (missing keys are absent)."""
    rs = schema.rule_settings
    stmt = sa.select(rs.c.key, rs.c.value).where(rs.c.key.in_(sorted(set(keys))))
    return {key: value for key, value in conn.execute(stmt)}


def save_settings(
    conn: Connection,
    values: Mapping[str, Any],
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> int:
    """Store rule settings whose value changed and append each change to settings_audit
    (who, when, before, after); return how many changed."""
    rs, audit = schema.rule_settings, schema.settings_audit
    before = fetch_settings(conn, values)
    changed = 0
    for key, value in values.items():
        old = before.get(key)
        if old == value:
            continue
        if key in before:
            conn.execute(
                rs.update()
                .where(rs.c.key == key)
                .values(value=value, updated_at=now, updated_by=actor)
            )
        else:
            conn.execute(rs.insert().values(key=key, value=value, updated_at=now, updated_by=actor))
        conn.execute(
            audit.insert().values(at=now, actor=actor, key=key, before=old, after=value, note=note)
        )
        changed += 1
    return changed


def fetch_settings_audit(conn: Connection, keys: Iterable[str], *, limit: int = 50) -> pd.DataFrame:
    """The latest changes of the given settings, newest first."""
    audit = schema.settings_audit
    stmt = (
        sa.select(
            audit.c.at, audit.c.actor, audit.c.key, audit.c.before, audit.c.after, audit.c.note
        )
        .where(audit.c.key.in_(sorted(set(keys))))
        .order_by(audit.c.at.desc(), audit.c.id.desc())
        .limit(limit)
    )
    return object_frame(conn, stmt, ["at", "actor", "key", "before", "after", "note"])

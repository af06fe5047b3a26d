"""What the admin console reads and writes beyond the user verbs of data_access.users: the user
and token lists, role changes, and the audit trails read as one log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema


def list_users(conn: Connection) -> list[dict[str, Any]]:
    """Every user (no password hash) with its region ids and its latest session activity."""
    u, ur, s = schema.users, schema.user_regions, schema.sessions
    regions: dict[int, list[str]] = {}
    for user_id, region in conn.execute(
        sa.select(ur.c.user_id, ur.c.region_id).order_by(ur.c.user_id, ur.c.region_id)
    ):
        regions.setdefault(user_id, []).append(region)
    seen = dict(
        conn.execute(
            sa.select(s.c.user_key, sa.func.max(s.c.last_seen_at))
            .where(s.c.user_key.is_not(None))
            .group_by(s.c.user_key)
        ).all()
    )
    rows = conn.execute(
        sa.select(
            u.c.id, u.c.name, u.c.role, u.c.active, u.c.created_at, u.c.last_sign_in_at
        ).order_by(u.c.name)
    ).mappings()
    return [
        {**row, "regions": regions.get(row["id"], []), "last_seen_at": seen.get(str(row["id"]))}
        for row in rows
    ]


def set_user_password(conn: Connection, user_id: int, password_hash: str) -> None:
    """Replace a user's password hash."""
    u = schema.users
    conn.execute(u.update().where(u.c.id == user_id).values(password_hash=password_hash))


def set_user_role(conn: Connection, user_id: int, role: str, regions: Sequence[str]) -> None:
    """Replace a user's role and regions."""
    u, ur = schema.users, schema.user_regions
    conn.execute(u.update().where(u.c.id == user_id).values(role=role))
    conn.execute(ur.delete().where(ur.c.user_id == user_id))
    if regions:
        conn.execute(ur.insert(), [{"user_id": user_id, "region_id": r} for r in regions])


def list_tokens(conn: Connection) -> list[Mapping[str, Any]]:
    """Every API token (never its hash), newest first."""
    t = schema.api_tokens
    stmt = sa.select(t.c.id, t.c.name, t.c.scope, t.c.created_at, t.c.last_used_at, t.c.revoked_at)
    return list(conn.execute(stmt.order_by(t.c.created_at.desc(), t.c.id.desc())).mappings())


def append_event(
    conn: Connection,
    *,
    kind: str,
    subject: str,
    at: datetime,
    actor: str,
    action: str,
    before: str | None = None,
    after: str | None = None,
    note: str | None = None,
) -> None:
    """Append one row to the append-only status_events trail."""
    conn.execute(
        schema.status_events.insert().values(
            subject_kind=kind,
            subject_id=subject,
            at=at,
            actor=actor,
            action=action,
            from_status=before,
            to_status=after,
            note=note,
        )
    )


def _window(column, since: datetime | None, until: datetime | None):
    clauses = []
    if since is not None:
        clauses.append(column >= since)
    if until is not None:
        clauses.append(column < until)
    return clauses


def _link_note(row: Mapping[str, Any]) -> str:
    regions = row["regions"] or "-"
    return f"regions: {regions}; expires {row['expires_at'].isoformat(timespec='minutes')}"


def audit_rows(
    conn: Connection, *, since: datetime | None, until: datetime | None, limit: int
) -> list[dict[str, Any]]:
    """The newest ``limit`` rows of every append-only trail in [since, until), as
    {at, actor, trail, subject, action, before, after, note}."""
    out: list[dict[str, Any]] = []
    e = schema.status_events
    for r in conn.execute(
        sa.select(e).where(*_window(e.c.at, since, until)).order_by(e.c.at.desc()).limit(limit)
    ).mappings():
        out.append(
            {
                "at": r["at"],
                "actor": r["actor"],
                "trail": r["subject_kind"],
                "subject": r["subject_id"],
                "action": r["action"],
                "before": r["from_status"],
                "after": r["to_status"] or r["assigned_to"],
                "note": r["note"],
            }
        )
    a = schema.settings_audit
    for r in conn.execute(
        sa.select(a).where(*_window(a.c.at, since, until)).order_by(a.c.at.desc()).limit(limit)
    ).mappings():
        out.append(
            {
                "at": r["at"],
                "actor": r["actor"],
                "trail": "setting",
                "subject": r["key"],
                "action": "set",
                "before": None if r["before"] is None else str(r["before"]),
                "after": None if r["after"] is None else str(r["after"]),
                "note": r["note"],
            }
        )
    o = schema.customer_owner_history
    for r in conn.execute(
        sa.select(o)
        .where(*_window(o.c.changed_at, since, until))
        .order_by(o.c.changed_at.desc())
        .limit(limit)
    ).mappings():
        out.append(
            {
                "at": r["changed_at"],
                "actor": r["changed_by"],
                "trail": "owner",
                "subject": r["customer_id"],
                "action": r["source"],
                "before": r["from_rep_id"],
                "after": r["to_rep_id"],
                "note": r["reason"],
            }
        )
    g = schema.customer_grade_history
    for r in conn.execute(
        sa.select(g)
        .where(*_window(g.c.changed_at, since, until))
        .order_by(g.c.changed_at.desc())
        .limit(limit)
    ).mappings():
        out.append(
            {
                "at": r["changed_at"],
                "actor": r["changed_by"],
                "trail": "grade",
                "subject": r["customer_id"],
                "action": r["source"],
                "before": r["old_grade"],
                "after": r["new_grade"],
                "note": r["reason"],
            }
        )
    oc = schema.org_changes
    for r in conn.execute(
        sa.select(oc).where(*_window(oc.c.at, since, until)).order_by(oc.c.at.desc()).limit(limit)
    ).mappings():
        out.append(
            {
                "at": r["at"],
                "actor": r["actor"],
                "trail": "org",
                "subject": f"{r['kind']}:{r['record_id']}",
                "action": f"{r['source']} {r['field']}",
                "before": r["before"],
                "after": r["after"],
                "note": r["reason"],
            }
        )
    w = schema.wall_links
    for r in conn.execute(sa.select(w).order_by(w.c.created_at.desc()).limit(limit)).mappings():
        out.append(
            {
                "at": r["created_at"],
                "actor": r["created_by"],
                "trail": "wall_link",
                "subject": r["name"],
                "action": "create",
                "before": None,
                "after": r["views"],
                "note": _link_note(r),
            }
        )
        if r["revoked_at"] is not None:
            out.append(
                {
                    "at": r["revoked_at"],
                    "actor": r["revoked_by"] or "",
                    "trail": "wall_link",
                    "subject": r["name"],
                    "action": "revoke",
                    "before": None,
                    "after": None,
                    "note": None,
                }
            )
    return out

"""The admin console's verbs: users, API tokens and the audit log.

The user and token changes go through dashboard.services.users (the CLI's verbs) where one
exists; every change is appended to the status_events trail (subject kinds "user" and
"api_token") with the acting admin, so the audit log shows it.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from werkzeug.security import generate_password_hash

from dashboard.roles import ROLES
from dashboard.services import users, wall
from data_access import admin as store
from data_access import sessions as session_store
from data_access import users as user_store

USER_KIND, TOKEN_KIND = "user", "api_token"
AUDIT_LIMIT = 5000
AUDIT_COLUMNS = ("at", "actor", "trail", "subject", "action", "before", "after", "note")


class AdminError(ValueError):
    """An admin request was refused; the message names the field."""


@dataclass(frozen=True)
class Created:
    """A new user or a reset password: the password is shown once and never stored in clear."""

    name: str
    password: str


def new_password() -> str:
    """A random initial password (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Every user: name, role, regions, active, created, last seen (latest session activity)."""
    with engine.connect() as conn:
        return store.list_users(conn)


def _user_row(conn, name: str):
    row = user_store.fetch_user(conn, name=(name or "").strip())
    if row is None:
        raise AdminError(f"name: no user {name!r}")
    return row


def create_user(
    engine: Engine, *, actor: str, name: str, role: str, regions: Sequence[str], now: datetime
) -> Created:
    """Create a user with a random initial password (returned once); an existing name is
    refused (changing a user is a separate verb)."""
    name = (name or "").strip()
    with engine.connect() as conn:
        if user_store.fetch_user(conn, name=name) is not None:
            raise AdminError(f"name: user {name!r} already exists")
    password = new_password()
    try:
        user = users.create_user(
            engine, name=name, password=password, role=role, regions=regions, now=now
        )
    except users.UserError as exc:
        raise AdminError(str(exc)) from exc
    with engine.begin() as conn:
        store.append_event(
            conn,
            kind=USER_KIND,
            subject=name,
            at=now,
            actor=actor,
            action="create",
            after=user.role,
            note=_regions_note(user.regions),
        )
    return Created(name, password)


def _regions_note(regions: Sequence[str]) -> str | None:
    return f"regions: {', '.join(regions)}" if regions else None


def set_role(
    engine: Engine, *, actor: str, name: str, role: str, regions: Sequence[str], now: datetime
) -> None:
    """Change a user's role (and a manager's regions); the user's sessions end (their rights
    changed)."""
    if role not in ROLES:
        raise AdminError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    regions = sorted(set(regions or ()))
    if role == "manager" and not regions:
        raise AdminError("regions: a manager needs at least one region")
    if role != "manager" and regions:
        raise AdminError(f"regions: only managers are limited to regions, not {role}")
    with engine.begin() as conn:
        row = _user_row(conn, name)
        unknown = set(regions) - user_store.region_ids(conn)
        if unknown:
            raise AdminError(f"regions: unknown region(s) {', '.join(sorted(unknown))}")
        if row["name"] == actor and role != "admin":
            raise AdminError("role: an admin cannot take the admin role from themself")
        store.set_user_role(conn, row["id"], role, regions)
        session_store.delete_user_sessions(conn, str(row["id"]))
        store.append_event(
            conn,
            kind=USER_KIND,
            subject=row["name"],
            at=now,
            actor=actor,
            action="set_role",
            before=row["role"],
            after=role,
            note=f"regions: {', '.join(row['regions']) or '-'} -> {', '.join(regions) or '-'}",
        )


def set_active(engine: Engine, *, actor: str, name: str, active: bool, now: datetime) -> None:
    """Deactivate (signing the user out everywhere at once) or reactivate a user."""
    with engine.connect() as conn:
        row = _user_row(conn, name)
    if row["name"] == actor and not active:
        raise AdminError("name: an admin cannot deactivate themself")
    if active:
        with engine.begin() as conn:
            user_store.set_user_active(conn, row["id"], True)
    else:
        users.deactivate_user(engine, row["name"])
    with engine.begin() as conn:
        store.append_event(
            conn,
            kind=USER_KIND,
            subject=row["name"],
            at=now,
            actor=actor,
            action="reactivate" if active else "deactivate",
            before="active" if row["active"] else "inactive",
            after="active" if active else "inactive",
        )


def reset_password(engine: Engine, *, actor: str, name: str, now: datetime) -> Created:
    """Give a user a new random password (returned once) and end its sessions."""
    password = new_password()
    with engine.begin() as conn:
        row = _user_row(conn, name)
        store.set_user_password(conn, row["id"], generate_password_hash(password))
        session_store.delete_user_sessions(conn, str(row["id"]))
        store.append_event(
            conn,
            kind=USER_KIND,
            subject=row["name"],
            at=now,
            actor=actor,
            action="reset_password",
        )
    return Created(row["name"], password)


def list_tokens(engine: Engine) -> list[dict[str, Any]]:
    """Every API token: name, created, last used, revoked (the secret is never stored)."""
    with engine.connect() as conn:
        return [dict(r) for r in store.list_tokens(conn)]


def create_token(
    engine: Engine, *, actor: str, name: str, now: datetime, scope: str = "ingest"
) -> str:
    """Create an API token of a scope (the CLI's verb); return it, shown once."""
    name = (name or "").strip()
    try:
        token = users.create_token(engine, name=name, now=now, scope=scope)
    except users.UserError as exc:
        raise AdminError(str(exc)) from exc
    with engine.begin() as conn:
        store.append_event(
            conn, kind=TOKEN_KIND, subject=name, at=now, actor=actor, action="create", after=scope
        )
    return token


def revoke_token(engine: Engine, *, actor: str, name: str, now: datetime) -> int:
    """Revoke the live tokens of a name (the CLI's verb); return how many."""
    name = (name or "").strip()
    count = users.revoke_token(engine, name=name, now=now)
    if not count:
        raise AdminError(f"name: no live token named {name!r}")
    with engine.begin() as conn:
        store.append_event(
            conn,
            kind=TOKEN_KIND,
            subject=name,
            at=now,
            actor=actor,
            action="revoke",
            note=f"{count} token(s)",
        )
    return count


def list_wall_links(engine: Engine, *, now: datetime) -> list[dict[str, Any]]:
    """Every wall link (never its token) with its status at ``now``: live, expired or revoked."""
    return [
        {
            "name": link.name,
            "status": link.status(now),
            "views": list(link.views),
            "regions": list(link.regions),
            "created_by": link.created_by,
            "created_at": link.created_at,
            "expires_at": link.expires_at,
            "revoked_at": link.revoked_at,
            "last_used_at": link.last_used_at,
        }
        for link in wall.list_links(engine)
    ]


def create_wall_link(
    engine: Engine,
    *,
    actor: str,
    name: str,
    views: Sequence[str],
    regions: Sequence[str],
    expires: str,
    now: datetime,
) -> tuple[wall.WallLink, str]:
    """Create a wall link (the CLI's verb, ``views`` in rotation order); return it and its token,
    shown once. The link's own row (created_by, created_at) is its audit trail."""
    try:
        return wall.create_link(
            engine,
            name=(name or "").strip(),
            views=",".join(v for v in views or () if v),
            regions=tuple(regions or ()),
            expires_in=wall.parse_duration(expires),
            created_by=actor,
            now=now,
        )
    except wall.WallError as exc:
        raise AdminError(str(exc)) from exc


def revoke_wall_link(engine: Engine, *, actor: str, name: str, now: datetime) -> None:
    """Revoke a live wall link (the CLI's verb): its screen's next request is refused."""
    name = (name or "").strip()
    if not wall.revoke_link(engine, name=name, now=now, revoked_by=actor):
        raise AdminError(f"name: no live wall link named {name!r}")


def audit_log(
    engine: Engine,
    *,
    who: str | None = None,
    what: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = AUDIT_LIMIT,
) -> list[dict[str, Any]]:
    """One log over every append-only trail (status events of alerts, flags, claims, users and
    tokens; settings; owner and grade history; wall links; organisation changes), newest first.

    ``who`` matches the actor (substring, any case); ``what`` the trail, subject or action.
    """
    with engine.connect() as conn:
        rows = store.audit_rows(conn, since=since, until=until, limit=limit)
    who_l, what_l = (who or "").strip().lower(), (what or "").strip().lower()

    def keep(r: dict[str, Any]) -> bool:
        if (since is not None and r["at"] < since) or (until is not None and r["at"] >= until):
            return False
        if who_l and who_l not in (r["actor"] or "").lower():
            return False
        hay = " ".join(str(r[k] or "") for k in ("trail", "subject", "action")).lower()
        return not what_l or what_l in hay

    kept = sorted(filter(keep, rows), key=lambda r: r["at"], reverse=True)
    return kept[:limit]


def audit_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The audit rows as CSV (times in ISO 8601, UTC)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r["at"].isoformat() if k == "at" else ("" if r[k] is None else r[k])
                for k in AUDIT_COLUMNS
            ]
        )
    return out.getvalue()

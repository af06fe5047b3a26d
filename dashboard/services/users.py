"""Users, roles, region scope and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.roles import ROLES
from data_access import sessions as session_store
from data_access import users as store
from data_access.scope import Scope

# The roles that may change something: a manager and an admin triage alerts
# (services.alerts.TRIAGE_ROLES), finance and an admin decide claims (services.finance.DECIDERS),
# an admin edits thresholds. Every other role (exec, a wall link) only reads.
CHANGING_ROLES = frozenset({"manager", "finance", "admin"})
MIN_PASSWORD_LENGTH = 8
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")


class UserError(ValueError):
    """A user or token request was refused; the message says why."""


@dataclass(frozen=True)
class User:
    """A signed-in person: role and the regions a manager may see (empty = all)."""

    id: int
    name: str
    role: str
    regions: tuple[str, ...]
    locale: str = "zh"
    theme: str = "light"

    @property
    def scoped(self) -> bool:
        """Whether queries must be limited to ``regions`` (managers; wall links with regions)."""
        return self.role == "manager" or (self.role == "wall" and bool(self.regions))


def scope_of(user: User) -> Scope:
    """The scope of a signed-in user's queries: their regions when ``user.scoped``, else every
    region; read-only unless the role may change something."""
    read_only = user.role not in CHANGING_ROLES
    if user.scoped:
        return Scope.of_regions(user.regions, user=user.name, read_only=read_only)
    return Scope.everything(user=user.name, read_only=read_only)


def _to_user(row) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        role=row["role"],
        regions=tuple(row["regions"]),
        locale=row["locale"],
        theme=row["theme"],
    )


def create_user(
    engine: Engine,
    *,
    name: str,
    password: str,
    role: str,
    regions: Sequence[str] = (),
    now: datetime,
) -> User:
    """Create or update a user; a manager must name at least one known region."""
    if not name or len(name) > 64 or not set(name) <= _NAME_CHARS:
        raise UserError(f"name: {name!r} must be 1-64 characters of letters, digits and . _ - @")
    if role not in ROLES:
        raise UserError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")
    regions = sorted(set(regions))
    if role == "manager" and not regions:
        raise UserError("region: a manager needs at least one --region")
    if role != "manager" and regions:
        raise UserError(f"region: only managers are limited to regions, not {role}")
    with engine.begin() as conn:
        unknown = set(regions) - store.region_ids(conn)
        if unknown:
            raise UserError(f"region: unknown region(s) {', '.join(sorted(unknown))}")
        existing = store.fetch_user(conn, name=name)
        if existing is not None:
            # A new password (or role) ends every session signed in with the old one.
            session_store.delete_user_sessions(conn, str(existing["id"]))
        store.upsert_user(
            conn,
            name=name,
            password_hash=generate_password_hash(password),
            role=role,
            regions=regions,
            now=now,
        )
        return _to_user(store.fetch_user(conn, name=name))


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """Return the user if the name and password match an active account."""
    with engine.connect() as conn:
        row = store.fetch_user(conn, name=name)
    if row is None or not row["active"]:
        # Spend the same time as a real check so names cannot be probed by timing.
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(row["password_hash"], password):
        return None
    return _to_user(row)


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def load_user(engine: Engine, user_id: int) -> User | None:
    """Return an active user by id (for the session cookie)."""
    with engine.connect() as conn:
        row = store.fetch_user(conn, user_id=user_id)
    return _to_user(row) if row is not None and row["active"] else None


def deactivate_user(engine: Engine, name: str) -> bool:
    """Deactivate a user and end all its sessions at once; False when no such user."""
    with engine.begin() as conn:
        row = store.fetch_user(conn, name=name)
        if row is None:
            return False
        store.set_user_active(conn, row["id"], False)
        session_store.delete_user_sessions(conn, str(row["id"]))
    return True


def sign_out_everywhere(engine: Engine, name: str) -> int | None:
    """End every session of a user (all browsers, all processes); None when no such user."""
    with engine.begin() as conn:
        row = store.fetch_user(conn, name=name)
        if row is None:
            return None
        return session_store.delete_user_sessions(conn, str(row["id"]))


def set_preferences(
    engine: Engine, user_id: int, *, locale: str | None = None, theme: str | None = None
) -> None:
    """Remember a user's language and theme."""
    prefs = {}
    if locale in ("zh", "en"):
        prefs["locale"] = locale
    if theme in ("light", "dark"):
        prefs["theme"] = theme
    if prefs:
        with engine.begin() as conn:
            store.update_user_prefs(conn, user_id, **prefs)


def count_users(engine: Engine) -> int:
    """Return how many users exist."""
    with engine.connect() as conn:
        return store.count_users(conn)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# What an API token may call: "ingest" POST /api/v1/ingest only; "read" the exports and read
# endpoints only; "all" every endpoint. Tokens made before scopes existed have "all" (they keep
# every right they had); a new one gets "all" only when asked (e.g. a field app that sends
# records and reads its tasks and plans).
TOKEN_SCOPES = ("ingest", "read", "all")
LEGACY_SCOPE = "all"


def create_token(engine: Engine, *, name: str, now: datetime, scope: str = "ingest") -> str:
    """Create an API token of a scope for an integration; return it (only its hash is stored)."""
    if not name or len(name) > 64:
        raise UserError("name: a token needs a name of 1-64 characters")
    if scope not in TOKEN_SCOPES:
        raise UserError(f"scope: {scope!r} is not one of {', '.join(TOKEN_SCOPES)}")
    token = "fc_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        store.insert_token(conn, name=name, token_sha256=_hash_token(token), now=now, scope=scope)
    return token


def check_token(engine: Engine, token: str, *, now: datetime) -> str | None:
    """Return the token's name if it is live, else None."""
    found = check_scoped_token(engine, token, now=now)
    return None if found is None else found[0]


def check_scoped_token(engine: Engine, token: str, *, now: datetime) -> tuple[str, str] | None:
    """Return (name, scope) of a live token (noting its use), else None."""
    if not token:
        return None
    with engine.begin() as conn:
        return store.use_scoped_token(conn, token_sha256=_hash_token(token), now=now)


def token_allows(scope: str, needed: str) -> bool:
    """Whether a token of ``scope`` may call an endpoint that needs ``needed``."""
    return scope in (LEGACY_SCOPE, needed)


def record_sign_in(engine: Engine, user_id: int, *, now: datetime) -> None:
    """Note a user's successful sign-in (the admin console's "last sign-in")."""
    with engine.begin() as conn:
        store.note_sign_in(conn, user_id, now=now)


def revoke_token(engine: Engine, *, name: str, now: datetime) -> int:
    """Revoke the live tokens of a name; return how many."""
    with engine.begin() as conn:
        return store.revoke_tokens(conn, name=name, now=now)


def list_region_ids(engine: Engine) -> list[str]:
    """Return the stored region ids, sorted."""
    with engine.connect() as conn:
        return sorted(store.region_ids(conn))

"""Server-side sessions for Flask, and CSRF tokens.

The cookie holds a random session id only; the session's content lives in the ``sessions``
table (keyed by the id's hash). Deleting the row (sign-out, password change, deactivation,
"sign out everywhere") ends the session at its next request in every worker process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, Request, Response, current_app, request, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from dashboard.services import sessions as store
from dashboard.services.db import DatabaseUnavailable, get_engine
from dashboard.settings import Settings

# Paths that never need the session (static files): no database read for them.
_SESSIONLESS = ("/_dash-component-suites/", "/assets/", "/vendor/", "/tiles/blank/", "/favicon")
_SERIALIZER = TaggedJSONSerializer()
LOGIN_CSRF_COOKIE = "cockpit_login_csrf"
CSRF_FIELD = "csrf_token"


def lifetimes(settings: Settings) -> store.Lifetimes:
    """The idle and absolute lifetimes of sessions under these settings."""
    return store.Lifetimes(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_max_hours),
    )


class ServerSession(CallbackDict, SessionMixin):
    """A session whose content is stored server-side under ``sid``."""

    def __init__(self, initial=None, sid: str | None = None):
        def on_update(_self) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.modified = False
        self.rotate = False
        self.expires_at: datetime | None = None

    def regenerate(self, *, expires_at: datetime | None = None) -> None:
        """Give the session a fresh id at its next save (sign-in: no session fixation)."""
        self.rotate = True
        self.expires_at = expires_at
        self.modified = True


class DatabaseSessions(SessionInterface):
    """Flask sessions stored in the database, the cookie carrying only their id."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def _engine(self):
        return get_engine(self.settings.database_url)

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if request.path.startswith(_SESSIONLESS) or not sid or len(sid) > 128:
            return ServerSession()
        now = datetime.now(UTC)
        try:
            row = store.load_session(
                self._engine(), sid, now=now, lifetimes=lifetimes(self.settings)
            )
        except DatabaseUnavailable:
            return ServerSession()
        if row is None:
            return ServerSession()
        try:
            data = _SERIALIZER.loads(row["data"])
        except ValueError:
            data = {}
        return ServerSession(data, sid=sid)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if request.path.startswith(_SESSIONLESS):
            return
        engine = self._engine()
        if not session:
            if session.sid is not None and session.modified:
                store.end_session(engine, session.sid)
                response.delete_cookie(name, domain=domain, path=path)
            return
        if not session.modified and not session.rotate:
            return
        now = datetime.now(UTC)
        if session.rotate or session.sid is None:
            if session.sid is not None:
                store.end_session(engine, session.sid)
            session.sid = secrets.token_urlsafe(32)
        absolute = now + lifetimes(self.settings).absolute
        expires_at = session.expires_at or absolute
        user_key = session.get("_user_id")
        store.save_session(
            engine,
            session.sid,
            user_key=str(user_key)[:64] if user_key is not None else None,
            data=_SERIALIZER.dumps(dict(session)),
            now=now,
            expires_at=expires_at,
        )
        response.set_cookie(
            name,
            session.sid,
            expires=expires_at if session.expires_at else None,
            httponly=True,
            secure=bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure),
            samesite=app.config["SESSION_COOKIE_SAMESITE"],
            domain=domain,
            path=path,
        )


# ------------------------------------------------------------------ CSRF


def _sign(value: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, b"csrf:" + value.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_token() -> str:
    """The CSRF token of the signed-in session (bound to its id), "" without a session."""
    sid = getattr(session, "sid", None)
    return _sign(sid) if sid else ""


def csrf_ok() -> bool:
    """Whether a state-changing form request carries its session's CSRF token."""
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token") or ""
    expected = csrf_token()
    return bool(expected) and hmac.compare_digest(sent, expected)


def login_csrf_pair() -> tuple[str, str]:
    """(cookie value, form value) for the sign-in form: a random nonce and its signature."""
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if len(nonce) != 43:
        nonce = secrets.token_urlsafe(32)
    return nonce, _sign("login:" + nonce)


def login_csrf_ok() -> bool:
    """Whether the sign-in form came back with the token issued alongside its cookie."""
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    sent = request.form.get(CSRF_FIELD) or ""
    return bool(nonce) and hmac.compare_digest(sent, _sign("login:" + nonce))

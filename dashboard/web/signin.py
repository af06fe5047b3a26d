"""Signing in and out: flask-login's user loader, the /login, /logout and wall-link routes.

A person signs in with a name and password (throttled per name and client in the database); a
wall screen signs in with a wall link and then sees the wall only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from dashboard.services import sessions as session_store
from dashboard.services import users, wall
from dashboard.services.db import DatabaseUnavailable
from dashboard.settings import Settings
from dashboard.web.context import current_engine, current_settings, signed_in_user
from dashboard.web.login_page import (
    LOGIN_TEXT,
    LOGOUT_HTML,
    UNAVAILABLE_HTML,
    WALL_LINK_REFUSED_HTML,
    login_lang,
    render_login,
    safe_next,
)
from dashboard.web.sessions import CSRF_FIELD, csrf_ok, csrf_token, lifetimes, login_csrf_ok

signin = Blueprint("signin", __name__)
LIMITS_KEY = "cockpit_login_limits"


class SessionUser(UserMixin):
    """flask-login's view of a User."""

    def __init__(self, user: users.User):
        self.user = user

    def get_id(self) -> str:
        return str(self.user.id)


class WallSessionUser(SessionUser):
    """A kiosk signed in by a wall link: read-only, the wall only, the link's views and regions."""

    def __init__(self, link: wall.WallLink):
        super().__init__(wall.wall_user(link))
        self.wall_link = link

    def get_id(self) -> str:
        return f"wall:{self.wall_link.id}"


def current_wall_link() -> wall.WallLink | None:
    """The wall link of a wall session (as stored now: it may be revoked or expired), else None."""
    if current_user and current_user.is_authenticated:
        return getattr(current_user, "wall_link", None)
    return None


def _load(user_id: str):
    if user_id.startswith("wall:"):
        # Loaded even when revoked or expired: the wall then shows "link revoked".
        try:
            link = wall.load_link(current_engine(), int(user_id[5:]))
        except (ValueError, DatabaseUnavailable):
            return None
        return WallSessionUser(link) if link else None
    try:
        # Checked on every request: a deactivated user is signed out at once.
        user = users.load_user(current_engine(), int(user_id))
    except (ValueError, DatabaseUnavailable):
        return None
    return SessionUser(user) if user else None


def install_signin(server: Flask) -> None:
    """Give ``server`` flask-login, the sign-in throttle limits and the sign-in routes."""
    login_manager = LoginManager(server)
    login_manager.user_loader(_load)
    server.extensions[LIMITS_KEY] = session_store.ThrottleLimits()
    server.register_blueprint(signin)


def _client_address() -> str:
    return request.remote_addr or "?"


@signin.route("/login", methods=["GET", "POST"])
def login():
    lang = login_lang()
    if request.method == "GET":
        return render_login(lang)
    name = (request.form.get("name") or "").strip()[:64]
    password = request.form.get("password") or ""
    if not login_csrf_ok():
        return render_login(lang, LOGIN_TEXT[lang]["expired"], name, status=400)
    client = _client_address()
    now = datetime.now(UTC)
    if any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in name + password):
        # No account has such a name (PostgreSQL cannot even compare it): a wrong sign-in.
        return render_login(lang, LOGIN_TEXT[lang]["wrong"], "", status=401)
    limits = current_app.extensions[LIMITS_KEY]
    settings: Settings = current_settings()
    try:
        wait = session_store.login_wait(current_engine(), name, client, now=now, limits=limits)
        if wait > 0:
            text = LOGIN_TEXT[lang]["throttled"].format(s=int(wait) + 1)
            return render_login(lang, text, name, status=429)
        user = users.authenticate(current_engine(), name, password)
        if user is None:
            session_store.login_failed(current_engine(), name, client, now=now, limits=limits)
            return render_login(lang, LOGIN_TEXT[lang]["wrong"], name, status=401)
        session_store.login_succeeded(current_engine(), name, client)
        users.record_sign_in(current_engine(), user.id, now=now)
        # Forget sessions past their lifetimes now and then (a sign-in is a good moment).
        session_store.purge_expired(current_engine(), now=now, lifetimes=lifetimes(settings))
    except DatabaseUnavailable:
        return render_login(lang, LOGIN_TEXT[lang]["unavailable"], name, status=503)
    session.clear()
    session.regenerate()  # a fresh id: no session fixation
    login_user(SessionUser(user))
    return redirect(safe_next(request.args.get("next")))


@signin.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        # Signing out changes state: GET only shows the button (POST with the CSRF token).
        if signed_in_user() is None:
            return redirect("/login")
        page = LOGOUT_HTML.format(field=CSRF_FIELD, token=escape(csrf_token()))
        return Response(page, mimetype="text/html")
    if signed_in_user() is not None and not csrf_ok():
        return jsonify({"error": "missing or wrong CSRF token"}), 400
    logout_user()
    session.clear()  # deletes the server-side session row
    return redirect("/login")


@signin.route("/wall/link/<token>")
def open_wall_link(token: str):
    now = datetime.now(UTC)
    try:
        link = wall.open_link(current_engine(), token, now=now)
    except DatabaseUnavailable:
        return Response(UNAVAILABLE_HTML, status=503, mimetype="text/html")
    logout_user()
    session.clear()
    if link is None:
        return Response(WALL_LINK_REFUSED_HTML, status=403, mimetype="text/html")
    # The wall's session lives as long as its link (no idle screen is signed out by age).
    session.regenerate(expires_at=link.expires_at)
    login_user(WallSessionUser(link))
    if len(link.views) == 1:
        return redirect(f"/wall?view={quote(link.views[0], safe=':')}")
    return redirect(f"/wall?rotate={quote(','.join(link.views), safe=':,')}")

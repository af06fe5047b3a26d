"""The Flask server under Dash: configuration, server-side sessions, and the parts that each
have their own module (sign-in, the access guard, security headers, static files, the API)."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, jsonify, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.services import priority
from dashboard.services.db import DatabaseUnavailable, ping
from dashboard.settings import Settings
from dashboard.web.api import api
from dashboard.web.context import SETTINGS_KEY, current_engine
from dashboard.web.guard import install_guard
from dashboard.web.headers import install_headers
from dashboard.web.login_page import UNAVAILABLE_HTML
from dashboard.web.sessions import DatabaseSessions
from dashboard.web.signin import install_signin
from dashboard.web.tiles import static_files

# Requests that are not a page's: the API, static files, health checks (priority.note_page).
NOT_PAGES = ("/api/", "/assets/", "/vendor/", "/_dash-component-suites/", "/tiles/", "/healthz")


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    # Keep sessions valid across restarts of the embedded default: a key file beside the data
    # (several hosts need SECRET_KEY, the same on each).
    return shared_secret_file(settings.data_dir / "secret_key")


def shared_secret_file(path: Path) -> str:
    """Read the key in ``path``, creating it first if absent. Safe when several processes start
    at once: each writes a complete candidate to a file of its own and links it into place,
    which succeeds for exactly one of them; every process then reads the winner's key."""
    try:
        key = path.read_text().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process won: use its key
    finally:
        candidate.unlink(missing_ok=True)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it (or set SECRET_KEY) and start again")
    return key


def create_server(settings: Settings) -> Flask:
    """Build the Flask server: config, sign-in routes, guard, headers, API, static files."""
    server = Flask("dashboard")
    hops = settings.trusted_proxies
    if hops:
        # The client address, scheme and host come from X-Forwarded-* only through the
        # configured number of proxies; a client's own X-Forwarded-For entries are ignored.
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    server.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_NAME="cockpit_session",
        **{SETTINGS_KEY: settings},
    )
    server.session_interface = DatabaseSessions(settings)

    @server.before_request
    def note_page():
        # Judging on this host may be paced while pages are served (priority.pace); the API's
        # batches, static files and health checks are not pages.
        if not request.path.startswith(NOT_PAGES):
            priority.note_page()

    install_signin(server)
    install_guard(server)
    install_headers(server, settings.tile_url)

    @server.route("/healthz")
    def healthz():
        try:
            ping(current_engine())
        except DatabaseUnavailable:
            return jsonify({"status": "database unreachable"}), 503
        return jsonify({"status": "ok", "time": datetime.now(UTC).isoformat()})

    @server.errorhandler(DatabaseUnavailable)
    @server.errorhandler(sa_exc.OperationalError)
    @server.errorhandler(sa_exc.InterfaceError)
    def database_unreachable(exc):
        # Any request that finds the database gone: 503 (retry later), never a 500.
        server.logger.warning("database unreachable: %s", exc)
        if request.path.startswith(("/api/", "/_dash-")):
            return jsonify({"error": "database unreachable; retry later"}), 503
        return Response(UNAVAILABLE_HTML, status=503, mimetype="text/html")

    @server.errorhandler(Exception)
    def callback_failed(exc):
        # A callback that raises on the values it was sent (a forged or stale body): 400 with
        # the error logged; anything else keeps Flask's answer (HTTP errors) or is a real 500.
        if isinstance(exc, HTTPException):
            return exc
        server.logger.exception("request %s %s failed", request.method, request.path)
        if request.path == "/_dash-update-component":
            return jsonify({"error": "the callback could not use the values sent"}), 400
        if request.path.startswith(("/api/", "/_dash-")):
            return jsonify({"error": "internal error"}), 500
        return Response("internal error", status=500, mimetype="text/plain")

    server.register_blueprint(static_files)
    server.register_blueprint(api)
    return server

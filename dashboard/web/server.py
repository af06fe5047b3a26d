"""The Flask server under Dash: configuration, server-side sessions, and the parts that each
have their own module (sign-in, the access guard, security headers, static files, the API)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import Flask, Response, jsonify, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

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


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    # Keep sessions valid across restarts of the embedded default: a key file beside the data.
    path = settings.data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
        return key


def create_server(settings: Settings) -> Flask:
    """Build the Flask server: config, sign-in routes, guard, headers, API, static files."""
    server = Flask("dashboard")
    server.wsgi_app = ProxyFix(server.wsgi_app, x_proto=1, x_host=1)  # type: ignore[method-assign]
    server.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_NAME="cockpit_session",
        **{SETTINGS_KEY: settings},
    )
    server.session_interface = DatabaseSessions(settings)
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

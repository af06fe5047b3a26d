"""The Flask server under Dash: sessions, sign-in, the access guard, headers, vendor files."""

from __future__ import annotations

import json
import secrets
import struct
import zlib
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from urllib.parse import quote, urlsplit

import flask_bootstrap
from flask import Flask, Response, jsonify, redirect, request, send_from_directory, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.services import sessions as session_store
from dashboard.services import users, wall
from dashboard.services.db import DatabaseUnavailable, ping
from dashboard.settings import Settings
from dashboard.web.api import api
from dashboard.web.context import SETTINGS_KEY, current_engine, signed_in_user
from dashboard.web.sessions import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    DatabaseSessions,
    csrf_ok,
    csrf_token,
    lifetimes,
    login_csrf_ok,
    login_csrf_pair,
)

BOOTSTRAP_DIR = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5"


def _solid_png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """Encode a one-colour square PNG (the blank base-map tile)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size, 9))
        + chunk(b"IEND", b"")
    )


# Served as the base map when public tiles cannot be reached (no network, tests).
BLANK_TILE = _solid_png(256, (236, 238, 241))

# Paths anyone may fetch: sign-in, static code and styles (no data), and the token-guarded API.
PUBLIC_PREFIXES = (
    "/login",
    "/logout",
    "/vendor/",
    "/assets/",
    "/_dash-component-suites/",
    "/_favicon.ico",
    "/favicon.ico",
    "/api/",
    "/healthz",
    "/tiles/blank",
    "/wall/link/",
)

# What a wall session (signed in by a wall link) may fetch besides the public paths: the wall page
# and the Dash plumbing it needs; its callbacks are checked one by one (see _wall_callback_allowed).
WALL_PATHS = ("/wall", "/_dash-layout", "/_dash-dependencies", "/_reload-hash", "/logout")
# Dash's own page-routing callback outputs (allowed for the /wall path only).
_PAGES_IDS = {"_pages_content", "_pages_store"}


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


class CallbackRefused(Exception):
    """A Dash callback request the guard refuses: 400 (malformed) or 403 (not allowed)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _split_output(output: str) -> list[str]:
    """The "id.property" parts of a callback's output key, as Dash builds it."""
    if output.startswith("..") and output.endswith(".."):
        return output[2:-2].split("...")
    return [output]


def _id_key(value) -> str | None:
    """A component id as the callback map writes it (dict ids as sorted compact JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return None


def _pattern_fits(pattern: str, item_id) -> bool:
    """Whether a concrete dict id fits a pattern-matching id (wildcards match anything)."""
    try:
        spec = json.loads(pattern)
    except ValueError:
        return False
    if not isinstance(item_id, dict) or set(item_id) != set(spec):
        return False
    return all(isinstance(v, list) or item_id[k] == v for k, v in spec.items())


def _prop(value) -> str | None:
    # allow_duplicate outputs carry an "@hash" suffix, which Dash strips.
    return value.split("@", 1)[0] if isinstance(value, str) else None


def _matches(spec: dict, item) -> bool:
    """Whether one body entry is the registered input/state/output ``spec``."""
    sid, prop = spec["id"], _prop(spec["property"])
    if sid.startswith("{"):
        # ALL / ALLSMALLER give a list of entries; MATCH gives one.
        wildcard = '["ALL"]' in sid or '["ALLSMALLER"]' in sid
        if wildcard != isinstance(item, list):
            return False
        entries = item if isinstance(item, list) else [item]
        return all(
            isinstance(e, dict)
            and _prop(e.get("property")) == prop
            and _pattern_fits(sid, e.get("id"))
            for e in entries
        )
    return isinstance(item, dict) and item.get("id") == sid and _prop(item.get("property")) == prop


def _spec_of(part: str) -> dict:
    oid, _, prop = part.rpartition(".")
    return {"id": oid, "property": prop}


def resolve_callback(callback_map, body) -> tuple[dict, list[str], dict[str, object]]:
    """Find the callback Dash will run for a request body and check the body against it.

    Returns the callback's map entry, its registered output ids, and the input and state values
    by "id.property" as Dash will pass them. Raises CallbackRefused(400) for a body that is not
    a well-formed request of a registered callback (unknown output key, inputs renamed,
    duplicated, missing or reordered).
    """
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        raise CallbackRefused(400, "not a Dash callback request")
    entry = callback_map.get(body["output"])
    if entry is None:
        raise CallbackRefused(400, "no such callback")
    values: dict[str, object] = {}
    for kind in ("inputs", "state"):
        items = body.get(kind, [])
        specs = entry[kind]
        if not isinstance(items, list) or len(items) != len(specs):
            raise CallbackRefused(400, f"{kind} do not match the callback")
        for spec, item in zip(specs, items, strict=True):
            if not _matches(spec, item):
                raise CallbackRefused(400, f"{kind} do not match the callback")
            if isinstance(item, dict):
                values[f"{spec['id']}.{spec['property']}"] = item.get("value")
    parts = [] if entry.get("no_output") else _split_output(body["output"])
    outputs = body.get("outputs", [])
    flat = outputs if isinstance(outputs, list) and len(parts) != 1 else [outputs]
    if parts and (
        len(flat) != len(parts)
        or not all(_matches(_spec_of(part), item) for part, item in zip(parts, flat, strict=False))
    ):
        raise CallbackRefused(400, "outputs do not match the callback")
    return entry, [_spec_of(p)["id"] for p in parts], values


def _wall_callback_allowed(output_ids: list[str], values: dict[str, object]) -> bool:
    """What a wall session may run: the wall's own callbacks, and Dash's page routing for /wall
    (the pathname as Dash will pass it to the routing callback)."""
    if not output_ids:
        return False
    if all(i.startswith("wall-") for i in output_ids):
        return True
    return set(output_ids) <= _PAGES_IDS and values.get("_pages_location.pathname") == "/wall"


_LOGIN_TEXT = {
    "zh": {
        "title": "外勤拜访驾驶舱",
        "subtitle": "登录",
        "user": "用户名",
        "password": "密码",
        "submit": "登录",
        "wrong": "用户名或密码错误。",
        "expired": "登录表单已过期，请重试。",
        "throttled": "失败次数过多，请 {s} 秒后再试。",
        "unavailable": "数据库暂时无法连接，请稍后再试。",
        "other": "English",
    },
    "en": {
        "title": "Field Visit Cockpit",
        "subtitle": "Sign in",
        "user": "User name",
        "password": "Password",
        "submit": "Sign in",
        "wrong": "Wrong user name or password.",
        "expired": "The sign-in form expired; please try again.",
        "throttled": "Too many failed attempts; try again in {s} s.",
        "unavailable": "The database cannot be reached right now; try again shortly.",
        "other": "中文",
    },
}


def _login_lang() -> str:
    lang = request.args.get("lang") or request.cookies.get("cockpit_lang") or ""
    if lang in _LOGIN_TEXT:
        return lang
    return "en" if request.accept_languages.best_match(["zh", "en"]) == "en" else "zh"


def _render_login(lang: str, message: str = "", name: str = "", status: int = 200) -> Response:
    t = _LOGIN_TEXT[lang]
    other = "en" if lang == "zh" else "zh"
    nxt = escape(quote(safe_next(request.args.get("next")), safe="/"))
    alert = (
        f'<div class="alert alert-danger" role="alert">{escape(message)}</div>' if message else ""
    )
    nonce, form_token = login_csrf_pair()
    html = f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}" data-bs-theme="light">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t["title"]} · {t["subtitle"]}</title>
<link rel="manifest" href="/assets/manifest.webmanifest">
<link rel="apple-touch-icon" href="/assets/icons/apple-touch-icon.png">
<meta name="theme-color" content="#0d6efd">
<link rel="stylesheet" href="/vendor/bootstrap/css/bootstrap.min.css">
<link rel="stylesheet" href="/assets/cockpit.css"></head>
<body class="login-body">
<main class="login-card card shadow-sm">
 <div class="card-body p-4">
  <div class="d-flex justify-content-between align-items-start mb-3">
   <div><h1 class="h4 mb-0">{t["title"]}</h1>
    <div class="text-body-secondary">{t["subtitle"]}</div></div>
   <a class="small" id="login-lang" href="/login?lang={other}&next={nxt}">{t["other"]}</a>
  </div>
  {alert}
  <form method="post" action="/login?next={nxt}&lang={lang}" id="login-form">
   <div class="mb-3"><label class="form-label" for="login-name">{t["user"]}</label>
    <input class="form-control" id="login-name" name="name" autocomplete="username" required
     value="{escape(name)}" autofocus></div>
   <div class="mb-3"><label class="form-label" for="login-password">{t["password"]}</label>
    <input class="form-control" id="login-password" name="password" type="password"
     autocomplete="current-password" required></div>
   <input type="hidden" name="{CSRF_FIELD}" value="{form_token}">
   <button class="btn btn-primary w-100" id="login-submit" type="submit">{t["submit"]}</button>
  </form>
 </div>
</main></body></html>"""
    response = Response(html, status=status, mimetype="text/html")
    response.set_cookie("cockpit_lang", lang, max_age=365 * 86400, samesite="Lax", httponly=True)
    # The sign-in form's CSRF token is the signature of this cookie's nonce (double submit).
    response.set_cookie(LOGIN_CSRF_COOKIE, nonce, samesite="Strict", httponly=True)
    return response


_UNAVAILABLE_HTML = """<!doctype html><html><head><meta charset="utf-8">
<title>503</title><link rel="stylesheet" href="/vendor/bootstrap/css/bootstrap.min.css"></head>
<body class="p-5"><h1 class="h4">数据库暂时无法连接 · The database cannot be reached</h1>
<p>请稍后刷新页面。Please reload the page in a moment.</p></body></html>"""


_WALL_LINK_REFUSED_HTML = """<!doctype html><html><head><meta charset="utf-8">
<title>403</title><link rel="stylesheet" href="/vendor/bootstrap/css/bootstrap.min.css"></head>
<body class="p-5" id="wall-link-refused"><h1 class="h4">此大屏链接无效、已过期或已撤销 ·
This wall link is invalid, expired or revoked</h1>
<p>请联系管理员获取新的链接。Ask an administrator for a new link.</p></body></html>"""


def safe_next(target: str | None) -> str:
    """Only follow local paths after sign-in (no open redirects)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


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


# Content-Security-Policy: everything from the app itself, inline scripts only by hash (Dash's
# renderer start-up and clientside callbacks, see Dash.csp_hashes), no eval. Styles allow
# 'unsafe-inline': plotly, Leaflet and AG Grid insert <style> elements at run time.
def content_security_policy(script_hashes: list[str], tile_url: str) -> str:
    """The CSP of every response, given the inline-script hashes and the tile URL template."""
    tiles = urlsplit(tile_url)
    tile_src = f" {tiles.scheme}://{tiles.netloc.replace('{s}', '*')}" if tiles.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(script_hashes),
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob:{tile_src}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

_LOGOUT_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Sign out</title>
<link rel="stylesheet" href="/vendor/bootstrap/css/bootstrap.min.css"></head>
<body class="p-5"><form method="post" action="/logout" id="logout-form">
<input type="hidden" name="{field}" value="{token}">
<button class="btn btn-primary" id="logout-submit" type="submit">退出登录 · Sign out</button>
</form></body></html>"""


def _client_address() -> str:
    return request.remote_addr or "?"


def _callback_roles(entry: dict) -> tuple[str, ...] | None:
    """The roles of the page that registered a callback (None: not a page's callback)."""
    import dash  # the registry of pages; imported here so the server builds without Dash

    func = entry.get("callback")
    module = getattr(getattr(func, "__wrapped__", func), "__module__", None)
    for page in dash.page_registry.values():
        if page.get("module") == module:
            return tuple(page.get("roles") or ())
    return None


def create_server(settings: Settings) -> Flask:
    """Build the Flask server: config, sign-in routes, guard, API, vendor files."""
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
    login_manager = LoginManager(server)
    limits = session_store.ThrottleLimits()
    server.extensions["cockpit_login_limits"] = limits

    @login_manager.user_loader
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

    def _check_callback(user) -> Response | tuple | None:
        """Check a Dash callback request against the callback Dash will run."""
        app = server.extensions.get("cockpit_dash")
        if app is None:
            return None
        app._setup_server()  # complete the callback map (Dash does it on the first request)
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            body = None
        try:
            entry, output_ids, values = resolve_callback(app.callback_map, body)
            if user.role == wall.WALL_ROLE:
                if not _wall_callback_allowed(output_ids, values):
                    raise CallbackRefused(403, "a wall link opens the wall only")
            else:
                roles = _callback_roles(entry)
                if roles is not None and user.role not in roles:
                    raise CallbackRefused(403, "this page is not open to your role")
        except CallbackRefused as exc:
            return jsonify({"error": str(exc)}), exc.status
        return None

    @server.before_request
    def guard():
        path = request.path
        public = path != "/" and path.startswith(PUBLIC_PREFIXES)
        user = signed_in_user()
        if user is not None and user.role == wall.WALL_ROLE and not public:
            if path in WALL_PATHS or path == "/_dash-update-component":
                pass
            elif path.startswith("/_dash-") or request.method != "GET":
                return jsonify({"error": "a wall link opens the wall only"}), 403
            else:
                return redirect("/wall")
        if user is not None and path == "/_dash-update-component" and request.method == "POST":
            return _check_callback(user)
        if public or user is not None:
            return None
        if path.startswith("/_dash-") or request.method != "GET":
            return jsonify({"error": "sign-in required"}), 401
        return redirect(f"/login?next={quote(request.full_path.rstrip('?'), safe='/')}")

    @server.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        app = server.extensions.get("cockpit_dash")
        hashes = list(app.csp_hashes()) if app is not None else []
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(hashes, settings.tile_url)
        )
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response

    @server.route("/login", methods=["GET", "POST"])
    def login():
        lang = _login_lang()
        if request.method == "GET":
            return _render_login(lang)
        name = (request.form.get("name") or "").strip()[:64]
        password = request.form.get("password") or ""
        if not login_csrf_ok():
            return _render_login(lang, _LOGIN_TEXT[lang]["expired"], name, status=400)
        client = _client_address()
        now = datetime.now(UTC)
        if any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in name + password):
            # No account has such a name (PostgreSQL cannot even compare it): a wrong sign-in.
            return _render_login(lang, _LOGIN_TEXT[lang]["wrong"], "", status=401)
        try:
            wait = session_store.login_wait(current_engine(), name, client, now=now, limits=limits)
            if wait > 0:
                text = _LOGIN_TEXT[lang]["throttled"].format(s=int(wait) + 1)
                return _render_login(lang, text, name, status=429)
            user = users.authenticate(current_engine(), name, password)
            if user is None:
                session_store.login_failed(current_engine(), name, client, now=now, limits=limits)
                return _render_login(lang, _LOGIN_TEXT[lang]["wrong"], name, status=401)
            session_store.login_succeeded(current_engine(), name, client)
            # Forget sessions past their lifetimes now and then (a sign-in is a good moment).
            session_store.purge_expired(current_engine(), now=now, lifetimes=lifetimes(settings))
        except DatabaseUnavailable:
            return _render_login(lang, _LOGIN_TEXT[lang]["unavailable"], name, status=503)
        session.clear()
        session.regenerate()  # a fresh id: no session fixation
        login_user(SessionUser(user))
        return redirect(safe_next(request.args.get("next")))

    @server.route("/logout", methods=["GET", "POST"])
    def logout():
        if request.method == "GET":
            # Signing out changes state: GET only shows the button (POST with the CSRF token).
            if signed_in_user() is None:
                return redirect("/login")
            page = _LOGOUT_HTML.format(field=CSRF_FIELD, token=escape(csrf_token()))
            return Response(page, mimetype="text/html")
        if signed_in_user() is not None and not csrf_ok():
            return jsonify({"error": "missing or wrong CSRF token"}), 400
        logout_user()
        session.clear()  # deletes the server-side session row
        return redirect("/login")

    @server.route("/wall/link/<token>")
    def open_wall_link(token: str):
        now = datetime.now(UTC)
        try:
            link = wall.open_link(current_engine(), token, now=now)
        except DatabaseUnavailable:
            return Response(_UNAVAILABLE_HTML, status=503, mimetype="text/html")
        logout_user()
        session.clear()
        if link is None:
            return Response(_WALL_LINK_REFUSED_HTML, status=403, mimetype="text/html")
        # The wall's session lives as long as its link (no idle screen is signed out by age).
        session.regenerate(expires_at=link.expires_at)
        login_user(WallSessionUser(link))
        if len(link.views) == 1:
            return redirect(f"/wall?view={quote(link.views[0], safe=':')}")
        return redirect(f"/wall?rotate={quote(','.join(link.views), safe=':,')}")

    @server.route("/vendor/bootstrap/<path:filename>")
    def vendor_bootstrap(filename: str):
        return send_from_directory(BOOTSTRAP_DIR, filename, max_age=86400)

    @server.route("/tiles/blank/<int:z>/<int:x>/<int:y>.png")
    def blank_tile(z: int, x: int, y: int):
        return Response(
            BLANK_TILE, mimetype="image/png", headers={"Cache-Control": "max-age=86400"}
        )

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
        return Response(_UNAVAILABLE_HTML, status=503, mimetype="text/html")

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

    server.register_blueprint(api)
    return server

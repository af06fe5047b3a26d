"""The Flask server under Dash: sessions, sign-in, the access guard, headers, vendor files."""

from __future__ import annotations

import secrets
import struct
import threading
import time
import zlib
from collections import deque
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from urllib.parse import quote, urlsplit

import flask_bootstrap
from flask import Flask, Response, jsonify, redirect, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import exc as sa_exc
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.services import users, wall
from dashboard.services.db import DatabaseUnavailable, ping
from dashboard.settings import Settings
from dashboard.web.api import api
from dashboard.web.context import SETTINGS_KEY, current_engine, signed_in_user

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


def _callback_ids(body) -> tuple[set[str], str | None]:
    """Return the output component ids of a Dash callback request and the page path it asks
    for (the pathname input of Dash's page-routing callback), if any."""
    outputs = body.get("outputs") if isinstance(body, dict) else None
    if isinstance(outputs, dict):
        outputs = [outputs]
    ids: set[str] = set()
    for out in outputs or []:
        items = out if isinstance(out, list) else [out]
        for item in items:
            oid = item.get("id") if isinstance(item, dict) else None
            # Pattern-matching ids arrive as dicts: never a wall id.
            ids.add(oid if isinstance(oid, str) else "?")
    pathname = None
    for item in body.get("inputs", []) if isinstance(body, dict) else []:
        if (
            isinstance(item, dict)
            and item.get("id") == "_pages_location"
            and item.get("property") == "pathname"
        ):
            pathname = item.get("value")
    return ids, pathname


def _wall_callback_allowed(body) -> bool:
    ids, pathname = _callback_ids(body)
    if not ids:
        return False
    if all(i.startswith("wall-") for i in ids):
        return True
    return ids <= _PAGES_IDS and pathname == "/wall"


def _wall_session_allows(path: str) -> bool:
    if path in WALL_PATHS:
        return True
    if path == "/_dash-update-component":
        return _wall_callback_allowed(request.get_json(silent=True))
    return False


class _HttpsAwareSessions(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


class LoginThrottle:
    """Sliding-window limit on failed sign-ins, per user name and per client address."""

    def __init__(self, per_user: int = 5, per_ip: int = 20, window: float = 300.0):
        self.per_user, self.per_ip, self.window = per_user, per_ip, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked_for(self, name: str, ip: str, now: float | None = None) -> float:
        """Return the seconds to wait before another attempt (0 when allowed)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = []
            for key, limit in ((f"u:{name.lower()}", self.per_user), (f"ip:{ip}", self.per_ip)):
                q = self._recent(key, now)
                if len(q) >= limit:
                    waits.append(self.window - (now - q[0]))
            return max(waits, default=0.0)

    def failed(self, name: str, ip: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in (f"u:{name.lower()}", f"ip:{ip}"):
                self._recent(key, now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"u:{name.lower()}", None)


_LOGIN_TEXT = {
    "zh": {
        "title": "外勤拜访驾驶舱",
        "subtitle": "登录",
        "user": "用户名",
        "password": "密码",
        "submit": "登录",
        "wrong": "用户名或密码错误。",
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
   <button class="btn btn-primary w-100" id="login-submit" type="submit">{t["submit"]}</button>
  </form>
 </div>
</main></body></html>"""
    response = Response(html, status=status, mimetype="text/html")
    response.set_cookie("cockpit_lang", lang, max_age=365 * 86400, samesite="Lax", httponly=True)
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
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        **{SETTINGS_KEY: settings},
    )
    server.session_interface = _HttpsAwareSessions()
    login_manager = LoginManager(server)
    throttle = LoginThrottle()
    server.extensions["cockpit_login_throttle"] = throttle

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
            user = users.load_user(current_engine(), int(user_id))
        except (ValueError, DatabaseUnavailable):
            return None
        return SessionUser(user) if user else None

    @server.before_request
    def guard():
        path = request.path
        public = path != "/" and path.startswith(PUBLIC_PREFIXES)
        user = signed_in_user()
        if user is not None and user.role == wall.WALL_ROLE and not public:
            if _wall_session_allows(path):
                return None
            if path.startswith("/_dash-") or request.method != "GET":
                return jsonify({"error": "a wall link opens the wall only"}), 403
            return redirect("/wall")
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
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @server.route("/login", methods=["GET", "POST"])
    def login():
        lang = _login_lang()
        if request.method == "GET":
            return _render_login(lang)
        name = (request.form.get("name") or "").strip()
        password = request.form.get("password") or ""
        ip = request.remote_addr or "?"
        wait = throttle.blocked_for(name, ip)
        if wait > 0:
            text = _LOGIN_TEXT[lang]["throttled"].format(s=int(wait) + 1)
            return _render_login(lang, text, name, status=429)
        try:
            user = users.authenticate(current_engine(), name, password)
        except DatabaseUnavailable:
            return _render_login(lang, _LOGIN_TEXT[lang]["unavailable"], name, status=503)
        if user is None:
            throttle.failed(name, ip)
            return _render_login(lang, _LOGIN_TEXT[lang]["wrong"], name, status=401)
        throttle.succeeded(name)
        login_user(SessionUser(user))
        return redirect(safe_next(request.args.get("next")))

    @server.route("/logout")
    def logout():
        logout_user()
        return redirect("/login")

    @server.route("/wall/link/<token>")
    def open_wall_link(token: str):
        now = datetime.now(UTC)
        try:
            link = wall.open_link(current_engine(), token, now=now)
        except DatabaseUnavailable:
            return Response(_UNAVAILABLE_HTML, status=503, mimetype="text/html")
        if link is None:
            logout_user()
            return Response(_WALL_LINK_REFUSED_HTML, status=403, mimetype="text/html")
        logout_user()
        login_user(WallSessionUser(link), remember=True, duration=link.expires_at - now)
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

    server.register_blueprint(api)
    return server

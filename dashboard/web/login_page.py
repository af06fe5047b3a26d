"""The server-rendered HTML: the sign-in page (zh/en), the sign-out form, and the pages shown
when the database is unreachable or a wall link is refused."""

from __future__ import annotations

from html import escape
from urllib.parse import quote, urlsplit

from flask import Response, request

from dashboard.web.sessions import CSRF_FIELD, LOGIN_CSRF_COOKIE, login_csrf_pair

LOGIN_TEXT = {
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


def login_lang() -> str:
    lang = request.args.get("lang") or request.cookies.get("cockpit_lang") or ""
    if lang in LOGIN_TEXT:
        return lang
    return "en" if request.accept_languages.best_match(["zh", "en"]) == "en" else "zh"


def render_login(lang: str, message: str = "", name: str = "", status: int = 200) -> Response:
    t = LOGIN_TEXT[lang]
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


UNAVAILABLE_HTML = """<!doctype html><html><head><meta charset="utf-8">
<title>503</title><link rel="stylesheet" href="/vendor/bootstrap/css/bootstrap.min.css"></head>
<body class="p-5"><h1 class="h4">数据库暂时无法连接 · The database cannot be reached</h1>
<p>请稍后刷新页面。Please reload the page in a moment.</p></body></html>"""


WALL_LINK_REFUSED_HTML = """<!doctype html><html><head><meta charset="utf-8">
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


LOGOUT_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Sign out</title>
<link rel="stylesheet" href="/vendor/bootstrap/css/bootstrap.min.css"></head>
<body class="p-5"><form method="post" action="/logout" id="logout-form">
<input type="hidden" name="{field}" value="{token}">
<button class="btn btn-primary" id="logout-submit" type="submit">退出登录 · Sign out</button>
</form></body></html>"""

"""Sign-in, the access guard, the session cookie and security headers (Flask test client)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from dashboard.services import users
from dashboard.services.db import dispose_engine, get_engine
from dashboard.settings import Settings
from dashboard.web.app import create_app
from dashboard.web.context import SETTINGS_KEY
from dashboard.web.login_page import safe_next
from data_access import schema
from tests.web_client import post_prefs, sign_in, sign_out

PASSWORD = "correct-horse-9"
HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Iterator[Settings]:
    """One SQLite database per module: hashing passwords is slow, so users are made once."""
    data_dir = tmp_path_factory.mktemp("auth")
    url = f"sqlite:///{data_dir / 'auth.db'}"
    engine = get_engine(url)
    for name, role in (("alice", "admin"), ("bob", "exec")):
        users.create_user(engine, name=name, password=PASSWORD, role=role, now=datetime.now(UTC))
    yield Settings(database_url=url, data_dir=data_dir, seed_demo_on_start=False)
    dispose_engine(url)


@pytest.fixture
def app(settings):
    """A fresh app per test on the module's database, its sign-in failures and sessions
    (kept in the database, shared by every process) forgotten."""
    with get_engine(settings.database_url).begin() as conn:
        conn.execute(schema.login_failures.delete())
        conn.execute(schema.sessions.delete())
    return create_app(settings)


@pytest.fixture
def engine(settings):
    return get_engine(settings.database_url)


@pytest.fixture(scope="module")
def alice_id(settings) -> int:
    user = users.authenticate(get_engine(settings.database_url), "alice", PASSWORD)
    assert user is not None
    return user.id


@pytest.fixture
def alice(engine, alice_id) -> users.User:
    """The admin user, with default preferences restored."""
    users.set_preferences(engine, alice_id, locale="zh", theme="light")
    return users.load_user(engine, alice_id)


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def signed_in(client, alice):
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    return client


def session_cookie(response) -> str:
    [cookie] = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("cockpit_session=")
    ]
    return cookie


def cookie_attributes(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


# ------------------------------------------------------------------ the guard


def test_anonymous_home_page_redirects_to_login_with_next(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/"


def test_anonymous_deep_link_keeps_its_whole_query_through_the_login_redirect(client):
    response = client.get("/alerts?from=2026-11-01&to=2026-11-30")

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/alerts?from=2026-11-01&to=2026-11-30"]


def test_anonymous_dash_callback_post_is_401_json(client):
    response = client.post("/_dash-update-component", json={"output": "x.children"})

    assert response.status_code == 401
    assert response.is_json
    assert response.json["error"] == "sign-in required"


@pytest.mark.parametrize("path", ["/_dash-layout", "/_dash-dependencies"])
def test_anonymous_dash_data_endpoints_are_401_not_a_redirect(client, path):
    response = client.get(path)

    assert response.status_code == 401
    assert response.is_json


def test_anonymous_non_get_to_a_page_is_401_not_a_redirect(client):
    assert client.post("/").status_code == 401


def test_blank_map_tile_is_a_png_without_sign_in(client):
    response = client.get("/tiles/blank/1/2/3.png")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")


def test_healthz_answers_without_sign_in(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json["status"] == "ok"


# ------------------------------------------------------------------ the login page


def test_login_page_is_chinese_by_default(client):
    response = client.get("/login")

    assert response.status_code == 200
    assert '<html lang="zh-CN"' in response.text
    assert "用户名" in response.text
    assert "密码" in response.text


def test_login_page_is_english_with_lang_en(client):
    response = client.get("/login?lang=en")

    assert response.status_code == 200
    assert '<html lang="en"' in response.text
    assert "Sign in" in response.text
    assert "User name" in response.text


def test_login_page_follows_an_english_browser(client):
    response = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})

    assert '<html lang="en"' in response.text


def test_login_page_language_choice_is_remembered_in_a_cookie(client):
    client.get("/login?lang=en")

    assert '<html lang="en"' in client.get("/login").text


def test_login_page_escapes_the_next_parameter(client):
    response = client.get('/login?next=/"><script>alert(1)</script>')

    assert "<script>alert(1)</script>" not in response.text


def test_login_form_posts_back_with_the_whole_next_target(client):
    target = "/alerts?from=2026-11-01&to=2026-11-30"

    page = client.get(f"/login?next={quote(target, safe='')}").text

    action = unescape(re.search(r'<form[^>]*action="([^"]*)"', page).group(1))
    assert parse_qs(urlsplit(action).query)["next"] == [target]


# ------------------------------------------------------------------ signing in


def test_wrong_password_is_401_with_the_message(client, alice):
    response = sign_in(client, "alice", "wrong-password")

    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert not [c for c in response.headers.getlist("Set-Cookie") if "cockpit_session" in c]


def test_wrong_password_message_is_english_on_the_english_page(client, alice):
    response = sign_in(client, "alice", "wrong-password", query="?lang=en")

    assert response.status_code == 401
    assert "Wrong user name or password." in response.text


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, alice):
    response = sign_in(client, "mallory", PASSWORD)

    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


def test_right_password_redirects_and_opens_the_app(client, alice):
    response = sign_in(client, "alice", PASSWORD, query="?next=/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    assert layout.is_json
    assert "alice" in layout.text


def test_sign_in_follows_a_local_next_path(client, alice):
    response = sign_in(client, "alice", PASSWORD, query="?next=/reports%3Fday%3D2026-11-26")

    assert response.headers["Location"] == "/reports?day=2026-11-26"


def test_session_cookie_is_httponly_and_lax_and_not_secure_over_http(client, alice):
    cookie = session_cookie(sign_in(client, "alice", PASSWORD))

    attributes = cookie_attributes(cookie)
    assert "httponly" in attributes
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in attributes


def test_session_cookie_is_secure_behind_an_https_proxy(client, alice):
    response = sign_in(client, "alice", PASSWORD, headers=HTTPS)

    cookie = session_cookie(response)
    attributes = cookie_attributes(cookie)
    assert "secure" in attributes
    assert "httponly" in attributes
    assert "samesite=lax" in cookie.lower()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_hsts_header_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_sixth_failed_attempt_for_one_user_is_429_even_with_the_right_password(client, alice):
    for _ in range(5):
        assert sign_in(client, "alice", "wrong-password").status_code == 401

    response = sign_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert "失败次数过多" in response.text
    assert client.get("/_dash-layout").status_code == 401


def test_throttle_counts_user_names_case_insensitively(client, alice):
    for name in ("alice", "ALICE", "Alice", "aLiCe", "alicE"):
        sign_in(client, name, "wrong-password")

    assert sign_in(client, "alice", PASSWORD).status_code == 429


def test_throttle_of_one_user_does_not_lock_out_another(client, alice):
    for _ in range(5):
        sign_in(client, "alice", "wrong-password")

    assert sign_in(client, "bob", PASSWORD).status_code == 302


def test_successful_sign_in_resets_the_failure_count(client, alice):
    for _ in range(4):
        sign_in(client, "alice", "wrong-password")
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    sign_out(client)

    for _ in range(4):
        assert sign_in(client, "alice", "wrong-password").status_code == 401
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_login_on_an_unreachable_database_is_503_not_500(app, client, settings):
    url = "postgresql+psycopg://postgres@127.0.0.1:1/cockpit_unreachable"
    app.server.config[SETTINGS_KEY] = dataclasses.replace(settings, database_url=url)
    try:
        response = sign_in(client, "alice", PASSWORD, query="?lang=en")
    finally:
        dispose_engine(url)

    assert response.status_code == 503
    assert "cannot be reached" in response.text


# ------------------------------------------------------------------ open redirects


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "//evil.com/path",
        "https://evil.com",
        "http://evil.com/x",
        "javascript:alert(1)",
        "evil.com",
        "/\t/evil.com",
    ],
)
def test_safe_next_refuses_targets_off_this_site(target):
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/", "/alerts", "/alerts?day=2026-11-26"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil.com"])
def test_sign_in_never_redirects_off_site(client, alice, target):
    response = sign_in(client, "alice", PASSWORD, query=f"?next={quote(target, safe='')}")

    location = response.headers["Location"]
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))
    assert "evil.com" not in urlsplit(location).netloc


def test_prefs_never_redirects_off_site_whatever_the_referrer(signed_in):
    response = post_prefs(signed_in, headers={"Referer": "https://x.test//evil.com/p"}, lang="en")

    location = response.headers["Location"]
    assert location.startswith("/")
    assert not location.startswith("//")


# ------------------------------------------------------------------ signing out and preferences


def test_logout_ends_the_session(signed_in):
    assert signed_in.get("/_dash-layout").status_code == 200

    response = sign_out(signed_in)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert signed_in.get("/_dash-layout").status_code == 401
    assert signed_in.get("/").status_code == 302


def test_prefs_stores_the_signed_in_users_locale(signed_in, engine, alice):
    assert users.load_user(engine, alice.id).locale == "zh"

    response = post_prefs(signed_in, headers={"Referer": "http://localhost/alerts?x=1"}, lang="en")

    assert response.status_code == 302
    assert response.headers["Location"] == "/alerts?x=1"
    assert users.load_user(engine, alice.id).locale == "en"
    assert '<html lang="en"' in signed_in.get("/").text


def test_prefs_stores_the_theme_and_ignores_unknown_values(signed_in, engine, alice):
    post_prefs(signed_in, theme="dark")
    post_prefs(signed_in, theme="neon", lang="fr")

    user = users.load_user(engine, alice.id)
    assert (user.theme, user.locale) == ("dark", "zh")


def test_anonymous_prefs_is_redirected_to_login_and_changes_nothing(client, engine, alice):
    response = client.get("/prefs?lang=en")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert users.load_user(engine, alice.id).locale == "zh"


# ------------------------------------------------------------------ headers


@pytest.mark.parametrize("path", ["/login", "/_dash-layout", "/tiles/blank/0/0/0.png", "/"])
def test_security_headers_are_on_every_response(client, path):
    headers = client.get(path).headers

    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Referrer-Policy"] == "same-origin"


def test_security_headers_are_on_signed_in_pages(signed_in):
    headers = signed_in.get("/").headers

    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"

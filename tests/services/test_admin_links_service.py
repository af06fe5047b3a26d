"""The admin console's wall link verbs, token scopes and last sign-in over real databases
(SQLite and PostgreSQL): the same service functions as the CLI, every change in the audit log
with the acting admin, bad input refused naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.services import admin, users, wall
from data_access import schema
from tests.services.test_cli import run_cli, sqlite_url  # noqa: F401  (fixture)


@pytest.fixture
def company(engine, now):
    with engine.begin() as conn:
        conn.execute(
            schema.regions.insert(),
            [{"id": r, "name": r, "updated_at": now} for r in ("reg-e", "reg-w")],
        )
    return engine


def _create(engine, now, name="lobby", **kw):
    return admin.create_wall_link(
        engine,
        actor=kw.pop("actor", "root"),
        name=name,
        views=kw.pop("views", ["region:reg-e", "national"]),
        regions=kw.pop("regions", ["reg-e"]),
        expires=kw.pop("expires", "2h"),
        now=now,
    )


def test_wall_link_is_live_then_expired_or_revoked_and_every_change_is_audited(company, now):
    link, token = _create(company, now)
    assert link.views == ("region:reg-e", "national") and link.regions == ("reg-e",)
    assert token.startswith("wl_")
    _create(company, now, name="hall", views=["national"], regions=[], expires="1h")
    status = {r["name"]: r["status"] for r in admin.list_wall_links(company, now=now)}
    assert status == {"lobby": "live", "hall": "live"}
    later = now + timedelta(minutes=90)
    status = {r["name"]: r["status"] for r in admin.list_wall_links(company, now=later)}
    assert status == {"lobby": "live", "hall": "expired"}

    assert wall.open_link(company, token, now=now) is not None
    row = {r["name"]: r for r in admin.list_wall_links(company, now=now)}["lobby"]
    assert row["last_used_at"] == now and "token" not in str(sorted(row))
    admin.revoke_wall_link(company, actor="root", name="lobby", now=now + timedelta(minutes=1))
    assert wall.open_link(company, token, now=now + timedelta(minutes=2)) is None
    status = {r["name"]: r["status"] for r in admin.list_wall_links(company, now=now)}
    assert status["lobby"] == "revoked"
    with pytest.raises(admin.AdminError, match=r"name: no live wall link named 'lobby'"):
        admin.revoke_wall_link(company, actor="root", name="lobby", now=now)

    log = admin.audit_log(company, what="lobby")
    assert [(r["action"], r["actor"], r["trail"]) for r in log] == [
        ("revoke", "root", "wall_link"),
        ("create", "root", "wall_link"),
    ]
    assert log[1]["after"] == "region:reg-e,national" and "reg-e" in log[1]["note"]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "a b"}, "name"),
        ({"views": []}, "views"),
        ({"views": ["everywhere"]}, "view"),
        ({"views": ["region:reg-w"]}, "views"),  # outside the link's regions
        ({"regions": ["reg-x"], "views": ["national"]}, "region"),
        ({"expires": "forever"}, "expires"),
        ({"expires": "0d"}, "expires"),
    ],
)
def test_bad_wall_link_input_is_refused_naming_the_field(company, now, kw, field):
    kw = dict(kw)  # shared by both databases' runs
    name = kw.pop("name", "w")
    with pytest.raises(admin.AdminError, match=f"^{field}:"):
        _create(company, now, name=name, **kw)
    assert admin.list_wall_links(company, now=now) == []


def test_an_existing_wall_link_name_is_refused_and_the_first_link_kept(company, now):
    _, token = _create(company, now)
    with pytest.raises(admin.AdminError, match="name: a wall link named 'lobby' exists"):
        _create(company, now)
    assert wall.open_link(company, token, now=now) is not None


def test_token_scope_is_stored_checked_and_audited(company, now):
    secret = admin.create_token(company, actor="root", name="bi", now=now, scope="read")
    assert users.check_scoped_token(company, secret, now=now) == ("bi", "read")
    assert users.token_allows("read", "read") and not users.token_allows("read", "ingest")
    assert users.token_allows("all", "ingest") and users.token_allows("all", "read")
    assert {t["name"]: t["scope"] for t in admin.list_tokens(company)} == {"bi": "read"}
    log = admin.audit_log(company, what="bi")
    assert [(r["action"], r["after"], r["actor"]) for r in log] == [("create", "read", "root")]
    with pytest.raises(admin.AdminError, match=r"^scope:"):
        admin.create_token(company, actor="root", name="bad", now=now, scope="write")
    assert [t["name"] for t in admin.list_tokens(company)] == ["bi"]


def test_last_sign_in_is_empty_until_noted(company, now):
    user = users.create_user(company, name="li", password="pw-123456", role="exec", now=now)
    assert {u["name"]: u for u in admin.list_users(company)}["li"]["last_sign_in_at"] is None
    users.record_sign_in(company, user.id, now=now + timedelta(hours=1))
    got = {u["name"]: u for u in admin.list_users(company)}["li"]["last_sign_in_at"]
    assert got == now + timedelta(hours=1)


def test_cli_creates_a_token_of_the_scope_asked_and_ingest_by_default(sqlite_url, now):  # noqa: F811
    from dashboard.services.db import get_engine

    made = {s: run_cli(sqlite_url, "create-token", f"app-{s}", "--scope", s) for s in ("read",)}
    made["default"] = run_cli(sqlite_url, "create-token", "app-default")
    for result in made.values():
        assert result.returncode == 0, result.stderr
    engine = get_engine(sqlite_url)
    assert users.check_scoped_token(engine, made["read"].stdout.strip(), now=now) == (
        "app-read",
        "read",
    )
    assert users.check_scoped_token(engine, made["default"].stdout.strip(), now=now) == (
        "app-default",
        "ingest",
    )
    refused = run_cli(sqlite_url, "create-token", "x", "--scope", "admin")
    assert refused.returncode != 0 and "scope" in refused.stderr


def test_demo_wall_links_show_each_status_once(company, now):
    from dashboard.services import demo

    assert demo.create_demo_wall_links(company, now=now) == [
        "demo-lobby",
        "demo-region-tv",
        "demo-fair",
    ]
    status = {r["name"]: r["status"] for r in admin.list_wall_links(company, now=now)}
    assert status == {"demo-lobby": "live", "demo-region-tv": "revoked", "demo-fair": "expired"}
    assert demo.create_demo_wall_links(company, now=now) == []  # a re-seed leaves them alone

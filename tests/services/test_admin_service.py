"""The admin console's verbs over real databases (SQLite and PostgreSQL): users, tokens, the
audit log, and a deactivated user's session refused at its next request."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from dashboard.services import admin, users
from dashboard.services import sessions as sessions_service
from data_access import schema

LIFETIMES = sessions_service.Lifetimes(idle=timedelta(hours=8), absolute=timedelta(days=7))


@pytest.fixture
def company(engine, now):
    with engine.begin() as conn:
        conn.execute(
            schema.regions.insert(),
            [{"id": r, "name": r, "updated_at": now} for r in ("reg-e", "reg-w")],
        )
    return engine


def _sign_in(engine, user, now, sid="sid-1"):
    sessions_service.save_session(
        engine, sid, user_key=str(user.id), data="{}", now=now, expires_at=now + timedelta(days=1)
    )


def test_create_shows_a_working_password_once_and_refuses_an_existing_name(company, now):
    made = admin.create_user(
        company, actor="root", name="li.na", role="manager", regions=["reg-e"], now=now
    )
    assert len(made.password) >= users.MIN_PASSWORD_LENGTH
    assert users.authenticate(company, "li.na", made.password).regions == ("reg-e",)
    with pytest.raises(admin.AdminError, match=r"name: user 'li\.na' already exists"):
        admin.create_user(company, actor="root", name="li.na", role="exec", regions=[], now=now)
    # The refused second create left the first password working.
    assert users.authenticate(company, "li.na", made.password) is not None
    with pytest.raises(admin.AdminError, match="region"):
        admin.create_user(company, actor="root", name="wu", role="manager", regions=[], now=now)
    with pytest.raises(admin.AdminError, match="role"):
        admin.create_user(company, actor="root", name="wu", role="boss", regions=[], now=now)
    listed = {u["name"]: u for u in admin.list_users(company)}
    assert listed["li.na"]["role"] == "manager" and listed["li.na"]["regions"] == ["reg-e"]
    assert "wu" not in listed and "password_hash" not in listed["li.na"]


def test_deactivated_users_session_is_refused_at_the_next_request(company, now):
    admin.create_user(company, actor="root", name="zhao", role="exec", regions=[], now=now)
    user = users.create_user(company, name="zhao", password="pw-123456", role="exec", now=now)
    _sign_in(company, user, now, "a")
    _sign_in(company, user, now, "b")
    assert users.load_user(company, user.id) is not None
    admin.set_active(company, actor="root", name="zhao", active=False, now=now)
    # Every session row is gone, and the user no longer loads even from a kept cookie.
    assert sessions_service.load_session(company, "a", now=now, lifetimes=LIFETIMES) is None
    assert sessions_service.count_sessions(company, str(user.id)) == 0
    assert users.load_user(company, user.id) is None
    assert users.authenticate(company, "zhao", "pw-123456") is None
    admin.set_active(company, actor="root", name="zhao", active=True, now=now)
    assert users.authenticate(company, "zhao", "pw-123456") is not None
    assert [u["active"] for u in admin.list_users(company) if u["name"] == "zhao"] == [True]


def test_admin_cannot_lock_themself_out(company, now):
    admin.create_user(company, actor="root", name="root", role="admin", regions=[], now=now)
    with pytest.raises(admin.AdminError, match="name: an admin cannot deactivate themself"):
        admin.set_active(company, actor="root", name="root", active=False, now=now)
    with pytest.raises(admin.AdminError, match="role"):
        admin.set_role(company, actor="root", name="root", role="exec", regions=[], now=now)
    with pytest.raises(admin.AdminError, match="name: no user 'ghost'"):
        admin.set_active(company, actor="root", name="ghost", active=False, now=now)


def test_reset_password_and_role_change_end_sessions(company, now):
    first = admin.create_user(company, actor="root", name="qian", role="exec", regions=[], now=now)
    user = users.authenticate(company, "qian", first.password)
    _sign_in(company, user, now)
    again = admin.reset_password(company, actor="root", name="qian", now=now)
    assert again.password != first.password
    assert users.authenticate(company, "qian", first.password) is None
    assert users.authenticate(company, "qian", again.password) is not None
    assert sessions_service.count_sessions(company, str(user.id)) == 0
    _sign_in(company, user, now, "c")
    admin.set_role(
        company, actor="root", name="qian", role="manager", regions=["reg-w", "reg-e"], now=now
    )
    assert sessions_service.count_sessions(company, str(user.id)) == 0
    assert users.load_user(company, user.id).regions == ("reg-e", "reg-w")
    with pytest.raises(admin.AdminError, match="regions: unknown region"):
        admin.set_role(
            company, actor="root", name="qian", role="manager", regions=["nowhere"], now=now
        )
    with pytest.raises(admin.AdminError, match="regions: only managers"):
        admin.set_role(company, actor="root", name="qian", role="exec", regions=["reg-e"], now=now)


def test_token_is_shown_once_and_revoking_takes_effect_at_once(company, now):
    token = admin.create_token(company, actor="root", name="erp", now=now)
    assert users.check_token(company, token, now=now) == "erp"
    listed = admin.list_tokens(company)
    assert [t["name"] for t in listed] == ["erp"] and "token_sha256" not in listed[0]
    assert listed[0]["last_used_at"] is not None and listed[0]["revoked_at"] is None
    assert admin.revoke_token(company, actor="root", name="erp", now=now) == 1
    assert users.check_token(company, token, now=now + timedelta(seconds=1)) is None
    assert admin.list_tokens(company)[0]["revoked_at"] is not None
    with pytest.raises(admin.AdminError, match="name: no live token named 'erp'"):
        admin.revoke_token(company, actor="root", name="erp", now=now)
    with pytest.raises(admin.AdminError, match="name"):
        admin.create_token(company, actor="root", name="", now=now)


def test_every_change_is_in_the_audit_log_filterable_and_exported(company, now):
    admin.create_user(company, actor="root", name="sun", role="exec", regions=[], now=now)
    later = now + timedelta(hours=1)
    admin.set_active(company, actor="boss", name="sun", active=False, now=later)
    admin.create_token(company, actor="root", name="bi", now=later)
    with company.begin() as conn:
        conn.execute(
            schema.settings_audit.insert().values(
                at=now, actor="boss", key="visit.min_minutes", before=5, after=8, note="why"
            )
        )
    log = admin.audit_log(company)
    assert [(r["trail"], r["action"], r["actor"]) for r in log] == [
        ("user", "deactivate", "boss"),
        ("api_token", "create", "root"),
        ("user", "create", "root"),
        ("setting", "set", "boss"),
    ] or {(r["trail"], r["action"]) for r in log} == {
        ("user", "deactivate"),
        ("api_token", "create"),
        ("user", "create"),
        ("setting", "set"),
    }
    assert log[0]["at"] >= log[-1]["at"]
    assert {r["action"] for r in admin.audit_log(company, who="BOSS")} == {"deactivate", "set"}
    assert [r["subject"] for r in admin.audit_log(company, what="api_token")] == ["bi"]
    assert {r["action"] for r in admin.audit_log(company, since=later)} == {
        "deactivate",
        "create",
    }
    assert [r["action"] for r in admin.audit_log(company, until=later)] in (
        ["create", "set"],
        ["set", "create"],
    )
    rows = list(csv.DictReader(io.StringIO(admin.audit_csv(log))))
    assert len(rows) == 4 and rows[0]["subject"] in ("sun", "bi")
    assert {r["after"] for r in rows if r["trail"] == "setting"} == {"8"}

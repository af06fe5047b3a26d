"""Regression tests of issue 13's numbered defects: hostile input and stolen cookies, through the
Flask test client on real SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboard import cli
from dashboard.services import ingest, users, wall
from dashboard.services.db import get_engine
from dashboard.settings import Settings
from dashboard.web.app import create_app
from data_access import schema
from tests import builders as b
from tests.services.test_wall_service import records as wall_records
from tests.web.test_access import build_payload, server_callbacks
from tests.web_client import login_token, post_prefs, session_token, sign_in, sign_out

INGEST = "/api/v1/ingest"
UPDATE = "/_dash-update-component"
PASSWORD = "correct-horse-9"


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path, seed_demo_on_start=False)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def token(engine, now) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {users.create_token(engine, name='probe', now=now, scope='all')}"
    }


@pytest.fixture
def alice(engine, now) -> users.User:
    return users.create_user(engine, name="alice", password=PASSWORD, role="admin", now=now)


def _company(client, token) -> None:
    response = client.post(INGEST, json={"records": b.company()}, headers=token)
    assert response.status_code == 200 and not response.get_json()["rejected"]


def _quarantined(engine) -> list[dict]:
    return [dict(q) for q in ingest.list_quarantine(engine)]


# ------------------------------------------------------------------ 2: extreme timestamps


def test_defect2_timestamp_near_the_datetime_limit_is_quarantined_not_a_500(client, engine, token):
    _company(client, token)
    good = [b.gps(id=f"fix-{i}", ts=f"2026-11-26T09:1{i}:00+08:00") for i in range(5)]
    bad = b.gps(id="fix-far", ts="9999-12-31T23:59:59Z")
    response = client.post(INGEST, json={"records": [*good, bad]}, headers=token)
    assert response.status_code == 200
    body = response.get_json()
    assert body["accepted"] == 5
    assert [(r["id"], r["error"].split(":")[0]) for r in body["rejected"]] == [("fix-far", "ts")]

    # NDJSON, check-ins, and an offset that is fine in UTC but not in the rep's zone.
    lines = [
        b.gps(id="fix-nd", ts="9999-12-31T23:59:59+00:00"),
        b.check_in(id="v-far", ts="9999-12-31T20:00:00-05:00"),
        b.check_in(id="v-early", ts="0001-01-01T00:00:00+14:00"),
        b.photo(id="ph-far", taken_at="9999-12-31T23:59:59Z"),
        b.expense(id="e-far", date="9999-12-31"),
        b.plan(id="plan-far", date="0001-01-01"),
    ]
    ndjson = "\n".join(json.dumps(r) for r in lines).encode()
    response = client.post(
        INGEST, data=ndjson, headers={**token, "Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200
    fields = {r["id"]: r["error"].split(":")[0] for r in response.get_json()["rejected"]}
    assert fields == {
        "fix-nd": "ts",
        "v-far": "ts",
        "v-early": "ts",
        "ph-far": "taken_at",
        "e-far": "date",
        "plan-far": "date",
    }
    assert {q["record_id"] for q in _quarantined(engine)} == {"fix-far", *fields}


# ------------------------------------------------------------------ 3: NUL and control characters


def _string_fields() -> list[tuple[dict, str]]:
    """Every (valid record, string field) pair of the builders."""
    recs = [*b.company(), *b.one_visit(), b.gps(), b.device_event(detail="ok"), b.expense()]
    recs.append(b.customer(id="cust-2", address="徐汇区 1 号"))
    recs.append(b.expense(id="e-2", note="lunch", receipt_sha256="cd" * 32, customer_id="cust-1"))
    recs.append(b.sop_step(id="st-2", value={"answer": "yes"}))
    out = []
    for rec in recs:
        for key, value in rec.items():
            if key != "type" and isinstance(value, str):
                out.append((rec, key))
    return out


def test_defect3_nul_byte_in_any_string_field_is_quarantined_on_every_backend(
    client, engine, token
):
    _company(client, token)
    cases = _string_fields()
    batch = []
    for n, (rec, key) in enumerate(cases):
        bad = copy.deepcopy(rec)
        bad[key] = bad[key][:1] + "\u0000" + bad[key][1:]
        if key != "id":
            bad["id"] = f"nul-{n}"
        batch.append(bad)
    nested = b.sop_step(id="nul-value", value={"k": "a\u0000b"})
    tab_ok = b.expense(id="tab-ok", note="line one\n\tline two")
    response = client.post(INGEST, json={"records": [*batch, nested, tab_ok]}, headers=token)
    assert response.status_code == 200
    body = response.get_json()
    assert body["accepted"] == 1  # only the note with a tab and a newline
    rejected = {r["index"]: r["error"] for r in body["rejected"]}
    assert len(rejected) == len(batch) + 1
    for index, (_rec, key) in enumerate(cases):
        assert rejected[index].startswith(f"{key}: "), (key, rejected[index])
    assert rejected[len(batch)].startswith("value.k: ")
    assert len(_quarantined(engine)) == len(batch) + 1


def test_defect3_cli_ingest_of_a_nul_byte_exits_0_with_the_record_quarantined(
    db_url, engine, tmp_path, monkeypatch, capsys
):
    path = tmp_path / "nul.jsonl"
    lines = [*b.company(), b.gps(device_id="dev\u00001")]
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["ingest", "--wait-rollups", str(path)]) == cli.EXIT_OK
    summary = json.loads(capsys.readouterr().out)
    assert summary["rejected"][0]["error"].startswith("device_id: ")
    [entry] = _quarantined(engine)
    assert "\\u0000" in entry["raw"]


# ------------------------------------------------------------------ 4: nesting


def test_defect4_deeply_nested_json_is_a_400_not_a_500(client, engine, token):
    deep = b"[" * 100_000
    response = client.post(INGEST, data=deep, headers={**token, "Content-Type": "application/json"})
    assert response.status_code == 400 and "error" in response.get_json()
    closed = ('{"records": ' + "[" * 200 + "]" * 200 + "}").encode()
    response = client.post(
        INGEST, data=closed, headers={**token, "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "nests deeper" in response.get_json()["error"]

    # One deep record in NDJSON, or a free-form value nested too deep, is one rejected record.
    _company(client, token)
    lines = [
        json.dumps(b.gps(id="fix-ok")),
        '{"type": "gps", "id": "deep", "x": ' + "[" * 5000 + "]" * 5000 + "}",
        json.dumps(b.sop_step(id="st-deep", value=json.loads("[" * 40 + "]" * 40))),
    ]
    response = client.post(
        INGEST,
        data="\n".join(lines).encode(),
        headers={**token, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["accepted"] == 1
    errors = sorted(r["error"].split(":")[0] for r in body["rejected"])
    assert errors == ["record", "value"]


# ------------------------------------------------------------------ 5: sessions


def test_defect5_a_cookie_saved_before_logout_opens_nothing_afterwards(app, client, alice):
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    saved = client.get_cookie("cockpit_session").value
    assert client.get("/_dash-layout").status_code == 200
    assert sign_out(client).status_code == 302

    thief = app.server.test_client()
    thief.set_cookie("cockpit_session", saved)
    assert thief.get("/_dash-layout").status_code == 401
    assert thief.get("/").status_code == 302


def _signed_in_clients(settings, n=2):
    """Clients of separate app instances (as separate worker processes would be)."""
    out = []
    for _ in range(n):
        c = create_app(settings).server.test_client()
        assert sign_in(c, "alice", PASSWORD).status_code == 302
        out.append(c)
    return out


def test_defect5_password_change_deactivation_and_sign_out_everywhere_end_sessions_at_once(
    settings, engine, alice, now, db_url, monkeypatch
):
    first, second = _signed_in_clients(settings)
    users.create_user(engine, name="alice", password="another-pass-1", role="admin", now=now)
    assert first.get("/_dash-layout").status_code == 401
    assert second.get("/_dash-layout").status_code == 401

    users.create_user(engine, name="alice", password=PASSWORD, role="admin", now=now)
    first, second = _signed_in_clients(settings)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["sign-out-everywhere", "alice"]) == cli.EXIT_OK
    assert [c.get("/_dash-layout").status_code for c in (first, second)] == [401, 401]
    assert cli.main(["sign-out-everywhere", "nobody"]) == cli.EXIT_REFUSED

    [first] = _signed_in_clients(settings, 1)
    # Deactivated behind the app's back: the active state is checked on every request.
    with engine.begin() as conn:
        conn.execute(schema.users.update().values(active=False))
    assert first.get("/_dash-layout").status_code == 401
    with engine.begin() as conn:
        conn.execute(schema.users.update().values(active=True))
    [first] = _signed_in_clients(settings, 1)
    assert cli.main(["deactivate-user", "alice"]) == cli.EXIT_OK
    assert first.get("/_dash-layout").status_code == 401
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.sessions)).scalar() == 0


def test_defect5_idle_and_absolute_lifetimes_end_a_session(settings, engine, alice):
    import dataclasses

    short = dataclasses.replace(settings, session_idle_minutes=5, session_max_hours=1)
    [c] = _signed_in_clients(short, 1)
    assert c.get("/_dash-layout").status_code == 200
    with engine.begin() as conn:
        conn.execute(
            schema.sessions.update().values(last_seen_at=datetime.now(UTC) - timedelta(minutes=6))
        )
    assert c.get("/_dash-layout").status_code == 401

    [c] = _signed_in_clients(short, 1)
    with engine.begin() as conn:
        conn.execute(schema.sessions.update().values(expires_at=datetime.now(UTC)))
    assert c.get("/_dash-layout").status_code == 401


def test_session_lifetimes_come_from_the_environment():
    env = {"COCKPIT_SESSION_IDLE_MINUTES": "15", "COCKPIT_SESSION_MAX_HOURS": "8"}
    s = Settings.from_env(env)
    assert (s.session_idle_minutes, s.session_max_hours) == (15, 8)
    with pytest.raises(ValueError, match="COCKPIT_SESSION_IDLE_MINUTES"):
        Settings.from_env({"COCKPIT_SESSION_IDLE_MINUTES": "0"})


def test_sign_in_gives_a_fresh_session_id(app, client, alice):
    client.set_cookie("cockpit_session", "planted-by-an-attacker")
    sign_in(client, "alice", PASSWORD)
    assert client.get_cookie("cockpit_session").value != "planted-by-an-attacker"


# ------------------------------------------------------------------ 6: headers


@pytest.mark.parametrize("path", ["/login", "/", "/_dash-layout", "/data"])
def test_defect6_every_page_has_a_csp_without_eval_and_a_permissions_policy(
    app, client, alice, path
):
    sign_in(client, "alice", PASSWORD)
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-eval" not in csp
    script_src = next(p for p in csp.split("; ") if p.startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert all(h in script_src for h in app.csp_hashes())
    assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert "geolocation=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers
    https = client.get(path, headers={"X-Forwarded-Proto": "https"}).headers
    assert https["Strict-Transport-Security"].startswith("max-age=")


def test_csp_admits_the_configured_tile_server(tmp_path, db_url):
    tiles = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    s = Settings(database_url=db_url, data_dir=tmp_path, seed_demo_on_start=False, tile_url=tiles)
    csp = create_app(s).server.test_client().get("/login").headers["Content-Security-Policy"]
    assert "https://*.tile.example.org" in csp


# ------------------------------------------------------------------ 7: the wall guard


@pytest.fixture
def wall_site(tmp_path):
    url = f"sqlite:///{tmp_path / 'wall.db'}"
    engine = get_engine(url)
    now = datetime.now(UTC)
    ingest.ingest_values(engine, wall_records(), source="test", now=now)
    users.create_user(engine, name="boss", password="boss-pass-123", role="exec", now=now)
    app = create_app(Settings(database_url=url, data_dir=tmp_path, seed_demo_on_start=False))
    boss = app.server.test_client()
    sign_in(boss, "boss", "boss-pass-123")
    deps = server_callbacks(app, boss)
    _link, link_token = wall.create_link(
        engine,
        name="east",
        views="national",
        regions=("reg-a",),
        expires_in=timedelta(days=1),
        created_by="admin",
        now=now,
    )
    kiosk = app.server.test_client()
    kiosk.get(f"/wall/link/{link_token}")
    return app, deps, kiosk


def test_defect7_wall_guard_judges_the_callback_dash_will_run_not_client_fields(wall_site):
    _app, deps, kiosk = wall_site
    router = next(d for d in deps.values() if "_pages_content" in d["output"])
    home = build_payload(
        router,
        {"_pages_location.pathname": "/", "_pages_location.search": ""},
        changed=("_pages_location.pathname",),
    )
    assert kiosk.post(UPDATE, json=home).status_code == 403

    # Renamed outputs: the body claims wall outputs for the page router → refused, never a 500.
    renamed = copy.deepcopy(home)
    renamed["outputs"] = [{"id": "wall-panels", "property": "children"}] * len(home["outputs"])
    assert kiosk.post(UPDATE, json=renamed).status_code == 400

    # A duplicated pathname input: "/wall" second, "/" where Dash reads it → refused.
    duplicated = copy.deepcopy(home)
    duplicated["inputs"].append({**duplicated["inputs"][0], "value": "/wall"})
    assert kiosk.post(UPDATE, json=duplicated).status_code == 400
    swapped = copy.deepcopy(home)
    swapped["inputs"] = list(reversed(swapped["inputs"]))
    assert kiosk.post(UPDATE, json=swapped).status_code == 400

    # The overview's callback posted under a wall output key: Dash looks up that key → refused.
    overview = build_payload(deps["render_overview"], {"overview-query.data": {}})
    forged = {**overview, "output": deps["update_wall_panels"]["output"]}
    assert kiosk.post(UPDATE, json=forged).status_code == 400

    # The real wall routing still works.
    wall_route = build_payload(
        router,
        {"_pages_location.pathname": "/wall", "_pages_location.search": ""},
        changed=("_pages_location.pathname",),
    )
    assert kiosk.post(UPDATE, json=wall_route).status_code == 200


# ------------------------------------------------------------------ 8: lesser defects


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"output": 5}',
        '{"output": "no-such.children", "inputs": []}',
        '{"output": "filter-region.options", "inputs": "x"}',
        "[" * 100_000,
    ],
)
def test_defect8_malformed_authenticated_callback_bodies_are_400(app, client, alice, body):
    sign_in(client, "alice", PASSWORD)
    response = client.post(UPDATE, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_defect8_guesses_from_one_address_do_not_lock_the_user_out_elsewhere(app, alice):
    attacker = app.server.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(5):
        assert sign_in(attacker, "alice", "guess").status_code == 401
    assert sign_in(attacker, "alice", PASSWORD).status_code == 429

    owner = app.server.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(owner, "alice", PASSWORD).status_code == 302
    # Counted in the database: another worker process refuses the guesser as well.
    # A second app instance stands for a second process.
    other = create_app(app.server.config["COCKPIT_SETTINGS"]).server.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert sign_in(other, "alice", PASSWORD).status_code == 429


def test_defect8_one_address_guessing_many_names_is_throttled(app, alice):
    spray = app.server.test_client()
    spray.environ_base["REMOTE_ADDR"] = "203.0.113.10"
    for n in range(20):
        assert sign_in(spray, f"user{n}", "guess").status_code == 401
    assert sign_in(spray, "alice", PASSWORD).status_code == 429


def test_defect8_login_form_needs_its_csrf_token(app, client, alice):
    client.get("/login")
    no_token = client.post("/login", data={"name": "alice", "password": PASSWORD})
    assert no_token.status_code == 400
    forged = client.post(
        "/login", data={"name": "alice", "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert forged.status_code == 400
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_defect8_get_prefs_changes_nothing_and_post_needs_the_csrf_token(
    app, client, alice, engine
):
    sign_in(client, "alice", PASSWORD)
    client.get("/prefs?lang=en&theme=dark")
    assert (users.load_user(engine, alice.id).locale, users.load_user(engine, alice.id).theme) == (
        "zh",
        "light",
    )
    assert client.post("/prefs", data={"lang": "en"}).status_code == 400
    assert users.load_user(engine, alice.id).locale == "zh"
    assert post_prefs(client, lang="en").status_code == 302
    assert users.load_user(engine, alice.id).locale == "en"


def test_logout_by_post_needs_the_csrf_token_and_get_only_asks(app, client, alice):
    sign_in(client, "alice", PASSWORD)
    assert client.get("/logout").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert client.post("/logout").status_code == 400
    assert client.get("/_dash-layout").status_code == 200
    assert session_token(client)
    assert sign_out(client).status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def test_sign_in_forgets_sessions_past_their_lifetimes(app, client, alice, engine):
    with engine.begin() as conn:
        conn.execute(
            schema.sessions.insert().values(
                id_sha256="0" * 64,
                user_key=str(alice.id),
                data="{}",
                created_at=datetime.now(UTC) - timedelta(days=2),
                last_seen_at=datetime.now(UTC) - timedelta(days=2),
                expires_at=datetime.now(UTC) - timedelta(days=1),
            )
        )
    sign_in(client, "alice", PASSWORD)
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema.sessions.c.id_sha256)).scalars().all() != []
        assert "0" * 64 not in conn.execute(sa.select(schema.sessions.c.id_sha256)).scalars().all()


@pytest.mark.parametrize("name", ["ali\x00ce", "alice\x1b"])
def test_sign_in_with_control_characters_is_a_wrong_sign_in_not_a_500(app, client, alice, name):
    token = login_token(client)
    response = client.post("/login", data={"name": name, "password": "x\x00", "csrf_token": token})
    assert response.status_code == 401

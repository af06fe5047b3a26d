"""The replay page's access: every role may open it, anonymous callers may not, and a manager
asking for another region's rep gets nothing of that rep (the page says so)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import dash
import pytest
import sqlalchemy as sa

from dashboard.services.db import dispose_engine, get_engine
from dashboard.services.demo import DEMO_LOGINS
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.conftest import copy_sqlite
from tests.web.test_access import build_payload, server_callbacks
from tests.web_client import sign_in

ROLES = ("exec", "manager", "finance", "admin")
PASSWORDS = {role: password for _name, role, password in DEMO_LOGINS}
REGION_A, REGION_B = "reg-east", "reg-south"
UPDATE = "/_dash-update-component"


@pytest.fixture(scope="module")
def site(tmp_path_factory, access_demo) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("access-replay")
    url = f"sqlite:///{copy_sqlite(access_demo, data_dir / 'access.db')}"
    engine = get_engine(url)
    app = create_app(
        Settings(
            database_url=url,
            data_dir=data_dir,
            seed_demo_on_start=False,
            tile_url="/tiles/blank/{z}/{x}/{y}.png",
        )
    )
    clients = {"anonymous": app.server.test_client()}
    for role in ROLES:
        client = app.server.test_client()
        assert sign_in(client, role, PASSWORDS[role]).status_code == 302
        clients[role] = client
    with engine.connect() as conn:

        def busiest(region: str) -> tuple[str, str, str]:
            row = conn.execute(
                sa.text(
                    "SELECT v.rep_id, r.name, MAX(v.local_date) AS day FROM visits v "
                    "JOIN reps r ON r.id = v.rep_id JOIN teams t ON t.id = r.team_id "
                    "WHERE t.region_id = :g GROUP BY v.rep_id, r.name "
                    "ORDER BY COUNT(*) DESC, v.rep_id LIMIT 1"
                ),
                {"g": region},
            ).one()
            return row.rep_id, row.name, str(row.day)[:10]

        rep_a, rep_b = busiest(REGION_A), busiest(REGION_B)
        b_customers = {
            row.name
            for row in conn.execute(
                sa.text(
                    "SELECT DISTINCT c.name FROM visits v JOIN customers c ON c.id = v.customer_id "
                    "WHERE v.rep_id = :r"
                ),
                {"r": rep_b[0]},
            )
        }
        a_names = {row.name for row in conn.execute(sa.text("SELECT name FROM reps"))} - {rep_b[1]}
    yield {
        "app": app,
        "clients": clients,
        "deps": server_callbacks(app, clients["exec"]),
        "rep_a": rep_a,
        "rep_b": rep_b,
        "b_customers": b_customers,
        "a_names": a_names,
    }
    dispose_engine(url)


def _load(site, who: str, rep: str, day: str):
    body = build_payload(
        site["deps"]["load_replay"],
        {"replay-query.data": {"rep": rep, "day": day, "t": None}},
        changed=("replay-query.data",),
    )
    return site["clients"][who].post(UPDATE, json=body)


def test_the_replay_page_is_registered_for_every_role(site):
    pages = [
        p for p in dash.page_registry.values() if p["path_template"] == "/replay/<rep_id>/<date>"
    ]

    assert len(pages) == 1
    assert tuple(pages[0]["roles"]) == ROLES


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_page_and_its_data(site, role):
    rep, _name, day = site["rep_a"]
    page = site["clients"][role].get(f"/replay/{rep}/{day}")
    assert page.status_code == 200 and 'id="react-entry-point"' in page.text

    response = _load(site, role, rep, day)

    assert response.status_code == 200
    player = response.get_json()["response"]["replay-data"]["data"]
    assert player["ok"] is True and len(player["t"]) > 10


def test_anonymous_callers_get_a_sign_in_redirect_and_a_401(site):
    rep, _name, day = site["rep_a"]
    page = site["clients"]["anonymous"].get(f"/replay/{rep}/{day}")

    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?next=/replay/")
    assert _load(site, "anonymous", rep, day).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_the_page_router_renders_the_replay_for_every_role(site, role):
    rep, _name, day = site["rep_a"]
    body = build_payload(
        site["deps"]["update"],
        {"_pages_location.pathname": f"/replay/{rep}/{day}", "_pages_location.search": "?t=10:00"},
        changed=("_pages_location.pathname",),
    )
    response = site["clients"][role].post(UPDATE, json=body)

    content = json.dumps(response.get_json()["response"]["_pages_content"])
    assert '"page-forbidden"' not in content
    assert '"replay-map"' in content and '"10:00"' in content


def test_manager_asking_for_another_regions_rep_gets_nothing_and_is_told_so(site):
    rep, name, day = site["rep_b"]

    response = _load(site, "manager", rep, day)

    assert response.status_code == 200
    out = response.get_json()["response"]
    assert out["replay-data"]["data"] == {"ok": False}
    assert "replay-not-found" in json.dumps(out)
    text = json.dumps(out, ensure_ascii=False)
    assert name not in text
    assert not [c for c in site["b_customers"] if c in text]
    picker = [o["value"] for o in out["replay-rep-picker"]["options"]]
    assert picker and rep not in picker


def test_exec_sees_the_same_rep_day_that_the_manager_may_not(site):
    rep, name, day = site["rep_b"]

    out = _load(site, "exec", rep, day).get_json()["response"]

    assert out["replay-data"]["data"]["ok"] is True
    text = json.dumps(out, ensure_ascii=False)
    assert name in text
    assert [c for c in site["b_customers"] if c in text]


def test_manager_of_the_region_gets_their_rep(site):
    rep, name, day = site["rep_a"]

    out = _load(site, "manager", rep, day).get_json()["response"]

    assert out["replay-data"]["data"]["ok"] is True
    assert name in json.dumps(out, ensure_ascii=False)
    assert "replay-not-found" not in json.dumps(out)

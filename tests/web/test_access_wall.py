"""Wall links and wall sessions through the Flask test client: a link signs in a kiosk that sees
the wall of its views and regions and nothing else; an expired or revoked link is refused and
blanks a wall that is already open at its next refresh."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboard.services import users, wall
from dashboard.services.db import dispose_engine, get_engine
from dashboard.services.ingest import ingest_values
from dashboard.settings import Settings
from dashboard.web.app import create_app
from data_access import schema
from tests.services.test_wall_service import records
from tests.web.test_access import build_payload, server_callbacks
from tests.web_client import sign_in

UPDATE = "/_dash-update-component"
CONFIG = {"lang": "en", "privacy": False}
REGION_B_NAMES = ("Bob", "Carl", "B one", "North")


@pytest.fixture
def site(tmp_path):
    url = f"sqlite:///{tmp_path / 'wall.db'}"
    engine = get_engine(url)
    now = datetime.now(UTC)
    ingest_values(engine, records(), source="test", now=now)
    users.create_user(engine, name="boss", password="boss-pass-123", role="exec", now=now)
    app = create_app(Settings(database_url=url, data_dir=tmp_path, seed_demo_on_start=False))
    yield app, engine
    dispose_engine(url)


def _link(engine, name="east", views="national,region:reg-a", regions=("reg-a",), **kw):
    link, token = wall.create_link(
        engine,
        name=name,
        views=views,
        regions=regions,
        expires_in=kw.get("expires_in", timedelta(days=1)),
        created_by="admin",
        now=datetime.now(UTC),
    )
    return link, token


def _wall_client(app, token):
    client = app.server.test_client()
    response = client.get(f"/wall/link/{token}")
    return client, response


def _deps(app):
    client = app.server.test_client()
    sign_in(client, "boss", "boss-pass-123")
    return server_callbacks(app, client)


def _refresh(client, deps, view="national", config=CONFIG):
    body = build_payload(
        deps["update_wall_panels"],
        {"wall-refresh.n_intervals": 1, "wall-view.data": view, "wall-config.data": config},
        changed=("wall-refresh.n_intervals",),
    )
    return client.post(UPDATE, json=body)


def _revoked_shown(response) -> bool:
    return response.get_json()["response"]["wall-revoked"]["hidden"] is False


def test_wall_link_signs_in_a_kiosk_that_lands_on_its_views(site):
    app, engine = site
    _, token = _link(engine)
    client, response = _wall_client(app, token)
    assert response.status_code == 302
    assert response.headers["Location"] == "/wall?rotate=national,region:reg-a"
    page = client.get("/wall?rotate=national,region:reg-a")
    assert page.status_code == 200 and 'data-bs-theme="dark"' in page.text
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/wall"})
    assert "shell-topbar" not in layout.text and "shell-kiosk" in layout.text


def test_wall_refresh_shows_only_the_links_regions(site):
    app, engine = site
    deps = _deps(app)
    _, token = _link(engine)
    client, _ = _wall_client(app, token)
    response = _refresh(client, deps, "national")
    assert response.status_code == 200
    text = json.dumps(response.get_json(), ensure_ascii=False)
    # The link's region has three active reps (the company five); the records are of another
    # day, so every rep is offline today and has no position.
    assert "of 3 reps" in text and not _revoked_shown(response)
    assert not [name for name in REGION_B_NAMES if name in text]
    # A view the link does not list, even one it could see, blanks the screen instead.
    outside = _refresh(client, deps, "region:reg-b")
    assert outside.status_code == 200 and _revoked_shown(outside)
    assert not [n for n in REGION_B_NAMES if n in json.dumps(outside.get_json())]


@pytest.mark.parametrize(
    "path",
    ["/", "/teams", "/data", "/prefs?theme=light", "/replay/rep-a1/2026-11-26", "/api/v1/ingest"],
)
def test_wall_session_cannot_open_another_page(site, path):
    app, engine = site
    _, token = _link(engine)
    client, _ = _wall_client(app, token)
    response = client.get(path)
    if path.startswith("/api/"):
        assert response.status_code in (401, 405)  # the API wants a bearer token, not a wall
    else:
        assert response.status_code == 302 and response.headers["Location"] == "/wall"


def test_wall_session_cannot_call_other_callbacks_or_route_to_other_pages(site):
    app, engine = site
    deps = _deps(app)
    _, token = _link(engine)
    client, _ = _wall_client(app, token)
    overview = build_payload(deps["render_overview"], {"overview-query.data": {}})
    assert client.post(UPDATE, json=overview).status_code == 403
    options = build_payload(
        deps["fill_filter_options"], {"filter-region.value": None, "filter-team.value": None}
    )
    assert client.post(UPDATE, json=options).status_code == 403
    for path, status in (("/teams", 403), ("/", 403), ("/wall", 200)):
        body = build_payload(
            deps["update"],
            {"_pages_location.pathname": path, "_pages_location.search": ""},
            changed=("_pages_location.pathname",),
        )
        assert client.post(UPDATE, json=body).status_code == status, path


def test_revoked_link_is_refused_and_blanks_an_open_wall_at_its_next_refresh(site):
    app, engine = site
    deps = _deps(app)
    _, token = _link(engine)
    client, _ = _wall_client(app, token)
    assert "of 3 reps" in json.dumps(_refresh(client, deps).get_json())
    assert wall.revoke_link(engine, name="east", now=datetime.now(UTC)) == 1
    blank = _refresh(client, deps)
    assert blank.status_code == 200 and _revoked_shown(blank)
    assert "of 3 reps" not in json.dumps(blank.get_json(), ensure_ascii=False)
    again, response = _wall_client(app, token)
    assert response.status_code == 403 and "revoked" in response.text
    assert again.get("/wall").status_code == 302  # not signed in: to the sign-in page


def test_expired_link_is_refused_and_blanks_an_open_wall(site):
    app, engine = site
    deps = _deps(app)
    link, token = _link(engine, name="short", views="national", regions=())
    client, _ = _wall_client(app, token)
    assert not _revoked_shown(_refresh(client, deps))
    with engine.begin() as conn:
        conn.execute(
            schema.wall_links.update()
            .where(schema.wall_links.c.id == link.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert _revoked_shown(_refresh(client, deps))
    assert _wall_client(app, token)[1].status_code == 403


def test_unknown_token_and_anonymous_wall_are_refused(site):
    app, _ = site
    client = app.server.test_client()
    assert client.get("/wall/link/wl_not-a-token").status_code == 403
    response = client.get("/wall")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_signed_in_exec_sees_the_wall_without_the_top_bar_and_other_pages_with_it(site):
    app, engine = site
    client = app.server.test_client()
    sign_in(client, "boss", "boss-pass-123")
    assert 'data-bs-theme="dark"' in client.get("/wall").text
    assert 'data-bs-theme="light"' in client.get("/teams").text
    kiosk = client.get("/_dash-layout", headers={"Referer": "http://localhost/wall?view=national"})
    assert "shell-topbar" not in kiosk.text
    normal = client.get("/_dash-layout", headers={"Referer": "http://localhost/teams"})
    assert "shell-topbar" in normal.text
    stored = sa.select(schema.wall_links.c.token_sha256)
    with engine.connect() as conn:
        assert conn.execute(stored).all() == []

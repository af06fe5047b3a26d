"""Add to home screen: the web app manifest and its icons, reachable before signing in."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime

import pytest

from dashboard.services import users
from dashboard.services.db import dispose_engine, get_engine
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.web_client import sign_in

MANIFEST = "/assets/manifest.webmanifest"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("install")
    url = f"sqlite:///{data_dir / 'install.db'}"
    users.create_user(
        get_engine(url),
        name="mia",
        password="phone-pass-123",
        role="exec",
        now=datetime.now(UTC),
    )
    yield create_app(Settings(database_url=url, data_dir=data_dir, seed_demo_on_start=False))
    dispose_engine(url)


def _png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", body[16:24])


def test_the_manifest_and_every_icon_load_without_signing_in(app):
    client = app.server.test_client()
    response = client.get(MANIFEST)
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["name"] and manifest["short_name"]
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert {"any", "maskable"} <= purposes
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes  # what Chromium asks of an installable app
    for icon in manifest["icons"]:
        got = client.get(icon["src"])
        assert got.status_code == 200, icon["src"]
        assert got.mimetype == icon["type"] == "image/png"
        width, height = _png_size(got.data)
        assert f"{width}x{height}" == icon["sizes"], icon["src"]
    touch = client.get("/assets/icons/apple-touch-icon.png")
    assert touch.status_code == 200 and _png_size(touch.data) == (180, 180)


def test_the_sign_in_page_and_the_cockpit_link_the_manifest(app):
    client = app.server.test_client()
    login = client.get("/login").get_data(as_text=True)
    assert f'<link rel="manifest" href="{MANIFEST}">' in login
    signed = sign_in(client, "mia", "phone-pass-123")
    assert signed.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert f'<link rel="manifest" href="{MANIFEST}">' in page
    assert '<link rel="apple-touch-icon" href="/assets/icons/apple-touch-icon.png">' in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page

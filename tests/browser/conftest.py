"""Browser fixtures: a real app on a fresh SQLite database, signed in through the real form."""

from __future__ import annotations

import shutil

import pytest

from dashboard.services import ingest, users
from dashboard.settings import Settings
from dashboard.web.dash_app import create_app
from tests import builders
from tests.conftest import FIXED_NOW, unavailable

PASSWORDS = {"exec": "exec-pass-123", "manager": "manager-pass-123", "finance": "fin-pass-123",
             "admin": "admin-pass-123"}


@pytest.fixture(autouse=True)
def _need_browser():
    if not (shutil.which("chromium") or shutil.which("google-chrome")) or not shutil.which(
        "chromedriver"
    ):
        unavailable("Chromium and ChromeDriver are needed for browser tests")


@pytest.fixture
def cockpit_app(tmp_path):
    """A Dash app on a fresh SQLite file with a small company and one user per role."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'browser.db'}",
        data_dir=tmp_path,
        seed_demo_on_start=False,
        tile_url="/tiles/blank/{z}/{x}/{y}.png",
    )
    app = create_app(settings)
    from dashboard.services.db import get_engine

    engine = get_engine(settings.database_url)
    ingest.ingest_values(
        engine, builders.company() + builders.one_visit() + [builders.gps()], source="test",
        now=FIXED_NOW,
    )
    for role, password in PASSWORDS.items():
        regions = ("reg-e",) if role == "manager" else ()
        users.create_user(engine, name=role, password=password, role=role, regions=regions,
                          now=FIXED_NOW)
    return app


def sign_in(
    dash_duo,
    app,
    role: str,
    password: str | None = None,
    *,
    lang: str = "zh",
    expect_success: bool = True,
) -> None:
    """Start the server, sign in through the HTML form, and land on the cockpit."""
    dash_duo.start_server(app, navigate=False)
    dash_duo.driver.get(f"{dash_duo.server.url}/login?lang={lang}")
    dash_duo.wait_for_element("#login-name").send_keys(role)
    dash_duo.find_element("#login-password").send_keys(password or PASSWORDS[role])
    dash_duo.find_element("#login-submit").click()
    if expect_success:
        # Setting server_url waits for the Dash entry point, so only after signing in.
        dash_duo.server_url = dash_duo.server.url

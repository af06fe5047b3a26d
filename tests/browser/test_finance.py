"""The finance journey: filter flagged claims, open a claim's evidence, reject it with a
reason, and see its status and history update, with no console errors."""

from __future__ import annotations

import pytest

from components.i18n import t
from dashboard.services import users
from dashboard.services.db import dispose_engine, get_engine
from dashboard.web.app import create_app
from tests import finance_builders as fb
from tests.browser.conftest import (
    PASSWORDS,
    _settings,
    click,
    click_grid_row,
    grid_column,
    sign_in,
    wait_for,
    wait_for_grid_rows,
    wait_for_text,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser

PATH = "/finance?period=custom&from=2026-11-20&to=2026-11-27&flag=flagged"


@pytest.fixture
def finance_app(tmp_path):
    settings = _settings(tmp_path / "finance.db", tmp_path)
    app = create_app(settings)
    engine = get_engine(settings.database_url)
    fb.seed(engine)
    users.create_user(
        engine, name="finance", password=PASSWORDS["finance"], role="finance", now=fb.NOW
    )
    yield app
    dispose_engine(settings.database_url)


def test_reject_a_flagged_claim_with_a_reason_updates_status_and_history(dash_duo, finance_app):
    sign_in(dash_duo, finance_app, "finance", path=PATH)
    wait_for_grid_rows(dash_duo, "finance-claims", 6)
    ids = grid_column(dash_duo, "finance-claims", "claim_id")
    assert sorted(ids) == sorted(
        ["e-km", "e-meal-1", "e-meal-2", "e-taxi", "e-hotel", "e-s"]
    )  # flagged only: e-ent and e-clean are clean

    click_grid_row(dash_duo, "finance-claims", ids.index("e-km"))
    wait_for(dash_duo, "#finance-mileage-ledger")
    wait_for_text(dash_duo, "#finance-claim-status", t("fin.status.pending", "zh"))
    wait_for_text_containing(dash_duo, "#finance-ev-flags", "MILEAGE_INFLATED")
    link = dash_duo.find_element("#finance-replay-link")
    assert link.get_attribute("pathname") == "/replay/rep-1/2026-11-26"

    click(dash_duo, "#finance-reject")  # no reason: refused
    wait_for(dash_duo, "#finance-decision-message .alert-danger")
    wait_for_text_containing(dash_duo, "#finance-decision-message", "reason")

    dash_duo.find_element("#finance-note").send_keys("no such trip")
    click(dash_duo, "#finance-reject")
    wait_for_text(dash_duo, "#finance-claim-status", t("fin.status.rejected", "zh"))
    wait_for_text_containing(
        dash_duo, "#finance-history li", "pending → rejected", "no such trip", "finance"
    )
    assert dash_duo.get_logs() == []

"""The finance journey: filter flagged claims, open a claim's evidence, reject it with a
reason, and see its status and history update, with no console errors."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest
from dash.testing.wait import until

from components.finance.common import CATEGORIES, STATUSES
from components.i18n import t
from dashboard.services import users
from dashboard.services.db import dispose_engine, get_engine
from dashboard.web.app import create_app
from tests import finance_builders as fb
from tests.browser.conftest import (
    PASSWORDS,
    WAIT,
    _settings,
    click,
    click_grid_row,
    grid_column,
    sign_in,
    wait_for,
    wait_for_download,
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
    # The rule by its name and the summary in the viewer's language (issue 23).
    wait_for_text_containing(dash_duo, "#finance-ev-flags", t("rule.MILEAGE_INFLATED.name", "zh"))
    wait_for_text_containing(dash_duo, "#finance-ev-flags", "报销里程 30.0 公里")
    link = dash_duo.find_element("#finance-replay-link")
    assert link.get_attribute("pathname") == "/replay/rep-1/2026-11-26"

    click(dash_duo, "#finance-reject")  # no reason: refused
    wait_for(dash_duo, "#finance-decision-message .alert-danger")
    wait_for_text_containing(dash_duo, "#finance-decision-message", "reason")

    dash_duo.find_element("#finance-note").send_keys("no such trip")
    click(dash_duo, "#finance-reject")
    wait_for_text(dash_duo, "#finance-claim-status", t("fin.status.rejected", "zh"))
    wait_for_text_containing(
        dash_duo,
        "#finance-history li",
        f"{t('fin.status.pending', 'zh')} → {t('fin.status.rejected', 'zh')}",
        "no such trip",
        "finance",
    )
    assert dash_duo.get_logs() == []


def test_an_export_runs_in_the_background_with_progress_and_can_be_cancelled(
    dash_duo, finance_app, monkeypatch
):
    from dashboard.services import finance

    sign_in(dash_duo, finance_app, "finance", path=PATH)
    wait_for_grid_rows(dash_duo, "finance-claims", 6)

    # Completes: the file holds every claim of the filter; the progress row hides again.
    click(dash_duo, "#finance-claims-export-csv")
    text = wait_for_download(dash_duo, "claims.csv").read_text(encoding="utf-8-sig")
    assert len(text.strip().splitlines()) == 1 + 6
    # Categories and statuses as the grid shows them (Chinese labels), not their codes.
    cells = {cell for line in text.splitlines()[1:] for cell in line.split(",")}
    assert not cells & {*CATEGORIES, *STATUSES}
    assert cells & {t(f"fin.status.{s}", "zh") for s in STATUSES}
    wait_for(dash_duo, "#finance-claims-export-job.d-none")
    until(lambda: dash_duo.find_element("#finance-claims-export-csv").is_enabled(), WAIT)

    # Cancelled: a slow export (the job process inherits this patch) is stopped from the page.
    ledger = finance.ledger

    def slow_ledger(*args, **kwargs):
        time.sleep(30)
        return ledger(*args, **kwargs)

    monkeypatch.setattr(finance, "ledger", slow_ledger)
    before = {p.pid for p in psutil.Process().children()}
    click(dash_duo, "#finance-claims-export-xlsx")
    wait_for(dash_duo, "#finance-claims-export-job.d-flex")
    wait_for_text_containing(dash_duo, "#finance-claims-export-progress", "读取数据")
    assert {p.pid for p in psutil.Process().children()} - before  # the job's own process
    assert not dash_duo.find_element("#finance-claims-export-xlsx").is_enabled()
    click(dash_duo, "#finance-claims-export-cancel")
    wait_for(dash_duo, "#finance-claims-export-job.d-none")
    until(lambda: dash_duo.find_element("#finance-claims-export-xlsx").is_enabled(), WAIT)
    # The job's process is stopped, not left sleeping.
    until(lambda: not {p.pid for p in psutil.Process().children()} - before, WAIT)
    time.sleep(1)
    assert not list(Path(dash_duo.download_path).glob("claims.xlsx*"))
    assert dash_duo.get_logs() == []

"""The admin console's Privacy tab (issue 20) in a real browser on the demo company: the
retention policy in force is shown with a link to the settings, and an admin exports a rep's
own data: the JSON downloads, holds the rep's records and the export is in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By

from tests.browser.conftest import (
    WAIT,
    choose_option,
    click,
    db_rows,
    sign_in_demo,
    wait_for,
    wait_for_grid_rows,
    wait_for_text,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser


def _download(dash_duo, pattern: str) -> Path:
    folder = Path(dash_duo.download_path)

    def done():
        files = [p for p in folder.glob(pattern) if not p.name.endswith(".crdownload")]
        return files[0] if files else None

    until(done, WAIT, msg=f"no download {pattern} in {sorted(p.name for p in folder.iterdir())}")
    return done()


def test_admin_sees_retention_and_exports_a_reps_data(dash_duo, demo_app):
    rep = db_rows(demo_app, "SELECT id FROM reps WHERE active ORDER BY id LIMIT 1")[0].id
    sign_in_demo(dash_duo, demo_app, "admin", path="/admin")
    wait_for_grid_rows(dash_duo, "admin-users", 1)
    tab = dash_duo.driver.find_element(
        By.XPATH, "//*[@id='admin-tabs']//a[normalize-space()='隐私']"
    )
    click(dash_duo, tab)
    wait_for_text(dash_duo, "#admin-privacy-days", "90 天")
    assert "尚未执行过清理" in wait_for(dash_duo, "#admin-privacy-last-purge").text
    link = dash_duo.driver.find_element(By.XPATH, "//a[contains(., '保留天数')]")
    assert link.get_attribute("href").endswith("/admin?tab=settings")

    choose_option(dash_duo, "admin-privacy-rep", rep)
    click(dash_duo, "#admin-privacy-export")
    wait_for_text_containing(dash_duo, "#admin-privacy-result", rep, "审计")
    doc = json.loads(_download(dash_duo, f"rep-{rep}-*.json").read_text(encoding="utf-8"))
    assert doc["header"]["rep_id"] == rep and doc["header"]["exported_by"] == "admin"
    assert [r["id"] for r in doc["tables"]["reps"]] == [rep]
    assert doc["counts"]["gps_fixes"] > 0 and doc["counts"]["visits"] > 0
    audited = db_rows(
        demo_app,
        "SELECT actor FROM status_events WHERE subject_kind = 'rep_export' AND subject_id = :r",
        r=rep,
    )
    assert [a.actor for a in audited] == ["admin"]
    assert dash_duo.get_logs() == []

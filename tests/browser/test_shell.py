"""The sign-in page and the landing page in a real headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    open_page,
    sign_in,
    wait_for,
    wait_for_text,
)

pytestmark = pytest.mark.browser


def test_exec_signs_in_and_sees_stored_counts_without_console_errors(dash_duo, cockpit_app):
    sign_in(dash_duo, cockpit_app, "exec")
    # The landing page is the overview; the stored counts live on /data.
    wait_for(dash_duo, "#overview-kpi-visits")
    assert "exec" in dash_duo.find_element("#shell-user").text
    open_page(dash_duo, "/data")
    wait_for_text(dash_duo, "#data-count-gps", "1")
    assert dash_duo.find_element("#data-count-check_in").text == "1"
    assert dash_duo.find_element("#data-count-customer").text == "1"
    assert dash_duo.get_logs() == []


def test_wrong_password_shows_a_clear_message_and_no_cockpit(dash_duo, cockpit_app):
    sign_in(dash_duo, cockpit_app, "exec", password="not-the-password", expect_success=False)
    alert = wait_for(dash_duo, ".alert-danger")
    assert "用户名或密码错误" in alert.text
    assert not dash_duo.driver.find_elements("css selector", "#shell-user")
    assert not dash_duo.driver.find_elements("css selector", "#overview-tiles")


def test_language_switch_turns_the_landing_page_to_english_and_is_remembered(dash_duo, cockpit_app):
    sign_in(dash_duo, cockpit_app, "manager")
    wait_for_text(dash_duo, "#_pages_content h1", "经营概览")
    dash_duo.find_element("#shell-lang-switch").click()
    wait_for_text(dash_duo, "#shell-lang-switch", "中文")
    wait_for_text(dash_duo, "#_pages_content h1", "Overview")
    open_page(dash_duo, "/")
    wait_for_text(dash_duo, "#shell-lang-switch", "中文")
    wait_for_text(dash_duo, "#_pages_content h1", "Overview")
    assert dash_duo.get_logs() == []

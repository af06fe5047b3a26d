"""The sign-in page and the landing page in a real headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_exec_signs_in_and_sees_stored_counts_without_console_errors(dash_duo, cockpit_app):
    sign_in(dash_duo, cockpit_app, "exec")
    dash_duo.wait_for_text_to_equal("#home-count-gps", "1", timeout=10)
    assert dash_duo.find_element("#home-count-check_in").text == "1"
    assert dash_duo.find_element("#home-count-customer").text == "1"
    assert "exec" in dash_duo.find_element("#shell-user").text
    assert dash_duo.get_logs() == []


def test_wrong_password_shows_a_clear_message_and_no_cockpit(dash_duo, cockpit_app):
    sign_in(dash_duo, cockpit_app, "exec", password="not-the-password", expect_success=False)
    alert = dash_duo.wait_for_element(".alert-danger")
    assert "用户名或密码错误" in alert.text
    assert not dash_duo.driver.find_elements("css selector", "#home-counts")


def test_language_switch_turns_the_landing_page_to_english_and_is_remembered(
    dash_duo, cockpit_app
):
    sign_in(dash_duo, cockpit_app, "manager")
    dash_duo.wait_for_text_to_equal("#home-count-gps", "1", timeout=10)
    dash_duo.find_element("#shell-lang-switch").click()
    dash_duo.wait_for_text_to_equal("#shell-lang-switch", "中文", timeout=10)
    assert "Data overview" in dash_duo.find_element("#home-counts").text
    dash_duo.driver.get(dash_duo.server.url + "/")
    dash_duo.wait_for_text_to_equal("#shell-lang-switch", "中文", timeout=10)
    assert dash_duo.get_logs() == []

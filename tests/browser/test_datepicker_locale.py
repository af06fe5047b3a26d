"""The open date picker's calendar speaks the viewer's language, not the browser's (issue 23).

Dash 4's pickers pick their date-fns locale by the browser's language; the cockpit makes them
follow the viewer's setting instead (assets/datepicker-locale.js). Each viewer is tried in a
browser set to the OTHER language, so the test fails if the browser's language leaks through.
"""

from __future__ import annotations

import re

import pytest
from dash.testing.wait import until

from tests.browser.conftest import click, open_page, sign_in, wait_for, wait_for_text

pytestmark = pytest.mark.browser

PERIOD = "/?period=custom&from=2026-11-20&to=2026-11-26"
# date-fns' short weekday names (format token EEEEEE), Monday first (first_day_of_week=1).
WEEKDAYS = {
    "zh": ["一", "二", "三", "四", "五", "六", "日"],
    "en": ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"],
}
BROWSER_LOCALE = {"zh": "en-US", "en": "zh-CN"}
HEADER = ".dash-datepicker-calendar thead tr:last-child th span"
MONTH = ".dash-datepicker-calendar-month-header"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")


def _weekdays(dash_duo) -> list[str]:
    return [el.text for el in dash_duo.find_elements(HEADER)][:7]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_calendar_weekdays_follow_the_viewer(dash_duo, cockpit_app, lang):
    sign_in(dash_duo, cockpit_app, "exec", lang=lang, path=PERIOD)
    if lang == "en":  # users start in Chinese: switch as a person would
        click(dash_duo, "#shell-lang-switch")
        wait_for_text(dash_duo, "#shell-lang-switch", "中文")
    # The browser speaks the other language (navigator.languages, which the picker reads).
    driver = dash_duo.driver
    driver.execute_cdp_cmd(
        "Emulation.setUserAgentOverride",
        {
            "userAgent": driver.execute_script("return navigator.userAgent"),
            "acceptLanguage": BROWSER_LOCALE[lang],
        },
    )
    open_page(dash_duo, PERIOD)
    assert driver.execute_script("return navigator.language") == BROWSER_LOCALE[lang]
    assert driver.execute_script("return document.documentElement.lang").startswith(lang)

    click(dash_duo, wait_for(dash_duo, "#filter-dates-wrapper"))
    wait_for(dash_duo, HEADER)
    until(lambda: _weekdays(dash_duo) == WEEKDAYS[lang], 10, msg=f"weekdays not {WEEKDAYS[lang]}")

    month = wait_for(dash_duo, MONTH).text
    assert "2026" in month, month
    if lang == "zh":
        assert not LATIN.search(month), month
    else:
        assert "November" in month and not CJK.search(month), month
    assert dash_duo.get_logs() == []

"""No word of the other language on any page (issue 23).

Signed in to the demo company as each role, every page the role may open (the navigation's, and
the off-navigation replay, customer profile, plan suggestion and wall) is opened in Chinese and in
English, with an alert, a claim and a rep-day selected where the page has a selection. The visible
text, plus the tooltips and accessible labels a person meets (title, placeholder, aria-label,
Leaflet's zoom buttons and attribution included), must hold no word of the other language, outside
an explicit allowlist: the demo's own names (read from its database: reps, customers, teams,
regions, users), ids (rep-001, c-0042 …), units, and a few brand names and codes.
"""

from __future__ import annotations

import re

import dash
import pytest
from dash.testing.wait import until

from components.i18n import LANGS, t
from tests.browser.conftest import (
    DEMO_PERIOD,
    PAGE_READY,
    ROLES,
    click,
    click_grid_row,
    count_in,
    db_rows,
    grid_rows,
    navigate,
    open_page,
    sign_in_demo,
    wait_for,
    wait_for_text,
    wait_until_ready,
)

pytestmark = pytest.mark.browser

# Latin words a Chinese page may show: units, file formats and codes a person types or reads as
# such, the language switch's own name for English, and brand names.
ZH_ALLOWED = {
    "km",  # unit
    "CSV",  # file formats (export buttons, the chart's download button)
    "XLSX",
    "PNG",
    "PDF",
    "Excel",  # brand names
    "OpenStreetMap",
    "Leaflet",
    "SOP",  # codes read as such in Chinese too
    "GPS",
    "API",  # as in API 令牌 (the integrators' tokens)
    "ISO",  # as in ISO 周 (the plan suggestion's week)
    "UTC",  # as in 起始日期(UTC) (the audit log's dates)
    "root",  # a loanword written as such in Chinese (已 root 的设备, as the rule catalog says)
    "SPACE",  # a key's name, as AG Grid's own zh-CN table writes it
    "Space",
    "English",  # the language switch names each language in itself
}
# Phrases kept as written: the map tiles' licence credit (as OpenStreetMap words it), a brand, the
# name of the photo file hash.
PHRASES = ("© OpenStreetMap contributors", "Wi-Fi", "SHA-256")
# Chinese an English page may show: the language switch's own name for Chinese.
EN_ALLOWED = {"中文"}

# Codes are not words: ids (rep-001, reg-east, dev-3fa9…: lower case, so "Check-out" is still a
# word), hashes and other tokens with a digit,
# rule and flag codes (PHOTO_REUSE, MILEAGE_INFLATED).
# ASCII word boundaries: a code often follows Chinese text with no space (待处理PHOTO_REUSE).
CODES = (
    re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b", re.ASCII),
    re.compile(r"\b[A-Za-z]*\d\w*\b", re.ASCII),
    re.compile(r"\b[A-Z]+(?:_[A-Z]+)+\b", re.ASCII),
)
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")

# Everything a person reads on the page: visible text, then the tooltips and labels of
# visible elements.
COLLECT = """
const parts = [document.body.innerText];
for (const el of document.querySelectorAll('[title], [placeholder], [aria-label]')) {
  const box = el.getBoundingClientRect();
  if (box.width === 0 && box.height === 0) continue;
  for (const a of ['title', 'placeholder', 'aria-label']) {
    const v = el.getAttribute(a);
    if (v) parts.push(v);
  }
}
return parts.join('\\n');
"""


def _key(page) -> str:
    """A page's path, or its template for a page of many paths (/replay/<rep_id>/<date>)."""
    return page.get("path_template") or page["path"]


def _pages(app, role: str) -> list[tuple[str, str, str | None]]:
    """Every page ``role`` may open, as (registry path, URL, what shows it is ready)."""
    rep, day = db_rows(
        app,
        # A rep-day of the demo manager's region, so every role may open it.
        "SELECT d.rep_id, d.local_date FROM rep_days d JOIN reps r ON r.id = d.rep_id "
        "JOIN teams t ON t.id = r.team_id WHERE d.visits > 0 AND t.region_id = 'reg-east' "
        "ORDER BY d.local_date DESC, d.rep_id LIMIT 1",
    )[0]
    customer = db_rows(
        app, "SELECT id FROM customers WHERE region_id = 'reg-east' ORDER BY id LIMIT 1"
    )[0].id
    filled = {
        "/replay/<rep_id>/<date>": f"/replay/{rep}/{str(day)[:10]}?t=10:00",
        "/customers/<customer_id>": f"/customers/{customer}",
        "/plans/suggest": "/plans/suggest",
    }
    pages = sorted(
        (p for p in dash.page_registry.values() if role in p["roles"]),
        key=lambda p: (not p.get("nav", True), p.get("order", 99), p["module"]),
    )
    found = []
    for page in pages:
        path = _key(page)
        url = filled.get(path, f"{path}?{DEMO_PERIOD}")
        found.append((path, url, PAGE_READY.get(path)))
    return found


def _names(app) -> list[str]:
    """The demo company's own names (data, not UI text), longest first."""
    found: set[str] = set()
    for sql in (
        "SELECT name FROM reps",
        "SELECT name FROM customers",
        "SELECT city FROM customers",
        "SELECT address FROM customers",
        "SELECT city FROM expenses",
        "SELECT contact_name FROM customers",
        "SELECT name FROM teams",
        "SELECT name FROM regions",
        "SELECT name FROM users",
        # Who changed an owner or grade: a user or the ingesting source's name (demo).
        "SELECT changed_by FROM customer_owner_history",
        "SELECT changed_by FROM customer_grade_history",
        # What people typed: the audit log's notes and reasons (the demo's are bilingual).
        "SELECT note FROM status_events",
        "SELECT reason FROM customer_owner_history",
        "SELECT reason FROM customer_grade_history",
        # SOP step codes and template ids are codes (each grid shows the label beside them).
        "SELECT code FROM sop_version_steps",
        "SELECT template_id FROM sop_version_steps",
    ):
        found.update(str(r[0]) for r in db_rows(app, sql) if r[0])
    return sorted(found, key=len, reverse=True)


def leaks(text: str, lang: str, names: list[str]) -> list[str]:
    """Words of the other language in ``text`` (a page shown in ``lang``)."""
    for name in (*PHRASES, *names):
        text = text.replace(name, " ")
    if lang == "zh":
        for code in CODES:
            text = code.sub(" ", text)
        return sorted({w for w in LATIN_WORD.findall(text) if w not in ZH_ALLOWED})
    return sorted({w for w in CJK_RUN.findall(text) if w not in EN_ALLOWED})


def test_leaks_finds_the_other_language_only():
    names = ["张伟", "Acme Store"]
    assert leaks("拜访 rep-001 张伟 km No Rows To Show", "zh", names) == [
        "No",
        "Rows",
        "Show",
        "To",
    ]
    assert leaks("Visits 张伟 Acme Store 中文 当天合计", "en", names) == ["当天合计"]
    assert leaks("拜访 CSV c-0042 reg-east 3fa9bd 2026-11-26 待处理PHOTO_REUSE", "zh", names) == []
    assert leaks("当天entertainment合计 Check-out Wi-Fi 定位", "zh", names) == [
        "Check",
        "entertainment",
        "out",
    ]


def _select(dash_duo, path: str, lang: str) -> None:
    """Select the first alert, claim or rep-day where the page has a selection; open the admin
    console's audit log (its trails and actions); on the pages without a PAGE_READY marker,
    wait for something only they show (reached by ``navigate``, the previous page stays until
    the new one renders)."""
    if path == "/alerts":
        until(lambda: grid_rows(dash_duo, "alerts-queue"), 20, poll=0.1, msg="no alert in queue")
        click_grid_row(dash_duo, "alerts-queue", 0)
        wait_for(dash_duo, "#alerts-rule-desc")
    elif path == "/finance":
        click_grid_row(dash_duo, "finance-claims", 0)
        wait_for(dash_duo, "#finance-ev-flags")
    elif path == "/plans":
        click_grid_row(dash_duo, "plans-rep-days", 0)
        wait_for(dash_duo, ".plans-map .leaflet-control-zoom-in")
    elif path == "/replay/<rep_id>/<date>":
        wait_for(dash_duo, ".replay-map .leaflet-control-zoom-in")
    elif path == "/customers/<customer_id>":
        wait_for(dash_duo, "#customer-name")
    elif path == "/plans/suggest":
        count_in(dash_duo, "#plan-suggest-rep-count")
    elif path == "/admin":
        tabs = dash_duo.find_elements("#admin-tabs .nav-link")
        click(dash_duo, next(tab for tab in tabs if tab.text == t("admin.tab.audit", lang)))
        until(lambda: grid_rows(dash_duo, "admin-audit"), 20, poll=0.1, msg="no audit entry")


# Leaflet's zoom buttons on the page: their tooltips, which COLLECT reads too.
ZOOM_TITLES = """
return Array.from(document.querySelectorAll('.leaflet-control-zoom a'), a => a.title);
"""


def _settle(dash_duo) -> None:
    """Wait until no callback is pending (Dash marks the document while one runs)."""
    until(
        lambda: (
            not dash_duo.driver.execute_script(
                "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null"
            )
        ),
        20,
        poll=0.1,
        msg="callbacks still loading",
    )


# Pages whose map shows without a selection (the plans page's once a rep-day is picked).
MAP_PAGES = {"/customers", "/plans", "/replay/<rep_id>/<date>", "/plans/suggest"}


def _in_lang(pages, role: str, lang: str) -> list[tuple[str, str, str | None]]:
    """The pages ``role`` opens in ``lang`` (a browser per page and language for every role would
    take minutes): a page at most two roles may open, in both languages; a page of more roles in
    one language per role, alternating, so two roles see it in Chinese and the others in English.
    """
    chosen = []
    for i, (path, url, ready) in enumerate(pages):
        roles = next(p["roles"] for p in dash.page_registry.values() if _key(p) == path)
        if len(roles) <= 2 or (i + ROLES.index(role) + LANGS.index(lang)) % 2 == 0:
            chosen.append((path, url, ready))
    return chosen


def _visit(dash_duo, path: str, url: str, ready: str | None, lang: str) -> None:
    if path == "/wall":  # the kiosk: no top bar to wait for
        dash_duo.driver.get(dash_duo.server.url + url)
    else:
        navigate(dash_duo, url)
    if ready:
        wait_until_ready(dash_duo, path)
    _select(dash_duo, path, lang)
    _settle(dash_duo)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_speaks_only_the_viewers_language(dash_duo, demo_app, role):
    names = _names(demo_app)
    pages = _pages(demo_app, role)
    paths = {path for path, _url, _ready in pages}
    assert {"/", "/alerts", "/finance", "/customers", "/replay/<rep_id>/<date>"} <= paths
    sign_in_demo(dash_duo, demo_app, role, lang="zh", path=f"/?{DEMO_PERIOD}")
    found: dict[str, list[tuple[str, str]]] = {}
    zoom: dict[str, dict[str, list[str]]] = {}
    seen: dict[str, set[str]] = {}
    for lang in LANGS:
        if lang == "en":  # the demo logins prefer Chinese: switch as a person would
            open_page(dash_duo, f"/?{DEMO_PERIOD}")
            click(dash_duo, "#shell-lang-switch")
            wait_for_text(dash_duo, "#shell-lang-switch", "中文")
        zoom[lang] = {}
        seen[lang] = set()
        for path, url, ready in _in_lang(pages, role, lang):
            _visit(dash_duo, path, url, ready, lang)
            seen[lang].add(path)
            text = dash_duo.driver.execute_script(COLLECT)
            words = leaks(text, lang, names)
            if words:  # each word with the first line it is on, to find it in the code
                lines = text.splitlines()
                found[f"{lang} {path}"] = [
                    (w, next((ln for ln in lines if w in ln), "")[:80]) for w in words
                ]
            titles = dash_duo.driver.execute_script(ZOOM_TITLES)
            if titles:
                zoom[lang][path] = titles
    assert found == {}, f"{role} meets the other language: {found}"
    assert paths == seen["zh"] | seen["en"]
    for lang in LANGS:
        # Every map's zoom buttons say zoom in / zoom out in the viewer's language.
        assert seen[lang] & MAP_PAGES <= zoom[lang].keys(), lang
        assert zoom[lang], f"no map opened in {lang}"
        localized = [t("map.zoom_in", lang), t("map.zoom_out", lang)]
        assert all(titles == localized for titles in zoom[lang].values()), zoom
    assert dash_duo.get_logs() == []

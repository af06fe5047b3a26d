"""The team KPI page: drill-down team → rep → day → visits, shared URLs, and grid exports."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from components.i18n import t
from tests.browser.conftest import (
    DEMO_FROM,
    DEMO_PERIOD,
    DEMO_TO,
    choose_option,
    click,
    click_grid_row,
    db_rows,
    grid_column,
    grid_css,
    open_page,
    query,
    sign_in_demo,
    wait_for,
    wait_for_download,
    wait_for_grid_rows,
    wait_for_query,
    wait_for_text,
)

pytestmark = pytest.mark.browser

DRILL = "teams-drill"
TITLE = "#teams-drill-title"
# The key columns of each level (pinned left) and the grid title of the level.
LEVEL_KEY = {"teams": "team_name", "reps": "rep_name", "days": "local_date", "visits": "ts"}


def _title(level: str) -> str:
    return t(f"teams.grid.{level}", "zh")


def _wait_for_level(dash_duo, level: str) -> list[str]:
    """Wait until the drill grid shows a level; return the texts of its key column."""
    wait_for_text(dash_duo, TITLE, _title(level))
    wait_for_grid_rows(dash_duo, DRILL)
    return grid_column(dash_duo, DRILL, LEVEL_KEY[level])


def _ids_by_name(app, table: str) -> dict[str, str]:
    return {row.name: row.id for row in db_rows(app, f"SELECT id, name FROM {table}")}


def _picker_dates(dash_duo) -> tuple[str, str]:
    start = wait_for(dash_duo, "#filter-dates").get_attribute("value")
    return start, dash_duo.find_element("#filter-dates-end-date").get_attribute("value")


def _assert_visits_with_replay_links(dash_duo, rep: str, day: str) -> None:
    links = dash_duo.find_elements(f"{grid_css(DRILL)} a[href^='/replay/']")
    assert links, "the visits of a day offer no replay link"
    assert len(links) == len(grid_column(dash_duo, DRILL, "ts"))
    for link in links:
        assert link.get_attribute("pathname") == f"/replay/{rep}/{day}"


def test_drill_down_by_clicking_rows_goes_team_rep_day_visits(dash_duo, demo_app):
    """The journey as a user makes it: click a row, the grid shows the next level."""
    teams, reps = _ids_by_name(demo_app, "teams"), _ids_by_name(demo_app, "reps")
    sign_in_demo(dash_duo, demo_app, "exec", path=f"/teams?{DEMO_PERIOD}")
    team_names = _wait_for_level(dash_duo, "teams")
    assert len(team_names) == len(teams)

    click_grid_row(dash_duo, DRILL, 0)
    wait_for_query(dash_duo, lambda q: "team" in q, "team=")
    assert query(dash_duo)["team"] == teams[team_names[0]]
    rep_names = _wait_for_level(dash_duo, "reps")  # the page must follow its URL
    assert set(grid_column(dash_duo, DRILL, "team_name")) == {team_names[0]}

    click_grid_row(dash_duo, DRILL, 0)
    q = wait_for_query(dash_duo, lambda q: "rep" in q, "rep=")
    assert q["rep"] == reps[rep_names[0]] and q["team"] == teams[team_names[0]]
    days = _wait_for_level(dash_duo, "days")
    assert all(DEMO_FROM <= day[:10] <= DEMO_TO for day in days)

    click_grid_row(dash_duo, DRILL, 0)
    q = wait_for_query(dash_duo, lambda q: "day" in q, "day=")
    assert q["day"] == days[0][:10]
    _wait_for_level(dash_duo, "visits")
    _assert_visits_with_replay_links(dash_duo, q["rep"], q["day"])
    assert dash_duo.find_element("#teams-crumb-day").text == q["day"]

    click(dash_duo, "#teams-crumb-all")
    assert _wait_for_level(dash_duo, "teams") == team_names
    q = query(dash_duo)
    assert not {"team", "rep", "day"} & set(q)
    assert (q["period"], q["from"], q["to"]) == ("custom", DEMO_FROM, DEMO_TO)
    assert dash_duo.get_logs() == []


def test_each_drill_level_opens_from_its_url_and_a_row_click_names_the_next(dash_duo, demo_app):
    """Every level renders from a (shared) URL, and a click writes the next level into the URL.

    The page is loaded afresh after each click, so this holds even while the page itself does
    not follow URL changes made by its callbacks (see the test above, which clicks its way down
    from the teams level; its first click is checked there).
    """
    team, team_name = db_rows(demo_app, "SELECT id, name FROM teams ORDER BY id")[0]
    reps = _ids_by_name(demo_app, "reps")
    sign_in_demo(dash_duo, demo_app, "exec", path=f"/teams?{DEMO_PERIOD}&team={team}")
    rep_names = _wait_for_level(dash_duo, "reps")
    assert set(grid_column(dash_duo, DRILL, "team_name")) == {team_name}
    assert dash_duo.find_element("#teams-crumb-team").text == team

    click_grid_row(dash_duo, DRILL, 0)
    q = wait_for_query(dash_duo, lambda q: "rep" in q, "rep=")
    assert (q["team"], q["rep"]) == (team, reps[rep_names[0]])
    rep = q["rep"]
    open_page(dash_duo, f"/teams?{DEMO_PERIOD}&team={team}&rep={rep}")
    days = _wait_for_level(dash_duo, "days")
    assert days and all(DEMO_FROM <= day[:10] <= DEMO_TO for day in days)
    assert len(set(days)) == len(days)

    click_grid_row(dash_duo, DRILL, 0)
    day = wait_for_query(dash_duo, lambda q: "day" in q, "day=")["day"]
    assert day == days[0][:10]
    date.fromisoformat(day)
    open_page(dash_duo, f"/teams?{DEMO_PERIOD}&team={team}&rep={rep}&day={day}")
    _wait_for_level(dash_duo, "visits")
    _assert_visits_with_replay_links(dash_duo, rep, day)
    assert dash_duo.find_element("#teams-crumb-day").text == day

    click(dash_duo, "#teams-crumb-all")
    every_team = sorted(r.name for r in db_rows(demo_app, "SELECT name FROM teams"))
    assert sorted(_wait_for_level(dash_duo, "teams")) == every_team
    assert not {"team", "rep", "day"} & set(query(dash_duo))
    assert dash_duo.get_logs() == []


def test_breadcrumb_back_to_the_team_keeps_region_and_team_in_the_url(dash_duo, demo_app):
    """From a rep's days, the team crumb shows the team's reps and the URL says so."""
    team, region = db_rows(demo_app, "SELECT id, region_id FROM teams ORDER BY id")[0]
    rep = db_rows(demo_app, "SELECT id FROM reps WHERE team_id = :t ORDER BY id", t=team)[0].id
    days_of_rep = f"/teams?{DEMO_PERIOD}&region={region}&team={team}&rep={rep}"
    sign_in_demo(dash_duo, demo_app, "exec", path=days_of_rep)
    _wait_for_level(dash_duo, "days")

    click(dash_duo, "#teams-crumb-team")
    _wait_for_level(dash_duo, "reps")
    # The address bar must describe what is shown, so it can be shared or reloaded.
    wait_for_query(dash_duo, lambda q: "rep" not in q, "no rep=")
    q = query(dash_duo)
    assert (q.get("region"), q.get("team")) == (region, team), dash_duo.driver.current_url
    assert dash_duo.get_logs() == []


def test_a_shared_url_restores_the_filters_and_back_restores_the_period(dash_duo, demo_app):
    region, region_name = db_rows(demo_app, "SELECT id, name FROM regions ORDER BY id")[0]
    region_teams = {
        r.name for r in db_rows(demo_app, "SELECT name FROM teams WHERE region_id = :r", r=region)
    }
    shared = f"/teams?period=custom&from=2026-11-24&to=2026-11-26&region={region}"
    sign_in_demo(dash_duo, demo_app, "exec", path=shared)

    wait_for_text(dash_duo, "#filter-period", t("period.custom", "zh"))
    wait_for_text(dash_duo, "#filter-region", region_name)
    assert _picker_dates(dash_duo) == ("2026-11-24", "2026-11-26")
    assert set(_wait_for_level(dash_duo, "teams")) == region_teams
    assert dash_duo.get_logs() == []

    choose_option(dash_duo, "filter-period", "30d")
    q = wait_for_query(dash_duo, lambda q: q.get("period") == "30d", "period=30d")
    assert q.get("region") == region and "from" not in q and "to" not in q

    dash_duo.driver.back()
    q = wait_for_query(dash_duo, lambda q: q.get("period") == "custom", "period=custom")
    assert (q["from"], q["to"], q["region"]) == ("2026-11-24", "2026-11-26", region)
    # The filter bar follows the URL back.
    wait_for_text(dash_duo, "#filter-period", t("period.custom", "zh"))
    wait_for_text(dash_duo, "#filter-region", region_name)
    assert _picker_dates(dash_duo) == ("2026-11-24", "2026-11-26")
    assert dash_duo.get_logs() == []


def test_the_drill_grid_exports_what_it_shows_as_xlsx_and_csv(dash_duo, demo_app):
    sign_in_demo(dash_duo, demo_app, "exec", path=f"/teams?{DEMO_PERIOD}")
    team_names = _wait_for_level(dash_duo, "teams")
    headers = [
        el.text
        for el in dash_duo.find_elements(
            f"{grid_css(DRILL)} .ag-header-row-column .ag-header-cell-text"
        )
    ]

    click(dash_duo, grid_css(DRILL, "grid-export-xlsx"))
    workbook = openpyxl.load_workbook(wait_for_download(dash_duo, "drill.xlsx"))
    rows = list(workbook[t("export.sheet", "zh")].iter_rows(values_only=True))  # 数据
    assert rows[0][0] == t("common.team", "zh")
    assert set(rows[0]) >= {h for h in headers if h}
    assert sorted(r[0] for r in rows[1:]) == sorted(team_names)

    click(dash_duo, grid_css(DRILL, "grid-export-csv"))
    csv_text = wait_for_download(dash_duo, "drill.csv").read_text(encoding="utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) == 1 + len(team_names)
    assert all(name in csv_text for name in team_names)
    assert dash_duo.get_logs() == []

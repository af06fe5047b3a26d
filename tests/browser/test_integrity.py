"""Visit integrity where managers look at visits: the team drill-down's visit level."""

from __future__ import annotations

from collections import defaultdict

import pytest

from components.i18n import t
from components.integrity import rule_names
from dashboard.rules.integrity import visit_integrity
from tests.browser.conftest import (
    DEMO_PERIOD,
    db_rows,
    grid_column,
    grid_css,
    sign_in_demo,
    wait_for_grid_rows,
    wait_for_text,
)

pytestmark = pytest.mark.browser

DRILL = "teams-drill"
LEVEL_CLASS = {"ok": "integrity-ok", "doubt": "integrity-doubt", "bad": "integrity-bad"}


def _doubted_rep_day(app):
    """The rep-day (team, rep, date) of the demo whose visits have the most alerts."""
    (row,) = db_rows(
        app,
        "SELECT r.team_id, v.rep_id, v.local_date, COUNT(*) AS n FROM alerts a "
        "JOIN visits v ON v.id = a.visit_id JOIN reps r ON r.id = v.rep_id "
        "GROUP BY r.team_id, v.rep_id, v.local_date ORDER BY n DESC, v.rep_id, v.local_date "
        "LIMIT 1",
    )
    return row.team_id, row.rep_id, str(row.local_date)[:10]


def test_drill_visits_show_each_visits_integrity_coloured_and_its_rules(dash_duo, demo_app):
    team, rep, day = _doubted_rep_day(demo_app)
    visits = db_rows(
        demo_app,
        "SELECT id FROM visits WHERE rep_id = :rep AND local_date = :day ORDER BY ts, id",
        rep=rep,
        day=day,
    )
    fired = defaultdict(list)
    for row in db_rows(
        demo_app,
        "SELECT a.visit_id, a.rule FROM alerts a JOIN visits v ON v.id = a.visit_id "
        "WHERE v.rep_id = :rep AND v.local_date = :day",
        rep=rep,
        day=day,
    ):
        fired[row.visit_id].append(row.rule)
    expected = [visit_integrity(fired[v.id]) for v in visits]
    assert any(score < 100 for score, _ in expected), "the demo day has no doubted visit"

    sign_in_demo(
        dash_duo, demo_app, "exec", path=f"/teams?{DEMO_PERIOD}&team={team}&rep={rep}&day={day}"
    )
    wait_for_text(dash_duo, "#teams-drill-title", t("teams.grid.visits", "zh"))
    wait_for_grid_rows(dash_duo, DRILL, len(visits))
    assert grid_column(dash_duo, DRILL, "integrity") == [str(score) for score, _ in expected]
    assert grid_column(dash_duo, DRILL, "rules") == [rule_names(rs, "zh") for _, rs in expected]
    cells = dash_duo.find_elements(f"{grid_css(DRILL)} .ag-row [col-id='integrity']")
    for cell in cells:
        score = int(cell.text)
        level = "ok" if score >= 80 else "doubt" if score >= 50 else "bad"
        assert LEVEL_CLASS[level] in cell.get_attribute("class").split(), (score, cell)
    header = dash_duo.find_element(f"{grid_css(DRILL)} .ag-header-cell[col-id='integrity']")
    assert header.text == "可信度"
    assert dash_duo.get_logs() == []

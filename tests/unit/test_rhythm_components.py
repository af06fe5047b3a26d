"""The rhythm view's and the digest's rendering: both languages for every string with the same
placeholders, grid rows shaped for their columns, tiles counting what the view holds."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from plotly.utils import PlotlyJSONEncoder

from components import rhythm as view
from components.i18n import rhythm as strings
from components.i18n import t

D = date.fromisoformat


def _text(component) -> str:
    """Every text of a component tree, and its ids, as one JSON string."""
    return json.dumps(component, cls=PlotlyJSONEncoder, ensure_ascii=False)


PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("key", sorted(strings.STRINGS))
def test_every_string_has_both_languages_with_the_same_placeholders(key):
    zh, en = strings.STRINGS[key]
    assert zh.strip() and en.strip()
    assert sorted(PLACEHOLDER.findall(zh)) == sorted(PLACEHOLDER.findall(en))


def _view():
    due = [
        {
            "customer_id": "c1",
            "name": "甲",
            "grade": "A",
            "state": "due",
            "due_on": D("2026-12-08"),
            "last_visit": D("2026-12-01"),
            "owner_name": "张伟",
            "team_name": "上海一组",
            "city": "上海",
        },
        {
            "customer_id": "c2",
            "name": "乙",
            "grade": "B",
            "state": "upcoming",
            "due_on": D("2026-12-10"),
            "last_visit": None,
            "owner_name": "张伟",
            "team_name": "上海一组",
            "city": "上海",
        },
    ]
    overdue = [
        {
            "customer_id": "c3",
            "name": "丙",
            "grade": "A",
            "days_overdue": 4,
            "never": True,
            "overdue_on": D("2026-12-04"),
            "last_visit": None,
            "owner_name": "李娜",
            "team_name": "上海一组",
            "city": "上海",
        },
    ]
    completion = {"tasks_done": 3, "tasks_overdue": 1, "tasks_open": 2, "task_completion": 0.75}
    return {"due": due, "overdue": overdue, "completion": completion, "as_of": D("2026-12-08")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_grid_rows_hold_their_columns_with_dates_as_text(lang):
    data = _view()
    due = view.due_rows(data["due"], lang)
    assert [set(row) for row in due] == [{c["field"] for c in view.due_columns(lang)}] * 2
    assert due[0]["due_on"] == "2026-12-08" and due[0]["last_visit_text"] == "2026-12-01"
    assert due[1]["last_visit_text"] == t("rhythm.never", lang)
    assert due[1]["state_text"] == t("rhythm.state.upcoming", lang)
    late = view.overdue_rows(data["overdue"], lang)
    assert late == [
        {
            "days_overdue": 4,
            "grade": "A",
            "name": "丙",
            "city": "上海",
            "owner_name": "李娜",
            "team_name": "上海一组",
            "last_visit_text": t("rhythm.never", lang),
            "overdue_on": "2026-12-04",
        }
    ]
    assert view.due_rows([], lang) == [] and view.overdue_rows([], lang) == []


def test_summary_tiles_count_the_view():
    text = _text(view.rhythm_summary(_view(), "en"))
    for shown in ('"1"', '"3 / 1 / 2"', '"75.0%"', "never visited: 1"):
        assert shown in text, shown


def test_title_names_the_rep_or_team_or_the_scope():
    assert view.rhythm_title({"rep": "rep-7", "team": "t"}, "en").endswith("Rep rep-7")
    assert view.rhythm_title({"team": "t-1"}, "en").endswith("Team t-1")
    assert view.rhythm_title({}, "en").endswith(t("rhythm.scope.all", "en"))


def test_digest_block_shows_teams_and_grades_or_says_there_is_no_a_customer():
    digest = {
        "overdue_a": 5,
        "teams": [{"team_id": "t", "team_name": "上海一组", "a_customers": 9, "overdue_a": 5}],
        "grades": [
            {"grade": g, "rate": r, "compliant": 1, "customers": 2}
            for g, r in (("A", 0.5), ("B", None), ("C", 1.0))
        ],
    }
    text = _text(view.digest_block(digest, "en"))
    assert "Overdue A customers: 5" in text and "上海一组" in text
    assert '"50.0%"' in text and '"—"' in text and '"100.0%"' in text
    empty = _text(view.digest_block({**digest, "teams": [], "overdue_a": 0}, "en"))
    assert t("digest.none", "en") in empty


def test_grids_get_the_most_urgent_rows_only_and_the_hint_says_so(monkeypatch):
    monkeypatch.setattr(view, "GRID_LIMIT", 1)
    data = _view()
    assert [row["name"] for row in view.due_rows(data["due"], "en")] == ["甲"]
    assert t("rhythm.shown", "en").format(n=1) in _text(view.rhythm_summary(data, "en"))
    monkeypatch.setattr(view, "GRID_LIMIT", 2)
    assert t("rhythm.shown", "en").format(n=2) not in _text(view.rhythm_summary(data, "en"))

"""Standard reports, pure parts: the periods of a daily, weekly and monthly report, and the
KPI layer's new figures (attendance, unplanned visits, frequency compliance per team)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from dashboard import kpis
from dashboard import reports as core

D = date.fromisoformat


@pytest.mark.parametrize(
    ("kind", "day", "start", "end", "prev_start", "prev_end"),
    [
        ("daily", "2026-11-25", "2026-11-25", "2026-11-25", "2026-11-24", "2026-11-24"),
        ("daily", "2026-03-01", "2026-03-01", "2026-03-01", "2026-02-28", "2026-02-28"),
        # The ISO week holding the date, Monday to Sunday, across a year's end.
        ("weekly", "2026-11-25", "2026-11-23", "2026-11-29", "2026-11-16", "2026-11-22"),
        ("weekly", "2026-11-29", "2026-11-23", "2026-11-29", "2026-11-16", "2026-11-22"),
        ("weekly", "2027-01-01", "2026-12-28", "2027-01-03", "2026-12-21", "2026-12-27"),
        # The calendar month, and the calendar month before (not the days of equal length).
        ("monthly", "2026-11-25", "2026-11-01", "2026-11-30", "2026-10-01", "2026-10-31"),
        ("monthly", "2028-03-31", "2028-03-01", "2028-03-31", "2028-02-01", "2028-02-29"),
        ("monthly", "2027-01-15", "2027-01-01", "2027-01-31", "2026-12-01", "2026-12-31"),
    ],
)
def test_report_period_and_the_period_before(kind, day, start, end, prev_start, prev_end):
    period = core.report_period(kind, D(day))
    assert (period.start, period.end) == (D(start), D(end))
    assert (period.previous_start, period.previous_end) == (D(prev_start), D(prev_end))


def test_period_labels_and_file_names():
    assert core.report_period("weekly", D("2027-01-01")).label == "2026-W53"
    assert core.report_period("monthly", D("2026-11-25")).label == "2026-11"
    period = core.report_period("daily", D("2026-11-25"))
    assert core.file_name(period, scope="team/sh 1", fmt="pdf") == (
        "report-daily-2026-11-25-team-sh-1.pdf"
    )


def test_the_default_date_is_yesterday_and_bad_input_names_the_field():
    assert core.parse_day(None, today=D("2026-11-27")) == D("2026-11-26")
    assert core.parse_day("", today=D("2026-11-27")) == D("2026-11-26")
    with pytest.raises(core.ReportError, match="date"):
        core.parse_day("2026-13-01", today=D("2026-11-27"))
    with pytest.raises(core.ReportError, match="kind"):
        core.report_period("yearly", D("2026-11-27"))


def test_trend_windows_per_kind():
    assert core.trend_window(core.report_period("daily", D("2026-11-25"))) == (
        D("2026-11-12"),
        D("2026-11-25"),
        "day",
    )
    weekly = core.trend_window(core.report_period("weekly", D("2026-11-25")))
    assert weekly == (D("2026-10-05"), D("2026-11-29"), "week")


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_attendance_averages_local_fix_times_and_sums_tracked_hours():
    days = pd.DataFrame(
        {
            "rep_id": ["r1", "r1", "r2"],
            "team_id": ["t1", "t1", "t1"],
            "local_date": [D("2026-11-24"), D("2026-11-25"), D("2026-11-25")],
            "timezone": ["Asia/Shanghai", "Asia/Shanghai", "Asia/Urumqi"],
            "first_fix_at": [
                _utc("2026-11-24T08:30:00+08:00"),
                _utc("2026-11-25T09:30:00+08:00"),
                _utc("2026-11-25T10:00:00+06:00"),
            ],
            "last_fix_at": [
                _utc("2026-11-24T17:30:00+08:00"),
                _utc("2026-11-25T18:00:00+08:00"),
                _utc("2026-11-25T16:00:00+06:00"),
            ],
        }
    )
    reps = kpis.attendance(days, ["rep_id"]).set_index("rep_id")
    assert reps.loc["r1", "attendance_days"] == 2
    assert reps.loc["r1", "first_fix_min"] == pytest.approx(9 * 60)  # 08:30 and 09:30
    assert reps.loc["r1", "last_fix_min"] == pytest.approx(17 * 60 + 45)
    assert reps.loc["r1", "hours_tracked"] == pytest.approx(9 + 8.5)
    assert reps.loc["r2", "first_fix_min"] == pytest.approx(10 * 60)  # its own time zone
    team = kpis.attendance(days, ["team_id"]).iloc[0]
    assert team["attendance_days"] == 3 and team["hours_tracked"] == pytest.approx(23.5)
    assert kpis.attendance(days.iloc[0:0], ["rep_id"]).empty
    assert core.fmt_time(reps.loc["r1", "last_fix_min"]) == "17:45"
    assert core.fmt_time(math.nan) == "—"


def test_unplanned_visits_never_go_below_zero():
    assert list(kpis.unplanned_visits([5, 2, 0], [3, 4, 0])) == [2, 0, 0]


def test_frequency_compliance_per_team_weighs_customers_over_every_grade():
    coverage = pd.DataFrame(
        {
            "team_id": ["t1", "t1", "t1", "t2"],
            "team_name": ["One", "One", "One", "Two"],
            "grade": ["A", "A", "C", "B"],
            "verified_visits": [4, 1, 1, 0],
            "customers": [3, 1, 4, 2],
        }
    )
    teams = kpis.compliance_by_team(coverage).set_index("team_id")
    assert teams.loc["t1", "customers"] == 8 and teams.loc["t1", "compliant"] == 7
    assert teams.loc["t1", "frequency_compliance"] == pytest.approx(7 / 8)
    assert teams.loc["t2", "frequency_compliance"] == 0

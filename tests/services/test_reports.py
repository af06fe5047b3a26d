"""Standard reports (contract §8) on real SQLite and PostgreSQL over the seeded demo company:
every figure equals the KPI pages' for the same filter, manager scope, empty periods, the XLSX,
PDF and CSV files read back, and the CLI (one file, the pack of every team)."""

from __future__ import annotations

import csv
import io
import math
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from components import report_files as files
from dashboard import reports as core
from dashboard.services import finance, kpis, reports
from dashboard.services.db import dispose_engine, get_engine
from dashboard.services.demo import seed_demo
from dashboard.services.users import User
from tests.conftest import _truncate_all

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
DAY = date(2026, 11, 25)  # a Wednesday with demo data; its week and month hold more
EXEC = User(id=1, name="boss", role="exec", regions=())
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo(request, tmp_path_factory):
    """The demo company (32 reps in two regions, 10 days) seeded once per database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('reports') / 'demo.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate_all(get_engine(url))
    engine = get_engine(url)
    seed_demo(engine, seed=7, reps=32, days=10, now=NOW)
    yield url, engine
    if request.param == "sqlite":
        dispose_engine(url)
    else:
        _truncate_all(engine)


def _regions_and_teams(engine):
    options = kpis.filter_options(engine, EXEC)
    return options["regions"], options["teams"]


def _close(a, b) -> bool:
    missing_a = a is None or (isinstance(a, float) and math.isnan(a))
    missing_b = b is None or (isinstance(b, float) and math.isnan(b))
    if missing_a or missing_b:
        return missing_a and missing_b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("kind", core.KINDS)
@pytest.mark.parametrize("where", ["company", "region", "team"])
def test_every_report_figure_equals_the_kpi_pages_figure_for_the_same_filter(demo, kind, where):
    _url, engine = demo
    regions, teams = _regions_and_teams(engine)
    region = regions[-1]["id"] if where == "region" else None
    team = teams[0]["id"] if where == "team" else None
    report = reports.build_report(
        engine, EXEC, kind=kind, day=DAY, today=TODAY, region=region, team=team
    )
    period = core.report_period(kind, DAY)
    filters = report["filters"]
    assert (filters.start, filters.end, filters.region, filters.team) == (
        period.start,
        period.end,
        region,
        team,
    )
    # The headline: the overview page's KPIs of the same filter.
    overview = kpis.overview(engine, EXEC, filters, today=TODAY)
    assert report["current"] == overview["current"]
    assert report["alerts"] == overview["alerts"]
    assert report["current"]["visits"] > 0
    # The tables: the team KPI page's per-team and per-rep rows.
    views = kpis.team_views(engine, EXEC, filters)
    assert list(report["reps"]["id"]) == list(views["reps"]["rep_id"])
    assert list(report["teams"]["id"]) == list(views["teams"]["team_id"])
    for table, frame, key in (
        (report["reps"], views["reps"], "rep_id"),
        (report["teams"], views["teams"], "team_id"),
    ):
        expected = frame.set_index(key)
        for row in table.to_dict("records"):
            for name in (
                "visits",
                "effective",
                "planned",
                "rep_days",
                "effective_rate",
                "plan_adherence",
                "sop_completion",
                "km",
            ):
                assert _close(row[name], expected.loc[row["id"], name]), (row["id"], name)
    # Expenses: the finance page's statement over the same period.
    for by, table in (("rep", report["reps"]), ("team", report["teams"])):
        rows = finance.period_statement(engine, EXEC, filters, by=by)["rows"]
        expected = rows.set_index(f"{by}_id")
        for row in table.to_dict("records"):
            for name in ("claimed", "at_risk", "approved"):
                want = expected.loc[row["id"], name] if row["id"] in expected.index else 0.0
                assert _close(row[name], want), (row["id"], name)
    # Alerts: the overview's open alerts per severity, split per rep and per team.
    for sev, count in overview["alerts"].items():
        assert report["reps"][f"alerts_{sev}"].sum() == count
        assert report["teams"][f"alerts_{sev}"].sum() == count
    # Frequency compliance per team: the compliance the team page shows, all grades together.
    compliance = kpis.compliance(engine, EXEC, filters)["teams"].set_index("team_id")
    for row in report["teams"].to_dict("records"):
        if row["id"] in compliance.index:
            assert _close(
                row["frequency_compliance"], compliance.loc[row["id"], "frequency_compliance"]
            )
    # Visits split: planned done + unplanned = visits (never below zero).
    reps = report["reps"]
    assert (reps["unplanned"] >= 0).all()
    assert (reps["unplanned"] <= reps["visits"]).all()


def test_monthly_report_compares_with_the_previous_calendar_month(demo):
    _url, engine = demo
    report = reports.build_report(engine, EXEC, kind="monthly", day=DAY, today=TODAY)
    october = replace(report["filters"], start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert report["previous"] == kpis.overview(engine, EXEC, october, today=TODAY)["current"]


def test_attendance_hours_are_the_span_of_each_rep_day_fixes(demo):
    _url, engine = demo
    report = reports.build_report(engine, EXEC, kind="daily", day=DAY, today=TODAY)
    rep = report["reps"].iloc[0]
    attendance = kpis.attendance(engine, EXEC, report["filters"])["reps"].set_index("rep_id")
    assert rep["hours_tracked"] == pytest.approx(attendance.loc[rep["id"], "hours_tracked"])
    assert 0 < rep["hours_tracked"] < 24
    assert 0 <= rep["first_fix_min"] <= rep["last_fix_min"] < 24 * 60


def test_a_manager_report_holds_only_the_reps_and_teams_of_their_region(demo):
    _url, engine = demo
    regions, teams = _regions_and_teams(engine)
    mine, other = regions[0]["id"], regions[-1]["id"]
    assert mine != other
    manager = User(id=2, name="mgr", role="manager", regions=(mine,))
    report = reports.build_report(engine, manager, kind="weekly", day=DAY, today=TODAY)
    assert set(report["teams"]["parent_id"]) == {mine}
    their_team = next(team["id"] for team in teams if team["region_id"] == other)
    foreign = reports.build_report(
        engine, manager, kind="weekly", day=DAY, today=TODAY, team=their_team
    )
    assert foreign["reps"].empty and foreign["teams"].empty
    assert foreign["current"]["visits"] == 0
    whole = reports.build_report(engine, EXEC, kind="weekly", day=DAY, today=TODAY)
    assert len(whole["teams"]) > len(report["teams"])


def test_an_empty_period_names_the_latest_date_with_visits(demo):
    _url, engine = demo
    report = reports.build_report(engine, EXEC, kind="daily", day=date(2026, 12, 5), today=TODAY)
    assert report["empty"] is True
    assert report["latest"] == kpis.latest_activity(
        engine, EXEC, report["filters"], before=date(2026, 12, 5)
    )
    assert date(2026, 11, 20) <= report["latest"] <= date(2026, 11, 27)
    before = reports.build_report(engine, EXEC, kind="daily", day=date(2025, 1, 1), today=TODAY)
    assert before["empty"] is True and before["latest"] is None


@pytest.fixture(scope="module")
def monthly(demo):
    _url, engine = demo
    return reports.build_report(engine, EXEC, kind="monthly", day=DAY, today=TODAY)


def test_the_xlsx_has_a_summary_and_one_sheet_per_table_with_formats_and_frozen_headers(monthly):
    book = load_workbook(io.BytesIO(files.to_xlsx_bytes(monthly, "zh", "全公司")))
    assert book.sheetnames == ["汇总", "业务员明细", "团队明细"]
    reps, teams = book["业务员明细"], book["团队明细"]
    header = [cell.value for cell in reps[1]]
    assert header[:3] == ["层级", "编号", "名称"]
    assert "有效拜访率" in header and "里程(公里)" in header
    assert reps.freeze_panes == "D2" and teams.freeze_panes == "D2"
    assert reps.max_row == 1 + len(monthly["reps"])
    assert teams.max_row == 1 + len(monthly["teams"])
    ids = [row[1].value for row in reps.iter_rows(min_row=2)]
    assert ids == list(monthly["reps"]["id"])
    rate = header.index("有效拜访率")
    first = monthly["reps"].iloc[0]
    assert reps.cell(row=2, column=rate + 1).value == pytest.approx(first["effective_rate"])
    assert reps.cell(row=2, column=rate + 1).number_format == "0.0%"
    money = header.index("报销申请(元)")
    assert reps.cell(row=2, column=money + 1).number_format == "#,##0.00"
    summary = book["汇总"]
    assert "月报" in summary["A1"].value
    assert summary["B3"].value == monthly["current"]["visits"]


def test_the_csv_has_one_row_per_rep_then_one_per_team_with_english_headers(monthly):
    text = files.to_csv_bytes(monthly, "en").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["Level", "ID", "Name", "Parent ID (team/region)", "Parent (team/region)"]
    body = rows[1:]
    levels = [row[0] for row in body]
    n_reps, n_teams = len(monthly["reps"]), len(monthly["teams"])
    assert levels == ["Rep"] * n_reps + ["Team"] * n_teams
    assert [row[1] for row in body[:n_reps]] == list(monthly["reps"]["id"])
    assert [row[2] for row in body[n_reps:]] == list(monthly["teams"]["name"])


def _pdf_text(data: bytes) -> tuple[int, str, list[str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    # With Noto Sans CJK embedded (fonts-noto-cjk), pypdf reads each character's two-byte code
    # with a NUL before it; poppler's pdftotext reads the same file cleanly.
    text = text.replace("\x00", "")
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            if descendants:
                descriptor = descendants[0].get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor or "/FontFile3" in descriptor:
                    fonts.append(str(font["/BaseFont"]))
    return len(reader.pages), text, fonts


def test_the_pdf_has_the_summary_and_table_pages_with_embedded_cjk_text(monthly):
    pages, text, embedded = _pdf_text(files.to_pdf_bytes(monthly, "zh", "全公司"))
    # A summary page, the team table (a few teams) and the rep table (32 reps) one page each.
    assert pages == 3
    assert "月报·2026-11" in text
    assert "团队明细" in text and "业务员明细" in text
    assert str(monthly["reps"].iloc[0]["name"]) in text
    assert str(monthly["teams"].iloc[0]["name"]) in text
    assert embedded, "the CJK font is not embedded"


def test_the_english_pdf_keeps_chinese_names_readable(monthly):
    pages, text, embedded = _pdf_text(files.to_pdf_bytes(monthly, "en", "company"))
    assert pages == 3 and embedded
    assert "Monthly" in text and "Perteam" in text
    assert str(monthly["reps"].iloc[0]["name"]) in text


def test_a_pdf_without_a_cjk_font_fails_with_a_clear_message(monthly, monkeypatch):
    monkeypatch.setenv(files.CJK_FONT_ENV, "/nowhere/font.ttc")
    with pytest.raises(files.FontMissing, match="CJK font"):
        files.to_pdf_bytes(monthly, "zh", "全公司")


def run_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "report", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def test_cli_writes_a_weekly_xlsx_and_a_csv_to_standard_output(demo, tmp_path):
    url, engine = demo
    out = tmp_path / "week.xlsx"
    done = run_cli(url, "weekly", "--date", DAY.isoformat(), "-o", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["Summary", "Per rep", "Per team"]
    expected = reports.build_report(engine, EXEC, kind="weekly", day=DAY, today=TODAY)
    assert book["Per rep"].max_row == 1 + len(expected["reps"])
    listed = run_cli(url, "daily", "--date", DAY.isoformat(), "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.lstrip("\ufeff").startswith("层级,编号,名称")


def test_cli_writes_the_weekly_pack_of_every_team_with_a_progress_bar(demo, tmp_path):
    url, engine = demo
    _regions, teams = _regions_and_teams(engine)
    folder = tmp_path / "pack"
    done = run_cli(url, "weekly", "--date", DAY.isoformat(), "--all-teams", "-o", str(folder))
    assert done.returncode == 0, done.stderr
    names = sorted(path.name for path in folder.iterdir())
    assert names == sorted(f"report-weekly-2026-W48-{team['id']}.xlsx" for team in teams)
    assert f"{len(teams)}/{len(teams)}" in done.stderr and "[" in done.stderr


def test_cli_refuses_a_bad_date_naming_the_field(demo):
    url, _engine = demo
    done = run_cli(url, "daily", "--date", "2026-13-40")
    assert done.returncode == 1
    assert "date" in done.stderr
    pack = run_cli(url, "daily", "--all-teams")
    assert pack.returncode == 1 and "--all-teams" in pack.stderr

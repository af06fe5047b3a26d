"""Standard reports (contract §8), pure: the period of a daily, weekly or monthly report, and
the shaping of the KPI layer's frames into the report's rep and team tables.

No figure is computed here: every number comes from the KPI services (``dashboard.services.kpis``
and ``finance``) and is only joined, renamed and ordered. No clock: dates come in as arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from dashboard import kpis as core
from dashboard.rules import SEVERITIES

KINDS = ("daily", "weekly", "monthly")
FORMATS = ("xlsx", "pdf", "csv")

# The report's figures in their order, each with how it is shown: int, dec, pct, money, time
# (minutes after midnight as HH:MM), hours.
FIGURES: tuple[tuple[str, str], ...] = (
    ("rep_days", "int"),
    ("first_fix_min", "time"),
    ("last_fix_min", "time"),
    ("hours_tracked", "dec"),
    ("planned", "int"),
    ("visits", "int"),
    ("effective", "int"),
    ("unplanned", "int"),
    ("effective_rate", "pct"),
    ("plan_adherence", "pct"),
    ("sop_completion", "pct"),
    ("frequency_compliance", "pct"),
    ("km", "dec"),
    ("claimed", "money"),
    ("at_risk", "money"),
    ("approved", "money"),
    *((f"alerts_{sev}", "int") for sev in SEVERITIES),
)
FIGURE_KINDS = dict(FIGURES)
IDENTITY = ("level", "id", "name", "parent_id", "parent_name")
COLUMNS = (*IDENTITY, *(name for name, _ in FIGURES))


class ReportError(ValueError):
    """A report request was refused; the message names the field."""


@dataclass(frozen=True)
class Period:
    """The inclusive local dates of a report and of the period before it."""

    kind: str
    day: date
    start: date
    end: date
    previous_start: date
    previous_end: date

    @property
    def label(self) -> str:
        if self.kind == "daily":
            return self.start.isoformat()
        if self.kind == "weekly":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return self.start.strftime("%Y-%m")


def default_day(today: date) -> date:
    """The date a report covers by default: yesterday (the last complete local date)."""
    return today - timedelta(days=1)


def parse_kind(value: Any) -> str:
    if value not in KINDS:
        raise ReportError(f"kind: {value!r} is not one of {', '.join(KINDS)}")
    return str(value)


def parse_day(value: Any, *, today: date) -> date:
    """A report date from text (YYYY-MM-DD); empty: yesterday."""
    if value in (None, ""):
        return default_day(today)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ReportError(f"date: {value!r} is not a date (YYYY-MM-DD)") from None


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def report_period(kind: str, day: date) -> Period:
    """``daily``: the local date ``day``; ``weekly``: the ISO week (Monday–Sunday) holding it;
    ``monthly``: the calendar month holding it. The previous period is the day, week or
    calendar month before."""
    kind = parse_kind(kind)
    if kind == "daily":
        start = end = day
        prev_start = prev_end = day - timedelta(days=1)
    elif kind == "weekly":
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=6)
        prev_start, prev_end = start - timedelta(days=7), start - timedelta(days=1)
    else:
        start, end = _month_start(day), _month_end(day)
        prev_end = start - timedelta(days=1)
        prev_start = _month_start(prev_end)
    return Period(kind, day, start, end, prev_start, prev_end)


def trend_window(period: Period) -> tuple[date, date, str]:
    """The dates and grain of a report's trend chart: the 14 days to a daily report's date,
    the 8 ISO weeks to a weekly report's week, the days of a monthly report's month."""
    if period.kind == "daily":
        return period.end - timedelta(days=13), period.end, "day"
    if period.kind == "weekly":
        return period.start - timedelta(weeks=7), period.end, "week"
    return period.start, period.end, "day"


def _merge(left: pd.DataFrame, right: pd.DataFrame | None, key: str) -> pd.DataFrame:
    if right is None or right.empty or key not in right.columns:
        return left
    extra = [col for col in right.columns if col not in left.columns or col == key]
    return left.merge(right[extra], on=key, how="left")


def _shape(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    out = frame.copy()
    out["level"] = level
    out["unplanned"] = core.unplanned_visits(out["visits"], out["planned_done"])
    for sev in SEVERITIES:
        name = f"alerts_{sev}"
        out[name] = out[name].fillna(0).astype("int64") if name in out else 0
    for name in ("claimed", "at_risk", "approved"):
        out[name] = out[name].fillna(0.0).astype("float64") if name in out else 0.0
    out["rep_days"] = out["rep_days"].fillna(0).astype("int64")
    for name, _ in FIGURES:
        if name not in out:
            out[name] = np.nan
    return out[list(COLUMNS)].reset_index(drop=True)


def report_tables(
    *,
    reps: pd.DataFrame,
    teams: pd.DataFrame,
    attendance: Mapping[str, pd.DataFrame],
    claims: Mapping[str, pd.DataFrame],
    alerts: pd.DataFrame,
    compliance: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """Join the KPI layer's frames into the report's ``reps`` and ``teams`` tables (``COLUMNS``:
    level, id, name, parent_id, parent_name (a rep's team, a team's region), then
    ``FIGURES``) and ``rows``: the reps, then the teams.

    ``reps`` / ``teams``: ``group_kpis`` rows (rep_id, rep_name, team_id, team_name / team_id,
    team_name, region…); ``attendance``: {"reps", "teams"} of ``attendance``; ``claims``:
    {"rep", "team"} statement rows; ``alerts``: rep_id and alerts_<severity>; ``compliance``:
    ``compliance_by_team`` rows. Frequency compliance is judged per owner team (a customer's
    visits by any rep count), so it is shown on the team rows only.
    """
    rep_rows = reps.rename(columns={"rep_id": "id", "rep_name": "name"})
    rep_rows = _merge(rep_rows, attendance["reps"].rename(columns={"rep_id": "id"}), "id")
    rep_claims = claims["rep"].drop(columns=["rep_name", "team_name"], errors="ignore")
    rep_rows = _merge(rep_rows, rep_claims.rename(columns={"rep_id": "id"}), "id")
    rep_rows = _merge(rep_rows, alerts.rename(columns={"rep_id": "id"}), "id")

    team_of = dict(zip(reps["rep_id"], reps["team_id"], strict=True))
    team_alerts = alerts.assign(team_id=alerts["rep_id"].map(team_of)).drop(columns=["rep_id"])
    team_alerts = team_alerts.dropna(subset=["team_id"]).groupby("team_id").sum().reset_index()
    team_rows = teams.assign(id=teams["team_id"], name=teams["team_name"])
    team_rows = _merge(team_rows, attendance["teams"], "team_id")
    team_rows = _merge(
        team_rows, claims["team"].drop(columns=["team_name"], errors="ignore"), "team_id"
    )
    team_rows = _merge(team_rows, team_alerts, "team_id")
    team_rows = _merge(
        team_rows, compliance.drop(columns=["team_name", "customers", "compliant"]), "team_id"
    )
    team_rows["parent_id"] = team_rows.get("region_id")
    team_rows["parent_name"] = team_rows.get("region_name")
    rep_rows["parent_id"], rep_rows["parent_name"] = rep_rows["team_id"], rep_rows["team_name"]
    rep_table, team_table = _shape(rep_rows, "rep"), _shape(team_rows, "team")
    rep_table["frequency_compliance"] = np.nan
    rows = pd.concat([rep_table, team_table], ignore_index=True) if len(team_table) else rep_table
    return {"reps": rep_table, "teams": team_table, "rows": rows}


def ranked_teams(teams: pd.DataFrame, *, by: str = "effective_rate") -> pd.DataFrame:
    """The team rows best first by ``by`` (undefined last, then by name and id)."""
    order = teams.assign(_v=teams[by].astype("float64").fillna(-np.inf))
    order = order.sort_values(["_v", "name", "id"], ascending=[False, True, True], kind="stable")
    return order.drop(columns=["_v"]).reset_index(drop=True)


def fmt_time(minutes: Any) -> str:
    """Minutes after midnight as HH:MM (— when missing)."""
    if minutes is None or (isinstance(minutes, float) and np.isnan(minutes)):
        return "—"
    whole = round(float(minutes))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def file_name(period: Period, *, scope: str, fmt: str) -> str:
    """The file name of a report: ``report-<kind>-<label>-<scope>.<fmt>``."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in scope) or "company"
    return f"report-{period.kind}-{period.label}-{safe}.{fmt}"

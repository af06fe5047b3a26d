"""KPI definitions (pure): per rep-day facts and customer coverage in, KPIs out.

Inputs are the frames of ``data_access.facts`` and ``data_access.coverage``: *facts* have one
row per (rep, local date) with additive columns (visits, effective, dwell_s_sum, dwell_n,
sop_required, sop_done, planned, planned_done, order_amount, expense_amount, km, fixes);
*coverage* has one row per customer (grade, owner team, verified_visits in the window,
last_verified_date).

Every ratio whose denominator is zero is undefined: ``None`` in scalar results, NaN in frames
(shown as "—"), never 0 and never an exception. No clock and no I/O here: dates come in as
arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from dashboard.rules import SEVERITIES
from dashboard.thresholds import default

MIN_DWELL_S = default("min_dwell_s")
"""A visit counts as effective (verified) only from this dwell on (5 minutes)."""

SUM_COLUMNS = (
    "visits",
    "effective",
    "dwell_s_sum",
    "dwell_n",
    "sop_required",
    "sop_done",
    "planned",
    "planned_done",
    "order_amount",
    "expense_amount",
    "km",
    "fixes",
)

KPI_KEYS = (
    "visits",
    "effective",
    "rep_days",
    "visits_per_rep_day",
    "effective_per_rep_day",
    "effective_rate",
    "planned",
    "planned_done",
    "plan_adherence",
    "sop_completion",
    "avg_dwell_min",
    "km",
    "km_per_visit",
    "expense",
    "expense_per_visit",
    "orders",
    "order_per_visit",
)

# Shown in the page help; keep in step with the code below.
KPI_DEFINITIONS: dict[str, str] = {
    "visits": "Check-ins in the period.",
    "rep_days": (
        "Rep-working-days: (rep, local date) pairs with at least one GPS fix or one visit."
    ),
    "visits_per_rep_day": "Visits ÷ rep-working-days.",
    "effective": (
        "Verified (effective) visits: checked out, dwell ≥ 5 min and check-in inside the "
        "geofence (distance ≤ customer geofence + min(accuracy, 100 m))."
    ),
    "effective_per_rep_day": "Verified visits ÷ rep-working-days.",
    "effective_rate": "Verified visits ÷ all visits.",
    "planned": "Planned stops (one per customer of a day's plan).",
    "planned_done": (
        "Planned stops done: an effective visit by that rep to that customer on the planned "
        "local date."
    ),
    "plan_adherence": (
        "Planned stops done (effective visit by the rep on the planned day) ÷ planned stops; "
        "undefined when nothing was planned."
    ),
    "sop_completion": (
        "Required SOP steps done (distinct required step codes of the visit's template with an "
        "ok step) ÷ required steps, over visits with a template."
    ),
    "avg_dwell_min": "Average minutes between check-in and check-out, over checked-out visits.",
    "km": "Tracked km: the daily rollup of the GPS track (implausible jumps left out).",
    "expense": "Expense claims in CNY, by claim date.",
    "orders": "Order amount in CNY of the period's visits.",
    "km_per_visit": "Tracked km (daily rollup of the GPS track) ÷ visits.",
    "expense_per_visit": "Expense claims (CNY, by claim date) ÷ visits.",
    "order_per_visit": "Order amount (CNY) of the period's visits ÷ visits.",
    "frequency_compliance": (
        "Customers whose verified visits in the rolling window ending at the period's end meet "
        "their grade's rule (the frequency settings visits_per_28d_a/b/c; default A: 4, B: 2, "
        "C: 1 per 28 days) ÷ customers of that grade."
    ),
    "online_rate": "Active reps with at least one GPS fix today ÷ active reps.",
    "task_completion": (
        "Visit tasks whose due date falls in the period, each as it stood on the period's last "
        "day (today if earlier): tasks done ÷ (tasks done + tasks overdue). Done: an effective "
        "visit to the customer on or after the task's creation, by any rep; overdue: not done "
        "and the customer overdue (past interval + grace). Open tasks inside their grace are "
        "left out; undefined with no task done or overdue (dashboard.rhythm)."
    ),
}


# ------------------------------------------------------------------ scalars


def is_missing(value: Any) -> bool:
    """Tell whether a value is None or NaN/NaT (an undefined KPI)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def ratio(numerator: Any, denominator: Any) -> float | None:
    """Return numerator ÷ denominator, or None when either is missing or the denominator is 0."""
    if is_missing(numerator) or is_missing(denominator) or denominator == 0:
        return None
    return float(numerator) / float(denominator)


def change(current: Any, previous: Any) -> float | None:
    """Return the relative change (current − previous) ÷ |previous|; None when undefined."""
    if is_missing(current) or is_missing(previous) or previous == 0:
        return None
    return (float(current) - float(previous)) / abs(float(previous))


# ------------------------------------------------------------------ facts → KPIs

INT_KPIS = ("visits", "effective", "rep_days", "planned", "planned_done")


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num ÷ den elementwise, NaN where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def _kpi_arrays(sums: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The KPI columns (``KPI_KEYS``) of summed facts, one element per group."""
    visits, rep_days = sums["visits"], sums["rep_days"]
    return {
        "visits": sums["visits"].astype("int64"),
        "effective": sums["effective"].astype("int64"),
        "rep_days": rep_days.astype("int64"),
        "visits_per_rep_day": _div(visits, rep_days),
        "effective_per_rep_day": _div(sums["effective"], rep_days),
        "effective_rate": _div(sums["effective"], visits),
        "planned": sums["planned"].astype("int64"),
        "planned_done": sums["planned_done"].astype("int64"),
        "plan_adherence": _div(sums["planned_done"], sums["planned"]),
        "sop_completion": _div(sums["sop_done"], sums["sop_required"]),
        "avg_dwell_min": _div(sums["dwell_s_sum"], sums["dwell_n"]) / 60.0,
        "km": sums["km"],
        "km_per_visit": _div(sums["km"], visits),
        "expense": sums["expense_amount"],
        "expense_per_visit": _div(sums["expense_amount"], visits),
        "orders": sums["order_amount"],
        "order_per_visit": _div(sums["order_amount"], visits),
    }


def _numbers(column: pd.Series) -> np.ndarray:
    """A column as float64, missing values as 0."""
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isnan(values), 0.0, values)


def _fact_arrays(facts: pd.DataFrame) -> dict[str, np.ndarray]:
    """The additive columns of facts as float arrays (0 when absent or missing), plus rep_days.

    Facts are either one row per (rep, local date), where a rep-working-day is a row with at
    least one GPS fix or one visit (plans or claims alone do not count), or already summed per
    group, with the group's count of such days in a ``rep_days`` column.
    """
    n = len(facts)
    out: dict[str, np.ndarray] = {}
    for name in SUM_COLUMNS:
        if name in facts.columns:
            out[name] = _numbers(facts[name])
        else:
            out[name] = np.zeros(n)
    if "rep_days" in facts.columns:
        out["rep_days"] = _numbers(facts["rep_days"])
    else:
        out["rep_days"] = ((out["fixes"] > 0) | (out["visits"] > 0)).astype("float64")
    return out


def summarize(facts: pd.DataFrame) -> dict[str, float | None]:
    """Return the KPIs of a set of rep-day facts (keys: ``KPI_KEYS``).

    - visits_per_rep_day = visits ÷ rep-working-days (days with a fix or a visit);
    - effective_rate = verified visits (checked out, dwell ≥ 5 min, check-in inside the
      geofence) ÷ visits; effective_per_rep_day = verified visits ÷ rep-working-days;
    - plan_adherence = planned stops done on their day ÷ planned stops (None with no plan);
    - sop_completion = required steps done ÷ required steps;
    - avg_dwell_min = dwell seconds ÷ checked-out visits ÷ 60;
    - km_per_visit, expense_per_visit, order_per_visit = km, claims, orders ÷ visits.
    Totals (visits, effective, rep_days, planned, planned_done, km, expense, orders) are 0 for an
    empty period; every ratio with a zero denominator is None. The facts may be rep-day rows or
    sums per group (with ``rep_days``): the totals are the same.
    """
    arrays = _fact_arrays(facts)
    totals = {name: np.array([values.sum()]) for name, values in arrays.items()}
    row = _kpi_arrays(totals)
    out: dict[str, float | None] = {}
    for key in KPI_KEYS:
        value = row[key][0]
        if is_missing(value):
            out[key] = None
        elif key in INT_KPIS:
            out[key] = int(value)
        else:
            out[key] = float(value)
    return out


def group_kpis(sums: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Return the KPIs of facts already summed one row per group of ``keys`` (with ``rep_days``),
    in the same row order: keys first, then ``KPI_KEYS``. Ratios with a zero denominator are NaN.
    """
    keys = list(keys)
    if "rep_days" not in sums.columns and len(sums):
        raise ValueError("group_kpis needs facts summed per group, with a rep_days column")
    columns = {key: sums[key].to_numpy() for key in keys}
    columns.update(_kpi_arrays(_fact_arrays(sums)))
    return pd.DataFrame(columns, columns=[*keys, *KPI_KEYS])


def by_group(facts: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Return the KPIs of ``summarize`` per group of ``keys`` (one row per group, keys first,
    sorted by the keys).

    Ratios with a zero denominator are NaN. Groups with a missing key are kept.
    """
    keys = list(keys)
    if facts.empty:
        return pd.DataFrame(columns=[*keys, *KPI_KEYS])
    arrays = _fact_arrays(facts)
    frame = pd.DataFrame({key: facts[key].to_numpy() for key in keys})
    for name, values in arrays.items():
        frame[name] = values
    sums = frame.groupby(keys, dropna=False, sort=True).sum().reset_index()
    return group_kpis(sums, keys)


def trend(facts: pd.DataFrame, *, start: date, end: date, grain: str = "day") -> pd.DataFrame:
    """Return the KPIs per local date (every date of [start, end], idle ones with 0 visits)
    or per ISO week (``grain="week"``, keyed by the Monday of the week, column ``week``).

    The facts may be rep-day rows or sums per local date (with ``rep_days``).
    """
    if grain not in ("day", "week"):
        raise ValueError(f"grain: {grain!r} is not 'day' or 'week'")
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    position = {day: i for i, day in enumerate(days)}
    arrays = _fact_arrays(facts)
    sums = {name: np.zeros(len(days)) for name in arrays}
    if len(facts):
        # Idle dates keep their zeros; dates outside the period are left out.
        index = np.array([position.get(day, -1) for day in facts["local_date"]], dtype="int64")
        inside = index >= 0
        for name, values in arrays.items():
            np.add.at(sums[name], index[inside], values[inside])
    if grain == "day":
        return group_kpis(pd.DataFrame({"local_date": days, **sums}), ["local_date"])
    mondays = [day - timedelta(days=day.weekday()) for day in days]
    weeks = sorted(set(mondays))
    slot = np.array([weeks.index(monday) for monday in mondays], dtype="int64")
    weekly = {
        name: np.bincount(slot, weights=values, minlength=len(weeks))
        for name, values in sums.items()
    }
    return group_kpis(pd.DataFrame({"week": weeks, **weekly}), ["week"])


def rank_teams(
    teams: pd.DataFrame, *, by: str = "effective_per_rep_day", n: int = 3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (top n, bottom n) groups by ``by``; groups where it is undefined are left out,
    and the bottom never repeats a group of the top."""
    values = teams[by].to_numpy(dtype="float64", na_value=np.nan)
    names = [col for col in ("team_name", "team_id") if col in teams.columns]
    ties = list(zip(*(teams[col].astype(str) for col in names), strict=True)) or [()] * len(teams)
    defined = [i for i in range(len(teams)) if not np.isnan(values[i])]
    # Highest first, ties by name and id; the bottom: lowest first among the rest.
    top = sorted(defined, key=lambda i: (-values[i], *ties[i]))[:n]
    rest = [i for i in defined if i not in top]
    bottom = sorted(rest, key=lambda i: (values[i], *ties[i]))[:n]
    return (
        teams.iloc[top].reset_index(drop=True),
        teams.iloc[bottom].reset_index(drop=True),
    )


# ------------------------------------------------------------------ visit frequency


@dataclass(frozen=True)
class FrequencyRules:
    """Minimum verified visits per window by customer grade: (visits, window_days)."""

    # The contract's defaults; the rules in force come from the settings store
    # (``dashboard.frequency.FrequencyConfig.rules()``, read by the services).
    A: tuple[int, int] = (default("visits_per_28d_a"), 28)
    B: tuple[int, int] = (default("visits_per_28d_b"), 28)
    C: tuple[int, int] = (default("visits_per_28d_c"), 28)

    def __post_init__(self) -> None:
        for grade in self.grades:
            visits, days = getattr(self, grade)
            if visits < 0 or days < 1:
                raise ValueError(
                    f"{grade}: needs visits ≥ 0 and window_days ≥ 1, got {visits, days}"
                )

    @property
    def grades(self) -> tuple[str, ...]:
        return ("A", "B", "C")

    def required_visits(self, grade: str) -> int | None:
        """Return the visits a customer of ``grade`` needs per window (None: unknown grade)."""
        rule = getattr(self, grade, None) if grade in self.grades else None
        return None if rule is None else int(rule[0])

    def window_days(self, grade: str) -> int | None:
        """Return the window length in days of ``grade``'s rule (None: unknown grade)."""
        rule = getattr(self, grade, None) if grade in self.grades else None
        return None if rule is None else int(rule[1])

    def windows(self) -> dict[int, tuple[str, ...]]:
        """Return window length → the grades judged over a window of that length."""
        out: dict[int, list[str]] = {}
        for grade in self.grades:
            out.setdefault(int(getattr(self, grade)[1]), []).append(grade)
        return {days: tuple(grades) for days, grades in out.items()}


def window_for(end: date, days: int) -> tuple[date, date]:
    """Return the inclusive rolling window of ``days`` local dates ending at ``end``."""
    return end - timedelta(days=days - 1), end


COVERAGE_COLUMNS = (
    "customer_id",
    "grade",
    "team_id",
    "team_name",
    "verified_visits",
    "last_verified_date",
)


def _judged(coverage: pd.DataFrame, rules: FrequencyRules) -> pd.DataFrame:
    """Coverage rows of a known grade with required_visits, customers (the row's weight: 1 per
    customer row, or the count of a row that stands for several customers) and compliant."""
    frame = coverage.copy()
    for name in COVERAGE_COLUMNS:
        if name not in frame.columns:
            frame[name] = pd.Series(dtype=object)
    frame = frame[frame["grade"].isin(rules.grades)]
    required = {grade: rules.required_visits(grade) for grade in rules.grades}
    frame["required_visits"] = frame["grade"].map(required).astype("int64")
    frame["verified_visits"] = pd.to_numeric(frame["verified_visits"]).fillna(0).astype("int64")
    weight = frame["customers"] if "customers" in frame.columns else 1
    frame["customers"] = pd.Series(weight, index=frame.index, dtype="int64")
    frame["compliant"] = frame["verified_visits"] >= frame["required_visits"]
    return frame


def frequency_compliance(
    coverage: pd.DataFrame, rules: FrequencyRules = FrequencyRules()
) -> pd.DataFrame:
    """Return per grade (A, B, C): grade, required_visits, window_days, customers, compliant,
    rate = customers meeting the rule ÷ customers of the grade (NaN with no customer).

    ``coverage`` has one row per customer, or rows standing for ``customers`` customers with
    the same grade and verified visits (counts from the database).
    """
    frame = _judged(coverage, rules)
    weights = frame["customers"].to_numpy()
    ok = frame["compliant"].to_numpy(dtype=bool)
    grades = frame["grade"].to_numpy()
    rows = []
    for grade in rules.grades:
        of_grade = grades == grade
        customers = int(weights[of_grade].sum())
        compliant = int(weights[of_grade & ok].sum())
        rows.append(
            {
                "grade": grade,
                "required_visits": rules.required_visits(grade),
                "window_days": rules.window_days(grade),
                "customers": customers,
                "compliant": compliant,
                "rate": compliant / customers if customers else np.nan,
            }
        )
    return pd.DataFrame(rows)


def overdue_customers(
    coverage: pd.DataFrame, rules: FrequencyRules = FrequencyRules(), *, as_of: date | None = None
) -> pd.DataFrame:
    """Return the customers not meeting their grade's rule, most urgent first.

    Order: grade (A first), fewest verified visits, then the longest since the last verified
    visit (never visited first). Adds required_visits, missing_visits and, with ``as_of``,
    days_since_last (NaN when never visited).
    """
    frame = _judged(coverage, rules)
    frame = frame[~frame["compliant"]].drop(columns=["compliant", "customers"])
    frame["missing_visits"] = frame["required_visits"] - frame["verified_visits"]
    last = pd.to_datetime(frame["last_verified_date"])
    if as_of is not None:
        frame["days_since_last"] = (pd.Timestamp(as_of) - last).dt.days.astype("float64")
    order = {grade: i for i, grade in enumerate(rules.grades)}
    frame["_grade"] = frame["grade"].map(order)
    frame["_never"] = last.notna().astype("int64")
    frame["_last"] = last
    frame = frame.sort_values(
        ["_grade", "verified_visits", "_never", "_last", "customer_id"], kind="stable"
    )
    return frame.drop(columns=["_grade", "_never", "_last"]).reset_index(drop=True)


def compliance_heatmap(
    coverage: pd.DataFrame, rules: FrequencyRules = FrequencyRules()
) -> pd.DataFrame:
    """Return one row per owner team (team_id, team_name) and one rate column per grade
    (compliant ÷ customers of that team and grade; NaN where the team has none).

    ``coverage`` rows may stand for several customers (a ``customers`` count), as in
    ``frequency_compliance``.
    """
    columns = ["team_id", "team_name", *rules.grades]
    frame = _judged(coverage, rules)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    customers: dict[tuple[str, str], dict[str, int]] = {}
    compliant: dict[tuple[str, str], dict[str, int]] = {}
    for team_id, team_name, grade, weight, ok in zip(
        frame["team_id"].fillna(""),
        frame["team_name"].fillna("—"),
        frame["grade"],
        frame["customers"],
        frame["compliant"],
        strict=True,
    ):
        team = (team_id, team_name)
        per_grade = customers.setdefault(team, {})
        per_grade[grade] = per_grade.get(grade, 0) + int(weight)
        done = compliant.setdefault(team, {})
        done[grade] = done.get(grade, 0) + (int(weight) if ok else 0)
    rows = [
        {
            "team_id": team[0],
            "team_name": team[1],
            **{
                grade: compliant[team][grade] / per_grade[grade] if per_grade.get(grade) else np.nan
                for grade in rules.grades
            },
        }
        for team, per_grade in sorted(customers.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
    out = pd.DataFrame(rows, columns=columns)
    for grade in rules.grades:
        out[grade] = out[grade].astype("float64")
    return out


def as_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of a frame as dicts with NaN turned into None (for grids and JSON)."""
    return [
        {key: (None if is_missing(value) else value) for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


def severity_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Return open-alert counts for every severity, most severe first (0 when absent)."""
    return {sev: int(counts.get(sev, 0)) for sev in SEVERITIES}


# ------------------------------------------------------------------ attendance, unplanned visits

ATTENDANCE_COLUMNS = ("attendance_days", "first_fix_min", "last_fix_min", "hours_tracked")


def _local_minutes(stamps: pd.Series, zones: pd.Series) -> np.ndarray:
    """Minutes after local midnight of UTC instants, each in its own time zone."""
    out = np.full(len(stamps), np.nan)
    instants = pd.to_datetime(stamps, utc=True)
    for zone in pd.unique(zones):
        hit = (zones == zone).to_numpy()
        local = instants[hit].dt.tz_convert(str(zone))
        out[hit] = (local.dt.hour * 60 + local.dt.minute + local.dt.second / 60.0).to_numpy(
            dtype="float64"
        )
    return out


def attendance(days: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Return the attendance per group of ``keys`` from rep-days with GPS fixes (columns
    ``keys``, timezone, first_fix_at, last_fix_at in UTC), sorted by the keys:

    - attendance_days: rep-days with at least one fix;
    - first_fix_min / last_fix_min: the average local time of the day's first / last fix, in
      minutes after midnight (a single rep-day: that day's time); NaN without days;
    - hours_tracked: the sum over rep-days of (last fix − first fix), in hours.
    """
    return attendance_by(days, [keys])[0]


def attendance_by(days: pd.DataFrame, groupings: Sequence[Sequence[str]]) -> list[pd.DataFrame]:
    """``attendance`` for each list of keys of ``groupings``, the local times computed once."""
    if days.empty:
        return [pd.DataFrame(columns=[*keys, *ATTENDANCE_COLUMNS]) for keys in groupings]
    first = pd.to_datetime(days["first_fix_at"], utc=True)
    last = pd.to_datetime(days["last_fix_at"], utc=True)
    frame = days[sorted({key for keys in groupings for key in keys})].copy()
    frame["attendance_days"] = 1
    frame["first_fix_min"] = _local_minutes(days["first_fix_at"], days["timezone"])
    frame["last_fix_min"] = _local_minutes(days["last_fix_at"], days["timezone"])
    frame["hours_tracked"] = ((last - first).dt.total_seconds() / 3600.0).fillna(0.0).clip(lower=0)
    out = []
    for keys in groupings:
        keys = list(keys)
        grouped = frame.groupby(keys, dropna=False, sort=True).agg(
            attendance_days=("attendance_days", "sum"),
            first_fix_min=("first_fix_min", "mean"),
            last_fix_min=("last_fix_min", "mean"),
            hours_tracked=("hours_tracked", "sum"),
        )
        grouped = grouped.reset_index()
        grouped["attendance_days"] = grouped["attendance_days"].astype("int64")
        out.append(grouped[[*keys, *ATTENDANCE_COLUMNS]])
    return out


def unplanned_visits(visits: ArrayLike, planned_done: ArrayLike) -> np.ndarray:
    """Visits that matched no planned stop: visits − planned stops done (never below 0)."""
    diff = np.asarray(visits, dtype="float64") - np.asarray(planned_done, dtype="float64")
    return np.clip(np.nan_to_num(diff), 0, None).astype("int64")


def compliance_by_team(
    coverage: pd.DataFrame, rules: FrequencyRules = FrequencyRules()
) -> pd.DataFrame:
    """Return per owner team (team_id, team_name): customers of a known grade, compliant
    (meeting their grade's rule) and frequency_compliance = compliant ÷ customers (NaN with no
    customer); the counts behind ``compliance_heatmap``, all grades together."""
    columns = ["team_id", "team_name", "customers", "compliant", "frequency_compliance"]
    frame = _judged(coverage, rules)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["team_id"] = frame["team_id"].fillna("")
    frame["team_name"] = frame["team_name"].fillna("—")
    frame["ok"] = frame["customers"].where(frame["compliant"], 0)
    out = (
        frame.groupby(["team_id", "team_name"], sort=True)
        .agg(customers=("customers", "sum"), compliant=("ok", "sum"))
        .reset_index()
    )
    out["frequency_compliance"] = _div(out["compliant"].to_numpy(), out["customers"].to_numpy())
    return out[columns]

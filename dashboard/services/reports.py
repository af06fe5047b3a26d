"""Standard reports service (contract §8): one call gathers a daily, weekly or monthly report of
the user's scope from the same service functions the KPI pages use (``kpis``, ``finance``),
so every figure equals the one on those pages for the same filter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from dashboard import kpis as kpi_core
from dashboard import reports as core
from dashboard.filters import Filters
from dashboard.services import finance, kpis
from dashboard.services.users import User

EXCEPTION_ROWS = 10
"""How many overdue A customers and claims at risk a report lists."""


def report_filters(period: core.Period, *, region: str | None, team: str | None) -> Filters:
    """The KPI pages' filter for a report period (a custom range of the period's dates)."""
    return Filters(
        period="custom", start=period.start, end=period.end, region=region, team=team, rep=None
    )


def build_report(
    engine: Engine,
    user: User,
    *,
    kind: str,
    day: date | None,
    today: date,
    region: str | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    """Return the report of the user's scope narrowed to ``region`` / ``team``.

    Keys: ``period`` (``core.Period``), ``filters``, ``current`` / ``previous`` / ``changes``
    (the overview's headline KPIs of this and the previous day, week or calendar month),
    ``alerts`` (open alerts per severity), ``expenses`` (claimed, at_risk), ``trend`` (KPIs per
    day or week, column ``period``; ``trend_grain``), ``reps`` / ``teams`` / ``rows`` (the §8
    tables), ``ranked`` (teams best first by effective visit rate), ``overdue_a`` (overdue A
    customers), ``critical`` (reps with open critical alerts), ``at_risk`` (reps with claims at
    risk), ``empty`` (no visit in the period) and ``latest`` (the latest date with a visit,
    up to the period's end, when the period is empty).
    """
    period = core.report_period(kind, day or core.default_day(today))
    filters = report_filters(period, region=region, team=team)
    overview = kpis.overview(engine, user, filters, today=today)
    previous = overview["previous"]
    if (overview["period"]["previous_start"], overview["period"]["previous_end"]) != (
        period.previous_start,
        period.previous_end,
    ):  # a calendar month: the previous month, not the days of equal length before
        before = replace(filters, start=period.previous_start, end=period.previous_end)
        previous = kpis.period_summary(engine, user, before)
    changes = {key: kpi_core.change(overview["current"][key], previous[key]) for key in previous}
    trend_start, trend_end, grain = core.trend_window(period)
    trend = kpis.trend(
        engine, user, replace(filters, start=trend_start, end=trend_end), grain=grain
    )
    trend = trend.rename(columns={"local_date": "period", "week": "period"})
    views = kpis.team_views(engine, user, filters)
    compliance = kpis.compliance(engine, user, filters)
    tables = core.report_tables(
        reps=views["reps"],
        teams=views["teams"],
        attendance=kpis.attendance(engine, user, filters),
        claims=finance.period_statements(engine, user, filters),
        alerts=kpis.alert_counts(engine, user, filters),
        compliance=compliance["teams"],
    )
    overdue = compliance["overdue"]
    reps = tables["reps"]
    empty = not overview["current"]["visits"]
    return {
        "period": period,
        "filters": filters,
        "current": overview["current"],
        "previous": previous,
        "changes": changes,
        "alerts": overview["alerts"],
        "expenses": overview["expenses"],
        "trend": trend,
        "trend_grain": grain,
        **tables,
        "ranked": core.ranked_teams(tables["teams"]),
        "overdue_a": overdue[overdue["grade"] == "A"].head(EXCEPTION_ROWS).reset_index(drop=True),
        "critical": reps[reps["alerts_critical"] > 0]
        .sort_values(["alerts_critical", "id"], ascending=[False, True])
        .reset_index(drop=True),
        "at_risk": reps[reps["at_risk"] > 0]
        .sort_values(["at_risk", "id"], ascending=[False, True])
        .head(EXCEPTION_ROWS)
        .reset_index(drop=True),
        "empty": empty,
        "latest": kpis.latest_activity(engine, user, filters, before=period.end) if empty else None,
    }


def team_ids(engine: Engine, user: User, *, region: str | None = None) -> list[tuple[str, str]]:
    """The (id, name) of every team in the user's scope (and ``region``), by name."""
    teams = kpis.filter_options(engine, user)["teams"]
    return [
        (team["id"], team["name"])
        for team in teams
        if region is None or team.get("region_id") == region
    ]


def team_pack(
    engine: Engine,
    user: User,
    *,
    kind: str,
    day: date | None,
    today: date,
    region: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (team_id, team_name, report) for every team in scope, calling ``progress(done,
    total, team_name)`` before each."""
    teams = team_ids(engine, user, region=region)
    for done, (team_id, name) in enumerate(teams):
        if progress is not None:
            progress(done, len(teams), name)
        yield (
            team_id,
            name,
            build_report(
                engine, user, kind=kind, day=day, today=today, region=region, team=team_id
            ),
        )
    if progress is not None:
        progress(len(teams), len(teams), "")


def picker_options(
    engine: Engine, user: User, *, region: str | None = None
) -> dict[str, list[dict[str, str]]]:
    """The region and team dropdown options of the user's scope (teams of ``region`` only)."""
    options = kpis.filter_options(engine, user)
    return {
        "regions": [{"label": x["name"], "value": x["id"]} for x in options["regions"]],
        "teams": [
            {"label": x["name"], "value": x["id"]}
            for x in options["teams"]
            if region is None or x.get("region_id") == region
        ],
    }


def scope_name(
    engine: Engine, user: User, *, region: str | None = None, team: str | None = None
) -> str | None:
    """The name of the report's team, else of its region (None: the whole scope)."""
    options = kpis.filter_options(engine, user)
    for key, wanted in (("teams", team), ("regions", region)):
        if wanted:
            for item in options[key]:
                if item["id"] == wanted:
                    return f"{item['name']} ({item['id']})"
            return wanted
    return None

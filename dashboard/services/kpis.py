"""KPI services: open a connection, fetch the aggregated facts in the user's scope, apply the
pure KPI definitions of ``dashboard.kpis``.

The region scope always comes from the signed-in user (a manager sees their regions only), never
from the filter: the filter can only narrow it further.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from dashboard import contract
from dashboard import kpis as core
from dashboard.filters import Filters
from dashboard.services.users import User
from data_access import kpis as store

# How far back the overdue list looks for a customer's last verified visit.
LAST_VISIT_LOOKBACK_DAYS = 90

TEAM_KEYS = ["team_id", "team_name", "region_id", "region_name"]
REP_KEYS = ["rep_id", "rep_name", "team_id", "team_name"]


def region_scope(user: User) -> tuple[str, ...] | None:
    """Return the regions a user's queries are limited to (None = every region)."""
    return tuple(user.regions) if user.scoped else None


def _filter_kwargs(filters: Filters) -> dict[str, Any]:
    return {"region": filters.region, "team": filters.team, "rep": filters.rep}


def _facts(conn, user: User, filters: Filters, start: date, end: date) -> pd.DataFrame:
    return store.fetch_rep_day_facts(
        conn,
        start=start,
        end=end,
        region_ids=region_scope(user),
        min_dwell_s=core.MIN_DWELL_S,
        **_filter_kwargs(filters),
    )


def _in_range(facts: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    return facts[(facts["local_date"] >= start) & (facts["local_date"] <= end)]


def overview(engine: Engine, user: User, filters: Filters, *, today: date) -> dict[str, Any]:
    """Return the cockpit overview of the filtered period.

    Keys: ``current`` and ``previous`` (``core.summarize`` of this and the previous period of
    equal length), ``changes`` (relative change per KPI, None when undefined), ``trend`` (KPIs
    per day of the period), ``top_teams`` / ``bottom_teams`` (3 each, by verified visits per
    rep-working-day), ``alerts`` (open alerts per severity), ``expenses`` (claimed, at_risk,
    at_risk_rate), ``online`` (online, reps, rate on local date ``today``) and ``period``.
    """
    prev = filters.previous()
    scope = region_scope(user)
    kw = _filter_kwargs(filters)
    with engine.connect() as conn:
        # One query for both periods; they are adjacent.
        facts = _facts(conn, user, filters, prev.start, filters.end)
        alerts = store.fetch_open_alerts_by_severity(
            conn, start=filters.start, end=filters.end, region_ids=scope, **kw
        )
        expenses = store.fetch_expense_totals(
            conn, start=filters.start, end=filters.end, region_ids=scope, **kw
        )
        online = store.fetch_online_reps(conn, day=today, region_ids=scope, **kw)
        reps = len(store.fetch_scope_reps(conn, region_ids=scope, active_only=True, **kw))
    current_facts = _in_range(facts, filters.start, filters.end)
    current = core.summarize(current_facts)
    previous = core.summarize(_in_range(facts, prev.start, prev.end))
    teams = core.by_group(current_facts, TEAM_KEYS)
    top, bottom = core.rank_teams(teams, by="effective_per_rep_day", n=3)
    return {
        "current": current,
        "previous": previous,
        "changes": {key: core.change(current[key], previous[key]) for key in core.KPI_KEYS},
        "trend": core.trend(current_facts, start=filters.start, end=filters.end, grain="day"),
        "top_teams": top,
        "bottom_teams": bottom,
        "alerts": core.severity_counts(alerts),
        "expenses": {
            **expenses,
            "at_risk_rate": core.ratio(expenses["at_risk"], expenses["claimed"]),
        },
        "online": {"online": online, "reps": reps, "rate": core.ratio(online, reps), "day": today},
        "period": {
            "start": filters.start,
            "end": filters.end,
            "previous_start": prev.start,
            "previous_end": prev.end,
        },
    }


def team_comparison(
    engine: Engine, user: User, filters: Filters, *, today: date | None = None
) -> pd.DataFrame:
    """Return one row per team in scope with every KPI of the period (idle teams included).

    ``today`` is accepted so that every page calls the services alike; it is not used.
    """
    with engine.connect() as conn:
        facts, reps = _facts_and_reps(conn, user, filters, active_only=False)
    return _teams_of(facts, reps)


def _facts_and_reps(
    conn, user: User, filters: Filters, *, active_only: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    facts = _facts(conn, user, filters, filters.start, filters.end)
    reps = store.fetch_scope_reps(
        conn, region_ids=region_scope(user), active_only=active_only, **_filter_kwargs(filters)
    )
    return facts, reps


def _teams_of(facts: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    teams = core.by_group(facts, TEAM_KEYS)
    known = reps[TEAM_KEYS].drop_duplicates()
    idle = known[~known["team_id"].isin(teams["team_id"])]
    if not idle.empty:
        teams = pd.concat([teams, core.by_group(_idle_facts(idle), TEAM_KEYS)], ignore_index=True)
    return teams.sort_values(["team_name", "team_id"]).reset_index(drop=True)


def _reps_of(facts: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    out = core.by_group(facts, REP_KEYS)
    active = reps[reps["active"].astype(bool)] if "active" in reps.columns else reps
    idle = active[~active["rep_id"].isin(out["rep_id"])][REP_KEYS]
    if not idle.empty:
        out = pd.concat([out, core.by_group(_idle_facts(idle), REP_KEYS)], ignore_index=True)
    return out.sort_values(["team_name", "rep_name", "rep_id"]).reset_index(drop=True)


def team_views(
    engine: Engine, user: User, filters: Filters, *, grain: str = "day", today: date | None = None
) -> dict[str, pd.DataFrame]:
    """Return the team comparison, the trend (``period`` column) and the per-rep KPIs of the
    period from one fetch of the facts (what the team KPI page's charts show)."""
    with engine.connect() as conn:
        facts, reps = _facts_and_reps(conn, user, filters, active_only=False)
    trend_frame = core.trend(facts, start=filters.start, end=filters.end, grain=grain)
    return {
        "teams": _teams_of(facts, reps),
        "trend": trend_frame.rename(columns={"local_date": "period", "week": "period"}),
        "reps": _reps_of(facts, reps),
    }


def _idle_facts(keys: pd.DataFrame) -> pd.DataFrame:
    """Zero facts for groups with no activity, so they appear with 0 visits and undefined rates."""
    frame = keys.copy()
    for name in core.SUM_COLUMNS:
        frame[name] = 0
    return frame


def trend(
    engine: Engine,
    user: User,
    filters: Filters,
    *,
    grain: str = "day",
    today: date | None = None,
) -> pd.DataFrame:
    """Return the KPIs per day (every date of the period) or per week (``week`` = Monday)."""
    with engine.connect() as conn:
        facts = _facts(conn, user, filters, filters.start, filters.end)
    return core.trend(facts, start=filters.start, end=filters.end, grain=grain)


def rep_distribution(
    engine: Engine, user: User, filters: Filters, *, today: date | None = None
) -> pd.DataFrame:
    """Return one row per rep (active reps in scope, plus any rep with activity) with the
    period's KPIs, for a box plot; idle reps have 0 visits and undefined rates."""
    with engine.connect() as conn:
        facts, reps = _facts_and_reps(conn, user, filters, active_only=True)
    return _reps_of(facts, reps)


def team_reps(engine: Engine, user: User, filters: Filters, team_id: str) -> pd.DataFrame:
    """Return the per-rep KPIs of one team (empty when the team is outside the user's scope)."""
    return rep_distribution(engine, user, replace(filters, team=team_id, rep=None))


def rep_days(engine: Engine, user: User, filters: Filters, rep_id: str) -> pd.DataFrame:
    """Return the KPIs of one rep per local date with any activity (empty when out of scope)."""
    narrowed = replace(filters, rep=rep_id)
    with engine.connect() as conn:
        facts = _facts(conn, user, narrowed, narrowed.start, narrowed.end)
    return core.by_group(facts, ["local_date"])


def day_visits(engine: Engine, user: User, rep_id: str, day: date) -> pd.DataFrame:
    """Return the visits of one rep-day with their checks, by check-in time; ``ts_local`` and
    ``checked_out_local`` (NaT without check-out) are in the rep's time zone, ``dwell_min`` in
    minutes. Empty when the rep is outside the user's scope."""
    with engine.connect() as conn:
        visits = store.fetch_day_visits(
            conn,
            rep_id=rep_id,
            day=day,
            region_ids=region_scope(user),
            min_dwell_s=core.MIN_DWELL_S,
        )
    if visits.empty:
        visits["ts_local"] = visits["checked_out_local"] = pd.Series(dtype="datetime64[ns, UTC]")
        visits["dwell_min"] = pd.Series(dtype="float64")
        return visits
    tz = contract.zone(visits["timezone"].iloc[0])
    visits["ts_local"] = pd.to_datetime(visits["ts"], utc=True).dt.tz_convert(tz)
    visits["checked_out_local"] = pd.to_datetime(visits["checked_out_at"], utc=True).dt.tz_convert(
        tz
    )
    visits["dwell_min"] = visits["dwell_s"].astype("float64") / 60.0
    return visits


def compliance(
    engine: Engine,
    user: User,
    filters: Filters,
    *,
    rules: core.FrequencyRules = core.FrequencyRules(),
    today: date | None = None,
) -> dict[str, Any]:
    """Return visit-frequency compliance over the rolling window ending at the period's end.

    Keys: ``grades`` (per grade: customers, compliant, rate), ``heatmap`` (owner team × grade
    rate), ``overdue`` (customers below their rule, most urgent first), ``window_start``,
    ``window_end`` (of the longest rule window).
    """
    scope = region_scope(user)
    parts = []
    longest = max(rules.windows())
    with engine.connect() as conn:
        for days, grades in rules.windows().items():
            start, end = core.window_for(filters.end, days)
            coverage = store.fetch_customer_coverage(
                conn,
                window_start=start,
                window_end=end,
                history_start=min(start, core.window_for(end, LAST_VISIT_LOOKBACK_DAYS)[0]),
                region_ids=scope,
                min_dwell_s=core.MIN_DWELL_S,
                **_filter_kwargs(filters),
            )
            parts.append(coverage[coverage["grade"].isin(grades)])
    coverage = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    window_start, window_end = core.window_for(filters.end, longest)
    return {
        "grades": core.frequency_compliance(coverage, rules),
        "heatmap": core.compliance_heatmap(coverage, rules),
        "overdue": core.overdue_customers(coverage, rules, as_of=filters.end),
        "window_start": window_start,
        "window_end": window_end,
    }


def filter_options(engine: Engine, user: User) -> dict[str, list[dict[str, Any]]]:
    """Return the regions, teams and reps the user may pick in the global filter."""
    with engine.connect() as conn:
        return store.fetch_filter_options(conn, region_ids=region_scope(user))

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
from dashboard.rules import SEVERITIES
from dashboard.rules.integrity import visit_integrity
from dashboard.services.settings import frequency_config_of
from dashboard.services.users import User, scope_of
from dashboard.services.view_cache import cached
from data_access import coverage as coverage_store
from data_access import facts as fact_store
from data_access import kpis as store

# How far back the overdue list looks for a customer's last verified visit.
LAST_VISIT_LOOKBACK_DAYS = 90

TEAM_KEYS = ["team_id", "team_name", "region_id", "region_name"]
REP_KEYS = ["rep_id", "rep_name", "team_id", "team_name"]


def _filter_kwargs(filters: Filters) -> dict[str, Any]:
    return {"region": filters.region, "team": filters.team, "rep": filters.rep}


def _sums(
    conn, user: User, filters: Filters, periods: dict[str, tuple[date, date]]
) -> dict[str, pd.DataFrame]:
    """The facts of the user's scope and the filter summed per grain (day, team, rep) in SQL."""
    return fact_store.fetch_fact_sums(
        conn,
        periods=periods,
        scope=scope_of(user),
        min_dwell_s=core.MIN_DWELL_S,
        **_filter_kwargs(filters),
    )


def _in_range(days: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    return days[(days["local_date"] >= start) & (days["local_date"] <= end)]


@cached(lags=True)
def overview(engine: Engine, user: User, filters: Filters, *, today: date) -> dict[str, Any]:
    """Return the cockpit overview of the filtered period.

    Keys: ``current`` and ``previous`` (``core.summarize`` of this and the previous period of
    equal length), ``changes`` (relative change per KPI, None when undefined), ``trend`` (KPIs
    per day of the period), ``top_teams`` / ``bottom_teams`` (3 each, by verified visits per
    rep-working-day), ``alerts`` (open alerts per severity), ``expenses`` (claimed, at_risk,
    at_risk_rate), ``online`` (online, reps, rate on local date ``today``) and ``period``.
    """
    prev = filters.previous()
    scope = scope_of(user)
    kw = _filter_kwargs(filters)
    period = (filters.start, filters.end)
    with engine.connect() as conn:
        # One statement for both periods (they are adjacent) per day, and per team.
        sums = _sums(conn, user, filters, {"day": (prev.start, filters.end), "team": period})
        extras = store.fetch_overview_extras(
            conn,
            start=filters.start,
            end=filters.end,
            today=today,
            severities=SEVERITIES,
            scope=scope,
            **kw,
        )
    online, reps = extras["online"], extras["reps"]
    expenses = {"claimed": extras["claimed"], "at_risk": extras["at_risk"]}
    days = sums["day"]
    current_days = _in_range(days, filters.start, filters.end)
    current = core.summarize(current_days)
    previous = core.summarize(_in_range(days, prev.start, prev.end))
    # Idle teams have no verified visits per rep-working-day, so the ranking leaves them out.
    teams = core.group_kpis(sums["team"], TEAM_KEYS)
    top, bottom = core.rank_teams(teams, by="effective_per_rep_day", n=3)
    return {
        "current": current,
        "previous": previous,
        "changes": {key: core.change(current[key], previous[key]) for key in core.KPI_KEYS},
        "trend": core.trend(current_days, start=filters.start, end=filters.end, grain="day"),
        "top_teams": top,
        "bottom_teams": bottom,
        "alerts": core.severity_counts(extras["alerts"]),
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
        sums = _sums(conn, user, filters, {"team": (filters.start, filters.end)})
    return core.group_kpis(sums["team"], TEAM_KEYS)


@cached(lags=True)
def team_views(
    engine: Engine, user: User, filters: Filters, *, grain: str = "day", today: date | None = None
) -> dict[str, pd.DataFrame]:
    """Return the team comparison, the trend (``period`` column) and the per-rep KPIs of the
    period from one statement (what the team KPI page's charts show)."""
    period = (filters.start, filters.end)
    with engine.connect() as conn:
        sums = _sums(conn, user, filters, {"day": period, "team": period, "rep": period})
    trend_frame = core.trend(sums["day"], start=filters.start, end=filters.end, grain=grain)
    return {
        "teams": core.group_kpis(sums["team"], TEAM_KEYS),
        "trend": trend_frame.rename(columns={"local_date": "period", "week": "period"}),
        "reps": core.group_kpis(sums["rep"], REP_KEYS),
    }


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
        sums = _sums(conn, user, filters, {"day": (filters.start, filters.end)})
    return core.trend(sums["day"], start=filters.start, end=filters.end, grain=grain)


def rep_distribution(
    engine: Engine, user: User, filters: Filters, *, today: date | None = None
) -> pd.DataFrame:
    """Return one row per rep (active reps in scope, plus any rep with activity) with the
    period's KPIs, for a box plot; idle reps have 0 visits and undefined rates."""
    with engine.connect() as conn:
        sums = _sums(conn, user, filters, {"rep": (filters.start, filters.end)})
    return core.group_kpis(sums["rep"], REP_KEYS)


def team_reps(engine: Engine, user: User, filters: Filters, team_id: str) -> pd.DataFrame:
    """Return the per-rep KPIs of one team (empty when the team is outside the user's scope)."""
    return rep_distribution(engine, user, replace(filters, team=team_id, rep=None))


def rep_days(engine: Engine, user: User, filters: Filters, rep_id: str) -> pd.DataFrame:
    """Return the KPIs of one rep per local date with any activity (empty when out of scope)."""
    narrowed = replace(filters, rep=rep_id)
    with engine.connect() as conn:
        sums = _sums(conn, user, narrowed, {"day": (narrowed.start, narrowed.end)})
    return core.group_kpis(sums["day"], ["local_date"])


def day_visits(engine: Engine, user: User, rep_id: str, day: date) -> pd.DataFrame:
    """Return the visits of one rep-day with their checks, by check-in time; ``ts_local`` and
    ``checked_out_local`` (NaT without check-out) are in the rep's time zone, ``dwell_min`` in
    minutes, ``integrity`` the visit's score (0-100) and ``rules`` the contributing rule codes,
    heaviest first. Empty when the rep is outside the user's scope."""
    with engine.connect() as conn:
        visits = store.fetch_day_visits(
            conn,
            rep_id=rep_id,
            day=day,
            scope=scope_of(user),
            min_dwell_s=core.MIN_DWELL_S,
        )
    fired = visits.pop("rules_fired")
    if visits.empty:
        visits["ts_local"] = visits["checked_out_local"] = pd.Series(dtype="datetime64[ns, UTC]")
        visits["dwell_min"] = pd.Series(dtype="float64")
        visits["integrity"] = pd.Series(dtype="int64")
        visits["rules"] = pd.Series(dtype="object")
        return visits
    judged = [visit_integrity(rules) for rules in fired]
    visits["integrity"] = pd.Series(
        [score for score, _ in judged], index=visits.index, dtype="int64"
    )
    visits["rules"] = pd.Series([rules for _, rules in judged], index=visits.index, dtype="object")
    tz = contract.zone(visits["timezone"].iloc[0])
    visits["ts_local"] = pd.to_datetime(visits["ts"], utc=True).dt.tz_convert(tz)
    visits["checked_out_local"] = pd.to_datetime(visits["checked_out_at"], utc=True).dt.tz_convert(
        tz
    )
    visits["dwell_min"] = visits["dwell_s"].astype("float64") / 60.0
    return visits


@cached
def compliance(
    engine: Engine,
    user: User,
    filters: Filters,
    *,
    rules: core.FrequencyRules | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Return visit-frequency compliance over the rolling window ending at the period's end,
    against ``rules`` (default: the frequency settings in force, ``visits_per_28d_a/b/c``).

    Keys: ``grades`` (per grade: customers, compliant, rate), ``heatmap`` (owner team × grade
    rate), ``overdue`` (customers below their rule, most urgent first), ``teams`` (per owner team:
    customers, compliant, frequency_compliance over all grades), ``window_start``,
    ``window_end`` (of the longest rule window).
    """
    with engine.connect() as conn:
        if rules is None:
            rules = frequency_config_of(conn).rules()
        counts, below = _coverage(conn, scope_of(user), filters, rules, with_below=True)
    longest = max(rules.windows())
    window_start, window_end = core.window_for(filters.end, longest)
    # ``counts`` stands for every customer (per team, grade and verified visits); ``below``
    # lists the customers under their grade's rule, which the core judges again and orders.
    coverage = _concat(counts)
    return {
        "grades": core.frequency_compliance(coverage, rules),
        "heatmap": core.compliance_heatmap(coverage, rules),
        "overdue": core.overdue_customers(_concat(below), rules, as_of=filters.end),
        "teams": core.compliance_by_team(coverage, rules),
        "window_start": window_start,
        "window_end": window_end,
    }


def grade_compliance(engine: Engine, user: User, filters: Filters) -> pd.DataFrame:
    """``compliance``'s ``grades`` alone (per grade: customers, compliant, rate against the
    frequency settings in force), from the counts without the list of customers below rule.
    Not cached itself: its one caller, the overview digest, is."""
    with engine.connect() as conn:
        rules = frequency_config_of(conn).rules()
        counts, _below = _coverage(conn, scope_of(user), filters, rules, with_below=False)
    return core.frequency_compliance(_concat(counts), rules)


def _coverage(
    conn, scope, filters: Filters, rules: core.FrequencyRules, *, with_below: bool
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Per rule window ending at the period's end: the customers' verified-visit counts and
    (``with_below``) the customers below their grade's rule."""
    counts, below = [], []
    for days, grades in rules.windows().items():
        start, end = core.window_for(filters.end, days)
        counted, overdue = coverage_store.fetch_customer_compliance(
            conn,
            window_start=start,
            window_end=end,
            required={grade: rules.required_visits(grade) or 0 for grade in grades},
            history_start=min(start, core.window_for(end, LAST_VISIT_LOOKBACK_DAYS)[0]),
            scope=scope,
            min_dwell_s=core.MIN_DWELL_S,
            with_below=with_below,
            **_filter_kwargs(filters),
        )
        counts.append(counted)
        below.append(overdue)
    return counts, below


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def filter_options(engine: Engine, user: User) -> dict[str, list[dict[str, Any]]]:
    """Return the regions, teams and reps the user may pick in the global filter."""
    with engine.connect() as conn:
        return store.fetch_filter_options(conn, scope=scope_of(user))


def attendance(engine: Engine, user: User, filters: Filters) -> dict[str, pd.DataFrame]:
    """Return the attendance of the period (``core.attendance``: attendance_days, first_fix_min,
    last_fix_min, hours_tracked) per rep (``reps``, keyed rep_id) and per team (``teams``,
    keyed team_id) of the reps in scope with GPS fixes."""
    with engine.connect() as conn:
        days = store.fetch_attendance_days(
            conn,
            start=filters.start,
            end=filters.end,
            scope=scope_of(user),
            **_filter_kwargs(filters),
        )
    reps, teams = core.attendance_by(days, [["rep_id"], ["team_id"]])
    return {"reps": reps, "teams": teams}


def alert_counts(engine: Engine, user: User, filters: Filters) -> pd.DataFrame:
    """Return per rep in scope with any open alert of the period: rep_id and one
    ``alerts_<severity>`` column per severity (the overview's alert count, per rep)."""
    with engine.connect() as conn:
        return store.fetch_alert_counts_by_rep(
            conn,
            start=filters.start,
            end=filters.end,
            severities=SEVERITIES,
            scope=scope_of(user),
            **_filter_kwargs(filters),
        )


def latest_activity(engine: Engine, user: User, filters: Filters, *, before: date) -> date | None:
    """Return the latest local date up to ``before`` with a visit in the user's scope and the
    filter's region/team/rep (None when there is none)."""
    with engine.connect() as conn:
        return store.fetch_latest_activity_date(
            conn, before=before, scope=scope_of(user), **_filter_kwargs(filters)
        )


def period_summary(engine: Engine, user: User, filters: Filters) -> dict[str, float | None]:
    """Return ``core.summarize`` of the filtered period: the ``current`` KPIs ``overview`` gives
    for the same filter, without its extras (for a report's previous calendar month)."""
    with engine.connect() as conn:
        sums = _sums(conn, user, filters, {"day": (filters.start, filters.end)})
    return core.summarize(sums["day"])

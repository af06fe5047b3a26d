"""The team KPI page's views: charts of one period and the team → rep → day → visits drill."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
from sqlalchemy.engine import Engine

from dashboard.filters import Filters
from dashboard.services import kpis, rhythm
from dashboard.services.users import User
from dashboard.services.view_cache import cached


@cached(lags=True)
def drill(
    engine: Engine,
    user: User,
    filters: Filters,
    *,
    level: str,
    day: str | None = None,
    today: date,
) -> pd.DataFrame:
    """Return the rows of one drill level (scope is enforced by the queries underneath); the
    team and rep levels carry the period's task completion (``rhythm.with_completion``)."""
    if level == "visits" and filters.rep and day:
        try:
            the_day = date.fromisoformat(day[:10])
        except ValueError:
            return pd.DataFrame()
        return kpis.day_visits(engine, user, filters.rep, the_day)
    if level in ("days", "visits") and filters.rep:
        return kpis.rep_days(engine, user, filters, filters.rep)
    if level == "reps" and filters.team:
        reps = kpis.team_reps(engine, user, filters, filters.team)
        narrowed = replace(filters, team=filters.team, rep=None)
        return rhythm.with_completion(reps, engine, user, narrowed, today=today, by="rep")
    teams = kpis.team_comparison(engine, user, filters)
    return rhythm.with_completion(teams, engine, user, filters, today=today, by="team")

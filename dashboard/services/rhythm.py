"""The rhythm view (contract §5) for a rep, a team or the user's whole scope: the due list for
today and the next 7 days, the overdue customers, the tasks of the period by outcome and the
task completion rate (``dashboard.rhythm``); the completion rate per team or rep for the team
KPI grid; and the managers' daily digest on the overview (overdue A customers per team,
frequency compliance per grade).

The scope always comes from the signed-in user; the filter only narrows it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from dashboard import rhythm as core
from dashboard import tasks as task_core
from dashboard.filters import Filters
from dashboard.frequency import FrequencyConfig
from dashboard.services import kpis, tasks
from dashboard.services.settings import frequency_config_of
from dashboard.services.users import User, scope_of
from dashboard.services.view_cache import cached
from data_access import rhythm as store
from data_access import tasks as task_store
from data_access.scope import Scope

COMPLETION_COLUMNS = ["tasks_done", "tasks_overdue", "tasks_open", "task_completion"]
_KEYS = {"team": ["team_id"], "rep": ["rep_id"]}


def _narrow(filters: Filters) -> dict[str, Any]:
    return {"region": filters.region, "team": filters.team, "rep": filters.rep}


def _outcomes(
    conn: Connection, scope: Scope, filters: Filters, *, as_of: date, config: FrequencyConfig
) -> list[tuple[dict[str, Any], str]]:
    """The period's tasks (due in it) with their outcome on ``as_of``."""
    tasks = store.fetch_period_tasks(
        conn, due_from=filters.start, due_to=filters.end, scope=scope, **_narrow(filters)
    )
    waiting = {
        row["customer_id"]
        for row in tasks
        if not (row["status"] == "done" and row["done_on"] is not None and row["done_on"] <= as_of)
    }
    rhythms = task_store.fetch_rhythms(conn, on=as_of, customer_ids=waiting) if waiting else {}
    out = []
    for row in tasks:
        found = rhythms.get(row["customer_id"])
        overdue = found is not None and task_core.is_overdue(
            task_core.Rhythm(
                found["customer_id"],
                found["grade"],
                found["owner_rep_id"],
                found["region_id"],
                found["last_visit"],
                found["since"],
            ),
            on=as_of,
            config=config,
        )
        outcome = core.task_outcome(
            status=row["status"],
            done_on=row["done_on"],
            created=row["created"],
            customer_overdue=overdue,
            as_of=as_of,
        )
        out.append((row, outcome))
    return out


@cached
def rhythm_view(engine: Engine, user: User, filters: Filters, *, today: date) -> dict[str, Any]:
    """The rhythm of the filtered scope (a rep, a team, a region or everything in the user's
    scope). Keys: ``due`` (customers due today or in the next 7 days), ``overdue`` (overdue
    today), ``completion`` (tasks due in the period by outcome on ``as_of``, and the rate),
    ``today``, ``horizon_end``, ``as_of``."""
    scope = scope_of(user)
    as_of = core.period_as_of(filters.end, today)
    with engine.connect() as conn:
        config = frequency_config_of(conn)
        customers = store.fetch_customer_rhythms(conn, on=today, scope=scope, **_narrow(filters))
        outcomes = _outcomes(conn, scope, filters, as_of=as_of, config=config)
    due, overdue = core.due_list(customers, today=today, config=config)
    return {
        "due": due,
        "overdue": overdue,
        "completion": core.completion(outcome for _row, outcome in outcomes).as_dict(),
        "today": today,
        "horizon_end": today + timedelta(days=core.HORIZON_DAYS),
        "as_of": as_of,
    }


def completion_rates(
    engine: Engine, user: User, filters: Filters, *, today: date, by: str
) -> pd.DataFrame:
    """The task completion of the period per team (``by="team"``: team_id) or rep
    (``by="rep"``: rep_id), in the user's scope and the filter: the key and
    ``COMPLETION_COLUMNS``; a team or rep without tasks has no row. Orphans' tasks (no rep)
    count in no team or rep."""
    if by not in _KEYS:
        raise ValueError(f"by: {by!r} is not one of {', '.join(_KEYS)}")
    key = _KEYS[by][0]
    as_of = core.period_as_of(filters.end, today)
    with engine.connect() as conn:
        config = frequency_config_of(conn)
        outcomes = _outcomes(conn, scope_of(user), filters, as_of=as_of, config=config)
    grouped = core.completion_by((row[key], outcome) for row, outcome in outcomes if row[key])
    rows = [{key: k, **done.as_dict()} for k, done in sorted(grouped.items())]
    frame = pd.DataFrame(rows, columns=[key, *COMPLETION_COLUMNS])
    frame["task_completion"] = frame["task_completion"].astype("float64")
    return frame


def with_completion(
    frame: pd.DataFrame, engine: Engine, user: User, filters: Filters, *, today: date, by: str
) -> pd.DataFrame:
    """``frame`` (rows keyed by team_id or rep_id) with the completion columns merged in
    (tasks 0 and rate empty where a team or rep had no task)."""
    key = _KEYS[by][0]
    if frame.empty or key not in frame.columns:
        return frame
    rates = completion_rates(engine, user, filters, today=today, by=by)
    out = frame.merge(rates, on=key, how="left")
    for name in ("tasks_done", "tasks_overdue", "tasks_open"):
        out[name] = out[name].fillna(0).astype("int64")
    return out


@cached(lags=True)
def digest(engine: Engine, user: User, filters: Filters, *, today: date) -> dict[str, Any]:
    """The managers' daily digest on ``today``, in the user's scope and the filter's region,
    team or rep: ``teams`` (per team with A customers: team_id, team_name, a_customers,
    overdue_a, most overdue first), ``overdue_a`` (the total), ``grades`` (frequency compliance
    per grade over the 28 days to today: grade, required_visits, customers, compliant, rate)."""
    scope = scope_of(user)
    with engine.connect() as conn:
        config = frequency_config_of(conn)
        customers = store.fetch_customer_rhythms(
            conn, on=today, scope=scope, grade="A", **_narrow(filters)
        )
    overdue = core.overdue_count_by(customers, key="team_id", grade="A", today=today, config=config)
    names: dict[Any, str] = {}
    totals: dict[Any, int] = {}
    for row in customers:
        if row["grade"] == "A":
            names[row["team_id"]] = row["team_name"]
            totals[row["team_id"]] = totals.get(row["team_id"], 0) + 1
    teams = sorted(
        (
            {
                "team_id": team_id,
                "team_name": names[team_id],
                "a_customers": totals[team_id],
                "overdue_a": count,
            }
            for team_id, count in overdue.items()
        ),
        key=lambda row: (-row["overdue_a"], str(row["team_name"])),
    )
    day = replace(filters, period="custom", start=today, end=today)
    grades = kpis.grade_compliance(engine, user, day)
    return {
        "teams": teams,
        "overdue_a": sum(row["overdue_a"] for row in teams),
        "grades": grades.to_dict("records"),
        "today": today,
    }


def replay_task_history(engine: Engine, *, start: date, end: date, now: datetime) -> dict[str, int]:
    """Generate the visit tasks of every local date in [start, end] in turn, as the daily step
    would have on each, closing after each day the tasks done by the visits up to that day, so
    a company loaded at once (the demo) gets a task history and a meaningful completion rate.
    Idempotent like ``tasks.generate``; return the tasks created and closed."""
    if start > end:
        raise ValueError(f"from: {start} is after to: {end}")
    created = closed = 0
    day = start
    while day <= end:
        with engine.begin() as conn:
            config = frequency_config_of(conn)
            created += tasks.generate_on(conn, on=day, config=config, now=now).created
            open_tasks, visits = task_store.fetch_open_task_visits(conn)
            seen = [x for x in visits if x["local_date"] <= day]
            found = task_core.first_visits(
                [(row["id"], row["created"]) for row in open_tasks],
                [(x["id"], x["customer_id"], x["local_date"], x["ts"].timestamp()) for x in seen],
                {row["id"]: row["customer_id"] for row in open_tasks},
            )
            closed += task_store.close_tasks(conn, found, now=now)
        day += timedelta(days=1)
    return {"created": created, "closed": closed}

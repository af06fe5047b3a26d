"""Suggested plans and the plan export (contract §6): the I/O shell around
``dashboard.route_plans``.

- ``suggest_day(engine, rep_id=, on=, scope=)``: one rep-day's suggestion (JSON-ready).
- ``suggest_team_week(engine, team_id=, week=, scope=)``: every active rep of a team, Monday
  to Friday of an ISO week. Each day's chosen customers are not offered again later that week.
- ``evaluate_order(engine, rep_id=, on=, customer_ids=, scope=, previous=)``: a reviewer's
  edited order, re-timed through the same core (km, times, whether it still fits).
- ``reps_in_scope(engine, scope=)``: the active reps a reviewer may plan for.
- ``publish(engine, suggestion, now=)``: store it as an ordinary ``plan`` record (id
  ``sug:<rep>:<date>``, source ``suggested``) through the ingest validation and storage.
- ``export_rows(engine, scope=, rep_id=, date_from=, date_to=)``: §6's plan objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Engine

from dashboard import route_plans as core
from dashboard.frequency import due_dates
from dashboard.services import ingest
from dashboard.services.settings import frequency_config_of, stored_values
from data_access import route_plans as store
from data_access import tasks as task_store
from data_access.scope import Scope


class PlanError(ValueError):
    """A suggestion was refused; the message names the field."""


def plan_config_of(conn: Connection) -> core.PlanConfig:
    """The ``plans`` settings in force, read on an open connection."""
    return core.PlanConfig.from_values(stored_values(conn))


def _candidate(row: dict[str, Any], due: date) -> core.Candidate:
    return core.Candidate(
        customer_id=row["id"],
        name=row["name"],
        grade=row["grade"],
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        due=due,
        open=row.get("open"),
        close=row.get("close"),
    )


def _candidates(
    conn: Connection, rep_ids: Sequence[str], on: date
) -> dict[str, tuple[str, list[core.Candidate]]]:
    """rep id → (where the candidates came from, the candidates): the open tasks when the rep
    has any, else the owned customers due on ``on`` by their rhythm."""
    out: dict[str, tuple[str, list[core.Candidate]]] = {}
    for row in store.fetch_open_task_customers(conn, rep_ids=rep_ids):
        out.setdefault(row["rep_id"], ("tasks", []))[1].append(_candidate(row, row["due"]))
    rest = [rep for rep in rep_ids if rep not in out]
    if rest:
        config = frequency_config_of(conn)
        owned = store.fetch_owned_customers(conn, rep_ids=rest)
        rhythms = task_store.fetch_rhythms(conn, on=on, customer_ids=[o["id"] for o in owned])
        for row in owned:
            rhythm = rhythms.get(row["id"])
            base = None if rhythm is None else (rhythm["last_visit"] or rhythm["since"])
            if base is None or row["grade"] not in ("A", "B", "C"):
                continue
            due_on, _overdue = due_dates(base, row["grade"], config)
            if on >= due_on:
                out.setdefault(row["owner_rep_id"], ("due", []))[1].append(_candidate(row, due_on))
    for rep in rep_ids:
        out.setdefault(rep, ("tasks" if rep not in rest else "due", []))
    return out


def _day(
    conn: Connection,
    rep: dict[str, Any],
    on: date,
    source: str,
    candidates: list[core.Candidate],
    config: core.PlanConfig,
    backend: str,
) -> dict[str, Any]:
    fixes = store.fetch_first_fixes(conn, rep_id=rep["id"], before=on, days=core.START_DAYS)
    start = core.start_point(fixes, candidates)
    day = core.RepDay(rep["id"], on, rep["work_start"], rep["work_end"])
    return core.suggest(day, candidates, start, config, candidate_source=source, backend=backend)


def _rep_or_error(conn: Connection, rep_id: str, scope: Scope) -> dict[str, Any]:
    if not rep_id or not str(rep_id).strip():
        raise PlanError("rep: required")
    reps = store.fetch_reps(conn, scope=scope, rep=rep_id)
    if not reps:
        raise PlanError(f"rep: {rep_id!r} is not an active rep in your scope")
    return reps[0]


def suggest_day(
    engine: Engine, *, rep_id: str, on: date, scope: Scope, backend: str = "auto"
) -> dict[str, Any]:
    """The suggested plan of one rep on local date ``on`` (contract §6)."""
    with engine.connect() as conn:
        rep = _rep_or_error(conn, rep_id, scope)
        config = plan_config_of(conn)
        source, cands = _candidates(conn, [rep["id"]], on)[rep["id"]]
        return _day(conn, rep, on, source, cands, config, backend)


def week_days(week: str) -> list[date]:
    """Monday to Friday of an ISO week written ``YYYY-Www`` (or any date in it)."""
    try:
        if "W" in week:
            year, _, num = week.partition("-W")
            monday = date.fromisocalendar(int(year), int(num), 1)
        else:
            day = date.fromisoformat(week)
            monday = day - timedelta(days=day.weekday())
    except ValueError:
        raise PlanError(f"week: {week!r} is not an ISO week (YYYY-Www) or a date") from None
    return [monday + timedelta(days=i) for i in range(5)]


def suggest_team_week(
    engine: Engine, *, team_id: str, week: str, scope: Scope, backend: str = "auto"
) -> list[dict[str, Any]]:
    """Suggestions for every active rep of a team, Monday to Friday of ``week``. A customer
    placed on one day is not offered again on a later day of the same week."""
    days = week_days(week)
    with engine.connect() as conn:
        reps = store.fetch_reps(conn, scope=scope, team=team_id)
        if not reps:
            raise PlanError(f"team: {team_id!r} has no active rep in your scope")
        config = plan_config_of(conn)
        out = []
        placed: dict[str, set[str]] = {rep["id"]: set() for rep in reps}
        for on in days:
            cands = _candidates(conn, [rep["id"] for rep in reps], on)
            for rep in reps:
                source, rows = cands[rep["id"]]
                rows = [c for c in rows if c.customer_id not in placed[rep["id"]]]
                suggestion = _day(conn, rep, on, source, rows, config, backend)
                placed[rep["id"]].update(suggestion["customer_ids"])
                out.append(suggestion)
        return out


def _ids_or_error(customer_ids: Any) -> list[str]:
    if not isinstance(customer_ids, list | tuple) or not all(
        isinstance(cid, str) and cid.strip() for cid in customer_ids
    ):
        raise PlanError("customer_ids: must be a list of customer ids")
    dupes = sorted({cid for cid in customer_ids if list(customer_ids).count(cid) > 1})
    if dupes:
        raise PlanError(f"customer_ids: {', '.join(dupes)} listed more than once")
    return list(customer_ids)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def evaluate_order(
    engine: Engine,
    *,
    rep_id: str,
    on: date,
    customer_ids: Sequence[str],
    scope: Scope,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Re-time a reviewer's edit of a rep-day: the stops in exactly the order of
    ``customer_ids`` (each one of the rep's candidates that day), from the same start point,
    with the same settings as the suggestion. Nothing is dropped: the left-out list is the
    ``previous`` suggestion's left-out customers not added back plus its stops removed (reason
    ``removed``); without ``previous``, every candidate not in the order, as removed."""
    ids = _ids_or_error(customer_ids)
    with engine.connect() as conn:
        rep = _rep_or_error(conn, rep_id, scope)
        config = plan_config_of(conn)
        source, cands = _candidates(conn, [rep["id"]], on)[rep["id"]]
        by_id = {c.customer_id: c for c in cands}
        unknown = [cid for cid in ids if cid not in by_id]
        if unknown:
            raise PlanError(
                f"customer_ids: {', '.join(unknown)} not due for {rep['id']} on {on.isoformat()}"
            )
        fixes = store.fetch_first_fixes(conn, rep_id=rep["id"], before=on, days=core.START_DAYS)
    start = core.start_point(fixes, cands)
    if start is None:
        raise PlanError(f"rep: {rep['id']!r} has no candidates on {on.isoformat()}")
    chosen = set(ids)
    if not isinstance(previous, dict):
        left = [
            core.left_out_row(c, core.REASON_REMOVED) for c in cands if c.customer_id not in chosen
        ]
    else:
        # Rebuilt from the server's candidates: only the reason is taken from the browser.
        left = [
            core.left_out_row(
                by_id[row["customer_id"]],
                row.get("reason") if row.get("reason") in core.REASON_TEXT else core.REASON_REMOVED,
            )
            for row in _list(previous.get("left_out"))
            if isinstance(row, dict)
            and row.get("customer_id") in by_id
            and row["customer_id"] not in chosen
        ]
        listed = {row["customer_id"] for row in left}
        left += [
            core.left_out_row(by_id[cid], core.REASON_REMOVED)
            for cid in _list(previous.get("customer_ids"))
            if cid in by_id and cid not in chosen and cid not in listed
        ]
    day = core.RepDay(rep["id"], on, rep["work_start"], rep["work_end"])
    return core.evaluate(
        day, [by_id[cid] for cid in ids], start, config, candidate_source=source, left_out=left
    )


def reps_in_scope(engine: Engine, *, scope: Scope) -> list[dict[str, Any]]:
    """Active reps in scope: id, name, team_id, region_id, ... (by id)."""
    with engine.connect() as conn:
        return store.fetch_reps(conn, scope=scope)


def publish(
    engine: Engine, suggestion: dict[str, Any], *, now: datetime, by: str, scope: Scope
) -> dict:
    """Store a (possibly edited) suggestion as a ``plan`` record through the ingest
    validation; return the ingest summary (a rejection names the field). The rep must be in
    the publisher's scope, and a read-only scope publishes nothing."""
    if scope.read_only:
        raise PlanError("scope: read-only; plans cannot be published from it")
    if not suggestion.get("customer_ids"):
        raise PlanError("customer_ids: the plan has no stops (nothing to publish)")
    rep_id = suggestion.get("rep_id")
    if isinstance(rep_id, str) and rep_id.strip() and scope.region_ids is not None:
        with engine.connect() as conn:
            if not store.fetch_reps(conn, scope=scope, rep=rep_id):
                raise PlanError(f"rep_id: {rep_id!r} is not an active rep in your scope")
    record = core.plan_record(suggestion)
    summary = ingest.ingest_values(engine, [record], source=f"suggested:{by}", now=now)
    return summary.as_dict()


def export_rows(
    engine: Engine,
    *,
    scope: Scope,
    rep_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[dict[str, Any]]:
    """Contract §6's plan objects, by date, rep, id."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValueError(f"from: {date_from} is after to: {date_to}")
    with engine.connect() as conn:
        rows = store.fetch_plans(
            conn, scope=scope, rep_id=rep_id, date_from=date_from, date_to=date_to
        )
    return [
        {
            "id": row["id"],
            "rep_id": row["rep_id"],
            "date": row["date"].isoformat(),
            "customer_ids": list(row["customer_ids"]),
            "source": row["source"],
            "km_planned": None if row["km_planned"] is None else float(row["km_planned"]),
        }
        for row in rows
    ]

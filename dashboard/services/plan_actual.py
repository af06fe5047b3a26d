"""Plan vs actual (contract §6) for the /plans page and the replay panel.

Every function takes the caller's ``Scope``: a manager sees the rep-days of their regions only,
and a rep outside the scope answers as an unknown one does (nothing). The matching and the route
efficiency are the pure core's (``dashboard.plans``); the plan adherence of a rep-day here is the
KPI's (``data_access.facts``): both count a planned stop done by an effective visit of that rep
to that customer on the planned date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from dashboard import geo
from dashboard.contract import DEFAULT_TIMEZONE
from dashboard.plans import (
    DayVisit,
    match_plan,
    optimal_order,
    roll_up,
    route_efficiency,
    visited_stops,
)
from data_access import plan_actual as store
from data_access.scope import Scope

# The longest period one /plans view covers (a heatmap of rep × day stays readable).
MAX_DAYS = 62


class PlanActualError(ValueError):
    """A bad argument; the message names it."""


def parse_day(text: str) -> date:
    """An ISO date, or PlanActualError naming the field."""
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise PlanActualError(f"date: {text!r} is not a YYYY-MM-DD date") from None


def check_period(start: date, end: date) -> None:
    """Refuse a reversed or too long period, naming the field."""
    if end < start:
        raise PlanActualError(f"end: {end} is before start {start}")
    if (end - start).days + 1 > MAX_DAYS:
        raise PlanActualError(f"end: the period may span at most {MAX_DAYS} days")


def _day_visits(frame: pd.DataFrame) -> list[DayVisit]:
    return [
        DayVisit(
            visit_id=row.visit_id,
            rep_id=row.rep_id,
            customer_id=row.customer_id,
            local_date=pd.Timestamp(row.local_date).date(),
            ts=pd.Timestamp(row.ts).to_pydatetime(),
            effective=bool(row.effective),
        )
        for row in frame.itertuples(index=False)
    ]


def _where(stops: pd.DataFrame, visits: pd.DataFrame) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for frame in (stops, visits):
        for cid, la, lo in zip(frame["customer_id"], frame["lat"], frame["lon"], strict=True):
            if la is not None and lo is not None and not pd.isna(la) and not pd.isna(lo):
                out[cid] = (float(la), float(lo))
    return out


def _names(stops: pd.DataFrame, visits: pd.DataFrame) -> dict[str, str]:
    out: dict[str, str] = {}
    for frame in (stops, visits):
        for cid, name in zip(frame["customer_id"], frame["customer_name"], strict=True):
            out[cid] = name if isinstance(name, str) else cid
    return out


def _rep_day(
    rep_id: str,
    day: date,
    plan: list[str],
    visits: list[DayVisit],
    driven_km: float | None,
    where: dict[str, tuple[float, float]],
    *,
    with_order: bool = True,
) -> dict[str, Any]:
    """The match and the route of one rep-day, as plain values (the shortest route's order
    only ``with_order``: the period view needs its length alone)."""
    match = match_plan(rep_id, day, plan, visits)
    order = [cid for cid in visited_stops(visits) if cid in where]
    route = route_efficiency(driven_km, [where[cid] for cid in order])
    best = optimal_order([where[cid] for cid in order]) if with_order else []
    return {
        "match": match,
        "route": route,
        "actual_order": order,
        "optimal_order": [order[i] for i in best],
    }


def _summary(rep_id: str, day: date, d: dict[str, Any]) -> dict[str, Any]:
    m, route = d["match"], d["route"]
    return {
        "rep_id": rep_id,
        "date": day.isoformat(),
        "planned": m.planned,
        "done": m.done,
        "in_order": m.in_order,
        "out_of_order": m.out_of_order,
        "missed": m.missed,
        "unplanned": len(m.unplanned),
        "adherence": m.adherence,
        "driven_km": round(route.driven_km, 3),
        "shortest_km": None if route.shortest_km is None else round(route.shortest_km, 3),
        "efficiency": route.efficiency,
        "efficiency_reason": route.reason,
    }


def _worst_first(row: dict[str, Any]) -> tuple[Any, ...]:
    adherence = row["adherence"]
    efficiency = row["efficiency"]
    return (
        adherence is None,
        adherence if adherence is not None else 0.0,
        -(efficiency or 0.0),
        row["date"],
        row["rep_name"],
    )


def _rolled(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Adherence and route efficiency per ``key`` (a rep's or a team's name), worst first."""
    groups: dict[str, list[tuple[int, int, float, float | None, float | None]]] = {}
    for row in rows:
        groups.setdefault(row[key], []).append(
            (row["planned"], row["done"], row["driven_km"], row["shortest_km"], row["efficiency"])
        )
    out = []
    for name, days in groups.items():
        r = roll_up(days)
        out.append(
            {
                "name": name,
                "rep_days": len(days),
                "planned": r.planned,
                "done": r.done,
                "adherence": r.adherence,
                "efficiency": r.efficiency,
            }
        )
    out.sort(key=lambda g: (g["adherence"] is None, g["adherence"] or 0.0, g["name"]))
    return out


def team_period(
    engine: Engine,
    scope: Scope,
    *,
    start: date,
    end: date,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
) -> dict[str, Any]:
    """The rep-days of the period with a plan or a visit, worst first (lowest adherence, then
    highest route efficiency), with the reps and dates of the heatmaps.

    Answer: ``rows`` (one per rep-day: rep and team names, planned, done, in_order,
    out_of_order, missed, unplanned, adherence, driven_km, shortest_km, efficiency,
    efficiency_reason), ``by_rep`` and ``by_team`` (name, rep_days, planned, done, adherence,
    efficiency summed over the rows; worst first), ``reps`` (rep_id, rep_name, team_name of
    the reps in the rows, by team and name), ``dates`` (ISO, every date of the period)."""
    check_period(start, end)
    with engine.connect() as conn:
        pick = {"region": region, "team": team, "rep": rep}
        reps = store.fetch_reps(conn, scope=scope, **pick)
        data = store.fetch_plan_actual(conn, start=start, end=end, scope=scope, **pick)
    stops, visits, km = data["stops"], data["visits"], data["km"]
    where = _where(stops, visits)
    plans: dict[tuple[str, date], list[str]] = {}
    for rid, d, cid in zip(stops["rep_id"], stops["date"], stops["customer_id"], strict=True):
        plans.setdefault((rid, pd.Timestamp(d).date()), []).append(cid)
    day_visits: dict[tuple[str, date], list[DayVisit]] = {}
    for v in _day_visits(visits):
        day_visits.setdefault((v.rep_id, v.local_date), []).append(v)
    driven = {
        (rid, pd.Timestamp(d).date()): float(k)
        for rid, d, k in zip(km["rep_id"], km["local_date"], km["km"], strict=True)
    }
    info = {row.rep_id: row for row in reps.itertuples(index=False)}
    rows = []
    for rid, day in sorted(set(plans) | set(day_visits)):
        if rid not in info:
            continue
        d = _rep_day(
            rid, day, plans.get((rid, day), []), day_visits.get((rid, day), []),
            driven.get((rid, day)), where, with_order=False,
        )  # fmt: skip
        row = _summary(rid, day, d)
        row["rep_name"] = info[rid].rep_name
        row["team_name"] = info[rid].team_name
        rows.append(row)
    rows.sort(key=_worst_first)
    shown = {row["rep_id"] for row in rows}
    return {
        "rows": rows,
        "by_rep": _rolled(rows, "rep_name"),
        "by_team": _rolled(rows, "team_name"),
        "reps": [
            {"rep_id": r.rep_id, "rep_name": r.rep_name, "team_name": r.team_name}
            for r in reps.itertuples(index=False)
            if r.rep_id in shown
        ],
        "dates": [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)],
    }


def rep_day_of(
    conn: Connection,
    scope: Scope,
    *,
    rep_id: str,
    day: date,
    driven_km: float | None = None,
    tile_crs: str = "wgs84",
) -> dict[str, Any] | None:
    """One rep-day in detail (None when the rep is unknown or out of scope): the summary, the
    planned stops in order with their status, the unplanned visits, the customers' positions
    (in ``tile_crs``), the actual and the optimal order. ``driven_km`` replaces the rollup's
    km when the caller measured the day's trips itself (the replay)."""
    reps = store.fetch_reps(conn, scope=scope, rep=rep_id)
    if reps.empty:
        return None
    data = store.fetch_plan_actual(conn, start=day, end=day, scope=scope, rep=rep_id)
    stops, visits, km = data["stops"], data["visits"], data["km"]
    if driven_km is None and not km.empty:
        driven_km = float(km["km"].iloc[0])
    where = _where(stops, visits)
    names = _names(stops, visits)
    plan = list(stops["customer_id"])
    d = _rep_day(rep_id, day, plan, _day_visits(visits), driven_km, where)
    summary = _summary(rep_id, day, d)
    info = reps.iloc[0]
    summary["rep_name"], summary["team_name"] = info["rep_name"], info["team_name"]

    zone = ZoneInfo(str(info["timezone"] or DEFAULT_TIMEZONE))

    def clock(ts: datetime | None) -> str | None:
        return None if ts is None else ts.astimezone(zone).strftime("%H:%M")

    def at(cid: str) -> list[float] | None:
        if cid not in where:
            return None
        la, lo = where[cid]
        if tile_crs != "wgs84":
            la, lo = geo.from_wgs84(la, lo, tile_crs)
        return [round(la, 6), round(lo, 6)]

    return {
        "summary": summary,
        "stops": [
            {
                "seq": s.seq,
                "customer_id": s.customer_id,
                "customer_name": names.get(s.customer_id, s.customer_id),
                "status": s.status,
                "visit_id": s.visit_id,
                "time": clock(s.ts),
                "at": at(s.customer_id),
            }
            for s in d["match"].stops
        ],
        "unplanned": [
            {
                "visit_id": v.visit_id,
                "customer_id": v.customer_id,
                "customer_name": names.get(v.customer_id, v.customer_id),
                "time": clock(v.ts),
                "effective": v.effective,
                "at": at(v.customer_id),
            }
            for v in d["match"].unplanned
        ],
        "actual": [at(cid) for cid in d["actual_order"]],
        "optimal": [at(cid) for cid in d["optimal_order"]],
        "optimal_ids": d["optimal_order"],
    }


def rep_day(
    engine: Engine, scope: Scope, *, rep_id: str, day: date, tile_crs: str = "wgs84"
) -> dict[str, Any] | None:
    """``rep_day_of`` on a connection of its own."""
    with engine.connect() as conn:
        return rep_day_of(conn, scope, rep_id=rep_id, day=day, tile_crs=tile_crs)

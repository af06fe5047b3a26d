"""Customer coverage and visit-frequency compliance: verified visits per customer in a window,
counted in SQL. A customer is in scope through its owner rep's current team and region
(``data_access.scope.customer_conditions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import frames, schema
from data_access.facts import DEFAULT_MIN_DWELL_S, effective_condition
from data_access.scope import (
    Scope,
    customer_conditions,
    customers_with_owner,
    owner,
    owner_team,
)

v = schema.visits
c = schema.customers


def fetch_customer_coverage(
    conn: Connection,
    *,
    window_start: date,
    window_end: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
    history_start: date | None = None,
) -> pd.DataFrame:
    """Return each customer in scope with its verified visits in [window_start, window_end].

    ``verified_visits`` counts verified visits (by any rep) inside the window;
    ``last_verified_date`` is the latest verified visit in [history_start, window_end]
    (history_start defaults to window_start), None when there is none.
    Customers are in scope through their owner rep's current team and region.
    """
    since = window_start if history_start is None else min(history_start, window_start)
    conds = customer_conditions(scope, region=region, team=team, rep=rep)
    in_window = v.c.local_date >= window_start
    agg = (
        sa.select(
            v.c.customer_id,
            sa.func.sum(sa.case((in_window, 1), else_=0)).label("verified_visits"),
            sa.func.max(v.c.local_date).label("last_verified_date"),
        )
        .where(
            v.c.local_date.between(since, window_end),
            effective_condition(v, min_dwell_s),
            v.c.customer_id.in_(
                sa.select(c.c.id).select_from(customers_with_owner()).where(*conds)
            ),
        )
        .group_by(v.c.customer_id)
        .subquery("verified")
    )
    stmt = (
        sa.select(
            c.c.id.label("customer_id"),
            c.c.name,
            c.c.city,
            c.c.grade,
            c.c.owner_rep_id,
            owner.c.name.label("owner_name"),
            owner.c.team_id,
            owner_team.c.name.label("team_name"),
            owner_team.c.region_id,
            sa.func.coalesce(agg.c.verified_visits, 0).label("verified_visits"),
            agg.c.last_verified_date,
        )
        .select_from(customers_with_owner().outerjoin(agg, agg.c.customer_id == c.c.id))
        .where(*conds)
        .order_by(c.c.id)
    )
    frames.no_jit(conn)
    frame = frames.frame(conn, stmt)
    frame["verified_visits"] = frame["verified_visits"].fillna(0).astype("int64")
    return frame


def fetch_customer_compliance(
    conn: Connection,
    *,
    window_start: date,
    window_end: date,
    required: Mapping[str, int],
    history_start: date,
    scope: Scope,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
    with_below: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (counts, below) for the customers in scope whose grade is a key of ``required``
    (``below`` empty unless ``with_below``: the counts alone are one cheap aggregate).

    Verified visits (by any rep) are counted per customer inside [window_start, window_end].

    - ``counts``: team_id, team_name (the owner's team), grade, verified_visits and customers
      (how many customers have them), with verified_visits capped at ``max(required)``: enough
      to judge any grade's rule, and few rows;
    - ``below``: the customers whose verified visits are below ``required[grade]`` (customer_id,
      name, city, grade, owner_rep_id, owner_name, team_id, team_name, region_id,
      verified_visits, last_verified_date: the latest verified visit in [history_start,
      window_end], None when there is none), by customer id.

    Customers are in scope through their owner rep's current team and region.
    """
    if not required:
        raise ValueError("required: give the visits required of at least one grade")
    cap = max(int(n) for n in required.values())
    conds = customer_conditions(scope, region=region, team=team, rep=rep)
    in_scope = (*conds, c.c.grade.in_(sorted(required)))
    # Plain joins to the tables, not a CTE of the customers: the planner then knows how many
    # customers are in scope and scans the window of the verified-visit index for many of them,
    # or probes it per customer for a few.
    verified = (
        sa.select(v.c.customer_id, sa.func.count().label("n"))
        .select_from(customers_with_owner(v.join(c, c.c.id == v.c.customer_id)))
        .where(
            v.c.local_date.between(window_start, window_end),
            effective_condition(v, min_dwell_s),
            *in_scope,
        )
        .group_by(v.c.customer_id)
        .subquery("ver")
    )
    judged = (
        sa.select(
            c.c.id,
            c.c.name,
            c.c.city,
            c.c.grade,
            c.c.owner_rep_id,
            owner.c.name.label("owner_name"),
            owner.c.team_id,
            owner_team.c.name.label("team_name"),
            owner_team.c.region_id,
            sa.func.coalesce(verified.c.n, 0).label("verified_visits"),
        )
        .select_from(customers_with_owner().outerjoin(verified, verified.c.customer_id == c.c.id))
        .where(*in_scope)
        .cte("judged")
    )
    j = judged.c
    capped = sa.case((j.verified_visits > cap, cap), else_=j.verified_visits)
    counts_stmt = sa.select(
        sa.literal_column("'count'", sa.String).label("kind"),
        j.team_id,
        j.team_name,
        j.grade,
        capped.label("verified_visits"),
        sa.func.count().label("customers"),
        *(sa.cast(sa.null(), sa.String).label(name) for name in _BELOW_ONLY[:-1]),
        sa.cast(sa.null(), sa.Date).label("last_verified_date"),
    ).group_by(j.team_id, j.team_name, j.grade, capped)
    v2 = v.alias("v2")
    last_verified = (
        sa.select(sa.func.max(v2.c.local_date))
        .where(
            v2.c.customer_id == j.id,
            v2.c.local_date.between(history_start, window_end),
            effective_condition(v2, min_dwell_s),
        )
        .scalar_subquery()
    )
    threshold = sa.case(
        *((j.grade == grade, int(visits)) for grade, visits in sorted(required.items())),
        else_=0,
    )
    below_stmt = sa.select(
        sa.literal_column("'below'", sa.String).label("kind"),
        j.team_id,
        j.team_name,
        j.grade,
        j.verified_visits,
        sa.literal_column("1").label("customers"),
        j.id.label("customer_id"),
        j.name,
        j.city,
        j.owner_rep_id,
        j.owner_name,
        j.region_id,
        last_verified.label("last_verified_date"),
    ).where(j.verified_visits < threshold)
    # The counts branch comes first: its typed NULL date types the union's column.
    stmt = sa.union_all(counts_stmt, below_stmt) if with_below else counts_stmt
    frames.no_jit(conn)
    result = conn.execute(stmt)
    names = list(result.keys())
    rows = result.all()
    count_rows = [row for row in rows if row[0] == "count"]
    below_rows = sorted((row for row in rows if row[0] == "below"), key=lambda row: row[6])

    def frame(rows: list[Any], columns: Sequence[str]) -> pd.DataFrame:
        values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        data = {name: list(values[names.index(name)]) for name in columns}
        out = pd.DataFrame(data, columns=list(columns))
        out["verified_visits"] = np.asarray(data["verified_visits"], dtype="int64")
        return out

    counts = frame(count_rows, ("team_id", "team_name", "grade", "verified_visits", "customers"))
    counts["customers"] = counts["customers"].astype("int64")
    below = frame(
        below_rows,
        (
            "customer_id",
            "name",
            "city",
            "grade",
            "owner_rep_id",
            "owner_name",
            "team_id",
            "team_name",
            "region_id",
            "verified_visits",
            "last_verified_date",
        ),
    )
    return counts, below


_BELOW_ONLY = (
    "customer_id",
    "name",
    "city",
    "owner_rep_id",
    "owner_name",
    "region_id",
    "last_verified_date",
)

"""Customers (contract §5): the scoped customer list with its visit rhythm, one customer's
records, orphans, the owner history, and the writes of a handover.

Every read that picks customers for someone takes a ``Scope`` and applies it through
``data_access.scope.customer_home_conditions`` (the owner's region; an ownerless customer's last
region). An effective visit is ``data_access.facts.effective_condition``, the KPI definition;
visits by any rep count. Reads keyed by an id a scoped read returned take no scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.facts import DEFAULT_MIN_DWELL_S, effective_condition, required_steps_per_template
from data_access.frames import chunks
from data_access.scope import (
    Scope,
    customer_home_conditions,
    customer_home_region,
    customers_with_owner,
    owner,
    owner_team,
    rep_conditions,
)

c = schema.customers
v = schema.visits
a = schema.alerts
o = schema.orders
r = schema.reps
t = schema.teams
h = schema.customer_owner_history

# Alerts still waiting for a decision.
OPEN_ALERT_STATUSES = ("open", "acknowledged")
# Status order of the list: what needs attention first.
STATUS_ORDER = ("overdue", "never", "due", "on_rhythm")
SORTS = ("status", "name", "last_visit", "orders", "grade", "id")

# The columns of a customer list row (``fetch_customers``).
LIST_COLUMNS = (
    "id",
    "name",
    "city",
    "address",
    "grade",
    "grade_locked",
    "active",
    "created",
    "first_seen",
    "contact_name",
    "contact_phone",
    "lat",
    "lon",
    "owner_rep_id",
    "owner_name",
    "owner_active",
    "team_id",
    "team_name",
    "region_id",
    "last_visit",
    "visits_28d",
    "status",
    "open_alerts",
    "orders_90d",
)


def _stored_is_current(conn: Connection, today: date, min_dwell_s: float) -> bool:
    """Whether no customer's stored last effective visit lies after ``today`` (then the stored
    column alone is the answer: one look-up of its index).

    When it is not, each row may run a look-up of its visits, which the planner prices high
    enough to compile the statement (PostgreSQL's JIT, seconds at 150,000 customers, for a
    look-up most rows skip): JIT is then off until the transaction ends."""
    if float(min_dwell_s) == DEFAULT_MIN_DWELL_S:
        latest = conn.execute(sa.select(sa.func.max(c.c.last_effective_visit))).scalar()
        if latest is None or latest <= today:
            return True
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")
    return False


def _last_visit(today: date, min_dwell_s: float, *, current: bool) -> sa.ColumnElement[Any]:
    """The customer's last effective visit on or before ``today`` (any rep) on
    ``customers_with_owner()``: the stored ``customers.last_effective_visit`` (kept at ingest)
    when it is on or before ``today``; computed from the visits for a customer whose stored
    date lies after ``today`` (a day asked about in the past) and for a threshold other than
    the stored one's. ``current``: no stored date lies after ``today``
    (``_stored_is_current``), the stored column is the answer."""
    computed = (
        sa.select(sa.func.max(v.c.local_date))
        .where(
            v.c.customer_id == c.c.id,
            v.c.local_date <= today,
            effective_condition(v, min_dwell_s),
        )
        .correlate(c)
        .scalar_subquery()
    )
    if float(min_dwell_s) != DEFAULT_MIN_DWELL_S:
        return computed
    stored = c.c.last_effective_visit
    if current:
        return stored
    return sa.case((stored > sa.literal(today, sa.Date), computed), else_=stored)


def _listed(
    *,
    scope: Scope,
    today: date,
    cutoffs: Mapping[str, tuple[date, date]],
    min_dwell_s: float,
    current: bool,
    white_since: date | None = None,
) -> sa.Subquery:
    """One narrow row per customer in scope: master data, owner, last visit and status (no
    aggregate over visits, alerts or orders: ``_figures`` adds those to a page's rows).
    ``white_since``: also ``white`` (1 for an active customer without an effective visit on or
    after that date, else 0)."""
    last = _last_visit(today, min_dwell_s, current=current)
    due_cut = sa.case(
        *((c.c.grade == grade, sa.literal(cut[0], sa.Date)) for grade, cut in cutoffs.items()),
        else_=sa.literal(today, sa.Date),
    )
    overdue_cut = sa.case(
        *((c.c.grade == grade, sa.literal(cut[1], sa.Date)) for grade, cut in cutoffs.items()),
        else_=sa.literal(today, sa.Date),
    )
    inner = (
        sa.select(
            c.c.id,
            c.c.name,
            c.c.city,
            c.c.address,
            c.c.grade,
            c.c.grade_locked,
            c.c.active,
            c.c.created,
            c.c.first_seen,
            c.c.contact_name,
            c.c.contact_phone,
            c.c.lat,
            c.c.lon,
            c.c.owner_rep_id,
            owner.c.name.label("owner_name"),
            owner.c.active.label("owner_active"),
            owner.c.team_id,
            owner_team.c.name.label("team_name"),
            customer_home_region().label("region_id"),
            last.label("last_visit"),
            due_cut.label("due_cut"),
            overdue_cut.label("overdue_cut"),
        )
        .select_from(customers_with_owner())
        .where(*customer_home_conditions(scope))
        .subquery("narrow")
    )
    n = inner.c
    status = sa.case(
        (n.last_visit.is_(None), "never"),
        (n.last_visit <= n.overdue_cut, "overdue"),
        (n.last_visit <= n.due_cut, "due"),
        else_="on_rhythm",
    )
    extra = []
    if white_since is not None:
        white = sa.and_(
            n.active.is_(True), sa.or_(n.last_visit.is_(None), n.last_visit < white_since)
        )
        extra.append(sa.case((white, 1), else_=0).label("white"))
    return sa.select(
        *(col for col in n if col.name not in ("due_cut", "overdue_cut")),
        status.label("status"),
        *extra,
    ).subquery("listed")


def _orders_of(*, today: date, orders_since: date, customer_ids: Any = None) -> sa.Subquery:
    """customer_id → amount of the orders of visits from ``orders_since`` to ``today``
    (of the customers ``customer_ids``, a list or a subquery of ids, when given)."""
    conds = [v.c.local_date.between(orders_since, today)]
    if customer_ids is not None:
        conds.append(v.c.customer_id.in_(customer_ids))
    return (
        sa.select(v.c.customer_id, sa.cast(sa.func.sum(o.c.amount), sa.Float).label("amount"))
        .select_from(o.join(v, v.c.id == o.c.visit_id))
        .where(*conds)
        .group_by(v.c.customer_id)
        .subquery("ordered")
    )


def _figures(
    conn: Connection,
    ids: Sequence[str],
    *,
    today: date,
    window_start: date,
    orders_since: date,
    min_dwell_s: float,
) -> dict[str, tuple[int, int, float]]:
    """id → (effective visits from ``window_start`` to ``today``, open alerts, order amount
    from ``orders_since`` to ``today``) of the customers ``ids`` (absent: all zero)."""
    out: dict[str, list[Any]] = {}

    def add(stmt: sa.Select, slot: int) -> None:
        for key, value in conn.execute(stmt):
            out.setdefault(key, [0, 0, 0.0])[slot] = value

    for chunk in chunks(sorted(set(ids)), 5000):
        add(
            sa.select(v.c.customer_id, sa.func.count())
            .where(
                v.c.customer_id.in_(chunk),
                v.c.local_date.between(window_start, today),
                effective_condition(v, min_dwell_s),
            )
            .group_by(v.c.customer_id),
            0,
        )
        add(
            sa.select(a.c.customer_id, sa.func.count())
            .where(a.c.customer_id.in_(chunk), a.c.status.in_(OPEN_ALERT_STATUSES))
            .group_by(a.c.customer_id),
            1,
        )
        if conn.dialect.name == "postgresql":
            # The window's visits of these customers as an array first, so their orders are
            # read through the orders' visit index (a join reads every order: 6 × slower).
            w = v.alias("window_visits")
            visit_ids = sa.func.array(
                sa.select(w.c.id)
                .where(w.c.customer_id.in_(chunk), w.c.local_date.between(orders_since, today))
                .scalar_subquery()
            )
            add(
                sa.select(v.c.customer_id, sa.cast(sa.func.sum(o.c.amount), sa.Float))
                .select_from(o.join(v, v.c.id == o.c.visit_id))
                .where(o.c.visit_id == sa.any_(visit_ids))
                .group_by(v.c.customer_id),
                2,
            )
        else:
            ordered = _orders_of(today=today, orders_since=orders_since, customer_ids=chunk)
            add(sa.select(ordered.c.customer_id, ordered.c.amount), 2)
    return {
        key: (int(n28), int(n_alerts), float(amount or 0.0))
        for key, (n28, n_alerts, amount) in out.items()
    }


def _filter_conditions(
    x: Any,
    *,
    ids: Sequence[str] | None = None,
    grade: Sequence[str] | None = None,
    status: Sequence[str] | None = None,
    owner_rep_id: str | None = None,
    team_id: str | None = None,
    region_id: str | None = None,
    city: str | None = None,
    text: str | None = None,
    active: bool | None = True,
    orphans: bool = False,
    white_since: date | None = None,
) -> list[sa.ColumnElement[bool]]:
    """The list's filters as conditions on the columns ``x`` of ``_listed``."""
    conds: list[sa.ColumnElement[bool]] = []
    if ids is not None:
        conds.append(x.id.in_(sorted(set(ids))))
    if grade:
        conds.append(x.grade.in_(sorted(set(grade))))
    if status:
        conds.append(x.status.in_(sorted(set(status))))
    if owner_rep_id is not None:
        conds.append(x.owner_rep_id == owner_rep_id)
    if team_id is not None:
        conds.append(x.team_id == team_id)
    if region_id is not None:
        conds.append(x.region_id == region_id)
    if city is not None:
        conds.append(x.city == city)
    if text:
        needle = text.strip()
        conds.append(
            sa.or_(
                *(
                    col.icontains(needle, autoescape=True)
                    for col in (x.id, x.name, x.address, x.contact_name, x.contact_phone)
                )
            )
        )
    if active is not None:
        conds.append(x.active.is_(active))
    if orphans:
        conds += [x.active.is_(True), sa.or_(x.owner_name.is_(None), x.owner_active.is_(False))]
    if white_since is not None:
        # White space: active, and no effective visit on or after ``white_since``.
        conds += [
            x.active.is_(True),
            sa.or_(x.last_visit.is_(None), x.last_visit < white_since),
        ]
    return conds


def fetch_customers(conn: Connection, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
    """Return (one page of customers in scope matching the filters, how many match in all):
    ``fetch_customer_page`` without the white-space count."""
    rows, total, _counts = fetch_customer_page(conn, **kwargs)
    return rows, total


def fetch_customer_page(
    conn: Connection,
    *,
    scope: Scope,
    today: date,
    window_start: date,
    orders_since: date,
    cutoffs: Mapping[str, tuple[date, date]],
    ids: Sequence[str] | None = None,
    grade: Sequence[str] | None = None,
    status: Sequence[str] | None = None,
    owner_rep_id: str | None = None,
    team_id: str | None = None,
    region_id: str | None = None,
    city: str | None = None,
    text: str | None = None,
    active: bool | None = True,
    orphans: bool = False,
    white_since: date | None = None,
    count_white_since: date | None = None,
    sort: str = "status",
    limit: int | None = None,
    offset: int = 0,
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
    figures: bool = True,
) -> tuple[list[dict[str, Any]], int, dict[str, int] | None]:
    """Return (one page of customers in scope matching the filters, how many match in all,
    counts): the page of the scope's narrow rows (a top-N sort), then the page's figures by id.
    With ``count_white_since``, ``counts`` holds ``white`` (customers of the filter that are
    white space since that date), ``no_owner`` and ``inactive_owner`` (the scope's orphans,
    as ``fetch_orphan_counts``), all and the total in one aggregate; else None. Without
    ``figures``, visits_28d, open_alerts and orders_90d are not read (they are 0, 0, 0.0).

    Effective visits up to ``today`` count: ``visits_28d`` those on or after ``window_start``,
    ``last_visit`` the latest; ``status`` on_rhythm / due / overdue / never by ``cutoffs``
    (grade → the last-visit dates on or before which a customer is due, overdue);
    ``open_alerts`` its open or acknowledged alerts; ``orders_90d`` the amount of orders of
    visits from ``orders_since`` to ``today``. ``orphans``: only active customers whose owner
    is missing or inactive. ``white_since``: only active customers without an effective visit
    on or after that date. ``text`` matches id, name, address or contact (any case).
    """
    if sort not in SORTS:
        raise ValueError(f"sort: {sort!r} is not one of {', '.join(SORTS)}")
    listed = _listed(
        scope=scope,
        today=today,
        cutoffs=cutoffs,
        min_dwell_s=min_dwell_s,
        current=_stored_is_current(conn, today, min_dwell_s),
        white_since=count_white_since,
    )
    x = listed.c
    conds = _filter_conditions(
        x,
        ids=ids,
        grade=grade,
        status=status,
        owner_rep_id=owner_rep_id,
        team_id=team_id,
        region_id=region_id,
        city=city,
        text=text,
        active=active,
        orphans=orphans,
        white_since=white_since,
    )
    source: Any = listed
    amount: Any = None
    if sort == "orders":
        # The one order that needs every row's amount.
        ordered = _orders_of(
            today=today,
            orders_since=orders_since,
            customer_ids=sa.select(x.id).where(*conds).scalar_subquery(),
        )
        source = listed.outerjoin(ordered, ordered.c.customer_id == x.id)
        amount = sa.func.coalesce(ordered.c.amount, 0.0)
    rank = sa.case({s: i for i, s in enumerate(STATUS_ORDER)}, value=x.status, else_=9)
    order = {
        "status": (rank, x.grade, x.last_visit, x.name, x.id),
        "name": (x.name, x.id),
        # Never visited first on both dialects (NULL sorts differently on each).
        "last_visit": (sa.case((x.last_visit.is_(None), 0), else_=1), x.last_visit, x.id),
        "orders": (None if amount is None else amount.desc(), x.name, x.id),
        "grade": (x.grade, rank, x.name, x.id),
        "id": (x.id,),
    }[sort]
    columns = [x[name] for name in LIST_COLUMNS if name in x]
    if limit is None:
        stmt = sa.select(*columns).select_from(source).where(*conds).order_by(*order)
        rows = [dict(row) for row in conn.execute(stmt).mappings()]
    else:
        # Sort the narrowest rows (the id and what the filter and the order read: the planner
        # drops the owner joins nothing reads), then read the page's rows by id.
        page = (
            sa.select(x.id)
            .select_from(source)
            .where(*conds)
            .order_by(*order)
            .limit(limit)
            .offset(offset)
        )
        ids_in_order = list(conn.execute(page).scalars())
        found = {
            row["id"]: dict(row)
            for row in conn.execute(sa.select(*columns).where(x.id.in_(ids_in_order))).mappings()
        }
        rows = [found[cid] for cid in ids_in_order]
    counts: dict[str, int] | None = None
    if count_white_since is not None:
        # The total, the white space of the filter and the orphans of the scope in one
        # aggregate over the scope's rows (no sort).
        match = sa.and_(sa.true(), *conds)
        orphan = sa.and_(x.active.is_(True), x.owner_rep_id.is_not(None))
        got = conn.execute(
            sa.select(
                sa.func.sum(sa.case((match, 1), else_=0)),
                sa.func.sum(sa.case((match, x.white), else_=0)),
                sa.func.sum(
                    sa.case((sa.and_(x.active.is_(True), x.owner_rep_id.is_(None)), 1), else_=0)
                ),
                sa.func.sum(sa.case((sa.and_(orphan, x.owner_active.is_(False)), 1), else_=0)),
            ).select_from(listed)
        ).one()
        total = int(got[0] or 0)
        counts = {
            "white": int(got[1] or 0),
            "no_owner": int(got[2] or 0),
            "inactive_owner": int(got[3] or 0),
        }
    elif offset == 0 and (limit is None or len(rows) < limit):
        total = len(rows)  # the page holds the whole filter
    else:
        total = int(
            conn.execute(sa.select(sa.func.count()).select_from(listed).where(*conds)).scalar_one()
        )
    counted = _figures(
        conn,
        [row["id"] for row in rows] if figures else [],
        today=today,
        window_start=window_start,
        orders_since=orders_since,
        min_dwell_s=min_dwell_s,
    )
    for row in rows:
        row.pop("white", None)
        row["visits_28d"], row["open_alerts"], row["orders_90d"] = counted.get(
            row["id"], (0, 0, 0.0)
        )
        row["owner_active"] = None if row["owner_active"] is None else bool(row["owner_active"])
    return rows, total, counts


def _cell_index(conn: Connection, column: Any, origin: float, cell_deg: float) -> Any:
    """floor((column - origin) / cell_deg) as an integer, on either dialect (SQLite's CAST
    truncates, which is floor for the non-negative values ``origin`` makes; PostgreSQL's
    rounds, so it floors first)."""
    scaled = (column - origin) / cell_deg
    if conn.dialect.name == "sqlite":
        return sa.cast(scaled, sa.Integer)
    return sa.cast(sa.func.floor(scaled), sa.Integer)


def fetch_customer_map(
    conn: Connection,
    *,
    scope: Scope,
    today: date,
    window_start: date,
    orders_since: date,
    cutoffs: Mapping[str, tuple[date, date]],
    white_since: date,
    white_only: bool = False,
    bounds: tuple[float, float, float, float] | None,
    max_points: int,
    cell_deg: float,
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
    **filters: Any,
) -> dict[str, Any]:
    """The customers of the filter with a position (inside ``bounds`` = south, west, north,
    east when given) for a map: ``{"total", "mode": "points", "points": [...]}`` when at most
    ``max_points`` match, else ``{"total", "mode": "cells", "cells": [...]}`` grouped in SQL
    by cells of ``cell_deg`` degrees (count, mean position, count per status, white space =
    active and no effective visit on or after ``white_since``; ``white_only``: only those);
    ``extent`` is (south, west, north, east) of the customers counted, None without any."""
    listed = _listed(
        scope=scope,
        today=today,
        cutoffs=cutoffs,
        min_dwell_s=min_dwell_s,
        current=_stored_is_current(conn, today, min_dwell_s),
    )
    x = listed.c
    conds = _filter_conditions(x, white_since=white_since if white_only else None, **filters)
    conds += [x.lat.is_not(None), x.lon.is_not(None)]
    if bounds is not None:
        south, west, north, east = bounds
        conds += [x.lat.between(south, north), x.lon.between(west, east)]
    counted = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.min(x.lat),
            sa.func.min(x.lon),
            sa.func.max(x.lat),
            sa.func.max(x.lon),
        )
        .select_from(listed)
        .where(*conds)
    ).one()
    total = int(counted[0])
    extent = None if total == 0 else tuple(float(v) for v in counted[1:])
    white = sa.and_(x.active.is_(True), sa.or_(x.last_visit.is_(None), x.last_visit < white_since))
    if total <= max_points:
        stmt = (
            sa.select(
                x.id,
                x.name,
                x.lat,
                x.lon,
                x.grade,
                x.status,
                x.owner_name,
                sa.case((white, True), else_=False).label("white"),
            )
            .where(*conds)
            .order_by(x.id)
        )
        points = [dict(row) for row in conn.execute(stmt).mappings()]
        for row in points:
            row["white"] = bool(row["white"])
        return {"total": total, "extent": extent, "mode": "points", "points": points}
    row_i = _cell_index(conn, x.lat, -90.0, cell_deg).label("i")
    col_j = _cell_index(conn, x.lon, -180.0, cell_deg).label("j")
    inner = (
        sa.select(row_i, col_j, x.lat, x.lon, x.status, sa.case((white, 1), else_=0).label("w"))
        .where(*conds)
        .subquery("placed")
    )
    p = inner.c
    stmt = (
        sa.select(
            p.i,
            p.j,
            sa.func.count().label("n"),
            sa.cast(sa.func.avg(p.lat), sa.Float).label("lat"),
            sa.cast(sa.func.avg(p.lon), sa.Float).label("lon"),
            sa.func.sum(p.w).label("white"),
            *(
                sa.func.sum(sa.case((p.status == name, 1), else_=0)).label(name)
                for name in STATUS_ORDER
            ),
        )
        .group_by(p.i, p.j)
        .order_by(p.i, p.j)
    )
    cells = []
    for row in conn.execute(stmt).mappings():
        cells.append(
            {
                "n": int(row["n"]),
                "lat": float(row["lat"]),
                "lon": float(row["lon"]),
                "white": int(row["white"] or 0),
                "status": {name: int(row[name] or 0) for name in STATUS_ORDER},
                "bounds": (
                    -90.0 + int(row["i"]) * cell_deg,
                    -180.0 + int(row["j"]) * cell_deg,
                    -90.0 + (int(row["i"]) + 1) * cell_deg,
                    -180.0 + (int(row["j"]) + 1) * cell_deg,
                ),
            }
        )
    return {"total": total, "extent": extent, "mode": "cells", "cells": cells}


def fetch_cities(conn: Connection, *, scope: Scope) -> list[str]:
    """The cities of the customers in scope, sorted (the list's city filter)."""
    stmt = (
        sa.select(c.c.city)
        .distinct()
        .select_from(customers_with_owner())
        .where(*customer_home_conditions(scope))
        .order_by(c.c.city)
    )
    return list(conn.execute(stmt).scalars())


# ------------------------------------------------------------------ one customer


def fetch_owner_history(conn: Connection, *, customer_id: str) -> list[dict[str, Any]]:
    """The customer's owner changes, oldest first, with the reps' names."""
    fr, to = r.alias("from_rep"), r.alias("to_rep")
    stmt = (
        sa.select(
            h.c.id,
            h.c.from_rep_id,
            fr.c.name.label("from_rep_name"),
            h.c.to_rep_id,
            to.c.name.label("to_rep_name"),
            h.c.changed_at,
            h.c.changed_by,
            h.c.reason,
            h.c.source,
        )
        .select_from(
            h.outerjoin(fr, fr.c.id == h.c.from_rep_id).outerjoin(to, to.c.id == h.c.to_rep_id)
        )
        .where(h.c.customer_id == customer_id)
        .order_by(h.c.changed_at, h.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_customer_visits(
    conn: Connection,
    *,
    customer_id: str,
    limit: int = 200,
    min_dwell_s: float = DEFAULT_MIN_DWELL_S,
) -> list[dict[str, Any]]:
    """The customer's visits (by any rep), newest first: rep, times, distance, whether
    effective, order amount, photo count, and the SOP outcome (sop_required: distinct required
    steps of the visit's template, sop_done: those done ok; the KPI layer's definition)."""
    p = schema.photos
    s, ts = schema.sop_steps, schema.sop_template_steps
    req = required_steps_per_template()
    done = (
        sa.select(sa.func.count(sa.distinct(s.c.step)))
        .select_from(
            s.join(
                ts,
                sa.and_(
                    ts.c.template_id == v.c.sop_template_id,
                    ts.c.code == s.c.step,
                    ts.c.required.is_(True),
                ),
            )
        )
        .where(s.c.visit_id == v.c.id, s.c.ok.is_(True))
        .correlate(v)
        .scalar_subquery()
    )
    orders = (
        sa.select(o.c.visit_id, sa.cast(sa.func.sum(o.c.amount), sa.Float).label("amount"))
        .group_by(o.c.visit_id)
        .subquery("visit_orders")
    )
    photos = (
        sa.select(p.c.visit_id, sa.func.count().label("n")).group_by(p.c.visit_id).subquery("vp")
    )
    stmt = (
        sa.select(
            v.c.id.label("visit_id"),
            v.c.rep_id,
            r.c.name.label("rep_name"),
            r.c.timezone,
            v.c.ts,
            v.c.local_date,
            v.c.checked_out_at,
            v.c.dwell_s,
            v.c.checkin_distance_m,
            v.c.geofence_limit_m,
            v.c.sop_template_id,
            sa.case((effective_condition(v, min_dwell_s), True), else_=False).label("effective"),
            sa.func.coalesce(orders.c.amount, 0.0).label("order_amount"),
            sa.func.coalesce(photos.c.n, 0).label("photos"),
            sa.func.coalesce(req.c.n_required, 0).label("sop_required"),
            done.label("sop_done"),
        )
        .select_from(
            v.outerjoin(r, r.c.id == v.c.rep_id)
            .outerjoin(orders, orders.c.visit_id == v.c.id)
            .outerjoin(photos, photos.c.visit_id == v.c.id)
            .outerjoin(req, req.c.template_id == v.c.sop_template_id)
        )
        .where(v.c.customer_id == customer_id)
        .order_by(v.c.ts.desc(), v.c.id)
        .limit(limit)
    )
    rows = [dict(row) for row in conn.execute(stmt).mappings()]
    for row in rows:
        row["effective"] = bool(row["effective"])
        row["order_amount"] = float(row["order_amount"])
        row["photos"] = int(row["photos"])
        row["sop_required"] = int(row["sop_required"] or 0)
        row["sop_done"] = int(row["sop_done"] or 0)
    return rows


def fetch_customer_orders(conn: Connection, *, customer_id: str) -> list[dict[str, Any]]:
    """The customer's orders per local date of their visits: local_date, orders, amount."""
    stmt = (
        sa.select(
            v.c.local_date,
            sa.func.count().label("orders"),
            sa.cast(sa.func.sum(o.c.amount), sa.Float).label("amount"),
        )
        .select_from(o.join(v, v.c.id == o.c.visit_id))
        .where(v.c.customer_id == customer_id)
        .group_by(v.c.local_date)
        .order_by(v.c.local_date)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_customer_alerts(
    conn: Connection, *, customer_id: str, open_only: bool = True, limit: int = 200
) -> list[dict[str, Any]]:
    """The customer's alerts (open or acknowledged ones only by default), newest first."""
    stmt = (
        sa.select(
            a.c.id,
            a.c.rule,
            a.c.severity,
            a.c.rep_id,
            a.c.ts,
            a.c.local_date,
            a.c.visit_id,
            a.c.status,
            a.c.summary,
            a.c.customer_id,
            a.c.evidence,
        )
        .where(a.c.customer_id == customer_id)
        .order_by(a.c.ts.desc(), a.c.id)
        .limit(limit)
    )
    if open_only:
        stmt = stmt.where(a.c.status.in_(OPEN_ALERT_STATUSES))
    return [dict(row) for row in conn.execute(stmt).mappings()]


# ------------------------------------------------------------------ handover


def fetch_rep_in_scope(
    conn: Connection, *, rep_id: str, scope: Scope, lock: bool = False
) -> dict[str, Any] | None:
    """A rep in scope (id, name, active, team, region, timezone), or None when the rep is
    unknown or outside the scope. ``lock``: hold the row until the transaction ends."""
    stmt = (
        sa.select(
            r.c.id,
            r.c.name,
            r.c.active,
            r.c.team_id,
            t.c.name.label("team_name"),
            t.c.region_id,
            r.c.timezone,
        )
        .select_from(r.join(t, t.c.id == r.c.team_id))
        .where(*rep_conditions(scope, rep=rep_id))
    )
    if lock:
        stmt = stmt.with_for_update(of=r)
    row = conn.execute(stmt).mappings().first()
    return None if row is None else dict(row)


def fetch_owned_customers(conn: Connection, *, rep_id: str) -> list[dict[str, Any]]:
    """The customers a rep owns (id, name, city, grade, active), by id."""
    stmt = (
        sa.select(c.c.id, c.c.name, c.c.city, c.c.grade, c.c.active)
        .where(c.c.owner_rep_id == rep_id)
        .order_by(c.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_customers_in_scope(
    conn: Connection, *, ids: Iterable[str], scope: Scope
) -> dict[str, dict[str, Any]]:
    """id → (id, name, owner_rep_id, active, region_id) of the customers among ``ids`` that are
    in scope (unknown and out-of-scope ids are absent alike)."""
    out: dict[str, dict[str, Any]] = {}
    conds = customer_home_conditions(scope)
    for chunk in chunks(sorted(set(ids)), 5000):
        stmt = (
            sa.select(
                c.c.id,
                c.c.name,
                c.c.owner_rep_id,
                c.c.active,
                customer_home_region().label("region_id"),
            )
            .select_from(customers_with_owner())
            .where(c.c.id.in_(chunk), *conds)
        )
        out.update({row["id"]: dict(row) for row in conn.execute(stmt).mappings()})
    return out


def fetch_open_plans(conn: Connection, *, rep_id: str, since: date) -> list[dict[str, Any]]:
    """The rep's plans dated ``since`` or later (id, date, customer_ids), by date."""
    p = schema.plans
    stmt = (
        sa.select(p.c.id, p.c.date, p.c.customer_ids)
        .where(p.c.rep_id == rep_id, p.c.date >= since)
        .order_by(p.c.date, p.c.id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def set_customer_owner(
    conn: Connection,
    *,
    customer_ids: Sequence[str],
    to_rep_id: str,
    region_id: str | None,
    now: datetime,
) -> int:
    """Make ``to_rep_id`` the owner of the customers (and their region the rep's); return how
    many rows changed."""
    changed = 0
    for chunk in chunks(sorted(set(customer_ids)), 5000):
        result = conn.execute(
            c.update()
            .where(c.c.id.in_(chunk))
            .values(owner_rep_id=to_rep_id, region_id=region_id, updated_at=now)
        )
        changed += result.rowcount
    return changed


def move_plans(conn: Connection, *, plan_ids: Sequence[str], to_rep_id: str, now: datetime) -> int:
    """Give the plans (and their stops) to ``to_rep_id``; return how many plans moved."""
    p, items = schema.plans, schema.plan_items
    moved = 0
    for chunk in chunks(sorted(set(plan_ids)), 5000):
        moved += conn.execute(
            p.update().where(p.c.id.in_(chunk)).values(rep_id=to_rep_id, updated_at=now)
        ).rowcount
        conn.execute(items.update().where(items.c.plan_id.in_(chunk)).values(rep_id=to_rep_id))
    return moved


def deactivate_rep(conn: Connection, *, rep_id: str, now: datetime) -> None:
    """Mark a rep inactive (their past stays theirs)."""
    conn.execute(r.update().where(r.c.id == rep_id).values(active=False, updated_at=now))


def fetch_orphan_counts(conn: Connection, *, scope: Scope) -> dict[str, int]:
    """How many active customers in scope have no owner, and how many an inactive one."""
    stmt = (
        sa.select(
            sa.func.sum(sa.case((c.c.owner_rep_id.is_(None), 1), else_=0)),
            sa.func.sum(sa.case((owner.c.active.is_(False), 1), else_=0)),
        )
        .select_from(customers_with_owner())
        .where(c.c.active.is_(True), *customer_home_conditions(scope))
    )
    missing, inactive = conn.execute(stmt).one()
    return {"no_owner": int(missing or 0), "inactive_owner": int(inactive or 0)}


def fetch_reps_in_scope(
    conn: Connection, *, scope: Scope, active_only: bool = False
) -> list[dict[str, Any]]:
    """The reps in scope (id, name, active, team_id, team_name, region_id), by name and id."""
    stmt = (
        sa.select(
            r.c.id,
            r.c.name,
            r.c.active,
            r.c.team_id,
            t.c.name.label("team_name"),
            t.c.region_id,
        )
        .select_from(r.join(t, t.c.id == r.c.team_id))
        .where(*rep_conditions(scope, active_only=active_only))
        .order_by(r.c.name, r.c.id)
    )
    rows = [dict(row) for row in conn.execute(stmt).mappings()]
    for row in rows:
        row["active"] = bool(row["active"])
    return rows


# ------------------------------------------------------------------ last effective visit


def refresh_last_effective_visits(
    conn: Connection, customer_ids: Iterable[str] | None = None
) -> int:
    """Set ``customers.last_effective_visit`` of the customers ``customer_ids`` (None: every
    customer, the rebuild) from their visits: the latest local date of an effective visit
    (contract §5, ``effective_condition`` at the default dwell; any rep), None without any.
    Recomputed, not maxed, so a visit that stops being effective (an earlier check-out that
    arrives later shortens its dwell) moves the date back. Return how many customers were set.

    On PostgreSQL the customers' rows are locked first (in id order), and the update, a later
    statement, then reads the visits every concurrent ingest committed before it got the lock:
    two ingests of one customer's visits never leave the older date behind.
    """
    if customer_ids is None:
        wanted = sorted(conn.execute(sa.select(c.c.id)).scalars())
    else:
        wanted = sorted(set(customer_ids))
    latest = (
        sa.select(sa.func.max(v.c.local_date))
        .where(v.c.customer_id == c.c.id, effective_condition(v, DEFAULT_MIN_DWELL_S))
        .correlate(c)
        .scalar_subquery()
    )
    done = 0
    for chunk in chunks(wanted, 5000):
        if conn.dialect.name == "postgresql":
            conn.execute(
                sa.select(c.c.id).where(c.c.id.in_(chunk)).order_by(c.c.id).with_for_update()
            ).all()
        done += conn.execute(
            c.update().where(c.c.id.in_(chunk)).values(last_effective_visit=latest)
        ).rowcount
    return done

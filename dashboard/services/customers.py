"""Customers (contract §5): the customer list, one customer's profile, orphans, the handover of
a leaving rep's customers, and the customer export.

Every function takes the caller's ``Scope`` (``dashboard.services.users.scope_of(user)``): a
manager sees and moves the customers and reps of their regions only, and a customer or rep
outside the scope answers exactly as an unknown id does. The visit rhythm follows the frequency
settings (``visits_per_28d_a/b/c``, ``frequency_grace_days``) of the one settings store.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Engine

from dashboard import geo
from dashboard.contract import zone
from dashboard.frequency import STATUSES, FrequencyConfig, due_dates
from dashboard.rules.integrity import visit_integrity
from dashboard.services.settings import frequency_config_of
from data_access import alerts as alert_store
from data_access import customers as store
from data_access import records
from data_access import tasks as task_store
from data_access.scope import Scope

# Orders of the list: the amount over this many days up to today.
ORDERS_DAYS = 90
# The most rows one list call returns (a grid pages on the server past it).
MAX_PAGE = 1000
# White space: an active customer with no effective visit in this many days up to today.
WHITE_SPACE_DAYS = 60
# The map: individual points up to this many in view, else cells grouped on the server.
MAP_MAX_POINTS = 2000
# A map cell spans about this many screen pixels at the zoom asked for (256 px tiles).
MAP_CELL_PX = 64
EXPORT_FIELDS = (
    "id",
    "name",
    "city",
    "grade",
    "grade_locked",
    "owner_rep_id",
    "active",
    "last_visit",
    "status",
)
HANDOVER_SOURCES = ("ingest", "handover", "person")


class CustomerNotFound(LookupError):
    """No such customer in the caller's scope (unknown and out-of-scope ids alike)."""


class HandoverRefused(ValueError):
    """A handover or reassignment was refused and nothing changed; the message says why,
    naming the argument."""


@dataclass(frozen=True)
class CustomerPage:
    """One page of the customer list: its rows, how many customers match in all, the page."""

    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    @property
    def capped(self) -> bool:
        """Whether more customers match than this page shows ("showing N of M")."""
        return self.offset + len(self.rows) < self.total


def _rhythm_args(config: FrequencyConfig, today: date) -> dict[str, Any]:
    return {
        "today": today,
        "window_start": today - timedelta(days=27),
        "orders_since": today - timedelta(days=ORDERS_DAYS - 1),
        "cutoffs": config.cutoffs(today),
    }


def _decorate(rows: list[dict[str, Any]], config: FrequencyConfig) -> list[dict[str, Any]]:
    """Add the rule (required_28d), the base date of the rhythm and the due/overdue dates."""
    for row in rows:
        grade = row["grade"]
        row["required_28d"] = config.required(grade)
        base = row["last_visit"] or row["created"] or row["first_seen"]
        row["rhythm_from"] = base
        row["due_on"], row["overdue_on"] = (
            (None, None) if base is None else due_dates(base, grade, config)
        )
        row["orphan"] = bool(row["active"]) and not row["owner_active"]
    return rows


def _check_filters(status: Sequence[str] | None, limit: int, offset: int) -> None:
    unknown = sorted(set(status or ()) - set(STATUSES))
    if unknown:
        raise ValueError(f"status: {unknown[0]!r} is not one of {', '.join(STATUSES)}")
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit: {limit} is outside 1..{MAX_PAGE}")
    if offset < 0:
        raise ValueError(f"offset: {offset} is negative")


def list_customers(
    engine: Engine,
    scope: Scope,
    *,
    today: date,
    grade: Sequence[str] | None = None,
    status: Sequence[str] | None = None,
    owner_rep_id: str | None = None,
    team_id: str | None = None,
    region_id: str | None = None,
    city: str | None = None,
    text: str | None = None,
    active: bool | None = True,
    orphans: bool = False,
    white_space: bool = False,
    sort: str = "status",
    limit: int = 500,
    offset: int = 0,
) -> CustomerPage:
    """The customers of the scope matching the filters, one page at a time, on local date
    ``today``.

    Each row: id, name, city, address, grade, grade_locked, active, created, first_seen,
    contact_name, contact_phone, lat, lon, owner_rep_id, owner_name, owner_active, team_id,
    team_name, region_id, last_visit (the latest effective visit, by any rep), visits_28d (in
    the 28 days to today) and required_28d (the grade's rule), status (on_rhythm, due,
    overdue, never), rhythm_from / due_on / overdue_on (dates; a never visited customer counts
    from created, else first_seen), open_alerts, orders_90d (CNY), orphan. Sorted by ``sort``
    (status: overdue, never, due, on rhythm; then grade and the oldest last visit).
    ``white_space``: only active customers without an effective visit in the last
    ``WHITE_SPACE_DAYS`` days (today included).
    """
    _check_filters(status, limit, offset)
    rows, total, _white = _fetch(
        engine,
        scope,
        today=today,
        grade=grade,
        status=status,
        owner_rep_id=owner_rep_id,
        team_id=team_id,
        region_id=region_id,
        city=city,
        text=text,
        active=active,
        orphans=orphans,
        white_space=white_space,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return CustomerPage(rows, total, limit, offset)


def _fetch(
    engine: Engine,
    scope: Scope,
    *,
    today: date,
    white_space: bool,
    count_white: bool = False,
    **filters: Any,
) -> tuple[list[dict[str, Any]], int, dict[str, int] | None]:
    """The decorated rows of ``store.fetch_customer_page``, its total and (``count_white``) its
    counts (white space of the filter, orphans of the scope), under the stored frequency rules
    (the one path of the list and the export)."""
    since = white_space_since(today)
    with engine.connect() as conn:
        config = frequency_config_of(conn)
        rows, total, counts = store.fetch_customer_page(
            conn,
            scope=scope,
            **_rhythm_args(config, today),
            white_since=since if white_space else None,
            count_white_since=since if count_white else None,
            **filters,
        )
    return _decorate(rows, config), total, counts


def white_space_since(today: date) -> date:
    """The first day of the white-space window: a customer with no effective visit on or after
    it (``WHITE_SPACE_DAYS`` days up to ``today``) is white space."""
    return today - timedelta(days=WHITE_SPACE_DAYS - 1)


def customer_list(
    engine: Engine,
    scope: Scope,
    *,
    today: date,
    limit: int = 500,
    grade: Sequence[str] | None = None,
    status: Sequence[str] | None = None,
    owner_rep_id: str | None = None,
    city: str | None = None,
    text: str | None = None,
    white_space: bool = False,
) -> dict[str, Any]:
    """What the customer page shows above its map: ``rows`` (the first ``limit`` of the filter,
    most urgent first), ``total`` (every customer of the filter), ``white_space`` (how many
    active customers of the filter, without its white-space switch, had no effective visit in
    ``WHITE_SPACE_DAYS`` days) and ``orphans`` (no_owner, inactive_owner in the scope)."""
    filters = {
        "grade": grade,
        "status": status,
        "owner_rep_id": owner_rep_id,
        "city": city,
        "text": text,
    }
    _check_filters(status, limit, 0)
    # The page, then its total, the white-space count of the filter and the orphans of the
    # scope in one aggregate (with the white-space switch on, the filter's rows are all white
    # space: the count then runs without that switch).
    rows, total, counts = _fetch(
        engine,
        scope,
        today=today,
        white_space=white_space,
        count_white=True,
        limit=limit,
        **filters,
    )
    counts = counts or {"white": 0, "no_owner": 0, "inactive_owner": 0}
    return {
        "rows": rows,
        "total": total,
        "white_space": counts["white"],
        "orphans": {"no_owner": counts["no_owner"], "inactive_owner": counts["inactive_owner"]},
    }


def customer_export(
    engine: Engine,
    scope: Scope,
    *,
    today: date,
    grade: Sequence[str] | None = None,
    status: Sequence[str] | None = None,
    owner_rep_id: str | None = None,
    city: str | None = None,
    text: str | None = None,
    white_space: bool = False,
) -> list[dict[str, Any]]:
    """Every customer of the filter (no cap; the rows of ``list_customers``), for the page's
    CSV/XLSX export."""
    _check_filters(status, 1, 0)
    rows, _total, _white = _fetch(
        engine,
        scope,
        today=today,
        grade=grade,
        status=status,
        owner_rep_id=owner_rep_id,
        city=city,
        text=text,
        white_space=white_space,
    )
    return rows


def map_bounds(value: Any) -> tuple[float, float, float, float] | None:
    """A Leaflet bounds value ``[[south, west], [north, east]]`` as (south, west, north, east),
    clamped to the globe; None for anything else (the whole scope is then in view)."""
    try:
        (south, west), (north, east) = value
        box = [float(south), float(west), float(north), float(east)]
    except (TypeError, ValueError):
        return None
    if any(v != v or v in (float("inf"), float("-inf")) for v in box):
        return None
    south, north = sorted((max(-90.0, min(90.0, box[0])), max(-90.0, min(90.0, box[2]))))
    west, east = sorted((max(-180.0, min(180.0, box[1])), max(-180.0, min(180.0, box[3]))))
    return south, west, north, east


def cell_degrees(zoom: Any) -> float:
    """The side of a map cell in degrees at a zoom (about ``MAP_CELL_PX`` screen pixels; zoom
    4 when unknown)."""
    try:
        level = max(0, min(18, int(zoom)))
    except (TypeError, ValueError):
        level = 4
    return 360.0 * MAP_CELL_PX / (256 * 2**level)


def customer_map(
    engine: Engine,
    scope: Scope,
    *,
    today: date,
    bounds: tuple[float, float, float, float] | None = None,
    zoom: Any = None,
    max_points: int = MAP_MAX_POINTS,
    grade: Sequence[str] | None = None,
    status: Sequence[str] | None = None,
    owner_rep_id: str | None = None,
    city: str | None = None,
    text: str | None = None,
    white_space: bool = False,
    tile_crs: str = "wgs84",
) -> dict[str, Any]:
    """The customers of the filter in view (``bounds`` = south, west, north, east; None: all)
    for the coverage map, light enough at any zoom: ``{"total", "mode": "points", "points"}``
    (id, name, lat, lon, grade, status, owner_name, white) when at most ``max_points`` are in
    view, else ``{"total", "mode": "cells", "cells"}`` counted by the database per grid cell
    (``cell_degrees(zoom)``): n, mean lat/lon, white, status counts, the cell's bounds.
    ``white_space`` (only customers without an effective visit in ``WHITE_SPACE_DAYS`` days)
    as in ``list_customers``; ``cell_deg``, ``white_space_since`` and ``extent`` (south,
    west, north, east of the customers in view, at least 0.02° a side; None without any) are
    returned too. ``tile_crs`` (wgs84, gcj02, bd09): the datum of the base map's tiles; the
    bounds are read in it and every position returned is given in it (the customers are stored
    in WGS-84)."""
    _check_filters(status, 1, 0)
    if tile_crs not in geo.SUPPORTED_CRS:
        raise ValueError(f"tile_crs: {tile_crs!r} is not one of {', '.join(geo.SUPPORTED_CRS)}")
    if not 1 <= max_points <= 20_000:
        raise ValueError(f"max_points: {max_points} is outside 1..20000")
    cell_deg = cell_degrees(zoom)
    since = white_space_since(today)
    with engine.connect() as conn:
        config = frequency_config_of(conn)
        result = store.fetch_customer_map(
            conn,
            scope=scope,
            **_rhythm_args(config, today),
            white_since=since,
            white_only=white_space,
            bounds=None if bounds is None else _bounds_to_wgs84(bounds, tile_crs),
            max_points=max_points,
            cell_deg=cell_deg,
            grade=grade,
            status=status,
            owner_rep_id=owner_rep_id,
            city=city,
            text=text,
        )
    result["cell_deg"] = cell_deg
    result["white_space_since"] = since
    if result["extent"] is not None:
        # At least about a kilometre each way, so one customer does not zoom the map to a
        # street.
        south, west, north, east = result["extent"]
        pad = max(0.0, 0.01 - (north - south) / 2), max(0.0, 0.01 - (east - west) / 2)
        result["extent"] = (south - pad[0], west - pad[1], north + pad[0], east + pad[1])
    if tile_crs != "wgs84":
        _to_display_crs(result, tile_crs)
    return result


def _bounds_to_wgs84(
    bounds: tuple[float, float, float, float], crs: str
) -> tuple[float, float, float, float]:
    """A (south, west, north, east) box of the map in ``crs`` as the WGS-84 box of its
    corners (the datum's offset is a near-translation over a viewport)."""
    if crs == "wgs84":
        return bounds
    south, west, north, east = bounds
    corners = [geo.to_wgs84(la, lo, crs) for la in (south, north) for lo in (west, east)]
    lats, lons = [p[0] for p in corners], [p[1] for p in corners]
    return min(lats), min(lons), max(lats), max(lons)


def _box_from_wgs84(
    box: tuple[float, float, float, float], crs: str
) -> tuple[float, float, float, float]:
    south, west, north, east = box
    corners = [geo.from_wgs84(la, lo, crs) for la in (south, north) for lo in (west, east)]
    lats, lons = [p[0] for p in corners], [p[1] for p in corners]
    return min(lats), min(lons), max(lats), max(lons)


def _to_display_crs(result: dict[str, Any], crs: str) -> None:
    """Every position of a ``customer_map`` result from WGS-84 to ``crs``, in place."""
    for point in result.get("points", ()):
        point["lat"], point["lon"] = geo.from_wgs84(point["lat"], point["lon"], crs)
    for cell in result.get("cells", ()):
        cell["lat"], cell["lon"] = geo.from_wgs84(cell["lat"], cell["lon"], crs)
        cell["bounds"] = _box_from_wgs84(cell["bounds"], crs)
    if result["extent"] is not None:
        result["extent"] = _box_from_wgs84(result["extent"], crs)
    result["crs"] = crs


def list_orphans(
    engine: Engine, scope: Scope, *, today: date, limit: int = 500, offset: int = 0
) -> CustomerPage:
    """Active customers of the scope whose owner is missing or inactive (contract §5), most
    urgent first. A manager sees the orphans of their regions (an ownerless customer by the
    region it last had)."""
    return list_customers(engine, scope, today=today, orphans=True, limit=limit, offset=offset)


def rebuild_last_visits(engine: Engine, customer_ids: Sequence[str] | None = None) -> int:
    """Recompute the stored last effective visit of the customers (None: all) from their
    visits, e.g. after loading visits outside ingest; return how many customers were set."""
    with engine.begin() as conn:
        return store.refresh_last_effective_visits(conn, customer_ids)


def city_options(engine: Engine, scope: Scope) -> list[str]:
    """The cities of the scope's customers (for the list's city filter)."""
    with engine.connect() as conn:
        return store.fetch_cities(conn, scope=scope)


def customer_profile(
    engine: Engine, scope: Scope, customer_id: str, *, today: date, visits: int = 200
) -> dict[str, Any]:
    """One customer: ``customer`` (the list row: master data, owner, rhythm figures),
    ``owner_history`` (oldest first, with names, who, why and source), ``visits`` (newest
    first, at most ``visits``: rep, times, dwell, distance, effective, integrity score and the
    rules fired, order amount, photos, ``replay`` = (rep_id, local date, HH:MM) of the moment),
    ``orders`` (amount per local date) and ``alerts`` (open and acknowledged).

    Raises CustomerNotFound for an unknown id and for a customer outside the scope alike.
    """
    with engine.connect() as conn:
        config = frequency_config_of(conn)
        rows, _ = store.fetch_customers(
            conn, scope=scope, **_rhythm_args(config, today), ids=[customer_id], active=None
        )
        if not rows:
            raise CustomerNotFound(f"customer {customer_id!r} not found")
        history = store.fetch_owner_history(conn, customer_id=customer_id)
        timeline = store.fetch_customer_visits(conn, customer_id=customer_id, limit=visits)
        rules = alert_store.fetch_visit_rules(conn, [row["visit_id"] for row in timeline])
        orders = store.fetch_customer_orders(conn, customer_id=customer_id)
        alerts = store.fetch_customer_alerts(conn, customer_id=customer_id)
    for visit in timeline:
        score, fired = visit_integrity(rules.get(visit["visit_id"], []))
        visit["integrity"] = score
        visit["rules"] = fired
        local = visit["ts"].astimezone(zone(visit.pop("timezone") or "Asia/Shanghai"))
        visit["replay"] = (visit["rep_id"], visit["local_date"], local.strftime("%H:%M"))
    return {
        "customer": _decorate(rows, config)[0],
        "owner_history": history,
        "visits": timeline,
        "orders": orders,
        "alerts": alerts,
    }


# ------------------------------------------------------------------ handover


@dataclass
class HandoverPlan:
    """What a handover moves (the preview), or moved."""

    from_rep: dict[str, Any]
    to_rep: dict[str, Any]
    customers: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    deactivate: bool
    today: date
    warnings: list[str] = field(default_factory=list)
    # The leaving rep's open visit tasks of the moving customers (contract §5): they move too.
    tasks: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-ready: who to whom, the customer ids, the plan ids and dates, deactivation."""
        return {
            "from": self.from_rep["id"],
            "to": self.to_rep["id"],
            "customers": [row["id"] for row in self.customers],
            "plans": [{"id": p["id"], "date": p["date"].isoformat()} for p in self.plans],
            "tasks": [t["id"] for t in self.tasks],
            "deactivated": self.deactivate,
            "from_date": self.today.isoformat(),
            "warnings": self.warnings,
        }


def _plan_handover(
    conn: Connection,
    scope: Scope,
    *,
    from_rep: str,
    to_rep: str,
    customers: Sequence[str] | None,
    deactivate: bool,
    now: datetime,
    lock: bool = False,
    same_region: bool = False,
) -> HandoverPlan:
    """Check a handover against the stored data and say what it moves; raise HandoverRefused.
    ``same_region``: a target in another region than the leaving rep is refused (a manager's
    handover from the cockpit)."""
    if not isinstance(scope, Scope):
        raise TypeError(f"scope must be a Scope, not {type(scope).__name__}")
    if scope.read_only:
        raise HandoverRefused("scope: a read-only user cannot hand customers over")
    if from_rep == to_rep:
        raise HandoverRefused(f"to: {to_rep!r} is the leaving rep itself")
    # Both reps are locked in one order, so two handovers between the same reps never
    # deadlock, and a concurrent deactivation of the target waits for this one.
    found: dict[str, dict[str, Any] | None] = {}
    for rep_id in sorted((from_rep, to_rep)):
        found[rep_id] = store.fetch_rep_in_scope(conn, rep_id=rep_id, scope=scope, lock=lock)
    source, target = found[from_rep], found[to_rep]
    if source is None:
        raise HandoverRefused(f"from: unknown rep {from_rep!r}")
    if target is None:
        raise HandoverRefused(f"to: unknown rep {to_rep!r}")
    if not target["active"]:
        raise HandoverRefused(f"to: rep {to_rep!r} is inactive; hand over to an active rep")
    if same_region and target["region_id"] != source["region_id"]:
        raise HandoverRefused(
            f"to: rep {to_rep!r} works in region {target['region_id']!r}, rep {from_rep!r} in "
            f"{source['region_id']!r}; pick a rep of the same region"
        )
    owned = store.fetch_owned_customers(conn, rep_id=from_rep)
    if customers is None:
        moving = owned
    else:
        wanted = list(dict.fromkeys(customers))
        if not wanted:
            raise HandoverRefused("customers: the list is empty (omit it to move them all)")
        mine = {row["id"]: row for row in owned}
        strangers = [cid for cid in wanted if cid not in mine]
        if strangers:
            raise HandoverRefused(
                f"customers: {strangers[0]!r} is not a customer of rep {from_rep!r}"
                + (f" (nor are {len(strangers) - 1} more)" if len(strangers) > 1 else "")
            )
        moving = [mine[cid] for cid in wanted]
    today = now.astimezone(zone(source["timezone"])).date()
    # A rep's day plans go along when all of their customers do, or when the rep leaves.
    plans = (
        store.fetch_open_plans(conn, rep_id=from_rep, since=today)
        if customers is None or deactivate
        else []
    )
    warnings = []
    if target["region_id"] != source["region_id"]:
        warnings.append(
            f"rep {to_rep!r} works in region {target['region_id']!r}, "
            f"rep {from_rep!r} in {source['region_id']!r}"
        )
    if not moving and not plans:
        warnings.append(f"rep {from_rep!r} owns no customer and has no open plan")
    # The open tasks of the moving customers (an inactive owner's have no rep), and when
    # every customer moves, the rep's other open tasks too.
    open_tasks = task_store.fetch_open_tasks_of(
        conn,
        rep_id=from_rep,
        customer_ids=[row["id"] for row in moving],
        all_of_rep=customers is None,
    )
    return HandoverPlan(source, target, moving, plans, deactivate, today, warnings, open_tasks)


def handover_preview(
    engine: Engine,
    scope: Scope,
    *,
    from_rep: str,
    to_rep: str,
    customers: Sequence[str] | None = None,
    deactivate: bool = False,
    now: datetime,
    same_region: bool = False,
) -> HandoverPlan:
    """What ``handover`` with these arguments would move, changing nothing (raises
    HandoverRefused as it would)."""
    with engine.connect() as conn:
        return _plan_handover(
            conn,
            scope,
            from_rep=from_rep,
            to_rep=to_rep,
            customers=customers,
            deactivate=deactivate,
            now=now,
            same_region=same_region,
        )


def _by(by: str) -> str:
    if not by or not str(by).strip():
        raise HandoverRefused("by: the name of who hands over is required")
    return str(by).strip()[:64]


def handover(
    engine: Engine,
    scope: Scope,
    *,
    from_rep: str,
    to_rep: str,
    customers: Sequence[str] | None = None,
    deactivate: bool = False,
    by: str,
    reason: str | None = None,
    now: datetime,
    same_region: bool = False,
) -> HandoverPlan:
    """Move a rep's customers (all, or the listed ones) to another rep in one transaction
    (contract §5), with the open visit tasks of those customers, and their open plans from the
    leaving rep's today on when all customers move or the rep is deactivated; optionally
    deactivate the leaving rep.

    Writes one owner-history row per customer (source "handover", ``by``, ``reason``) and one
    audit event (``status_events``, subject "rep"). The leaving rep's visits, tracks, claims
    and alerts stay theirs. Refused with HandoverRefused, changing nothing, for an unknown,
    out-of-scope or inactive target, an unknown or out-of-scope source, a listed customer the
    source does not own, and a read-only scope.
    """
    actor = _by(by)
    with engine.begin() as conn:
        plan = _plan_handover(
            conn,
            scope,
            from_rep=from_rep,
            to_rep=to_rep,
            customers=customers,
            deactivate=deactivate,
            now=now,
            lock=True,
            same_region=same_region,
        )
        ids = [row["id"] for row in plan.customers]
        store.set_customer_owner(
            conn,
            customer_ids=ids,
            to_rep_id=to_rep,
            region_id=plan.to_rep["region_id"],
            now=now,
        )
        records.add_owner_history(
            conn,
            [
                {
                    "customer_id": cid,
                    "from_rep_id": from_rep,
                    "to_rep_id": to_rep,
                    "changed_at": now,
                    "changed_by": actor,
                    "reason": reason,
                    "source": "handover",
                }
                for cid in ids
            ],
        )
        store.move_plans(conn, plan_ids=[p["id"] for p in plan.plans], to_rep_id=to_rep, now=now)
        task_store.move_open_tasks(
            conn,
            customer_ids=ids,
            to_rep_id=to_rep,
            region_id=plan.to_rep["region_id"],
            now=now,
            from_rep_id=from_rep if customers is None else None,
        )
        # The planned-stop KPIs of both reps' days change.
        records.mark_rep_days_dirty(
            conn, {(rep, p["date"]) for p in plan.plans for rep in (from_rep, to_rep)}
        )
        if deactivate and plan.from_rep["active"]:
            store.deactivate_rep(conn, rep_id=from_rep, now=now)
        alert_store.insert_status_event(
            conn,
            subject_kind="rep",
            subject_id=from_rep,
            at=now,
            actor=actor,
            action="handover",
            from_status="active" if plan.from_rep["active"] else "inactive",
            to_status="inactive"
            if deactivate
            else ("active" if plan.from_rep["active"] else "inactive"),
            assigned_to=to_rep,
            note=json.dumps(
                {
                    "customers": len(ids),
                    "plans": len(plan.plans),
                    "tasks": len(plan.tasks),
                    "deactivated": deactivate,
                    "reason": reason,
                },
                ensure_ascii=False,
            ),
        )
    return plan


def assign_customers(
    engine: Engine,
    scope: Scope,
    *,
    customer_ids: Sequence[str],
    to_rep: str,
    by: str,
    reason: str | None = None,
    now: datetime,
) -> list[str]:
    """Give customers of the scope (orphans without an owner, or anyone's) to an active rep
    of the scope, by a person: one owner-history row each (source "person"); return the ids
    whose owner changed. Refused (nothing changed) for an unknown or out-of-scope customer or
    rep, an inactive rep, an empty list and a read-only scope."""
    actor = _by(by)
    if scope.read_only:
        raise HandoverRefused("scope: a read-only user cannot reassign customers")
    wanted = list(dict.fromkeys(customer_ids))
    if not wanted:
        raise HandoverRefused("customers: the list is empty")
    with engine.begin() as conn:
        target = store.fetch_rep_in_scope(conn, rep_id=to_rep, scope=scope, lock=True)
        if target is None:
            raise HandoverRefused(f"to: unknown rep {to_rep!r}")
        if not target["active"]:
            raise HandoverRefused(f"to: rep {to_rep!r} is inactive; assign to an active rep")
        found = store.fetch_customers_in_scope(conn, ids=wanted, scope=scope)
        missing = [cid for cid in wanted if cid not in found]
        if missing:
            raise HandoverRefused(f"customers: customer {missing[0]!r} not found")
        changing = [cid for cid in wanted if found[cid]["owner_rep_id"] != to_rep]
        store.set_customer_owner(
            conn, customer_ids=changing, to_rep_id=to_rep, region_id=target["region_id"], now=now
        )
        # Their open visit tasks (an orphan's has no owner yet) go to the new owner too.
        task_store.move_open_tasks(
            conn, customer_ids=changing, to_rep_id=to_rep, region_id=target["region_id"], now=now
        )
        records.add_owner_history(
            conn,
            [
                {
                    "customer_id": cid,
                    "from_rep_id": found[cid]["owner_rep_id"],
                    "to_rep_id": to_rep,
                    "changed_at": now,
                    "changed_by": actor,
                    "reason": reason,
                    "source": "person",
                }
                for cid in changing
            ],
        )
    return changing


# ------------------------------------------------------------------ a rep's handover from the page


def rep_holding(engine: Engine, scope: Scope, *, rep_id: str, now: datetime) -> dict[str, Any]:
    """What a rep of the scope holds and a handover of all their customers would move:
    ``rep`` (id, name, active, team, region, timezone), ``customers`` (owned), ``plans`` (open
    from the rep's today on) and ``tasks`` (open: their customers' and their own). Raises
    HandoverRefused for an unknown or out-of-scope rep."""
    with engine.connect() as conn:
        rep = store.fetch_rep_in_scope(conn, rep_id=rep_id, scope=scope)
        if rep is None:
            raise HandoverRefused(f"from: unknown rep {rep_id!r}")
        owned = store.fetch_owned_customers(conn, rep_id=rep_id)
        today = now.astimezone(zone(rep["timezone"])).date()
        plans = store.fetch_open_plans(conn, rep_id=rep_id, since=today)
        tasks = task_store.fetch_open_tasks_of(
            conn, rep_id=rep_id, customer_ids=[row["id"] for row in owned], all_of_rep=True
        )
    return {"rep": rep, "customers": owned, "plans": plans, "tasks": tasks, "today": today}


def handover_targets(
    engine: Engine, scope: Scope, *, from_rep: str, same_region: bool = False
) -> list[dict[str, Any]]:
    """The reps a handover of ``from_rep`` may go to: active reps of the scope but the rep
    itself, with ``same_region`` only those of the rep's region (a manager's); none for an
    unknown or out-of-scope rep. Rows as ``rep_choices``."""
    with engine.connect() as conn:
        source = store.fetch_rep_in_scope(conn, rep_id=from_rep, scope=scope)
        if source is None:
            return []
        reps = store.fetch_reps_in_scope(conn, scope=scope, active_only=True)
    return [
        rep
        for rep in reps
        if rep["id"] != from_rep and (not same_region or rep["region_id"] == source["region_id"])
    ]


def _reason(reason: Any) -> str:
    text = str(reason or "").strip()
    if not text:
        raise HandoverRefused("reason: say why the customers are handed over (required)")
    return text[:500]


def preview_rep_handover(
    engine: Engine,
    scope: Scope,
    *,
    from_rep: str,
    to_rep: str,
    reason: Any,
    deactivate: bool = False,
    same_region: bool = False,
    now: datetime,
) -> HandoverPlan:
    """What ``hand_over_rep`` would move (every customer of ``from_rep``, their open plans
    from today and their open tasks), changing nothing; raises HandoverRefused as it would
    (a missing reason or target, and every refusal of ``handover``)."""
    _reason(reason)
    if not to_rep:
        raise HandoverRefused("to: pick the receiving rep")
    return handover_preview(
        engine,
        scope,
        from_rep=from_rep,
        to_rep=to_rep,
        deactivate=deactivate,
        same_region=same_region,
        now=now,
    )


def hand_over_rep(
    engine: Engine,
    scope: Scope,
    *,
    from_rep: str,
    to_rep: str,
    reason: Any,
    by: str,
    deactivate: bool = False,
    same_region: bool = False,
    now: datetime,
) -> HandoverPlan:
    """Hand every customer of ``from_rep`` over to ``to_rep`` from a rep's page, with a
    required reason: ``handover`` (one transaction, owner history, audit event), checked
    again on the server (``same_region`` for a manager)."""
    why = _reason(reason)
    if not to_rep:
        raise HandoverRefused("to: pick the receiving rep")
    return handover(
        engine,
        scope,
        from_rep=from_rep,
        to_rep=to_rep,
        deactivate=deactivate,
        by=by,
        reason=why,
        now=now,
        same_region=same_region,
    )


# ------------------------------------------------------------------ orphans from the page


def rep_choices(engine: Engine, scope: Scope, *, active_only: bool = False) -> list[dict[str, Any]]:
    """The reps of the scope (id, name, active, team_id, team_name, region_id), by name: the
    owner filter of the list, and the receiving reps of a handover (``active_only``)."""
    with engine.connect() as conn:
        return store.fetch_reps_in_scope(conn, scope=scope, active_only=active_only)


@dataclass(frozen=True)
class OrphanHandover:
    """What handing orphans to a rep moves (the preview), or moved."""

    to_rep: dict[str, Any]
    customers: list[dict[str, Any]]


def _orphan_plan(
    conn: Connection, scope: Scope, customer_ids: Sequence[str], to_rep: str, same_region: bool
) -> OrphanHandover:
    if scope.read_only:
        raise HandoverRefused("scope: a read-only user cannot hand customers over")
    wanted = list(dict.fromkeys(str(cid) for cid in customer_ids or ()))
    if not wanted:
        raise HandoverRefused("customers: pick at least one orphan")
    if not to_rep:
        raise HandoverRefused("to: pick the receiving rep")
    target = store.fetch_rep_in_scope(conn, rep_id=to_rep, scope=scope)
    if target is None:
        raise HandoverRefused(f"to: unknown rep {to_rep!r}")
    if not target["active"]:
        raise HandoverRefused(f"to: rep {to_rep!r} is inactive; hand over to an active rep")
    found = store.fetch_customers_in_scope(conn, ids=wanted, scope=scope)
    missing = [cid for cid in wanted if cid not in found]
    if missing:
        raise HandoverRefused(f"customers: customer {missing[0]!r} not found")
    if same_region:
        away = [cid for cid in wanted if found[cid]["region_id"] != target["region_id"]]
        if away:
            raise HandoverRefused(
                f"to: rep {to_rep!r} works in region {target['region_id']!r}, customer "
                f"{away[0]!r} in {found[away[0]]['region_id']!r}; pick a rep of its region"
            )
    return OrphanHandover(target, [found[cid] for cid in wanted])


def orphan_handover_preview(
    engine: Engine,
    scope: Scope,
    *,
    customer_ids: Sequence[str],
    to_rep: str,
    same_region: bool = False,
) -> OrphanHandover:
    """What ``hand_over_orphans`` would move, changing nothing; raises HandoverRefused as it
    would (read-only scope, no customer or rep picked, an unknown, out-of-scope or inactive
    rep, an unknown or out-of-scope customer, with ``same_region`` a rep of another region)."""
    with engine.connect() as conn:
        return _orphan_plan(conn, scope, customer_ids, to_rep, same_region)


def hand_over_orphans(
    engine: Engine,
    scope: Scope,
    *,
    customer_ids: Sequence[str],
    to_rep: str,
    by: str,
    now: datetime,
    same_region: bool = False,
    reason: str | None = None,
) -> list[str]:
    """Give customers (orphans picked on the page) to an active rep of the scope, checked as
    ``orphan_handover_preview`` checks them, through ``assign_customers`` (owner history, one
    transaction); return the ids whose owner changed."""
    with engine.connect() as conn:
        plan = _orphan_plan(conn, scope, customer_ids, to_rep, same_region)
    return assign_customers(
        engine,
        scope,
        customer_ids=[row["id"] for row in plan.customers],
        to_rep=to_rep,
        by=by,
        reason=reason,
        now=now,
    )


# ------------------------------------------------------------------ export


def export_rows(engine: Engine, *, today: date, scope: Scope | None = None) -> list[dict[str, Any]]:
    """Every customer of the scope (default: everyone) as contract §5's export object:
    id, name, city, grade, grade_locked, owner_rep_id, active, last_visit (ISO date or None),
    status (on_rhythm, due, overdue, never, on local date ``today``), by id."""
    with engine.connect() as conn:
        config = frequency_config_of(conn)
        rows, _ = store.fetch_customers(
            conn,
            scope=Scope.system() if scope is None else scope,
            **_rhythm_args(config, today),
            active=None,
            sort="id",
            figures=False,  # the export's object holds no visit, alert or order figure
        )
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "city": row["city"],
            "grade": row["grade"],
            "grade_locked": bool(row["grade_locked"]),
            "owner_rep_id": row["owner_rep_id"],
            "active": bool(row["active"]),
            "last_visit": None if row["last_visit"] is None else row["last_visit"].isoformat(),
            "status": row["status"],
        }
        for row in rows
    ]


def company_today(timezone: str, *, now: datetime | None = None) -> date:
    """Today's local date in the company's time zone (the CLI's and API's "today")."""
    return (now or datetime.now(UTC)).astimezone(zone(timezone)).date()

"""The wall screen: one snapshot of every panel for a view, and the signed wall links that let a
kiosk device show it without a password.

A view is ``national`` or ``region:<id>``; the viewer's region scope (a manager's regions, a wall
link's regions) always applies on top of it. KPIs come from the KPI services and their stores
(``dashboard.services.kpis``; ``data_access.facts``, ``coverage`` and ``kpis``), so the wall and
the overview never disagree.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from dashboard import kpis as core
from dashboard import privacy as privacy_grid
from dashboard.filters import Filters
from dashboard.geo import haversine_m
from dashboard.services import kpis, position_privacy
from dashboard.services.settings import load_frequency_config
from dashboard.services.users import User, scope_of
from data_access import coverage as coverage_store
from data_access import kpis as kpi_store
from data_access import wall as store
from data_access.scope import Scope

STATES = ("visiting", "driving", "idle", "offline")
REASONS = ("power_off", "location_permission_revoked", "network_lost", "app_killed")
MAX_TICKER = 12
TEAMS_SHOWN = 5
# A-grade coverage moves slowly (28-day window); recompute it at most this often per scope.
COVERAGE_TTL_S = 300.0
# The month's team ranking: the same, for two minutes.
RANKING_TTL_S = 120.0


class WallError(ValueError):
    """A wall view, option or link request was refused; the message says why."""


@dataclass(frozen=True)
class WallConfig:
    """Thresholds of the rep states."""

    # No fix for this long (or none today): offline.
    offline_after: timedelta = timedelta(minutes=15)
    # Latest fix moving at least this fast (reported speed or from the previous fix): driving.
    driving_mps: float = 2.0


@dataclass(frozen=True)
class View:
    """A wall view: the whole company or one region."""

    kind: str  # "national" | "region"
    region_id: str | None = None

    @property
    def key(self) -> str:
        return "national" if self.kind == "national" else f"region:{self.region_id}"


_REGION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def parse_view(text: str) -> View:
    """Read ``national`` or ``region:<id>``."""
    text = (text or "").strip()
    if text == "national":
        return View("national")
    if text.startswith("region:") and _REGION_ID.match(text[7:] or "-") and text[7:]:
        return View("region", text[7:])
    raise WallError(f"view: {text!r} is not 'national' or 'region:<id>'")


def parse_views(text: str) -> list[View]:
    """Read a comma-separated list of views (at least one)."""
    views = [parse_view(part) for part in (text or "").split(",") if part.strip()]
    if not views:
        raise WallError("views: name at least one view ('national' or 'region:<id>')")
    return views


# ------------------------------------------------------------------ rep states (pure)


def rep_state(
    position: dict[str, Any],
    open_visit: dict[str, Any] | None,
    event: dict[str, Any] | None,
    *,
    now: datetime,
    config: WallConfig = WallConfig(),
) -> tuple[str, str | None]:
    """Return (state, offline reason) of a rep from its latest fixes, open visit and device event.

    visiting: an open check-in (no check-out) is the rep's latest visit of the day;
    offline: no fix within ``offline_after`` (reason = latest device event kind when it is one of
    ``REASONS``, else "unknown"); driving: the latest fix moves at ``driving_mps`` or more;
    idle: otherwise.
    """
    ts = position.get("ts")
    if open_visit is not None and ts is not None and now - ts <= config.offline_after:
        return "visiting", None
    if ts is None or now - ts > config.offline_after:
        kind = (event or {}).get("kind")
        return "offline", kind if kind in REASONS else "unknown"
    if open_visit is not None:
        return "visiting", None
    speed = position.get("speed_mps")
    if speed is None and position.get("prev_ts") is not None:
        seconds = (ts - position["prev_ts"]).total_seconds()
        if seconds > 0:
            moved = haversine_m(
                position["prev_lat"], position["prev_lon"], position["lat"], position["lon"]
            )
            speed = moved / seconds
    if speed is not None and speed >= config.driving_mps:
        return "driving", None
    return "idle", None


# ------------------------------------------------------------------ snapshot


def _scope_and_region(user: User, view: View) -> tuple[Scope, str | None]:
    scope = scope_of(user)
    if view.kind == "region":
        if not scope.covers(view.region_id):
            raise WallError(f"view: region {view.region_id!r} is outside this viewer's scope")
        return scope, view.region_id
    return scope, None


_cache: dict[tuple, tuple[float, Any]] = {}
_cache_lock = threading.Lock()


def _cached(key: tuple, ttl_s: float, compute, *, use_cache: bool = True):
    """Return ``compute()``, reusing a result of the same key younger than ``ttl_s`` (per
    process; every wall showing the same view and scope shares it)."""
    if use_cache:
        with _cache_lock:
            hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < ttl_s:
            return hit[1]
    value = compute()
    with _cache_lock:
        if len(_cache) > 512:
            _cache.clear()
        _cache[key] = (time.monotonic(), value)
    return value


def a_grade_coverage(
    engine: Engine,
    scope: Scope,
    region: str | None,
    *,
    today: date,
    rules: core.FrequencyRules | None = None,
    use_cache: bool = True,
) -> dict[str, Any]:
    """Return A-grade customers in scope, how many had a verified visit in the current cycle
    (the A rule's window ending today), and how many meet the A rule (compliance; ``rules``
    default: the frequency settings in force)."""
    if rules is None:
        rules = load_frequency_config(engine).rules()

    def compute() -> dict[str, Any]:
        start, end = core.window_for(today, rules.window_days("A") or 28)
        with engine.connect() as conn:
            coverage = coverage_store.fetch_customer_coverage(
                conn,
                window_start=start,
                window_end=end,
                scope=scope,
                region=region,
                min_dwell_s=core.MIN_DWELL_S,
            )
        coverage = coverage[coverage["grade"] == "A"]
        grades = core.frequency_compliance(coverage, rules)
        row = grades[grades["grade"] == "A"].iloc[0]
        customers = int(row["customers"])
        covered = int((coverage["verified_visits"] > 0).sum())
        return {
            "customers": customers,
            "covered": covered,
            "covered_rate": core.ratio(covered, customers),
            "compliant": int(row["compliant"]),
            "compliant_rate": core.ratio(int(row["compliant"]), customers),
            "window_start": start.isoformat(),
            "window_end": end.isoformat(),
        }

    # Keyed by the regions only: every viewer of the same regions shares the result.
    key = ("coverage", engine.url, scope.region_ids, region, today, rules)
    return _cached(key, COVERAGE_TTL_S, compute, use_cache=use_cache)


def team_ranking(
    engine: Engine, user: User, month: Filters, *, use_cache: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the top and bottom teams of the month to date by verified visits per rep-day
    (``kpis.team_comparison``), recomputed at most every ``RANKING_TTL_S`` per scope."""

    def compute():
        teams = kpis.team_comparison(engine, user, month)
        top, bottom = core.rank_teams(teams, by="effective_per_rep_day", n=TEAMS_SHOWN)
        return _team_rows(top), _team_rows(bottom)

    key = ("ranking", engine.url, scope_of(user).region_ids, month)
    return _cached(key, RANKING_TTL_S, compute, use_cache=use_cache)


def _age_min(now: datetime, ts: datetime | None) -> int | None:
    return None if ts is None else max(0, int((now - ts).total_seconds() // 60))


def _team_rows(frame) -> list[dict[str, Any]]:
    return [
        {
            "team": row["team_name"],
            "value": None
            if core.is_missing(row["effective_per_rep_day"])
            else round(float(row["effective_per_rep_day"]), 2),
        }
        for _, row in frame.iterrows()
    ]


def snapshot(
    engine: Engine,
    user: User,
    view: View,
    *,
    now: datetime,
    timezone: str,
    privacy: bool = False,
    config: WallConfig = WallConfig(),
    use_cache: bool = True,
) -> dict[str, Any]:
    """Return every panel of a wall view at ``now`` as plain JSON-ready data.

    Keys: view, title, generated_at, reps (one per active rep in scope: lat, lon (None without
    a fix today), state, reason, label = rep name, or team name in privacy mode, team), counters
    (online, visiting, driving, idle, offline, reps, reasons), today (visits, planned,
    planned_done, plan_adherence, effective, effective_rate), coverage (A grade), alerts
    (critical open alerts, newest first: rule, who, place, age_min), expenses (claimed, at_risk,
    at_risk_rate this month), top_teams / bottom_teams (month to date, verified visits per
    rep-day).
    """
    if now.tzinfo is None:
        raise WallError("now: must be timezone-aware")
    scope, region = _scope_and_region(user, view)
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    day_start = datetime.combine(today, datetime.min.time(), zone).astimezone(UTC)
    month = Filters(period="mtd", start=today.replace(day=1), end=today, region=region)
    with engine.connect() as conn:
        positions = store.fetch_rep_positions(
            conn, since=day_start, until=now, scope=scope, region=region
        )
        open_visits = store.fetch_open_visits(conn, day=today, scope=scope, region=region)
        events = store.fetch_latest_device_events(
            conn, since=day_start - timedelta(hours=12), until=now, scope=scope, region=region
        )
        alerts = store.fetch_open_alerts(
            conn,
            severity="critical",
            since=today - timedelta(days=6),
            scope=scope,
            region=region,
            limit=MAX_TICKER,
        )
        names = store.fetch_region_names(conn, [region] if region else None)
    # Today's KPIs from today's facts; the month's ranking and the 28-day coverage move
    # slowly and are shared between refreshes for a few minutes.
    trend = kpis.trend(engine, user, replace(month, period="today", start=today), grain="day")
    rows = trend[trend["local_date"] == today]
    today_kpis = {
        key: None if rows.empty or core.is_missing(rows.iloc[0][key]) else rows.iloc[0][key]
        for key in core.KPI_KEYS
    }
    top, bottom = team_ranking(engine, user, month, use_cache=use_cache)
    with engine.connect() as conn:
        expenses = kpi_store.fetch_expense_totals(
            conn, start=month.start, end=month.end, scope=scope, region=region
        )

    # Reduced precision at the output edge (issue 20); the states above used the exact fixes.
    precision = position_privacy.precision_for(engine, user.role, wall_privacy=privacy)
    reps = []
    counters = dict.fromkeys(STATES, 0)
    reasons: dict[str, int] = {}
    for pos in positions:
        state, reason = rep_state(
            pos, open_visits.get(pos["rep_id"]), events.get(pos["rep_id"]), now=now, config=config
        )
        counters[state] += 1
        if reason:
            reasons[reason] = reasons.get(reason, 0) + 1
        visit = open_visits.get(pos["rep_id"]) if state == "visiting" else None
        lat, lon = pos["lat"], pos["lon"]
        if lat is not None and lon is not None:
            lat, lon = privacy_grid.snap(round(lat, 5), round(lon, 5), precision)
        reps.append(
            {
                "lat": lat,
                "lon": lon,
                "state": state,
                "reason": reason,
                "label": pos["team_name"] if privacy else pos["rep_name"],
                "team": pos["team_name"],
                "place": visit["customer_name"] if visit else None,
                "age_min": _age_min(now, pos["ts"]),
            }
        )
    online = counters["visiting"] + counters["driving"] + counters["idle"]
    title = "national" if view.kind == "national" else names.get(region, region)
    return {
        "view": view.key,
        "title": title,
        "generated_at": now.astimezone(UTC).isoformat(),
        "local_time": now.astimezone(zone).strftime("%H:%M"),
        "today_date": today.isoformat(),
        "reps": reps,
        "precision": precision,
        "counters": {**counters, "online": online, "reps": len(positions), "reasons": reasons},
        "today": {
            "visits": int(today_kpis["visits"] or 0),
            "planned": int(today_kpis["planned"] or 0),
            "planned_done": int(today_kpis["planned_done"] or 0),
            "plan_adherence": _float(today_kpis["plan_adherence"]),
            "effective": int(today_kpis["effective"] or 0),
            "effective_rate": _float(today_kpis["effective_rate"]),
        },
        "coverage": a_grade_coverage(engine, scope, region, today=today, use_cache=use_cache),
        "alerts": [
            {
                "rule": alert["rule"],
                "who": alert["team_name"]
                if privacy
                else f"{alert['rep_name']} · {alert['team_name']}",
                "place": alert["customer_name"] or alert["city"] or "",
                "age_min": _age_min(now, alert["ts"]),
            }
            for alert in alerts
        ],
        "expenses": {
            "claimed": round(float(expenses["claimed"]), 2),
            "at_risk": round(float(expenses["at_risk"]), 2),
            "at_risk_rate": _float(core.ratio(expenses["at_risk"], expenses["claimed"])),
        },
        "top_teams": top,
        "bottom_teams": bottom,
    }


def _float(value: Any) -> float | None:
    return None if value is None or core.is_missing(value) else round(float(value), 4)


# ------------------------------------------------------------------ wall links


@dataclass(frozen=True)
class WallLink:
    """A stored wall link (never its token)."""

    id: int
    name: str
    views: tuple[str, ...]
    regions: tuple[str, ...]
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "live" if now < self.expires_at else "expired"


def _to_link(row) -> WallLink:
    return WallLink(
        id=int(row["id"]),
        name=row["name"],
        views=tuple(v for v in row["views"].split(",") if v),
        regions=tuple(r for r in (row["regions"] or "").split(",") if r),
        created_by=row["created_by"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_DURATION = re.compile(r"^(\d{1,5})([mhdw])$")


def parse_duration(text: str) -> timedelta:
    """Read an expiry like ``90m``, ``12h``, ``30d`` or ``2w``."""
    match = _DURATION.match((text or "").strip())
    if not match or int(match.group(1)) == 0:
        raise WallError(f"expires: {text!r} is not a duration like 90m, 12h, 30d or 2w")
    n, unit = int(match.group(1)), match.group(2)
    return {
        "m": timedelta(minutes=n),
        "h": timedelta(hours=n),
        "d": timedelta(days=n),
        "w": timedelta(weeks=n),
    }[unit]


def create_link(
    engine: Engine,
    *,
    name: str,
    views: str,
    regions: tuple[str, ...] = (),
    expires_in: timedelta,
    created_by: str,
    now: datetime,
) -> tuple[WallLink, str]:
    """Create a wall link; return it and its token (only the token's hash is stored).

    Every ``region:<id>`` view must name a known region inside ``regions`` when regions are
    given; with regions, ``national`` shows those regions only.
    """
    if not name or len(name) > 64 or not re.match(r"^[A-Za-z0-9._@-]+$", name):
        raise WallError(f"name: {name!r} must be 1-64 letters, digits or . _ - @")
    parsed = parse_views(views)
    if expires_in <= timedelta(0):
        raise WallError("expires: must be in the future")
    regions = tuple(sorted(set(regions)))
    with engine.begin() as conn:
        known = set(store.fetch_region_names(conn, None))
        unknown = sorted(({v.region_id for v in parsed if v.region_id} | set(regions)) - known)
        if unknown:
            raise WallError(f"region: unknown region(s) {', '.join(unknown)}")
        outside = [v.key for v in parsed if v.region_id and regions and v.region_id not in regions]
        if outside:
            raise WallError(f"views: {', '.join(outside)} outside the link's --region scope")
        if store.fetch_wall_link(conn, name=name) is not None:
            raise WallError(f"name: a wall link named {name!r} exists already")
        token = "wl_" + secrets.token_urlsafe(32)
        link_id = store.insert_wall_link(
            conn,
            name=name,
            token_sha256=_hash(token),
            views=",".join(v.key for v in parsed),
            regions=",".join(regions),
            created_by=created_by,
            now=now,
            expires_at=now + expires_in,
        )
        return _to_link(store.fetch_wall_link(conn, link_id=link_id)), token


def open_link(engine: Engine, token: str, *, now: datetime) -> WallLink | None:
    """Return the live link of a token (noting its use), else None (unknown, revoked, expired)."""
    if not token or len(token) > 200:
        return None
    with engine.begin() as conn:
        row = store.fetch_wall_link(conn, token_sha256=_hash(token))
        if row is None:
            return None
        link = _to_link(row)
        if not link.live(now):
            return None
        store.touch_wall_link(conn, link.id, now=now)
        return link


def load_link(engine: Engine, link_id: int) -> WallLink | None:
    """Return a wall link by id, live or not."""
    with engine.connect() as conn:
        row = store.fetch_wall_link(conn, link_id=link_id)
    return _to_link(row) if row is not None else None


def list_links(engine: Engine) -> list[WallLink]:
    """Return every wall link, newest first."""
    with engine.connect() as conn:
        return [_to_link(row) for row in store.fetch_wall_links(conn)]


def revoke_link(engine: Engine, *, name: str, now: datetime, revoked_by: str | None = None) -> int:
    """Revoke a live wall link by name; return 1, or 0 when there was none to revoke."""
    with engine.begin() as conn:
        return store.revoke_wall_link(conn, name=name, now=now, revoked_by=revoked_by)


WALL_ROLE = "wall"


def wall_user(link: WallLink) -> User:
    """The read-only viewer a wall link signs in: role ``wall``, limited to the link's regions."""
    return User(
        id=-link.id,
        name=f"wall:{link.name}",
        role=WALL_ROLE,
        regions=link.regions,
        locale="zh",
        theme="dark",
    )


def allowed_views(link: WallLink | None, requested: list[View]) -> list[View]:
    """Keep the requested views a viewer may see: a wall session only its link's views."""
    if link is None:
        return requested
    allowed = set(link.views)
    return [v for v in requested if v.key in allowed]


# ------------------------------------------------------------------ URL options


@dataclass(frozen=True)
class WallOptions:
    """What the wall URL asks for: views (rotated in order), intervals in seconds, privacy."""

    views: tuple[str, ...]
    every_s: int
    refresh_s: int
    stale_s: int
    privacy: bool


def _seconds(query: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    raw = query.get(key)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise WallError(f"{key}: {raw!r} is not a whole number of seconds") from None
    if not low <= value <= high:
        raise WallError(f"{key}: {value} s is outside {low}..{high} s")
    return value


def parse_options(query: dict[str, Any]) -> WallOptions:
    """Read ``view`` or ``rotate`` (+ ``every``), ``refresh`` (default 60 s), ``stale`` (default:
    twice the refresh plus 10 s) and ``privacy`` (1/true/yes) from the wall URL."""
    rotate = query.get("rotate")
    views = parse_views(rotate) if rotate else [parse_view(query.get("view") or "national")]
    refresh = _seconds(query, "refresh", 60, 1, 3600)
    every = _seconds(query, "every", 30, 1, 3600)
    stale = _seconds(query, "stale", 2 * refresh + 10, 2, 86_400)
    privacy = str(query.get("privacy", "")).lower() in ("1", "true", "yes", "on")
    return WallOptions(tuple(v.key for v in views), every, refresh, stale, privacy)

"""Device data quality (contract §2a): the export, the "devices to check" panel, one rep-day's
devices for the replay and the alert evidence. Never an accusation: nothing here feeds the
integrity score or the alert queue.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Connection, Engine

from dashboard.filters import Filters
from dashboard.rules import AuthenticityConfig, quality
from dashboard.services import settings as rule_settings
from dashboard.services.users import User, scope_of
from data_access import quality as store
from data_access.scope import Scope

EXPORT_FIELDS = (
    "device_id",
    "rep_id",
    "days",
    "fixes",
    "coarse_share",
    "coarse_jumps",
    "cached_runs",
    "gaps",
    "gaps_by_reason",
    "median_accuracy_m",
    "to_check",
)


def _check_period(date_from: date | None, date_to: date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValueError(f"from: {date_from} is after to: {date_to}")


def summaries(
    engine: Engine,
    *,
    scope: Scope,
    date_from: date | None = None,
    date_to: date | None = None,
    config: AuthenticityConfig | None = None,
) -> list[quality.DeviceSummary]:
    """One summary per device and rep in scope over the period (both bounds inclusive), to
    check first."""
    _check_period(date_from, date_to)
    config = config or rule_settings.load_configs(engine)[0]
    with engine.connect() as conn:
        rows = store.fetch_device_days(conn, date_from=date_from, date_to=date_to, scope=scope)
    return quality.summarize_devices(rows, config)


def export_rows(
    engine: Engine, *, date_from: date | None = None, date_to: date | None = None
) -> list[dict[str, Any]]:
    """The ``export device-quality`` objects of the period (contract §2a), JSON-ready: every
    region's (the export is a system job)."""
    found = summaries(engine, scope=Scope.system(), date_from=date_from, date_to=date_to)
    return [s.as_export() for s in found]


def devices_panel(engine: Engine, user: User, filters: Filters) -> dict[str, Any]:
    """The "devices to check" page in the user's scope and filter: each device's summary over
    the period (to check first) and its daily figures for the chart.

    Keys: ``period`` (start, end), ``limit_share``, ``check_days``, ``devices`` (export objects
    with first/last day and the rep's name), ``daily`` ("device|rep" → list of date,
    coarse_share, coarse_jumps, cached_runs, gaps).
    """
    config = rule_settings.load_configs(engine)[0]
    with engine.connect() as conn:
        rows = store.fetch_device_days(
            conn,
            date_from=filters.start,
            date_to=filters.end,
            scope=scope_of(user),
            region=filters.region,
            team=filters.team,
            rep=filters.rep,
        )
    names = {r["rep_id"]: r["rep_name"] or r["rep_id"] for r in rows}
    devices = quality.summarize_devices(rows, config)
    daily: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        day = quality.day_figures(r, config.device_coarse_share)
        daily.setdefault(f"{r['device_id']}|{r['rep_id']}", []).append(
            {
                "date": r["local_date"].isoformat(),
                "coarse_share": day["coarse_share"],
                "coarse_jumps": day["coarse_jumps"],
                "cached_runs": day["cached_runs"],
                "gaps": day["gaps_total"],
            }
        )
    return {
        "period": (filters.start, filters.end),
        "limit_share": config.device_coarse_share,
        "check_days": config.device_check_days,
        "devices": [
            {
                **s.as_export(),
                "rep_name": names.get(s.rep_id, s.rep_id),
                "first_day": s.first_day.isoformat() if s.first_day else None,
                "last_day": s.last_day.isoformat() if s.last_day else None,
            }
            for s in devices
        ],
        "daily": daily,
    }


def day_quality(conn: Connection, *, rep_id: str, day: date) -> list[dict[str, Any]]:
    """The data-quality records of one rep-day's devices as shown (the caller has checked the
    scope), each with ``coarse_share``, ``gaps_total``, ``median_accuracy_m`` and ``poor``
    (coarse share above the device-check limit that day)."""
    limit = rule_settings.thresholds_of(conn).authenticity.device_coarse_share
    rows = store.fetch_devices_of(conn, rep_id=rep_id, day=day)
    return [quality.day_figures(r, limit) for r in rows]

"""The global filter (period, region, team, rep) and its URL query form (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

PERIODS = ("today", "yesterday", "7d", "30d", "mtd", "custom")
DEFAULT_PERIOD = "7d"
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class Filters:
    """A resolved filter: an inclusive local-date range and optional region/team/rep."""

    period: str
    start: date
    end: date
    region: str | None = None
    team: str | None = None
    rep: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of equal length just before this one (for change figures)."""
        length = timedelta(days=self.days)
        return replace(self, period="custom", start=self.start - length, end=self.end - length)


def period_range(period: str, today: date) -> tuple[date, date]:
    """Return the inclusive date range of a named period ending today."""
    if period == "today":
        return today, today
    if period == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if period == "30d":
        return today - timedelta(days=29), today
    if period == "mtd":
        return today.replace(day=1), today
    return today - timedelta(days=6), today


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _ident(value: Any) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= 64:
        return value
    return None


def parse_filters(query: Mapping[str, Any], *, today: date) -> Filters:
    """Read filters from URL query values; anything unreadable falls back to the default."""
    period = query.get("period")
    start, end = _date(query.get("from")), _date(query.get("to"))
    if period not in PERIODS:
        period = "custom" if start and end else DEFAULT_PERIOD
    if period == "custom" and start and end:
        if start > end:
            start, end = end, start
        start = max(start, end - timedelta(days=MAX_RANGE_DAYS - 1))
    else:
        if period == "custom":
            period = DEFAULT_PERIOD
        start, end = period_range(period, today)
    return Filters(
        period=period,
        start=start,
        end=end,
        region=_ident(query.get("region")),
        team=_ident(query.get("team")),
        rep=_ident(query.get("rep")),
    )


def parse_search(search: str | None, *, today: date) -> Filters:
    """Read filters from a location search string such as ``?period=7d&region=r1``."""
    return parse_filters(dict(parse_qsl((search or "").lstrip("?"))), today=today)


def query_text(query: Mapping[str, Any] | None) -> dict[str, str]:
    """A page's URL query as text values (keys without a value left out): what a page was
    rendered from, to measure its pickers' changes against."""
    return {str(k): str(v) for k, v in (query or {}).items() if v is not None}


def to_search(filters: Filters) -> str:
    """Return the URL query string (with '?') that restores these filters."""
    params: dict[str, str] = {"period": filters.period}
    if filters.period == "custom":
        params["from"] = filters.start.isoformat()
        params["to"] = filters.end.isoformat()
    for key in ("region", "team", "rep"):
        value = getattr(filters, key)
        if value:
            params[key] = value
    return "?" + urlencode(params)


def ending_on(filters: Filters, day: date) -> Filters:
    """The same filter over a period of the same length that ends on ``day`` (custom dates):
    where an empty period's "latest data" link leads."""
    return replace(filters, period="custom", start=day - timedelta(days=filters.days - 1), end=day)

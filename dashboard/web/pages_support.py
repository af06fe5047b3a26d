"""What page modules need from the running app: the viewer, role checks, today, filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import has_request_context

from dashboard.filters import Filters, parse_filters
from dashboard.services.users import User
from dashboard.web.context import company_today, signed_in_user

ALL_ROLES = ("exec", "manager", "finance", "admin")


def viewer() -> User | None:
    """The signed-in user, or None while Dash validates layouts at start-up."""
    return signed_in_user() if has_request_context() else None


def viewer_prefs() -> tuple[str, str]:
    """Return (language, theme) of the viewer, defaulting to Chinese and light."""
    user = viewer()
    if user is None:
        return "zh", "light"
    return ("en" if user.locale == "en" else "zh"), user.theme


def may_open(roles: tuple[str, ...]) -> bool:
    """Whether the viewer may open a page limited to ``roles`` (True during validation)."""
    user = viewer()
    return user is None or user.role in roles


def filters_from_query(query: Mapping[str, Any] | None) -> Filters:
    """Resolve the URL query of a page into filters, 'today' in the company's time zone."""
    return parse_filters(query or {}, today=company_today())


def period_dates(query: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The resolved (start, end) of the page's period as ISO dates (None at start-up)."""
    if viewer() is None:
        return None
    filters = filters_from_query(query)
    return filters.start.isoformat(), filters.end.isoformat()

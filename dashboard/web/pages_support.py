"""What page modules need from the running app: the viewer, the role guard, today, filters."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

import dash
from flask import has_request_context

from dashboard.filters import Filters, parse_filters
from dashboard.services.users import User
from dashboard.web.context import company_today, require_user, signed_in_user

ALL_ROLES = ("exec", "manager", "finance", "admin")

P = ParamSpec("P")
R = TypeVar("R")


class Viewer(NamedTuple):
    """Who looks at a page, and in which language and theme."""

    user: User | None  # None only while Dash checks every layout at start-up
    lang: str
    theme: str

    def may(self, roles: tuple[str, ...]) -> bool:
        """Whether the viewer has one of ``roles`` (True while Dash checks the layouts)."""
        return self.user is None or self.user.role in roles


def _viewer_of(user: User | None) -> Viewer:
    if user is None:
        return Viewer(None, "zh", "light")
    return Viewer(user, "en" if user.locale == "en" else "zh", user.theme)


def viewer() -> User | None:
    """The signed-in user, or None while Dash validates layouts at start-up."""
    return signed_in_user() if has_request_context() else None


def page_roles(module: str) -> tuple[str, ...]:
    """The roles the page of ``module`` registered (``dash.register_page(..., roles=...)``)."""
    page = dash.page_registry.get(module)
    if page is None or not page.get("roles"):
        raise LookupError(f"{module} registered no page with roles")
    return tuple(page["roles"])


def guard_layout(
    forbidden: Callable[[str], Any],
) -> Callable[[Callable[Concatenate[Viewer, P], Any]], Callable[P, Any]]:
    """Open a page's ``layout(me, /, **query)`` to the roles its page registered.

    Another role gets ``forbidden(lang)``; Dash's check of every layout at start-up, where no
    one is signed in, gets the layout itself.
    """

    def decorate(layout: Callable[Concatenate[Viewer, P], Any]) -> Callable[P, Any]:
        @functools.wraps(layout)
        def guarded(*args: P.args, **query: P.kwargs) -> Any:
            me = _viewer_of(viewer())
            if not me.may(page_roles(layout.__module__)):
                return forbidden(me.lang)
            return layout(me, *args, **query)

        return guarded

    return decorate


def guard(
    roles: tuple[str, ...] | None = None, *, page: str | None = None
) -> Callable[[Callable[Concatenate[Viewer, P], R]], Callable[P, R]]:
    """Open a page's callback ``fn(me, *inputs)`` to the roles its page registered.

    Answers 401 to an anonymous caller and 403 to a role outside those roles, or outside
    ``roles`` for an action stricter than its page (deciding, saving settings). A callback in a
    helper module of a page (``pages/_<page>_*.py``) names its page's module as ``page``.
    """

    def decorate(fn: Callable[Concatenate[Viewer, P], R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            allowed = roles if roles is not None else page_roles(page or fn.__module__)
            return fn(_viewer_of(require_user(allowed)), *args, **kwargs)

        return guarded

    return decorate


def filters_from_query(query: Mapping[str, Any] | None) -> Filters:
    """Resolve the URL query of a page into filters, 'today' in the company's time zone."""
    return parse_filters(query or {}, today=company_today())


def period_dates(query: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The resolved (start, end) of the page's period as ISO dates (None at start-up)."""
    if viewer() is None:
        return None
    filters = filters_from_query(query)
    return filters.start.isoformat(), filters.end.isoformat()

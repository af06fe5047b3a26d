"""What page modules need from the running app: the viewer, the role guard, today, filters."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

import dash
from dash.development.base_component import Component
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
            return plain_components(fn(_viewer_of(require_user(allowed)), *args, **kwargs))

        return guarded

    return decorate


def plain_components(value: Any) -> Any:
    """A callback's answer with its components as the dicts Dash would send for them.

    Dash serialises an answer with orjson, and when that fails on an object orjson does not
    know (a component), it cleans the whole answer value by value in Python first: 0.1 s for
    the alert queue's 2,000 grid rows beside its counts strip. Components given as their JSON
    form (what the renderer receives either way) keep the answer on the fast path. Lists of
    plain rows are left as they are; anything else orjson refuses still takes Dash's path.
    """
    if isinstance(value, Component):
        found = value.to_plotly_json()
        found["props"] = {k: plain_components(v) for k, v in found["props"].items()}
        return found
    if type(value) in (list, tuple) and any(isinstance(v, Component | list | tuple) for v in value):
        return type(value)(plain_components(v) for v in value)
    return value


def filters_from_query(query: Mapping[str, Any] | None) -> Filters:
    """Resolve the URL query of a page into filters, 'today' in the company's time zone."""
    return parse_filters(query or {}, today=company_today())


def period_dates(query: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """The resolved (start, end) of the page's period as ISO dates (None at start-up)."""
    if viewer() is None:
        return None
    filters = filters_from_query(query)
    return filters.start.isoformat(), filters.end.isoformat()

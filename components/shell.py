"""The frame around every page: top bar with navigation, language, theme and sign-out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import t


def nav_items(pages: Iterable[Mapping[str, Any]], role: str, lang: str) -> list[dict[str, str]]:
    """Return the pages a role may open, in order, as {href, label}."""
    items = []
    for page in sorted(pages, key=lambda p: p.get("order", 99)):
        if not page.get("nav", True) or role not in page.get("roles", ()):
            continue
        label = page.get("title_en" if lang == "en" else "title_zh") or page["name"]
        items.append({"href": page["path"], "label": label})
    return items


def post_button(
    label: str, *, action: str, field: tuple[str, str] | None, csrf: str, button_id: str, cls: str
) -> html.Form:
    """A button that POSTs a small form (the button's own name=value, and the CSRF token)."""
    name, value = field or ("", "")
    button = html.Button(label, type="submit", className=cls, id=button_id)
    if field:
        button = html.Button(
            label, type="submit", className=cls, id=button_id, name=name, value=value
        )
    return html.Form(
        [dcc.Input(type="hidden", name="csrf_token", value=csrf, id=f"{button_id}-csrf"), button],
        action=action,
        method="POST",
        className="d-inline",
    )


def top_bar(
    *,
    items: list[dict[str, str]],
    user_name: str,
    role: str,
    lang: str,
    theme: str,
    csrf: str = "",
) -> dbc.Navbar:
    """Render the top navigation bar."""
    other_theme = "light" if theme == "dark" else "dark"
    links = [
        dbc.NavItem(dbc.NavLink(item["label"], href=item["href"], active="exact")) for item in items
    ]
    right = [
        html.Span(
            [html.Strong(user_name), " · ", t(f"role.{role}", lang)],
            className="navbar-text me-3 small",
            id="shell-user",
        ),
        # Preferences and sign-out change state: POST forms carrying the CSRF token.
        post_button(
            t("nav.lang", lang),
            action="/prefs",
            field=("lang", "zh" if lang == "en" else "en"),
            csrf=csrf,
            button_id="shell-lang-switch",
            cls="btn btn-sm btn-outline-secondary me-2",
        ),
        post_button(
            t(f"nav.theme.{other_theme}", lang),
            action="/prefs",
            field=("theme", other_theme),
            csrf=csrf,
            button_id="shell-theme-switch",
            cls="btn btn-sm btn-outline-secondary me-2",
        ),
        post_button(
            t("nav.logout", lang),
            action="/logout",
            field=None,
            csrf=csrf,
            button_id="shell-logout",
            cls="btn btn-sm btn-primary",
        ),
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(t("app.title", lang), href="/", id="shell-brand"),
                dbc.Nav(links, navbar=True, className="me-auto"),
                html.Div(right, className="d-flex align-items-center"),
            ],
            fluid=True,
        ),
        className="shell-topbar border-bottom mb-3",
        color="body-tertiary",
        dark=theme == "dark",
    )


def forbidden(lang: str) -> html.Div:
    """The body shown instead of a page the viewer's role may not open."""
    return dbc.Alert(
        [html.H2(t("forbidden.title", lang), className="h5"), t("forbidden.body", lang)],
        color="warning",
        id="page-forbidden",
    )


def page_header(title: str, subtitle: str | None = None) -> html.Div:
    """A page title with an optional subtitle."""
    children = [html.H1(title, className="h3 mb-1")]
    if subtitle:
        children.append(html.P(subtitle, className="text-body-secondary mb-3"))
    return html.Div(children, className="mb-2")

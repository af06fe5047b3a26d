"""The frame around every page: top bar with navigation, language, theme and sign-out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import t

# Ids of the top bar's parts that the shell's clientside callbacks drive.
SHELL_MENU = "shell-menu"
SHELL_MENU_TOGGLE = "shell-menu-toggle"
SHELL_CURRENT_PAGE = "shell-current-page"
SHELL_PAGE_TITLES = "shell-page-titles"


def nav_items(pages: Iterable[Mapping[str, Any]], role: str, lang: str) -> list[dict[str, str]]:
    """Return the pages a role may open, in order, as {href, label}."""
    items = []
    for page in sorted(pages, key=lambda p: p.get("order", 99)):
        if not page.get("nav", True) or role not in page.get("roles", ()):
            continue
        label = page.get("title_en" if lang == "en" else "title_zh") or page["name"]
        items.append({"href": page["path"], "label": label})
    return items


def page_titles(pages: Iterable[Mapping[str, Any]], lang: str) -> list[list[str]]:
    """Return [path, title] of every page, for naming the current page in the collapsed bar.

    A page with path variables is named by the fixed part of its template ("/replay/").
    """
    titles = []
    for page in pages:
        path = page.get("path_template") or page["path"]
        label = page.get("title_en" if lang == "en" else "title_zh") or page["name"]
        titles.append([path.split("<", 1)[0], label])
    return titles


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
    titles: list[list[str]] | None = None,
    csrf: str = "",
) -> dbc.Navbar:
    """Render the top navigation bar.

    Below Bootstrap's ``lg`` breakpoint it collapses to one line (brand, the current page's name,
    a menu button); the links, language, theme and sign-out open under the button.
    """
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
                html.Div(
                    [
                        dbc.NavbarBrand(t("app.title", lang), href="/", id="shell-brand"),
                        # Filled by a clientside callback from the path (pages switch without
                        # a reload); shown only while the links are collapsed.
                        html.Span(id=SHELL_CURRENT_PAGE, className="shell-current-page d-lg-none"),
                    ],
                    className="shell-brand-line",
                ),
                html.Button(
                    html.Span(className="navbar-toggler-icon"),
                    id=SHELL_MENU_TOGGLE,
                    type="button",
                    className="navbar-toggler shell-menu-button",
                    title=t("nav.menu", lang),
                    **{"aria-label": t("nav.menu", lang), "aria-controls": SHELL_MENU},
                ),
                dbc.Collapse(
                    [
                        dbc.Nav(links, navbar=True, className="me-auto"),
                        html.Div(right, className="d-flex align-items-center shell-menu-tail"),
                    ],
                    id=SHELL_MENU,
                    navbar=True,
                    is_open=False,
                ),
                dcc.Store(id=SHELL_PAGE_TITLES, data=titles or []),
            ],
            fluid=True,
        ),
        className="shell-topbar border-bottom mb-3",
        color="body-tertiary",
        dark=theme == "dark",
        expand="lg",
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
        children.append(html.P(subtitle, className="text-body-secondary mb-3 page-subtitle"))
    return html.Div(children, className="mb-2")


def evidence_back_button(button_id: str, lang: str) -> dbc.Button:
    """The button that closes a full-screen evidence panel (shown below lg only)."""
    return dbc.Button(
        t("common.back_to_list", lang),
        id=button_id,
        color="secondary",
        outline=True,
        className="evidence-close d-lg-none mb-2",
    )

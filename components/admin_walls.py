"""The admin console's wall links tab: the create form (name, views in rotation order, regions,
expiry), the list with each link's status (live, expired, revoked) and last use, and revoking.
Render only: pages/_admin_walls.py fetches and acts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components.grids import column, data_grid
from components.i18n import t

# Component ids (declared once, page-prefixed).
REFRESH = "admin-walls-refresh"
NAME = "admin-wall-name"
VIEWS = "admin-wall-views"
REGIONS = "admin-wall-regions"
EXPIRES = "admin-wall-expires"
CREATE = "admin-wall-create"
REVOKE = "admin-wall-revoke"
RESULT = "admin-wall-result"
GRID = "admin-walls"
URL = "admin-wall-url"
BUTTONS = (CREATE, REVOKE)


def _field(label: str, control: Any) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small mb-1"), control], md=3, className="mb-2")


def tab(lang: str) -> html.Div:
    """The tab's form, result note and list (filled by the page's callbacks)."""
    return html.Div(
        [
            dcc.Store(id=REFRESH, data=0),
            dbc.Row(
                [
                    _field(t("admin.wall.name", lang), dbc.Input(id=NAME, type="text")),
                    _field(
                        t("admin.wall.views", lang),
                        # National is always a view; the regions' views come with the list.
                        dcc.Dropdown(
                            id=VIEWS, options=view_options((), lang), value=["national"], multi=True
                        ),
                    ),
                    _field(
                        t("admin.wall.regions", lang),
                        dcc.Dropdown(id=REGIONS, options=[], multi=True),
                    ),
                    _field(t("admin.wall.expires", lang), dbc.Input(id=EXPIRES, value="30d")),
                ],
                className="mt-3",
            ),
            html.Div(
                [
                    dbc.Button(
                        t("admin.wall.create", lang), id=CREATE, size="sm", className="me-2 mb-2"
                    ),
                    dbc.Button(
                        t("admin.wall.revoke", lang),
                        id=REVOKE,
                        color="danger",
                        size="sm",
                        className="me-2 mb-2",
                    ),
                ]
            ),
            html.Div(id=RESULT),
            html.Div(id=GRID),
        ]
    )


def view_label(key: str, lang: str) -> str:
    """A wall view in words: national, or the region's id."""
    if key == "national":
        return t("admin.wall.national", lang)
    return t("admin.wall.region", lang).format(id=key.partition(":")[2])


def view_options(region_ids: Sequence[str], lang: str) -> list[dict[str, str]]:
    """The views a link may show: national, then one per region."""
    keys = ["national", *(f"region:{r}" for r in region_ids)]
    return [{"label": view_label(k, lang), "value": k} for k in keys]


def _when(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


COLUMNS = (
    "name",
    "status",
    "views",
    "regions",
    "created_by",
    "created",
    "expires",
    "last_used",
    "revoked",
)


def links_grid(rows: Sequence[Mapping[str, Any]], *, lang: str, theme: str) -> html.Div:
    """The wall links: name, status, views (rotation order), regions, who and when, last use."""
    frame = pd.DataFrame(
        [
            {
                "name": r["name"],
                "status": t(f"admin.wall.status.{r['status']}", lang),
                "views": " → ".join(view_label(v, lang) for v in r["views"]),
                "regions": ", ".join(r["regions"]),
                "created_by": r["created_by"],
                "created": _when(r["created_at"]),
                "expires": _when(r["expires_at"]),
                "last_used": _when(r["last_used_at"]),
                "revoked": _when(r["revoked_at"]),
            }
            for r in rows
        ],
        columns=list(COLUMNS),
    )
    columns = [column(k, t(f"admin.col.{k}", lang)) for k in COLUMNS]
    return data_grid(GRID, frame, columns, lang=lang, theme=theme, file_name="wall-links")


def link_note(text: str, url: str) -> dbc.Alert:
    """The new link's address, shown once."""
    return dbc.Alert([text, " ", html.Code(url, id=URL, className="user-select-all")], color="info")

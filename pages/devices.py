"""Devices to check (contract §2a): phones whose positions are too coarse to trust, over time, in
the viewer's scope. A phone or settings problem for the manager to fix, never an accusation."""

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from components.filters import filter_bar
from components.grids import data_grid
from components.i18n import t
from components.quality import device_columns, device_rows, devices_panel_body
from components.shell import forbidden, page_header
from dashboard.services import quality
from dashboard.web.context import current_engine
from dashboard.web.pages_support import filters_from_query, guard, guard_layout, period_dates

ROLES = ("exec", "manager", "admin")

dash.register_page(
    __name__,
    path="/devices",
    name="devices",
    title="设备检查 · Devices to check",
    title_zh="设备检查",
    title_en="Devices",
    roles=ROLES,
    order=25,
)

DEVICES_QUERY = "devices-query"
DEVICES_PANEL = "devices-panel"
DEVICES_GRID = "devices-grid"


@guard_layout(forbidden)
def layout(me, /, **query):
    lang, theme = me.lang, me.theme
    return html.Div(
        [
            page_header(t("quality.page.title", lang), t("quality.page.subtitle", lang)),
            filter_bar(query, lang=lang, dates=period_dates(query)),
            dcc.Store(id=DEVICES_QUERY, data=query),
            dbc.Card(
                dbc.CardBody(html.Div(id=DEVICES_PANEL, className="placeholder-glow")),
                className="mb-3",
            ),
            dbc.Card(
                [
                    dbc.CardHeader(t("quality.grid.title", lang)),
                    dbc.CardBody(
                        data_grid(
                            DEVICES_GRID,
                            None,
                            device_columns(lang),
                            lang=lang,
                            theme=theme,
                            height=380,
                            file_name="devices",
                        ),
                        id="devices-grid-body",
                    ),
                ],
                className="mb-3",
            ),
        ],
        className="devices-page",
    )


@callback(
    Output(DEVICES_PANEL, "children"),
    Output({"type": "data-grid", "name": DEVICES_GRID}, "rowData"),
    Input(DEVICES_QUERY, "data"),
)
@guard()
def render_devices_panel(me, query):
    panel = quality.devices_panel(current_engine(), me.user, filters_from_query(query))
    return (
        devices_panel_body(panel, lang=me.lang, theme=me.theme),
        device_rows(panel["devices"], me.lang),
    )

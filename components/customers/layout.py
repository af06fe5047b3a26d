"""The customer page's skeleton: filters, tiles, the list beside the coverage map, orphans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.customers import ids
from components.customers.controls import controls
from components.customers.coverage import coverage_map
from components.customers.listing import list_grid
from components.customers.orphans import handover_dialog, orphan_panel
from components.i18n import t
from components.shell import page_header


def customers_page(
    query: Mapping[str, Any],
    *,
    lang: str,
    theme: str,
    may_hand_over: bool,
) -> html.Div:
    """The whole page, its data left to the callbacks; ``query`` sets the filters."""
    return html.Div(
        [
            page_header(t("cust.title", lang), t("cust.subtitle", lang)),
            controls(query, lang),
            dcc.Store(id=ids.QUERY, data=dict(query)),
            dcc.Store(id=ids.REFRESH, data=0),
            dcc.Store(id=ids.HANDOVER_PLAN, data=None),
            html.Div(id=ids.TILES),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(t("cust.title", lang)),
                                dbc.CardBody(
                                    [
                                        html.P(
                                            t("cust.open_hint", lang),
                                            className="small text-body-secondary mb-1",
                                        ),
                                        list_grid(lang, theme),
                                    ]
                                ),
                            ]
                        ),
                        xl=7,
                        className="mb-3",
                    ),
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(t("cust.map.title", lang)),
                                dbc.CardBody(
                                    [
                                        html.P(
                                            t("cust.map.hint", lang),
                                            className="small text-body-secondary mb-1",
                                        ),
                                        coverage_map(lang),
                                    ]
                                ),
                            ]
                        ),
                        xl=5,
                        className="mb-3",
                    ),
                ],
                className="g-3",
            ),
            orphan_panel(lang, theme, may_hand_over=may_hand_over),
            handover_dialog(lang),
        ],
        className="customers-page",
    )

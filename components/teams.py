"""The team KPIs page's skeleton and element ids: charts, compliance, the drill-down grid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.drill import definitions_help, overdue_columns
from components.filters import filter_bar
from components.grids import GRID, data_grid
from components.i18n import t
from components.kpi import empty_figure
from components.locale import graph_config
from components.shell import page_header

QUERY = "teams-query"
METRIC = "teams-metric"
GRAIN = "teams-grain"
COMPARISON = "teams-comparison"
TREND = "teams-trend"
DISTRIBUTION = "teams-distribution"
HEATMAP = "teams-heatmap"
BREADCRUMB = "teams-breadcrumb"
DRILL_TITLE = "teams-drill-title"
DRILL_GRID = {"type": GRID, "name": "teams-drill"}
OVERDUE_GRID = {"type": GRID, "name": "teams-overdue"}
SHELL_URL = "shell-url"

METRICS = (
    "visits_per_rep_day",
    "effective_rate",
    "plan_adherence",
    "sop_completion",
    "avg_dwell_min",
    "km_per_visit",
    "expense_per_visit",
    "order_per_visit",
)


def _graph(graph_id: str, lang: str, theme: str) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure=empty_figure(lang, theme), config=graph_config(lang))


def _card(title, body) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="h-100")


def teams_page(
    query: Mapping[str, Any], *, lang: str, theme: str, dates: tuple[str, str] | None
) -> html.Div:
    """The whole page, its data left to the callbacks; the query sets filters and metric."""
    controls = dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=METRIC,
                    value=query.get("metric") if query.get("metric") in METRICS else METRICS[0],
                    options=[{"label": t(f"kpi.{m}", lang), "value": m} for m in METRICS],
                    clearable=False,
                ),
                md=4,
            ),
            dbc.Col(
                dbc.RadioItems(
                    id=GRAIN,
                    value="day",
                    inline=True,
                    options=[
                        {"label": t("teams.grain.day", lang), "value": "day"},
                        {"label": t("teams.grain.week", lang), "value": "week"},
                    ],
                ),
                md=4,
                className="pt-2",
            ),
        ],
        className="g-2 mb-3",
    )
    return html.Div(
        [
            page_header(t("teams.title", lang), t("teams.drill_hint", lang)),
            definitions_help(lang),
            filter_bar(query, lang=lang, dates=dates),
            dcc.Store(id=QUERY, data=query),
            controls,
            dbc.Row(
                [
                    dbc.Col(
                        _card(t("teams.comparison", lang), _graph(COMPARISON, lang, theme)),
                        xl=6,
                        className="mb-3",
                    ),
                    dbc.Col(
                        _card(t("teams.trend", lang), _graph(TREND, lang, theme)),
                        xl=6,
                        className="mb-3",
                    ),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _card(t("teams.distribution", lang), _graph(DISTRIBUTION, lang, theme)),
                        xl=6,
                        className="mb-3",
                    ),
                    dbc.Col(
                        _card(t("teams.heatmap", lang), _graph(HEATMAP, lang, theme)),
                        xl=6,
                        className="mb-3",
                    ),
                ]
            ),
            _card(
                html.Div(
                    [html.Span(id=DRILL_TITLE), html.Div(id=BREADCRUMB)],
                    className="d-flex justify-content-between align-items-center",
                ),
                data_grid(DRILL_GRID["name"], None, [], lang=lang, theme=theme, file_name="drill"),
            ),
            html.Div(className="mb-3"),
            _card(
                t("teams.overdue", lang),
                data_grid(
                    OVERDUE_GRID["name"],
                    None,
                    overdue_columns(lang),
                    lang=lang,
                    theme=theme,
                    file_name="overdue-customers",
                ),
            ),
        ]
    )

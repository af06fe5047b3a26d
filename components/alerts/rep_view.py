"""The rep view: one rep's alerts week by week, by severity and by rule."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.figures import themed
from components.i18n import t
from components.kpi import SEVERITY_HEX, empty_figure
from components.locale import graph_config


def rep_history_figure(
    weekly: pd.DataFrame, *, by: str, lang: str, theme: str, height: int = 260
) -> dict[str, Any]:
    """Stacked weekly bars of one rep's alerts, by severity or by rule."""
    if weekly.empty or weekly.to_numpy().sum() == 0:
        return empty_figure(lang, theme, height)
    fig = go.Figure()
    weeks = [w.isoformat() if hasattr(w, "isoformat") else str(w) for w in weekly.index]
    for key in weekly.columns:
        label = t(f"severity.{key}", lang) if by == "severity" else t(f"rule.{key}.name", lang)
        fig.add_bar(
            x=weeks,
            y=weekly[key].tolist(),
            name=label,
            marker_color=SEVERITY_HEX.get(key) if by == "severity" else None,
        )
    fig.update_layout(
        barmode="stack",
        height=height,
        margin={"l": 40, "r": 16, "t": 16, "b": 40},
        legend={"orientation": "h", "y": -0.25, "traceorder": "normal"},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        xaxis_title=t("alerts.rep.week", lang),
        yaxis_title=t("alerts.rep.axis.count", lang),
    )
    fig.update_xaxes(type="category")
    peak = int(weekly.sum(axis=1).max())
    # whole alerts only: a tick every n so that there are at most about five
    fig.update_yaxes(
        rangemode="tozero", tickformat=",d", tick0=0, dtick=max(1, math.ceil(peak / 5))
    )
    fig.update_layout(showlegend=True)
    return themed(fig, theme)


def rep_view(view: Mapping[str, Any] | None, *, weeks: int, lang: str, theme: str) -> html.Div:
    """The rep's alerts week by week (are they getting better?)."""
    if view is None:
        return html.Div(
            t("alerts.rep.none", lang), className="text-body-secondary", id="alerts-rep-none"
        )
    rep = view["rep"]
    return html.Div(
        [
            html.H2(
                t("alerts.rep.title", lang).format(name=rep["rep_name"]),
                className="h5",
                id="alerts-rep-title",
            ),
            html.P(
                t("alerts.rep.hint", lang).format(weeks=weeks),
                className="text-body-secondary small",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Div(t("alerts.rep.by_severity", lang), className="kpi-label"),
                            dcc.Graph(
                                id="alerts-rep-severity",
                                figure=rep_history_figure(
                                    view["by_severity"], by="severity", lang=lang, theme=theme
                                ),
                                config=graph_config(lang, displayModeBar=False),
                            ),
                        ],
                        xl=6,
                    ),
                    dbc.Col(
                        [
                            html.Div(t("alerts.rep.by_rule", lang), className="kpi-label"),
                            dcc.Graph(
                                id="alerts-rep-rule",
                                figure=rep_history_figure(
                                    view["by_rule"], by="rule", lang=lang, theme=theme
                                ),
                                config=graph_config(lang, displayModeBar=False),
                            ),
                        ],
                        xl=6,
                    ),
                ]
            ),
        ]
    )


def rep_card(view: Mapping[str, Any] | None, *, weeks: int, lang: str, theme: str) -> dbc.Card:
    """The rep view in its card (shown above the queue when the URL names a rep)."""
    body = rep_view(view, weeks=weeks, lang=lang, theme=theme)
    return dbc.Card(dbc.CardBody(body), id="alerts-rep-card")

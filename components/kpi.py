"""KPI tiles and charts (render what they are given)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import html

from components.figures import themed
from components.formatting import fmt_change, fmt_kpi, fmt_value
from components.i18n import t
from dashboard.rules import SEVERITIES

TILE_KEYS = (
    "visits",
    "visits_per_rep_day",
    "effective_rate",
    "plan_adherence",
    "sop_completion",
    "avg_dwell_min",
    "km_per_visit",
    "expense_per_visit",
    "order_per_visit",
)
SEVERITY_COLOURS = {"critical": "danger", "high": "warning", "medium": "info", "low": "secondary"}
# The same colours as hex, for charts and maps (Bootstrap's danger, warning, info, secondary).
_BOOTSTRAP_HEX = {
    "danger": "#dc3545",
    "warning": "#ffc107",
    "info": "#0dcaf0",
    "secondary": "#6c757d",
}
SEVERITY_HEX = {sev: _BOOTSTRAP_HEX[name] for sev, name in SEVERITY_COLOURS.items()}


def kpi_tile(label: str, value: str, change: Any, *, lang: str, tile_id: str, md: int) -> dbc.Col:
    """One KPI tile: its label, its value and its change against the previous period."""
    text, colour = fmt_change(change)
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(label, className="kpi-label"),
                    html.Div(value, className="kpi-value", id=tile_id),
                    html.Div(
                        [
                            html.Span(text, className=f"text-{colour} fw-semibold"),
                            " ",
                            html.Span(t("kpi.vs_previous", lang), className="text-body-secondary"),
                        ],
                        className="small",
                    ),
                ]
            ),
            className="h-100 kpi-tile",
        ),
        xs=6,
        md=md,
        xl=True,
        className="mb-3",
    )


def kpi_tiles(
    current: Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    lang: str,
    keys: Sequence[str] = TILE_KEYS,
    id_prefix: str,
) -> dbc.Row:
    """Render one tile per KPI with its change against the previous period."""
    tiles = [
        kpi_tile(
            t(f"kpi.{key}", lang),
            fmt_kpi(key, current.get(key), lang),
            changes.get(key),
            lang=lang,
            tile_id=f"{id_prefix}-{key}",
            md=4,
        )
        for key in keys
    ]
    return dbc.Row(tiles, className="g-3")


def _layout(fig: go.Figure, theme: str, height: int = 320) -> dict[str, Any]:
    fig.update_layout(
        height=height,
        margin={"l": 40, "r": 16, "t": 24, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return themed(fig, theme)


def empty_figure(lang: str, theme: str, height: int = 320) -> dict[str, Any]:
    return message_figure(t("common.empty", lang), theme, height)


def message_figure(text: str, theme: str, height: int = 320) -> dict[str, Any]:
    """A chart area holding only a sentence (hidden axes): nothing to draw, and it says why."""
    fig = go.Figure()
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, theme, height)


def no_visits_text(latest: date | None, href: str | None, lang: str) -> str:
    """The sentence "no visits in this period; the latest data is on <date>" with a link to a period
    holding it (plotly annotation markup), or that there is no earlier data at all."""
    if latest is None:
        return t("chart.no_visits.never", lang)
    text = t("chart.no_visits", lang).format(date=latest.isoformat())
    if href:
        text += f' <a href="{escape(href)}" target="_self">{t("chart.no_visits.link", lang)}</a>'
    return text


def no_visits_figure(
    latest: date | None, href: str | None, *, lang: str, theme: str, height: int = 320
) -> dict[str, Any]:
    """The chart of a period without visits: says so, names the latest date with data and
    links to the same-length period ending on it, instead of drawing empty axes."""
    return message_figure(no_visits_text(latest, href, lang), theme, height)


def has_visits(trend: pd.DataFrame) -> bool:
    """Whether a trend frame (with a ``visits`` column) holds at least one visit."""
    return not trend.empty and bool(trend["visits"].fillna(0).sum())


_PCT = {"effective_rate", "plan_adherence", "sop_completion", "online_rate"}


def axis_title(metric: str, lang: str) -> str:
    """A KPI's axis title with its unit (``axis.<metric>``)."""
    return t(f"axis.{metric}", lang)


def _scaled(values: pd.Series, metric: str) -> pd.Series:
    return values * (100 if metric in _PCT else 1)


def trend_figure(
    trend: pd.DataFrame,
    *,
    metric: str,
    x: str,
    lang: str,
    theme: str,
    bar_metric: str | None = "visits",
) -> dict[str, Any]:
    """Line of a KPI over time on one y-axis; ``bar_metric`` (visits) is in the hover."""
    if trend.empty:
        return empty_figure(lang, theme)
    y = _scaled(trend[metric], metric)
    suffix = "%" if metric in _PCT else ""
    hover = "%{x}: %{y:.2f}" + suffix
    extra: dict[str, Any] = {}
    if bar_metric and bar_metric in trend:
        extra["customdata"] = trend[bar_metric].fillna(0).astype(int).tolist()
        hover += " · " + t(f"kpi.{bar_metric}", lang) + " %{customdata:,}"
    fig = go.Figure(
        go.Scatter(
            x=trend[x],
            y=y,
            mode="lines+markers",
            name=t(f"kpi.{metric}", lang),
            hovertemplate=hover + "<extra></extra>",
            **extra,
        )
    )
    fig.update_xaxes(title_text=t("axis.date" if x == "local_date" else "axis.period", lang))
    fig.update_yaxes(title_text=axis_title(metric, lang), rangemode="tozero")
    if metric in _PCT:
        fig.update_yaxes(ticksuffix="%")
    return _layout(fig, theme)


def team_bar_figure(teams: pd.DataFrame, *, metric: str, lang: str, theme: str) -> dict[str, Any]:
    """Horizontal bars comparing teams on one KPI (best at the top)."""
    if teams.empty:
        return empty_figure(lang, theme)
    data = teams.sort_values(metric, ascending=True, na_position="first")
    fig = go.Figure(
        go.Bar(
            x=_scaled(data[metric], metric),
            y=data["team_name"],
            orientation="h",
            customdata=data["team_id"],
            text=[fmt_kpi(metric, v, lang) for v in data[metric]],
            textposition="auto",
        )
    )
    fig.update_xaxes(title_text=axis_title(metric, lang))
    fig.update_yaxes(title_text=t("axis.team", lang))
    if metric in _PCT:
        fig.update_xaxes(ticksuffix="%")
    return _layout(fig, theme, height=team_rows_height(len(data), row=28))


def distribution_figure(
    reps: pd.DataFrame, *, metric: str, group: str, lang: str, theme: str
) -> dict[str, Any]:
    """Box plot of a KPI across reps, one horizontal box per team: a row per team, as tall as
    the grade heatmap beside it for the same teams (``team_rows_height``)."""
    if reps.empty:
        return empty_figure(lang, theme)
    # One box per team, given as plain lists: plotly validates a pandas column through a
    # conversion per trace, which made this chart the team page's slowest (56 teams).
    named = "rep_name" in reps.columns
    traces = [
        go.Box(
            x=_scaled(part[metric], metric).tolist(),
            name=str(name),
            orientation="h",
            boxpoints="all",
            jitter=0.3,
            text=part["rep_name"].tolist() if named else None,
            hovertemplate="%{text}: %{x:.1f}<extra></extra>",
        )
        for name, part in reps.groupby(group, sort=True)
    ]
    fig = go.Figure(data=traces)
    fig.update_layout(showlegend=False)
    fig.update_xaxes(title_text=t("axis.per_rep", lang).format(kpi=axis_title(metric, lang)))
    fig.update_yaxes(title_text=t("axis.team", lang))
    if metric in _PCT:
        fig.update_xaxes(ticksuffix="%")
    return _layout(fig, theme, height=team_rows_height(len(traces)))


def team_rows_height(teams: int, row: int = 30) -> int:
    """Height (px) of a chart with a row of ``row`` px per team: the comparison bars (28), the
    grade heatmap and the box plot beside it (30)."""
    return max(280, row * teams + 80)


def heatmap_figure(heat: pd.DataFrame, *, lang: str, theme: str) -> dict[str, Any]:
    """Grade × team compliance heatmap: rows teams (team_name), one column per grade."""
    if heat.empty:
        return empty_figure(lang, theme)
    grades = [c for c in heat.columns if c not in ("team_id", "team_name")]
    z = (heat[grades].to_numpy(dtype=float) * 100).round(1)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{g}" for g in grades],
            y=[str(name) for name in heat["team_name"]],
            colorscale="RdYlGn",
            zmin=0,
            zmax=100,
            text=[[fmt_value(v / 100 if v == v else None, "pct", lang) for v in row] for row in z],
            texttemplate="%{text}",
            colorbar={"ticksuffix": "%", "title": {"text": t("axis.compliance", lang)}},
        )
    )
    fig.update_xaxes(title_text=t("axis.grade", lang))
    fig.update_yaxes(title_text=t("axis.team", lang))
    return _layout(fig, theme, height=team_rows_height(len(heat.index)))


def severity_badges(counts: Mapping[str, int], *, lang: str) -> html.Div:
    """Open alerts per severity; an honest zero when nothing is open."""
    total = sum(counts.get(s, 0) for s in SEVERITIES)
    badges = [
        dbc.Badge(
            f"{t(f'severity.{s}', lang)} {counts.get(s, 0):,}",
            color=SEVERITY_COLOURS[s],
            className="me-2 fs-6",
            id=f"overview-alerts-{s}",
        )
        for s in SEVERITIES
    ]
    note = (
        []
        if total
        else [html.Div(t("overview.alerts_none", lang), className="text-body-secondary small mt-2")]
    )
    return html.Div([html.Div(badges), *note])


def online_block(online: Mapping[str, Any], *, lang: str) -> html.Div:
    """Today's online rate, large, with the counts behind it."""
    return html.Div(
        [
            html.Div(
                fmt_kpi("online_rate", online.get("rate"), lang),
                className="kpi-value",
                id="overview-online-rate",
            ),
            html.Div(
                f"{online.get('online', 0):,} / {online.get('reps', 0):,}",
                className="text-body-secondary small",
                id="overview-online-counts",
            ),
        ]
    )


def expense_summary(expense: Mapping[str, Any], *, lang: str) -> html.Div:
    """Claimed vs at-risk amounts of the period."""
    claimed = expense.get("claimed") or 0.0
    at_risk = expense.get("at_risk") or 0.0
    share = at_risk / claimed if claimed else None
    return html.Div(
        [
            html.Div(
                [
                    html.Span(t("overview.claimed", lang), className="text-body-secondary"),
                    html.Span(
                        fmt_value(claimed, "money", lang),
                        className="fw-semibold",
                        id="overview-expense-claimed",
                    ),
                ],
                className="d-flex justify-content-between",
            ),
            html.Div(
                [
                    html.Span(t("overview.at_risk", lang), className="text-body-secondary"),
                    html.Span(
                        fmt_value(at_risk, "money", lang),
                        className="fw-semibold text-danger",
                        id="overview-expense-risk",
                    ),
                ],
                className="d-flex justify-content-between",
            ),
            dbc.Progress(
                value=0 if share is None else share * 100,
                color="danger",
                className="mt-2",
                style={"height": "6px"},
            ),
        ]
    )


def ranking_list(
    teams: pd.DataFrame, *, lang: str, id_prefix: str, metric: str = "effective_per_rep_day"
) -> html.Div:
    """A short ranked list of teams by verified visits per rep-day."""
    if teams is None or teams.empty:
        return html.Div(t("common.empty", lang), className="text-body-secondary")
    rows = []
    for pos, row in enumerate(teams.itertuples(index=False), start=1):
        data = row._asdict()
        rows.append(
            html.Tr(
                [
                    html.Td(str(pos), className="text-body-secondary"),
                    html.Td(html.A(data["team_name"], href=f"/teams?team={data['team_id']}")),
                    html.Td(fmt_kpi(metric, data.get(metric), lang), className="text-end"),
                    html.Td(
                        fmt_kpi("effective_rate", data.get("effective_rate"), lang),
                        className="text-end",
                    ),
                ],
                id=f"{id_prefix}-{pos}",
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th("#"),
                html.Th(t("common.team", lang)),
                html.Th(t(f"kpi.{metric}", lang), className="text-end"),
                html.Th(t("kpi.effective_rate", lang), className="text-end"),
            ]
        )
    )
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, className="mb-0")

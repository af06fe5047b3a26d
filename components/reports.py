"""The standard reports page (contract §8): its ids, skeleton, summary blocks, charts (one y-axis
each, titled with units) and the per-team and per-rep grids. Renders what it is given."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.figures import themed
from components.formatting import is_missing
from components.grids import column, data_grid
from components.i18n import t
from components.jobs import background_job, job_indicator
from components.kpi import kpi_tile
from components.locale import date_picker_formats, graph_config
from components.report_files import HEADLINE, cell_text, exception_lines, headline_label
from components.shell import page_header
from dashboard import reports as core

KIND = "reports-kind"
DATE = "reports-date"
REGION = "reports-region"
TEAM = "reports-team"
HEADING = "reports-heading"
NOTICE = "reports-notice"
TILES = "reports-tiles"
TREND = "reports-trend"
RANKED = "reports-ranked"
EXCEPTIONS = "reports-exceptions"
TEAMS = "reports-teams"
REPS = "reports-reps"
EXPORT = "reports-export"  # + -xlsx, -pdf, -csv, -download and the job row (components.jobs)
BUTTONS = tuple(f"{EXPORT}-{fmt}" for fmt in core.FORMATS)

_GRID_KINDS = {"int": "int", "dec": "dec", "pct": "pct", "money": "money"}


def export_job() -> dict[str, Any]:
    """The background-callback arguments of the download buttons."""
    return background_job(EXPORT, BUTTONS, progress=False)


def reports_page(query: Mapping[str, Any], *, lang: str, default_day: str) -> html.Div:
    """The page skeleton; the URL query (kind, date, region, team) sets the pickers."""
    kind = query.get("kind") if query.get("kind") in core.KINDS else "daily"
    controls = dbc.Row(
        [
            dbc.Col(
                dbc.RadioItems(
                    id=KIND,
                    value=kind,
                    inline=True,
                    options=[{"label": t(f"rpt.kind.{k}", lang), "value": k} for k in core.KINDS],
                ),
                xs=12,
                md=3,
                className="pt-2",
            ),
            dbc.Col(
                dcc.DatePickerSingle(
                    id=DATE,
                    # The global filter's period end, when the page is opened with it.
                    date=str(query.get("date") or query.get("to") or default_day)[:10],
                    **date_picker_formats(lang),
                    placeholder=t("rpt.date", lang),
                    first_day_of_week=1,
                ),
                xs=12,
                md=3,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id=REGION,
                    value=query.get("region"),
                    placeholder=t("rpt.all_regions", lang),
                    clearable=True,
                ),
                xs=12,
                md=3,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id=TEAM,
                    value=query.get("team"),
                    placeholder=t("rpt.all_teams", lang),
                    clearable=True,
                ),
                xs=12,
                md=3,
            ),
        ],
        className="g-2 mb-2",
    )
    downloads = html.Div(
        [
            dbc.ButtonGroup(
                [
                    dbc.Button(
                        t(f"rpt.download.{fmt}", lang),
                        id=f"{EXPORT}-{fmt}",
                        size="sm",
                        color="secondary",
                        outline=True,
                    )
                    for fmt in core.FORMATS
                ]
            ),
            dcc.Download(id=f"{EXPORT}-download"),
            job_indicator(EXPORT, lang, progress=False),
        ],
        className="d-flex flex-wrap align-items-center gap-2 mb-3",
    )
    graph = {"config": graph_config(lang), "figure": {}}
    return html.Div(
        [
            page_header(t("rpt.title", lang), t("rpt.subtitle", lang)),
            controls,
            downloads,
            html.H2(id=HEADING, className="h5"),
            html.Div(id=NOTICE),
            dcc.Loading(html.Div(id=TILES), type="dot"),
            dbc.Row(
                [
                    dbc.Col(_card(t("rpt.trend", lang), dcc.Graph(id=TREND, **graph)), lg=7),
                    dbc.Col(_card(t("rpt.ranked", lang), dcc.Graph(id=RANKED, **graph)), lg=5),
                ],
                className="g-3 mb-3",
            ),
            _card(t("rpt.exceptions", lang), html.Div(id=EXCEPTIONS)),
            html.H3(t("rpt.teams", lang), className="h6 mt-3"),
            html.Div(id=TEAMS),
            html.H3(t("rpt.reps", lang), className="h6 mt-3"),
            html.Div(id=REPS),
        ]
    )


def _card(title: str, body: Any) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="h-100")


def heading_text(report: Mapping[str, Any], lang: str, scope: str) -> str:
    period = report["period"]
    return t("rpt.heading", lang).format(
        kind=t(f"rpt.kind.{period.kind}", lang),
        label=period.label,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
    ) + (f" · {scope}" if scope else "")


def report_search(kind: str, day: Any, region: str | None, team: str | None) -> str:
    """The /reports URL query of a report."""
    params = {"kind": kind, "date": str(day)}
    params.update({key: value for key, value in (("region", region), ("team", team)) if value})
    return "?" + urlencode(params)


def empty_notice(report: Mapping[str, Any], lang: str) -> Any:
    """Nothing when the period has visits; else "no visits in this period; the latest data is
    on <date>" with a link to the report of that date."""
    if not report["empty"]:
        return None
    latest = report["latest"]
    if latest is None:
        return dbc.Alert(t("rpt.empty.never", lang), color="secondary", id=f"{NOTICE}-empty")
    filters = report["filters"]
    href = "/reports" + report_search(report["period"].kind, latest, filters.region, filters.team)
    return dbc.Alert(
        [
            t("rpt.empty", lang).format(date=latest.isoformat()),
            " ",
            dcc.Link(t("rpt.empty.link", lang), href=href, id=f"{NOTICE}-link"),
        ],
        color="secondary",
        id=f"{NOTICE}-empty",
    )


def tiles(report: Mapping[str, Any], lang: str) -> dbc.Row:
    """One tile per headline figure with its change against the previous period."""
    cols = [
        kpi_tile(
            headline_label(key, lang),
            cell_text(key, report["current"].get(key), lang),
            report["changes"].get(key),
            lang=lang,
            tile_id=f"reports-kpi-{key}",
            md=3,
        )
        for key in HEADLINE
    ]
    return dbc.Row(cols, className="g-3")


def _layout(fig: go.Figure, theme: str, height: int = 320) -> dict[str, Any]:
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 16, "t": 16, "b": 50},
        showlegend=False,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return themed(fig, theme)


def _message_figure(text: str, theme: str) -> dict[str, Any]:
    fig = go.Figure()
    fig.add_annotation(text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, theme)


def trend_figure(report: Mapping[str, Any], *, lang: str, theme: str) -> dict[str, Any]:
    """The effective visit rate per day or week (one y-axis; the visits are in the hover). An
    empty period says so instead of drawing empty axes."""
    trend: pd.DataFrame = report["trend"]
    if report["empty"] or trend.empty or not trend["visits"].sum():
        latest = report["latest"]
        text = (
            t("rpt.empty", lang).format(date=latest.isoformat())
            if latest
            else t("rpt.empty.never", lang)
        )
        return _message_figure(text, theme)
    rate = [None if is_missing(v) else round(float(v) * 100, 1) for v in trend["effective_rate"]]
    fig = go.Figure(
        go.Scatter(
            x=[str(v) for v in trend["period"]],
            y=rate,
            mode="lines+markers",
            customdata=trend["visits"],
            hovertemplate="%{x}: %{y:.1f}% · "
            + t("rpt.col.visits", lang)
            + " %{customdata:,}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=t(f"rpt.trend.x.{report['trend_grain']}", lang), type="category")
    fig.update_yaxes(title_text=t("rpt.trend.y", lang), ticksuffix="%", rangemode="tozero")
    return _layout(fig, theme)


def ranked_figure(report: Mapping[str, Any], *, lang: str, theme: str) -> dict[str, Any]:
    """The teams' effective visit rate as horizontal bars, best at the top."""
    ranked: pd.DataFrame = report["ranked"]
    defined = ranked[ranked["effective_rate"].notna()]
    if defined.empty:
        return _message_figure(t("rpt.none", lang), theme)
    data = defined.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=(data["effective_rate"].astype(float) * 100).round(1),
            y=data["name"],
            orientation="h",
            text=[cell_text("effective_rate", v, lang) for v in data["effective_rate"]],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=t("rpt.ranked.x", lang), ticksuffix="%", range=[0, 100])
    fig.update_yaxes(title_text=t("rpt.ranked.y", lang))
    return _layout(fig, theme, height=max(260, 28 * len(data) + 90))


def exceptions(report: Mapping[str, Any], lang: str) -> dbc.Row:
    """Overdue A customers, open critical alerts, claims at risk: three short lists."""
    cols = []
    for key, lines in exception_lines(report, lang).items():
        cols.append(
            dbc.Col(
                [
                    html.H4(t(key, lang), className="h6"),
                    html.Ul([html.Li(line) for line in lines], className="small mb-0")
                    if lines
                    else html.P(t("rpt.none", lang), className="small text-body-secondary"),
                ],
                md=4,
            )
        )
    return dbc.Row(cols, id=f"{EXCEPTIONS}-lists")


def _columns(lang: str) -> list[dict[str, Any]]:
    cols = []
    for field in core.COLUMNS:
        kind = core.FIGURE_KINDS.get(field)
        extra: dict[str, Any] = {}
        if field in ("id", "name"):
            extra["pinned"] = "left"
        if kind == "time":
            extra["valueFormatter"] = {
                "function": "params.value == null ? '—' : "
                "String(Math.floor(Math.round(params.value) / 60)).padStart(2, '0') + ':' + "
                "String(Math.round(params.value) % 60).padStart(2, '0')"
            }
            extra["type"] = "rightAligned"
        cols.append(column(field, t(f"rpt.col.{field}", lang), _GRID_KINDS.get(kind), **extra))
    return cols


def table(name: str, frame: pd.DataFrame, *, lang: str, theme: str, file_name: str) -> html.Div:
    """A report table as a grid (sortable, filterable, exportable)."""
    shown = frame.assign(level=[t(f"rpt.level.{v}", lang) for v in frame["level"]])
    return data_grid(
        name,
        shown,
        _columns(lang),
        lang=lang,
        theme=theme,
        height=min(520, 90 + 34 * max(len(frame), 1)),
        file_name=file_name,
    )

"""Plan vs actual presentation (contract §6): the /plans page's heatmaps, worst rep-days grid and
rep-day detail (stops, unplanned visits, planned / actual / shortest order on a map), and the
panel the replay shows for its rep-day. Renders what the service gives; fetches nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
import dash_leaflet as dl
import plotly.graph_objects as go
from dash import dcc, html

from components.figures import themed
from components.filters import filter_bar
from components.grids import GRID, column, data_grid
from components.i18n import t
from components.locale import graph_config
from components.map_controls import MAP_OPTIONS, localized_controls
from components.shell import page_header

# Ids, declared once.
QUERY = "plans-query"
MESSAGE = "plans-message"
HEAT_ADHERENCE = "plans-heat-adherence"
HEAT_EFFICIENCY = "plans-heat-efficiency"
GRID_NAME = "plans-rep-days"
GRID_ID = {"type": GRID, "name": GRID_NAME}
DETAIL = "plans-detail"
TOTALS = "plans-totals"

STATUS_COLOURS = {
    "done_in_order": "#198754",
    "done_out_of_order": "#fd7e14",
    "missed": "#dc3545",
}
UNPLANNED_COLOUR = "#6f42c1"
PLANNED_COLOUR = "#fd7e14"
ACTUAL_COLOUR = "#0d6efd"
OPTIMAL_COLOUR = "#20c997"
HEAT_HEIGHT = 320


def replay_href(rep_id: str, day: str) -> str:
    return f"/replay/{quote(str(rep_id), safe='')}/{day}"


def plans_page(
    query: Mapping[str, Any], *, lang: str, theme: str, dates: tuple[str, str] | None
) -> html.Div:
    """The page skeleton; its data comes by callback."""
    card = dbc.Card

    def heat(graph_id: str, key: str) -> dbc.Col:
        return dbc.Col(
            card(
                [
                    dbc.CardHeader(t(key, lang)),
                    dbc.CardBody(
                        dcc.Loading(
                            dcc.Graph(
                                id=graph_id,
                                figure=empty_heatmap(lang, theme),
                                config=graph_config(lang, displayModeBar=False),
                            )
                        ),
                        className="p-1",
                    ),
                ],
                className="mb-2",
            ),
            lg=6,
        )

    return html.Div(
        [
            page_header(t("plans.title", lang), t("plans.subtitle", lang)),
            filter_bar(query, lang=lang, dates=dates),
            dcc.Store(id=QUERY, data=dict(query)),
            html.Div(id=MESSAGE),
            dbc.Row(
                [
                    heat(HEAT_ADHERENCE, "plans.heat.adherence"),
                    heat(HEAT_EFFICIENCY, "plans.heat.efficiency"),
                ],
                className="g-2",
            ),
            card(
                [
                    dbc.CardHeader(t("plans.totals", lang)),
                    dbc.CardBody(id=TOTALS),
                ],
                className="mb-2",
            ),
            card(
                [
                    dbc.CardHeader(t("plans.grid.title", lang)),
                    dbc.CardBody(
                        [
                            html.P(t("plans.grid.hint", lang), className="small text-muted"),
                            data_grid(
                                GRID_NAME,
                                None,
                                grid_columns(lang),
                                lang=lang,
                                theme=theme,
                                height=360,
                                file_name="plans",
                            ),
                        ]
                    ),
                ],
                className="mb-2",
            ),
            card(
                [
                    dbc.CardHeader(t("plans.detail.title", lang)),
                    dbc.CardBody(nothing_picked(lang), id=DETAIL),
                ],
                className="mb-3",
            ),
        ],
        className="plans-page",
    )


# ------------------------------------------------------------------ heatmaps


def _figure_layout(fig: go.Figure, theme: str, lang: str, rows: int) -> dict[str, Any]:
    fig.update_layout(
        height=max(HEAT_HEIGHT, 120 + 22 * rows),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    fig.update_xaxes(title_text=t("plans.axis.date", lang), type="category")
    fig.update_yaxes(title_text=t("plans.axis.rep", lang), type="category", autorange="reversed")
    return themed(fig, theme)


def empty_heatmap(lang: str, theme: str) -> dict[str, Any]:
    fig = go.Figure()
    fig.add_annotation(
        text=t("plans.empty", lang), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(
        height=HEAT_HEIGHT,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return themed(fig, theme)


def _rep_label(rep: Mapping[str, Any]) -> str:
    return f"{rep['rep_name']} · {rep['team_name']}"


def heatmaps(result: Mapping[str, Any], *, lang: str, theme: str) -> tuple[Any, Any]:
    """Adherence (%) and route efficiency (km/km) per rep × day; one message when empty."""
    rows = result["rows"]
    if not rows:
        empty = empty_heatmap(lang, theme)
        return empty, empty
    reps = result["reps"]
    dates = result["dates"]
    labels = [_rep_label(r) for r in reps]
    at_rep = {r["rep_id"]: i for i, r in enumerate(reps)}
    at_day = {d: j for j, d in enumerate(dates)}
    adherence: list[list[float | None]] = [[None] * len(dates) for _ in reps]
    efficiency: list[list[float | None]] = [[None] * len(dates) for _ in reps]
    for row in rows:
        i, j = at_rep.get(row["rep_id"]), at_day.get(row["date"])
        if i is None or j is None:
            continue
        if row["adherence"] is not None:
            adherence[i][j] = round(100.0 * row["adherence"], 1)
        if row["efficiency"] is not None:
            efficiency[i][j] = round(row["efficiency"], 2)
    adh = go.Figure(
        go.Heatmap(
            z=adherence,
            x=dates,
            y=labels,
            zmin=0,
            zmax=100,
            colorscale="RdYlGn",
            colorbar={"title": {"text": t("plans.scale.adherence", lang)}},
            hoverongaps=False,
            hovertemplate="%{y}<br>%{x}: %{z:.0f}%<extra></extra>",
        )
    )
    eff = go.Figure(
        go.Heatmap(
            z=efficiency,
            x=dates,
            y=labels,
            zmin=1.0,
            zmax=2.0,
            colorscale="RdYlGn",
            reversescale=True,
            colorbar={"title": {"text": t("plans.scale.efficiency", lang)}},
            hoverongaps=False,
            hovertemplate="%{y}<br>%{x}: %{z:.2f}×<extra></extra>",
        )
    )
    return (
        _figure_layout(adh, theme, lang, len(reps)),
        _figure_layout(eff, theme, lang, len(reps)),
    )


def totals(result: Mapping[str, Any], lang: str) -> Any:
    """Adherence and route efficiency per team and per rep over the period (tables that fit a
    phone)."""
    if not result["rows"]:
        return html.P(t("plans.empty", lang), className="text-muted mb-0")

    def table(key: str, groups: Sequence[Mapping[str, Any]]) -> Any:
        head = html.Thead(
            html.Tr(
                [
                    html.Th(t(key, lang)),
                    html.Th(t("plans.col.rep_days", lang)),
                    html.Th(t("plans.col.adherence", lang)),
                    html.Th(t("plans.col.efficiency", lang)),
                ]
            )
        )
        body = html.Tbody(
            [
                html.Tr(
                    [
                        html.Td(g["name"]),
                        html.Td(g["rep_days"]),
                        html.Td(_fmt(g["adherence"], "{:.0%}")),
                        html.Td(_fmt(g["efficiency"], "{:.2f}×")),
                    ]
                )
                for g in groups
            ]
        )
        return dbc.Table([head, body], size="sm", responsive=True, className="mb-0")

    return dbc.Row(
        [
            dbc.Col(table("plans.col.team", result["by_team"]), lg=5),
            dbc.Col(table("plans.col.rep", result["by_rep"]), lg=7),
        ],
        className="g-2 plans-totals",
    )


# ------------------------------------------------------------------ worst rep-days grid


def grid_columns(lang: str) -> list[dict[str, Any]]:
    def h(key: str) -> str:
        return t(f"plans.col.{key}", lang)

    return [
        column("date", h("date"), minWidth=110),
        column("rep", h("rep"), minWidth=110),
        column("team", h("team"), minWidth=110),
        column("adherence", h("adherence"), "pct", minWidth=100),
        column("planned", h("planned"), "int", minWidth=80),
        column("in_order", h("in_order"), "int", minWidth=80),
        column("out_of_order", h("out_of_order"), "int", minWidth=90),
        column("missed", h("missed"), "int", minWidth=80),
        column("unplanned", h("unplanned"), "int", minWidth=90),
        column("efficiency", h("efficiency"), "dec", minWidth=110, tooltipField="reason"),
        column("driven_km", h("driven_km"), "dec", minWidth=100),
        column("shortest_km", h("shortest_km"), "dec", minWidth=110),
        column("replay", h("replay"), cellRenderer="markdown", minWidth=90),
    ]


def reason_text(reason: str | None, lang: str) -> str:
    return "" if reason is None else t(f"plans.reason.{reason}", lang)


def grid_rows(result: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """One grid row per rep-day, in the service's order (worst first)."""
    return [
        {
            "rep_id": row["rep_id"],
            "date": row["date"],
            "rep": row["rep_name"],
            "team": row["team_name"],
            "adherence": row["adherence"],
            "planned": row["planned"],
            "in_order": row["in_order"],
            "out_of_order": row["out_of_order"],
            "missed": row["missed"],
            "unplanned": row["unplanned"],
            "efficiency": row["efficiency"],
            "reason": reason_text(row["efficiency_reason"], lang),
            "driven_km": row["driven_km"],
            "shortest_km": row["shortest_km"],
            "replay": f"[{t('plans.replay', lang)}]({replay_href(row['rep_id'], row['date'])})",
        }
        for row in result["rows"]
    ]


def picked_rep_day(selected: Sequence[Mapping[str, Any]] | None) -> tuple[str, str] | None:
    """The (rep_id, ISO date) of the picked grid row, if any."""
    if not selected:
        return None
    row = selected[0]
    if not row.get("rep_id") or not row.get("date"):
        return None
    return str(row["rep_id"]), str(row["date"])


def nothing_picked(lang: str) -> html.P:
    return html.P(t("plans.detail.pick", lang), className="text-muted")


def error_message(text: str) -> dbc.Alert:
    return dbc.Alert(text, color="warning", className="py-2")


# ------------------------------------------------------------------ one rep-day


def _fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)


def figures_line(summary: Mapping[str, Any], lang: str) -> html.P:
    """Adherence, driven and shortest km, route efficiency ("—" and why when undefined)."""
    efficiency = _fmt(summary["efficiency"], "{:.2f}×")
    reason = reason_text(summary["efficiency_reason"], lang)
    if reason:
        efficiency = f"— ({reason})"
    text = t("plans.figures", lang).format(
        adherence=_fmt(summary["adherence"], "{:.0%}"),
        driven=_fmt(summary["driven_km"], "{:.1f}"),
        shortest=_fmt(summary["shortest_km"], "{:.1f}"),
        efficiency=efficiency,
    )
    return html.P(text, className="mb-2 plans-figures")


def _status_badge(status: str, lang: str) -> dbc.Badge:
    return dbc.Badge(
        t(f"plans.status.{status}", lang),
        color={"done_in_order": "success", "done_out_of_order": "warning", "missed": "danger"}[
            status
        ],
        className="plans-status",
    )


def stops_table(detail: Mapping[str, Any], lang: str) -> Any:
    """The planned stops in plan order with their status, as a table that fits a phone."""
    if not detail["stops"]:
        return html.P(t("plans.no_plan", lang), className="text-muted small")
    head = html.Thead(
        html.Tr(
            [
                html.Th(t("plans.th.seq", lang)),
                html.Th(t("plans.th.customer", lang)),
                html.Th(t("plans.th.status", lang)),
                html.Th(t("plans.th.time", lang)),
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(s["seq"]),
                    html.Td(s["customer_name"]),
                    html.Td(_status_badge(s["status"], lang)),
                    html.Td(s["time"] or "—"),
                ]
            )
            for s in detail["stops"]
        ]
    )
    return dbc.Table([head, body], size="sm", responsive=True, className="mb-2 plans-stops")


def unplanned_table(detail: Mapping[str, Any], lang: str) -> Any:
    if not detail["unplanned"]:
        return html.P(t("plans.no_unplanned", lang), className="text-muted small")
    head = html.Thead(
        html.Tr(
            [
                html.Th(t("plans.th.customer", lang)),
                html.Th(t("plans.th.time", lang)),
                html.Th(t("plans.th.effective", lang)),
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(u["customer_name"]),
                    html.Td(u["time"]),
                    html.Td(t("plans.yes" if u["effective"] else "plans.no", lang)),
                ]
            )
            for u in detail["unplanned"]
        ]
    )
    return dbc.Table([head, body], size="sm", responsive=True, className="mb-2 plans-unplanned")


def _line(points: Sequence[Any], colour: str, dash: str | None = None) -> list[Any]:
    pts = [p for p in points if p]
    if len(pts) < 2:
        return []
    return [dl.Polyline(positions=pts, color=colour, weight=3, dashArray=dash)]


def detail_map(detail: Mapping[str, Any], *, lang: str, tile_url: str, attribution: str) -> Any:
    """Planned order, actual order and the shortest route as switchable layers."""
    markers = []
    for s in detail["stops"]:
        if s["at"]:
            markers.append(
                dl.CircleMarker(
                    center=s["at"],
                    radius=8,
                    color=STATUS_COLOURS[s["status"]],
                    fillOpacity=0.8,
                    children=dl.Tooltip(
                        f"{s['seq']}. {s['customer_name']} · "
                        + t(f"plans.status.{s['status']}", lang)
                    ),
                )
            )
    for u in detail["unplanned"]:
        if u["at"]:
            markers.append(
                dl.CircleMarker(
                    center=u["at"],
                    radius=7,
                    color=UNPLANNED_COLOUR,
                    fillOpacity=0.8,
                    children=dl.Tooltip(f"{u['customer_name']} · {t('plans.unplanned', lang)}"),
                )
            )
    planned = [s["at"] for s in detail["stops"]]
    points = [p for p in planned + detail["actual"] if p]
    overlays = [
        ("planned", _line(planned, PLANNED_COLOUR, "4 6"), True),
        ("actual", _line(detail["actual"], ACTUAL_COLOUR), True),
        ("optimal", _line(detail["optimal"], OPTIMAL_COLOUR, "2 6"), False),
    ]
    layers: list[Any] = [
        dl.BaseLayer(
            dl.TileLayer(url=tile_url, attribution=attribution, maxZoom=19),
            name=t("plans.layer.base", lang),
            checked=True,
        )
    ]
    layers += [
        dl.Overlay(dl.LayerGroup(children), name=t(f"plans.layer.{key}", lang), checked=checked)
        for key, children, checked in overlays
    ]
    extra: dict[str, Any] = {"center": [31.23, 121.47], "zoom": 11}
    if points:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        extra = {
            "center": [sum(lats) / len(lats), sum(lons) / len(lons)],
            "zoom": 12,
            "viewport": {
                "bounds": [[min(lats), min(lons)], [max(lats), max(lons)]],
                "transition": "fitBounds",
                "options": {"padding": [20, 20]},
            },
        }
    return dl.Map(
        [
            dl.LayersControl(layers, collapsed=False),
            dl.LayerGroup(markers),
            *localized_controls(lang),
        ],
        **MAP_OPTIONS,
        style={"height": "360px", "width": "100%"},
        className="plans-map",
        **extra,
    )


def rep_day_detail(
    detail: Mapping[str, Any] | None, *, lang: str, tile_url: str, attribution: str
) -> Any:
    """The picked rep-day: heading with its replay link, figures, stops, unplanned, map."""
    if detail is None:
        return html.P(t("plans.detail.not_found", lang), className="text-muted")
    s = detail["summary"]
    heading = html.H2(
        [
            t("plans.detail.heading", lang).format(
                rep=s["rep_name"], team=s["team_name"], day=s["date"]
            ),
            " ",
            dcc.Link(t("plans.replay", lang), href=replay_href(s["rep_id"], s["date"])),
        ],
        className="h6",
    )
    return dbc.Row(
        [
            dbc.Col(
                [
                    heading,
                    figures_line(s, lang),
                    html.H3(t("plans.stops", lang), className="h6"),
                    stops_table(detail, lang),
                    html.H3(t("plans.unplanned", lang), className="h6"),
                    unplanned_table(detail, lang),
                ],
                lg=5,
            ),
            dbc.Col(
                detail_map(detail, lang=lang, tile_url=tile_url, attribution=attribution), lg=7
            ),
        ],
        className="g-2",
    )


def replay_panel(detail: Mapping[str, Any] | None, lang: str) -> Any:
    """The replay's plan vs actual card body: figures, stops with status, unplanned visits."""
    if detail is None:
        return html.P(t("plans.panel.none", lang), className="text-muted small mb-0")
    s = detail["summary"]
    if not detail["stops"] and not detail["unplanned"] and s["efficiency"] is None:
        return html.P(t("plans.panel.none", lang), className="text-muted small mb-0")
    return html.Div(
        [
            figures_line(s, lang),
            stops_table(detail, lang),
            html.H3(t("plans.unplanned", lang), className="h6"),
            unplanned_table(detail, lang),
        ],
        className="small",
    )

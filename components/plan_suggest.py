"""The suggested-plan review page (/plans/suggest, issue 17), render only: the pickers, the
map (start point, stops numbered in route order, the route), the stop list with times, grade
and km, the customers left out with their reason, the edit and publish controls."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html

from components.i18n import t
from components.map_controls import MAP_OPTIONS, localized_controls

PREFIX = "plan-suggest"
INIT = f"{PREFIX}-init"
REP_COUNT = f"{PREFIX}-rep-count"
MODE = f"{PREFIX}-mode"
REP = f"{PREFIX}-rep"
DATE = f"{PREFIX}-date"
TEAM = f"{PREFIX}-team"
WEEK = f"{PREFIX}-week"
SUGGEST = f"{PREFIX}-suggest"
WEEK_PICK = f"{PREFIX}-week-pick"
PLAN = f"{PREFIX}-plan"
WEEK_PLANS = f"{PREFIX}-week-plans"
MESSAGE = f"{PREFIX}-message"
SUMMARY = f"{PREFIX}-summary"
MAP = f"{PREFIX}-map"
MAP_LAYER = f"{PREFIX}-map-layer"
STOPS = f"{PREFIX}-stops"
LEFT_OUT = f"{PREFIX}-left-out"
STOP = f"{PREFIX}-stop"
UP = f"{PREFIX}-up"
DOWN = f"{PREFIX}-down"
REMOVE = f"{PREFIX}-remove"
ADD_PICK = f"{PREFIX}-add-pick"
ADD = f"{PREFIX}-add"
PUBLISH = f"{PREFIX}-publish"
RESULT = f"{PREFIX}-result"

BLANK_TILES = "/tiles/blank/{z}/{x}/{y}.png"
CHINA_CENTER = [34.5, 108.0]
ROUTE_COLOUR = "#2563eb"
START_COLOUR = "#16a34a"


def page(lang: str, *, rep: str | None = None, day: str | None = None) -> html.Div:
    """The page's frame; every value is filled by the callbacks."""

    def field(label: str, control: Any, width: int = 3) -> dbc.Col:
        return dbc.Col([dbc.Label(t(label, lang), className="small mb-1"), control], md=width)

    pickers = dbc.Row(
        [
            field(
                "plansug.mode",
                dbc.RadioItems(
                    id=MODE,
                    options=[
                        {"label": t("plansug.mode.day", lang), "value": "day"},
                        {"label": t("plansug.mode.week", lang), "value": "week"},
                    ],
                    value="day",
                    inline=True,
                ),
            ),
            field(
                "plansug.rep",
                dcc.Dropdown(
                    id=REP,
                    options=[],
                    placeholder=t("plansug.rep", lang),
                    value=rep,
                    clearable=False,
                ),
                2,
            ),
            field(
                "plansug.date",
                dcc.DatePickerSingle(
                    id=DATE,
                    date=day,
                    display_format="YYYY-MM-DD",
                    placeholder=t("plansug.date", lang),
                ),
                2,
            ),
            field(
                "plansug.team",
                dcc.Dropdown(id=TEAM, options=[], placeholder=t("plansug.team", lang)),
                2,
            ),
            field("plansug.week", dbc.Input(id=WEEK, type="text", placeholder="2026-W50"), 2),
            dbc.Col(
                dbc.Button(t("plansug.suggest", lang), id=SUGGEST, color="primary"),
                md=1,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2 mb-2",
    )
    edit = dbc.Row(
        [
            field(
                "plansug.stop",
                dcc.Dropdown(id=STOP, options=[], placeholder=t("plansug.stop", lang)),
                3,
            ),
            dbc.Col(
                dbc.ButtonGroup(
                    [
                        dbc.Button(t("plansug.up", lang), id=UP, outline=True, size="sm"),
                        dbc.Button(t("plansug.down", lang), id=DOWN, outline=True, size="sm"),
                        dbc.Button(
                            t("plansug.remove", lang),
                            id=REMOVE,
                            outline=True,
                            color="danger",
                            size="sm",
                        ),
                    ]
                ),
                md=3,
                className="d-flex align-items-end",
            ),
            field(
                "plansug.add_pick",
                dcc.Dropdown(id=ADD_PICK, options=[], placeholder=t("plansug.add_pick", lang)),
                3,
            ),
            dbc.Col(
                dbc.Button(t("plansug.add", lang), id=ADD, outline=True, size="sm"),
                md=1,
                className="d-flex align-items-end",
            ),
            dbc.Col(
                dbc.Button(t("plansug.publish", lang), id=PUBLISH, color="success"),
                md=2,
                className="d-flex align-items-end justify-content-end",
            ),
        ],
        className="g-2 my-2",
    )
    return html.Div(
        [
            dcc.Store(id=INIT, data=0),
            dcc.Store(id=PLAN, data=None),
            dcc.Store(id=WEEK_PLANS, data=None),
            html.H1(t("plansug.title", lang), className="h4"),
            html.P(
                [
                    t("plansug.hint", lang),
                    " ",
                    t("plansug.reps", lang),
                    ": ",
                    html.Span("…", id=REP_COUNT),
                ],
                className="small text-body-secondary",
            ),
            pickers,
            field(
                "plansug.week_day",
                dcc.Dropdown(id=WEEK_PICK, options=[], placeholder=t("plansug.week_day", lang)),
                6,
            ),
            html.Div(id=MESSAGE, className="my-2"),
            html.Div(t("plansug.empty", lang), id=SUMMARY, className="my-2"),
            dl.Map(
                [
                    dl.TileLayer(url=BLANK_TILES, maxZoom=18),
                    dl.LayerGroup(id=MAP_LAYER),
                    *localized_controls(lang),
                ],
                id=MAP,
                **MAP_OPTIONS,
                center=CHINA_CENTER,
                zoom=4,
                style={"height": "420px"},
            ),
            edit,
            html.Div(id=RESULT, className="my-2"),
            html.Div(id=STOPS),
            html.H2(t("plansug.left_out", lang), className="h6 mt-3"),
            html.Div(id=LEFT_OUT),
        ]
    )


def suggest_link(rep: str, lang: str) -> html.Div:
    """A link to review a suggested plan for ``rep`` (for a rep's level elsewhere)."""
    href = f"/plans/suggest?{urlencode({'rep': rep})}"
    return html.Div(dcc.Link(t("plansug.link", lang), href=href), className="my-2")


def rep_options(reps: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [{"label": f"{r['name']} ({r['id']})", "value": r["id"]} for r in reps]


def team_options(reps: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [{"label": team, "value": team} for team in sorted({r["team_id"] for r in reps})]


def week_options(plans: list[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "label": t("plansug.week_option", lang).format(
                rep=p["rep_id"], date=p["date"], n=len(p["customer_ids"]), km=p["km_planned"]
            ),
            "value": i,
        }
        for i, p in enumerate(plans)
    ]


def error(message: str) -> dbc.Alert:
    return dbc.Alert(message, color="danger", className="py-2 mb-0")


def _number_icon(n: int) -> dict[str, Any]:
    return {
        "className": "plan-suggest-icon",
        "html": (
            f'<div style="background:{ROUTE_COLOUR};color:#fff;border-radius:50%;width:20px;'
            f'height:20px;text-align:center;font-size:12px;line-height:20px">{n}</div>'
        ),
        "iconSize": [20, 20],
        "iconAnchor": [10, 10],
    }


def map_layer(plan: Mapping[str, Any] | None, lang: str) -> tuple[list[Any], Any]:
    """The layer's children (start, numbered stops, route) and the map's bounds (None: keep)."""
    if not plan or not plan.get("start"):
        return [], None
    start = [plan["start"]["lat"], plan["start"]["lon"]]
    route = [start, *[[s["lat"], s["lon"]] for s in plan["stops"]]]
    out: list[Any] = [
        dl.CircleMarker(
            center=start,
            radius=8,
            color=START_COLOUR,
            fillOpacity=0.9,
            children=dl.Tooltip(t("plansug.start", lang)),
        )
    ]
    if len(route) > 1:
        out.append(dl.Polyline(positions=route, color=ROUTE_COLOUR, weight=3))
    for n, s in enumerate(plan["stops"], start=1):
        out.append(
            dl.DivMarker(
                position=[s["lat"], s["lon"]],
                iconOptions=_number_icon(n),
                children=dl.Tooltip(f"{n}. {s['name']} ({s['grade']}) {s['arrive']}"),
            )
        )
    lats = [p[0] for p in route]
    lons = [p[1] for p in route]
    pad = 0.01
    bounds = [[min(lats) - pad, min(lons) - pad], [max(lats) + pad, max(lons) + pad]]
    return out, bounds


def summary(plan: Mapping[str, Any] | None, lang: str) -> Any:
    if not plan:
        return t("plansug.empty", lang)
    if not plan["stops"]:
        return t("plansug.no_stops", lang)
    parts: list[Any] = [
        html.Div(
            t("plansug.summary", lang).format(
                rep=plan["rep_id"],
                date=plan["date"],
                n=len(plan["stops"]),
                km=plan["km_planned"],
                drive=plan["drive_min"],
                service=plan["service_min"],
                work_start=plan["work_start"],
                work_end=plan["work_end"],
            )
        )
    ]
    if "fits" in plan:
        if plan["fits"]:
            parts.append(dbc.Alert(t("plansug.fits", lang), color="success", className="py-1"))
        else:
            problems = []
            if plan.get("late"):
                problems.append(t("plansug.late", lang).format(ids=", ".join(plan["late"])))
            if plan.get("over_max"):
                problems.append(
                    t("plansug.over_max", lang).format(max=plan.get("max_visits_per_day"))
                )
            parts.append(
                dbc.Alert(
                    " ".join(problems), color="warning", className="py-1", id=f"{PREFIX}-warn"
                )
            )
    return parts


def stops_table(plan: Mapping[str, Any] | None, lang: str) -> Any:
    if not plan or not plan["stops"]:
        return None
    head = html.Thead(
        html.Tr(
            [
                html.Th(t(f"plansug.col.{c}", lang))
                for c in ("n", "customer", "grade", "arrive", "start", "end", "km")
            ]
        )
    )
    late = set(plan.get("late") or [])
    rows = [
        html.Tr(
            [
                html.Td(n),
                html.Td(f"{s['name']} ({s['customer_id']})"),
                html.Td(s["grade"]),
                html.Td(s["arrive"]),
                html.Td(s["start"]),
                html.Td(s["end"]),
                html.Td(f"{s['km_from_previous']:.2f}"),
            ],
            className="table-warning" if s["customer_id"] in late else None,
        )
        for n, s in enumerate(plan["stops"], start=1)
    ]
    return dbc.Table([head, html.Tbody(rows)], size="sm", striped=True, id=f"{PREFIX}-table")


def left_out_table(plan: Mapping[str, Any] | None, lang: str) -> Any:
    if not plan:
        return None
    if not plan["left_out"]:
        return html.P(t("plansug.none_left_out", lang), className="small")
    head = html.Thead(
        html.Tr([html.Th(t(f"plansug.col.{c}", lang)) for c in ("customer", "grade", "reason")])
    )
    rows = [
        html.Tr(
            [
                html.Td(f"{x['name']} ({x['customer_id']})"),
                html.Td(x["grade"]),
                html.Td(t(f"plansug.reason.{x['reason']}", lang)),
            ]
        )
        for x in plan["left_out"]
    ]
    return dbc.Table([head, html.Tbody(rows)], size="sm", id=f"{PREFIX}-left-out-table")


def stop_options(plan: Mapping[str, Any] | None) -> list[dict[str, str]]:
    if not plan:
        return []
    return [
        {"label": f"{n}. {s['name']} ({s['customer_id']})", "value": s["customer_id"]}
        for n, s in enumerate(plan["stops"], start=1)
    ]


def _reason(reason: str, lang: str) -> str:
    return t(f"plansug.reason.{reason}", lang)


def add_options(plan: Mapping[str, Any] | None, lang: str) -> list[dict[str, str]]:
    if not plan:
        return []
    return [
        {
            "label": f"{x['name']} ({x['customer_id']}) · " + _reason(x["reason"], lang),
            "value": x["customer_id"],
        }
        for x in plan["left_out"]
    ]


def published(summary_: Mapping[str, Any], plan_id: str, lang: str) -> dbc.Alert:
    if summary_.get("rejected"):
        errors = "; ".join(str(r.get("error", r)) for r in summary_["rejected"])
        return error(t("plansug.rejected", lang).format(errors=errors))
    return dbc.Alert(
        t("plansug.published", lang).format(id=plan_id, accepted=summary_.get("accepted", 0)),
        color="success",
        className="py-2 mb-0",
    )


def default_date(today: date) -> str:
    return today.isoformat()

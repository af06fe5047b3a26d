"""The replay page's skeleton: map with its moving marker, player bar, timeline, side panels."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html

from components.i18n import t
from components.kpi import empty_figure
from components.locale import graph_config
from components.map_controls import MAP_OPTIONS, localized_controls
from components.replay import ids
from components.replay.common import DEFAULT_CENTER
from components.replay.panels import legend

SPEEDS = (1, 5, 15, 60)
MARKER_HIDDEN = {
    "color": "#ffffff",
    "weight": 3,
    "fillColor": "#0d6efd",
    "opacity": 0,
    "fillOpacity": 0,
}
FRAME_MS = 100


def _player_bar(lang: str) -> html.Div:
    """Play, speed, skip idle time, next anomaly, the clock, and the scrubber."""
    return html.Div(
        [
            html.Div(
                [
                    dbc.Button(t("replay.play", lang), id=ids.PLAY, color="primary", size="sm"),
                    dbc.RadioItems(
                        id=ids.SPEED,
                        options=[{"label": f"{s}×", "value": s} for s in SPEEDS],
                        value=60,
                        inline=True,
                        className="btn-group replay-speed-group",
                        inputClassName="btn-check",
                        labelClassName="btn btn-sm btn-outline-secondary",
                        labelCheckedClassName="active",
                    ),
                    dbc.Switch(
                        id=ids.SKIP,
                        label=t("replay.skip_idle", lang),
                        value=False,
                        className="mb-0",
                    ),
                    dbc.Button(
                        t("replay.next_anomaly", lang),
                        id=ids.NEXT,
                        color="warning",
                        outline=True,
                        size="sm",
                    ),
                    html.Div(
                        [
                            html.Span("—", id=ids.CLOCK, className="replay-clock"),
                            html.Span("", id=ids.SPEED_NOW, className="badge text-bg-secondary"),
                            html.Span("", id=ids.STATUS, className="small text-body-secondary"),
                        ],
                        className="d-flex align-items-center gap-2 ms-auto",
                    ),
                ],
                className="d-flex flex-wrap align-items-center gap-3 mb-2",
            ),
            dcc.Slider(
                id=ids.SCRUBBER,
                min=0,
                max=86400,
                step=1,
                value=0,
                marks=None,
                updatemode="drag",
                allow_direct_input=False,
                className="replay-scrubber",
            ),
        ],
        className="replay-player",
    )


def replay_page(
    rep_id: str | None, day: str | None, start: str | None, *, lang: str, theme: str
) -> html.Div:
    """The whole page for one rep-day (``start``: the URL's ``t``), its data left to the
    callbacks: map, player, timeline, summary, anomalies and legend."""
    card = dbc.Card
    the_map = dl.Map(
        [
            dl.LayersControl([], id=ids.LAYERS, collapsed=True),
            # Its own pane, above the stop and plan markers, so it is never hidden under them.
            dl.Pane(
                dl.CircleMarker(
                    id=ids.MARKER,
                    center=DEFAULT_CENTER,
                    radius=9,
                    pathOptions=MARKER_HIDDEN,
                    pane="replay-marker-pane",
                ),
                name="replay-marker-pane",
                style={"zIndex": 650},
            ),
            *localized_controls(lang),
        ],
        id=ids.MAP,
        **MAP_OPTIONS,
        center=DEFAULT_CENTER,
        zoom=12,
        className="replay-map",
    )
    return html.Div(
        [
            dcc.Store(id=ids.QUERY, data={"rep": rep_id, "day": day, "t": start}),
            dcc.Store(id=ids.DATA),
            dcc.Store(id=ids.STATE),
            dcc.Interval(id=ids.INTERVAL, interval=FRAME_MS, disabled=True),
            html.Div(
                [
                    html.H1(t("replay.title", lang), id=ids.TITLE, className="h4 mb-0 me-auto"),
                    html.Div(id=ids.NAV, className="d-flex"),
                    dcc.Dropdown(
                        id=ids.REP_PICKER,
                        # Set with its options by load_replay: a value without options is cleared.
                        value=None,
                        options=[],
                        clearable=False,
                        placeholder=t("replay.rep", lang),
                        className="replay-rep-picker",
                    ),
                ],
                className="d-flex flex-wrap align-items-center gap-2 mb-2",
            ),
            html.Div(id=ids.MESSAGE),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            card(dbc.CardBody(the_map, className="p-0"), className="mb-2"),
                            # Below lg: docked at the bottom of the screen (assets/cockpit.css).
                            card(
                                dbc.CardBody(_player_bar(lang)),
                                className="mb-2 replay-player-card",
                            ),
                            card(
                                dbc.CardBody(
                                    # Below lg the timeline keeps a readable width and
                                    # scrolls sideways inside this box, never the page.
                                    html.Div(
                                        html.Div(
                                            [
                                                dcc.Graph(
                                                    id=ids.TIMELINE,
                                                    figure=empty_figure(lang, theme, height=250),
                                                    config=graph_config(lang, displayModeBar=False),
                                                ),
                                                html.Div(
                                                    id=ids.CURSOR,
                                                    className="replay-cursor",
                                                    style={"display": "none"},
                                                ),
                                            ],
                                            className="replay-timeline-wrap",
                                        ),
                                        className="replay-timeline-scroll",
                                    ),
                                    className="p-1",
                                )
                            ),
                        ],
                        xl=9,
                    ),
                    dbc.Col(
                        [
                            card(
                                [
                                    dbc.CardHeader(t("replay.summary", lang)),
                                    dbc.CardBody(t("replay.loading", lang), id=ids.SUMMARY),
                                ],
                                className="mb-2",
                            ),
                            card(
                                [
                                    dbc.CardHeader(t("plans.panel", lang)),
                                    dbc.CardBody(id=ids.PLAN_ACTUAL),
                                ],
                                className="mb-2",
                            ),
                            card(
                                [
                                    dbc.CardHeader(t("replay.anomalies", lang)),
                                    dbc.CardBody(id=ids.ANOMALIES),
                                ],
                                className="mb-2",
                            ),
                            card(
                                [
                                    dbc.CardHeader(t("replay.legend", lang)),
                                    dbc.CardBody(legend(lang)),
                                ]
                            ),
                        ],
                        xl=3,
                    ),
                ],
                className="g-2",
            ),
        ],
        className="replay-page",
    )

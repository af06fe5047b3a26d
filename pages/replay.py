"""Trajectory replay of one rep-day: map, timeline and a player that runs in the browser.

The server answers once per rep-day (``load_replay``); play, pause, speed, scrubbing, skipping
idle time, jumping to the next anomaly and clicks on the timeline are clientside callbacks of
``assets/replay.js`` over the data in ``replay-data``: no server round-trip per frame.
"""

import dash
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import ClientsideFunction, Input, Output, State, callback, dcc, html

from components.i18n import t
from components.kpi import empty_figure
from components.replay import DEFAULT_CENTER, legend, render_replay
from components.shell import forbidden
from dashboard.services import replay
from dashboard.web.context import current_engine, current_settings
from dashboard.web.pages_support import guard, guard_layout

ROLES = ("exec", "manager", "finance", "admin")

dash.register_page(
    __name__,
    path_template="/replay/<rep_id>/<date>",
    name="replay",
    title="轨迹回放 · Trajectory replay",
    title_zh="轨迹回放",
    title_en="Trajectory replay",
    roles=ROLES,
    order=20,
    nav=False,
)

REPLAY_QUERY = "replay-query"
REPLAY_DATA = "replay-data"
REPLAY_STATE = "replay-state"
REPLAY_INTERVAL = "replay-interval"
REPLAY_MAP = "replay-map"
REPLAY_LAYERS = "replay-layers"
REPLAY_MARKER = "replay-marker"
REPLAY_TIMELINE = "replay-timeline"
REPLAY_CURSOR = "replay-cursor"
REPLAY_PLAY = "replay-play"
REPLAY_SPEED = "replay-speed"
REPLAY_SKIP = "replay-skip-idle"
REPLAY_NEXT = "replay-next-anomaly"
REPLAY_SCRUBBER = "replay-scrubber"
REPLAY_CLOCK = "replay-clock"
REPLAY_SPEED_NOW = "replay-speed-now"
REPLAY_STATUS = "replay-status"
REPLAY_TITLE = "replay-title"
REPLAY_NAV = "replay-nav"
REPLAY_REP_PICKER = "replay-rep-picker"
REPLAY_MESSAGE = "replay-message"
REPLAY_SUMMARY = "replay-summary"
REPLAY_ANOMALIES = "replay-anomalies"
SHELL_URL = "shell-url"

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
    return html.Div(
        [
            html.Div(
                [
                    dbc.Button(t("replay.play", lang), id=REPLAY_PLAY, color="primary", size="sm"),
                    dbc.RadioItems(
                        id=REPLAY_SPEED,
                        options=[{"label": f"{s}×", "value": s} for s in SPEEDS],
                        value=60,
                        inline=True,
                        className="btn-group replay-speed-group",
                        inputClassName="btn-check",
                        labelClassName="btn btn-sm btn-outline-secondary",
                        labelCheckedClassName="active",
                    ),
                    dbc.Switch(
                        id=REPLAY_SKIP,
                        label=t("replay.skip_idle", lang),
                        value=False,
                        className="mb-0",
                    ),
                    dbc.Button(
                        t("replay.next_anomaly", lang),
                        id=REPLAY_NEXT,
                        color="warning",
                        outline=True,
                        size="sm",
                    ),
                    html.Div(
                        [
                            html.Span("—", id=REPLAY_CLOCK, className="replay-clock"),
                            html.Span("", id=REPLAY_SPEED_NOW, className="badge text-bg-secondary"),
                            html.Span("", id=REPLAY_STATUS, className="small text-body-secondary"),
                        ],
                        className="d-flex align-items-center gap-2 ms-auto",
                    ),
                ],
                className="d-flex flex-wrap align-items-center gap-3 mb-2",
            ),
            dcc.Slider(
                id=REPLAY_SCRUBBER,
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


@guard_layout(forbidden)
def layout(me, /, rep_id=None, date=None, **query):
    lang, theme = me.lang, me.theme
    card = dbc.Card
    the_map = dl.Map(
        [
            dl.LayersControl([], id=REPLAY_LAYERS, collapsed=True),
            # Its own pane, above the stop and plan markers, so it is never hidden under them.
            dl.Pane(
                dl.CircleMarker(
                    id=REPLAY_MARKER,
                    center=DEFAULT_CENTER,
                    radius=9,
                    pathOptions=MARKER_HIDDEN,
                    pane="replay-marker-pane",
                ),
                name="replay-marker-pane",
                style={"zIndex": 650},
            ),
        ],
        id=REPLAY_MAP,
        center=DEFAULT_CENTER,
        zoom=12,
        className="replay-map",
    )
    return html.Div(
        [
            dcc.Store(id=REPLAY_QUERY, data={"rep": rep_id, "day": date, "t": query.get("t")}),
            dcc.Store(id=REPLAY_DATA),
            dcc.Store(id=REPLAY_STATE),
            dcc.Interval(id=REPLAY_INTERVAL, interval=FRAME_MS, disabled=True),
            html.Div(
                [
                    html.H1(t("replay.title", lang), id=REPLAY_TITLE, className="h4 mb-0 me-auto"),
                    html.Div(id=REPLAY_NAV, className="d-flex"),
                    dcc.Dropdown(
                        id=REPLAY_REP_PICKER,
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
            html.Div(id=REPLAY_MESSAGE),
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
                                                    id=REPLAY_TIMELINE,
                                                    figure=empty_figure(lang, theme, height=250),
                                                    config={"displayModeBar": False},
                                                ),
                                                html.Div(
                                                    id=REPLAY_CURSOR,
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
                                    dbc.CardBody(t("replay.loading", lang), id=REPLAY_SUMMARY),
                                ],
                                className="mb-2",
                            ),
                            card(
                                [
                                    dbc.CardHeader(t("replay.anomalies", lang)),
                                    dbc.CardBody(id=REPLAY_ANOMALIES),
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


@callback(
    Output(REPLAY_DATA, "data"),
    Output(REPLAY_LAYERS, "children"),
    Output(REPLAY_MAP, "viewport"),
    Output(REPLAY_TIMELINE, "figure"),
    Output(REPLAY_SUMMARY, "children"),
    Output(REPLAY_ANOMALIES, "children"),
    Output(REPLAY_TITLE, "children"),
    Output(REPLAY_NAV, "children"),
    Output(REPLAY_REP_PICKER, "options"),
    Output(REPLAY_REP_PICKER, "value"),
    Output(REPLAY_MESSAGE, "children"),
    Output(REPLAY_SCRUBBER, "marks"),
    Input(REPLAY_QUERY, "data"),
)
@guard()
def load_replay(me, query):
    query = query or {}
    settings = current_settings()
    payload = replay.replay_day(
        current_engine(),
        me.user,
        str(query.get("rep") or ""),
        str(query.get("day") or ""),
        tile_crs=settings.tile_crs,
    )
    out = render_replay(
        payload,
        lang=me.lang,
        theme=me.theme,
        tile_url=settings.tile_url,
        attribution=settings.tile_attribution,
        start=replay.parse_clock(query.get("t")),
    )
    return tuple(out[key] for key in OUTPUT_KEYS)


OUTPUT_KEYS = (
    "player",
    "layers",
    "viewport",
    "timeline",
    "summary",
    "anomalies",
    "title",
    "nav",
    "reps",
    "rep",
    "message",
    "marks",
)

dash.clientside_callback(
    ClientsideFunction(namespace="replay", function_name="player"),
    Output(REPLAY_STATE, "data"),
    Output(REPLAY_SCRUBBER, "value"),
    Output(REPLAY_SCRUBBER, "min"),
    Output(REPLAY_SCRUBBER, "max"),
    Output(REPLAY_MARKER, "center"),
    Output(REPLAY_MARKER, "pathOptions"),
    Output(REPLAY_CLOCK, "children"),
    Output(REPLAY_SPEED_NOW, "children"),
    Output(REPLAY_STATUS, "children"),
    Output(REPLAY_INTERVAL, "disabled"),
    Output(REPLAY_PLAY, "children"),
    Output(REPLAY_CURSOR, "style"),
    Input(REPLAY_DATA, "data"),
    Input(REPLAY_INTERVAL, "n_intervals"),
    Input(REPLAY_PLAY, "n_clicks"),
    Input(REPLAY_SPEED, "value"),
    Input(REPLAY_SCRUBBER, "value"),
    Input(REPLAY_NEXT, "n_clicks"),
    Input(REPLAY_TIMELINE, "clickData"),
    Input(REPLAY_SKIP, "value"),
    State(REPLAY_STATE, "data"),
)

dash.clientside_callback(
    ClientsideFunction(namespace="replay", function_name="pickRep"),
    Output(SHELL_URL, "pathname", allow_duplicate=True),
    Input(REPLAY_REP_PICKER, "value"),
    State(REPLAY_QUERY, "data"),
    prevent_initial_call=True,
)

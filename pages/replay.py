"""Trajectory replay of one rep-day: map, timeline and a player that runs in the browser.

The server answers once per rep-day (``load_replay``); play, pause, speed, scrubbing, skipping
idle time, jumping to the next anomaly and clicks on the timeline are clientside callbacks of
``assets/replay.js`` over the data in ``replay-data``: no server round-trip per frame.
"""

import dash
from dash import ClientsideFunction, Input, Output, State, callback

from components import replay as view
from components.replay import ids
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

# load_replay's outputs, by their name in components.replay.render_replay's answer.
OUTPUTS = {
    "player": Output(ids.DATA, "data"),
    "layers": Output(ids.LAYERS, "children"),
    "viewport": Output(ids.MAP, "viewport"),
    "timeline": Output(ids.TIMELINE, "figure"),
    "summary": Output(ids.SUMMARY, "children"),
    "anomalies": Output(ids.ANOMALIES, "children"),
    "title": Output(ids.TITLE, "children"),
    "nav": Output(ids.NAV, "children"),
    "reps": Output(ids.REP_PICKER, "options"),
    "rep": Output(ids.REP_PICKER, "value"),
    "message": Output(ids.MESSAGE, "children"),
    "marks": Output(ids.SCRUBBER, "marks"),
    "plan_actual": Output(ids.PLAN_ACTUAL, "children"),
}


@guard_layout(forbidden)
def layout(me, /, rep_id=None, date=None, **query):
    return view.replay_page(rep_id, date, query.get("t"), lang=me.lang, theme=me.theme)


@callback(*OUTPUTS.values(), Input(ids.QUERY, "data"))
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
    out = view.render_replay(
        payload,
        lang=me.lang,
        theme=me.theme,
        tile_url=settings.tile_url,
        attribution=settings.tile_attribution,
        start=replay.parse_clock(query.get("t")),
    )
    return tuple(out[key] for key in OUTPUTS)


dash.clientside_callback(
    ClientsideFunction(namespace="replay", function_name="player"),
    Output(ids.STATE, "data"),
    Output(ids.SCRUBBER, "value"),
    Output(ids.SCRUBBER, "min"),
    Output(ids.SCRUBBER, "max"),
    Output(ids.MARKER, "center"),
    Output(ids.MARKER, "pathOptions"),
    Output(ids.CLOCK, "children"),
    Output(ids.SPEED_NOW, "children"),
    Output(ids.STATUS, "children"),
    Output(ids.INTERVAL, "disabled"),
    Output(ids.PLAY, "children"),
    Output(ids.CURSOR, "style"),
    Input(ids.DATA, "data"),
    Input(ids.INTERVAL, "n_intervals"),
    Input(ids.PLAY, "n_clicks"),
    Input(ids.SPEED, "value"),
    Input(ids.SCRUBBER, "value"),
    Input(ids.NEXT, "n_clicks"),
    Input(ids.TIMELINE, "clickData"),
    Input(ids.SKIP, "value"),
    State(ids.STATE, "data"),
)

dash.clientside_callback(
    ClientsideFunction(namespace="replay", function_name="pickRep"),
    Output(ids.SHELL_URL, "pathname", allow_duplicate=True),
    Input(ids.REP_PICKER, "value"),
    State(ids.QUERY, "data"),
    prevent_initial_call=True,
)

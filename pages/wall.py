"""The wall screen (kiosk): live rep map, today's counters and KPIs, critical alerts, teams.

`/wall?view=national|region:<id>`, `/wall?rotate=a,b,c&every=30`, `&refresh=60`, `&privacy=1`.
Rotation, the countdown and the stale banner run in the browser (assets/wall.js); the server
refreshes the panels of the current view on a timer, replacing their content each time.
"""

from datetime import UTC, datetime

import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc

from components import wall as ui
from components.i18n import t
from components.shell import forbidden
from dashboard.services import wall
from dashboard.web.context import current_engine, current_settings
from dashboard.web.pages_support import ALL_ROLES, guard, guard_layout
from dashboard.web.signin import current_wall_link

ROLES = (*ALL_ROLES, wall.WALL_ROLE)

dash.register_page(
    __name__,
    path="/wall",
    name="wall",
    title="外勤作战大屏 · Wall",
    title_zh="大屏",
    title_en="Wall",
    roles=ROLES,
    nav=False,
    kiosk=True,
    order=90,
)

WALL_CONFIG = "wall-config"
WALL_VIEW = "wall-view"
WALL_STAMP = "wall-stamp"
WALL_REFRESH = "wall-refresh"
WALL_ROTATE = "wall-rotate"
WALL_TICK = "wall-tick"
IDS = ui.IDS


def _now() -> datetime:
    """The wall's clock (bench/wall.py pins it to the end of its synthetic data)."""
    return datetime.now(UTC)


@guard_layout(forbidden)
def layout(me, /, **query):
    lang = query.get("lang") if query.get("lang") in ("zh", "en") else me.lang
    try:
        options = wall.parse_options(query)
    except wall.WallError as exc:
        return ui.problem(lang, str(exc))
    views = list(options.views)
    link = current_wall_link() if me.user is not None else None
    if link is not None:
        views = [v.key for v in wall.allowed_views(link, wall.parse_views(",".join(views)))]
        views = views or list(link.views)
    tile_url = current_settings().tile_url if me.user is not None else ""
    config = {
        "views": views,
        "every": options.every_s,
        "refresh": options.refresh_s,
        "stale": options.stale_s,
        "privacy": options.privacy,
        "lang": lang,
        "tz": current_settings().timezone if me.user is not None else "UTC",
        "text": {
            "updated": t("wall.updated", lang),
            "next": t("wall.next", lang),
            "stale": t("wall.stale", lang),
        },
    }
    return [
        dcc.Store(id=WALL_CONFIG, data=config),
        dcc.Store(id=WALL_VIEW, data=views[0]),
        dcc.Store(id=WALL_STAMP),
        ui.interval(WALL_REFRESH, options.refresh_s),
        ui.interval(WALL_ROTATE, options.every_s, disabled=len(views) < 2),
        ui.interval(WALL_TICK, 1),
        ui.frame(lang=lang, tile_url=tile_url, views=views, privacy=options.privacy),
    ]


# Rotation: the next view of the list, in order, at each tick of the rotation timer.
clientside_callback(
    ClientsideFunction("cockpitWall", "rotate"),
    Output(WALL_VIEW, "data"),
    Output(IDS["dots"], "className"),
    Input(WALL_ROTATE, "n_intervals"),
    State(WALL_CONFIG, "data"),
)

# Cluster radius in screen pixels follows the screen height, like the cluster icons.
clientside_callback(
    ClientsideFunction("cockpitWall", "clusterOptions"),
    Output(IDS["reps"], "superClusterOptions"),
    Input(WALL_CONFIG, "data"),
)

# Every second: countdown, "last updated", and the stale banner (no answer for too long).
clientside_callback(
    ClientsideFunction("cockpitWall", "tick"),
    Output(IDS["countdown"], "children"),
    Output(IDS["updated"], "children"),
    Output(IDS["stale"], "children"),
    Output(IDS["stale"], "hidden"),
    Input(WALL_TICK, "n_intervals"),
    Input(WALL_STAMP, "data"),
    State(WALL_CONFIG, "data"),
)


@callback(
    Output(IDS["title"], "children"),
    Output(IDS["view-key"], "children"),
    Output(IDS["counters"], "children"),
    Output(IDS["kpis"], "children"),
    Output(IDS["teams"], "children"),
    Output(IDS["ticker"], "children"),
    Output(IDS["reps"], "data"),
    Output(IDS["revoked"], "children"),
    Output(IDS["revoked"], "hidden"),
    Output(WALL_STAMP, "data"),
    Input(WALL_REFRESH, "n_intervals"),
    Input(WALL_VIEW, "data"),
    State(WALL_CONFIG, "data"),
)
@guard()
def update_wall_panels(me, _n, view_key, config):
    lang, now = config["lang"], _now()
    link = current_wall_link()
    stamp = {"at": now.isoformat(), "view": view_key}
    empty = {"type": "FeatureCollection", "features": []}
    try:
        view = wall.parse_view(view_key)
        if link is not None and (not link.live(now) or view.key not in link.views):
            raise PermissionError
        data = wall.snapshot(
            current_engine(),
            me.user,
            view,
            now=now,
            timezone=current_settings().timezone,
            privacy=bool(config.get("privacy")),
        )
    except (PermissionError, wall.WallError) as exc:
        message = str(exc) if isinstance(exc, wall.WallError) else None
        blank = ui.revoked(lang, message)
        return "", view_key, [], [], [], [], empty, blank, False, stamp
    return (
        ui.title(data, lang),
        data["view"],
        ui.counters(data, lang),
        ui.kpis(data, lang),
        ui.teams(data, lang),
        ui.ticker(data, lang),
        ui.rep_features(data["reps"], lang),
        [],
        True,
        stamp,
    )

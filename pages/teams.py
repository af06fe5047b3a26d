"""Team KPIs: comparison, trend, distribution, grade compliance, and the drill-down
team → rep → day → visits (each level a sortable, filterable, exportable grid)."""

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components.drill import (
    breadcrumb,
    definitions_help,
    drill_columns,
    drill_level,
    drill_rows,
    drill_target,
    overdue_columns,
)
from components.filters import filter_bar
from components.grids import GRID, data_grid, records
from components.i18n import t
from components.kpi import (
    distribution_figure,
    empty_figure,
    heatmap_figure,
    team_bar_figure,
    trend_figure,
)
from components.shell import forbidden, page_header
from dashboard.services import drilldown, kpis
from dashboard.web.context import company_today, current_engine
from dashboard.web.pages_support import (
    ALL_ROLES,
    filters_from_query,
    guard,
    guard_layout,
    period_dates,
)

ROLES = ALL_ROLES

dash.register_page(
    __name__,
    path="/teams",
    name="teams",
    title="团队绩效 · Team KPIs",
    title_zh="团队绩效",
    title_en="Team KPIs",
    roles=ROLES,
    order=10,
)

TEAMS_QUERY = "teams-query"
TEAMS_METRIC = "teams-metric"
TEAMS_GRAIN = "teams-grain"
TEAMS_COMPARISON = "teams-comparison"
TEAMS_TREND = "teams-trend"
TEAMS_DISTRIBUTION = "teams-distribution"
TEAMS_HEATMAP = "teams-heatmap"
TEAMS_BREADCRUMB = "teams-breadcrumb"
TEAMS_DRILL_TITLE = "teams-drill-title"
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
    return dcc.Graph(id=graph_id, figure=empty_figure(lang, theme), config={"displaylogo": False})


def _card(title, body) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="h-100")


@guard_layout(forbidden)
def layout(me, /, **query):
    lang, theme = me.lang, me.theme
    controls = dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=TEAMS_METRIC,
                    value=query.get("metric") if query.get("metric") in METRICS else METRICS[0],
                    options=[{"label": t(f"kpi.{m}", lang), "value": m} for m in METRICS],
                    clearable=False,
                ),
                md=4,
            ),
            dbc.Col(
                dbc.RadioItems(
                    id=TEAMS_GRAIN,
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
            filter_bar(query, lang=lang, dates=period_dates(query)),
            dcc.Store(id=TEAMS_QUERY, data=query),
            controls,
            dbc.Row(
                [
                    dbc.Col(
                        _card(t("teams.comparison", lang), _graph(TEAMS_COMPARISON, lang, theme)),
                        xl=6,
                        className="mb-3",
                    ),
                    dbc.Col(
                        _card(t("teams.trend", lang), _graph(TEAMS_TREND, lang, theme)),
                        xl=6,
                        className="mb-3",
                    ),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _card(
                            t("teams.distribution", lang), _graph(TEAMS_DISTRIBUTION, lang, theme)
                        ),
                        xl=6,
                        className="mb-3",
                    ),
                    dbc.Col(
                        _card(t("teams.heatmap", lang), _graph(TEAMS_HEATMAP, lang, theme)),
                        xl=6,
                        className="mb-3",
                    ),
                ]
            ),
            _card(
                html.Div(
                    [html.Span(id=TEAMS_DRILL_TITLE), html.Div(id=TEAMS_BREADCRUMB)],
                    className="d-flex justify-content-between align-items-center",
                ),
                data_grid("teams-drill", None, [], lang=lang, theme=theme, file_name="drill"),
            ),
            html.Div(className="mb-3"),
            _card(
                t("teams.overdue", lang),
                data_grid(
                    "teams-overdue",
                    None,
                    overdue_columns(lang),
                    lang=lang,
                    theme=theme,
                    file_name="overdue-customers",
                ),
            ),
        ]
    )


@callback(
    Output(TEAMS_COMPARISON, "figure"),
    Output(TEAMS_TREND, "figure"),
    Output(TEAMS_DISTRIBUTION, "figure"),
    Input(TEAMS_QUERY, "data"),
    Input(TEAMS_METRIC, "value"),
    Input(TEAMS_GRAIN, "value"),
)
@guard()
def render_team_charts(me, query, metric, grain):
    lang, theme = me.lang, me.theme
    filters = filters_from_query(query)
    views = kpis.team_views(current_engine(), me.user, filters, grain=grain, today=company_today())
    return (
        team_bar_figure(views["teams"], metric=metric, lang=lang, theme=theme),
        trend_figure(views["trend"], metric=metric, x="period", lang=lang, theme=theme),
        distribution_figure(
            views["reps"], metric=metric, group="team_name", lang=lang, theme=theme
        ),
    )


@callback(
    Output(TEAMS_HEATMAP, "figure"),
    Output(OVERDUE_GRID, "rowData"),
    Input(TEAMS_QUERY, "data"),
)
@guard()
def render_compliance(me, query):
    result = kpis.compliance(current_engine(), me.user, filters_from_query(query))
    heatmap = heatmap_figure(result["heatmap"], lang=me.lang, theme=me.theme)
    return heatmap, records(result["overdue"])


@callback(
    Output(DRILL_GRID, "rowData"),
    Output(DRILL_GRID, "columnDefs"),
    Output(TEAMS_DRILL_TITLE, "children"),
    Output(TEAMS_BREADCRUMB, "children"),
    Input(TEAMS_QUERY, "data"),
)
@guard()
def render_drill_grid(me, query):
    lang = me.lang
    query = query or {}
    level = drill_level(query)
    frame = drilldown.drill(
        current_engine(),
        me.user,
        filters_from_query(query),
        level=level,
        day=query.get("day"),
        today=company_today(),
    )
    return (
        records(drill_rows(level, frame, query, lang)),
        drill_columns(level, lang),
        t(f"teams.grid.{level}", lang),
        breadcrumb(query, lang),
    )


@callback(
    Output(SHELL_URL, "search", allow_duplicate=True),
    Input(DRILL_GRID, "selectedRows"),
    Input(TEAMS_COMPARISON, "clickData"),
    State(TEAMS_QUERY, "data"),
    prevent_initial_call=True,
)
@guard()
def drill_down_on_select(_me, selected, click, query):
    query = dict(query or {})
    if ctx.triggered_id == TEAMS_COMPARISON:
        if not click:
            raise PreventUpdate
        target = {"team": click["points"][0].get("customdata")}
    else:
        if not selected:
            raise PreventUpdate
        target = drill_target(drill_level(query), selected[0])
    if not target:
        return no_update
    query.update(target)
    return "?" + urlencode({k: v for k, v in query.items() if v})

"""Team KPIs: comparison, trend, distribution, grade compliance, and the drill-down
team → rep → day → visits (each level a sortable, filterable, exportable grid)."""

import dash
from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from components import handover, plan_suggest
from components import rhythm as rhythm_ui
from components import teams as ui
from components.drill import drill_level, drill_outputs, drill_search, drill_target, overdue_rows
from components.kpi import (
    distribution_figure,
    has_visits,
    heatmap_figure,
    no_visits_figure,
    team_bar_figure,
    trend_figure,
)
from components.shell import forbidden
from dashboard.filters import ending_on, to_search
from dashboard.services import drilldown, kpis
from dashboard.web.context import company_today, current_engine
from dashboard.web.pages_support import (
    ALL_ROLES,
    filters_from_query,
    guard,
    guard_layout,
    period_dates,
)
from pages import _teams_handover, _teams_rhythm

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


@guard_layout(forbidden)
def layout(me, /, **query):
    page = ui.teams_page(query, lang=me.lang, theme=me.theme, dates=period_dates(query))
    page.children.append(rhythm_ui.rhythm_card(lang=me.lang, theme=me.theme))
    # A rep's handover, at the rep's level of the drill-down (pages/_teams_handover.py).
    shown = bool(query.get("rep")) and me.may(_teams_handover.HANDOVER_ROLES)
    page.children.append(handover.handover_panel(me.lang, shown=shown))
    if shown:  # the suggested-plan review of this rep (pages/plan_suggest.py)
        page.children.append(plan_suggest.suggest_link(str(query["rep"]), me.lang))
    return page


_teams_rhythm.register_callbacks(page=__name__)  # the rhythm view (due list, overdue, tasks)
_teams_handover.register_callbacks(page=__name__, query_id=ui.QUERY)


@callback(
    Output(ui.COMPARISON, "figure"),
    Output(ui.TREND, "figure"),
    Output(ui.DISTRIBUTION, "figure"),
    Input(ui.QUERY, "data"),
    Input(ui.METRIC, "value"),
    Input(ui.GRAIN, "value"),
)
@guard()
def render_team_charts(me, query, metric, grain):
    lang, theme = me.lang, me.theme
    filters = filters_from_query(query)
    engine = current_engine()
    views = kpis.team_views(engine, me.user, filters, grain=grain, today=company_today())
    if not has_visits(views["trend"]):  # each chart says so instead of drawing empty axes
        latest = kpis.latest_activity(engine, me.user, filters, before=filters.end)
        href = "/teams" + to_search(ending_on(filters, latest)) if latest else None
        empty = no_visits_figure(latest, href, lang=lang, theme=theme)
        return empty, empty, empty
    return (
        team_bar_figure(views["teams"], metric=metric, lang=lang, theme=theme),
        trend_figure(views["trend"], metric=metric, x="period", lang=lang, theme=theme),
        distribution_figure(
            views["reps"], metric=metric, group="team_name", lang=lang, theme=theme
        ),
    )


@callback(
    Output(ui.HEATMAP, "figure"),
    Output(ui.OVERDUE_GRID, "rowData"),
    Input(ui.QUERY, "data"),
)
@guard()
def render_compliance(me, query):
    result = kpis.compliance(current_engine(), me.user, filters_from_query(query))
    heatmap = heatmap_figure(result["heatmap"], lang=me.lang, theme=me.theme)
    return heatmap, overdue_rows(result["overdue"])


@callback(
    Output(ui.DRILL_GRID, "rowData"),
    Output(ui.DRILL_GRID, "columnDefs"),
    Output(ui.DRILL_TITLE, "children"),
    Output(ui.BREADCRUMB, "children"),
    Input(ui.QUERY, "data"),
)
@guard()
def render_drill_grid(me, query):
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
    return drill_outputs(level, frame, query, me.lang)


@callback(
    Output(ui.SHELL_URL, "search", allow_duplicate=True),
    Input(ui.DRILL_GRID, "selectedRows"),
    Input(ui.COMPARISON, "clickData"),
    State(ui.QUERY, "data"),
    prevent_initial_call=True,
)
@guard()
def drill_down_on_select(_me, selected, click, query):
    if ctx.triggered_id == ui.COMPARISON:
        if not click:
            raise PreventUpdate
        target = {"team": click["points"][0].get("customdata")}
    else:
        if not selected:
            raise PreventUpdate
        target = drill_target(drill_level(query or {}), selected[0])
    return drill_search(query, target) if target else no_update

"""Plan vs actual (contract §6): per rep and day of a team and period, the plan adherence and the
route efficiency as heatmaps, the worst rep-days first (each linking to its replay), and one
rep-day in detail (stops in order with their status, unplanned visits, planned / actual /
shortest order on the map). Managers see their regions only (the service's scope)."""

import dash
from dash import Input, Output, callback

from components import plans as view
from components.shell import forbidden
from dashboard.services import plan_actual
from dashboard.services.users import scope_of
from dashboard.web.context import current_engine, current_settings
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
    path="/plans",
    name="plans",
    title="计划与实际 · Plan vs actual",
    title_zh="计划与实际",
    title_en="Plans",
    roles=ROLES,
    order=17,
)


@guard_layout(forbidden)
def layout(me, /, **query):
    return view.plans_page(query, lang=me.lang, theme=me.theme, dates=period_dates(query))


@callback(
    Output(view.HEAT_ADHERENCE, "figure"),
    Output(view.HEAT_EFFICIENCY, "figure"),
    Output(view.GRID_ID, "rowData"),
    Output(view.TOTALS, "children"),
    Output(view.MESSAGE, "children"),
    Input(view.QUERY, "data"),
)
@guard()
def render_plans(me, query):
    f = filters_from_query(query)
    try:
        result = plan_actual.team_period(
            current_engine(), scope_of(me.user), start=f.start, end=f.end,
            region=f.region, team=f.team, rep=f.rep,
        )  # fmt: skip
    except plan_actual.PlanActualError as exc:
        empty = view.empty_heatmap(me.lang, me.theme)
        return empty, empty, [], None, view.error_message(str(exc))
    adherence, efficiency = view.heatmaps(result, lang=me.lang, theme=me.theme)
    totals = view.totals(result, me.lang)
    return adherence, efficiency, view.grid_rows(result, me.lang), totals, None


@callback(
    Output(view.DETAIL, "children"),
    Input(view.GRID_ID, "selectedRows"),
    prevent_initial_call=True,
)
@guard()
def render_plan_detail(me, selected):
    picked = view.picked_rep_day(selected)
    if picked is None:
        return view.nothing_picked(me.lang)
    rep_id, day = picked
    settings = current_settings()
    try:
        detail = plan_actual.rep_day(
            current_engine(), scope_of(me.user), rep_id=rep_id,
            day=plan_actual.parse_day(day), tile_crs=settings.tile_crs,
        )  # fmt: skip
    except plan_actual.PlanActualError:
        detail = None
    return view.rep_day_detail(
        detail, lang=me.lang, tile_url=settings.tile_url, attribution=settings.tile_attribution
    )

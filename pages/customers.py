"""Customers, the lightweight CRM (contract §5): the scope's customers with their visit rhythm,
filtered from the URL, capped in the grid and exported whole in a background job; the coverage
map (points, or cells the server counts when too many are in view) with the white space; the
orphans and their handover by a manager (own regions) or an admin."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    no_update,
)
from dash.exceptions import PreventUpdate

from components import customers as view
from components import jobs
from components.customers import ids
from components.customers import regrade as regrade_view
from components.finance.exports import background_export
from components.shell import forbidden
from dashboard.services import customers
from dashboard.services.users import scope_of
from dashboard.web.context import company_today, current_engine, current_settings
from dashboard.web.jobs import as_requester
from dashboard.web.pages_support import ALL_ROLES, guard, guard_layout
from pages import _customers_regrade

ROLES = ALL_ROLES  # managers see their regions only (the services' scope)
HANDOVER_ROLES = ("manager", "admin")  # exec and finance read only

dash.register_page(
    __name__,
    path="/customers",
    name="customers",
    title="客户 · Customers",
    title_zh="客户",
    title_en="Customers",
    roles=ROLES,
    order=15,
)


_customers_regrade.register_list_callbacks(page=__name__)  # the admin's regrade panel


@guard_layout(forbidden)
def layout(me, /, **query):
    page = view.customers_page(
        query, lang=me.lang, theme=me.theme, may_hand_over=me.may(HANDOVER_ROLES)
    )
    if me.may(_customers_regrade.APPLY_ROLES):
        page.children.append(regrade_view.regrade_panel(me.lang))
    return page


@callback(
    Output(ids.LIST_GRID, "rowData"),
    Output(ids.TILES, "children"),
    Output(ids.SHOWN, "children"),
    Input(ids.QUERY, "data"),
    Input(ids.REFRESH, "data"),
)
@guard()
def render_customer_list(me, query, _refresh):
    filters = view.page_filters(query)
    result = customers.customer_list(
        current_engine(), scope_of(me.user), today=company_today(), **filters
    )
    return view.list_outputs(result, me.lang)


@callback(
    Output(ids.OWNER, "options"),
    Output(ids.CITY, "options"),
    Output(ids.MAP_TILES, "url"),
    Output(ids.MAP_TILES, "attribution"),
    Input(ids.QUERY, "data"),
)
@guard()
def fill_customer_pickers(me, _query):
    engine, scope, settings = current_engine(), scope_of(me.user), current_settings()
    reps = customers.rep_choices(engine, scope)
    cities = customers.city_options(engine, scope)
    return view.owner_options(reps, me.lang), cities, settings.tile_url, settings.tile_attribution


@callback(
    Output(ids.SHELL_URL, "search", allow_duplicate=True),
    Input(ids.GRADE, "value"),
    Input(ids.STATUS, "value"),
    Input(ids.OWNER, "value"),
    Input(ids.CITY, "value"),
    Input(ids.TEXT, "value"),
    Input(ids.WHITE, "value"),
    State(ids.QUERY, "data"),
    prevent_initial_call=True,
)
@guard()
def push_customer_filters(_me, grade, status, owner, city, text, white, query):
    search = view.filters_search(
        query, grade=grade, status=status, owner=owner, city=city, q=text, white=white
    )
    if search is None:
        raise PreventUpdate
    return search


@callback(
    Output(ids.MAP_LAYER, "data"),
    Output(ids.MAP_NOTE, "children"),
    Output(ids.MAP, "viewport"),
    Input(ids.QUERY, "data"),
    Input(ids.MAP, "bounds"),
    Input(ids.MAP, "zoom"),
)
@guard()
def render_customer_map(me, query, bounds, zoom):
    """The customers in view; on a new filter (a new map, no viewport yet) the whole filter,
    and the map flies to fit it (which asks again with the new viewport)."""
    fit = bounds is None or ctx.triggered_id == ids.QUERY
    result = customers.customer_map(
        current_engine(),
        scope_of(me.user),
        today=company_today(),
        bounds=None if fit else customers.map_bounds(bounds),
        zoom=zoom,
        tile_crs=current_settings().tile_crs,
        **view.page_filters(query),
    )
    viewport = view.map_viewport(result) if fit else None
    return *view.map_outputs(result, me.lang), viewport or no_update


clientside_callback(
    ClientsideFunction(namespace="cockpitCustomers", function_name="open"),
    Output(ids.SHELL_URL, "pathname", allow_duplicate=True),
    Output(ids.MAP, "viewport", allow_duplicate=True),
    Input(ids.MAP_LAYER, "clickData"),
    prevent_initial_call=True,
)


@callback(
    Output(f"{ids.EXPORT}-download", "data"),
    Input(f"{ids.EXPORT}-csv", "n_clicks"),
    Input(f"{ids.EXPORT}-xlsx", "n_clicks"),
    State(ids.QUERY, "data"),
    prevent_initial_call=True,
    **background_export(ids.EXPORT),
)
@as_requester
@guard()
def export_customers(me, set_progress, _csv, _xlsx, query):
    """Every customer of the filter (not only the rows the grid holds), built on the server in
    a background job with its progress shown and a cancel button."""
    fmt = {f"{ids.EXPORT}-csv": "csv", f"{ids.EXPORT}-xlsx": "xlsx"}.get(ctx.triggered_id)
    if fmt is None or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    jobs.reading(set_progress, me.lang)
    rows = customers.customer_export(
        current_engine(), scope_of(me.user), today=company_today(), **view.page_filters(query)
    )
    return view.export_file(rows, fmt, me.lang, jobs.rows_progress(set_progress, me.lang))


@callback(
    Output(ids.ORPHAN_GRID, "rowData"),
    Output(ids.ORPHAN_TO, "options"),
    Input(ids.REFRESH, "data"),
)
@guard()
def render_orphans(me, _refresh):
    engine, scope = current_engine(), scope_of(me.user)
    page = customers.list_orphans(engine, scope, today=company_today())
    # Receiving reps only for those who may hand over (the others have no picker to fill).
    reps = customers.rep_choices(engine, scope, active_only=True) if me.may(HANDOVER_ROLES) else []
    return view.orphan_rows(page.rows, me.lang), view.receiving_options(reps)


@callback(
    Output(ids.HANDOVER, "is_open"),
    Output(ids.HANDOVER_BODY, "children"),
    Output(ids.HANDOVER_PLAN, "data"),
    Output(ids.ORPHAN_MESSAGE, "children"),
    Input(ids.ORPHAN_PREVIEW, "n_clicks"),
    Input(ids.HANDOVER_NO, "n_clicks"),
    State(ids.ORPHAN_GRID, "selectedRows"),
    State(ids.ORPHAN_TO, "value"),
    prevent_initial_call=True,
)
@guard(HANDOVER_ROLES)
def preview_orphan_handover(me, clicks, _cancel, selected, to_rep):
    if ctx.triggered_id == ids.HANDOVER_NO:
        return False, no_update, None, no_update
    if not clicks:
        raise PreventUpdate
    picked = view.picked_ids(selected)
    if not picked:
        return False, no_update, None, view.nothing_picked(me.lang)
    try:
        plan = customers.orphan_handover_preview(
            current_engine(),
            scope_of(me.user),
            customer_ids=picked,
            to_rep=str(to_rep or ""),
            same_region=me.user.role == "manager",
        )
    except customers.HandoverRefused as exc:
        return False, no_update, None, view.refused(str(exc), me.lang)
    chosen = {"customers": picked, "to": plan.to_rep["id"], "name": plan.to_rep["name"]}
    return True, view.handover_preview(plan, me.lang), chosen, ""


@callback(
    Output(ids.ORPHAN_MESSAGE, "children", allow_duplicate=True),
    Output(ids.REFRESH, "data"),
    Output(ids.HANDOVER, "is_open", allow_duplicate=True),
    Input(ids.HANDOVER_YES, "n_clicks"),
    State(ids.HANDOVER_PLAN, "data"),
    State(ids.REFRESH, "data"),
    prevent_initial_call=True,
)
@guard(HANDOVER_ROLES)
def confirm_orphan_handover(me, clicks, plan, refresh):
    if not clicks or not isinstance(plan, dict):
        raise PreventUpdate
    try:
        moved = customers.hand_over_orphans(
            current_engine(),
            scope_of(me.user),
            customer_ids=[str(c) for c in plan.get("customers") or []],
            to_rep=str(plan.get("to") or ""),
            by=me.user.name,
            now=datetime.now(UTC),
            same_region=me.user.role == "manager",
            reason="orphan handover (/customers)",
        )
    except customers.HandoverRefused as exc:
        return view.refused(str(exc), me.lang), no_update, False
    return (
        view.handed_over(len(moved), str(plan.get("name") or ""), me.lang),
        (refresh or 0) + 1,
        False,
    )

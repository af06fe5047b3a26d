"""SOP compliance (contract §7, issue 18): per template version the step funnel, teams and reps
worst first, step timing, the visits missing required steps (linking to the replay), filtered
from the URL; and the template editor (admins save new versions, the other roles read)."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from components import sop as view
from components.i18n import t
from components.shell import forbidden
from dashboard.services import sop
from dashboard.services.users import scope_of
from dashboard.sop import StepsError
from dashboard.web.context import current_engine
from dashboard.web.pages_support import (
    ALL_ROLES,
    filters_from_query,
    guard,
    guard_layout,
    period_dates,
)

ROLES = ALL_ROLES  # managers see their regions only (the services' scope)
EDIT_ROLES = ("admin",)

dash.register_page(
    __name__,
    path="/sop",
    name="sop",
    title="SOP 执行 · SOP compliance",
    title_zh="SOP 执行",
    title_en="SOP",
    roles=ROLES,
    order=18,
)


@guard_layout(forbidden)
def layout(me, /, **query):
    return view.sop_page(
        query,
        lang=me.lang,
        theme=me.theme,
        dates=period_dates(query),
        editable=me.may(EDIT_ROLES),
    )


@callback(
    Output(view.grid_id(view.FUNNEL_GRID), "rowData"),
    Output(view.grid_id(view.TEAMS_GRID), "rowData"),
    Output(view.grid_id(view.REPS_GRID), "rowData"),
    Output(view.grid_id(view.TIMING_GRID), "rowData"),
    Output(view.grid_id(view.INCOMPLETE_GRID), "rowData"),
    Input(view.QUERY, "data"),
    Input(view.TEMPLATE, "value"),
)
@guard()
def render_sop_grids(me, query, template_id):
    f = filters_from_query(query)
    chosen = sop.SopFilter(f.start, f.end, template_id or None, f.region, f.team, f.rep)
    return view.page_rows(sop.page_data(current_engine(), scope_of(me.user), chosen), me.lang)


@callback(
    Output(view.SHELL_URL, "search", allow_duplicate=True),
    Input(view.TEMPLATE, "value"),
    State(view.QUERY, "data"),
    prevent_initial_call=True,
)
@guard()
def push_sop_template_to_url(_me, template_id, query):
    """The chosen template into the URL (``?template=<id>``), for deep links."""
    search = view.template_search(query, template_id)
    if search is None:
        raise PreventUpdate
    return search


@callback(
    Output(view.TEMPLATE, "options"),
    Output(view.EDITOR_PICK, "options"),
    Input(view.QUERY, "data"),
    Input(view.EDITOR_MESSAGE, "children"),
)
@guard()
def fill_sop_templates(me, _query, _message):
    options = [
        {"label": f"{row['name']} ({row['id']})", "value": row["id"]}
        for row in sop.template_choices(current_engine())
    ]
    return options, options


@callback(
    Output(view.EDITOR_ID, "value"),
    Output(view.EDITOR_NAME, "value"),
    Output(view.EDITOR_STEPS, "rowData"),
    Output(view.EDITOR_HISTORY, "rowData"),
    Input(view.EDITOR_PICK, "value"),
)
@guard()
def load_sop_template(me, template_id):
    if not template_id:
        raise PreventUpdate
    history = sop.template_history(current_engine(), template_id)
    if not history:
        raise PreventUpdate
    latest = history[-1]
    return template_id, latest["name"], latest["steps"], view.history_rows(history)


@callback(
    Output(view.EDITOR_STEPS, "rowData", allow_duplicate=True),
    Input(view.EDITOR_ADD, "n_clicks"),
    Input(view.EDITOR_REMOVE, "n_clicks"),
    State(view.EDITOR_STEPS, "virtualRowData"),
    State(view.EDITOR_STEPS, "selectedRows"),
    prevent_initial_call=True,
)
@guard(EDIT_ROLES)
def edit_sop_steps(me, _add, _remove, rows, selected):
    rows = list(rows or [])
    if ctx.triggered_id == view.EDITOR_ADD:
        rows.append({"code": "", "kind": "check", "required": True, "photo_required": False})
    elif selected:
        codes = {s.get("code") for s in selected}
        rows = [r for r in rows if r.get("code") not in codes]
    return rows


@callback(
    Output(view.EDITOR_MESSAGE, "children"),
    Output(view.EDITOR_HISTORY, "rowData", allow_duplicate=True),
    Input(view.EDITOR_SAVE, "n_clicks"),
    State(view.EDITOR_ID, "value"),
    State(view.EDITOR_NAME, "value"),
    State(view.EDITOR_STEPS, "virtualRowData"),
    prevent_initial_call=True,
)
@guard(EDIT_ROLES)
def save_sop_template(me, _clicks, template_id, name, rows):
    try:
        result = sop.save_template(
            current_engine(),
            template_id=template_id or "",
            name=name or "",
            steps=list(rows or []),
            user=me.user.name,
            now=datetime.now(UTC),
        )
    except (StepsError, ValueError) as exc:
        return view.message(str(exc), ok=False), no_update
    key = "sop.editor.saved" if result.created else "sop.editor.unchanged"
    text = t(key, me.lang).format(id=result.template_id, version=result.version)
    history = sop.template_history(current_engine(), result.template_id)
    return view.message(text, ok=True), view.history_rows(history)

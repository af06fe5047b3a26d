"""Callbacks of the expense audit's statement and what-if tabs (registered by pages/finance.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import Input, Output, State, callback, clientside_callback, no_update
from dash.exceptions import PreventUpdate

from components import finance as view
from components.finance import ids
from components.jobs import background_job
from dashboard import finance as core
from dashboard.services import finance
from dashboard.web.context import current_engine
from dashboard.web.jobs import as_requester
from dashboard.web.pages_support import filters_from_query, guard

WI_STATES = [State(component_id, "value") for component_id in ids.WI_INPUTS]


def register_callbacks(page: str) -> None:
    """Register the tabs' callbacks, opened to the roles of ``page`` (the page's module name).

    Called by the page module, which Dash executes afresh for every app it builds (and every
    app takes the callbacks registered until then), where this module is imported only once.
    """

    @callback(
        Output(ids.ST_BODY, "children"),
        Input(ids.QUERY, "data"),
        Input(ids.ST_BY, "value"),
        Input(ids.ST_MONTH, "value"),
        Input(ids.REFRESH, "data"),
    )
    @guard(page=page)
    def render_statement(me, query, by, month, _refresh):
        filters, by = filters_from_query(query), by or "rep"
        try:
            result = finance.statement(
                current_engine(), me.user, filters, by=by, month=month or None
            )
        except core.FinanceError as exc:
            return view.finance_error(exc, me.lang, warning=True)
        return view.statement_table(result["rows"], result["totals"], by, result["month"], me.lang)

    @callback(
        Output(ids.ST_DOWNLOAD, "data"),
        Input(ids.ST_XLSX, "n_clicks"),
        State(ids.QUERY, "data"),
        State(ids.ST_BY, "value"),
        State(ids.ST_MONTH, "value"),
        prevent_initial_call=True,
        **background_job(ids.ST_JOB, (ids.ST_XLSX,), progress=False),
    )
    @as_requester
    @guard(page=page)
    def export_statement_xlsx(me, clicks, query, by, month):
        if not clicks:
            raise PreventUpdate
        filters, by = filters_from_query(query), by or "rep"
        result = finance.statement(current_engine(), me.user, filters, by=by, month=month or None)
        return view.statement_file(result, by, me.lang)

    clientside_callback(
        "function(n) { if (n) { window.print(); } return window.dash_clientside.no_update; }",
        Output(ids.ST_PRINT, "title"),
        Input(ids.ST_PRINT, "n_clicks"),
        prevent_initial_call=True,
    )

    @callback(
        *[Output(component_id, "value") for component_id in ids.WI_INPUTS],
        Output(ids.WI_AUDIT, "children"),
        Input(ids.QUERY, "data"),
    )
    @guard(page=page)
    def fill_what_if_settings(me, _query):
        engine = current_engine()
        settings = core.rules_to_settings(finance.load_rules(engine))
        audit = view.audit_list(finance.settings_history(engine, me.user), me.lang)
        return *view.what_if_values(settings), audit

    @callback(
        Output(ids.WI_RESULT, "children"),
        Input(ids.WI_RUN, "n_clicks"),
        *WI_STATES,
        State(ids.QUERY, "data"),
        prevent_initial_call=True,
        # A back-test re-judges every claim of the filter: a job, with a cancel button.
        **background_job(ids.WI_JOB, (ids.WI_RUN,), progress=False),
    )
    @as_requester
    @guard(page=page)
    def run_what_if(me, clicks, *args):
        if not clicks:
            raise PreventUpdate
        *values, query = args
        filters, proposed = filters_from_query(query), view.proposed_settings(values)
        try:
            result = finance.what_if(current_engine(), me.user, filters, proposed)
        except core.FinanceError as exc:
            return view.finance_error(exc, me.lang)
        return view.what_if_table(result, me.lang)

    @callback(
        Output(ids.WI_MESSAGE, "children"),
        Output(ids.WI_AUDIT, "children", allow_duplicate=True),
        Input(ids.WI_SAVE, "n_clicks"),
        *WI_STATES,
        prevent_initial_call=True,
    )
    @guard(("admin",))
    def save_what_if_settings(me, clicks, *values):
        if not clicks:
            raise PreventUpdate
        engine, proposed = current_engine(), view.proposed_settings(values)
        try:
            changed = finance.save_rules(engine, me.user, proposed, now=datetime.now(UTC))
        except core.FinanceError as exc:
            return view.finance_error(exc, me.lang), no_update
        audit = view.audit_list(finance.settings_history(engine, me.user), me.lang)
        return view.saved_note(changed, me.lang), audit

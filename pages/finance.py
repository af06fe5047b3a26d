"""Expense audit: the claims ledger, mileage against the track, one claim's evidence,
decisions (single and bulk) with their history, the monthly statement and the what-if sandbox."""

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

from components import finance as view
from components import jobs
from components.finance import ids
from components.i18n import t
from components.shell import forbidden
from dashboard import finance as core
from dashboard.services import finance
from dashboard.web.context import current_engine
from dashboard.web.jobs import as_requester
from dashboard.web.pages_support import (
    ALL_ROLES,
    filters_from_query,
    guard,
    guard_layout,
    period_dates,
)
from pages import _finance_tabs

ROLES = ALL_ROLES  # exec and manager read only (manager: own regions)
DECIDERS = finance.DECIDERS

dash.register_page(
    __name__,
    path="/finance",
    name="finance",
    title="费用稽核 · Expense audit",
    title_zh="费用稽核",
    title_en="Expense audit",
    roles=ROLES,
    order=40,
)

DECISIONS = {ids.APPROVE: "approve", ids.REJECT: "reject", ids.QUERY_BTN: "query"}
_finance_tabs.register_callbacks(page=__name__)  # the statement and what-if tabs


@guard_layout(forbidden)
def layout(me, /, **query):
    return view.finance_page(
        query,
        lang=me.lang,
        theme=me.theme,
        dates=period_dates(query),
        may_decide=me.may(DECIDERS),
        may_save=me.may(("admin",)),
    )


def _ledger(me, query, *, limit: int | None) -> dict:
    filters = filters_from_query(query)
    args = view.page_filters(query)
    return finance.ledger(current_engine(), me.user, filters, limit=limit, **args)


def _export_format(prefix: str) -> str:
    fmt = {f"{prefix}-csv": "csv", f"{prefix}-xlsx": "xlsx"}.get(ctx.triggered_id)
    if fmt is None or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    return fmt


@callback(
    Output(ids.CLAIMS_GRID, "rowData"),
    Output(ids.MILEAGE_GRID, "rowData"),
    Output(ids.RATIO, "figure"),
    Output(ids.TOTALS, "children"),
    Output(ids.CLAIMS_SHOWN, "children"),
    Output(ids.MILEAGE_SHOWN, "children"),
    Input(ids.QUERY, "data"),
    Input(ids.REFRESH, "data"),
)
@guard()
def render_finance_ledger(me, query, _refresh):
    result = _ledger(me, query, limit=finance.LEDGER_ROWS)
    return view.ledger_outputs(result, me.lang, me.theme)


@callback(
    Output(f"{ids.CLAIMS_EXPORT}-download", "data"),
    Input(f"{ids.CLAIMS_EXPORT}-csv", "n_clicks"),
    Input(f"{ids.CLAIMS_EXPORT}-xlsx", "n_clicks"),
    State(ids.QUERY, "data"),
    prevent_initial_call=True,
    **view.background_export(ids.CLAIMS_EXPORT),
)
@as_requester
@guard()
def export_finance_claims(me, set_progress, _csv, _xlsx, query):
    """Every claim of the filter (not only the rows the grid holds), built on the server in a
    background job with its progress shown and a cancel button."""
    return _export(me, set_progress, ids.CLAIMS_EXPORT, "claims", query)


@callback(
    Output(f"{ids.MILEAGE_EXPORT}-download", "data"),
    Input(f"{ids.MILEAGE_EXPORT}-csv", "n_clicks"),
    Input(f"{ids.MILEAGE_EXPORT}-xlsx", "n_clicks"),
    State(ids.QUERY, "data"),
    prevent_initial_call=True,
    **view.background_export(ids.MILEAGE_EXPORT),
)
@as_requester
@guard()
def export_finance_mileage(me, set_progress, _csv, _xlsx, query):
    """Every mileage claim of the filter, built on the server in a background job."""
    return _export(me, set_progress, ids.MILEAGE_EXPORT, "mileage", query)


def _export(me, set_progress, prefix: str, kind: str, query) -> dict:
    fmt = _export_format(prefix)
    jobs.reading(set_progress, me.lang)
    result = _ledger(me, query, limit=None)
    return view.ledger_file(result, kind, fmt, me.lang, jobs.rows_progress(set_progress, me.lang))


clientside_callback(
    ClientsideFunction(namespace="shell", function_name="evidencePane"),
    Output(ids.EVIDENCE_PANE, "className"),
    Input(ids.CLAIMS_GRID, "cellClicked"),
    Input(ids.CLAIMS_GRID, "selectedRows"),
    Input(ids.EVIDENCE_CLOSE, "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.EVIDENCE, "children"),
    Input(ids.CLAIMS_GRID, "selectedRows"),
    Input(ids.REFRESH, "data"),
)
@guard()
def render_claim_evidence(me, selected, _refresh):
    if not selected:
        return t("fin.ev.pick", me.lang)
    if len(selected) > 1:
        return view.selection_summary(selected, me.lang)
    ev = finance.claim_evidence(current_engine(), me.user, selected[0]["claim_id"])
    return view.evidence_panel(ev, me.lang)


@callback(
    Output(ids.MESSAGE, "children"),
    Output(ids.REFRESH, "data"),
    Output(ids.NOTE, "value"),
    Input(ids.APPROVE, "n_clicks"),
    Input(ids.REJECT, "n_clicks"),
    Input(ids.QUERY_BTN, "n_clicks"),
    State(ids.CLAIMS_GRID, "selectedRows"),
    State(ids.NOTE, "value"),
    State(ids.REFRESH, "data"),
    prevent_initial_call=True,
)
@guard(DECIDERS)
def decide_selected_claims(me, _approve, _reject, _query, selected, note, refresh):
    action = DECISIONS.get(ctx.triggered_id)
    if action is None or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    if not selected:
        return view.nothing_selected(me.lang), no_update, no_update
    claim_ids = [row["claim_id"] for row in selected]
    now = datetime.now(UTC)
    try:
        done = finance.decide(current_engine(), me.user, claim_ids, action, note=note, now=now)
    except core.FinanceError as exc:
        return view.finance_error(exc, me.lang), no_update, no_update
    return view.done_message(done, me.lang), (refresh or 0) + 1, ""


@callback(
    Output(ids.CONFIRM, "is_open"),
    Output(ids.CONFIRM_BODY, "children"),
    Output(ids.CLEAN_IDS, "data"),
    Output(ids.CONFIRM_YES, "disabled"),
    Input(ids.BULK, "n_clicks"),
    Input(ids.CONFIRM_NO, "n_clicks"),
    State(ids.QUERY, "data"),
    prevent_initial_call=True,
)
@guard(DECIDERS)
def preview_clean_approval(me, _open, _cancel, query):
    if ctx.triggered_id == ids.CONFIRM_NO:
        return False, no_update, [], no_update
    category = view.page_filters(query)["category"]
    filters = filters_from_query(query)
    clean = finance.clean_claims(current_engine(), me.user, filters, category=category)
    found = bool(clean["count"])
    return True, view.clean_preview(clean, me.lang), clean["ids"] if found else [], not found


@callback(
    Output(ids.MESSAGE, "children", allow_duplicate=True),
    Output(ids.REFRESH, "data", allow_duplicate=True),
    Output(ids.CONFIRM, "is_open", allow_duplicate=True),
    Input(ids.CONFIRM_YES, "n_clicks"),
    State(ids.CLEAN_IDS, "data"),
    State(ids.QUERY, "data"),
    State(ids.REFRESH, "data"),
    prevent_initial_call=True,
)
@guard(DECIDERS)
def approve_clean_claims(me, clicks, clean_ids, query, refresh):
    if not clicks:
        raise PreventUpdate
    category, now = view.page_filters(query)["category"], datetime.now(UTC)
    filters = filters_from_query(query)
    done = finance.approve_clean(
        current_engine(), me.user, filters, clean_ids or [], category=category, now=now
    )
    return view.done_message(done, me.lang), (refresh or 0) + 1, False


@callback(
    Output(ids.SHELL_URL, "search", allow_duplicate=True),
    Input(ids.CATEGORY, "value"),
    Input(ids.STATUS, "value"),
    Input(ids.FLAG, "value"),
    State(ids.QUERY, "data"),
    prevent_initial_call=True,
)
@guard()
def push_finance_filters(_me, category, status, flag, query):
    search = view.filters_search(query, category=category, status=status, flag=flag)
    if search is None:
        raise PreventUpdate
    return search

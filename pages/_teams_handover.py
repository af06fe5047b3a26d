"""Callbacks of a rep's handover on the team drill-down (registered by pages/teams.py): at a
rep's level, a manager (in their regions, to a rep of the same region) or an admin hands all
of the rep's customers, open plans from today and open tasks over to an active rep, with a
required reason, after a preview; everything is checked again on the server at confirmation."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from components import handover as view
from dashboard.services import customers
from dashboard.services.users import scope_of
from dashboard.web.context import current_engine
from dashboard.web.pages_support import guard

HANDOVER_ROLES = ("manager", "admin")  # exec and finance read only


def _rep_of(query) -> str:
    return str((query or {}).get("rep") or "") if isinstance(query, dict) else ""


def register_callbacks(page: str, query_id: str) -> None:
    """Register the panel's callbacks on the page ``page`` (its module name), whose URL query
    is in the store ``query_id``. Called by the page module, which Dash executes afresh for
    every app it builds."""

    @callback(
        Output(view.HOLDING, "children"),
        Output(view.TO, "options"),
        Input(query_id, "data"),
        Input(view.REFRESH, "data"),
    )
    @guard(page=page)
    def fill_rep_handover(me, query, _refresh):
        rep = _rep_of(query)
        if not rep or not me.may(HANDOVER_ROLES):
            return None, []
        engine, scope = current_engine(), scope_of(me.user)
        try:
            held = customers.rep_holding(engine, scope, rep_id=rep, now=datetime.now(UTC))
        except customers.HandoverRefused as exc:
            return view.refused(str(exc), me.lang), []
        targets = customers.handover_targets(
            engine, scope, from_rep=rep, same_region=me.user.role == "manager"
        )
        return view.holding_summary(held, me.lang), view.target_options(targets)

    @callback(
        Output(view.DIALOG, "is_open"),
        Output(view.BODY, "children"),
        Output(view.PLAN, "data"),
        Output(view.MESSAGE, "children"),
        Input(view.PREVIEW, "n_clicks"),
        Input(view.NO, "n_clicks"),
        State(query_id, "data"),
        State(view.TO, "value"),
        State(view.REASON, "value"),
        State(view.DEACTIVATE, "value"),
        prevent_initial_call=True,
    )
    @guard(HANDOVER_ROLES, page=page)
    def preview_rep_handover(me, clicks, _cancel, query, to_rep, reason, deactivate):
        if ctx.triggered_id == view.NO:
            return False, no_update, None, no_update
        if not clicks:
            raise PreventUpdate
        try:
            plan = customers.preview_rep_handover(
                current_engine(),
                scope_of(me.user),
                from_rep=_rep_of(query),
                to_rep=str(to_rep or ""),
                reason=reason,
                deactivate=bool(deactivate),
                same_region=me.user.role == "manager",
                now=datetime.now(UTC),
            )
        except customers.HandoverRefused as exc:
            return False, no_update, None, view.refused(str(exc), me.lang)
        why = str(reason).strip()
        chosen = {
            "from": plan.from_rep["id"],
            "to": plan.to_rep["id"],
            "reason": why,
            "deactivate": bool(deactivate),
        }
        return True, view.preview_body(plan, why, me.lang), chosen, ""

    @callback(
        Output(view.MESSAGE, "children", allow_duplicate=True),
        Output(view.REFRESH, "data"),
        Output(view.DIALOG, "is_open", allow_duplicate=True),
        Input(view.YES, "n_clicks"),
        State(view.PLAN, "data"),
        State(view.REFRESH, "data"),
        prevent_initial_call=True,
    )
    @guard(HANDOVER_ROLES, page=page)
    def confirm_rep_handover(me, clicks, plan, refresh):
        if not clicks or not isinstance(plan, dict):
            raise PreventUpdate
        try:
            done = customers.hand_over_rep(
                current_engine(),
                scope_of(me.user),
                from_rep=str(plan.get("from") or ""),
                to_rep=str(plan.get("to") or ""),
                reason=plan.get("reason"),
                deactivate=bool(plan.get("deactivate")),
                by=me.user.name,
                same_region=me.user.role == "manager",
                now=datetime.now(UTC),
            )
        except customers.HandoverRefused as exc:
            return view.refused(str(exc), me.lang), no_update, False
        return view.handed_over(done, me.lang), (refresh or 0) + 1, False

"""Anti-cheat centre: the alert queue in scope, counts, evidence, triage (single and bulk),
history, and the rep view (``?rep=<id>``: that rep's alerts week by week)."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import (
    ALL,
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

from components import alerts as view
from components.alerts import ids
from components.shell import forbidden
from dashboard.services import alerts
from dashboard.web.context import current_engine, current_settings
from dashboard.web.pages_support import filters_from_query, guard, guard_layout, period_dates

ROLES = alerts.READ_ROLES
TRIAGE_ROLES = alerts.TRIAGE_ROLES

dash.register_page(
    __name__,
    path="/alerts",
    name="alerts",
    title="反作弊中心 · Anti-cheat centre",
    title_zh="反作弊中心",
    title_en="Anti-cheat centre",
    roles=ROLES,
    order=20,
)

GRID = ids.QUEUE_GRID_ID


@guard_layout(forbidden)
def layout(me, /, **query):
    chosen = alerts.parse_alert_query(query)
    return view.alerts_page(
        query,
        lang=me.lang,
        theme=me.theme,
        dates=period_dates(query),
        may_triage=me.may(TRIAGE_ROLES),
        choices={"rule": alerts.RULES, "severity": alerts.SEVERITIES, "status": alerts.STATUSES},
        chosen={"rule": chosen.rules, "severity": chosen.severities, "status": chosen.statuses},
        max_note_chars=alerts.MAX_NOTE_CHARS,
    )


clientside_callback(
    ClientsideFunction(namespace="shell", function_name="evidencePane"),
    Output(ids.EVIDENCE_PANE, "className"),
    Input(GRID, "cellClicked"),
    Input(GRID, "selectedRows"),
    Input(ids.EVIDENCE_CLOSE, "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    Output(GRID, "rowData"),
    Output(ids.COUNTS, "children"),
    Input(ids.QUERY, "data"),
    Input(ids.REFRESH, "data"),
)
@guard()
def render_alert_queue(me, query, _refresh):
    filters, chosen = filters_from_query(query), alerts.parse_alert_query(query)
    result = alerts.alert_queue(current_engine(), me.user, filters, chosen)
    strip = view.counts_strip(
        result["counts"],
        total=result["total"],
        truncated=result["truncated"],
        lang=me.lang,
        limit=alerts.QUEUE_LIMIT,
    )
    return view.queue_rows(result["alerts"], me.lang), strip


@callback(
    Output(ids.SHELL_URL, "search", allow_duplicate=True),
    Input(ids.RULE, "value"),
    Input(ids.SEVERITY, "value"),
    Input(ids.STATUS, "value"),
    State(ids.QUERY, "data"),
    prevent_initial_call=True,
)
@guard()
def push_alert_pickers_to_url(_me, rules, severities, statuses, query):
    picked = {"rule": rules, "severity": severities, "status": statuses}
    changed = view.pickers_search(query, picked)
    if changed is None:
        raise PreventUpdate
    return changed


@callback(
    Output(ids.EVIDENCE, "children"),
    Output(ids.HISTORY, "children"),
    Output({"type": ids.ASSIGNEE, "name": ALL}, "options"),
    Output({"type": ids.ACTION, "action": ALL}, "disabled"),
    Input(GRID, "selectedRows"),
    Input(ids.REFRESH, "data"),
    State(ids.QUERY, "data"),
)
@guard()
def render_alert_evidence(me, selected, _refresh, query):
    actions = [item["id"]["action"] for item in ctx.outputs_list[3]]
    rows = [row for row in (selected or []) if isinstance(row, dict) and row.get("id")]
    detail = alerts.alert_detail(current_engine(), me.user, rows[0]["id"]) if rows else None
    allowed = set(detail["actions"]) if detail else set()
    for row in rows[1:]:  # a bulk action offers what any selected alert allows
        allowed |= set(alerts.allowed_actions(me.user, str(row.get("status"))))
    settings = current_settings()
    return view.evidence_outputs(
        detail,
        picked=len(rows),
        allowed=allowed,
        actions=actions,
        pickers=len(ctx.outputs_list[2]),
        query=query,
        lang=me.lang,
        tile_url=settings.tile_url,
        tz=settings.timezone,
    )


@callback(
    Output(ids.FEEDBACK, "children"),
    Output(ids.REFRESH, "data"),
    Output({"type": ids.NOTE, "name": ALL}, "value"),
    Input({"type": ids.ACTION, "action": ALL}, "n_clicks"),
    State(GRID, "selectedRows"),
    State({"type": ids.NOTE, "name": ALL}, "value"),
    State({"type": ids.ASSIGNEE, "name": ALL}, "value"),
    State(ids.REFRESH, "data"),
    prevent_initial_call=True,
)
@guard(TRIAGE_ROLES)
def apply_alert_triage(me, clicks, selected, notes, assignees, refresh):
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks or []):
        raise PreventUpdate
    alert_ids = [row.get("id") for row in (selected or []) if isinstance(row, dict)]
    note, assignee = (notes or [None])[0], (assignees or [None])[0]
    kept = [no_update] * len(notes or [])
    try:
        result = alerts.triage_many(
            current_engine(),
            me.user,
            alert_ids,
            trigger["action"],
            note=note,
            assignee=assignee,
            now=datetime.now(UTC),
        )
    except alerts.TriageError as exc:
        return view.triage_feedback(lang=me.lang, error=(exc.code, exc.params)), no_update, kept
    refused = [(alert_id, code, {}) for alert_id, code, _message in result.refused]
    feedback = view.triage_feedback(lang=me.lang, changed=len(result.changed), refused=refused)
    cleared = [""] * len(notes or []) if result.changed else kept
    return feedback, (refresh or 0) + 1, cleared


@callback(Output(ids.REP, "children"), Input(ids.QUERY, "data"))
@guard()
def render_rep_view(me, query):
    filters = filters_from_query(query)
    if not filters.rep:
        return None
    history = alerts.rep_history(current_engine(), me.user, filters.rep, end=filters.end)
    return view.rep_card(history, weeks=alerts.REP_VIEW_WEEKS, lang=me.lang, theme=me.theme)

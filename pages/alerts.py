"""Anti-cheat centre: the alert queue in scope, counts, evidence, triage (single and bulk),
history, and the rep view (``?rep=<id>``: that rep's alerts week by week)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    State,
    callback,
    clientside_callback,
    ctx,
    dcc,
    html,
    no_update,
)
from dash.exceptions import PreventUpdate

from components import alerts as view
from components.filters import filter_bar
from components.i18n import t
from components.shell import evidence_back_button, forbidden, page_header
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

ALERTS_QUERY = "alerts-query"
ALERTS_RULE = "alerts-rule"
ALERTS_SEVERITY = "alerts-severity"
ALERTS_STATUS = "alerts-status"
ALERTS_COUNTS = "alerts-counts"
ALERTS_EVIDENCE = "alerts-evidence"
ALERTS_EVIDENCE_PANE = "alerts-evidence-pane"
ALERTS_EVIDENCE_CLOSE = "alerts-evidence-close"
ALERTS_HISTORY = "alerts-history"
ALERTS_FEEDBACK = "alerts-feedback"
ALERTS_REFRESH = "alerts-refresh"
ALERTS_REP = "alerts-rep"
ALERTS_GRID = view.QUEUE_GRID_ID
ACTION = "alerts-action"
ASSIGNEE = "alerts-assignee"
NOTE = "alerts-note"
SHELL_URL = "shell-url"
PICKER_KEYS = {ALERTS_RULE: "rule", ALERTS_SEVERITY: "severity", ALERTS_STATUS: "status"}


def _picker(component_id: str, key: str, values, labels, query, lang: str) -> dcc.Dropdown:
    chosen = alerts.parse_alert_query(query)
    return dcc.Dropdown(
        id=component_id,
        options=[{"label": label, "value": v} for v, label in zip(values, labels, strict=True)],
        value=list(
            {"rule": chosen.rules, "severity": chosen.severities, "status": chosen.statuses}[key]
        ),
        multi=True,
        placeholder=t(f"alerts.filter.{key}", lang),
    )


def _triage_card(lang: str) -> dbc.Card:
    def button(action: str, colour: str) -> dbc.Button:
        return dbc.Button(
            t(f"alerts.action.{action}", lang),
            id={"type": ACTION, "action": action},
            color=colour,
            size="sm",
            className="me-2 mb-1",
            disabled=True,
        )

    return dbc.Card(
        [
            dbc.CardHeader(t("alerts.triage", lang)),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                dcc.Dropdown(
                                    id={"type": ASSIGNEE, "name": "triage"},
                                    options=[],
                                    placeholder=t("alerts.triage.assignee", lang),
                                ),
                                xs=8,
                            ),
                            dbc.Col(button("assign", "secondary"), xs=4),
                        ],
                        className="g-2 mb-2",
                    ),
                    dbc.Textarea(
                        id={"type": NOTE, "name": "triage"},
                        placeholder=t("alerts.triage.note", lang),
                        rows=2,
                        maxLength=alerts.MAX_NOTE_CHARS,
                        className="mb-2",
                    ),
                    html.Div(
                        [
                            button("acknowledge", "primary"),
                            button("confirm", "danger"),
                            button("dismiss", "success"),
                            button("reopen", "outline-secondary"),
                        ],
                        className="alerts-triage-buttons",
                    ),
                ]
            ),
        ],
        className="mb-3",
        id="alerts-triage-card",
    )


@guard_layout(forbidden)
def layout(me, /, **query):
    lang, theme = me.lang, me.theme
    may_triage = me.user is None or me.user.role in TRIAGE_ROLES
    pickers = dbc.Row(
        [
            dbc.Col(
                _picker(
                    ALERTS_RULE,
                    "rule",
                    alerts.RULES,
                    [t(f"rule.{r}.name", lang) for r in alerts.RULES],
                    query,
                    lang,
                ),
                md=6,
                xl=4,
            ),
            dbc.Col(
                _picker(
                    ALERTS_SEVERITY,
                    "severity",
                    alerts.SEVERITIES,
                    [t(f"severity.{s}", lang) for s in alerts.SEVERITIES],
                    query,
                    lang,
                ),
                md=6,
                xl=3,
            ),
            dbc.Col(
                _picker(
                    ALERTS_STATUS,
                    "status",
                    alerts.STATUSES,
                    [t(f"alerts.status.{s}", lang) for s in alerts.STATUSES],
                    query,
                    lang,
                ),
                md=6,
                xl=3,
            ),
        ],
        className="g-2 mb-3",
    )
    evidence = dbc.Card(
        [
            dbc.CardHeader(t("alerts.evidence", lang)),
            dbc.CardBody(html.Div(view.evidence_placeholder(lang), id=ALERTS_EVIDENCE)),
        ],
        className="mb-3",
    )
    # Below lg a tapped row opens the evidence full screen, with the triage dock at the bottom.
    evidence = html.Div(
        [evidence_back_button(ALERTS_EVIDENCE_CLOSE, lang), evidence],
        id=ALERTS_EVIDENCE_PANE,
        className="evidence-pane",
    )
    work = [
        dbc.Card(
            [
                dbc.CardHeader(t("alerts.queue", lang)),
                dbc.CardBody(view.queue_grid(lang=lang, theme=theme)),
            ],
            className="mb-3",
        ),
        html.Div(
            [
                _triage_card(lang)
                if may_triage
                else html.Div(
                    t("alerts.triage.read_only", lang),
                    className="text-body-secondary small mb-3",
                    id="alerts-read-only",
                ),
                html.Div(id=ALERTS_FEEDBACK, className="mb-3"),
            ],
            className="alerts-triage-dock",
        ),
        dbc.Card(
            [
                dbc.CardHeader(t("alerts.history", lang)),
                dbc.CardBody(
                    html.Div(view.history_placeholder(lang), id=ALERTS_HISTORY), className="p-2"
                ),
            ],
            className="mb-3",
        ),
    ]
    return html.Div(
        [
            page_header(t("alerts.title", lang), t("alerts.subtitle", lang)),
            filter_bar(query, lang=lang, dates=period_dates(query), extra=[pickers]),
            dcc.Store(id=ALERTS_QUERY, data=query),
            dcc.Store(id=ALERTS_REFRESH, data=0),
            dbc.Card(dbc.CardBody(html.Div(id=ALERTS_COUNTS)), className="mb-3"),
            html.Div(id=ALERTS_REP, className="mb-3"),
            dbc.Row([dbc.Col(work, xl=7), dbc.Col(evidence, xl=5)]),
        ],
        className="alerts-page",
    )


clientside_callback(
    ClientsideFunction(namespace="shell", function_name="evidencePane"),
    Output(ALERTS_EVIDENCE_PANE, "className"),
    Input(ALERTS_GRID, "cellClicked"),
    Input(ALERTS_GRID, "selectedRows"),
    Input(ALERTS_EVIDENCE_CLOSE, "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    Output(ALERTS_GRID, "rowData"),
    Output(ALERTS_COUNTS, "children"),
    Input(ALERTS_QUERY, "data"),
    Input(ALERTS_REFRESH, "data"),
)
@guard()
def render_alert_queue(me, query, _refresh):
    lang = me.lang
    result = alerts.alert_queue(
        current_engine(), me.user, filters_from_query(query), alerts.parse_alert_query(query)
    )
    strip = view.counts_strip(
        result["counts"],
        total=result["total"],
        truncated=result["truncated"],
        lang=lang,
        limit=alerts.QUEUE_LIMIT,
    )
    return view.queue_rows(result["alerts"], lang), strip


@callback(
    Output(SHELL_URL, "search", allow_duplicate=True),
    Input(ALERTS_RULE, "value"),
    Input(ALERTS_SEVERITY, "value"),
    Input(ALERTS_STATUS, "value"),
    State(SHELL_URL, "search"),
    prevent_initial_call=True,
)
@guard()
def push_alert_pickers_to_url(_me, rules, severities, statuses, search):
    current = dict(parse_qsl((search or "").lstrip("?")))
    merged = {k: v for k, v in current.items() if k not in PICKER_KEYS.values()}
    for key, values in (("rule", rules), ("severity", severities), ("status", statuses)):
        if values:
            merged[key] = ",".join(values)
    if merged == current:
        raise PreventUpdate
    return "?" + urlencode(merged)


def _rep_href(query, rep_id: str) -> str:
    keep = {k: v for k, v in (query or {}).items() if k not in ("region", "team", "rep") and v}
    return "/alerts?" + urlencode({**keep, "rep": rep_id})


@callback(
    Output(ALERTS_EVIDENCE, "children"),
    Output(ALERTS_HISTORY, "children"),
    Output({"type": ASSIGNEE, "name": ALL}, "options"),
    Output({"type": ACTION, "action": ALL}, "disabled"),
    Input(ALERTS_GRID, "selectedRows"),
    Input(ALERTS_REFRESH, "data"),
    State(ALERTS_QUERY, "data"),
)
@guard()
def render_alert_evidence(me, selected, _refresh, query):
    user, lang = me.user, me.lang
    buttons = [item["id"]["action"] for item in ctx.outputs_list[3]]
    pickers = len(ctx.outputs_list[2])
    selected = [row for row in (selected or []) if isinstance(row, dict) and row.get("id")]
    if not selected:
        empty = view.history_placeholder(lang)
        return view.evidence_placeholder(lang), empty, [[]] * pickers, [True] * len(buttons)
    detail = alerts.alert_detail(current_engine(), user, selected[0]["id"])
    if detail is None:
        gone = view.evidence_placeholder(lang, "alerts.evidence.gone")
        return gone, view.history_placeholder(lang), [[]] * pickers, [True] * len(buttons)
    allowed = set(detail["actions"])
    for row in selected[1:]:
        allowed |= set(alerts.allowed_actions(user, str(row.get("status"))))
    panel = view.evidence_panel(
        detail,
        lang=lang,
        tile_url=current_settings().tile_url,
        rep_view_href=_rep_href(query, detail["alert"]["rep_id"]),
        selected=len(selected),
    )
    history = view.history_list(detail["history"], lang=lang, tz=current_settings().timezone)
    options = [{"label": name, "value": name} for name in detail["assignable"]]
    return panel, history, [options] * pickers, [a not in allowed for a in buttons]


@callback(
    Output(ALERTS_FEEDBACK, "children"),
    Output(ALERTS_REFRESH, "data"),
    Output({"type": NOTE, "name": ALL}, "value"),
    Input({"type": ACTION, "action": ALL}, "n_clicks"),
    State(ALERTS_GRID, "selectedRows"),
    State({"type": NOTE, "name": ALL}, "value"),
    State({"type": ASSIGNEE, "name": ALL}, "value"),
    State(ALERTS_REFRESH, "data"),
    prevent_initial_call=True,
)
@guard(TRIAGE_ROLES)
def apply_alert_triage(me, clicks, selected, notes, assignees, refresh):
    user, lang = me.user, me.lang
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks or []):
        raise PreventUpdate
    ids = [row.get("id") for row in (selected or []) if isinstance(row, dict)]
    try:
        result = alerts.triage_many(
            current_engine(),
            user,
            ids,
            trigger["action"],
            note=(notes or [None])[0],
            assignee=(assignees or [None])[0],
            now=datetime.now(UTC),
        )
    except alerts.TriageError as exc:
        feedback = view.triage_feedback(lang=lang, error=(exc.code, exc.params))
        return feedback, no_update, [no_update] * len(notes or [])
    refused = [(alert_id, code, {}) for alert_id, code, _message in result.refused]
    feedback = view.triage_feedback(lang=lang, changed=len(result.changed), refused=refused)
    cleared = [""] * len(notes or []) if result.changed else [no_update] * len(notes or [])
    return feedback, (refresh or 0) + 1, cleared


@callback(Output(ALERTS_REP, "children"), Input(ALERTS_QUERY, "data"))
@guard()
def render_rep_view(me, query):
    user, lang, theme = me
    filters = filters_from_query(query)
    if not filters.rep:
        return None
    history = alerts.rep_history(current_engine(), user, filters.rep, end=filters.end)
    card = view.rep_view(history, weeks=alerts.REP_VIEW_WEEKS, lang=lang, theme=theme)
    return dbc.Card(dbc.CardBody(card), id="alerts-rep-card")

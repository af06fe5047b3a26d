"""Expense audit: the claims ledger, mileage against the track, one claim's evidence,
decisions (single and bulk) with their history, the monthly statement and the what-if sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import (
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

from components import finance as view
from components.filters import filter_bar
from components.grids import GRID, to_xlsx_bytes
from components.i18n import t
from components.shell import evidence_back_button, forbidden, page_header
from dashboard import finance as core
from dashboard.services import finance
from dashboard.web.context import current_engine
from dashboard.web.pages_support import (
    ALL_ROLES,
    filters_from_query,
    guard,
    guard_layout,
    period_dates,
)

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

FIN_QUERY = "finance-query"
FIN_CATEGORY = "finance-category"
FIN_STATUS = "finance-status"
FIN_FLAG = "finance-flag"
FIN_TOTALS = "finance-totals"
FIN_EVIDENCE = "finance-evidence"
FIN_EVIDENCE_PANE = "finance-evidence-pane"
FIN_EVIDENCE_CLOSE = "finance-evidence-close"
FIN_NOTE = "finance-note"
FIN_APPROVE = "finance-approve"
FIN_REJECT = "finance-reject"
FIN_QUERY_BTN = "finance-query-button"
FIN_MESSAGE = "finance-decision-message"
FIN_REFRESH = "finance-refresh"
FIN_BULK = "finance-approve-clean"
FIN_CONFIRM = "finance-confirm"
FIN_CONFIRM_BODY = "finance-confirm-body"
FIN_CONFIRM_YES = "finance-confirm-yes"
FIN_CONFIRM_NO = "finance-confirm-no"
FIN_CLEAN_IDS = "finance-clean-ids"
FIN_RATIO = "finance-ratio-chart"
FIN_ST_BY = "finance-statement-by"
FIN_ST_MONTH = "finance-statement-month"
FIN_ST_BODY = "finance-statement"
FIN_ST_XLSX = "finance-statement-xlsx"
FIN_ST_DOWNLOAD = "finance-statement-download"
FIN_ST_PRINT = "finance-statement-print"
FIN_WI_RUN = "finance-wi-run"
FIN_WI_SAVE = "finance-wi-save"
FIN_WI_RESULT = "finance-wi-result"
FIN_WI_MESSAGE = "finance-wi-message"
FIN_WI_AUDIT = "finance-wi-audit-list"
WI_KEYS = {
    "pct": "mileage_tolerance_pct",
    "km": "mileage_allowance_km",
    "rate": "mileage_rate_cny_per_km",
    "meal": "meal_cap_cny",
    "hotel": "hotel_cap_cny",
    "ent": "entertainment_cap_cny",
}
WI_INPUTS = [f"finance-wi-{key}" for key in WI_KEYS]
CLAIMS_GRID = {"type": GRID, "name": "finance-claims"}
MILEAGE_GRID = {"type": GRID, "name": "finance-mileage"}
SHELL_URL = "shell-url"
PAGE_KEYS = {"category": FIN_CATEGORY, "status": FIN_STATUS, "flag": FIN_FLAG}


def _page_filter(query, key: str, allowed) -> str | None:
    value = (query or {}).get(key)
    return value if value in allowed else None


def _options(lang: str):
    return {
        "category": [{"label": t(f"fin.cat.{c}", lang), "value": c} for c in core.CATEGORIES],
        "status": [{"label": t(f"fin.status.{s}", lang), "value": s} for s in core.STATUSES],
        "flag": [
            {"label": t("fin.flag.flagged", lang), "value": "flagged"},
            {"label": t("fin.flag.clean", lang), "value": "clean"},
        ]
        + [{"label": rule, "value": rule} for rule in core.EXPENSE_RULES],
    }


def _controls(query, lang: str) -> dbc.Row:
    opts = _options(lang)
    allowed = {k: [o["value"] for o in v] for k, v in opts.items()}
    return dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=component_id,
                    value=_page_filter(query, key, allowed[key]),
                    options=opts[key],
                    placeholder=t(f"fin.filter.{key}", lang),
                    clearable=True,
                ),
                xs=12,
                md=4,
                xl=2,
            )
            for key, component_id in PAGE_KEYS.items()
        ],
        className="g-2 mb-3 finance-noprint",
    )


def _decision_panel(lang: str, may_decide: bool) -> html.Div:
    note = dbc.Textarea(
        id=FIN_NOTE, placeholder=t("fin.decide.note", lang), rows=2, className="mb-2"
    )
    buttons = html.Div(
        [
            dbc.Button(t("fin.decide.approve", lang), id=FIN_APPROVE, color="success", size="sm"),
            dbc.Button(t("fin.decide.reject", lang), id=FIN_REJECT, color="danger", size="sm"),
            dbc.Button(t("fin.decide.query", lang), id=FIN_QUERY_BTN, color="warning", size="sm"),
        ],
        className="d-flex gap-2",
    )
    return html.Div(
        [
            html.H3(t("fin.decide.title", lang), className="h6"),
            note,
            buttons,
            html.Div(id=FIN_MESSAGE, className="small mt-2"),
        ]
        if may_decide
        else [html.Div(t("fin.decide.read_only", lang), className="small text-body-secondary")],
        className="finance-decision border-top pt-2 mt-2 finance-noprint",
        hidden=False,
    )


def _card(title, body, **kw) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], **kw)


@guard_layout(forbidden)
def layout(me, /, **query):
    user, lang, theme = me
    may_decide = user is None or user.role in DECIDERS
    claims_tab = dbc.Row(
        [
            dbc.Col(
                [
                    html.Div(
                        dbc.Button(
                            t("fin.bulk.button", lang),
                            id=FIN_BULK,
                            color="success",
                            outline=True,
                            size="sm",
                            disabled=not may_decide,
                        ),
                        className="mb-1 finance-noprint",
                    ),
                    view.claims_grid(lang, theme),
                ],
                xl=8,
                className="mb-3",
            ),
            dbc.Col(
                # Below lg a tapped claim opens full screen, the decision buttons at the bottom.
                html.Div(
                    [
                        evidence_back_button(FIN_EVIDENCE_CLOSE, lang),
                        _card(
                            t("fin.evidence", lang),
                            [
                                html.Div(
                                    t("fin.ev.pick", lang),
                                    id=FIN_EVIDENCE,
                                    className="small text-body-secondary",
                                ),
                                _decision_panel(lang, may_decide),
                            ],
                            className="finance-evidence-card",
                        ),
                    ],
                    id=FIN_EVIDENCE_PANE,
                    className="evidence-pane",
                ),
                xl=4,
                className="mb-3",
            ),
        ]
    )
    mileage_tab = dbc.Row(
        [
            dbc.Col(_card(t("fin.km.grid", lang), view.mileage_grid(lang, theme)), xl=7),
            dbc.Col(
                _card(
                    t("fin.km.chart", lang),
                    dcc.Graph(id=FIN_RATIO, config={"displaylogo": False}),
                ),
                xl=5,
            ),
        ],
        className="g-3",
    )
    statement_tab = html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        dbc.RadioItems(
                            id=FIN_ST_BY,
                            value="rep",
                            inline=True,
                            options=[
                                {"label": t("fin.st.by_rep", lang), "value": "rep"},
                                {"label": t("fin.st.by_team", lang), "value": "team"},
                            ],
                        ),
                        md="auto",
                        className="pt-1",
                    ),
                    dbc.Col(
                        dbc.Input(
                            id=FIN_ST_MONTH,
                            type="month",
                            size="sm",
                            value=(query.get("month") or None),
                            placeholder="YYYY-MM",
                        ),
                        md=2,
                    ),
                    dbc.Col(
                        [
                            dbc.Button(
                                t("export.xlsx", lang),
                                id=FIN_ST_XLSX,
                                size="sm",
                                color="secondary",
                                outline=True,
                                className="me-2",
                            ),
                            dbc.Button(
                                t("fin.st.print", lang),
                                id=FIN_ST_PRINT,
                                size="sm",
                                color="secondary",
                                outline=True,
                            ),
                            dcc.Download(id=FIN_ST_DOWNLOAD),
                        ],
                        md="auto",
                    ),
                ],
                className="g-2 mb-2 finance-noprint align-items-center",
            ),
            html.Div(id=FIN_ST_BODY, className="finance-print-area"),
        ]
    )
    whatif_tab = html.Div(
        [
            html.P(t("fin.wi.hint", lang), className="small text-body-secondary"),
            view.what_if_inputs(lang),
            html.Div(
                [
                    dbc.Button(t("fin.wi.run", lang), id=FIN_WI_RUN, size="sm", className="me-2"),
                    dbc.Button(
                        t("fin.wi.save", lang),
                        id=FIN_WI_SAVE,
                        size="sm",
                        color="danger",
                        outline=True,
                        disabled=user is not None and user.role != "admin",
                        title=t("fin.wi.admin_only", lang),
                    ),
                ],
                className="mb-2",
            ),
            html.Div(id=FIN_WI_MESSAGE, className="small mb-2"),
            html.Div(id=FIN_WI_RESULT),
            html.H3(t("fin.wi.audit", lang), className="h6 mt-3"),
            html.Div(id=FIN_WI_AUDIT),
        ]
    )
    confirm = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("fin.bulk.title", lang))),
            dbc.ModalBody(id=FIN_CONFIRM_BODY),
            dbc.ModalFooter(
                [
                    dbc.Button(t("fin.bulk.no", lang), id=FIN_CONFIRM_NO, color="secondary"),
                    dbc.Button(t("fin.bulk.yes", lang), id=FIN_CONFIRM_YES, color="success"),
                ]
            ),
        ],
        id=FIN_CONFIRM,
        is_open=False,
    )
    return html.Div(
        [
            html.Div(
                [
                    page_header(t("fin.title", lang), t("fin.subtitle", lang)),
                    filter_bar(
                        query, lang=lang, dates=period_dates(query), extra=[_controls(query, lang)]
                    ),
                ],
                className="finance-noprint",
            ),
            dcc.Store(id=FIN_QUERY, data=query),
            dcc.Store(id=FIN_REFRESH, data=0),
            dcc.Store(id=FIN_CLEAN_IDS, data=[]),
            html.Div(id=FIN_TOTALS, className="finance-noprint"),
            dbc.Tabs(
                [
                    dbc.Tab(claims_tab, label=t("fin.tab.claims", lang), tab_id="claims"),
                    dbc.Tab(mileage_tab, label=t("fin.tab.mileage", lang), tab_id="mileage"),
                    dbc.Tab(statement_tab, label=t("fin.tab.statement", lang), tab_id="statement"),
                    dbc.Tab(whatif_tab, label=t("fin.tab.whatif", lang), tab_id="whatif"),
                ],
                id="finance-tabs",
                active_tab=query.get("tab") or "claims",
                className="mb-3 finance-noprint",
            ),
            confirm,
        ],
        className="finance-page",
    )


def _ledger_args(query) -> dict:
    opts = _options("en")
    allowed = {k: [o["value"] for o in v] for k, v in opts.items()}
    return {key: _page_filter(query, key, allowed[key]) for key in PAGE_KEYS}


@callback(
    Output(CLAIMS_GRID, "rowData"),
    Output(MILEAGE_GRID, "rowData"),
    Output(FIN_RATIO, "figure"),
    Output(FIN_TOTALS, "children"),
    Output(view.CLAIMS_SHOWN, "children"),
    Output(view.MILEAGE_SHOWN, "children"),
    Input(FIN_QUERY, "data"),
    Input(FIN_REFRESH, "data"),
)
@guard()
def render_finance_ledger(me, query, _refresh):
    user, lang, theme = me
    result = finance.ledger(
        current_engine(),
        user,
        filters_from_query(query),
        limit=finance.LEDGER_ROWS,
        **_ledger_args(query),
    )
    return view.ledger_outputs(result, lang, theme)


def _export_format(prefix: str) -> str:
    fmt = {f"{prefix}-csv": "csv", f"{prefix}-xlsx": "xlsx"}.get(ctx.triggered_id)
    if fmt is None or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    return fmt


@callback(
    Output(f"{view.CLAIMS_EXPORT}-download", "data"),
    Input(f"{view.CLAIMS_EXPORT}-csv", "n_clicks"),
    Input(f"{view.CLAIMS_EXPORT}-xlsx", "n_clicks"),
    State(FIN_QUERY, "data"),
    prevent_initial_call=True,
)
@guard()
def export_finance_claims(me, _csv, _xlsx, query):
    """Every claim of the filter (not only the rows the grid holds), built on the server."""
    user, lang = me.user, me.lang
    fmt = _export_format(view.CLAIMS_EXPORT)
    result = finance.ledger(
        current_engine(), user, filters_from_query(query), limit=None, **_ledger_args(query)
    )
    rows = view.claim_rows(result["claims"])
    payload = view.export_bytes(rows, view.claim_columns(lang), fmt)
    return dcc.send_bytes(payload, f"claims.{fmt}")


@callback(
    Output(f"{view.MILEAGE_EXPORT}-download", "data"),
    Input(f"{view.MILEAGE_EXPORT}-csv", "n_clicks"),
    Input(f"{view.MILEAGE_EXPORT}-xlsx", "n_clicks"),
    State(FIN_QUERY, "data"),
    prevent_initial_call=True,
)
@guard()
def export_finance_mileage(me, _csv, _xlsx, query):
    """Every mileage claim of the filter, built on the server."""
    user, lang = me.user, me.lang
    fmt = _export_format(view.MILEAGE_EXPORT)
    result = finance.ledger(
        current_engine(), user, filters_from_query(query), limit=None, **_ledger_args(query)
    )
    rows = view.mileage_rows(result["mileage"])
    payload = view.export_bytes(rows, view.mileage_columns(lang), fmt)
    return dcc.send_bytes(payload, f"mileage.{fmt}")


clientside_callback(
    ClientsideFunction(namespace="shell", function_name="evidencePane"),
    Output(FIN_EVIDENCE_PANE, "className"),
    Input(CLAIMS_GRID, "cellClicked"),
    Input(CLAIMS_GRID, "selectedRows"),
    Input(FIN_EVIDENCE_CLOSE, "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    Output(FIN_EVIDENCE, "children"),
    Input(CLAIMS_GRID, "selectedRows"),
    Input(FIN_REFRESH, "data"),
)
@guard()
def render_claim_evidence(me, selected, _refresh):
    user, lang = me.user, me.lang
    if not selected:
        return t("fin.ev.pick", lang)
    if len(selected) > 1:
        return view.selection_summary(selected, lang)
    ev = finance.claim_evidence(current_engine(), user, selected[0]["claim_id"])
    return view.evidence_panel(ev, lang)


@callback(
    Output(FIN_MESSAGE, "children"),
    Output(FIN_REFRESH, "data"),
    Output(FIN_NOTE, "value"),
    Input(FIN_APPROVE, "n_clicks"),
    Input(FIN_REJECT, "n_clicks"),
    Input(FIN_QUERY_BTN, "n_clicks"),
    State(CLAIMS_GRID, "selectedRows"),
    State(FIN_NOTE, "value"),
    State(FIN_REFRESH, "data"),
    prevent_initial_call=True,
)
@guard(DECIDERS)
def decide_selected_claims(me, _approve, _reject, _query, selected, note, refresh):
    user, lang = me.user, me.lang
    action = {FIN_APPROVE: "approve", FIN_REJECT: "reject", FIN_QUERY_BTN: "query"}.get(
        ctx.triggered_id
    )
    if action is None or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    if not selected:
        return (
            dbc.Alert(t("fin.decide.none", lang), color="warning", className="py-1"),
            no_update,
            no_update,
        )
    try:
        done = finance.decide(
            current_engine(),
            user,
            [row["claim_id"] for row in selected],
            action,
            note=note,
            now=datetime.now(UTC),
        )
    except core.FinanceError as exc:
        msg = t("fin.error", lang).format(error=exc)
        return dbc.Alert(msg, color="danger", className="py-1"), no_update, no_update
    return _done_message(done, lang), (refresh or 0) + 1, ""


def _done_message(done, lang: str) -> dbc.Alert:
    text = t("fin.decide.done", lang).format(
        n=done["count"],
        amount=view.money(done["amount"], lang),
        status=t(f"fin.status.{done['status']}", lang),
    )
    return dbc.Alert(text, color="success", className="py-1")


@callback(
    Output(FIN_CONFIRM, "is_open"),
    Output(FIN_CONFIRM_BODY, "children"),
    Output(FIN_CLEAN_IDS, "data"),
    Output(FIN_CONFIRM_YES, "disabled"),
    Input(FIN_BULK, "n_clicks"),
    Input(FIN_CONFIRM_NO, "n_clicks"),
    State(FIN_QUERY, "data"),
    prevent_initial_call=True,
)
@guard(DECIDERS)
def preview_clean_approval(me, _open, _cancel, query):
    user, lang = me.user, me.lang
    if ctx.triggered_id == FIN_CONFIRM_NO:
        return False, no_update, [], no_update
    args = _ledger_args(query)
    clean = finance.clean_claims(
        current_engine(), user, filters_from_query(query), category=args["category"]
    )
    if not clean["count"]:
        return True, t("fin.bulk.nothing", lang), [], True
    body = t("fin.bulk.body", lang).format(
        n=clean["count"], amount=view.money(clean["amount"], lang)
    )
    return True, html.Span(body, id="finance-confirm-text"), clean["ids"], False


@callback(
    Output(FIN_MESSAGE, "children", allow_duplicate=True),
    Output(FIN_REFRESH, "data", allow_duplicate=True),
    Output(FIN_CONFIRM, "is_open", allow_duplicate=True),
    Input(FIN_CONFIRM_YES, "n_clicks"),
    State(FIN_CLEAN_IDS, "data"),
    State(FIN_QUERY, "data"),
    State(FIN_REFRESH, "data"),
    prevent_initial_call=True,
)
@guard(DECIDERS)
def approve_clean_claims(me, clicks, ids, query, refresh):
    user, lang = me.user, me.lang
    if not clicks:
        raise PreventUpdate
    done = finance.approve_clean(
        current_engine(),
        user,
        filters_from_query(query),
        ids or [],
        category=_ledger_args(query)["category"],
        now=datetime.now(UTC),
    )
    return _done_message(done, lang), (refresh or 0) + 1, False


@callback(
    Output(SHELL_URL, "search", allow_duplicate=True),
    Input(FIN_CATEGORY, "value"),
    Input(FIN_STATUS, "value"),
    Input(FIN_FLAG, "value"),
    State(FIN_QUERY, "data"),
    prevent_initial_call=True,
)
@guard()
def push_finance_filters(_me, category, status, flag, query):
    query = dict(query or {})
    wanted = {"category": category, "status": status, "flag": flag}
    if all(query.get(k) == v for k, v in wanted.items()):
        raise PreventUpdate
    query.update(wanted)
    return "?" + urlencode({k: v for k, v in query.items() if v})


@callback(
    Output(FIN_ST_BODY, "children"),
    Input(FIN_QUERY, "data"),
    Input(FIN_ST_BY, "value"),
    Input(FIN_ST_MONTH, "value"),
    Input(FIN_REFRESH, "data"),
)
@guard()
def render_statement(me, query, by, month, _refresh):
    user, lang = me.user, me.lang
    try:
        result = finance.statement(
            current_engine(), user, filters_from_query(query), by=by or "rep", month=month or None
        )
    except core.FinanceError as exc:
        return dbc.Alert(t("fin.error", lang).format(error=exc), color="warning")
    return view.statement_table(
        result["rows"], result["totals"], by or "rep", result["month"], lang
    )


@callback(
    Output(FIN_ST_DOWNLOAD, "data"),
    Input(FIN_ST_XLSX, "n_clicks"),
    State(FIN_QUERY, "data"),
    State(FIN_ST_BY, "value"),
    State(FIN_ST_MONTH, "value"),
    prevent_initial_call=True,
)
@guard()
def export_statement_xlsx(me, clicks, query, by, month):
    user, lang = me.user, me.lang
    if not clicks:
        raise PreventUpdate
    by = by or "rep"
    result = finance.statement(
        current_engine(), user, filters_from_query(query), by=by, month=month or None
    )
    payload = to_xlsx_bytes(view.statement_rows(result["rows"]), view.statement_columns(by, lang))
    return dcc.send_bytes(payload, f"statement-{result['month']}-{by}.xlsx")


clientside_callback(
    "function(n) { if (n) { window.print(); } return window.dash_clientside.no_update; }",
    Output(FIN_ST_PRINT, "title"),
    Input(FIN_ST_PRINT, "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    *[Output(component_id, "value") for component_id in WI_INPUTS],
    Output(FIN_WI_AUDIT, "children"),
    Input(FIN_QUERY, "data"),
)
@guard()
def fill_what_if_settings(me, _query):
    user, lang = me.user, me.lang
    engine = current_engine()
    settings = core.rules_to_settings(finance.load_rules(engine))
    audit = view.audit_list(finance.settings_history(engine, user), lang)
    return *[settings[WI_KEYS[key]] for key in WI_KEYS], audit


def _proposed(values) -> dict:
    return {WI_KEYS[key]: value for key, value in zip(WI_KEYS, values, strict=True)}


@callback(
    Output(FIN_WI_RESULT, "children"),
    Input(FIN_WI_RUN, "n_clicks"),
    *[State(component_id, "value") for component_id in WI_INPUTS],
    State(FIN_QUERY, "data"),
    prevent_initial_call=True,
)
@guard()
def run_what_if(me, clicks, *args):
    user, lang = me.user, me.lang
    if not clicks:
        raise PreventUpdate
    *values, query = args
    try:
        result = finance.what_if(
            current_engine(), user, filters_from_query(query), _proposed(values)
        )
    except core.FinanceError as exc:
        return dbc.Alert(t("fin.error", lang).format(error=exc), color="danger", className="py-1")
    return view.what_if_table(result, lang)


@callback(
    Output(FIN_WI_MESSAGE, "children"),
    Output(FIN_WI_AUDIT, "children", allow_duplicate=True),
    Input(FIN_WI_SAVE, "n_clicks"),
    *[State(component_id, "value") for component_id in WI_INPUTS],
    prevent_initial_call=True,
)
@guard(("admin",))
def save_what_if_settings(me, clicks, *values):
    user, lang = me.user, me.lang
    if not clicks:
        raise PreventUpdate
    engine = current_engine()
    try:
        changed = finance.save_rules(engine, user, _proposed(values), now=datetime.now(UTC))
    except core.FinanceError as exc:
        msg = dbc.Alert(t("fin.error", lang).format(error=exc), color="danger", className="py-1")
        return msg, no_update
    msg = dbc.Alert(t("fin.wi.saved", lang).format(n=changed), color="success", className="py-1")
    return msg, view.audit_list(finance.settings_history(engine, user), lang)

"""The expense-audit page's skeleton: filters, totals, the four tabs and the approval dialog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.filters import filter_bar
from components.finance import ids
from components.finance.controls import controls
from components.finance.decisions import confirm_dialog, decision_panel
from components.finance.ledger import claims_grid
from components.finance.mileage import mileage_grid
from components.finance.what_if import what_if_inputs
from components.i18n import t
from components.jobs import job_indicator
from components.locale import graph_config
from components.shell import evidence_back_button, page_header


def _card(title, body, **kw) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], **kw)


def _claims_tab(lang: str, theme: str, may_decide: bool) -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(
                [
                    html.Div(
                        dbc.Button(
                            t("fin.bulk.button", lang),
                            id=ids.BULK,
                            color="success",
                            outline=True,
                            size="sm",
                            disabled=not may_decide,
                        ),
                        className="mb-1 finance-noprint",
                    ),
                    claims_grid(lang, theme),
                ],
                xl=8,
                className="mb-3",
            ),
            dbc.Col(
                # Below lg a tapped claim opens full screen, the decision buttons at the bottom.
                html.Div(
                    [
                        evidence_back_button(ids.EVIDENCE_CLOSE, lang),
                        _card(
                            t("fin.evidence", lang),
                            [
                                html.Div(
                                    t("fin.ev.pick", lang),
                                    id=ids.EVIDENCE,
                                    className="small text-body-secondary",
                                ),
                                decision_panel(lang, may_decide),
                            ],
                            className="finance-evidence-card",
                        ),
                    ],
                    id=ids.EVIDENCE_PANE,
                    className="evidence-pane",
                ),
                xl=4,
                className="mb-3",
            ),
        ]
    )


def _mileage_tab(lang: str, theme: str) -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(_card(t("fin.km.grid", lang), mileage_grid(lang, theme)), xl=7),
            dbc.Col(
                _card(
                    t("fin.km.chart", lang),
                    dcc.Graph(id=ids.RATIO, config=graph_config(lang)),
                ),
                xl=5,
            ),
        ],
        className="g-3",
    )


def _statement_tab(month: str | None, lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(
                        dbc.RadioItems(
                            id=ids.ST_BY,
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
                            id=ids.ST_MONTH,
                            type="month",
                            size="sm",
                            value=month,
                            placeholder="YYYY-MM",
                        ),
                        md=2,
                    ),
                    dbc.Col(
                        [
                            dbc.Button(
                                t("export.xlsx", lang),
                                id=ids.ST_XLSX,
                                size="sm",
                                color="secondary",
                                outline=True,
                                className="me-2",
                            ),
                            dbc.Button(
                                t("fin.st.print", lang),
                                id=ids.ST_PRINT,
                                size="sm",
                                color="secondary",
                                outline=True,
                            ),
                            dcc.Download(id=ids.ST_DOWNLOAD),
                        ],
                        md="auto",
                    ),
                    dbc.Col(job_indicator(ids.ST_JOB, lang, progress=False), md=3),
                ],
                className="g-2 mb-2 finance-noprint align-items-center",
            ),
            html.Div(id=ids.ST_BODY, className="finance-print-area"),
        ]
    )


def _what_if_tab(lang: str, may_save: bool) -> html.Div:
    return html.Div(
        [
            html.P(t("fin.wi.hint", lang), className="small text-body-secondary"),
            what_if_inputs(lang),
            html.Div(
                [
                    dbc.Button(t("fin.wi.run", lang), id=ids.WI_RUN, size="sm", className="me-2"),
                    dbc.Button(
                        t("fin.wi.save", lang),
                        id=ids.WI_SAVE,
                        size="sm",
                        color="danger",
                        outline=True,
                        disabled=not may_save,
                        title=t("fin.wi.admin_only", lang),
                    ),
                ],
                className="mb-2",
            ),
            html.Div(job_indicator(ids.WI_JOB, lang, progress=False), className="mb-2"),
            html.Div(id=ids.WI_MESSAGE, className="small mb-2"),
            html.Div(id=ids.WI_RESULT),
            html.H3(t("fin.wi.audit", lang), className="h6 mt-3"),
            html.Div(id=ids.WI_AUDIT),
        ]
    )


def finance_page(
    query: Mapping[str, Any],
    *,
    lang: str,
    theme: str,
    dates: tuple[str, str] | None,
    may_decide: bool,
    may_save: bool,
) -> html.Div:
    """The whole page, its data left to the callbacks; ``query`` sets filters, tab and month."""
    return html.Div(
        [
            html.Div(
                [
                    page_header(t("fin.title", lang), t("fin.subtitle", lang)),
                    filter_bar(query, lang=lang, dates=dates, extra=[controls(query, lang)]),
                ],
                className="finance-noprint",
            ),
            dcc.Store(id=ids.QUERY, data=query),
            dcc.Store(id=ids.REFRESH, data=0),
            dcc.Store(id=ids.CLEAN_IDS, data=[]),
            html.Div(id=ids.TOTALS, className="finance-noprint"),
            dbc.Tabs(
                [
                    dbc.Tab(
                        _claims_tab(lang, theme, may_decide),
                        label=t("fin.tab.claims", lang),
                        tab_id="claims",
                    ),
                    dbc.Tab(
                        _mileage_tab(lang, theme),
                        label=t("fin.tab.mileage", lang),
                        tab_id="mileage",
                    ),
                    dbc.Tab(
                        _statement_tab(query.get("month") or None, lang),
                        label=t("fin.tab.statement", lang),
                        tab_id="statement",
                    ),
                    dbc.Tab(
                        _what_if_tab(lang, may_save),
                        label=t("fin.tab.whatif", lang),
                        tab_id="whatif",
                    ),
                ],
                id=ids.TABS,
                active_tab=query.get("tab") or "claims",
                className="mb-3 finance-noprint",
            ),
            confirm_dialog(lang),
        ],
        className="finance-page",
    )

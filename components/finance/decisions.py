"""Deciding claims: the decision panel, the bulk-approval dialog and what a decision did."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.finance import ids
from components.finance.common import money
from components.i18n import t


def decision_panel(lang: str, may_decide: bool) -> html.Div:
    """The note and the approve / reject / query buttons (a read-only line for the others)."""
    note = dbc.Textarea(
        id=ids.NOTE, placeholder=t("fin.decide.note", lang), rows=2, className="mb-2"
    )
    buttons = html.Div(
        [
            dbc.Button(t("fin.decide.approve", lang), id=ids.APPROVE, color="success", size="sm"),
            dbc.Button(t("fin.decide.reject", lang), id=ids.REJECT, color="danger", size="sm"),
            dbc.Button(t("fin.decide.query", lang), id=ids.QUERY_BTN, color="warning", size="sm"),
        ],
        className="d-flex gap-2",
    )
    return html.Div(
        [
            html.H3(t("fin.decide.title", lang), className="h6"),
            note,
            buttons,
            html.Div(id=ids.MESSAGE, className="small mt-2"),
        ]
        if may_decide
        else [html.Div(t("fin.decide.read_only", lang), className="small text-body-secondary")],
        className="finance-decision border-top pt-2 mt-2 finance-noprint",
        hidden=False,
    )


def confirm_dialog(lang: str) -> dbc.Modal:
    """The dialog that confirms approving every clean claim of the filter."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("fin.bulk.title", lang))),
            dbc.ModalBody(id=ids.CONFIRM_BODY),
            dbc.ModalFooter(
                [
                    dbc.Button(t("fin.bulk.no", lang), id=ids.CONFIRM_NO, color="secondary"),
                    dbc.Button(t("fin.bulk.yes", lang), id=ids.CONFIRM_YES, color="success"),
                ]
            ),
        ],
        id=ids.CONFIRM,
        is_open=False,
    )


def clean_preview(clean: Mapping[str, Any], lang: str) -> Any:
    """The dialog's text: how many clean claims, how much money (or that there are none)."""
    if not clean["count"]:
        return t("fin.bulk.nothing", lang)
    body = t("fin.bulk.body", lang).format(n=clean["count"], amount=money(clean["amount"], lang))
    return html.Span(body, id="finance-confirm-text")


def nothing_selected(lang: str) -> dbc.Alert:
    """A decision clicked with no claim selected."""
    return dbc.Alert(t("fin.decide.none", lang), color="warning", className="py-1")


def done_message(done: Mapping[str, Any], lang: str) -> dbc.Alert:
    """What a decision did: how many claims, how much money, which status now."""
    text = t("fin.decide.done", lang).format(
        n=done["count"],
        amount=money(done["amount"], lang),
        status=t(f"fin.status.{done['status']}", lang),
    )
    return dbc.Alert(text, color="success", className="py-1")


def finance_error(error: Exception, lang: str, *, warning: bool = False) -> dbc.Alert:
    """The finance rules' refusal of a request (a compact danger note unless a warning)."""
    text = t("fin.error", lang).format(error=error)
    if warning:
        return dbc.Alert(text, color="warning")
    return dbc.Alert(text, color="danger", className="py-1")

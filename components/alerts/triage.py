"""Triage: the triage card, what a click on it did, and an alert's history of status changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.alerts import ids
from components.alerts.evidence_values import local_time
from components.i18n import t


def triage_card(lang: str, *, max_note_chars: int) -> dbc.Card:
    """Assignee, note and the action buttons (enabled by the evidence callback per selection)."""

    def button(action: str, colour: str) -> dbc.Button:
        return dbc.Button(
            t(f"alerts.action.{action}", lang),
            id={"type": ids.ACTION, "action": action},
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
                                    id={"type": ids.ASSIGNEE, "name": "triage"},
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
                        id={"type": ids.NOTE, "name": "triage"},
                        placeholder=t("alerts.triage.note", lang),
                        rows=2,
                        maxLength=max_note_chars,
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


def history_placeholder(lang: str) -> html.Div:
    """What the history card shows before an alert is picked."""
    return html.Div(t("alerts.history.pick", lang), className="text-body-secondary small")


def history_list(history: Sequence[Mapping[str, Any]], *, lang: str, tz: str | None) -> html.Div:
    """Every status change of an alert, oldest first: when, who, what, the note."""
    if not history:
        return html.Div(
            t("alerts.history.none", lang),
            className="text-body-secondary small",
            id="alerts-history-empty",
        )
    items = []
    for event in history:
        change = (
            t("alerts.status." + str(event["from_status"]), lang)
            + " → "
            + t("alerts.status." + str(event["to_status"]), lang)
            if event.get("from_status") != event.get("to_status")
            else ""
        )
        assigned = (
            t("alerts.history.assigned", lang).format(who=event["assigned_to"])
            if event.get("action") == "assign"
            else ""
        )
        items.append(
            html.Li(
                [
                    html.Div(
                        [
                            html.Span(
                                local_time(event["at"], tz), className="text-body-secondary me-2"
                            ),
                            html.Strong(event["actor"], className="me-2"),
                            html.Span(
                                t(f"alerts.action.{event['action']}", lang), className="me-2"
                            ),
                            html.Span(change or assigned, className="small"),
                        ]
                    ),
                    html.Div(event["note"], className="alerts-note small")
                    if event.get("note")
                    else None,
                ],
                className="list-group-item py-1",
            )
        )
    return html.Ul(items, className="list-group list-group-flush", id="alerts-history-list")


def triage_feedback(
    *,
    lang: str,
    changed: int = 0,
    refused: Sequence[tuple[str, str, Mapping[str, Any]]] = (),
    error: tuple[str, Mapping[str, Any]] | None = None,
) -> html.Div:
    """What a triage click did: how many alerts changed, and why others were refused."""
    if error is not None:
        code, params = error
        return dbc.Alert(
            t(f"alerts.error.{code}", lang).format(**params),
            color="danger",
            className="py-1 px-2 small mb-0",
            id="alerts-triage-error",
        )
    parts: list[Any] = [html.Div(t("alerts.bulk.changed", lang).format(n=changed))]
    if refused:
        parts.append(html.Div(t("alerts.bulk.refused", lang).format(n=len(refused))))
        parts.append(
            html.Ul(
                [
                    html.Li(f"{alert_id}: {t(f'alerts.error.{code}', lang).format(**params)}")
                    for alert_id, code, params in refused[:20]
                ],
                className="mb-0",
            )
        )
    return dbc.Alert(
        parts,
        color="success" if not refused else ("warning" if changed else "danger"),
        className="py-1 px-2 small mb-0",
        id="alerts-triage-result",
    )

"""A rep's handover on the team drill-down (/teams at the rep level): the panel (receiving rep,
required reason, deactivation), what the rep holds, the preview dialog and the outcome.

Render only: the page's callbacks (pages/_teams_handover.py) fetch through the services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import t

PANEL = "teams-handover"
HOLDING = "teams-handover-holding"
TO = "teams-handover-to"
REASON = "teams-handover-reason"
DEACTIVATE = "teams-handover-deactivate"
PREVIEW = "teams-handover-preview"
MESSAGE = "teams-handover-message"
DIALOG = "teams-handover-dialog"
BODY = "teams-handover-body"
YES = "teams-handover-yes"
NO = "teams-handover-no"
PLAN = "teams-handover-plan"
REFRESH = "teams-handover-refresh"
# The most items of each kind the preview lists (the counts are always whole).
PREVIEW_ITEMS = 50


def handover_panel(lang: str, *, shown: bool) -> html.Div:
    """The card, its dialog and stores. Always in the layout (the callbacks name its parts),
    shown only at a rep's level to those who may hand over; the server checks again."""
    card = dbc.Card(
        [
            dbc.CardHeader(t("handover.title", lang)),
            dbc.CardBody(
                [
                    html.P(t("handover.hint", lang), className="small text-body-secondary"),
                    html.Div(id=HOLDING, className="mb-2"),
                    dbc.Row(
                        [
                            dbc.Col(
                                dcc.Dropdown(
                                    id=TO,
                                    options=[],
                                    placeholder=t("handover.to", lang),
                                    clearable=True,
                                ),
                                xs=12,
                                md=4,
                            ),
                            dbc.Col(
                                dbc.Input(
                                    id=REASON,
                                    type="text",
                                    maxLength=500,
                                    placeholder=t("handover.reason", lang),
                                ),
                                xs=12,
                                md=4,
                            ),
                            dbc.Col(
                                dbc.Button(
                                    t("handover.preview", lang),
                                    id=PREVIEW,
                                    color="primary",
                                    className="w-100",
                                ),
                                xs=12,
                                md="auto",
                            ),
                        ],
                        className="g-2 align-items-center",
                    ),
                    dbc.Checkbox(
                        id=DEACTIVATE,
                        value=False,
                        label=t("handover.deactivate", lang),
                        className="mt-2",
                    ),
                    html.Div(id=MESSAGE, className="mt-2"),
                ]
            ),
        ],
        className="mt-3",
    )
    dialog = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("handover.dialog", lang))),
            dbc.ModalBody(id=BODY),
            dbc.ModalFooter(
                [
                    dbc.Button(t("handover.cancel", lang), id=NO, color="secondary", outline=True),
                    dbc.Button(t("handover.confirm", lang), id=YES),
                ]
            ),
        ],
        id=DIALOG,
        is_open=False,
        scrollable=True,
    )
    return html.Div(
        [card, dialog, dcc.Store(id=PLAN), dcc.Store(id=REFRESH, data=0)],
        id=PANEL,
        hidden=not shown,
    )


def holding_summary(held: Mapping[str, Any], lang: str) -> html.Div:
    """What the rep holds: customers, plans from today, open tasks."""
    rep = held["rep"]
    line = t("handover.holding", lang).format(
        rep=rep["name"],
        team=rep["team_name"],
        customers=len(held["customers"]),
        plans=len(held["plans"]),
        tasks=len(held["tasks"]),
    )
    inactive = None if rep["active"] else html.Span(t("handover.inactive", lang), className="ms-1")
    return html.Div([html.Span(line, id="teams-handover-counts"), inactive], className="small")


def target_options(reps: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Receiving reps: "rep · team"."""
    return [{"label": f"{rep['name']} · {rep['team_name']}", "value": rep["id"]} for rep in reps]


def _section(title: str, items: list[str], lang: str, section_id: str) -> html.Div:
    shown = [html.Li(item) for item in items[:PREVIEW_ITEMS]]
    if len(items) > PREVIEW_ITEMS:
        shown.append(html.Li(t("handover.more", lang).format(n=len(items) - PREVIEW_ITEMS)))
    if not items:
        shown = [html.Li(t("handover.none", lang), className="text-muted")]
    return html.Div(
        [html.H6(title, className="mt-3"), html.Ul(shown, className="small mb-0")], id=section_id
    )


def preview_body(plan: Any, reason: str, lang: str) -> html.Div:
    """What the handover moves: customers, plans from today, open tasks; warnings."""
    names = {row["id"]: row["name"] for row in plan.customers}
    customers = [f"{row['name']} ({row['id']})" for row in plan.customers]
    plans = [f"{p['date'].isoformat()} ({p['id']})" for p in plan.plans]
    tasks = [
        f"{names.get(task['customer_id'], task['customer_id'])} · "
        + t("handover.due", lang).format(due=task["due"].isoformat())
        for task in plan.tasks
    ]
    head = t("handover.body", lang).format(
        from_rep=plan.from_rep["name"],
        to_rep=plan.to_rep["name"],
        team=plan.to_rep["team_name"],
        reason=reason,
    )
    notes = [dbc.Alert(w, color="warning", className="py-2 mt-2 mb-0 small") for w in plan.warnings]
    if plan.deactivate:
        notes.append(
            dbc.Alert(
                t("handover.will_deactivate", lang).format(rep=plan.from_rep["name"]),
                color="info",
                className="py-2 mt-2 mb-0 small",
            )
        )
    return html.Div(
        [
            html.P(head),
            _section(
                t("handover.customers", lang).format(n=len(customers)),
                customers,
                lang,
                "teams-handover-customers",
            ),
            _section(
                t("handover.plans", lang).format(n=len(plans)), plans, lang, "teams-handover-plans"
            ),
            _section(
                t("handover.tasks", lang).format(n=len(tasks)), tasks, lang, "teams-handover-tasks"
            ),
            *notes,
        ]
    )


def refused(reason: str, lang: str) -> dbc.Alert:
    """A refusal, with the service's reason (it names the field)."""
    return dbc.Alert(
        [html.Strong(t("handover.refused", lang)), reason],
        color="warning",
        className="py-2 mb-0",
        id="teams-handover-refused",
    )


def handed_over(plan: Any, lang: str) -> dbc.Alert:
    return dbc.Alert(
        t("handover.done", lang).format(
            customers=len(plan.customers),
            plans=len(plan.plans),
            tasks=len(plan.tasks),
            rep=plan.to_rep["name"],
        ),
        color="success",
        className="py-2 mb-0",
        id="teams-handover-done",
    )

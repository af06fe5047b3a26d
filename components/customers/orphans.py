"""Orphan customers (owner missing or inactive) and their handover: the grid, the receiving
rep picker, the preview dialog and the outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.customers import ids
from components.customers.listing import md_link, owner_label, profile_href
from components.finance.common import code_labels
from components.grids import column, data_grid
from components.i18n import t
from dashboard.frequency import STATUSES


def orphan_columns(lang: str) -> list[dict[str, Any]]:
    return [
        column("link", t("cust.col.name", lang), cellRenderer="markdown", minWidth=190),
        column("city", t("cust.col.city", lang), minWidth=90),
        column("grade", t("cust.col.grade", lang), minWidth=80, maxWidth=110),
        column("owner", t("cust.handover.from", lang), minWidth=170),
        column(
            "status",
            t("cust.col.status", lang),
            minWidth=110,
            valueFormatter=code_labels("cust.status", STATUSES, lang),
        ),
        column("last_visit", t("cust.col.last_visit", lang), minWidth=120),
    ]


def orphan_rows(rows: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "link": md_link(row["name"], profile_href(row["id"])),
            "city": row["city"],
            "grade": row["grade"],
            "owner": owner_label(row, lang),
            "status": row["status"],
            "last_visit": None if row["last_visit"] is None else row["last_visit"].isoformat(),
            "region_id": row["region_id"],
        }
        for row in rows
    ]


def orphan_panel(lang: str, theme: str, *, may_hand_over: bool) -> dbc.Card:
    """The orphans card: the grid (several rows selectable), and for those who may hand over,
    the receiving rep, the preview button and the outcome line."""
    grid = data_grid(
        ids.ORPHAN_GRID["name"],
        None,
        orphan_columns(lang),
        lang=lang,
        theme=theme,
        height=300,
        file_name="orphans",
        multi_select_by="id",
    )
    # Say why the grid is empty in the page's own words, keeping the grid's locale table.
    options = grid.children[1].dashGridOptions
    options["localeText"] = {
        **options.get("localeText", {}),
        "noRowsToShow": t("cust.orphans.none", lang),
    }
    # The picker and the button exist for every role (the callbacks name them), shown only to
    # those who may hand over; the callbacks refuse the others on the server too.
    actions = html.Div(
        dbc.Row(
            [
                dbc.Col(
                    dcc.Dropdown(
                        id=ids.ORPHAN_TO,
                        options=[],
                        placeholder=t("cust.orphans.to", lang),
                        clearable=True,
                    ),
                    xs=12,
                    md=6,
                ),
                dbc.Col(
                    dbc.Button(
                        t("cust.orphans.preview", lang),
                        id=ids.ORPHAN_PREVIEW,
                        color="primary",
                        className="w-100",
                        disabled=not may_hand_over,
                    ),
                    xs=12,
                    md="auto",
                ),
            ],
            className="g-2 mt-2 align-items-center",
        ),
        hidden=not may_hand_over,
    )
    note = (
        None
        if may_hand_over
        else html.Div(t("cust.orphans.read_only", lang), className="small mt-2 text-muted")
    )
    return dbc.Card(
        [
            dbc.CardHeader(t("cust.orphans.title", lang)),
            dbc.CardBody(
                [
                    html.P(t("cust.orphans.hint", lang), className="small text-body-secondary"),
                    grid,
                    actions,
                    note,
                    html.Div(id=ids.ORPHAN_MESSAGE, className="mt-2"),
                ]
            ),
        ],
        className="mb-3",
        id="customers-orphans-card",
    )


def handover_dialog(lang: str) -> dbc.Modal:
    """The confirmation of a handover (its body filled by the preview)."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("cust.handover.title", lang))),
            dbc.ModalBody(id=ids.HANDOVER_BODY),
            dbc.ModalFooter(
                [
                    dbc.Button(
                        t("cust.handover.cancel", lang),
                        id=ids.HANDOVER_NO,
                        color="secondary",
                        outline=True,
                    ),
                    dbc.Button(t("cust.handover.confirm", lang), id=ids.HANDOVER_YES),
                ]
            ),
        ],
        id=ids.HANDOVER,
        is_open=False,
    )


def receiving_options(reps: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Active reps to hand over to: "rep · team"."""
    return [
        {"label": f"{rep['name']} · {rep['team_name']}", "value": rep["id"]}
        for rep in reps
        if rep["active"]
    ]


def picked_ids(selected: Any) -> list[str]:
    """The customer ids of the grid's selected rows (whatever the browser sent)."""
    return [str(row["id"]) for row in (selected or []) if isinstance(row, dict) and row.get("id")]


def handover_preview(plan: Any, lang: str) -> html.Div:
    """What a handover moves: the receiving rep and the customers."""
    rep = plan.to_rep
    items = [
        html.Li(f"{row['name']} ({row['id']})", className="customers-handover-item")
        for row in plan.customers
    ]
    body = t("cust.handover.body", lang).format(
        n=len(plan.customers), rep=rep["name"], team=rep["team_name"]
    )
    away = [row for row in plan.customers if row.get("region_id") != rep["region_id"]]
    warning = (
        dbc.Alert(
            t("cust.handover.other_region", lang).format(n=len(away), region=rep["region_id"]),
            color="warning",
            className="py-2 mt-2 mb-0 small",
            id="customers-handover-other-region",
        )
        if away
        else None
    )
    return html.Div([html.P(body), html.Ul(items, className="small mb-0"), warning])


def refused(reason: str, lang: str) -> dbc.Alert:
    """A refusal, with the service's reason."""
    return dbc.Alert(
        [html.Strong(t("cust.handover.refused", lang)), reason],
        color="warning",
        className="py-2 mb-0",
        id="customers-handover-refused",
    )


def nothing_picked(lang: str) -> dbc.Alert:
    return dbc.Alert(t("cust.orphans.pick", lang), color="secondary", className="py-2 mb-0")


def handed_over(n: int, rep_name: str, lang: str) -> dbc.Alert:
    return dbc.Alert(
        t("cust.handover.done", lang).format(n=n, rep=rep_name),
        color="success",
        className="py-2 mb-0",
        id="customers-handover-done",
    )

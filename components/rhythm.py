"""The rhythm view on the team drill-down (due list, overdue customers, task completion) and the
overview's daily digest (overdue A customers per team, compliance per grade): render only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.formatting import fmt_value
from components.grids import GRID, column, data_grid, records
from components.i18n import t

RHYTHM_TITLE = "teams-rhythm-title"
RHYTHM_SUMMARY = "teams-rhythm-summary"
RHYTHM_DUE = {"type": GRID, "name": "teams-rhythm-due"}
RHYTHM_OVERDUE = {"type": GRID, "name": "teams-rhythm-overdue"}
DIGEST = "overview-digest"

HORIZON_DAYS = 7
# Rows sent to each grid (most urgent first); the tiles count every row.
GRID_LIMIT = 2000


def due_columns(lang: str) -> list[dict[str, Any]]:
    return [
        column("due_on", t("rhythm.col.due_on", lang), pinned="left", minWidth=115),
        column("state_text", t("rhythm.col.state", lang), maxWidth=130),
        column("grade", t("rhythm.col.grade", lang), maxWidth=90),
        column("name", t("rhythm.col.customer", lang), minWidth=180),
        column("city", t("rhythm.col.city", lang)),
        column("owner_name", t("rhythm.col.owner", lang)),
        column("team_name", t("rhythm.col.team", lang)),
        column("last_visit_text", t("rhythm.col.last_visit", lang)),
    ]


def overdue_columns(lang: str) -> list[dict[str, Any]]:
    return [
        column(
            "days_overdue", t("rhythm.col.days_overdue", lang), "int", pinned="left", maxWidth=110
        ),
        column("grade", t("rhythm.col.grade", lang), maxWidth=90),
        column("name", t("rhythm.col.customer", lang), minWidth=180),
        column("city", t("rhythm.col.city", lang)),
        column("owner_name", t("rhythm.col.owner", lang)),
        column("team_name", t("rhythm.col.team", lang)),
        column("last_visit_text", t("rhythm.col.last_visit", lang)),
        column("overdue_on", t("rhythm.col.overdue_on", lang), minWidth=115),
    ]


def rhythm_card(*, lang: str, theme: str) -> dbc.Card:
    """The rhythm view's skeleton; the callback fills the title, summary and both grids."""
    grids = dbc.Row(
        [
            dbc.Col(
                [
                    html.H6(t("rhythm.due", lang)),
                    data_grid(
                        RHYTHM_DUE["name"],
                        None,
                        due_columns(lang),
                        lang=lang,
                        theme=theme,
                        height=320,
                        file_name="due-list",
                    ),
                ],
                xl=6,
                className="mb-3",
            ),
            dbc.Col(
                [
                    html.H6(t("rhythm.overdue", lang)),
                    data_grid(
                        RHYTHM_OVERDUE["name"],
                        None,
                        overdue_columns(lang),
                        lang=lang,
                        theme=theme,
                        height=320,
                        file_name="overdue-rhythm",
                    ),
                ],
                xl=6,
                className="mb-3",
            ),
        ]
    )
    return dbc.Card(
        [
            dbc.CardHeader(html.Span(t("rhythm.title", lang), id=RHYTHM_TITLE)),
            dbc.CardBody([html.Div(id=RHYTHM_SUMMARY, className="mb-2"), grids]),
        ],
        className="mt-3 mb-3",
    )


def rhythm_title(query: Mapping[str, Any], lang: str) -> str:
    """The view's title naming what it shows: a rep, a team, or the whole scope."""
    if query.get("rep"):
        who = t("rhythm.scope.rep", lang).format(rep=query["rep"])
    elif query.get("team"):
        who = t("rhythm.scope.team", lang).format(team=query["team"])
    else:
        who = t("rhythm.scope.all", lang)
    return f"{t('rhythm.title', lang)} · {who}"


def _tile(label: str, value: str, tile_id: str, note: str | None = None) -> dbc.Col:
    body = [
        html.Div(label, className="kpi-label"),
        html.Div(value, className="kpi-value", id=tile_id),
    ]
    if note:
        body.append(html.Div(note, className="small text-body-secondary"))
    return dbc.Col(
        dbc.Card(dbc.CardBody(body), className="h-100 kpi-tile"),
        xs=6,
        md=4,
        xl=True,
        className="mb-2",
    )


def rhythm_summary(view: Mapping[str, Any], lang: str) -> html.Div:
    """The tiles over the grids: due today, due in the next days, overdue (never visited),
    tasks by outcome and the completion rate."""
    due = view["due"]
    overdue = view["overdue"]
    done = view["completion"]
    never = sum(1 for row in overdue if row.get("never"))
    hint = t("rhythm.hint", lang).format(days=HORIZON_DAYS, as_of=view["as_of"].isoformat())
    longest = max(len(due), len(overdue))
    if longest > GRID_LIMIT:
        hint += " " + t("rhythm.shown", lang).format(n=GRID_LIMIT)
    tiles = dbc.Row(
        [
            _tile(
                t("rhythm.tile.due_today", lang),
                fmt_value(sum(1 for row in due if row["state"] == "due"), "int", lang),
                "teams-rhythm-due-today",
            ),
            _tile(
                t("rhythm.tile.upcoming", lang),
                fmt_value(sum(1 for row in due if row["state"] == "upcoming"), "int", lang),
                "teams-rhythm-upcoming",
            ),
            _tile(
                t("rhythm.tile.overdue", lang),
                fmt_value(len(overdue), "int", lang),
                "teams-rhythm-overdue-count",
                f"{t('rhythm.tile.never', lang)}: {never}",
            ),
            _tile(
                t("rhythm.tile.tasks", lang),
                f"{done['tasks_done']} / {done['tasks_overdue']} / {done['tasks_open']}",
                "teams-rhythm-tasks",
            ),
            _tile(
                t("rhythm.tile.completion", lang),
                fmt_value(done["task_completion"], "pct", lang),
                "teams-rhythm-completion",
            ),
        ],
        className="g-2",
    )
    return html.Div([html.Div(hint, className="small text-body-secondary mb-2"), tiles])


def _last_visit_text(row: Mapping[str, Any], lang: str) -> str:
    last = row.get("last_visit")
    return last.isoformat() if last is not None else t("rhythm.never", lang)


def due_rows(due: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The due list as grid rows (the first ``GRID_LIMIT``: the earliest due)."""
    fields = [col["field"] for col in due_columns(lang)]
    shaped = [
        {
            **row,
            "state_text": t(f"rhythm.state.{row['state']}", lang),
            "last_visit_text": _last_visit_text(row, lang),
        }
        for row in due[:GRID_LIMIT]
    ]
    return records(pd.DataFrame(shaped, columns=fields))


def overdue_rows(overdue: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The overdue customers as grid rows (the first ``GRID_LIMIT``: the longest overdue)."""
    fields = [col["field"] for col in overdue_columns(lang)]
    shaped = [
        {**row, "last_visit_text": _last_visit_text(row, lang)} for row in overdue[:GRID_LIMIT]
    ]
    return records(pd.DataFrame(shaped, columns=fields))


def digest_block(digest: Mapping[str, Any], lang: str) -> html.Div:
    """The overview's daily digest: overdue A customers per team, compliance per grade."""
    head = html.Div(
        t("digest.overdue_a", lang).format(n=digest["overdue_a"]),
        className="fw-semibold mb-2",
        id="overview-digest-overdue-a",
    )
    if digest["teams"]:
        teams = dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [
                            html.Th(t("digest.col.team", lang)),
                            html.Th(t("digest.col.overdue_a", lang), className="text-end"),
                            html.Th(t("digest.col.a_customers", lang), className="text-end"),
                        ]
                    )
                ),
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Td(row["team_name"]),
                                html.Td(str(row["overdue_a"]), className="text-end"),
                                html.Td(str(row["a_customers"]), className="text-end"),
                            ]
                        )
                        for row in digest["teams"]
                    ]
                ),
            ],
            size="sm",
            className="mb-2",
            id="overview-digest-teams",
        )
    else:
        teams = html.Div(t("digest.none", lang), className="text-body-secondary small mb-2")
    grades = dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(t("digest.col.grade", lang)),
                        html.Th(t("digest.col.compliance", lang), className="text-end"),
                        html.Th(t("digest.col.compliant", lang), className="text-end"),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(row["grade"]),
                            html.Td(
                                fmt_value(row["rate"], "pct", lang),
                                className="text-end",
                                id=f"overview-digest-rate-{row['grade']}",
                            ),
                            html.Td(
                                f"{row['compliant']} / {row['customers']}", className="text-end"
                            ),
                        ]
                    )
                    for row in digest["grades"]
                ]
            ),
        ],
        size="sm",
        className="mb-0",
        id="overview-digest-grades",
    )
    return html.Div([head, teams, grades])

"""The /sop page (contract §7, issue 18): step funnel, teams and reps worst first, step timing,
visits missing required steps, and the template editor. Renders what it is given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.filters import filter_bar
from components.grids import column, data_grid
from components.i18n import t
from components.locale import grid_locale_text
from components.shell import page_header
from dashboard.contract import STEP_KINDS

QUERY = "sop-query"
SHELL_URL = "shell-url"
TEMPLATE = "sop-template"
FUNNEL_GRID = "sop-funnel"
TEAMS_GRID = "sop-teams"
REPS_GRID = "sop-reps"
TIMING_GRID = "sop-timing"
INCOMPLETE_GRID = "sop-incomplete"
EDITOR_PICK = "sop-editor-pick"
EDITOR_ID = "sop-editor-id"
EDITOR_NAME = "sop-editor-name"
EDITOR_STEPS = "sop-editor-steps"
EDITOR_ADD = "sop-editor-add"
EDITOR_REMOVE = "sop-editor-remove"
EDITOR_SAVE = "sop-editor-save"
EDITOR_MESSAGE = "sop-editor-message"
EDITOR_HISTORY = "sop-editor-history"


def grid_id(name: str) -> dict[str, str]:
    return {"type": "data-grid", "name": name}


def _card(title: str, body: Any) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="mb-3")


def funnel_columns(lang: str) -> list[dict[str, Any]]:
    return [
        column("template_id", t("sop.col.template", lang)),
        column("version", t("sop.col.version", lang), "int"),
        column("seq", t("sop.col.seq", lang), "int"),
        column("label", t("sop.col.step", lang)),
        column("code", t("sop.col.code", lang)),
        column("required", t("sop.col.required", lang)),
        column("visits", t("sop.col.visits", lang), "int"),
        column("done_share", t("sop.col.done", lang), "pct"),
        column("failed_share", t("sop.col.failed", lang), "pct"),
        column("late_share", t("sop.col.late", lang), "pct"),
        column("missing_share", t("sop.col.missing", lang), "pct"),
    ]


def offender_columns(lang: str) -> list[dict[str, Any]]:
    return [
        column("name", t("sop.col.name", lang)),
        column("visits", t("sop.col.visits", lang), "int"),
        column("completion", t("sop.col.completion", lang), "pct"),
        column("gaps", t("sop.col.gaps", lang), "int"),
    ]


def timing_columns(lang: str) -> list[dict[str, Any]]:
    return [
        column("template_id", t("sop.col.template", lang)),
        column("version", t("sop.col.version", lang), "int"),
        column("label", t("sop.col.step", lang)),
        column("code", t("sop.col.code", lang)),
        column("n", t("sop.col.visits", lang), "int"),
        column("median_s", t("sop.col.median", lang), "dec"),
        column("min_seconds", t("sop.col.min", lang), "dec"),
        column("too_fast", t("sop.col.too_fast", lang), "int"),
        column("flagged", t("sop.col.flagged", lang)),
    ]


def incomplete_columns(lang: str) -> list[dict[str, Any]]:
    return [
        column("local_date", t("sop.col.date", lang)),
        column("rep_name", t("sop.col.rep", lang)),
        column("customer_name", t("sop.col.customer", lang)),
        column("template_id", t("sop.col.template", lang)),
        column("version", t("sop.col.version", lang), "int"),
        column("missing", t("sop.col.missing", lang)),
        column("late", t("sop.col.late", lang)),
        column("replay", t("sop.col.replay", lang), cellRenderer="markdown"),
    ]


def template_search(query: Mapping[str, Any] | None, template_id: str | None) -> str | None:
    """The URL search with ``template`` set to the chosen template (removed for all templates),
    the other keys kept; None when it does not change."""
    query = {k: v for k, v in (query or {}).items() if v not in (None, "")}
    wanted = str(template_id or "")
    if str(query.get("template") or "") == wanted:
        return None
    query["template"] = wanted
    return "?" + urlencode({k: v for k, v in query.items() if v})


def _json_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item = {}
        for key, value in row.items():
            item[key] = value.isoformat() if hasattr(value, "isoformat") else value
        out.append(item)
    return out


def page_rows(data: Mapping[str, Any], lang: str) -> tuple[list, list, list, list, list]:
    """The five grids' rows (funnel, teams, reps, timing, incomplete visits)."""
    incomplete = []
    for row in _json_rows(data["incomplete"]):
        row["replay"] = f"[{t('sop.col.replay', lang)}]({row['replay']})"
        incomplete.append(row)
    return (
        _labelled(_json_rows(data["funnel"]), lang),
        _json_rows(data["teams"]),
        _json_rows(data["reps"]),
        _labelled(_json_rows(data["timing"]), lang),
        incomplete,
    )


def _labelled(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Rows with ``label``: the step's label in the viewer's language (its code when none)."""
    for row in rows:
        row["label"] = row.get(f"label_{lang}") or row.get("code")
    return rows


def _grid(name: str, columns: list[dict[str, Any]], lang: str, theme: str, file_name: str):
    return data_grid(name, None, columns, lang=lang, theme=theme, height=340, file_name=file_name)


def editor_columns(lang: str, *, editable: bool) -> list[dict[str, Any]]:
    edit = {"editable": editable}
    return [
        {"field": "code", "headerName": t("sop.col.code", lang), "rowDrag": editable, **edit},
        {"field": "label_zh", "headerName": t("sop.col.label_zh", lang), **edit},
        {"field": "label_en", "headerName": t("sop.col.label_en", lang), **edit},
        {
            "field": "kind",
            "headerName": t("sop.col.kind", lang),
            "cellEditor": "agSelectCellEditor",
            "cellEditorParams": {"values": list(STEP_KINDS)},
            **edit,
        },
        {
            "field": "required",
            "headerName": t("sop.col.required", lang),
            "cellDataType": "boolean",
            **edit,
        },
        {
            "field": "photo_required",
            "headerName": t("sop.col.photo_required", lang),
            "cellDataType": "boolean",
            **edit,
        },
        {
            "field": "min_seconds",
            "headerName": t("sop.col.min", lang),
            "cellDataType": "number",
            **edit,
        },
    ]


def history_rows(history: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "version": h["version"],
            "name": h["name"],
            "valid_from": h["valid_from"].isoformat(),
            "source": h["source"],
            "created_by": h["created_by"],
            "n_steps": h["n_steps"],
        }
        for h in reversed(history)
    ]


def _locale(lang: str) -> dict[str, Any]:
    """AG Grid's own texts in the viewer's language (as components.grids does for its grids)."""
    text = grid_locale_text(lang)
    return {} if text is None else {"localeText": text}


def editor(lang: str, theme: str, *, editable: bool) -> dbc.Card:
    """The template editor: pick a template (or type a new id), edit its ordered steps, save."""
    grid = dag.AgGrid(
        id=EDITOR_STEPS,
        rowData=[],
        columnDefs=editor_columns(lang, editable=editable),
        defaultColDef={"resizable": True, "minWidth": 90},
        columnSize="responsiveSizeToFit",
        dashGridOptions={
            "rowDragManaged": editable,
            "animateRows": False,
            "rowSelection": {
                "mode": "singleRow",
                "enableClickSelection": True,
                "checkboxes": False,
            },
            "singleClickEdit": True,
            "stopEditingWhenCellsLoseFocus": True,
            **_locale(lang),
        },
        className="ag-theme-alpine-dark" if theme == "dark" else "ag-theme-alpine",
        style={"height": "320px", "width": "100%"},
    )
    history = dag.AgGrid(
        id=EDITOR_HISTORY,
        rowData=[],
        columnDefs=[
            column("version", t("sop.col.version", lang), "int"),
            column("name", t("sop.col.name", lang)),
            column("valid_from", t("sop.col.valid_from", lang)),
            column("source", t("sop.col.source", lang)),
            column("created_by", t("sop.col.created_by", lang)),
            column("n_steps", t("sop.col.steps", lang), "int"),
        ],
        columnSize="responsiveSizeToFit",
        dashGridOptions=_locale(lang),
        className="ag-theme-alpine-dark" if theme == "dark" else "ag-theme-alpine",
        style={"height": "180px", "width": "100%"},
    )
    controls = dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(id=EDITOR_PICK, options=[], placeholder=t("sop.template", lang)), md=4
            ),
            dbc.Col(
                dbc.Input(
                    id=EDITOR_ID, placeholder=t("sop.editor.id", lang), disabled=not editable
                ),
                md=3,
            ),
            dbc.Col(
                dbc.Input(
                    id=EDITOR_NAME, placeholder=t("sop.editor.name", lang), disabled=not editable
                ),
                md=5,
            ),
        ],
        className="g-2 mb-2",
    )
    buttons = html.Div(
        [
            dbc.Button(
                t("sop.editor.add", lang),
                id=EDITOR_ADD,
                size="sm",
                className="me-2",
                disabled=not editable,
            ),
            dbc.Button(
                t("sop.editor.remove", lang),
                id=EDITOR_REMOVE,
                size="sm",
                color="secondary",
                className="me-2",
                disabled=not editable,
            ),
            dbc.Button(
                t("sop.editor.save", lang),
                id=EDITOR_SAVE,
                size="sm",
                color="primary",
                disabled=not editable,
            ),
        ],
        className="mb-2",
    )
    hint = t("sop.editor.hint" if editable else "sop.editor.readonly", lang)
    return _card(
        t("sop.editor", lang),
        [
            html.P(hint, className="text-muted small"),
            controls,
            buttons,
            grid,
            html.Div(id=EDITOR_MESSAGE, className="mt-2"),
            html.H6(t("sop.editor.history", lang), className="mt-3"),
            history,
        ],
    )


def sop_page(
    query: Mapping[str, Any],
    *,
    lang: str,
    theme: str,
    dates: tuple[str, str] | None,
    editable: bool,
) -> html.Div:
    """The whole page; its data is left to the callbacks."""
    chosen = query.get("template") or None
    picker = dcc.Dropdown(
        id=TEMPLATE,
        value=chosen,
        # The URL's template as its own option until the callback fills them all: a value with
        # no option would be cleared, and the clearing written back into the URL.
        options=[{"label": chosen, "value": chosen}] if chosen else [],
        placeholder=t("sop.template.all", lang),
    )
    return html.Div(
        [
            page_header(t("sop.title", lang), t("sop.subtitle", lang)),
            filter_bar(query, lang=lang, dates=dates),
            dcc.Store(id=QUERY, data=query),
            dbc.Row(dbc.Col(picker, md=4), className="mb-3"),
            _card(
                t("sop.funnel", lang),
                _grid(FUNNEL_GRID, funnel_columns(lang), lang, theme, "sop-funnel"),
            ),
            dbc.Row(
                [
                    dbc.Col(
                        _card(
                            t("sop.teams", lang),
                            _grid(TEAMS_GRID, offender_columns(lang), lang, theme, "sop-teams"),
                        ),
                        xl=6,
                    ),
                    dbc.Col(
                        _card(
                            t("sop.reps", lang),
                            _grid(REPS_GRID, offender_columns(lang), lang, theme, "sop-reps"),
                        ),
                        xl=6,
                    ),
                ]
            ),
            _card(
                t("sop.timing", lang),
                [
                    html.P(t("sop.timing.note", lang), className="small text-muted mb-2"),
                    _grid(TIMING_GRID, timing_columns(lang), lang, theme, "sop-timing"),
                ],
            ),
            _card(
                t("sop.incomplete", lang),
                _grid(INCOMPLETE_GRID, incomplete_columns(lang), lang, theme, "sop-incomplete"),
            ),
            editor(lang, theme, editable=editable),
        ],
        className="sop-page",
    )


def message(text: str, *, ok: bool) -> dbc.Alert:
    """The editor's answer to a save: what was stored, or the field that was refused."""
    return dbc.Alert(text, color="success" if ok else "danger", className="py-2 mb-0")

"""Sortable, filterable tables (dash-ag-grid) with CSV and XLSX export."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components.i18n import t
from components.locale import grid_locale_text

GRID = "data-grid"
GRID_CSV = "grid-export-csv"
GRID_XLSX = "grid-export-xlsx"
GRID_DOWNLOAD = "grid-download"

# Value formatters run in the browser (numbers keep their raw value for sorting and export).
PCT = {"function": "params.value == null ? '—' : d3.format('.1%')(params.value)"}
DEC = {"function": "params.value == null ? '—' : d3.format(',.1f')(params.value)"}
INT = {"function": "params.value == null ? '—' : d3.format(',.0f')(params.value)"}
MONEY = {"function": "params.value == null ? '—' : '¥' + d3.format(',.2f')(params.value)"}
FORMATS = {"pct": PCT, "dec": DEC, "int": INT, "money": MONEY}


def label_formatter(labels: Mapping[str, str]) -> dict[str, Any]:
    """A browser-side formatter showing each code's label (the cell keeps the code, for sorting
    and filters); ``to_xlsx_bytes`` reads the labels back, so the file says what the grid shows."""
    table = json.dumps(dict(labels), ensure_ascii=False)
    return {"function": f"({table})[params.value] || params.value"}


_LABELS = re.compile(r"^\((\{.*\})\)\[params\.value\] \|\| params\.value$", re.S)


def formatter_labels(col: Mapping[str, Any]) -> dict[str, str]:
    """The code → label table of a column shown through ``label_formatter`` (else empty)."""
    function = (col.get("valueFormatter") or {}).get("function", "")
    found = _LABELS.match(function) if isinstance(function, str) else None
    return json.loads(found.group(1)) if found else {}


def shown_codes(values: Any, labels: Mapping[str, str]) -> list[Any]:
    """The values as ``label_formatter`` shows them: a code's label, anything else as it is."""
    return [labels.get(v, v) if isinstance(v, str) else v for v in values]


def column(field: str, header: str, kind: str | None = None, **extra: Any) -> dict[str, Any]:
    """One column definition; ``kind`` picks a number format (pct, dec, int, money)."""
    col: dict[str, Any] = {"field": field, "headerName": header, **extra}
    if kind:
        col["valueFormatter"] = FORMATS[kind]
        col["type"] = "rightAligned"
        col["filter"] = "agNumberColumnFilter"
    return col


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame → JSON-safe row dicts (NaN, NA and NaT → None, dates → ISO text, numpy
    scalars → Python ones), built column by column: a grid of 2,000 rows is a callback's
    answer, and ``to_dict("records")`` boxes each value on its own."""
    if frame.empty:
        return []
    return _rows(frame, _json_safe)


def raw_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts of its values as pandas holds them (``to_dict("records")``),
    built column by column."""
    return _rows(frame, lambda column: column.tolist())


def _json_safe(column: pd.Series) -> list[Any]:
    missing = column.isna().to_numpy()
    return [
        None if gone else (v.isoformat() if hasattr(v, "isoformat") else v)
        for v, gone in zip(column.tolist(), missing, strict=True)
    ]


def _rows(frame: pd.DataFrame, values: Callable[[pd.Series], list[Any]]) -> list[dict[str, Any]]:
    names = [str(name) for name in frame.columns]
    columns = [values(frame[name]) for name in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def data_grid(
    name: str,
    frame: pd.DataFrame | None,
    columns: Sequence[Mapping[str, Any]],
    *,
    lang: str,
    theme: str,
    height: int = 420,
    file_name: str = "export",
    multi_select_by: str | None = None,
) -> html.Div:
    """Render a grid with export buttons; rows are selectable by click.

    With ``multi_select_by`` (a field name), several rows are selectable (click selects one,
    checkboxes add more) and rows are keyed by that field, so a refresh keeps the selection.
    """
    grid_id = {"type": GRID, "name": name}
    options: dict[str, Any] = {
        "rowSelection": {"mode": "singleRow", "enableClickSelection": True, "checkboxes": False},
        "animateRows": False,
    }
    locale_text = grid_locale_text(lang)
    if locale_text is not None:
        options["localeText"] = locale_text
    extra: dict[str, Any] = {}
    if multi_select_by is not None:
        options["rowSelection"] = {
            "mode": "multiRow",
            "enableClickSelection": True,
            "checkboxes": True,
            "headerCheckbox": True,
        }
        options["tooltipShowDelay"] = 300
        extra["getRowId"] = f"params.data.{multi_select_by}"
    grid = dag.AgGrid(
        id=grid_id,
        rowData=[] if frame is None else records(frame),
        columnDefs=list(columns),
        defaultColDef={
            "sortable": True,
            "filter": True,
            "resizable": True,
            "floatingFilter": True,
            "minWidth": 90,
        },
        columnSize="responsiveSizeToFit",
        dashGridOptions=options,
        csvExportParams={"fileName": f"{file_name}.csv"},
        className="ag-theme-alpine-dark" if theme == "dark" else "ag-theme-alpine",
        style={"height": f"{height}px", "width": "100%"},
        **extra,
    )
    buttons = html.Div(
        [
            dbc.Button(
                t("export.csv", lang),
                id={"type": GRID_CSV, "name": name},
                size="sm",
                color="secondary",
                outline=True,
                className="me-2",
            ),
            dbc.Button(
                t("export.xlsx", lang),
                id={"type": GRID_XLSX, "name": name},
                size="sm",
                color="secondary",
                outline=True,
            ),
            dcc.Download(id={"type": GRID_DOWNLOAD, "name": name}),
            dcc.Store(id={"type": "grid-file-name", "name": name}, data=file_name),
        ],
        className="d-flex justify-content-end mb-2",
    )
    # AG Grid 33+ themes (Theming API) ignore the legacy dark class: its built-in themes follow
    # ``data-ag-theme-mode`` on an ancestor instead.
    return html.Div(
        [buttons, grid], **{"data-ag-theme-mode": "dark" if theme == "dark" else "light"}
    )


def to_xlsx_bytes(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Mapping[str, Any]],
    sheet: str = "data",
) -> bytes:
    """Write grid rows (as shown: filtered and sorted) to an XLSX workbook, in a sheet named
    ``sheet``; a coded column (``label_formatter``) holds its labels, as the grid shows it."""
    fields = [c["field"] for c in columns if "field" in c]
    headers = {c["field"]: c.get("headerName", c["field"]) for c in columns if "field" in c}
    frame = pd.DataFrame(list(rows), columns=fields)
    for col in columns:
        labels = formatter_labels(col)
        if labels and col.get("field") in frame.columns:
            frame[col["field"]] = shown_codes(frame[col["field"]], labels)
    frame = frame.rename(columns=headers)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()

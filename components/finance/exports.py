"""Server-side CSV and XLSX exports of the finance grids: buttons, files, the shown-rows note."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components.grids import to_xlsx_bytes
from components.i18n import t


def export_buttons(prefix: str, lang: str) -> html.Div:
    """CSV and XLSX buttons that export on the server (every row of the filter, not only the
    rows the grid holds): ids ``<prefix>-csv``, ``<prefix>-xlsx``, ``<prefix>-download``."""
    return html.Div(
        [
            dbc.Button(
                t("export.csv", lang),
                id=f"{prefix}-csv",
                size="sm",
                color="secondary",
                outline=True,
                className="me-2",
                title=t("fin.export.all", lang),
            ),
            dbc.Button(
                t("export.xlsx", lang),
                id=f"{prefix}-xlsx",
                size="sm",
                color="secondary",
                outline=True,
                title=t("fin.export.all", lang),
            ),
            dcc.Download(id=f"{prefix}-download"),
        ],
        className="d-flex justify-content-end mb-2",
    )


def server_exported(block: html.Div, prefix: str, shown_id: str, lang: str) -> html.Div:
    """Swap a data_grid's in-browser export buttons for server-side ones, add the shown note."""
    block.children[0] = export_buttons(prefix, lang)
    block.children.insert(1, html.Div(id=shown_id, className="small text-body-secondary mb-1"))
    return block


def shown_note(shown: int, total: int, key: str, lang: str) -> str:
    """ "Showing N of M ..." when the grid holds fewer rows than the filter has, else ""."""
    if shown >= total:
        return ""
    return t(key, lang).format(n=f"{shown:,}", total=f"{total:,}")


def export_bytes(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[Mapping[str, Any]], fmt: str
) -> bytes:
    """Grid rows as a CSV (UTF-8 with BOM, for Excel) or XLSX file, headed by the columns."""
    if fmt == "xlsx":
        return to_xlsx_bytes(rows, columns)
    if fmt != "csv":
        raise ValueError(f"fmt: {fmt!r} is not csv or xlsx")
    fields = [c["field"] for c in columns if "field" in c]
    headers = {c["field"]: c.get("headerName", c["field"]) for c in columns if "field" in c}
    frame = pd.DataFrame(list(rows), columns=fields).rename(columns=headers)
    return frame.to_csv(index=False).encode("utf-8-sig")

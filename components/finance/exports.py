"""Server-side CSV and XLSX exports of the finance grids: buttons, files, the shown-rows note."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components.grids import formatter_labels, shown_codes, to_xlsx_bytes
from components.i18n import t
from components.jobs import Progress, background_job, job_indicator


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
            # Shown while the export runs on the server (a background job): progress, cancel.
            job_indicator(prefix, lang),
        ],
        className="d-flex justify-content-end align-items-center flex-wrap gap-2 mb-2",
    )


def background_export(prefix: str) -> dict[str, Any]:
    """The background-callback arguments of an export made by ``export_buttons(prefix)``."""
    return background_job(prefix, (f"{prefix}-csv", f"{prefix}-xlsx"))


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


_CHUNK_ROWS = 5000


def export_bytes(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Mapping[str, Any]],
    fmt: str,
    progress: Progress | None = None,
    sheet: str = "data",
) -> bytes:
    """Grid rows as a CSV (UTF-8 with BOM, for Excel) or XLSX file (its sheet named ``sheet``),
    headed by the columns, coded columns in the labels the grid shows; ``progress(done, total)``
    is told the rows written as the file grows (CSV: every 5,000)."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"fmt: {fmt!r} is not csv or xlsx")
    total = len(rows)
    if fmt == "xlsx":
        data = to_xlsx_bytes(rows, columns, sheet)
        if progress:
            progress(total, total)
        return data
    fields = [c["field"] for c in columns if "field" in c]
    headers = {c["field"]: c.get("headerName", c["field"]) for c in columns if "field" in c}
    coded = {c["field"]: formatter_labels(c) for c in columns if "field" in c}
    out = io.StringIO()
    for start in range(0, max(total, 1), _CHUNK_ROWS):
        part = pd.DataFrame(list(rows[start : start + _CHUNK_ROWS]), columns=fields)
        for field, labels in coded.items():
            if labels:  # the label the grid shows, not the code the cell keeps
                part[field] = shown_codes(part[field], labels)
        part.rename(columns=headers).to_csv(out, index=False, header=start == 0)
        if progress:
            progress(min(start + _CHUNK_ROWS, total), total)
    return ("\ufeff" + out.getvalue()).encode("utf-8")

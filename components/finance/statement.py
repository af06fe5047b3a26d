"""The monthly statement by rep or team: its table on screen and its rows for export."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components.finance.common import money, none_note
from components.formatting import is_missing
from components.grids import records, to_xlsx_bytes
from components.i18n import t

STATEMENT_MONEY = ("claimed", "approved", "rejected", "queried", "pending", "at_risk")
# Rows drawn on screen (and printed); the totals and the XLSX export cover every row. A month of
# 500 reps drew thousands of table rows: megabytes of component JSON per callback.
STATEMENT_ROWS_SHOWN = 200


# A rule's code in the statement's reasons ("MILEAGE_INFLATED ×2; “no receipt” ×1").
_RULE = re.compile(r"\b[A-Z]+(?:_[A-Z]+)+\b")


def reason_words(reasons: str, lang: str) -> str:
    """The reasons with each rule named in ``lang`` instead of its code (the rejection notes in
    quotes, typed by people, as typed)."""

    def name(found: re.Match[str]) -> str:
        key = f"rule.{found.group(0)}.name"
        label = t(key, lang)
        return found.group(0) if label == key else label

    parts = re.split(r"(“[^”]*”)", reasons)  # notes are quoted: never reworded
    return "".join(p if p.startswith("“") else _RULE.sub(name, p) for p in parts)


def statement_columns(by: str, lang: str) -> list[dict[str, Any]]:
    """Columns of the statement by rep (rep and team) or by team."""
    keys = (
        [("rep_name", t("fin.col.rep", lang)), ("team_name", t("common.team", lang))]
        if by == "rep"
        else [("team_name", t("common.team", lang))]
    )
    cols = [{"field": f, "headerName": h} for f, h in keys]
    cols.append({"field": "claims", "headerName": t("fin.claims", lang)})
    cols += [{"field": f, "headerName": t(f"fin.total.{f}", lang)} for f in STATEMENT_MONEY]
    cols.append({"field": "flagged", "headerName": t("fin.flagged", lang)})
    cols.append({"field": "reasons", "headerName": t("fin.st.reasons", lang)})
    return cols


def statement_table(
    rows: pd.DataFrame, totals: Mapping[str, Any], by: str, month: str, lang: str
) -> html.Div:
    """The printable statement of a month: its first ``STATEMENT_ROWS_SHOWN`` rows, with a note
    when there are more (the totals and the XLSX export hold them all)."""
    cols = statement_columns(by, lang)
    if rows.empty:
        return html.Div(
            [html.H2(t("fin.st.title", lang).format(month=month), className="h5"), none_note(lang)]
        )

    def cell(field: str, value: Any) -> Any:
        if field in STATEMENT_MONEY:
            return money(value, lang)
        if field == "reasons" and not is_missing(value):
            return reason_words(str(value), lang)
        return "" if is_missing(value) else value

    body = [
        html.Tr([html.Td(cell(c["field"], row.get(c["field"]))) for c in cols])
        for row in rows.head(STATEMENT_ROWS_SHOWN).to_dict("records")
    ]
    shown = min(len(rows), STATEMENT_ROWS_SHOWN)
    note = (
        html.P(
            t("fin.st.shown", lang).format(n=f"{shown:,}", total=f"{len(rows):,}"),
            className="small text-body-secondary",
            id="finance-statement-shown",
        )
        if shown < len(rows)
        else None
    )
    foot = html.Tr(
        [html.Th(t("fin.st.total", lang)), *[html.Th("") for _ in cols[1:-9]]]
        + [html.Th(f"{totals['claims']:,}")]
        + [html.Th(money(totals[f], lang)) for f in STATEMENT_MONEY]
        + [html.Th(f"{totals['flagged']:,}"), html.Th("")]
    )
    return html.Div(
        [
            html.H2(t("fin.st.title", lang).format(month=month), className="h5"),
            dbc.Table(
                [
                    html.Thead(html.Tr([html.Th(c["headerName"]) for c in cols])),
                    html.Tbody(body),
                    html.Tfoot(foot),
                ],
                size="sm",
                striped=True,
                bordered=True,
                responsive=True,
                id="finance-statement-table",
                className="fin-statement",
            ),
            note,
        ]
    )


def statement_rows(rows: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Rows of the statement for the XLSX export, rules named in ``lang``."""
    out = records(rows)
    for row in out:
        if row.get("reasons"):
            row["reasons"] = reason_words(str(row["reasons"]), lang)
    return out


def statement_file(result: Mapping[str, Any], by: str, lang: str) -> dict[str, Any]:
    """The statement of a month as an XLSX download (``dcc.Download`` data)."""
    payload = to_xlsx_bytes(
        statement_rows(result["rows"], lang), statement_columns(by, lang), t("export.sheet", lang)
    )
    return dcc.send_bytes(payload, f"statement-{result['month']}-{by}.xlsx")

"""Mileage against the track: the mileage grid, the drift chart and one claim's km ledger."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.figures import template_json
from components.finance.common import STATUSES, code_labels, km, money
from components.finance.exports import server_exported
from components.finance.ids import MILEAGE_EXPORT, MILEAGE_GRID, MILEAGE_SHOWN
from components.grids import column, data_grid, records
from components.i18n import t
from components.kpi import empty_figure


def mileage_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the mileage grid: claimed, tracked and allowed km, the ratio, the money."""
    return [
        column("claim_id", t("fin.col.claim", lang), pinned="left", minWidth=185),
        column("date", t("fin.col.date", lang), minWidth=110),
        column("rep_name", t("fin.col.rep", lang)),
        column("claimed_km", t("fin.km.claimed", lang), "dec"),
        column("tracked_km", t("fin.km.tracked", lang), "dec"),
        column("limit_km", t("fin.km.limit", lang), "dec"),
        column("excess_km", t("fin.km.excess", lang), "dec"),
        column("ratio", t("fin.km.ratio", lang), "dec"),
        column("amount", t("fin.col.amount", lang), "money"),
        column("reimbursable_cny", t("fin.km.reimbursable", lang), "money"),
        column(
            "status",
            t("fin.col.status", lang),
            valueFormatter=code_labels("fin.status", STATUSES, lang),
        ),
    ]


def mileage_grid(lang: str, theme: str) -> html.Div:
    """The mileage grid, rows keyed by claim id."""
    block = data_grid(
        MILEAGE_GRID["name"],
        None,
        mileage_columns(lang),
        lang=lang,
        theme=theme,
        height=420,
        file_name="mileage",
    )
    block.children[1].getRowId = "params.data.claim_id"
    return server_exported(block, MILEAGE_EXPORT, MILEAGE_SHOWN, lang)


def mileage_rows(mileage: pd.DataFrame) -> list[dict[str, Any]]:
    """Grid rows of the mileage claims."""
    cols = [
        "claim_id",
        "date",
        "rep_name",
        "claimed_km",
        "tracked_km",
        "limit_km",
        "excess_km",
        "ratio",
        "amount",
        "reimbursable_cny",
        "status",
    ]
    return records(mileage[cols]) if not mileage.empty else []


def _hline(y: float, dash: str, colour: str) -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": {"dash": dash, "color": colour},
    }


def ratio_figure(ratios: pd.DataFrame, *, band: float, lang: str, theme: str) -> dict[str, Any]:
    """claimed ÷ tracked per claim date for the drifting reps, with the tolerance ratio (a plain
    figure dict with the page's chart layout: built on every ledger refresh)."""
    if ratios.empty:
        return empty_figure(lang, theme, height=360)
    data = [
        {
            "type": "scatter",
            "x": [d.isoformat() if hasattr(d, "isoformat") else d for d in part["date"]],
            "y": [float(y) for y in part["ratio"]],
            "mode": "lines+markers",
            "name": str(name),
        }
        for (_rep_id, name), part in ratios.groupby(["rep_id", "rep_name"], sort=False)
    ]
    layout = {
        "template": template_json(theme),
        "height": 360,
        "margin": {"l": 56, "r": 16, "t": 24, "b": 40},
        "legend": {"orientation": "h", "y": -0.3},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "xaxis": {"title": {"text": t("fin.km.axis.date", lang)}},
        "yaxis": {"title": {"text": t("fin.km.axis.ratio", lang)}, "rangemode": "tozero"},
        "shapes": [_hline(band, "dash", "#dc3545"), _hline(1.0, "dot", "#6c757d")],
        "annotations": [
            {
                "text": t("fin.km.band_line", lang),
                "xref": "paper",
                "x": 0,
                "xanchor": "left",
                "yref": "y",
                "y": band,
                "yanchor": "bottom",
                "showarrow": False,
            }
        ],
    }
    return {"data": data, "layout": layout}


def mileage_table(ledger: Any, lang: str) -> dbc.Table:
    """One mileage claim's km ledger: claimed, raw, tracked, chained, allowed, reimbursable."""
    rows = [
        (t("fin.km.claimed", lang), km(ledger.claimed_km)),
        (t("fin.km.raw", lang), km(ledger.raw_km)),
        (t("fin.km.tracked", lang), km(ledger.tracked_km)),
        (t("fin.km.chain", lang), km(ledger.chain_km)),
        (t("fin.km.limit", lang), km(ledger.limit_km)),
        (t("fin.km.excess", lang), km(ledger.excess_km)),
        (t("fin.km.ratio", lang), "—" if ledger.ratio is None else f"{ledger.ratio:.2f}"),
        (
            t("fin.km.reimbursable", lang),
            f"{money(ledger.reimbursable_cny, lang)} ({km(ledger.reimbursable_km)} × "
            f"{ledger.rate_cny_per_km:g})",
        ),
        (t("fin.col.at_risk", lang), money(ledger.at_risk_cny, lang)),
    ]
    return dbc.Table(
        html.Tbody([html.Tr([html.Th(k, className="fw-normal"), html.Td(v)]) for k, v in rows]),
        size="sm",
        className="mb-1 fin-ev-table",
        id="finance-mileage-ledger",
    )

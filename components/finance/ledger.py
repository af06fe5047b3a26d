"""The claims ledger: the claims grid, the totals tiles, and every output of a ledger refresh."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components.finance.common import CATEGORIES, STATUSES, code_labels, money
from components.finance.exports import Progress, export_bytes, server_exported, shown_note
from components.finance.ids import CLAIMS_EXPORT, CLAIMS_GRID, CLAIMS_SHOWN
from components.finance.mileage import mileage_columns, mileage_rows, ratio_figure
from components.grids import column, data_grid, records
from components.i18n import t

CLAIM_FIELDS = (
    "claim_id",
    "date",
    "rep_name",
    "team_name",
    "category",
    "amount",
    "city",
    "customer_name",
    "visit_id",
    "day_visits",
    "flags",
    "at_risk",
    "status",
    "decided_by",
    "rep_id",
)


def claim_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the claims grid (codes kept in the cells, shown as labels)."""
    status_style = {
        "function": "({'approved': {'color': 'var(--bs-success)'}, 'rejected': "
        "{'color': 'var(--bs-danger)'}, 'queried': {'color': 'var(--bs-warning-text-emphasis)'}})"
        "[params.value] || {}"
    }
    return [
        column("claim_id", t("fin.col.claim", lang), pinned="left", minWidth=185),
        column("date", t("fin.col.date", lang), minWidth=110),
        column("rep_name", t("fin.col.rep", lang)),
        column("team_name", t("common.team", lang)),
        column(
            "category",
            t("fin.col.category", lang),
            valueFormatter=code_labels("fin.cat", CATEGORIES, lang),
        ),
        column("amount", t("fin.col.amount", lang), "money"),
        column("city", t("fin.col.city", lang)),
        column("customer_name", t("fin.col.customer", lang)),
        column("visit_id", t("fin.col.visit", lang)),
        column("day_visits", t("fin.col.day_visits", lang), "int", minWidth=80),
        column("flags", t("fin.col.flags", lang), minWidth=260, tooltipField="flags"),
        column("at_risk", t("fin.col.at_risk", lang), "money"),
        column(
            "status",
            t("fin.col.status", lang),
            cellStyle=status_style,
            valueFormatter=code_labels("fin.status", STATUSES, lang),
        ),
        column("decided_by", t("fin.col.decided_by", lang)),
    ]


def claims_grid(lang: str, theme: str) -> html.Div:
    """The claims grid: several rows selectable (checkboxes, or click for one)."""
    block = data_grid(
        CLAIMS_GRID["name"],
        None,
        claim_columns(lang),
        lang=lang,
        theme=theme,
        height=520,
        file_name="claims",
        multi_select_by="claim_id",
    )
    return server_exported(block, CLAIMS_EXPORT, CLAIMS_SHOWN, lang)


def claim_rows(claims: pd.DataFrame) -> list[dict[str, Any]]:
    """Grid rows of the claims: the service's columns the grid shows."""
    return records(claims[[c for c in CLAIM_FIELDS if c in claims.columns]])


def totals_tiles(totals: Mapping[str, Any], lang: str) -> dbc.Row:
    """Claimed, at risk, approved, rejected (and queried, pending) of the filtered claims."""
    tiles = [
        ("claimed", totals["claimed"], f"{totals['claims']:,} {t('fin.claims', lang)}", "primary"),
        ("at_risk", totals["at_risk"], f"{totals['flagged']:,} {t('fin.flagged', lang)}", "danger"),
        ("approved", totals["approved"], f"{totals['approved_n']:,}", "success"),
        ("rejected", totals["rejected"], f"{totals['rejected_n']:,}", "danger"),
        ("queried", totals["queried"], f"{totals['queried_n']:,}", "warning"),
        ("pending", totals["pending"], f"{totals['pending_n']:,}", "secondary"),
    ]
    cols = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(t(f"fin.total.{key}", lang), className="kpi-label"),
                        html.Div(money(value, lang), className="kpi-value", id=f"fin-total-{key}"),
                        html.Div(sub, className="small text-body-secondary"),
                    ]
                ),
                className=f"h-100 kpi-tile fin-tile-{colour}",
            ),
            xs=6,
            md=4,
            xl=2,
            className="mb-3",
        )
        for key, value, sub, colour in tiles
    ]
    return dbc.Row(cols, className="g-3")


def ledger_outputs(result: Mapping[str, Any], lang: str, theme: str) -> tuple:
    """What the ledger callback sends: claims rows, mileage rows, the drift figure, the totals
    tiles, and the two "showing N of M" notes."""
    band = 1 + result["rules"].mileage_tolerance_pct / 100.0
    claims, mileage = result["claims"], result["mileage"]
    return (
        claim_rows(claims),
        mileage_rows(mileage),
        ratio_figure(result["ratios"], band=band, lang=lang, theme=theme),
        totals_tiles(result["totals"], lang),
        shown_note(len(claims), result["totals"]["claims"], "fin.shown", lang),
        shown_note(len(mileage), result["mileage_total"], "fin.km.shown", lang),
    )


def ledger_file(
    result: Mapping[str, Any], kind: str, fmt: str, lang: str, progress: Progress | None = None
) -> dict[str, Any]:
    """Every claim (``kind`` "claims") or mileage claim ("mileage") of a ledger as a CSV or
    XLSX download (``dcc.Download`` data); ``progress(done, total)`` follows the rows written."""
    if kind == "claims":
        rows, columns = claim_rows(result["claims"]), claim_columns(lang)
    else:
        rows, columns = mileage_rows(result["mileage"]), mileage_columns(lang)
    return dcc.send_bytes(
        export_bytes(rows, columns, fmt, progress, t("export.sheet", lang)), f"{kind}.{fmt}"
    )

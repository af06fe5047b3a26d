"""The alert queue: its grid (columns, rows) and the counts strip above it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.alerts.ids import QUEUE_GRID
from components.grids import column, data_grid, raw_rows, records
from components.i18n import t
from components.kpi import SEVERITIES, SEVERITY_COLOURS
from dashboard.rules.summaries import summary_of

STATUSES = ("open", "acknowledged", "confirmed", "dismissed")


def queue_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the alert grid (labels in the viewer's language; ids and codes exported)."""
    return [
        column(
            "severity_label",
            t("alerts.col.severity", lang),
            width=80,
            cellClassRules={
                f"alerts-sev-{s}": f"params.data.severity == '{s}'" for s in SEVERITIES
            },
        ),
        column("rule_label", t("alerts.col.rule", lang), width=150),
        column(
            "status_label",
            t("alerts.col.status", lang),
            width=90,
            cellClassRules={f"alerts-st-{s}": f"params.data.status == '{s}'" for s in STATUSES},
        ),
        # Shown without the year (the period picker holds it); sorted and exported in full.
        column(
            "ts_local",
            t("alerts.col.ts", lang),
            width=125,
            cellDataType="text",
            filter="agTextColumnFilter",
            valueFormatter={"function": "params.value ? params.value.slice(5) : '—'"},
        ),
        column("rep_name", t("alerts.col.rep", lang), width=90),
        column("team_name", t("alerts.col.team", lang), width=100, hide=True),
        column("customer_name", t("alerts.col.customer", lang), width=150, hide=True),
        column("summary", t("alerts.col.summary", lang), width=280, tooltipField="summary"),
        column("assigned_to", t("alerts.col.assigned", lang), width=90),
        column("id", t("alerts.col.id", lang), hide=True),
    ]


def queue_rows(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Grid rows of the queue: the service's columns plus labels in the viewer's language."""
    if frame.empty:
        return []
    if "evidence" in frame.columns:
        # Rendered from the rule's template in the viewer's language (issue 23); the
        # evidence itself stays out of the grid's rows.
        summaries = [summary_of(row, lang) for row in raw_rows(frame)]
    else:
        summaries = list(frame["summary"])
    drop = [c for c in ("ts", "updated_at", "evidence") if c in frame.columns]
    out = frame.drop(columns=drop).copy()
    out["summary"] = summaries
    out["severity_label"] = [t(f"severity.{s}", lang) for s in out["severity"]]
    out["severity_rank"] = [SEVERITIES.index(s) if s in SEVERITIES else 9 for s in out["severity"]]
    out["rule_label"] = [t(f"rule.{r}.name", lang) for r in out["rule"]]
    out["status_label"] = [t(f"alerts.status.{s}", lang) for s in out["status"]]
    return records(out)


def queue_grid(*, lang: str, theme: str) -> html.Div:
    """The alert grid with multi-row selection (click selects one, checkboxes add more),
    rows keyed by alert id so a refresh keeps the selection."""
    block = data_grid(
        QUEUE_GRID,
        None,
        queue_columns(lang),
        lang=lang,
        theme=theme,
        height=460,
        file_name="alerts",
        multi_select_by="id",
    )
    return block


def _badge(label: str, n: int, colour: str, badge_id: str) -> dbc.Badge:
    return dbc.Badge(f"{label} {n:,}", color=colour, className="me-2 mb-1", id=badge_id)


def counts_strip(
    counts: Mapping[str, Mapping[str, int]],
    *,
    total: int,
    truncated: bool,
    lang: str,
    limit: int = 2000,
) -> html.Div:
    """The number of matching alerts, by severity and by rule."""
    severity = counts.get("severity", {})
    rules = sorted(counts.get("rule", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return html.Div(
        [
            html.Div(
                [
                    html.Span(t("alerts.counts.total", lang), className="kpi-label me-2"),
                    html.Span(f"{total:,}", className="kpi-value", id="alerts-count-total"),
                ],
                className="me-4",
            ),
            html.Div(
                [
                    html.Div(t("alerts.counts.by_severity", lang), className="kpi-label"),
                    html.Div(
                        [
                            _badge(
                                t(f"severity.{s}", lang),
                                severity.get(s, 0),
                                SEVERITY_COLOURS[s],
                                f"alerts-count-{s}",
                            )
                            for s in SEVERITIES
                        ]
                    ),
                ],
                className="me-4",
            ),
            html.Div(
                [
                    html.Div(t("alerts.counts.by_rule", lang), className="kpi-label"),
                    html.Div(
                        [
                            _badge(
                                t(f"rule.{code}.name", lang),
                                n,
                                "light",
                                f"alerts-count-rule-{code}",
                            )
                            for code, n in rules
                        ]
                        or [html.Span("—", className="text-body-secondary")]
                    ),
                ],
                className="flex-grow-1",
            ),
            html.Div(
                t("alerts.counts.truncated", lang).format(n=f"{limit:,}"),
                className="small text-warning w-100",
            )
            if truncated
            else None,
        ],
        className="d-flex flex-wrap align-items-start alerts-counts",
    )

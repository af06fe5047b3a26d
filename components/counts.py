"""Tiles of stored record counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dash_bootstrap_components as dbc
from dash import html

from components.formatting import fmt_value
from components.i18n import t

MASTER = ("region", "team", "rep", "customer", "sop_template", "plan")
EVENTS = ("gps", "device_event", "check_in", "check_out", "sop_step", "photo", "order", "expense")


def _tile(kind: str, value: int, lang: str) -> dbc.Col:
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(t(f"type.{kind}", lang), className="text-body-secondary small"),
                    html.Div(
                        fmt_value(value, "int", lang),
                        className="fs-3 fw-semibold",
                        id=f"data-count-{kind}",
                    ),
                ]
            ),
            className="h-100",
        ),
        xs=6,
        md=4,
        xl=2,
        className="mb-3",
    )


def render_counts(counts: Mapping[str, int], *, lang: str) -> html.Div:
    """Render master-data and event counts, plus the open quarantine."""
    return html.Div(
        [
            html.H1(t("home.title", lang), className="h3"),
            html.P(t("home.subtitle", lang), className="text-body-secondary"),
            html.H2(t("group.master", lang), className="h5 mt-3"),
            dbc.Row([_tile(k, counts.get(k, 0), lang) for k in MASTER]),
            html.H2(t("group.events", lang), className="h5 mt-3"),
            dbc.Row([_tile(k, counts.get(k, 0), lang) for k in EVENTS]),
            dbc.Alert(
                [
                    t("home.quarantine", lang),
                    ": ",
                    html.Strong(
                        fmt_value(counts.get("quarantine_open", 0), "int", lang),
                        id="data-count-quarantine",
                    ),
                ],
                color="warning" if counts.get("quarantine_open") else "light",
                className="mt-3",
            ),
        ]
    )


def render_failures(failures: Sequence[Mapping], *, lang: str) -> html.Div:
    """Render the rep-days the rollups or the judge set aside, with their errors."""
    if not failures:
        return html.Div(
            [
                html.H2(t("home.failures", lang), className="h5 mt-3"),
                html.P(t("home.failures.none", lang), className="text-body-secondary"),
            ],
            id="data-failures",
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(t(f"home.failures.{k}", lang))
                for k in ("stage", "rep", "date", "error", "at")
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(f["stage"]),
                    html.Td(f["rep_id"]),
                    html.Td(str(f["local_date"])),
                    html.Td(html.Code(f["error"])),
                    html.Td(f["failed_at"].isoformat(timespec="seconds")),
                ]
            )
            for f in failures
        ]
    )
    return html.Div(
        [
            html.H2(t("home.failures", lang), className="h5 mt-3"),
            dbc.Table([head, body], bordered=False, size="sm", className="data-failures"),
        ],
        id="data-failures",
    )

"""The rep's device events around an alert, with a signal gap's start and end among them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.alerts.evidence_values import as_datetime, local_time
from components.i18n import t


def device_events(
    events: Sequence[Mapping[str, Any]],
    gap: Mapping[str, Any] | None,
    *,
    tz: str | None,
    lang: str,
) -> html.Div:
    """The rep's device events around the alert, with the gap's start and end in between."""
    rows: list[tuple[datetime, int, Any]] = []
    for event in events:
        when = as_datetime(event["ts"]) or datetime.min.replace(tzinfo=UTC)
        rows.append(
            (
                when,
                1,
                html.Tr(
                    [
                        html.Td(local_time(when, tz, "%H:%M:%S")),
                        html.Td(t(f"alerts.device.{event['kind']}", lang)),
                        html.Td(event.get("detail") or "", className="text-body-secondary"),
                    ]
                ),
            )
        )
    if gap:
        for key, order in (("start", 0), ("end", 2)):
            when = gap[key]
            rows.append(
                (
                    when,
                    order,
                    html.Tr(
                        [
                            html.Td(local_time(when, tz, "%H:%M:%S")),
                            html.Td(t(f"alerts.events.gap_{key}", lang), colSpan=2),
                        ],
                        className="table-warning",
                    ),
                )
            )
    rows.sort(key=lambda row: (row[0], row[1]))
    body: Any = (
        dbc.Table(html.Tbody([row for _w, _o, row in rows]), size="sm", className="mb-2")
        if events
        else html.Div(t("alerts.events.none", lang), className="text-body-secondary small")
    )
    if not events and gap:
        body = html.Div(
            [
                dbc.Table(html.Tbody([row for _w, _o, row in rows]), size="sm", className="mb-1"),
                html.Div(t("alerts.events.none", lang), className="text-body-secondary small"),
            ]
        )
    return html.Div(
        [html.H3(t("alerts.events", lang), className="h6 mt-2"), body], id="alerts-device-events"
    )

"""Device data quality (contract §2a) as people read it: one rep-day's phones beside an alert or
a replay, and the "devices to check" panel of the data page. Never shown as an accusation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import t
from components.locale import graph_config

# The reasons a gap can have (contract §2 SIGNAL_GAP) in a stable order.
_GAP_ORDER = ("power_off", "location_permission_revoked", "network_lost", "app_killed", "unknown")


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %"


def _acc(value: Any) -> str:
    return "—" if value is None else f"{float(value):,.0f} m"


def gaps_text(gaps: Mapping[str, int], lang: str) -> str:
    """ "2 (power off 1, unknown 1)" in the viewer's language; "0" without gaps."""
    total = sum(gaps.values())
    if not total:
        return "0"
    parts = [f"{t(f'gap.reason.{k}', lang)} {gaps[k]}" for k in _GAP_ORDER if gaps.get(k)]
    parts += [f"{k} {v}" for k, v in sorted(gaps.items()) if k not in _GAP_ORDER and v]
    return f"{total} ({', '.join(parts)})"


def day_quality_block(
    records: Sequence[Mapping[str, Any]], *, lang: str, block_id: str
) -> html.Div | None:
    """The day's phones: fixes, coarse share (a "poor phone" badge above the device-check
    limit), coarse jumps ignored, cached runs, gaps and median accuracy. None without fixes."""
    if not records:
        return None
    rows = []
    for r in records:
        poor = bool(r.get("poor"))
        rows.append(
            html.Tr(
                [
                    html.Td(html.Code(r["device_id"] or "—")),
                    html.Td(f"{r['fixes']:,}"),
                    html.Td(
                        [
                            _pct(r["coarse_share"]),
                            dbc.Badge(t("quality.poor", lang), color="warning", className="ms-1")
                            if poor
                            else None,
                        ]
                    ),
                    html.Td(f"{r['coarse_jumps']:,}"),
                    html.Td(f"{r['cached_runs']:,}"),
                    html.Td(gaps_text(r.get("gaps") or {}, lang)),
                    html.Td(_acc(r.get("median_accuracy_m"))),
                ],
                className="quality-poor" if poor else None,
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(t(f"quality.col.{k}", lang))
                for k in (
                    "device",
                    "fixes",
                    "coarse_share",
                    "coarse_jumps",
                    "cached_runs",
                    "gaps",
                    "median_accuracy",
                )
            ]
        )
    )
    return html.Div(
        [
            html.H3(t("quality.day.title", lang), className="h6 mt-2 mb-1"),
            html.Div(t("quality.day.note", lang), className="small text-body-secondary mb-1"),
            dbc.Table(
                [head, html.Tbody(rows)],
                size="sm",
                className="small mb-2",
                responsive=True,
            ),
        ],
        id=block_id,
    )


def device_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the devices-to-check grid."""

    def col(field: str, key: str, **kw: Any) -> dict[str, Any]:
        return {"field": field, "headerName": t(f"quality.col.{key}", lang), **kw}

    pct = {"function": "d3.format('.0%')(params.value)"}
    return [
        col("to_check_label", "to_check", minWidth=110),
        col("device_id", "device", minWidth=120),
        col("rep_name", "rep", minWidth=120),
        col("days", "days", type="numericColumn", maxWidth=100),
        col("fixes", "fixes", type="numericColumn", maxWidth=120),
        col("coarse_share", "coarse_share", type="numericColumn", valueFormatter=pct),
        col("coarse_jumps", "coarse_jumps", type="numericColumn"),
        col("cached_runs", "cached_runs", type="numericColumn"),
        col("gaps", "gaps", type="numericColumn", maxWidth=110),
        col(
            "median_accuracy_m",
            "median_accuracy",
            type="numericColumn",
            valueFormatter={
                "function": "params.value == null ? '—' : d3.format(',.1f')(params.value) + ' m'"
            },
        ),
    ]


def device_rows(devices: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [
        {
            **d,
            "to_check_label": t("quality.to_check" if d["to_check"] else "quality.ok", lang),
            "gaps_by_reason": gaps_text(d.get("gaps_by_reason") or {}, lang),
        }
        for d in devices
    ]


def device_trend_figure(
    daily: Mapping[str, Sequence[Mapping[str, Any]]],
    keys: Sequence[str],
    labels: Mapping[str, str],
    *,
    limit_share: float,
    lang: str,
    theme: str,
) -> dict[str, Any]:
    """Daily coarse share of the given devices (one line each) against the device-check limit;
    the day's coarse jumps, cached runs and gaps in the hover."""
    traces = []
    for key in keys:
        points = daily.get(key, [])
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": labels.get(key, key),
                "x": [p["date"] for p in points],
                "y": [p["coarse_share"] for p in points],
                "customdata": [[p["coarse_jumps"], p["cached_runs"], p["gaps"]] for p in points],
                "hovertemplate": "%{x}<br>"
                + t("quality.col.coarse_share", lang)
                + " %{y:.0%}<br>"
                + t("quality.col.coarse_jumps", lang)
                + " %{customdata[0]}<br>"
                + t("quality.col.cached_runs", lang)
                + " %{customdata[1]}<br>"
                + t("quality.col.gaps", lang)
                + " %{customdata[2]}<extra>%{fullData.name}</extra>",
            }
        )
    dark = theme == "dark"
    return {
        "data": traces,
        "layout": {
            "template": "plotly_dark" if dark else "plotly_white",
            "height": 260,
            "margin": {"l": 56, "r": 16, "t": 8, "b": 40},
            "yaxis": {
                "title": {"text": t("quality.axis.coarse_share", lang)},
                "tickformat": ".0%",
                "rangemode": "tozero",
            },
            "xaxis": {"title": {"text": t("quality.axis.date", lang)}},
            "shapes": [
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": limit_share,
                    "y1": limit_share,
                    "line": {"dash": "dash", "color": "#d39e00", "width": 1},
                }
            ],
            "legend": {"orientation": "h", "y": -0.3},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }


def devices_panel_body(panel: Mapping[str, Any], *, lang: str, theme: str) -> list[Any]:
    """The header line (how many to check, the rule) and the trend chart of the devices to
    check (or of the worst devices when none is)."""
    devices = panel["devices"]
    flagged = [d for d in devices if d["to_check"]]
    start, end = panel["period"]
    summary = t("quality.panel.summary", lang).format(
        n=len(flagged),
        total=len(devices),
        limit=_pct(panel["limit_share"]),
        days=panel["check_days"],
        start=start.isoformat(),
        end=end.isoformat(),
    )
    shown = (flagged or devices)[:6]
    keys = [f"{d['device_id']}|{d['rep_id']}" for d in shown]
    labels = {
        f"{d['device_id']}|{d['rep_id']}": f"{d['device_id']} · {d['rep_name']}" for d in shown
    }
    body: list[Any] = [html.P(summary, className="small mb-2", id="data-devices-summary")]
    if keys:
        body.append(
            dcc.Graph(
                id="data-devices-trend",
                figure=device_trend_figure(
                    panel["daily"],
                    keys,
                    labels,
                    limit_share=panel["limit_share"],
                    lang=lang,
                    theme=theme,
                ),
                config=graph_config(lang, responsive=True),
            )
        )
    else:
        body.append(html.P(t("quality.panel.empty", lang), className="text-body-secondary small"))
    return body

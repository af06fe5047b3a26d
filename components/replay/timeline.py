"""The replay timeline (plotly): visits, stops, trips, gaps, photos, claims and alerts in lanes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.i18n import t
from components.integrity import LEVEL_COLOURS, integrity_level, integrity_text
from components.kpi import SEVERITY_HEX
from components.replay.common import (
    GAP_COLOUR,
    INSIDE,
    OFF_DUTY_COLOUR,
    PHOTO_COLOUR,
    SPEED_COLOURS,
    clock,
    duration,
    wall_time,
)
from components.replay.panels import alert_summary, photo_kind

LANES = ("alerts", "expenses", "photos", "gaps", "trips", "stops", "visits")


def _visit_label(v: Mapping[str, Any], lang: str) -> str:
    if "integrity" not in v:
        return str(v["customer_name"])
    return f"{v['customer_name']} · {integrity_text(v['integrity'], v.get('rules'), lang)}"


def _off_duty_bands(
    day: str, shifts: Any, lo: int, hi: int, work: list[int], lang: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Shaded bands over the time outside the rep's work hours, each labelled "off duty"."""
    shapes, notes = [], []
    # Labels sit just above the plot, at the axis' outer ends: the bands are often too narrow
    # for the text.
    for a, b, edge, anchor in ((lo, work[0], lo, "left"), (work[1], hi, hi, "right")):
        if b <= a:
            continue
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": wall_time(day, a, shifts),
                "x1": wall_time(day, b, shifts),
                "y0": 0,
                "y1": 1,
                "fillcolor": OFF_DUTY_COLOUR,
                "opacity": 0.25,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        notes.append(
            {
                "x": wall_time(day, edge, shifts),
                "xref": "x",
                "y": 1,
                "yref": "paper",
                "yanchor": "bottom",
                "xanchor": anchor,
                "text": t("replay.off_duty", lang),
                "showarrow": False,
                "font": {"size": 10, "color": "#6c757d"},
            }
        )
    return shapes, notes


def timeline_figure(p: Mapping[str, Any], *, lang: str, theme: str) -> dict[str, Any]:
    """Visits, stops, trips, gaps, photos, claims and alerts on one time axis.

    Every item carries its start (seconds since midnight) as customdata, so a click moves the
    player there. A plain figure dict with a few colours instead of a plotly template: building
    ``go.Figure`` objects and shipping a full template cost more than the rest of the page.
    """
    traces: list[dict[str, Any]] = []
    x_range = None
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    if p.get("status") == "ok":
        day, shifts = p["day"], p["clock"]
        bars: list[tuple[str, list[tuple[int, int, str]], str | list[str]]] = [
            (
                "visits",
                [
                    (v["t"], (v["out"] or {}).get("t") or v["t"] + 60, _visit_label(v, lang))
                    for v in p["visits"]
                ],
                # Each visit in the colour of its integrity level.
                [
                    LEVEL_COLOURS.get(integrity_level(v.get("integrity")) or "ok", INSIDE)
                    for v in p["visits"]
                ],
            ),
            (
                "stops",
                [
                    (
                        s["start"],
                        s["end"],
                        f"#{s['n']} {s['customer_name'] or t('replay.no_customer', lang)} · "
                        f"{duration(s['dwell_s'], lang)}",
                    )
                    for s in p["stops"]
                ],
                "#0d6efd",
            ),
            (
                "trips",
                [
                    (
                        tr["start"],
                        tr["end"],
                        f"{t('replay.trip', lang)} {tr['km']} km · {tr['avg_kmh']} km/h",
                    )
                    for tr in p["trips"]
                ],
                SPEED_COLOURS[1],
            ),
            (
                "gaps",
                [
                    (
                        g["start"],
                        g["end"],
                        f"{t('gap.reason.' + g['reason'], lang)} · "
                        f"{duration(g['duration_s'], lang)}",
                    )
                    for g in p["gaps"]
                ]
                + [
                    (
                        o["start"],
                        o["end"],
                        f"{t('replay.off_duty', lang)} · {duration(o['duration_s'], lang)}",
                    )
                    for o in p.get("off_duty", [])
                ],
                [GAP_COLOUR] * len(p["gaps"]) + [OFF_DUTY_COLOUR] * len(p.get("off_duty", [])),
            ),
        ]
        for lane, items, colour in bars:
            if not items:
                continue
            traces.append(
                {
                    "type": "bar",
                    "name": t(f"replay.lane.{lane}", lang),
                    "y": [t(f"replay.lane.{lane}", lang)] * len(items),
                    "base": [wall_time(day, a, shifts) for a, _, _ in items],
                    "x": [max(b - a, 30) * 1000 for a, b, _ in items],
                    "orientation": "h",
                    "marker": {"color": colour},
                    "customdata": [a for a, _, _ in items],
                    "hovertext": [
                        f"{clock(a, shifts)}–{clock(b, shifts)} {text}" for a, b, text in items
                    ],
                    "hoverinfo": "text",
                    "showlegend": False,
                }
            )
        points = [
            (
                "photos",
                [
                    (ph["t"], f"{t('replay.photo', lang)} {photo_kind(ph['kind'], lang)}")
                    for ph in p["photos"]
                ],
                [PHOTO_COLOUR] * len(p["photos"]),
                "circle",
            ),
            (
                "expenses",
                [
                    (
                        e["t"],
                        f"{t('replay.claim', lang)} {t('fin.cat.' + str(e['category']), lang)} "
                        f"¥{e['amount']:,.2f}",
                    )
                    for e in p["expenses"]
                ],
                ["#20c997"] * len(p["expenses"]),
                "square",
            ),
            (
                "alerts",
                [
                    (a["t"], f"{t('rule.' + a['rule'] + '.name', lang)}: {alert_summary(a, lang)}")
                    for a in p["alerts"]
                ],
                [SEVERITY_HEX.get(a["severity"], "#6c757d") for a in p["alerts"]],
                "diamond",
            ),
        ]
        for lane, items, colours, symbol in points:
            if not items:
                continue
            traces.append(
                {
                    "type": "scatter",
                    "name": t(f"replay.lane.{lane}", lang),
                    "y": [t(f"replay.lane.{lane}", lang)] * len(items),
                    "x": [wall_time(day, a, shifts) for a, _ in items],
                    "mode": "markers",
                    "marker": {"color": colours, "size": 11, "symbol": symbol},
                    "customdata": [a for a, _ in items],
                    "hovertext": [f"{clock(a, shifts)} {text}" for a, text in items],
                    "hoverinfo": "text",
                    "showlegend": False,
                }
            )
        first, last = p["summary"]["first_fix"], p["summary"]["last_fix"]
        work = p["rep"]["work"]
        lo = min(x for x in (first, work[0]) if x is not None) - 900
        hi = max(x for x in (last, work[1]) if x is not None) + 900
        x_range = [wall_time(day, lo, shifts), wall_time(day, hi, shifts)]
        shapes, notes = _off_duty_bands(day, shifts, lo, hi, work, lang)
    lanes = [t(f"replay.lane.{lane}", lang) for lane in LANES]
    dark = theme == "dark"
    ink, grid = ("#dee2e6", "#3a3f44") if dark else ("#212529", "#e9ecef")
    xaxis: dict[str, Any] = {
        "type": "date",
        "tickformat": "%H:%M",
        "showgrid": True,
        "gridcolor": grid,
        "zeroline": False,
        "fixedrange": True,
        "title": {"text": t("replay.axis.time", lang), "standoff": 4},
    }
    if x_range:
        xaxis["range"] = x_range
    return {
        "data": traces,
        "layout": {
            "height": 250,
            "margin": {"l": 90, "r": 16, "t": 20, "b": 44},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "font": {"color": ink},
            "hoverlabel": {"bgcolor": "#343a40" if dark else "#ffffff", "font": {"color": ink}},
            "xaxis": xaxis,
            "yaxis": {
                "categoryorder": "array",
                "categoryarray": lanes,
                "range": [-0.5, len(lanes) - 0.5],
                "gridcolor": grid,
                "fixedrange": True,
                "title": {"text": t("replay.axis.lane", lang), "standoff": 4},
            },
            "shapes": shapes,
            "annotations": notes,
            "barmode": "overlay",
            "bargap": 0.35,
            "hovermode": "closest",
            "clickmode": "event",
            "dragmode": False,
        },
    }

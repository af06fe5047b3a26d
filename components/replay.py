"""The replay page's presentation: map layers (dash-leaflet), the timeline (plotly), the summary
and the anomaly list, and the compact data the browser's player animates.

Everything here renders a payload of ``dashboard.services.replay.replay_day``; times in it are
seconds since the rep's local midnight (``clock`` shifts them across a DST change).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import dash_bootstrap_components as dbc
import dash_leaflet as dl
import numpy as np
from dash import dcc, html

from components.i18n import t
from components.integrity import LEVEL_COLOURS, integrity_level, integrity_text
from components.kpi import SEVERITY_HEX

# Colours of the speed bins (walking/idle, city, arterial, fast) and the other map items.
SPEED_COLOURS = ("#6c8ebf", "#2e9d5b", "#e69b00", "#d6336c")
INSIDE, OUTSIDE = "#198754", "#dc3545"
ROLE_COLOURS = {"visited": "#0d6efd", "planned": "#fd7e14", "owned": "#8c98a4"}
GAP_COLOUR, JUMP_COLOUR, PLAN_COLOUR, PHOTO_COLOUR = "#6f42c1", "#dc3545", "#fd7e14", "#d63384"
COARSE_COLOUR = "#8a8f98"  # grey: a coarse fix is a phone's guess, not where the rep went
LANES = ("alerts", "expenses", "photos", "gaps", "trips", "stops", "visits")
DEFAULT_CENTER = [31.2304, 121.4737]


def clock(seconds: int | None, shifts: list[list[int]] | None = None) -> str:
    """Format seconds since local midnight as the wall clock HH:MM:SS ("—" when missing)."""
    if seconds is None:
        return "—"
    shift = 0
    for start, value in shifts or ():
        if seconds >= start:
            shift = value
    seconds = int(seconds) + shift
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def duration(seconds: float | None, lang: str) -> str:
    """Format a duration as '1 h 05 min' / '1 小时 05 分'."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60.0)
    h, m = divmod(minutes, 60)
    if lang == "en":
        return f"{h} h {m:02d} min" if h else f"{m} min"
    return f"{h} 小时 {m:02d} 分" if h else f"{m} 分钟"


def _wall(day: str, seconds: int, shifts: list[list[int]]) -> str:
    """The plotly x value (naive local wall time) of seconds since midnight."""
    shift = 0
    for start, value in shifts:
        if seconds >= start:
            shift = value
    moment = datetime.combine(date.fromisoformat(day), datetime.min.time()) + timedelta(
        seconds=seconds + shift
    )
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# ------------------------------------------------------------------ map


def _tip(text: str) -> dl.Tooltip:
    return dl.Tooltip(text)


def _track_layers(p: Mapping[str, Any]) -> list[Any]:
    """One multi-polyline per speed bin: consecutive display points in the same bin, broken at
    gaps and jumps."""
    tr = p["track"]
    n = len(tr["t"])
    breaks = set(tr["brk"])
    lines: list[list[list[list[float]]]] = [[] for _ in SPEED_COLOURS]
    current: list[list[float]] = []
    current_bin = None
    for i in range(1, n):
        if i in breaks:
            if current_bin is not None and len(current) > 1:
                lines[current_bin].append(current)
            current, current_bin = [], None
            continue
        b = tr["bin"][i]
        a_pt, b_pt = [tr["lat"][i - 1], tr["lon"][i - 1]], [tr["lat"][i], tr["lon"][i]]
        if b != current_bin:
            if current_bin is not None and len(current) > 1:
                lines[current_bin].append(current)
            current, current_bin = [a_pt], b
        current.append(b_pt)
    if current_bin is not None and len(current) > 1:
        lines[current_bin].append(current)
    return [
        dl.Polyline(
            positions=[np.asarray(part, dtype=np.float64) for part in parts],
            color=SPEED_COLOURS[b],
            weight=4,
            opacity=0.9,
        )
        for b, parts in enumerate(lines)
        if parts
    ]


def _number_icon(text: str, class_name: str) -> dict[str, Any]:
    return {
        "html": f"<span>{text}</span>",
        "className": class_name,
        "iconSize": [24, 24],
        "iconAnchor": [12, 12],
        "popupAnchor": [0, -12],
    }


def _stop_layers(p: Mapping[str, Any], lang: str) -> list[Any]:
    out = []
    for s in p["stops"]:
        who = s["customer_name"] or t("replay.no_customer", lang)
        tip = (
            f"#{s['n']} {clock(s['start'], p['clock'])}–{clock(s['end'], p['clock'])} · "
            f"{t('replay.dwell', lang)} {duration(s['dwell_s'], lang)} · {who}"
        )
        out.append(
            dl.DivMarker(
                position=[s["lat"], s["lon"]],
                # Drawn just above the stop's centre, so the check-in marker there stays visible.
                iconOptions={
                    **_number_icon(str(s["n"]), "replay-stop-icon"),
                    "iconAnchor": [12, 30],
                },
                children=_tip(tip),
            )
        )
    return out


def _customer_layers(p: Mapping[str, Any], lang: str) -> list[Any]:
    out = []
    for c in p["customers"]:
        colour = ROLE_COLOURS[c["role"]]
        out.append(
            dl.Circle(
                center=[c["lat"], c["lon"]],
                radius=c["geofence_m"],
                color=colour,
                weight=1,
                fillOpacity=0.08,
                children=_tip(f"{c['name']} · {t('replay.role.' + c['role'], lang)}"),
            )
        )
    return out


def _check_layers(p: Mapping[str, Any], lang: str) -> list[Any]:
    out = []
    for v in p["visits"]:
        points = [("check_in", v)] + ([("check_out", v["out"])] if v["out"] else [])
        for kind, pt in points:
            where = t("replay.inside" if pt["inside"] else "replay.outside", lang)
            tip = (
                f"{t('replay.' + kind, lang)} {clock(pt['t'], p['clock'])} · {v['customer_name']}"
                f" · {where} ({t('replay.distance', lang)} {pt['distance_m']} m, "
                f"{t('replay.limit', lang)} {pt['limit_m']} m)"
            )
            if "integrity" in v:
                tip += f" · {integrity_text(v['integrity'], v.get('rules'), lang)}"
            out.append(
                dl.CircleMarker(
                    center=[pt["lat"], pt["lon"]],
                    radius=7 if kind == "check_in" else 5,
                    color="#ffffff",
                    weight=2,
                    fillColor=INSIDE if pt["inside"] else OUTSIDE,
                    fillOpacity=1.0,
                    children=_tip(tip),
                )
            )
    return out


def _photo_layers(p: Mapping[str, Any], lang: str) -> list[Any]:
    return [
        dl.CircleMarker(
            center=[ph["lat"], ph["lon"]],
            radius=4,
            color=PHOTO_COLOUR,
            fillColor=PHOTO_COLOUR,
            fillOpacity=0.9,
            weight=1,
            children=_tip(
                f"{t('replay.photo', lang)} {ph['kind'] or ''} {clock(ph['t'], p['clock'])}"
            ),
        )
        for ph in p["photos"]
        if ph["lat"] is not None
    ]


def _gap_layers(p: Mapping[str, Any], lang: str) -> list[Any]:
    out = []
    for g in p["gaps"]:
        why = t(f"gap.reason.{g['reason']}", lang)
        sense = t("replay.plausible" if g["plausible"] else "replay.implausible", lang)
        tip = (
            f"{t('replay.in_gap', lang)} {clock(g['start'], p['clock'])}–"
            f"{clock(g['end'], p['clock'])} ({duration(g['duration_s'], lang)}) · {why} · "
            f"{g['displacement_m']} m, {sense}"
        )
        out.append(
            dl.Polyline(
                positions=[g["from"], g["to"]],
                color=GAP_COLOUR,
                weight=3,
                dashArray="8 8",
                children=_tip(tip),
            )
        )
    return out


def _jump_layers(p: Mapping[str, Any], lang: str) -> list[Any]:
    return [
        dl.Polyline(
            positions=[[j[0], j[1]], [j[2], j[3]]],
            color=JUMP_COLOUR,
            weight=2,
            dashArray="2 6",
            children=_tip(t("replay.layer.jumps", lang)),
        )
        for j in p["jumps"]
    ]


# Above this many coarse fixes a day (a poor phone), their accuracy circles start hidden: hundreds
# of kilometre-wide circles would bury the track. The layer control shows them on demand.
COARSE_CIRCLES_SHOWN_UP_TO = 40


def _coarse_layers(p: Mapping[str, Any], lang: str) -> tuple[list[Any], list[Any]]:
    """Coarse fixes (accuracy above the cleaning limit) as grey dots and their accuracy circles,
    never joined into the track: a phone's fallback position, not where the rep went."""
    dots: list[Any] = []
    circles: list[Any] = []
    for t_rel, lat, lon, acc in p.get("coarse", []):
        tip = _tip(
            f"{clock(t_rel, p.get('clock'))} · ±{acc:,} m · {t('quality.replay.coarse', lang)}"
        )
        circles.append(
            dl.Circle(
                center=[lat, lon],
                radius=acc,
                color=COARSE_COLOUR,
                weight=1,
                opacity=0.4,
                fillOpacity=0.03,
                dashArray="3 4",
            )
        )
        dots.append(
            dl.CircleMarker(
                center=[lat, lon], radius=3, color=COARSE_COLOUR, fillOpacity=0.8, children=tip
            )
        )
    return dots, circles


def _plan_layers(p: Mapping[str, Any], lang: str) -> list[Any]:
    where = {c["id"]: [c["lat"], c["lon"]] for c in p["customers"]}
    route = [where[cid] for cid in p["plan"] if cid in where]
    out: list[Any] = []
    if len(route) > 1:
        out.append(dl.Polyline(positions=route, color=PLAN_COLOUR, weight=2, dashArray="4 6"))
    for n, cid in enumerate(p["plan"], start=1):
        if cid in where:
            out.append(
                dl.DivMarker(
                    position=where[cid],
                    iconOptions={
                        **_number_icon(str(n), "replay-plan-icon"),
                        "iconAnchor": [-4, 22],
                        "iconSize": [18, 18],
                    },
                    children=_tip(t("replay.plan_order", lang).format(n=n)),
                )
            )
    return out


def map_layers(p: Mapping[str, Any], *, lang: str, tile_url: str, attribution: str) -> list[Any]:
    """The children of the map's layers control: the base map and one overlay per kind."""
    base = dl.BaseLayer(
        dl.TileLayer(url=tile_url, attribution=attribution, maxZoom=19),
        name="base",
        checked=True,
    )
    if p.get("status") != "ok":
        return [base]
    coarse_dots, coarse_circles = _coarse_layers(p, lang)
    groups = (
        ("plan", _plan_layers(p, lang)),
        ("customers", _customer_layers(p, lang)),
        ("track", _track_layers(p)),
        ("gaps", _gap_layers(p, lang)),
        ("jumps", _jump_layers(p, lang)),
        ("coarse", coarse_dots),
        ("coarse_accuracy", coarse_circles),
        ("photos", _photo_layers(p, lang)),
        ("stops", _stop_layers(p, lang)),
        ("checks", _check_layers(p, lang)),
    )
    return [base] + [
        dl.Overlay(
            dl.LayerGroup(children, id=f"replay-layer-{key}"),
            name=t(f"replay.layer.{key}", lang),
            checked=key != "coarse_accuracy" or len(children) <= COARSE_CIRCLES_SHOWN_UP_TO,
        )
        for key, children in groups
    ]


def map_viewport(p: Mapping[str, Any]) -> dict[str, Any]:
    """Fit the map to the track, the visits and the planned customers."""
    lats, lons = list(p.get("track", {}).get("lat", [])), list(p.get("track", {}).get("lon", []))
    for v in p.get("visits", []):
        lats.append(v["lat"])
        lons.append(v["lon"])
    planned = set(p.get("plan", []))
    for c in p.get("customers", []):
        if c["id"] in planned:
            lats.append(c["lat"])
            lons.append(c["lon"])
    if not lats:
        return {"center": DEFAULT_CENTER, "zoom": 11}
    return {
        "bounds": [[min(lats), min(lons)], [max(lats), max(lons)]],
        "transition": "fitBounds",
        "options": {"padding": [20, 20]},
    }


# ------------------------------------------------------------------ timeline


def _visit_label(v: Mapping[str, Any], lang: str) -> str:
    if "integrity" not in v:
        return str(v["customer_name"])
    return f"{v['customer_name']} · {integrity_text(v['integrity'], v.get('rules'), lang)}"


def timeline_figure(p: Mapping[str, Any], *, lang: str, theme: str) -> dict[str, Any]:
    """Visits, stops, trips, gaps, photos, claims and alerts on one time axis.

    Every item carries its start (seconds since midnight) as customdata, so a click moves the
    player there. A plain figure dict with a few colours instead of a plotly template: building
    ``go.Figure`` objects and shipping a full template cost more than the rest of the page.
    """
    traces: list[dict[str, Any]] = []
    x_range = None
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
                ],
                GAP_COLOUR,
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
                    "base": [_wall(day, a, shifts) for a, _, _ in items],
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
                [(ph["t"], f"{t('replay.photo', lang)} {ph['kind'] or ''}") for ph in p["photos"]],
                [PHOTO_COLOUR] * len(p["photos"]),
                "circle",
            ),
            (
                "expenses",
                [
                    (e["t"], f"{t('replay.claim', lang)} {e['category']} ¥{e['amount']:,.2f}")
                    for e in p["expenses"]
                ],
                ["#20c997"] * len(p["expenses"]),
                "square",
            ),
            (
                "alerts",
                [(a["t"], f"{a['rule']}: {a['summary']}") for a in p["alerts"]],
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
                    "x": [_wall(day, a, shifts) for a, _ in items],
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
        x_range = [_wall(day, lo, shifts), _wall(day, hi, shifts)]
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
    }
    if x_range:
        xaxis["range"] = x_range
    return {
        "data": traces,
        "layout": {
            "height": 250,
            "margin": {"l": 70, "r": 16, "t": 8, "b": 28},
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
            },
            "barmode": "overlay",
            "bargap": 0.35,
            "hovermode": "closest",
            "clickmode": "event",
            "dragmode": False,
        },
    }


# ------------------------------------------------------------------ panels


def _stat(label: str, value: str, stat_id: str) -> html.Div:
    return html.Div(
        [
            html.Div(label, className="kpi-label"),
            html.Div(value, className="replay-stat", id=stat_id),
        ],
        className="mb-2",
    )


def _doubt_text(s: Mapping[str, Any], lang: str) -> str:
    """'1 · lowest 50' (just the count when every visit is trusted, '—' without visits)."""
    lowest = s.get("min_integrity")
    if lowest is None:
        return "—"
    doubtful = int(s.get("doubtful") or 0)
    if not doubtful:
        return "0"
    return f"{doubtful} · {t('integrity.lowest', lang).format(n=lowest)}"


def summary_panel(p: Mapping[str, Any], *, lang: str) -> html.Div:
    """km, drive time, in-store time, visits planned / done / detected, first and last fix."""
    s = p["summary"]
    return html.Div(
        [
            _stat(t("replay.km", lang), f"{s['km']:.1f} km", "replay-sum-km"),
            _stat(t("replay.drive", lang), duration(s["drive_s"], lang), "replay-sum-drive"),
            _stat(t("replay.in_store", lang), duration(s["in_store_s"], lang), "replay-sum-store"),
            _stat(
                t("replay.visits", lang),
                f"{s['planned']} / {s['done']} / {s['detected_without_check_in']}",
                "replay-sum-visits",
            ),
            _stat(
                t("integrity.doubtful", lang),
                _doubt_text(s, lang),
                "replay-sum-integrity",
            ),
            _stat(
                t("replay.first_last", lang),
                f"{clock(s['first_fix'], p['clock'])} / {clock(s['last_fix'], p['clock'])}",
                "replay-sum-fixes",
            ),
            _stat(t("replay.fixes", lang), f"{s['fixes']:,}", "replay-sum-count"),
            _stat(t("quality.replay.summary", lang), _quality_text(s, lang), "replay-sum-quality"),
        ]
    )


def _quality_text(s: Mapping[str, Any], lang: str) -> str:
    """'12 % coarse · 1 coarse jump · 2 cached runs' per device (poor phones named)."""
    parts = []
    for q in s.get("quality") or []:
        text = (
            f"{q['coarse_share'] * 100:.0f} % {t('quality.col.coarse_share', lang)} · "
            f"{t('quality.col.coarse_jumps', lang)} {q['coarse_jumps']} · "
            f"{t('quality.col.cached_runs', lang)} {q['cached_runs']}"
        )
        if q.get("poor"):
            text += f" · {t('quality.poor', lang)}"
        parts.append(text)
    return " | ".join(parts) if parts else "—"


def anomaly_list(p: Mapping[str, Any], *, lang: str) -> html.Div:
    """The day's alerts in time order; each row names the rule, time and summary."""
    if not p["alerts"]:
        return html.Div(t("replay.no_anomalies", lang), className="text-body-secondary small")
    return html.Ul(
        [
            html.Li(
                [
                    html.Span(
                        t(f"severity.{a['severity']}", lang),
                        className="badge me-1",
                        style={"background": SEVERITY_HEX.get(a["severity"], "#6c757d")},
                    ),
                    html.Strong(clock(a["t"], p["clock"]), className="me-1"),
                    html.Code(a["rule"], className="me-1"),
                    html.Span(a["summary"], className="small"),
                ],
                className="mb-1",
            )
            for a in p["alerts"]
        ],
        className="list-unstyled mb-0 replay-anomalies",
        id="replay-anomaly-items",
    )


def legend(lang: str) -> html.Div:
    """Speed colours and marker meanings."""

    def swatch(colour: str, text: str, shape: str = "line") -> html.Div:
        return html.Div(
            [
                html.Span(
                    className=f"replay-swatch replay-swatch-{shape}", style={"background": colour}
                ),
                text,
            ],
            className="small d-flex align-items-center gap-2",
        )

    return html.Div(
        [swatch(c, t(f"replay.speed.{i}", lang)) for i, c in enumerate(SPEED_COLOURS)]
        + [
            swatch(GAP_COLOUR, t("replay.layer.gaps", lang)),
            swatch(PLAN_COLOUR, t("replay.layer.plan", lang)),
            swatch(INSIDE, f"{t('replay.check_in', lang)} · {t('replay.inside', lang)}", "dot"),
            swatch(OUTSIDE, f"{t('replay.check_in', lang)} · {t('replay.outside', lang)}", "dot"),
            swatch(PHOTO_COLOUR, t("replay.layer.photos", lang), "dot"),
        ]
        + [swatch(ROLE_COLOURS[r], t(f"replay.role.{r}", lang), "ring") for r in ROLE_COLOURS]
    )


def day_links(p: Mapping[str, Any], *, lang: str) -> list[Any]:
    """Previous / next working day links (disabled without such a day)."""
    rep = p["rep"]["id"]
    out = []
    for key, day, link_id in (
        ("replay.prev_day", p.get("prev_day"), "replay-prev-day"),
        ("replay.next_day", p.get("next_day"), "replay-next-day"),
    ):
        if day:
            out.append(
                dcc.Link(
                    t(key, lang),
                    href=f"/replay/{rep}/{day}",
                    id=link_id,
                    className="btn btn-sm btn-outline-secondary me-2",
                )
            )
        else:
            out.append(
                html.Span(
                    t(key, lang),
                    id=link_id,
                    className="btn btn-sm btn-outline-secondary me-2 disabled",
                )
            )
    return out


def rep_options(p: Mapping[str, Any]) -> list[dict[str, str]]:
    """The rep picker's options (reps in the viewer's scope)."""
    return [{"label": f"{name} · {team}", "value": rid} for rid, name, team in p.get("reps", [])]


def player_data(p: Mapping[str, Any], *, lang: str, start: int | None) -> dict[str, Any]:
    """What the browser's player animates: the display track, idle spans, alert times, labels."""
    if p.get("status") != "ok" or not p["track"]["t"]:
        return {"ok": False}
    tr = p["track"]
    first, last = tr["t"][0], tr["t"][-1]
    begin = start if start is not None and first <= start <= last else first
    idle = [[s["start"], s["end"], "s", s["n"], s["customer_name"] or ""] for s in p["stops"]]
    idle += [
        [g["start"], g["end"], "g", 0, t(f"gap.reason.{g['reason']}", lang)] for g in p["gaps"]
    ]
    idle.sort()
    return {
        "ok": True,
        "day": p["day"],
        "clock": p["clock"],
        # numpy arrays: Dash's serialiser (plotly.io.json with orjson) writes them whole instead of
        # walking every number in Python, which was most of the callback's time on long days.
        "t": np.asarray(tr["t"], dtype=np.int64),
        "lat": np.asarray(tr["lat"], dtype=np.float64),
        "lon": np.asarray(tr["lon"], dtype=np.float64),
        "v": np.asarray(tr["v"], dtype=np.int64),
        "brk": tr["brk"],
        "idle": idle,
        "alerts": sorted({a["t"] for a in p["alerts"] if a["t"] is not None}),
        "first": first,
        "last": last,
        "start": begin,
        "labels": {
            "play": t("replay.play", lang),
            "pause": t("replay.pause", lang),
            "moving": t("replay.moving", lang),
            "stop": t("replay.at_stop", lang),
            "gap": t("replay.in_gap", lang),
        },
    }


def slider_marks(p: Mapping[str, Any]) -> dict[str, str]:
    """Hour marks of the scrubber."""
    if p.get("status") != "ok" or not p["track"]["t"]:
        return {}
    first, last = p["track"]["t"][0], p["track"]["t"][-1]
    return {str(h * 3600): f"{h:02d}" for h in range(first // 3600 + 1, last // 3600 + 1)}


def message(p: Mapping[str, Any], *, lang: str) -> Any:
    """The alert shown instead of (or above) the replay: not found, bad date, empty day."""
    status = p.get("status")
    if status == "not_found":
        return dbc.Alert(t("replay.not_found", lang), color="warning", id="replay-not-found")
    if status == "bad_date":
        return dbc.Alert(
            f"{t('replay.bad_date', lang)} ({p.get('message', '')})",
            color="danger",
            id="replay-bad-date",
        )
    if status == "ok" and not p["track"]["t"] and not p["visits"]:
        return dbc.Alert(t("replay.empty", lang), color="info", id="replay-empty")
    return None


def title(p: Mapping[str, Any], *, lang: str) -> str:
    """The heading: rep · team · day."""
    if p.get("status") != "ok":
        return t("replay.title", lang)
    return f"{t('replay.title', lang)} · {p['rep']['name']} · {p['rep']['team_name']} · {p['day']}"


def render_replay(
    p: Mapping[str, Any],
    *,
    lang: str,
    theme: str,
    tile_url: str,
    attribution: str,
    start: int | None = None,
) -> dict[str, Any]:
    """Every output of the page's data callback, by name (see pages/replay.py)."""
    ok = p.get("status") == "ok"
    return {
        "player": player_data(p, lang=lang, start=start),
        "layers": map_layers(p, lang=lang, tile_url=tile_url, attribution=attribution),
        "viewport": map_viewport(p) if ok else {"center": DEFAULT_CENTER, "zoom": 11},
        "timeline": timeline_figure(p, lang=lang, theme=theme),
        "summary": summary_panel(p, lang=lang) if ok else None,
        "anomalies": anomaly_list(p, lang=lang) if ok else None,
        "title": title(p, lang=lang),
        "nav": day_links(p, lang=lang) if ok else [],
        "reps": rep_options(p),
        "rep": p["rep"]["id"] if ok else None,
        "message": message(p, lang=lang),
        "marks": slider_marks(p),
    }

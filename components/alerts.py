"""The anti-cheat centre's pieces: the queue grid, the counts strip, the evidence panel (rule in
plain words, numbers against the threshold, mini map, photo pair, device events), the history
list, triage feedback and the rep's weekly alert chart. They render what they are given."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
import dash_leaflet as dl
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.grids import GRID, column, data_grid, records
from components.i18n import t
from components.integrity import integrity_badge
from components.kpi import SEVERITIES, SEVERITY_COLOURS, SEVERITY_HEX, empty_figure
from components.quality import day_quality_block
from dashboard.geo import metres_to_degrees, padded_bounds, web_map_zoom

QUEUE_GRID = "alerts-queue"
QUEUE_GRID_ID = {"type": GRID, "name": QUEUE_GRID}
STATUSES = ("open", "acknowledged", "confirmed", "dismissed")
STATUS_COLOURS = {
    "open": "danger",
    "acknowledged": "warning",
    "confirmed": "dark",
    "dismissed": "success",
}
# Plotly colours of the severities (Bootstrap's danger, warning, info, secondary).
MAP_COLOURS = {
    "customer": "#0d6efd",
    "checkin": "#dc3545",
    "checkout": "#6f42c1",
    "fix": "#198754",
    "named": "#fd7e14",
}

# Evidence value → the threshold it was compared with, and whether exceeding it is the fault.
THRESHOLDS: dict[str, tuple[str, bool]] = {
    "distance_m": ("limit_m", True),
    "speed_mps": ("limit_mps", True),
    "dwell_s": ("min_dwell_s", False),
    "hamming": ("max_hamming", False),
    "gap_s": ("min_gap_s", True),
    "claimed_km": ("limit_km", True),
    "offset_s": ("tolerance_s", True),
    "run_s": ("min_run_s", True),
    "fixes": ("min_fixes", True),
}
# Evidence keys that name records (shown as references, not as measurements).
REFERENCE_KEYS = (
    "visit_id",
    "customer_id",
    "check_out_id",
    "matched_rep_id",
    "visit_ids",
    "customer_ids",
    "rep_ids",
    "fix_ids",
    "photo_id",
    "matched_photo_id",
    "matched_visit_id",
    "event_id",
    "device_id",
)


def _zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or "Asia/Shanghai")


def _as_dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def local_time(value: Any, tz: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time shown in a zone ('—' when missing or unreadable)."""
    when = _as_dt(value)
    return when.astimezone(_zone(tz)).strftime(fmt) if when else "—"


# ------------------------------------------------------------------ unit-aware numbers


def fmt_duration(seconds: float, lang: str) -> str:
    """Seconds as '45 s', '12 min 5 s', '1 h 7 min' (zh: 秒, 分, 小时)."""
    seconds = abs(float(seconds))
    s_unit, m_unit, h_unit = ("秒", "分", "小时") if lang == "zh" else ("s", "min", "h")
    if seconds < 60:
        return f"{seconds:.0f} {s_unit}"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} {m_unit}" + (f" {rest} {s_unit}" if rest else "")
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} {h_unit}" + (f" {rest} {m_unit}" if rest else "")


def fmt_evidence(key: str, value: Any, lang: str, tz: str | None = None) -> str:
    """One evidence value with the unit its key names (``_m``, ``_mps``, ``_s``, ``_km``,
    ``_cny``), times in the rep's zone, reasons and booleans in words."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return t("alerts.yes" if value else "alerts.no", lang)
    if key in ("gap_start", "gap_end", "window_start", "window_end") or key.endswith("_at"):
        return local_time(value, tz)
    if key == "reason":
        return t(f"gap.reason.{value}", lang)
    if key == "source":
        return t(f"alerts.source.{value}", lang)
    if key == "event_kind":
        return t(f"alerts.device.{value}", lang)
    if isinstance(value, int | float):
        number = float(value)
        if key in ("lat", "lon", "customer_lat", "customer_lon"):
            return f"{number:.6f}°"
        if key.endswith("_mps"):
            return f"{number:,.1f} m/s ({number * 3.6:,.0f} km/h)"
        if key.endswith("_m"):
            return f"{number:,.0f} m" if abs(number) < 1000 else f"{number / 1000:,.2f} km"
        if key.endswith("_s"):
            return fmt_duration(number, lang)
        if key.endswith("_km"):
            return f"{number:,.1f} km"
        if key.endswith("_cny"):
            return f"¥{number:,.2f}" if lang == "zh" else f"CN¥{number:,.2f}"
        if key in ("hamming", "max_hamming"):
            return f"{number:.0f} / 64"
        return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return ", ".join(fmt_evidence(key, v, lang, tz) for v in value)
        return ", ".join(str(item) for item in value)
    return str(value)


def _gap_text(key: str, value: float, limit: float, lang: str) -> str:
    """How far a value lies beyond its threshold, in the key's unit."""
    diff = abs(value - limit)
    text = fmt_evidence(key, diff, lang) if key not in ("hamming",) else f"{diff:.0f}"
    return t("alerts.evidence.over" if value > limit else "alerts.evidence.under", lang).format(
        x=text
    )


def evidence_table(evidence: Mapping[str, Any], *, lang: str, tz: str | None) -> html.Div:
    """The compared numbers against their thresholds, then any other evidence, then the
    records it names."""
    rows, used = [], set()
    for key, (limit_key, _excess_is_fault) in THRESHOLDS.items():
        if key not in evidence:
            continue
        value, limit = evidence.get(key), evidence.get(limit_key)
        used.update((key, limit_key))
        beyond = (
            _gap_text(key, float(value), float(limit), lang)
            if isinstance(value, int | float) and isinstance(limit, int | float)
            else ""
        )
        rows.append(
            html.Tr(
                [
                    html.Th(t(f"alerts.ev.{key}", lang), scope="row"),
                    html.Td(fmt_evidence(key, value, lang, tz), className="fw-semibold"),
                    html.Td(fmt_evidence(limit_key, limit, lang, tz)),
                    html.Td(beyond, className="text-danger small"),
                ],
                id=f"alerts-ev-{key}",
            )
        )
    other = [
        html.Tr(
            [
                html.Th(t(f"alerts.ev.{key}", lang), scope="row"),
                html.Td(fmt_evidence(key, value, lang, tz), colSpan=3),
            ],
            id=f"alerts-ev-{key}",
        )
        for key, value in evidence.items()
        if key not in used and key not in REFERENCE_KEYS and not isinstance(value, dict)
    ]
    refs = [
        html.Span([html.Code(key), " ", fmt_evidence(key, evidence[key], lang)], className="me-3")
        for key in REFERENCE_KEYS
        if evidence.get(key)
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th(""),
                html.Th(t("alerts.evidence.measured", lang)),
                html.Th(t("alerts.evidence.threshold", lang)),
                html.Th(""),
            ]
        )
    )
    children: list[Any] = []
    if rows or other:
        children.append(
            dbc.Table(
                [head, html.Tbody(rows + other)],
                size="sm",
                className="alerts-evidence-table mb-2",
                id="alerts-evidence-table",
            )
        )
    if refs:
        children.append(
            html.Div(
                [html.Span(t("alerts.evidence.refs", lang) + ": ", className="me-1"), *refs],
                className="small text-body-secondary alerts-refs",
            )
        )
    return html.Div(children)


# ------------------------------------------------------------------ the queue


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
    out = frame.drop(columns=[c for c in ("ts", "updated_at") if c in frame.columns]).copy()
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


# ------------------------------------------------------------------ the mini map


def _point(lat: Any, lon: Any) -> list[float] | None:
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        return [float(lat), float(lon)]
    return None


def _bounds(points: Sequence[Sequence[float]], pad_m: float = 60.0) -> list[list[float]]:
    (south, west), (north, east) = padded_bounds(
        [p[0] for p in points], [p[1] for p in points], pad_m
    )
    return [[south, west], [north, east]]


def fit_zoom(
    bounds: Sequence[Sequence[float]], *, width_px: int = 560, height_px: int = 260
) -> int:
    """The largest web-map zoom at which ``bounds`` fit a map of this size (3..18).

    Computed here rather than left to ``Map(bounds=...)``: dash-leaflet keeps ``zoom`` when a
    map is re-rendered with new bounds, so a far-away check-in could fall outside the view.
    """
    (south, west), (north, east) = bounds
    zoom = web_map_zoom(south, west, north, east, width_px=width_px, height_px=height_px)
    return max(3, math.floor(min(18.0, zoom)))


def mini_map(context: Mapping[str, Any], *, tz: str | None, lang: str, tile_url: str) -> html.Div:
    """Check-in point (with its accuracy), the customer's geofence circle, the check-out, and
    the rep's fixes around the alert's time (the ones the rule names highlighted)."""
    layers: list[Any] = []
    points: list[list[float]] = []
    legend: list[tuple[str, str]] = []
    customer, visit = context.get("customer"), context.get("visit")
    if customer and (where := _point(customer.get("lat"), customer.get("lon"))):
        radius = float(customer.get("geofence_m") or 0)
        layers.append(
            dl.Circle(
                center=where,
                radius=radius,
                color=MAP_COLOURS["customer"],
                fillOpacity=0.12,
                weight=2,
                children=dl.Tooltip(f"{customer.get('name')} · {radius:,.0f} m"),
            )
        )
        layers.append(
            dl.CircleMarker(center=where, radius=4, color=MAP_COLOURS["customer"], fillOpacity=1)
        )
        points.append(where)
        # the whole geofence in view
        reach, _ = metres_to_degrees(radius, where[0])
        points.extend([[where[0] + reach, where[1]], [where[0] - reach, where[1]]])
        legend.append((MAP_COLOURS["customer"], t("alerts.map.customer", lang)))
    fixes = list(context.get("fixes") or [])
    named = set(context.get("named_fix_ids") or [])
    track = [p for f in fixes if (p := _point(f.get("lat"), f.get("lon")))]
    if track:
        layers.append(dl.Polyline(positions=track, color=MAP_COLOURS["fix"], weight=2, opacity=0.7))
        for fix in fixes:
            colour = MAP_COLOURS["named" if fix["id"] in named else "fix"]
            layers.append(
                dl.CircleMarker(
                    center=[fix["lat"], fix["lon"]],
                    radius=5 if fix["id"] in named else 3,
                    color=colour,
                    fillOpacity=0.9,
                    children=dl.Tooltip(
                        f"{local_time(fix['ts'], tz, '%H:%M:%S')} · ±{fix['accuracy_m']:,.0f} m"
                    ),
                )
            )
        points.extend(track)
        legend.append((MAP_COLOURS["fix"], t("alerts.map.fixes", lang)))
        if named:
            legend.append((MAP_COLOURS["named"], t("alerts.map.named", lang)))
    if visit and (out := _point(visit.get("co_lat"), visit.get("co_lon"))):
        layers.append(
            dl.CircleMarker(
                center=out,
                radius=6,
                color=MAP_COLOURS["checkout"],
                fillOpacity=0.6,
                children=dl.Tooltip(local_time(visit.get("checked_out_at"), tz, "%H:%M")),
            )
        )
        points.append(out)
        legend.append((MAP_COLOURS["checkout"], t("alerts.map.checkout", lang)))
    if visit and (where := _point(visit.get("lat"), visit.get("lon"))):
        accuracy = float(visit.get("accuracy_m") or 0)
        layers.append(
            dl.Circle(
                center=where,
                radius=accuracy,
                color=MAP_COLOURS["checkin"],
                weight=1,
                dashArray="4",
                fillOpacity=0.08,
            )
        )
        layers.append(
            dl.CircleMarker(
                center=where,
                radius=7,
                color=MAP_COLOURS["checkin"],
                fillOpacity=0.9,
                children=dl.Tooltip(
                    f"{local_time(visit.get('ts'), tz, '%H:%M')} · ±{accuracy:,.0f} m"
                ),
            )
        )
        points.append(where)
        legend.insert(0, (MAP_COLOURS["checkin"], t("alerts.map.checkin", lang)))
    if not points:
        return html.Div(t("alerts.map.none", lang), className="text-body-secondary small mb-2")
    bounds = _bounds(points)
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    zoom = fit_zoom(bounds)
    attribution = "© OpenStreetMap" if "openstreetmap" in tile_url else ""
    the_map = dl.Map(
        [dl.TileLayer(url=tile_url, maxZoom=19, attribution=attribution), *layers],
        center=center,
        zoom=zoom,
        scrollWheelZoom=False,
        # The evidence panel is redrawn after each triage action: a map replaced in the middle
        # of a zoom or fade transition throws in Leaflet ("_leaflet_pos" of a removed pane).
        zoomAnimation=False,
        fadeAnimation=False,
        markerZoomAnimation=False,
        style={"height": "300px", "width": "100%"},
        className="alerts-map",
        id="alerts-map",
    )
    return html.Div(
        [
            the_map,
            html.Div(
                [
                    html.Span(
                        [html.Span(className="alerts-dot", style={"background": colour}), label],
                        className="me-3",
                    )
                    for colour, label in legend
                ],
                className="small text-body-secondary mt-1 mb-2",
            ),
        ]
    )


# ------------------------------------------------------------------ photos and device events


def hamming(a: str | None, b: str | None) -> int | None:
    """Bits that differ between two hex perceptual hashes (None when unreadable)."""
    try:
        return (int(a or "", 16) ^ int(b or "", 16)).bit_count()
    except ValueError:
        return None


def _photo_card(photo: Mapping[str, Any] | None, title: str, tz: str | None, lang: str):
    if not photo:
        body = [html.Div(t("alerts.photos.missing", lang), className="text-body-secondary")]
    else:
        sha = str(photo.get("sha256") or "")
        body = [
            html.Div([html.Code(photo["id"]), " · ", photo.get("kind") or ""]),
            html.Div(
                f"{t('alerts.photos.visit', lang)} {photo.get('visit_id')} · "
                f"{t('alerts.photos.taken', lang)} {local_time(photo.get('taken_at'), tz)}"
            ),
            html.Div(["pHash ", html.Code(photo.get("phash"))]),
            html.Div(["SHA-256 ", html.Code(f"{sha[:16]}…", title=sha)]),
        ]
    return dbc.Card(
        [dbc.CardHeader(title, className="py-1 small"), dbc.CardBody(body, className="py-2 small")],
        className="h-100 alerts-photo",
    )


def photo_pair(
    context: Mapping[str, Any], evidence: Mapping[str, Any], *, tz: str | None, lang: str
) -> html.Div:
    """The reused photo beside the earlier one it matches, with both hashes and their distance."""
    this, other = context.get("photo"), context.get("matched_photo")
    distance = evidence.get("hamming")
    if distance is None and this and other:
        distance = hamming(this.get("phash"), other.get("phash"))
    facts = []
    if distance is not None:
        facts.append(
            t("alerts.photos.hamming", lang).format(
                d=int(distance), max=int(evidence.get("max_hamming", 6))
            )
        )
    if this and other and this.get("sha256") == other.get("sha256"):
        facts.append(t("alerts.photos.same_sha", lang))
    return html.Div(
        [
            html.H3(t("alerts.photos", lang), className="h6 mt-2"),
            dbc.Row(
                [
                    dbc.Col(_photo_card(this, t("alerts.photos.this", lang), tz, lang), md=6),
                    dbc.Col(_photo_card(other, t("alerts.photos.matched", lang), tz, lang), md=6),
                ],
                className="g-2",
            ),
            html.Div(
                " · ".join(facts), className="small fw-semibold mt-1", id="alerts-photo-facts"
            ),
        ],
        id="alerts-photo-pair",
        className="mb-2",
    )


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
        when = _as_dt(event["ts"]) or datetime.min.replace(tzinfo=UTC)
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


# ------------------------------------------------------------------ the evidence panel


def history_placeholder(lang: str) -> html.Div:
    return html.Div(t("alerts.history.pick", lang), className="text-body-secondary small")


def evidence_placeholder(lang: str, key: str = "alerts.evidence.pick") -> html.Div:
    return html.Div(t(key, lang), className="text-body-secondary", id="alerts-evidence-empty")


def evidence_panel(
    detail: Mapping[str, Any],
    *,
    lang: str,
    tile_url: str,
    rep_view_href: str | None = None,
    selected: int = 1,
) -> html.Div:
    """Everything that explains one alert: what the rule means, the numbers against its
    threshold, where it happened, the photo pair or device events, and where to look next."""
    alert, context = detail["alert"], detail["context"]
    tz, rule = alert.get("timezone"), alert["rule"]
    severity, status = alert["severity"], alert["status"]
    evidence = alert.get("evidence") or {}
    head = html.Div(
        [
            dbc.Badge(
                t(f"severity.{severity}", lang),
                color=SEVERITY_COLOURS.get(severity, "secondary"),
                className="me-2",
            ),
            html.Span(t(f"rule.{rule}.name", lang), className="fw-semibold me-2"),
            dbc.Badge(
                t(f"alerts.status.{status}", lang),
                color=STATUS_COLOURS.get(status, "secondary"),
                className="me-2",
                id="alerts-evidence-status",
            ),
            html.Span([html.Code(alert["id"])], className="small text-body-secondary text-break"),
        ],
        className="mb-2",
    )
    who = html.Div(
        [
            html.Strong(alert.get("rep_name") or alert["rep_id"]),
            f" · {alert.get('team_name') or ''} · {alert.get('region_name') or ''}",
            html.Br(),
            f"{t('alerts.evidence.when', lang)}: {alert.get('ts_local')}",
            f" · {alert['customer_name']}" if alert.get("customer_name") else "",
        ],
        className="small mb-2",
    )
    parts: list[Any] = [
        html.Div(
            t("alerts.evidence.multi", lang).format(n=selected),
            className="alert alert-info py-1 px-2 small",
        )
        if selected > 1
        else None,
        head,
        who,
        html.P(t(f"rule.{rule}.desc", lang), className="alerts-rule-desc", id="alerts-rule-desc"),
        html.P(alert.get("summary"), className="small fst-italic", id="alerts-summary"),
        integrity_badge(
            context["integrity"]["score"],
            context["integrity"]["rules"],
            lang,
            badge_id="alerts-visit-integrity",
        )
        if context.get("integrity")
        else None,
        evidence_table(evidence, lang=lang, tz=tz),
        day_quality_block(
            context.get("device_quality") or [], lang=lang, block_id="alerts-device-quality"
        ),
        html.H3(t("alerts.map.title", lang), className="h6 mt-2"),
        mini_map(context, tz=tz, lang=lang, tile_url=tile_url),
    ]
    if rule in ("PHOTO_REUSE", "PHOTO_TIME_MISMATCH") or context.get("photo"):
        parts.append(photo_pair(context, evidence, tz=tz, lang=lang))
    if rule == "SIGNAL_GAP" or context.get("device_events"):
        parts.append(
            device_events(context.get("device_events") or [], context.get("gap"), tz=tz, lang=lang)
        )
    links = [
        dcc.Link(
            t("alerts.replay", lang),
            href=detail["replay"],
            className="btn btn-sm btn-outline-primary me-2",
            id="alerts-replay-link",
        )
    ]
    if rep_view_href:
        links.append(
            dcc.Link(
                t("alerts.rep_view_link", lang),
                href=rep_view_href,
                className="btn btn-sm btn-outline-secondary",
                id="alerts-rep-link",
            )
        )
    parts.append(html.Div(links, className="mt-2"))
    return html.Div([p for p in parts if p is not None], id="alerts-evidence-body")


def history_list(history: Sequence[Mapping[str, Any]], *, lang: str, tz: str | None) -> html.Div:
    """Every status change of an alert, oldest first: when, who, what, the note."""
    if not history:
        return html.Div(
            t("alerts.history.none", lang),
            className="text-body-secondary small",
            id="alerts-history-empty",
        )
    items = []
    for event in history:
        change = (
            t("alerts.status." + str(event["from_status"]), lang)
            + " → "
            + t("alerts.status." + str(event["to_status"]), lang)
            if event.get("from_status") != event.get("to_status")
            else ""
        )
        assigned = (
            t("alerts.history.assigned", lang).format(who=event["assigned_to"])
            if event.get("action") == "assign"
            else ""
        )
        items.append(
            html.Li(
                [
                    html.Div(
                        [
                            html.Span(
                                local_time(event["at"], tz), className="text-body-secondary me-2"
                            ),
                            html.Strong(event["actor"], className="me-2"),
                            html.Span(
                                t(f"alerts.action.{event['action']}", lang), className="me-2"
                            ),
                            html.Span(change or assigned, className="small"),
                        ]
                    ),
                    html.Div(event["note"], className="alerts-note small")
                    if event.get("note")
                    else None,
                ],
                className="list-group-item py-1",
            )
        )
    return html.Ul(items, className="list-group list-group-flush", id="alerts-history-list")


def triage_feedback(
    *,
    lang: str,
    changed: int = 0,
    refused: Sequence[tuple[str, str, Mapping[str, Any]]] = (),
    error: tuple[str, Mapping[str, Any]] | None = None,
) -> html.Div:
    """What a triage click did: how many alerts changed, and why others were refused."""
    if error is not None:
        code, params = error
        return dbc.Alert(
            t(f"alerts.error.{code}", lang).format(**params),
            color="danger",
            className="py-1 px-2 small mb-0",
            id="alerts-triage-error",
        )
    parts: list[Any] = [html.Div(t("alerts.bulk.changed", lang).format(n=changed))]
    if refused:
        parts.append(html.Div(t("alerts.bulk.refused", lang).format(n=len(refused))))
        parts.append(
            html.Ul(
                [
                    html.Li(f"{alert_id}: {t(f'alerts.error.{code}', lang).format(**params)}")
                    for alert_id, code, params in refused[:20]
                ],
                className="mb-0",
            )
        )
    return dbc.Alert(
        parts,
        color="success" if not refused else ("warning" if changed else "danger"),
        className="py-1 px-2 small mb-0",
        id="alerts-triage-result",
    )


# ------------------------------------------------------------------ the rep view


def rep_history_figure(
    weekly: pd.DataFrame, *, by: str, lang: str, theme: str, height: int = 260
) -> go.Figure:
    """Stacked weekly bars of one rep's alerts, by severity or by rule."""
    if weekly.empty or weekly.to_numpy().sum() == 0:
        return empty_figure(lang, theme, height)
    fig = go.Figure()
    weeks = [w.isoformat() if hasattr(w, "isoformat") else str(w) for w in weekly.index]
    for key in weekly.columns:
        label = t(f"severity.{key}", lang) if by == "severity" else t(f"rule.{key}.name", lang)
        fig.add_bar(
            x=weeks,
            y=weekly[key].tolist(),
            name=label,
            marker_color=SEVERITY_HEX.get(key) if by == "severity" else None,
        )
    fig.update_layout(
        barmode="stack",
        template="plotly_dark" if theme == "dark" else "plotly_white",
        height=height,
        margin={"l": 40, "r": 16, "t": 16, "b": 40},
        legend={"orientation": "h", "y": -0.25, "traceorder": "normal"},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        xaxis_title=t("alerts.rep.week", lang),
        yaxis_title=t("alerts.rep.count", lang),
    )
    fig.update_xaxes(type="category")
    peak = int(weekly.sum(axis=1).max())
    # whole alerts only: a tick every n so that there are at most about five
    fig.update_yaxes(
        rangemode="tozero", tickformat=",d", tick0=0, dtick=max(1, math.ceil(peak / 5))
    )
    fig.update_layout(showlegend=True)
    return fig


def rep_view(view: Mapping[str, Any] | None, *, weeks: int, lang: str, theme: str) -> html.Div:
    """The rep's alerts week by week (are they getting better?)."""
    if view is None:
        return html.Div(
            t("alerts.rep.none", lang), className="text-body-secondary", id="alerts-rep-none"
        )
    rep = view["rep"]
    return html.Div(
        [
            html.H2(
                t("alerts.rep.title", lang).format(name=rep["rep_name"]),
                className="h5",
                id="alerts-rep-title",
            ),
            html.P(
                t("alerts.rep.hint", lang).format(weeks=weeks),
                className="text-body-secondary small",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Div(t("alerts.rep.by_severity", lang), className="kpi-label"),
                            dcc.Graph(
                                id="alerts-rep-severity",
                                figure=rep_history_figure(
                                    view["by_severity"], by="severity", lang=lang, theme=theme
                                ),
                                config={"displayModeBar": False},
                            ),
                        ],
                        xl=6,
                    ),
                    dbc.Col(
                        [
                            html.Div(t("alerts.rep.by_rule", lang), className="kpi-label"),
                            dcc.Graph(
                                id="alerts-rep-rule",
                                figure=rep_history_figure(
                                    view["by_rule"], by="rule", lang=lang, theme=theme
                                ),
                                config={"displayModeBar": False},
                            ),
                        ],
                        xl=6,
                    ),
                ]
            ),
        ]
    )

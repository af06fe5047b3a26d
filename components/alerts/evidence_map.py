"""The evidence mini map: check-in and its accuracy, geofence, check-out and the fixes around."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import dash_leaflet as dl
from dash import html

from components.alerts.evidence_values import local_time
from components.i18n import t
from components.map_controls import MAP_OPTIONS, localized_controls
from dashboard.geo import metres_to_degrees, padded_bounds, web_map_zoom

# Marker colours of the map (Bootstrap's primary, danger, purple, success and orange).
MAP_COLOURS = {
    "customer": "#0d6efd",
    "checkin": "#dc3545",
    "checkout": "#6f42c1",
    "fix": "#198754",
    "named": "#fd7e14",
}


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
        [
            dl.TileLayer(url=tile_url, maxZoom=19, attribution=attribution),
            *layers,
            *localized_controls(lang),
        ],
        **MAP_OPTIONS,
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

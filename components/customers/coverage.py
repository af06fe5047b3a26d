"""The coverage map: customers as points coloured by status and sized by grade, or the
server's cells (a count in a ring of status colours) when too many are in view."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import dash_leaflet as dl
from dash import html

from components.customers import ids
from components.customers.listing import STATUS_COLOURS
from components.i18n import t
from components.map_controls import MAP_OPTIONS, localized_controls
from dashboard.frequency import STATUSES

CHINA_CENTER = [34.5, 108.0]
# Until the callback sets the configured base map: the server's own plain tiles.
BLANK_TILES = "/tiles/blank/{z}/{x}/{y}.png"
WHITE_COLOUR = "#7c3aed"
# Point radius in pixels by grade.
GRADE_RADIUS = {"A": 8, "B": 6, "C": 4}


def coverage_map(lang: str) -> html.Div:
    """The map (its tiles set and its layer filled by callbacks, the layer on every change of
    filter or viewport), the note under it and the legend."""
    legend = [
        html.Span(
            [
                html.Span(className="customers-dot", style={"background": colour}),
                t(f"cust.status.{status}", lang),
            ],
            className="me-3 text-nowrap",
        )
        for status, colour in STATUS_COLOURS.items()
    ]
    legend.append(
        html.Span(
            [
                html.Span(
                    className="customers-dot customers-dot-white",
                    style={"borderColor": WHITE_COLOUR},
                ),
                t("cust.map.legend.white", lang),
            ],
            className="me-3 text-nowrap",
        )
    )
    return html.Div(
        [
            dl.Map(
                [
                    dl.TileLayer(id=ids.MAP_TILES, url=BLANK_TILES, maxZoom=18),
                    dl.GeoJSON(
                        id=ids.MAP_LAYER,
                        data={"type": "FeatureCollection", "features": []},
                        pointToLayer={"variable": "cockpitCustomers.pointToLayer"},
                        hideout={
                            "colours": STATUS_COLOURS,
                            "radius": GRADE_RADIUS,
                            "white": WHITE_COLOUR,
                            "order": list(STATUSES),
                        },
                    ),
                    *localized_controls(lang),
                ],
                id=ids.MAP,
                **MAP_OPTIONS,
                center=CHINA_CENTER,
                zoom=4,
                minZoom=3,
                # The URL's filters move the map while the page may be left or redrawn: a map
                # removed in the middle of a zoom or fade transition throws in Leaflet
                # ("_leaflet_pos" of a removed pane), as the alert evidence map found.
                zoomAnimation=False,
                fadeAnimation=False,
                markerZoomAnimation=False,
                className="customers-map",
            ),
            html.Div(
                [html.Span(id=ids.MAP_NOTE, className="me-3"), *legend],
                className="small text-body-secondary mt-2 d-flex flex-wrap",
            ),
        ]
    )


def _point(p: Mapping[str, Any], lang: str) -> dict[str, Any]:
    parts = [
        escape(str(p["name"])),
        t(f"cust.grade.{p['grade']}", lang),
        t(f"cust.status.{p['status']}", lang),
        escape(str(p["owner_name"] or t("cust.no_owner", lang))),
    ]
    if p["white"]:
        parts.append(t("cust.map.white", lang))
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(p["lon"], 5), round(p["lat"], 5)]},
        "properties": {
            "k": "p",
            "id": p["id"],
            "s": p["status"],
            "g": p["grade"],
            "w": 1 if p["white"] else 0,
            "tooltip": " · ".join(parts),
        },
    }


def _cell(c: Mapping[str, Any], lang: str) -> dict[str, Any]:
    counts = c["status"]
    lines = [t("cust.map.cell", lang).format(n=f"{c['n']:,}")]
    lines += [f"{t(f'cust.status.{s}', lang)} {counts[s]:,}" for s in STATUSES if counts.get(s)]
    if c["white"]:
        lines.append(f"{t('cust.map.white', lang)} {c['white']:,}")
    south, west, north, east = c["bounds"]
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(c["lon"], 4), round(c["lat"], 4)]},
        "properties": {
            "k": "c",
            "n": c["n"],
            "c": [counts.get(s, 0) for s in STATUSES],
            "w": c["white"],
            "b": [[south, west], [north, east]],
            "tooltip": "<br>".join(lines),
        },
    }


def map_viewport(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """The viewport that fits the customers of ``customer_map`` (None without any)."""
    if not result.get("extent"):
        return None
    south, west, north, east = result["extent"]
    # No animation: a new filter re-renders the page, and Leaflet fails on a map removed
    # mid-flight.
    return {
        "bounds": [[south, west], [north, east]],
        "transition": "fitBounds",
        "options": {"animate": False},
    }


def map_outputs(result: Mapping[str, Any], lang: str) -> tuple[dict[str, Any], str]:
    """The map layer's GeoJSON and the note under the map, from ``customer_map``."""
    if result["mode"] == "points":
        features = [_point(p, lang) for p in result["points"]]
        note = t("cust.map.points", lang).format(n=f"{result['total']:,}")
    else:
        features = [_cell(c, lang) for c in result["cells"]]
        note = t("cust.map.cells", lang).format(n=f"{result['total']:,}")
    return {"type": "FeatureCollection", "features": features}, note

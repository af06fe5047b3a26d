"""Leaflet's own control texts in the viewer's language (issue 23).

Leaflet writes its zoom buttons' tooltips ("Zoom in" / "Zoom out") and the attribution prefix
(a "Leaflet" link titled "A JavaScript library for interactive maps") in English. Every map turns
Leaflet's default controls off (``MAP_OPTIONS``) and adds the two below, worded in ``lang``.
"""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl

from components.i18n import t

# Keyword arguments for every dl.Map: the default controls are replaced by localized_controls().
MAP_OPTIONS: dict[str, bool] = {"zoomControl": False, "attributionControl": False}


def zoom_control(lang: str) -> dl.ZoomControl:
    """The zoom buttons with tooltips in ``lang``.

    dash-leaflet 1.1 declares only ``position`` on ZoomControl, but its React component hands
    every prop to ``L.Control.Zoom``, whose ``zoomInTitle`` / ``zoomOutTitle`` options set the
    buttons' title and aria-label: this instance declares those two props so Dash sends them.
    """
    control = dl.ZoomControl(position="topleft")
    control._prop_names = [*control._prop_names, "zoomInTitle", "zoomOutTitle"]
    control.zoomInTitle = t("map.zoom_in", lang)
    control.zoomOutTitle = t("map.zoom_out", lang)
    return control


def attribution_control(lang: str) -> dl.AttributionControl:
    """The attribution with Leaflet's credit link titled in ``lang`` (the tile layers add their
    own licence credit after it)."""
    title = t("map.leaflet_title", lang)
    return dl.AttributionControl(
        position="bottomright",
        prefix=f'<a href="https://leafletjs.com" title="{title}">Leaflet</a>',
    )


def localized_controls(lang: str) -> list[Any]:
    """The zoom and attribution controls for a map shown in ``lang``."""
    return [zoom_control(lang), attribution_control(lang)]

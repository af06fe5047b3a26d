"""The replay map's layers (dash-leaflet): track by speed, stops, visits, plan, gaps, photos."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_leaflet as dl
import numpy as np

from components.i18n import t
from components.integrity import integrity_text
from components.plans import OPTIMAL_COLOUR
from components.replay.common import (
    COARSE_COLOUR,
    DEFAULT_CENTER,
    GAP_COLOUR,
    INSIDE,
    JUMP_COLOUR,
    OUTSIDE,
    PHOTO_COLOUR,
    PLAN_COLOUR,
    ROLE_COLOURS,
    SPEED_COLOURS,
    clock,
    duration,
)
from components.replay.panels import photo_kind


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
                f"{t('replay.photo', lang)} {photo_kind(ph['kind'], lang)} "
                f"{clock(ph['t'], p['clock'])}"
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


def _optimal_layers(p: Mapping[str, Any]) -> list[Any]:
    """The shortest straight-line route over the day's visited customers from the first one
    (contract §6 route efficiency), from the payload's plan vs actual."""
    order = (p.get("plan_actual") or {}).get("optimal_ids") or []
    where = {c["id"]: [c["lat"], c["lon"]] for c in p["customers"]}
    route = [where[cid] for cid in order if cid in where]
    if len(route) < 2:
        return []
    return [dl.Polyline(positions=route, color=OPTIMAL_COLOUR, weight=3, dashArray="2 6")]


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
        ("optimal", _optimal_layers(p)),
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
            # The shortest route is a comparison drawn on demand; the coarse fixes' circles
            # only while few enough to read.
            checked=key != "optimal"
            and (key != "coarse_accuracy" or len(children) <= COARSE_CIRCLES_SHOWN_UP_TO),
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

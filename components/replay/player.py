"""What the browser's player animates, the scrubber's marks, and every output of a replay load."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from components.i18n import t
from components.plans import replay_panel
from components.replay.common import DEFAULT_CENTER
from components.replay.map_layers import map_layers, map_viewport
from components.replay.panels import (
    anomaly_list,
    day_links,
    message,
    rep_options,
    summary_panel,
    title,
)
from components.replay.timeline import timeline_figure


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
    idle += [
        [o["start"], o["end"], "o", 0, t("replay.off_duty", lang)] for o in p.get("off_duty", [])
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
        "plan_actual": replay_panel(p.get("plan_actual"), lang) if ok else None,
    }

"""The wall screen: a full-screen grid of large panels (map, counters, KPIs, teams, alert ticker).

Render what the wall service returns (``dashboard.services.wall.snapshot``); every size is in
viewport units (see the wall block of assets/cockpit.css), so one layout fits 1080p and 4K.
"""

from __future__ import annotations

from html import escape
from typing import Any

import dash_leaflet as dl
from dash import dcc, html

from components.formatting import fmt_value
from components.i18n import t
from components.privacy import precision_badge

STATE_COLOURS = {
    "visiting": "#22c55e",
    "driving": "#38bdf8",
    "idle": "#facc15",
    "offline": "#f43f5e",
}
# Mainland China: where the national view starts before the reps' bounds are known.
CHINA_CENTER = [34.0, 108.0]


def _ids(prefix: str) -> dict[str, str]:
    names = (
        "root",
        "title",
        "view-key",
        "clock",
        "updated",
        "countdown",
        "stale",
        "counters",
        "map",
        "reps",
        "kpis",
        "teams",
        "ticker",
        "revoked",
        "dots",
    )
    return {name: f"{prefix}-{name}" for name in names}


IDS = _ids("wall")


def legend(lang: str) -> html.Div:
    """The colour key of the rep states."""
    return html.Div(
        [
            html.Span(
                [html.I(className="wall-dot", style={"background": colour}), t(f"wall.{s}", lang)],
                className="wall-legend-item",
            )
            for s, colour in STATE_COLOURS.items()
        ],
        className="wall-legend",
    )


def frame(*, lang: str, tile_url: str, views: list[str], privacy: bool) -> html.Div:
    """The skeleton of the wall: every panel empty until the first refresh fills it."""
    waiting = t("wall.waiting", lang)
    return html.Div(
        [
            html.Header(
                [
                    html.Div(
                        [
                            html.Span(t("wall.title", lang), className="wall-brand"),
                            html.Span(waiting, id=IDS["title"], className="wall-view-title"),
                            # The shown view's key (national, region:<id>): a code for the
                            # rotation, not read out to anyone (hidden, not visually-hidden).
                            html.Span(id=IDS["view-key"], hidden=True),
                            html.Span(
                                [html.I(className="wall-dot") for _ in views]
                                if len(views) > 1
                                else [],
                                id=IDS["dots"],
                                className="wall-dots",
                            ),
                            html.Span(t("wall.privacy", lang), className="wall-privacy")
                            if privacy
                            else None,
                        ],
                        className="wall-head-left",
                    ),
                    html.Div(
                        [
                            html.Span(id=IDS["updated"], className="wall-updated"),
                            html.Span(id=IDS["countdown"], className="wall-countdown"),
                        ],
                        className="wall-head-right",
                    ),
                ],
                className="wall-header",
            ),
            html.Div(id=IDS["stale"], className="wall-stale", hidden=True),
            html.Section(id=IDS["counters"], className="wall-counters"),
            html.Section(
                [
                    dl.Map(
                        [
                            dl.TileLayer(url=tile_url, maxZoom=18),
                            dl.GeoJSON(
                                id=IDS["reps"],
                                data={"type": "FeatureCollection", "features": []},
                                cluster=True,
                                zoomToBounds=True,
                                zoomToBoundsOnClick=True,
                                superClusterOptions={"radius": 70, "maxZoom": 14},
                                pointToLayer={"variable": "cockpitWall.pointToLayer"},
                                clusterToLayer={"variable": "cockpitWall.clusterToLayer"},
                                hideout={"colours": STATE_COLOURS},
                            ),
                        ],
                        id=IDS["map"],
                        center=CHINA_CENTER,
                        zoom=4,
                        zoomControl=False,
                        attributionControl=False,
                        className="wall-leaflet",
                    ),
                    legend(lang),
                ],
                className="wall-map wall-panel",
            ),
            html.Section(id=IDS["kpis"], className="wall-kpis"),
            html.Section(id=IDS["teams"], className="wall-teams wall-panel"),
            html.Section(id=IDS["ticker"], className="wall-ticker"),
            html.Div(id=IDS["revoked"], className="wall-revoked", hidden=True),
        ],
        id=IDS["root"],
        className="wall-root",
    )


def _reason_text(reason: str | None, lang: str) -> str:
    return t(f"wall.reason.{reason or 'unknown'}", lang)


def rep_features(reps: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """Reps with a position as GeoJSON points; the tooltip is escaped (it is shown as HTML)."""
    features = []
    for rep in reps:
        if rep["lat"] is None:
            continue
        state = t(f"wall.{rep['state']}", lang)
        detail = rep["place"] if rep["state"] == "visiting" else None
        if rep["state"] == "offline":
            detail = _reason_text(rep["reason"], lang)
        parts = [rep["label"]] if rep["label"] == rep["team"] else [rep["label"], rep["team"]]
        tooltip = " · ".join(escape(p) for p in [*parts, state, detail or ""] if p)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [rep["lon"], rep["lat"]]},
                "properties": {"s": rep["state"], "tooltip": tooltip},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def counters(data: dict[str, Any], lang: str) -> list:
    """The four live counters; offline carries its reasons."""
    c = data["counters"]
    reasons = sorted(c["reasons"].items(), key=lambda kv: (-kv[1], kv[0]))
    offline_note = " · ".join(f"{_reason_text(r, lang)} {n}" for r, n in reasons[:3])
    tiles = [
        ("online", c["online"], t("wall.of_reps", lang).format(n=c["reps"])),
        ("visiting", c["visiting"], None),
        ("driving", c["driving"], None),
        ("offline", c["offline"], offline_note or None),
    ]
    return [
        html.Div(
            [
                html.Div(t(f"wall.{key}", lang), className="wall-label"),
                html.Div(f"{value:,}", className="wall-big", id=f"wall-count-{key}"),
                html.Div(note or "\u00a0", className="wall-note"),
            ],
            className=f"wall-counter wall-panel wall-state-{key}",
        )
        for key, value, note in tiles
    ]


def _kpi(label: str, value: str, note: str, kid: str) -> html.Div:
    return html.Div(
        [
            html.Div(label, className="wall-label"),
            html.Div(value, className="wall-big", id=kid),
            html.Div(note, className="wall-note"),
        ],
        className="wall-kpi wall-panel",
    )


def kpis(data: dict[str, Any], lang: str) -> list:
    """Visits today vs plan, effective rate, A-grade coverage, expenses at risk."""
    today, cov, exp = data["today"], data["coverage"], data["expenses"]
    return [
        _kpi(
            t("wall.visits_today", lang),
            f"{today['visits']:,}",
            t("wall.plan_done", lang).format(done=today["planned_done"], planned=today["planned"]),
            "wall-kpi-visits",
        ),
        _kpi(
            t("wall.effective_rate", lang),
            fmt_value(today["effective_rate"], "pct", lang),
            t("wall.effective_of", lang).format(n=today["effective"]),
            "wall-kpi-effective",
        ),
        _kpi(
            t("wall.coverage", lang),
            fmt_value(cov["covered_rate"], "pct", lang),
            t("wall.coverage_of", lang).format(**cov),
            "wall-kpi-coverage",
        ),
        _kpi(
            t("wall.expense", lang),
            _money(exp["claimed"], lang),
            t("wall.at_risk", lang).format(
                amount=_money(exp["at_risk"], lang),
                rate=fmt_value(exp["at_risk_rate"], "pct", lang),
            ),
            "wall-kpi-expense",
        ),
    ]


def _money(value: float, lang: str) -> str:
    if value >= 10_000:
        return f"¥{value / 10_000:,.1f}万" if lang == "zh" else f"¥{value / 1000:,.1f}k"
    return f"¥{value:,.0f}"


def teams(data: dict[str, Any], lang: str) -> list:
    """Top and bottom teams of the month by verified visits per rep-day."""

    def block(key: str, rows: list[dict[str, Any]], css: str) -> html.Div:
        items = [
            html.Li(
                [
                    html.Span(row["team"], className="wall-team-name"),
                    html.Span(fmt_value(row["value"], "dec", lang), className="wall-team-value"),
                ]
            )
            for row in rows
        ] or [html.Li(t("common.none", lang))]
        return html.Div(
            [html.Div(t(key, lang), className="wall-label"), html.Ol(items, className=css)],
            className="wall-team-block",
        )

    return [
        block("wall.teams_top", data["top_teams"], "wall-team-list wall-top"),
        block("wall.teams_bottom", data["bottom_teams"], "wall-team-list wall-bottom"),
        html.Div(t("wall.teams_unit", lang), className="wall-note"),
    ]


def _age(minutes: int | None, lang: str) -> str:
    if minutes is None:
        return ""
    if minutes >= 120:
        return t("wall.age_h", lang).format(n=minutes // 60)
    return t("wall.age_min", lang).format(n=minutes)


def ticker(data: dict[str, Any], lang: str) -> list:
    """Open critical alerts as one scrolling line: rule, who, place, age."""
    label = html.Span(t("wall.alerts", lang), className="wall-ticker-label")
    if not data["alerts"]:
        return [label, html.Span(t("wall.no_alerts", lang), className="wall-ticker-empty")]
    items = [
        html.Span(
            [
                html.B(alert["rule"]),
                f" {alert['who']}",
                f" · {alert['place']}" if alert["place"] else "",
                html.Span(f" {_age(alert['age_min'], lang)}", className="wall-ticker-age"),
            ],
            className="wall-ticker-item",
        )
        for alert in data["alerts"]
    ]
    # The track is doubled so the CSS marquee loops without a gap.
    return [
        label,
        html.Div(
            html.Div([*items, *items], className="wall-ticker-track"),
            className="wall-ticker-window",
        ),
    ]


def title(data: dict[str, Any], lang: str) -> str | list[Any]:
    """The view's name and local time (and the precision badge when positions were reduced)."""
    name = t("wall.national", lang) if data["view"] == "national" else data["title"]
    text = f"{name} · {data['today_date']} {data['local_time']}"
    badge = precision_badge(data.get("precision"), lang)
    return text if badge is None else [text, badge]


def revoked(lang: str, message: str | None = None) -> list:
    """The screen of a revoked or expired wall link (or of a view it may not show)."""
    return [
        html.Div(message or t("wall.revoked", lang), className="wall-revoked-title"),
        html.Div(t("wall.revoked_hint", lang), className="wall-note"),
    ]


def problem(lang: str, message: str) -> html.Div:
    """A full-screen message for options the wall cannot use."""
    return html.Div(
        html.Div(t("wall.bad_option", lang).format(msg=message), className="wall-revoked-title"),
        className="wall-root wall-problem",
        id="wall-problem",
    )


def interval(component_id: str, seconds: float, disabled: bool = False) -> dcc.Interval:
    return dcc.Interval(id=component_id, interval=int(seconds * 1000), disabled=disabled)

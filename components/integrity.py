"""A visit's integrity score (0-100) and the rules behind it, as the pages show them: a level
(trusted from 80, in doubt from 50, suspect below), its colour, and the rules in plain words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.grids import column
from components.i18n import t

TRUSTED_FROM, DOUBT_FROM = 80, 50
# Per level: the grid's CSS class suffix, the badge colour, the chart colour.
LEVEL_COLOURS = {"ok": "#198754", "doubt": "#e69b00", "bad": "#dc3545"}
LEVEL_BADGES = {"ok": "success", "doubt": "warning", "bad": "danger"}


def integrity_level(score: int | float | None) -> str | None:
    """``ok`` (>= 80), ``doubt`` (50-79), ``bad`` (< 50), None without a score."""
    if score is None or score != score:
        return None
    if score >= TRUSTED_FROM:
        return "ok"
    return "doubt" if score >= DOUBT_FROM else "bad"


def rule_names(rules: Sequence[str] | None, lang: str) -> str:
    """Rule codes in the viewer's language, comma-separated ('—' when none fired)."""
    if not isinstance(rules, list | tuple) or not rules:
        return "—"
    return ", ".join(t(f"rule.{code}.name", lang) for code in rules)


def integrity_text(score: int, rules: Sequence[str] | None, lang: str) -> str:
    """'Integrity 50 (Outside the geofence, Short visit)' or 'Integrity 100'."""
    head = f"{t('integrity.label', lang)} {score}"
    return f"{head} ({rule_names(rules, lang)})" if rules else head


def integrity_column(header: str, field: str = "integrity") -> dict[str, Any]:
    """An ag-grid column of scores, coloured by level (classes in assets/cockpit.css)."""
    return column(
        field,
        header,
        "int",
        maxWidth=110,
        cellClassRules={
            "integrity-ok": f"params.value != null && params.value >= {TRUSTED_FROM}",
            "integrity-doubt": (
                f"params.value != null && params.value >= {DOUBT_FROM}"
                f" && params.value < {TRUSTED_FROM}"
            ),
            "integrity-bad": f"params.value != null && params.value < {DOUBT_FROM}",
        },
    )


def integrity_badge(
    score: int, rules: Sequence[str] | None, lang: str, *, badge_id: str
) -> html.Div:
    """The score as a coloured badge, then the rules fired on the visit with their codes."""
    level = integrity_level(score) or "ok"
    listed = [
        html.Li([t(f"rule.{code}.name", lang), " ", html.Code(code, className="small")])
        for code in rules or []
    ]
    return html.Div(
        [
            html.Span(t("integrity.visit", lang) + ": ", className="me-1"),
            dbc.Badge(
                f"{score} / 100",
                color=LEVEL_BADGES[level],
                className="me-2",
                id=f"{badge_id}-score",
            ),
            html.Span(t("integrity.rules", lang) + ":", className="small me-1"),
            html.Ul(listed, className="small mb-0 d-inline-flex gap-3 ps-3", id=f"{badge_id}-rules")
            if listed
            else html.Span(t("integrity.none", lang), className="small", id=f"{badge_id}-rules"),
        ],
        className="mb-2",
        id=badge_id,
    )

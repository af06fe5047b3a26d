"""Plotly figures themed without plotly's per-call template validation.

``fig.update_layout(template="plotly_white")`` copies and validates the whole template on every
call (about 20 ms a figure, several per callback). The template of each theme is resolved to
plain JSON once per process and set on the figure's JSON instead; Dash sends either form.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

_TEMPLATES: dict[str, dict[str, Any]] = {}


def template_name(theme: str) -> str:
    return "plotly_dark" if theme == "dark" else "plotly_white"


def template_json(theme: str) -> dict[str, Any]:
    """The plotly template of a theme as plain JSON, built once."""
    name = template_name(theme)
    if name not in _TEMPLATES:
        _TEMPLATES[name] = pio.templates[name].to_plotly_json()
    return _TEMPLATES[name]


def themed(fig: go.Figure, theme: str) -> dict[str, Any]:
    """The figure as plotly JSON with the theme's template (a figure Dash can send)."""
    out = fig.to_plotly_json()
    out.setdefault("layout", {})["template"] = template_json(theme)
    return out

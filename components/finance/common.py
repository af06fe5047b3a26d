"""What the finance pieces share: codes and their labels, money and kilometres, small tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.formatting import fmt_value, is_missing
from components.grids import label_formatter
from components.i18n import t

CATEGORIES = ("mileage", "transport", "hotel", "meal", "entertainment", "other")
STATUSES = ("pending", "approved", "rejected", "queried")
STATUS_COLOURS = {
    "pending": "secondary",
    "approved": "success",
    "rejected": "danger",
    "queried": "warning",
    "open": "secondary",
}


def money(value: Any, lang: str) -> str:
    """An amount of yuan in the viewer's language ('—' when missing)."""
    return fmt_value(value, "money", lang)


def km(value: Any) -> str:
    """A distance in kilometres to 0.1 km ('—' when missing)."""
    return "—" if is_missing(value) else f"{value:,.1f} km"


def code_labels(prefix: str, values, lang: str) -> dict[str, Any]:
    """A browser-side formatter showing a code's label (the cell keeps the code for filters)."""
    return label_formatter({v: t(f"{prefix}.{v}", lang) for v in values})


def none_note(lang: str) -> html.Div:
    """The quiet note of an empty section."""
    return html.Div(t("fin.ev.none", lang), className="text-body-secondary small")


def small_table(header: Sequence[str], rows: Sequence[Sequence[Any]], **kw: Any) -> dbc.Table:
    """A small striped table of a header and rows."""
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in header])),
            html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
        ],
        size="sm",
        striped=True,
        className="mb-1 fin-ev-table",
        **kw,
    )

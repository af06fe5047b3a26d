"""The page's own filters (category, status, flag): drop-downs, read from and written to the URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc

from components.finance import ids
from components.i18n import t
from dashboard import finance as core

PAGE_KEYS = {"category": ids.CATEGORY, "status": ids.STATUS, "flag": ids.FLAG}


def _options(lang: str) -> dict[str, list[dict[str, str]]]:
    return {
        "category": [{"label": t(f"fin.cat.{c}", lang), "value": c} for c in core.CATEGORIES],
        "status": [{"label": t(f"fin.status.{s}", lang), "value": s} for s in core.STATUSES],
        "flag": [
            {"label": t("fin.flag.flagged", lang), "value": "flagged"},
            {"label": t("fin.flag.clean", lang), "value": "clean"},
        ]
        + [{"label": rule, "value": rule} for rule in core.EXPENSE_RULES],
    }


def _page_filter(query: Mapping[str, Any] | None, key: str, allowed) -> str | None:
    value = (query or {}).get(key)
    return value if value in allowed else None


def page_filters(query: Mapping[str, Any] | None) -> dict[str, str | None]:
    """The page's filters in the URL query, each None when absent or not a known value."""
    opts = _options("en")
    allowed = {k: [o["value"] for o in v] for k, v in opts.items()}
    return {key: _page_filter(query, key, allowed[key]) for key in PAGE_KEYS}


def filters_search(query: Mapping[str, Any] | None, **wanted: str | None) -> str | None:
    """The URL search with the page's filters set to ``wanted`` (None when nothing changes)."""
    query = dict(query or {})
    if all(query.get(k) == v for k, v in wanted.items()):
        return None
    query.update(wanted)
    return "?" + urlencode({k: v for k, v in query.items() if v})


def controls(query: Mapping[str, Any], lang: str) -> dbc.Row:
    """The category, status and flag drop-downs, set from the URL query."""
    opts = _options(lang)
    allowed = {k: [o["value"] for o in v] for k, v in opts.items()}
    return dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=component_id,
                    value=_page_filter(query, key, allowed[key]),
                    options=opts[key],
                    placeholder=t(f"fin.filter.{key}", lang),
                    clearable=True,
                ),
                xs=12,
                md=4,
                xl=2,
            )
            for key, component_id in PAGE_KEYS.items()
        ],
        className="g-2 mb-3 finance-noprint",
    )

"""The customer list's filters (grade, status, owner, city, text, white space): read from the
URL query, drawn as pickers, and written back to the URL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc

from components.customers import ids
from components.i18n import t
from dashboard.frequency import GRADES, STATUSES

# URL keys of the page's filters (grade and status take comma-separated lists).
URL_KEYS = ("grade", "status", "owner", "city", "q", "white")
MAX_TEXT = 100


def _listed(value: Any, allowed: Sequence[str]) -> list[str]:
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    return [item for item in allowed if item in {str(i).strip() for i in items}]


def _text(value: Any) -> str | None:
    text = str(value).strip()[:MAX_TEXT] if isinstance(value, str | int | float) else ""
    return text or None


def page_filters(query: Mapping[str, Any] | None) -> dict[str, Any]:
    """The page's filters in the URL query as the customer services take them: grade and status
    (lists of known codes, None when empty), owner_rep_id, city, text (None when absent) and
    white_space (``white=1``); anything unknown is dropped."""
    query = query or {}
    return {
        "grade": _listed(query.get("grade"), GRADES) or None,
        "status": _listed(query.get("status"), STATUSES) or None,
        "owner_rep_id": _text(query.get("owner")),
        "city": _text(query.get("city")),
        "text": _text(query.get("q")),
        "white_space": str(query.get("white") or "") in ("1", "true", "on"),
    }


def filters_search(query: Mapping[str, Any] | None, **picked: Any) -> str | None:
    """The URL search with the page's filters set to ``picked`` (grade, status, owner, city, q,
    white: the pickers' values), other keys kept; None when nothing changes."""
    query = {k: v for k, v in (query or {}).items() if v not in (None, "")}
    wanted: dict[str, str] = {}
    for key, value in picked.items():
        if key in ("grade", "status"):
            wanted[key] = ",".join(_listed(value, GRADES if key == "grade" else STATUSES))
        elif key == "white":
            wanted[key] = "1" if value else ""
        else:
            wanted[key] = _text(value) or ""
    current = {key: str(query.get(key) or "") for key in wanted}
    if current == wanted:
        return None
    query.update(wanted)
    return "?" + urlencode({k: v for k, v in query.items() if v})


def controls(query: Mapping[str, Any] | None, lang: str) -> dbc.Row:
    """The pickers, set from the URL query (the owner and city options come from a callback)."""
    chosen = page_filters(query)

    def col(child, **size) -> dbc.Col:
        return dbc.Col(child, xs=12, **size)

    return dbc.Row(
        [
            col(
                dcc.Dropdown(
                    id=ids.GRADE,
                    multi=True,
                    value=chosen["grade"] or [],
                    options=[{"label": t(f"cust.grade.{g}", lang), "value": g} for g in GRADES],
                    placeholder=t("cust.filter.grade", lang),
                ),
                md=4,
                xl=2,
            ),
            col(
                dcc.Dropdown(
                    id=ids.STATUS,
                    multi=True,
                    value=chosen["status"] or [],
                    options=[{"label": t(f"cust.status.{s}", lang), "value": s} for s in STATUSES],
                    placeholder=t("cust.filter.status", lang),
                ),
                md=4,
                xl=2,
            ),
            col(
                dcc.Dropdown(
                    id=ids.OWNER,
                    value=chosen["owner_rep_id"],
                    # The chosen owner stays shown until the callback fills the options.
                    options=[chosen["owner_rep_id"]] if chosen["owner_rep_id"] else [],
                    placeholder=t("cust.filter.owner", lang),
                    clearable=True,
                ),
                md=4,
                xl=2,
            ),
            col(
                dcc.Dropdown(
                    id=ids.CITY,
                    value=chosen["city"],
                    options=[chosen["city"]] if chosen["city"] else [],
                    placeholder=t("cust.filter.city", lang),
                    clearable=True,
                ),
                md=4,
                xl=2,
            ),
            col(
                dbc.Input(
                    id=ids.TEXT,
                    type="search",
                    value=chosen["text"] or "",
                    debounce=True,
                    maxLength=MAX_TEXT,
                    placeholder=t("cust.filter.text", lang),
                ),
                md=4,
                xl=2,
            ),
            col(
                dbc.Switch(
                    id=ids.WHITE,
                    value=chosen["white_space"],
                    label=t("cust.filter.white", lang),
                    className="mt-1 customers-white-switch",
                ),
                md=4,
                xl=2,
            ),
        ],
        className="g-2 mb-3 align-items-center",
    )


def owner_options(reps: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, str]]:
    """Owner picker options: "rep · team" (inactive reps marked)."""
    out = []
    for rep in reps:
        label = f"{rep['name']} · {rep['team_name']}"
        if not rep["active"]:
            label += f" ({t('cust.inactive', lang)})"
        out.append({"label": label, "value": rep["id"]})
    return out

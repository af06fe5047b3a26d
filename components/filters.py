"""The global filter bar: period, dates, region, team, rep. Its state lives in the URL query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import t
from components.locale import date_picker_formats
from dashboard.filters import query_text

FILTER_PERIOD = "filter-period"
FILTER_DATES = "filter-dates"
FILTER_REGION = "filter-region"
FILTER_TEAM = "filter-team"
FILTER_REP = "filter-rep"
# Below Bootstrap's lg breakpoint the bar folds into one summary line that opens the panel.
FILTER_SUMMARY = "filter-summary"
FILTER_SUMMARY_TEXT = "filter-summary-text"
FILTER_PANEL = "filter-panel"
FILTER_WORDS = "filter-words"
# The URL query the bar was rendered from: what a change is measured against (not the address
# bar, which may have moved on, by Back, before a stale page's components finished mounting).
FILTER_QUERY = "filter-query"

PERIOD_KEYS = ("today", "yesterday", "7d", "30d", "mtd", "custom")
# The URL query keys the filter bar owns (pages may add their own, e.g. the drill-down day).
FILTER_KEYS = ("period", "from", "to", "region", "team", "rep")


def _seed_options(value: Any) -> list[dict[str, str]]:
    """Options holding just the URL's value, so the dropdown keeps it until the real options
    (with names) arrive; a value outside the viewer's scope then drops out."""
    return [{"label": str(value), "value": value}] if value else []


def period_options(lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"period.{key}", lang), "value": key} for key in PERIOD_KEYS]


def summary_words(lang: str) -> dict[str, str]:
    """The words of the folded filter line that do not come from the drop-downs' options."""
    return {key: t(f"filter.{key}", lang) for key in ("region", "team")}


def _summary_text(period: str, start: Any, end: Any, lang: str) -> str:
    """The folded line as the server can write it (names arrive with the options)."""
    when = f"{start} – {end}" if period == "custom" and start else t(f"period.{period}", lang)
    return " · ".join((when, *summary_words(lang).values()))


def filter_bar(
    query: Mapping[str, Any],
    *,
    lang: str,
    dates: tuple[str, str] | None = None,
    show_people: bool = True,
    extra: Sequence[Any] = (),
) -> html.Div:
    """Render the filter bar with the values of the URL query (options are filled by callback).

    ``dates`` are the resolved (start, end) of the period, shown in the date picker; ``extra``
    are the page's own pickers, folded with the bar on narrow screens.
    """
    period = query.get("period") or ("custom" if query.get("from") else "7d")
    start, end = dates if dates else (query.get("from"), query.get("to"))
    col = {"xs": 12, "md": 6, "xl": 2}
    people = [
        dbc.Col(
            dcc.Dropdown(
                id=component_id,
                value=query.get(key),
                options=_seed_options(query.get(key)),
                placeholder=t(f"filter.{key}", lang),
                clearable=True,
            ),
            **col,
        )
        for key, component_id in (
            ("region", FILTER_REGION),
            ("team", FILTER_TEAM),
            ("rep", FILTER_REP),
        )
    ]
    bar = dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=FILTER_PERIOD, value=period, options=period_options(lang), clearable=False
                ),
                **col,
            ),
            dbc.Col(
                dcc.DatePickerRange(
                    id=FILTER_DATES,
                    start_date=start,
                    end_date=end,
                    **date_picker_formats(lang),
                    start_date_placeholder_text=t("filter.from", lang),
                    end_date_placeholder_text=t("filter.to", lang),
                    first_day_of_week=1,
                    disabled=period != "custom",
                    className="w-100",
                ),
                xs=12,
                md=6,
                xl=3,
            ),
            *(people if show_people else []),
        ],
        className="g-2 mb-3 filter-bar align-items-center",
        id="filter-bar",
    )
    summary = html.Button(
        [
            html.Span(
                _summary_text(period, start, end, lang),
                id=FILTER_SUMMARY_TEXT,
                className="filter-summary-text",
            ),
            html.Span("▾", className="filter-summary-caret", **{"aria-hidden": "true"}),
        ],
        id=FILTER_SUMMARY,
        type="button",
        title=t("filter.show", lang),
        className="filter-summary btn btn-outline-secondary d-lg-none mb-3",
        **{"aria-controls": FILTER_PANEL, "aria-expanded": "false"},
    )
    return html.Div(
        [
            summary,
            html.Div([bar, *extra], id=FILTER_PANEL, className="filter-panel"),
            dcc.Store(id=FILTER_WORDS, data=summary_words(lang)),
            dcc.Store(id=FILTER_QUERY, data=query_text(query)),
        ],
        className="filter-block",
    )

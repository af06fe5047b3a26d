"""The anti-cheat centre's skeleton: pickers, counts, queue, triage dock, history, evidence pane."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.alerts import ids
from components.alerts.evidence_panel import evidence_placeholder
from components.alerts.queue import queue_grid
from components.alerts.triage import history_placeholder, triage_card
from components.filters import filter_bar
from components.i18n import t
from components.shell import evidence_back_button, page_header
from dashboard.filters import query_text

# Each picker's option labels and its column widths (md, xl).
PICKER_LABELS = {"rule": "rule.{}.name", "severity": "severity.{}", "status": "alerts.status.{}"}
PICKER_WIDTHS = {"rule": (6, 4), "severity": (6, 3), "status": (6, 3)}


def pickers(
    choices: Mapping[str, Sequence[str]], chosen: Mapping[str, Sequence[str]], lang: str
) -> dbc.Row:
    """The rule, severity and status multi-pickers: ``choices`` of each, the ``chosen`` ones."""
    cols = []
    for key, component_id in ids.PICKERS.items():
        labels = [t(PICKER_LABELS[key].format(v), lang) for v in choices[key]]
        md, xl = PICKER_WIDTHS[key]
        picker = dcc.Dropdown(
            id=component_id,
            options=[
                {"label": label, "value": v} for v, label in zip(choices[key], labels, strict=True)
            ],
            value=list(chosen[key]),
            multi=True,
            placeholder=t(f"alerts.filter.{key}", lang),
        )
        cols.append(dbc.Col(picker, md=md, xl=xl))
    return dbc.Row(cols, className="g-2 mb-3")


def pickers_search(
    query: Mapping[str, Any] | None, picked: Mapping[str, Sequence[str] | None]
) -> str | None:
    """The URL search of the page's rendered ``query`` with the pickers' values (``picked`` by
    query key) in place of the old ones, other keys kept; None when that changes nothing.

    Measured against the rendered query, not the address bar: a page still mounting when Back
    was pressed must not push its own query forward again."""
    current = query_text(query)
    merged = {k: v for k, v in current.items() if k not in ids.PICKERS}
    for key in ids.PICKERS:
        if picked.get(key):
            merged[key] = ",".join(picked[key])
    return None if merged == current else "?" + urlencode(merged)


def _card(title: str, body: Any, **body_kw: Any) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body, **body_kw)], className="mb-3")


def alerts_page(
    query: Mapping[str, Any],
    *,
    lang: str,
    theme: str,
    dates: tuple[str, str] | None,
    may_triage: bool,
    choices: Mapping[str, Sequence[str]],
    chosen: Mapping[str, Sequence[str]],
    max_note_chars: int,
) -> html.Div:
    """The whole page, its data left to the callbacks (read-only roles get no triage card)."""
    evidence = _card(
        t("alerts.evidence", lang), html.Div(evidence_placeholder(lang), id=ids.EVIDENCE)
    )
    # Below lg a tapped row opens the evidence full screen, with the triage dock at the bottom.
    evidence = html.Div(
        [evidence_back_button(ids.EVIDENCE_CLOSE, lang), evidence],
        id=ids.EVIDENCE_PANE,
        className="evidence-pane",
    )
    triage = (
        triage_card(lang, max_note_chars=max_note_chars)
        if may_triage
        else html.Div(
            t("alerts.triage.read_only", lang),
            className="text-body-secondary small mb-3",
            id="alerts-read-only",
        )
    )
    work = [
        _card(t("alerts.queue", lang), queue_grid(lang=lang, theme=theme)),
        html.Div(
            [triage, html.Div(id=ids.FEEDBACK, className="mb-3")],
            className="alerts-triage-dock",
        ),
        _card(
            t("alerts.history", lang),
            html.Div(history_placeholder(lang), id=ids.HISTORY),
            className="p-2",
        ),
    ]
    return html.Div(
        [
            page_header(t("alerts.title", lang), t("alerts.subtitle", lang)),
            filter_bar(query, lang=lang, dates=dates, extra=[pickers(choices, chosen, lang)]),
            dcc.Store(id=ids.QUERY, data=query),
            dcc.Store(id=ids.REFRESH, data=0),
            dbc.Card(dbc.CardBody(html.Div(id=ids.COUNTS)), className="mb-3"),
            html.Div(id=ids.REP, className="mb-3"),
            dbc.Row([dbc.Col(work, xl=7), dbc.Col(evidence, xl=5)]),
        ],
        className="alerts-page",
    )

"""Data page: what is stored, by record type, and the open quarantine."""

import dash
from dash import Input, Output, callback, html

from components.counts import render_counts, render_failures
from components.shell import forbidden
from dashboard.services import failures, ingest
from dashboard.web.context import current_engine
from dashboard.web.pages_support import guard, guard_layout

ROLES = ("exec", "admin")

dash.register_page(
    __name__,
    path="/data",
    name="data",
    title="数据 · Data",
    title_zh="数据",
    title_en="Data",
    roles=ROLES,
    order=90,
)

DATA_COUNTS = "data-counts"
DATA_REFRESH = "data-refresh"


@guard_layout(forbidden)
def layout(_me, /, **_query):
    return html.Div(
        [
            html.Div(id=DATA_COUNTS, children=html.Div(className="placeholder-glow")),
            html.Button(id=DATA_REFRESH, hidden=True),
        ]
    )


@callback(Output(DATA_COUNTS, "children"), Input(DATA_REFRESH, "n_clicks"))
@guard()
def render_data_counts(me, _clicks):
    counts = ingest.count_stored(current_engine())
    set_aside = failures.list_failures(current_engine())
    return html.Div([render_counts(counts, lang=me.lang), render_failures(set_aside, lang=me.lang)])

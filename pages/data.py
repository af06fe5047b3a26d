"""Landing page: what is stored, by record type."""

import dash
from dash import Input, Output, callback, html

from components.counts import render_counts
from dashboard.services import ingest
from dashboard.web.context import current_engine, signed_in_user

dash.register_page(
    __name__,
    path="/",
    name="home",
    title="外勤拜访驾驶舱 · Field Visit Cockpit",
    title_zh="概况",
    title_en="Overview",
    roles=("exec", "manager", "finance", "admin"),
    order=0,
)

HOME_COUNTS = "home-counts"
HOME_REFRESH = "home-refresh"


def layout(**_query):
    return html.Div(
        [
            html.Div(id=HOME_COUNTS, children=html.Div(className="placeholder-glow")),
            html.Button(id=HOME_REFRESH, hidden=True),
        ]
    )


@callback(Output(HOME_COUNTS, "children"), Input(HOME_REFRESH, "n_clicks"))
def render_home_counts(_clicks):
    user = signed_in_user()
    counts = ingest.count_stored(current_engine())
    return render_counts(counts, lang=user.locale if user else "zh")

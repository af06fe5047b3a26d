"""Overview (landing page): KPI tiles with change, trend, top/bottom teams, alerts, expenses."""

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from components.filters import filter_bar
from components.i18n import t
from components.kpi import (
    empty_figure,
    expense_summary,
    has_visits,
    kpi_tiles,
    no_visits_figure,
    online_block,
    ranking_list,
    severity_badges,
    trend_figure,
)
from components.locale import graph_config
from components.rhythm import DIGEST, digest_block
from components.shell import forbidden, page_header
from dashboard.filters import ending_on, to_search
from dashboard.services import kpis, rhythm
from dashboard.web.context import company_today, current_engine
from dashboard.web.pages_support import (
    ALL_ROLES,
    filters_from_query,
    guard,
    guard_layout,
    period_dates,
)

ROLES = ALL_ROLES

dash.register_page(
    __name__,
    path="/",
    name="overview",
    title="外勤拜访驾驶舱 · Field Visit Cockpit",
    title_zh="概览",
    title_en="Overview",
    roles=ROLES,
    order=0,
)

OVERVIEW_QUERY = "overview-query"
OVERVIEW_TILES = "overview-tiles"
OVERVIEW_TREND = "overview-trend"
OVERVIEW_TOP = "overview-top"
OVERVIEW_BOTTOM = "overview-bottom"
OVERVIEW_ALERTS = "overview-alerts"
OVERVIEW_EXPENSE = "overview-expense"
OVERVIEW_ONLINE = "overview-online"


def _card(title: str, body_id: str, body=None, *, fill: bool = True) -> dbc.Card:
    """A titled card; ``fill`` stretches it to its column's height (side by side cards), which
    cards stacked in one column must not do: each would take the whole column and overlap what
    follows."""
    return dbc.Card(
        [dbc.CardHeader(title), dbc.CardBody(body if body is not None else html.Div(id=body_id))],
        className="h-100" if fill else None,
    )


@guard_layout(forbidden)
def layout(me, /, **query):
    lang, theme = me.lang, me.theme
    return html.Div(
        [
            page_header(t("overview.title", lang)),
            filter_bar(query, lang=lang, dates=period_dates(query)),
            dcc.Store(id=OVERVIEW_QUERY, data=query),
            dcc.Loading(html.Div(id=OVERVIEW_TILES), type="dot"),
            dbc.Row(
                [
                    dbc.Col(
                        _card(
                            t("overview.trend", lang),
                            OVERVIEW_TREND,
                            dcc.Graph(
                                id=OVERVIEW_TREND,
                                figure=empty_figure(lang, theme),
                                config=graph_config(lang),
                            ),
                        ),
                        xl=8,
                        className="mb-3",
                    ),
                    dbc.Col(
                        [
                            _card(t("kpi.online_rate", lang), OVERVIEW_ONLINE, fill=False),
                            _card(t("overview.alerts", lang), OVERVIEW_ALERTS, fill=False),
                            _card(t("overview.expense", lang), OVERVIEW_EXPENSE, fill=False),
                        ],
                        xl=4,
                        className="mb-3 d-flex flex-column gap-3",
                    ),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(_card(t("overview.top", lang), OVERVIEW_TOP), md=6, className="mb-3"),
                    dbc.Col(
                        _card(t("overview.bottom", lang), OVERVIEW_BOTTOM), md=6, className="mb-3"
                    ),
                ]
            ),
            dbc.Row(dbc.Col(_card(t("digest.title", lang), DIGEST), className="mb-3")),
        ]
    )


@callback(
    Output(OVERVIEW_TILES, "children"),
    Output(OVERVIEW_TREND, "figure"),
    Output(OVERVIEW_ONLINE, "children"),
    Output(OVERVIEW_ALERTS, "children"),
    Output(OVERVIEW_EXPENSE, "children"),
    Output(OVERVIEW_TOP, "children"),
    Output(OVERVIEW_BOTTOM, "children"),
    Input(OVERVIEW_QUERY, "data"),
)
@guard()
def render_overview(me, query):
    lang, theme = me.lang, me.theme
    engine, filters = current_engine(), filters_from_query(query)
    data = kpis.overview(engine, me.user, filters, today=company_today())
    if has_visits(data["trend"]):
        trend = trend_figure(
            data["trend"], metric="effective_rate", x="local_date", lang=lang, theme=theme
        )
    else:  # say so, with the latest date that has data and a link to it
        latest = kpis.latest_activity(engine, me.user, filters, before=filters.end)
        href = "/" + to_search(ending_on(filters, latest)) if latest else None
        trend = no_visits_figure(latest, href, lang=lang, theme=theme)
    return (
        kpi_tiles(data["current"], data["changes"], lang=lang, id_prefix="overview-kpi"),
        trend,
        online_block(data["online"], lang=lang),
        severity_badges(data["alerts"], lang=lang),
        expense_summary(data["expenses"], lang=lang),
        ranking_list(data["top_teams"], lang=lang, id_prefix="overview-top"),
        ranking_list(data["bottom_teams"], lang=lang, id_prefix="overview-bottom"),
    )


@callback(Output(DIGEST, "children"), Input(OVERVIEW_QUERY, "data"))
@guard()
def render_digest(me, query):
    """The managers' daily digest: overdue A customers per team, compliance per grade (today,
    in the viewer's scope and the filter's region, team or rep)."""
    data = rhythm.digest(
        current_engine(), me.user, filters_from_query(query), today=company_today()
    )
    return digest_block(data, me.lang)

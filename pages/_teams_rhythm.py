"""Callbacks of the rhythm view on the team drill-down (registered by pages/teams.py): the due
list for today and the next 7 days, the overdue customers and the period's task completion of
the rep, team or whole scope the drill-down shows."""

from __future__ import annotations

from dash import Input, Output, callback

from components import rhythm as view
from components.teams import QUERY
from dashboard.services import rhythm
from dashboard.web.context import company_today, current_engine
from dashboard.web.pages_support import filters_from_query, guard


def register_callbacks(page: str) -> None:
    """Register the rhythm view's callback, opened to the roles of ``page`` (called by the page
    module, which Dash executes afresh for every app it builds)."""

    @callback(
        Output(view.RHYTHM_TITLE, "children"),
        Output(view.RHYTHM_SUMMARY, "children"),
        Output(view.RHYTHM_DUE, "rowData"),
        Output(view.RHYTHM_OVERDUE, "rowData"),
        Input(QUERY, "data"),
    )
    @guard(page=page)
    def render_rhythm(me, query):
        query = query or {}
        result = rhythm.rhythm_view(
            current_engine(), me.user, filters_from_query(query), today=company_today()
        )
        return (
            view.rhythm_title(query, me.lang),
            view.rhythm_summary(result, me.lang),
            view.due_rows(result["due"], me.lang),
            view.overdue_rows(result["overdue"], me.lang),
        )

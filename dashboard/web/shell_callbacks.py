"""Callbacks of the shell shared by every page: the filter bar and grid exports.

Registered per app (``app.callback``), because callbacks declared with ``dash.callback`` outside
``pages/`` attach only to the first app of a process.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from dash import MATCH, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from components import filters as fb
from components import shell
from components.grids import GRID, GRID_CSV, GRID_DOWNLOAD, GRID_XLSX, to_xlsx_bytes
from components.i18n import t
from dashboard.filters import parse_filters, query_text, to_search
from dashboard.services import kpis
from dashboard.web.context import company_today, current_engine, require_user

SHELL_URL = "shell-url"


def _options(rows) -> list[dict]:
    return [{"label": str(r["name"]), "value": r["id"]} for r in rows]


def register(app: Dash) -> None:
    """Attach the shell callbacks to an app."""
    _register_clientside(app)

    @app.callback(
        Output(fb.FILTER_REGION, "options"),
        Output(fb.FILTER_TEAM, "options"),
        Output(fb.FILTER_REP, "options"),
        Input(fb.FILTER_REGION, "value"),
        Input(fb.FILTER_TEAM, "value"),
    )
    def fill_filter_options(region, team):
        user = require_user()
        opts = kpis.filter_options(current_engine(), user)
        teams = [t for t in opts["teams"] if not region or t["region_id"] == region]
        team_ids = {t["id"] for t in teams}
        reps = [
            r
            for r in opts["reps"]
            if r["team_id"] in team_ids and (not team or r["team_id"] == team)
        ]
        return _options(opts["regions"]), _options(teams), _options(reps)

    @app.callback(
        Output(SHELL_URL, "search", allow_duplicate=True),
        Output(fb.FILTER_DATES, "disabled"),
        Input(fb.FILTER_PERIOD, "value"),
        Input(fb.FILTER_DATES, "start_date"),
        Input(fb.FILTER_DATES, "end_date"),
        Input(fb.FILTER_REGION, "value"),
        Input(fb.FILTER_TEAM, "value"),
        Input(fb.FILTER_REP, "value"),
        State(fb.FILTER_QUERY, "data"),
        prevent_initial_call=True,
    )
    def push_filters_to_url(period, start, end, region, team, rep, rendered):
        require_user()
        changed = ctx.triggered_id
        # A wider choice clears the narrower ones below it.
        if changed == fb.FILTER_REGION:
            team = rep = None
        elif changed == fb.FILTER_TEAM:
            rep = None
        if period == "custom" and not (start and end):
            return no_update, False
        query = {
            "period": period,
            "from": start,
            "to": end,
            "region": region,
            "team": team,
            "rep": rep,
        }
        today = company_today()
        filters = parse_filters(query, today=today)
        # Measured against the query this bar was rendered from, not the address bar: a page
        # still mounting when Back was pressed would otherwise push its own query forward again.
        current = query_text(rendered)
        if filters == parse_filters(current, today=today):
            # Components mounting or echoing the URL back: nothing the user changed.
            return no_update, period != "custom"
        # Keep what the filter bar does not own (drill-down day, chart metric), except a day
        # that no longer belongs to the chosen rep.
        kept = {k: v for k, v in current.items() if k not in fb.FILTER_KEYS}
        if filters.rep != current.get("rep"):
            kept.pop("day", None)
        merged = {**dict(parse_qsl(to_search(filters).lstrip("?"))), **kept}
        return "?" + urlencode(merged), period != "custom"

    @app.callback(
        Output({"type": GRID, "name": MATCH}, "exportDataAsCsv"),
        Input({"type": GRID_CSV, "name": MATCH}, "n_clicks"),
        prevent_initial_call=True,
    )
    def export_grid_csv(clicks):
        require_user()
        if not clicks:
            raise PreventUpdate
        return True

    @app.callback(
        Output({"type": GRID_DOWNLOAD, "name": MATCH}, "data"),
        Input({"type": GRID_XLSX, "name": MATCH}, "n_clicks"),
        State({"type": GRID, "name": MATCH}, "virtualRowData"),
        State({"type": GRID, "name": MATCH}, "columnDefs"),
        State({"type": "grid-file-name", "name": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def export_grid_xlsx(clicks, rows, columns, file_name):
        me = require_user()
        if not clicks:
            raise PreventUpdate
        payload = to_xlsx_bytes(
            rows or [], columns or [], t("export.sheet", "en" if me.locale == "en" else "zh")
        )
        return dcc.send_bytes(payload, f"{file_name or 'export'}.xlsx")


def _register_clientside(app: Dash) -> None:
    """The narrow-screen behaviours of the shell, run in the browser (``assets/shell.js``)."""
    app.clientside_callback(
        ClientsideFunction(namespace="shell", function_name="toggleMenu"),
        Output(shell.SHELL_MENU, "is_open"),
        Input(shell.SHELL_MENU_TOGGLE, "n_clicks"),
        Input(SHELL_URL, "pathname"),
        State(shell.SHELL_MENU, "is_open"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="shell", function_name="pageName"),
        Output(shell.SHELL_CURRENT_PAGE, "children"),
        Input(SHELL_URL, "pathname"),
        State(shell.SHELL_PAGE_TITLES, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="shell", function_name="filterSummary"),
        Output(fb.FILTER_SUMMARY_TEXT, "children"),
        Input(fb.FILTER_PERIOD, "value"),
        Input(fb.FILTER_PERIOD, "options"),
        Input(fb.FILTER_DATES, "start_date"),
        Input(fb.FILTER_DATES, "end_date"),
        Input(fb.FILTER_REGION, "value"),
        Input(fb.FILTER_REGION, "options"),
        Input(fb.FILTER_TEAM, "value"),
        Input(fb.FILTER_TEAM, "options"),
        Input(fb.FILTER_REP, "value"),
        Input(fb.FILTER_REP, "options"),
        State(fb.FILTER_WORDS, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="shell", function_name="toggleFilters"),
        Output(fb.FILTER_PANEL, "className"),
        Output(fb.FILTER_SUMMARY, "aria-expanded"),
        Input(fb.FILTER_SUMMARY, "n_clicks"),
        State(fb.FILTER_PANEL, "className"),
        prevent_initial_call=True,
    )

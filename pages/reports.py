"""Standard reports (contract §8): daily, weekly and monthly packs on screen, and as XLSX, PDF
and CSV files, with the KPI pages' figures."""

import dash
from dash import Input, Output, State, callback, ctx, dcc
from dash.exceptions import PreventUpdate

from components import report_files as files
from components import reports as ui
from components.i18n import t
from components.shell import forbidden
from dashboard import reports as core
from dashboard.services import reports
from dashboard.web.context import company_today, current_engine
from dashboard.web.jobs import as_requester
from dashboard.web.pages_support import ALL_ROLES, guard, guard_layout

ROLES = ALL_ROLES

dash.register_page(
    __name__,
    path="/reports",
    name="reports",
    title="标准报表 · Standard reports",
    title_zh="报表",
    title_en="Reports",
    roles=ROLES,
    order=45,
)


@guard_layout(forbidden)
def layout(me, /, **query):
    default = core.default_day(company_today()).isoformat()
    return ui.reports_page(query, lang=me.lang, default_day=default)


@callback(
    Output(ui.REGION, "options"),
    Output(ui.TEAM, "options"),
    Input(ui.REGION, "value"),
)
@guard()
def fill_report_pickers(me, region):
    options = reports.picker_options(current_engine(), me.user, region=region)
    return options["regions"], options["teams"]


@callback(
    Output(ui.HEADING, "children"),
    Output(ui.NOTICE, "children"),
    Output(ui.TILES, "children"),
    Output(ui.TREND, "figure"),
    Output(ui.RANKED, "figure"),
    Output(ui.EXCEPTIONS, "children"),
    Output(ui.TEAMS, "children"),
    Output(ui.REPS, "children"),
    Input(ui.KIND, "value"),
    Input(ui.DATE, "date"),
    Input(ui.REGION, "value"),
    Input(ui.TEAM, "value"),
)
@guard()
def render_report(me, kind, day, region, team):
    lang, theme, today = me.lang, me.theme, company_today()
    try:
        report = reports.build_report(
            current_engine(),
            me.user,
            kind=kind,
            day=core.parse_day(day, today=today),
            today=today,
            region=region,
            team=team,
        )
    except core.ReportError as exc:
        return str(exc), None, None, {}, {}, None, None, None
    scope = reports.scope_name(current_engine(), me.user, region=region, team=team)
    name = core.file_name(report["period"], scope=team or region or "company", fmt="x")[:-2]
    return (
        ui.heading_text(report, lang, scope or t("rpt.scope.company", lang)),
        ui.empty_notice(report, lang),
        ui.tiles(report, lang),
        ui.trend_figure(report, lang=lang, theme=theme),
        ui.ranked_figure(report, lang=lang, theme=theme),
        ui.exceptions(report, lang),
        ui.table("reports-teams", report["teams"], lang=lang, theme=theme, file_name=name),
        ui.table("reports-reps", report["reps"], lang=lang, theme=theme, file_name=name),
    )


@callback(
    Output(f"{ui.EXPORT}-download", "data"),
    *(Input(button, "n_clicks") for button in ui.BUTTONS),
    State(ui.KIND, "value"),
    State(ui.DATE, "date"),
    State(ui.REGION, "value"),
    State(ui.TEAM, "value"),
    prevent_initial_call=True,
    **ui.export_job(),
)
@as_requester
@guard()
def download_report(me, _xlsx, _pdf, _csv, kind, day, region, team):
    """The report as a file, built on the server in a background job (a monthly PDF of a large
    company takes seconds)."""
    fmt = str(ctx.triggered_id or "").removeprefix(f"{ui.EXPORT}-")
    if fmt not in core.FORMATS or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    today, engine = company_today(), current_engine()
    report = reports.build_report(
        engine,
        me.user,
        kind=kind,
        day=core.parse_day(day, today=today),
        today=today,
        region=region,
        team=team,
    )
    scope = reports.scope_name(engine, me.user, region=region, team=team)
    data = files.render(report, fmt, me.lang, scope or t("rpt.scope.company", me.lang))
    name = core.file_name(report["period"], scope=team or region or "company", fmt=fmt)
    return dcc.send_bytes(data, name)

"""Callbacks of the admin console's Privacy tab (issue 20; registered by pages/admin.py): the
export of everything stored about a rep, as a direct JSON download (audited: who exported whom,
when), and the retention policy in force. Admin only: the page guard refuses every other role
on the server, and the export also checks the session's CSRF token."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime

from dash import Input, Output, State, callback, dcc, no_update
from dash.exceptions import PreventUpdate

from components import admin as admin_ui
from components import admin_privacy as ui
from components.i18n import t
from dashboard.services import rep_export
from dashboard.web.context import current_engine
from dashboard.web.pages_support import Viewer, guard


def register_callbacks(page: str, csrf_ok: Callable[[object], bool]) -> None:
    """Register the tab's callbacks on the page ``page`` (its module name); ``csrf_ok`` checks
    a CSRF token sent by the browser against the session's."""

    @callback(
        Output(ui.REP, "options"),
        Output(ui.RETENTION, "children"),
        Input(ui.REFRESH, "data"),
    )
    @guard(page=page)
    def render_admin_privacy(me: Viewer, _refresh):
        engine = current_engine()
        options = ui.rep_options(rep_export.list_reps(engine), me.lang)
        return options, ui.retention_card(rep_export.retention(engine), me.lang)

    @callback(
        Output(ui.DOWNLOAD, "data"),
        Output(ui.RESULT, "children"),
        Input(ui.EXPORT, "n_clicks"),
        State(ui.REP, "value"),
        State(admin_ui.CSRF, "data"),
        prevent_initial_call=True,
    )
    @guard(page=page)
    def export_rep_data(me: Viewer, clicks, rep, csrf):
        if not clicks:
            raise PreventUpdate
        if not csrf_ok(csrf):
            return no_update, admin_ui.note(t("admin.csrf", me.lang), ok=False)
        if not rep:
            return no_update, admin_ui.note(t("admin.privacy.pick_rep", me.lang), ok=False)
        out = io.StringIO()
        now = datetime.now(UTC)
        try:
            counts = rep_export.export_rep(current_engine(), rep, out, by=me.user.name, now=now)
        except rep_export.RepExportError as exc:
            return no_update, admin_ui.note(t("admin.error", me.lang).format(msg=exc), ok=False)
        name = f"rep-{rep}-{now:%Y%m%dT%H%M%SZ}.json"
        text = t("admin.privacy.exported", me.lang).format(
            rep=rep, rows=sum(counts.values()), tables=sum(1 for n in counts.values() if n)
        )
        return dcc.send_string(out.getvalue(), name), admin_ui.note(text, ok=True)

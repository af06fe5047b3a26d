"""Callbacks of the admin console's organisation tab (registered by pages/admin.py): the tree,
the rep form (filled from the stored rep), saving a rep (with the deactivation check and its
"deactivate anyway"), renaming a region or team and creating a team. Admin only on the server
(the page's guard), and every change checks the session's CSRF token; the verbs are
dashboard.services.org, which validates and audits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from components import admin as admin_ui
from components import admin_org as ui
from components.i18n import t
from dashboard.services import org
from dashboard.web.context import current_engine
from dashboard.web.pages_support import guard


def _error(exc: Exception, lang: str):
    return admin_ui.note(t("org.error", lang).format(msg=exc), ok=False)


def register_callbacks(page: str, csrf_ok: Callable[[object], bool]) -> None:
    """Register the tab's callbacks for the page module ``page`` (pages.admin), whose CSRF
    check is ``csrf_ok``."""

    @callback(
        Output(ui.TREE, "children"),
        Output(ui.REP, "options"),
        Output(ui.TEAM, "options"),
        Output(ui.UNIT, "options"),
        Output(ui.NEW_REGION, "options"),
        Input(ui.REFRESH, "data"),
    )
    @guard(page=page)
    def render_admin_org(me, _refresh):
        regions = org.org_tree(current_engine())
        return (
            ui.tree(regions, lang=me.lang),
            ui.rep_options(regions),
            ui.team_options(regions),
            ui.unit_options(regions, me.lang),
            ui.region_options(regions),
        )

    @callback(
        Output(ui.START, "value"),
        Output(ui.END, "value"),
        Output(ui.ZONE, "value"),
        Output(ui.TEAM, "value"),
        Output(ui.ACTIVE, "value"),
        Input(ui.REP, "value"),
        prevent_initial_call=True,
    )
    @guard(page=page)
    def fill_admin_org_rep(_me, rep_id):
        row = org.rep_form(current_engine(), rep_id) if rep_id else None
        if row is None:
            raise PreventUpdate
        return row["work_start"], row["work_end"], row["timezone"], row["team_id"], row["active"]

    @callback(
        Output(ui.RESULT, "children"),
        Output(ui.CONFIRM_BOX, "is_open"),
        Output(ui.HOLDING, "children"),
        Output(ui.REFRESH, "data"),
        Input(ui.SAVE, "n_clicks"),
        Input(ui.CONFIRM, "n_clicks"),
        State(ui.REP, "value"),
        State(ui.START, "value"),
        State(ui.END, "value"),
        State(ui.ZONE, "value"),
        State(ui.TEAM, "value"),
        State(ui.ACTIVE, "value"),
        State(ui.REASON, "value"),
        State(admin_ui.CSRF, "data"),
        State(ui.REFRESH, "data"),
        prevent_initial_call=True,
    )
    @guard(page=page)
    def save_admin_org_rep(me, _save, _confirm, rep, start, end, zone, team, active, *rest):
        reason, csrf, refresh = rest
        action = ctx.triggered_id
        if action not in ui.REP_BUTTONS:
            raise PreventUpdate
        if not csrf_ok(csrf):
            return admin_ui.note(t("admin.csrf", me.lang), ok=False), False, None, no_update
        try:
            done = org.edit_rep(
                current_engine(),
                actor=me.user.name,
                rep_id=str(rep or ""),
                work_start=start,
                work_end=end,
                timezone=zone,
                team_id=team,
                active=bool(active),
                reason=reason,
                now=datetime.now(UTC),
                confirm_deactivate=action == ui.CONFIRM,
            )
        except org.OrgError as exc:
            return _error(exc, me.lang), False, None, no_update
        if done.needs_confirmation:
            return None, True, ui.holding(done.holding, me.lang), no_update
        return ui.changed_note(done.rep_id, done.changed, me.lang), False, None, (refresh or 0) + 1

    @callback(
        Output(ui.UNIT_RESULT, "children"),
        Output(ui.REFRESH, "data", allow_duplicate=True),
        Input(ui.RENAME, "n_clicks"),
        Input(ui.CREATE, "n_clicks"),
        State(ui.UNIT, "value"),
        State(ui.UNIT_NAME, "value"),
        State(ui.UNIT_REASON, "value"),
        State(ui.NEW_ID, "value"),
        State(ui.NEW_NAME, "value"),
        State(ui.NEW_REGION, "value"),
        State(admin_ui.CSRF, "data"),
        State(ui.REFRESH, "data"),
        prevent_initial_call=True,
    )
    @guard(page=page)
    def change_admin_org_unit(me, _rename, _create, unit, name, reason, *rest):
        new_id, new_name, new_region, csrf, refresh = rest
        action = ctx.triggered_id
        if action not in ui.UNIT_BUTTONS:
            raise PreventUpdate
        if not csrf_ok(csrf):
            return admin_ui.note(t("admin.csrf", me.lang), ok=False), no_update
        engine, now = current_engine(), datetime.now(UTC)
        try:
            if action == ui.RENAME:
                kind, _, record = str(unit or "").partition(":")
                if not record:
                    raise org.OrgError("unit: pick a region or a team")
                before, after = org.rename(
                    engine,
                    actor=me.user.name,
                    kind=kind,
                    record_id=record,
                    name=name,
                    reason=reason,
                    now=now,
                )
                text = t("org.renamed", me.lang).format(before=before, after=after)
            else:
                made = org.create_team(
                    engine,
                    actor=me.user.name,
                    team_id=new_id,
                    name=new_name,
                    region_id=new_region,
                    reason=reason,
                    now=now,
                )
                text = t("org.created", me.lang).format(team=made)
        except org.OrgError as exc:
            return _error(exc, me.lang), no_update
        return admin_ui.note(text, ok=True), (refresh or 0) + 1

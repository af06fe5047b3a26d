"""Callbacks of the admin console's wall links tab (registered by pages/admin.py): list the
links with their status and last use, create one (its address shown once) and revoke one. The
verbs are the CLI's (dashboard.services.admin → dashboard.services.wall); admin-only on the
server and CSRF-checked like every admin action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import request

from components import admin as admin_ui
from components import admin_walls as ui
from components.i18n import t
from dashboard.services import admin
from dashboard.services.users import list_region_ids
from dashboard.web.context import current_engine
from dashboard.web.pages_support import guard


def register_callbacks(page: str, csrf_ok: Callable[[object], bool]) -> None:
    """Register the tab's callbacks on the page ``page`` (its module name); ``csrf_ok`` checks
    the session's CSRF token. Called by pages/admin.py, which Dash executes afresh for every app
    it builds."""

    @callback(
        Output(ui.GRID, "children"),
        Output(ui.VIEWS, "options"),
        Output(ui.REGIONS, "options"),
        Input(ui.REFRESH, "data"),
    )
    @guard(page=page)
    def render_admin_walls(me, _refresh):
        engine = current_engine()
        rows = admin.list_wall_links(engine, now=datetime.now(UTC))
        regions = list_region_ids(engine)
        return (
            ui.links_grid(rows, lang=me.lang, theme=me.theme),
            ui.view_options(regions, me.lang),
            [{"label": r, "value": r} for r in regions],
        )

    @callback(
        Output(ui.RESULT, "children"),
        Output(ui.REFRESH, "data"),
        Input(ui.CREATE, "n_clicks"),
        Input(ui.REVOKE, "n_clicks"),
        State(ui.NAME, "value"),
        State(ui.VIEWS, "value"),
        State(ui.REGIONS, "value"),
        State(ui.EXPIRES, "value"),
        State(admin_ui.CSRF, "data"),
        State(ui.REFRESH, "data"),
        prevent_initial_call=True,
    )
    @guard(page=page)
    def admin_wall_action(me, _create, _revoke, name, views, regions, expires, csrf, refresh):
        action = ctx.triggered_id
        if action not in ui.BUTTONS:
            raise PreventUpdate
        if not csrf_ok(csrf):
            return admin_ui.note(t("admin.csrf", me.lang), ok=False), no_update
        engine, actor, now = current_engine(), me.user.name, datetime.now(UTC)
        name = (name or "").strip()
        try:
            if action == ui.CREATE:
                link, token = admin.create_wall_link(
                    engine,
                    actor=actor,
                    name=name,
                    views=list(views or ()),
                    regions=list(regions or ()),
                    expires=expires or "",
                    now=now,
                )
                url = f"{request.host_url.rstrip('/')}/wall/link/{token}"
                text = t("admin.wall.created", me.lang).format(name=link.name)
                result = ui.link_note(text, url)
            else:
                admin.revoke_wall_link(engine, actor=actor, name=name, now=now)
                result = admin_ui.note(t("admin.wall.revoked", me.lang).format(name=name), ok=True)
        except admin.AdminError as exc:
            return admin_ui.note(t("admin.error", me.lang).format(msg=exc), ok=False), no_update
        return result, (refresh or 0) + 1

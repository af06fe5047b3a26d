"""Admin console (/admin, role admin): users, API tokens, wall links, settings, privacy and the
audit log.

The layout guard and every callback refuse other roles on the server (the access guard answers
403 to their callback requests, and ``guard`` here again). Every state-changing callback also
checks the session's CSRF token, which the layout puts in a store (a forged request from another
site cannot read it). The verbs are dashboard.services.admin, which audits every change.
"""

from __future__ import annotations

import hmac
from datetime import UTC, date, datetime, time, timedelta

import dash
from dash import Input, Output, State, callback, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from components import admin as ui
from components import admin_org as org_ui
from components import admin_settings as settings_ui
from components import admin_walls
from components.i18n import t
from components.shell import forbidden
from dashboard.services import admin
from dashboard.services.users import list_region_ids
from dashboard.web.context import current_engine
from dashboard.web.pages_support import Viewer, guard, guard_layout
from dashboard.web.sessions import csrf_token
from pages import _admin_org, _admin_privacy, _admin_settings, _admin_walls

ROLES = ("admin",)

dash.register_page(
    __name__,
    path="/admin",
    name="admin",
    title="系统管理 · Administration",
    title_zh="系统管理",
    title_en="Admin",
    roles=ROLES,
    order=95,
)


@guard_layout(forbidden)
def layout(me: Viewer, /, tab: str | None = None, **_query):
    return ui.layout(lang=me.lang, csrf=csrf_token() if me.user is not None else "", tab=tab)


def _csrf_ok(sent) -> bool:
    expected = csrf_token()
    return bool(expected) and isinstance(sent, str) and hmac.compare_digest(sent, expected)


def _now() -> datetime:
    return datetime.now(UTC)


# The settings tab (pages/_admin_settings.py).
_admin_settings.register_callbacks(page=__name__, csrf_id=ui.CSRF, csrf_ok=_csrf_ok)
# The Privacy tab (issue 20): a rep's own data and the retention policy.
_admin_privacy.register_callbacks(page=__name__, csrf_ok=_csrf_ok)
_admin_walls.register_callbacks(page=__name__, csrf_ok=_csrf_ok)  # the wall links tab
_admin_org.register_callbacks(page=__name__, csrf_ok=_csrf_ok)  # the organisation tab


# ------------------------------------------------------------------ users


@callback(
    Output(ui.USERS, "children"),
    Output(ui.USER_REGIONS, "options"),
    Input(ui.USERS_REFRESH, "data"),
)
@guard()
def render_admin_users(me: Viewer, _refresh):
    engine = current_engine()
    grid = ui.users_grid(admin.list_users(engine), lang=me.lang, theme=me.theme)
    return grid, [{"label": r, "value": r} for r in list_region_ids(engine)]


@callback(
    Output(ui.USER_RESULT, "children"),
    Output(ui.USERS_REFRESH, "data"),
    *(Input(b, "n_clicks") for b in ui.USER_BUTTONS),
    State(ui.USER_NAME, "value"),
    State(ui.USER_ROLE, "value"),
    State(ui.USER_REGIONS, "value"),
    State(ui.CSRF, "data"),
    State(ui.USERS_REFRESH, "data"),
    prevent_initial_call=True,
)
@guard()
def admin_user_action(me: Viewer, *args):
    *_clicks, name, role, regions, csrf, refresh = args
    action = ctx.triggered_id
    if action not in ui.USER_BUTTONS:
        raise PreventUpdate
    if not _csrf_ok(csrf):
        return ui.note(t("admin.csrf", me.lang), ok=False), no_update
    engine, actor, now = current_engine(), me.user.name, _now()
    name = (name or "").strip()
    regions = list(regions or ())
    try:
        if action == ui.USER_CREATE:
            made = admin.create_user(
                engine, actor=actor, name=name, role=role, regions=regions, now=now
            )
            text = t("admin.user.created", me.lang).format(name=made.name)
            result = ui.secret_note(text, made.password, id_="admin-user-password")
        elif action == ui.USER_RESET:
            made = admin.reset_password(engine, actor=actor, name=name, now=now)
            text = t("admin.user.reset_done", me.lang).format(name=made.name)
            result = ui.secret_note(text, made.password, id_="admin-user-password")
        elif action == ui.USER_SAVE_ROLE:
            admin.set_role(engine, actor=actor, name=name, role=role, regions=regions, now=now)
            result = ui.note(t("admin.user.role_saved", me.lang).format(name=name), ok=True)
        else:
            active = action == ui.USER_REACTIVATE
            admin.set_active(engine, actor=actor, name=name, active=active, now=now)
            key = "admin.user.reactivated" if active else "admin.user.deactivated"
            result = ui.note(t(key, me.lang).format(name=name), ok=True)
    except admin.AdminError as exc:
        return ui.note(t("admin.error", me.lang).format(msg=exc), ok=False), no_update
    return result, (refresh or 0) + 1


# ------------------------------------------------------------------ API tokens


@callback(Output(ui.TOKENS, "children"), Input(ui.TOKENS_REFRESH, "data"))
@guard()
def render_admin_tokens(me: Viewer, _refresh):
    rows = admin.list_tokens(current_engine())
    return ui.tokens_grid(rows, lang=me.lang, theme=me.theme)


@callback(
    Output(ui.TOKEN_RESULT, "children"),
    Output(ui.TOKENS_REFRESH, "data"),
    Input(ui.TOKEN_CREATE, "n_clicks"),
    Input(ui.TOKEN_REVOKE, "n_clicks"),
    State(ui.TOKEN_NAME, "value"),
    State(ui.TOKEN_SCOPE, "value"),
    State(ui.CSRF, "data"),
    State(ui.TOKENS_REFRESH, "data"),
    prevent_initial_call=True,
)
@guard()
def admin_token_action(me: Viewer, _create, _revoke, name, scope, csrf, refresh):
    action = ctx.triggered_id
    if action not in (ui.TOKEN_CREATE, ui.TOKEN_REVOKE):
        raise PreventUpdate
    if not _csrf_ok(csrf):
        return ui.note(t("admin.csrf", me.lang), ok=False), no_update
    engine, actor, now = current_engine(), me.user.name, _now()
    name = (name or "").strip()
    try:
        if action == ui.TOKEN_CREATE:
            token = admin.create_token(
                engine, actor=actor, name=name, now=now, scope=scope or "ingest"
            )
            text = t("admin.token.created", me.lang).format(name=name)
            result = ui.secret_note(text, token, id_="admin-token-secret")
        else:
            count = admin.revoke_token(engine, actor=actor, name=name, now=now)
            result = ui.note(t("admin.token.revoked", me.lang).format(name=name, n=count), ok=True)
    except admin.AdminError as exc:
        return ui.note(t("admin.error", me.lang).format(msg=exc), ok=False), no_update
    return result, (refresh or 0) + 1


# ------------------------------------------------------------------ audit log


def _day(value, field: str, *, end: bool = False) -> datetime | None:
    """A UTC date of the filter as a bound (the end date is inclusive)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError as exc:
        raise admin.AdminError(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from exc
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def _audit(who, what, since, until) -> list[dict]:
    return admin.audit_log(
        current_engine(),
        who=who,
        what=what,
        since=_day(since, "since"),
        until=_day(until, "until", end=True),
    )


@callback(
    Output(ui.AUDIT, "children"),
    Input(ui.AUDIT_WHO, "value"),
    Input(ui.AUDIT_WHAT, "value"),
    Input(ui.AUDIT_SINCE, "value"),
    Input(ui.AUDIT_UNTIL, "value"),
    Input(ui.USERS_REFRESH, "data"),
    Input(ui.TOKENS_REFRESH, "data"),
    Input(settings_ui.REFRESH, "data"),
    Input(admin_walls.REFRESH, "data"),
    Input(org_ui.REFRESH, "data"),
)
@guard()
def render_admin_audit(me: Viewer, who, what, since, until, *_refreshes):
    try:
        rows = _audit(who, what, since, until)
    except admin.AdminError as exc:
        return ui.note(t("admin.error", me.lang).format(msg=exc), ok=False)
    return ui.audit_grid(rows, lang=me.lang, theme=me.theme)


@callback(
    Output(ui.AUDIT_DOWNLOAD, "data"),
    Input(ui.AUDIT_EXPORT, "n_clicks"),
    State(ui.AUDIT_WHO, "value"),
    State(ui.AUDIT_WHAT, "value"),
    State(ui.AUDIT_SINCE, "value"),
    State(ui.AUDIT_UNTIL, "value"),
    prevent_initial_call=True,
)
@guard()
def export_admin_audit(me: Viewer, clicks, who, what, since, until):
    if not clicks:
        raise PreventUpdate
    try:
        rows = _audit(who, what, since, until)
    except admin.AdminError:
        raise PreventUpdate from None
    return dcc.send_string(ui.audit_file(rows, me.lang), "audit.csv")

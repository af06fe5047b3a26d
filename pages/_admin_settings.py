"""Callbacks of the settings tab on /admin (registered by pages/admin.py): the tables of every
setting, the picked setting's details, controls and history, and the change or reset with a
required reason. Admin only on the server (the page's roles, checked again by ``guard``), and
every change checks the session's CSRF token. Saved through dashboard.services.settings, which
audits the change with its reason and marks what it changes to be derived again; the background
work is then asked for a pass (with COCKPIT_BACKGROUND=off a worker's poll picks it up)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from components import admin_settings as view
from components.i18n import t
from dashboard.services import background
from dashboard.services import settings as rule_settings
from dashboard.web.context import current_engine, current_settings
from dashboard.web.pages_support import guard

HISTORY_LIMIT = 50


def register_callbacks(page: str, csrf_id: str, csrf_ok: Callable[[object], bool]) -> None:
    """Register the tab's callbacks on the page ``page`` (its module name); ``csrf_id`` is the
    store holding the session's CSRF token, ``csrf_ok`` its check."""

    @callback(Output(view.TABLES, "children"), Input(view.REFRESH, "data"))
    @guard(page=page)
    def render_admin_settings(me, _refresh):
        return view.tables(rule_settings.current_values(current_engine()), lang=me.lang)

    @callback(
        Output(view.INFO, "children"),
        Output(view.VALUE, "min"),
        Output(view.VALUE, "max"),
        Output(view.VALUE, "step"),
        Output(view.VALUE, "value"),
        Output(view.VALUE_BOX, "style"),
        Output(view.CHOICE, "options"),
        Output(view.CHOICE, "value"),
        Output(view.CHOICE_BOX, "style"),
        Output(view.HISTORY, "children"),
        Input(view.KEY, "value"),
        Input(view.REFRESH, "data"),
    )
    @guard(page=page)
    def show_admin_setting(me, key, _refresh):
        engine = current_engine()
        key = key if isinstance(key, str) and key in view.SETTINGS else None
        info = rule_settings.current_values(engine)[key] if key else None
        rows = rule_settings.audit_log(engine, keys=[key] if key else None, limit=HISTORY_LIMIT)
        props = view.input_props(key, info, me.lang)
        return (
            view.details(key, info, me.lang) if key else None,
            props["min"],
            props["max"],
            props["step"],
            props["value"],
            props["value_style"],
            props["choices"],
            props["choice"],
            props["choice_style"],
            view.history(rows, lang=me.lang, key=key, timezone=current_settings().timezone),
        )

    @callback(
        Output(view.RESULT, "children"),
        Output(view.REFRESH, "data"),
        Output(view.REASON, "value"),
        Input(view.SAVE, "n_clicks"),
        Input(view.RESET, "n_clicks"),
        State(view.KEY, "value"),
        State(view.VALUE, "value"),
        State(view.CHOICE, "value"),
        State(view.REASON, "value"),
        State(csrf_id, "data"),
        State(view.REFRESH, "data"),
        prevent_initial_call=True,
    )
    @guard(page=page)
    def admin_setting_action(me, _save, _reset, key, number, choice, reason, csrf, refresh):
        action = ctx.triggered_id
        if action not in view.BUTTONS:
            raise PreventUpdate
        if not csrf_ok(csrf):
            return view.refused(t("admin.csrf", me.lang), lang=me.lang), no_update, no_update
        engine, now = current_engine(), datetime.now(UTC)
        try:
            if action == view.RESET:
                change = rule_settings.reset_setting(
                    engine, key, actor=me.user.name, now=now, reason=reason
                )
            else:
                change = rule_settings.change_setting(
                    engine,
                    key,
                    _entered(key, number, choice),
                    actor=me.user.name,
                    now=now,
                    reason=reason,
                )
        except rule_settings.SettingError as exc:
            return view.refused(str(exc), lang=me.lang), no_update, no_update
        settings = current_settings()
        if settings.background == "inline" and (change.rejudged or change.daily_again):
            background.runner.request(settings.database_url)
        # The reason was this change's: the next one needs its own.
        return view.saved(change, lang=me.lang), (refresh or 0) + 1, ""


def _entered(key, number, choice):
    """The value the form holds for ``key``: its choice, or its number. An empty or invalid
    number (the browser sends none) is refused naming the key and its range."""
    spec = view.SETTINGS.get(key) if isinstance(key, str) else None
    if spec is None:
        return number
    if spec.choices:
        return choice
    if number is None or number == "":
        raise rule_settings.SettingError(
            f"{key}: enter a number in {spec.minimum:g}..{spec.maximum:g}"
        )
    return number

"""Build the Dash application (the composition of the server, the pages and the shell)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import dash
from dash import Dash, dcc, html
from dash._utils import to_json
from flask import has_request_context, jsonify, redirect, request

from components.shell import nav_items, page_titles, top_bar
from dashboard.services import priority, tasks, users, view_cache
from dashboard.services.db import get_engine
from dashboard.settings import ROOT, Settings
from dashboard.web import jobs, shell_callbacks
from dashboard.web.context import current_engine, signed_in_user
from dashboard.web.login_page import safe_next
from dashboard.web.server import create_server
from dashboard.web.sessions import csrf_ok, csrf_token


def kiosk_paths() -> set[str]:
    """Paths of the pages registered with ``kiosk=True`` (no navigation chrome, dark theme)."""
    return {page["path"] for page in dash.page_registry.values() if page.get("kiosk")}


def _is_kiosk_request() -> bool:
    """Whether this request renders a kiosk page: the page itself, or Dash fetching the layout
    of one (the layout request's referrer is the page), or any request of a wall session."""
    user = signed_in_user()
    if user is not None and user.role == "wall":
        return True
    path = request.path
    if path.startswith("/_dash-"):
        path = urlsplit(request.referrer or "").path
    return path in kiosk_paths()


# What lets a phone add the cockpit to its home screen and open it without browser chrome
# (assets/ is public, so the manifest and icons load before sign-in too).
INSTALL_HEAD = (
    '<link rel="manifest" href="/assets/manifest.webmanifest">'
    '<link rel="apple-touch-icon" href="/assets/icons/apple-touch-icon.png">'
    '<meta name="theme-color" content="#0d6efd">'
    '<meta name="mobile-web-app-capable" content="yes">'
    '<meta name="apple-mobile-web-app-capable" content="yes">'
    '<meta name="apple-mobile-web-app-title" content="外勤驾驶舱">'
)


def id_skeleton(layout_json: str) -> dict[str, Any]:
    """What the renderer checks the callbacks against, of a serialized layout: a Div holding,
    in document order, every component that has an id (found in any prop, not only children),
    as its type, namespace and id alone."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("props")
            if "type" in node and "namespace" in node and isinstance(props, dict) and "id" in props:
                kind = {"type": node["type"], "namespace": node["namespace"]}
                found.append({**kind, "props": {"id": props["id"]}})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(layout_json))
    return {"type": "Div", "namespace": "dash_html_components", "props": {"children": found}}


class CockpitDash(Dash):
    """Dash with the signed-in user's theme and language on the <html> element, the web app
    manifest in the head, and a validation layout reduced to ids and serialized once."""

    _skeleton: tuple[tuple, str] | None = None

    def _generate_config_html(self) -> str:
        """Dash's config script, whose validation layout (with ``suppress_callback_exceptions``
        off, every page's layout: about 660 KB of JSON, serialized again on each page load at
        about 30 ms) is replaced by its ``id_skeleton``, serialized once per layout. The
        renderer checks the callbacks against it alone, by id, component type and prop; the
        ids and types are the same, so it finds the same."""
        config = self._config()
        layout = config.pop("validation_layout", None)
        body = to_json(config)
        if layout is not None:
            key = (id(self.validation_layout), *map(id, self._extra_components))
            if self._skeleton is None or self._skeleton[0] != key:
                self._skeleton = (key, to_json(id_skeleton(to_json(layout))))
            body = f'{body[:-1]},"validation_layout":{self._skeleton[1]}}}'
        return f'<script id="_dash-config" type="application/json">{body}</script>'

    def interpolate_index(self, **kwargs):
        kwargs["metas"] = kwargs.get("metas", "") + INSTALL_HEAD
        page = super().interpolate_index(**kwargs)
        user = signed_in_user() if has_request_context() else None
        theme = user.theme if user else "light"
        if has_request_context() and _is_kiosk_request():
            theme = "dark"  # kiosk pages (the wall) are always dark
        lang = "en" if user and user.locale == "en" else "zh-CN"
        return page.replace("<html>", f'<html lang="{lang}" data-bs-theme="{theme}">', 1)


def _shell_layout():
    user = signed_in_user() if has_request_context() else None
    if user is None:
        # Start-up validation (anonymous callers never get a layout: the guard refuses them).
        # The top bar is there with no user in it, so the shell's callbacks validate.
        return html.Div(
            [
                dcc.Location(id="shell-url", refresh="callback-nav"),
                top_bar(items=[], user_name="", role="exec", lang="zh", theme="light"),
                dash.page_container,
            ]
        )
    if _is_kiosk_request():
        # No top bar, no container padding: the page owns the whole screen.
        return html.Div(
            [dcc.Location(id="shell-url", refresh="callback-nav"), dash.page_container],
            className="shell-kiosk",
        )
    items = nav_items(dash.page_registry.values(), user.role, user.locale)
    return html.Div(
        [
            dcc.Location(id="shell-url", refresh="callback-nav"),
            top_bar(
                items=items,
                user_name=user.name,
                role=user.role,
                lang=user.locale,
                theme=user.theme,
                titles=page_titles(dash.page_registry.values(), user.locale),
                csrf=csrf_token(),
            ),
            html.Div(dash.page_container, className="container-fluid shell-content"),
        ],
        className="shell-root",
    )


def create_app(settings: Settings | None = None) -> Dash:
    """Return the Dash app for these settings (the database is migrated, not seeded)."""
    settings = settings or Settings.from_env()
    get_engine(settings.database_url)
    # The background work's "today" (the daily task generation) is the company's.
    tasks.configure(settings.timezone)
    priority.set_bulk_nice(settings.bulk_nice)
    priority.set_host_slots(settings.data_dir, settings.bulk_slots)
    priority.set_bulk_duty(settings.bulk_duty / 100)
    # The host's processes share the KPI views' answers (view_cache: lagging views).
    view_cache.set_shared(settings.data_dir / "view-cache")
    server = create_server(settings)
    app = CockpitDash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        external_stylesheets=["/vendor/bootstrap/css/bootstrap.min.css"],
        suppress_callback_exceptions=False,
        title="外勤拜访驾驶舱 · Field Visit Cockpit",
        update_title=None,
        # Server-side exports run as background callbacks (progress, cancel): dashboard.web.jobs.
        background_callback_manager=jobs.make_manager(settings),
    )
    jobs.register_server(server, settings)
    app.layout = _shell_layout
    shell_callbacks.register(app)

    # The guard checks callbacks against this app's callback map.
    server.extensions["cockpit_dash"] = app

    @server.route("/prefs", methods=["GET", "POST"])
    def set_prefs():
        user = signed_in_user()
        if request.method == "POST" and user is not None:
            if not csrf_ok():
                return jsonify({"error": "missing or wrong CSRF token"}), 400
            users.set_preferences(
                current_engine(),
                user.id,
                locale=request.form.get("lang"),
                theme=request.form.get("theme"),
            )
        # GET changes nothing: it only goes back where it came from.
        back = urlsplit(request.referrer or "/")
        target = back.path or "/"
        if back.query:
            target += "?" + back.query
        return redirect(safe_next(target))

    _complete_callback_map(server)
    return app


def _complete_callback_map(server) -> None:
    """Run Dash's first-request hooks now (its set-up, the pages router's callback).

    Each marks itself done before doing its work, so a callback arriving on another thread
    during a new worker's first request found the map incomplete and was refused as "no such
    callback" (seen under load after gunicorn's max-requests restarts)."""
    with server.test_request_context("/"):
        for hook in server.before_request_funcs.get(None, []):
            if getattr(hook, "__module__", "") == "dash.dash":
                hook()

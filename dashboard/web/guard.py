"""The access guard: who may fetch which path, and which Dash callbacks a request may run.

Every request passes ``guard`` (installed by ``install_guard``): public paths are open, a wall
session sees the wall only, anyone else must be signed in, and a Dash callback request is checked
against the callback Dash will run (a page's callbacks run for the page's roles only).
"""

from __future__ import annotations

import json
from urllib.parse import quote

from flask import Flask, Response, jsonify, redirect, request

from dashboard.services import wall
from dashboard.web.context import signed_in_user

# Paths anyone may fetch: sign-in, static code and styles (no data), and the token-guarded API.
PUBLIC_PREFIXES = (
    "/login",
    "/logout",
    "/vendor/",
    "/assets/",
    "/_dash-component-suites/",
    "/_favicon.ico",
    "/favicon.ico",
    "/api/",
    "/healthz",
    "/tiles/blank",
    "/wall/link/",
)

# What a wall session (signed in by a wall link) may fetch besides the public paths: the wall page
# and the Dash plumbing it needs; its callbacks are checked one by one (see _wall_callback_allowed).
WALL_PATHS = ("/wall", "/_dash-layout", "/_dash-dependencies", "/_reload-hash", "/logout")
# Dash's own page-routing callback outputs (allowed for the /wall path only).
_PAGES_IDS = {"_pages_content", "_pages_store"}


class CallbackRefused(Exception):
    """A Dash callback request the guard refuses: 400 (malformed) or 403 (not allowed)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _split_output(output: str) -> list[str]:
    """The "id.property" parts of a callback's output key, as Dash builds it."""
    if output.startswith("..") and output.endswith(".."):
        return output[2:-2].split("...")
    return [output]


def _id_key(value) -> str | None:
    """A component id as the callback map writes it (dict ids as sorted compact JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return None


def _pattern_fits(pattern: str, item_id) -> bool:
    """Whether a concrete dict id fits a pattern-matching id (wildcards match anything)."""
    try:
        spec = json.loads(pattern)
    except ValueError:
        return False
    if not isinstance(item_id, dict) or set(item_id) != set(spec):
        return False
    return all(isinstance(v, list) or item_id[k] == v for k, v in spec.items())


def _prop(value) -> str | None:
    # allow_duplicate outputs carry an "@hash" suffix, which Dash strips.
    return value.split("@", 1)[0] if isinstance(value, str) else None


def _matches(spec: dict, item) -> bool:
    """Whether one body entry is the registered input/state/output ``spec``."""
    sid, prop = spec["id"], _prop(spec["property"])
    if sid.startswith("{"):
        # ALL / ALLSMALLER give a list of entries; MATCH gives one.
        wildcard = '["ALL"]' in sid or '["ALLSMALLER"]' in sid
        if wildcard != isinstance(item, list):
            return False
        entries = item if isinstance(item, list) else [item]
        return all(
            isinstance(e, dict)
            and _prop(e.get("property")) == prop
            and _pattern_fits(sid, e.get("id"))
            for e in entries
        )
    return isinstance(item, dict) and item.get("id") == sid and _prop(item.get("property")) == prop


def _spec_of(part: str) -> dict:
    oid, _, prop = part.rpartition(".")
    return {"id": oid, "property": prop}


def resolve_callback(callback_map, body) -> tuple[dict, list[str], dict[str, object]]:
    """Find the callback Dash will run for a request body and check the body against it.

    Returns the callback's map entry, its registered output ids, and the input and state values
    by "id.property" as Dash will pass them. Raises CallbackRefused(400) for a body that is not
    a well-formed request of a registered callback (unknown output key, inputs renamed,
    duplicated, missing or reordered).
    """
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        raise CallbackRefused(400, "not a Dash callback request")
    entry = callback_map.get(body["output"])
    if entry is None:
        raise CallbackRefused(400, "no such callback")
    values: dict[str, object] = {}
    for kind in ("inputs", "state"):
        items = body.get(kind, [])
        specs = entry[kind]
        if not isinstance(items, list) or len(items) != len(specs):
            raise CallbackRefused(400, f"{kind} do not match the callback")
        for spec, item in zip(specs, items, strict=True):
            if not _matches(spec, item):
                raise CallbackRefused(400, f"{kind} do not match the callback")
            if isinstance(item, dict):
                values[f"{spec['id']}.{spec['property']}"] = item.get("value")
    parts = [] if entry.get("no_output") else _split_output(body["output"])
    outputs = body.get("outputs", [])
    flat = outputs if isinstance(outputs, list) and len(parts) != 1 else [outputs]
    if parts and (
        len(flat) != len(parts)
        or not all(_matches(_spec_of(part), item) for part, item in zip(parts, flat, strict=False))
    ):
        raise CallbackRefused(400, "outputs do not match the callback")
    return entry, [_spec_of(p)["id"] for p in parts], values


def _wall_callback_allowed(output_ids: list[str], values: dict[str, object]) -> bool:
    """What a wall session may run: the wall's own callbacks, and Dash's page routing for /wall
    (the pathname as Dash will pass it to the routing callback)."""
    if not output_ids:
        return False
    if all(i.startswith("wall-") for i in output_ids):
        return True
    return set(output_ids) <= _PAGES_IDS and values.get("_pages_location.pathname") == "/wall"


def _callback_roles(entry: dict) -> tuple[str, ...] | None:
    """The roles of the page that registered a callback (None: not a page's callback)."""
    import dash  # the registry of pages; imported here so the server builds without Dash

    func = entry.get("callback")
    module = getattr(getattr(func, "__wrapped__", func), "__module__", None)
    for page in dash.page_registry.values():
        if page.get("module") == module:
            return tuple(page.get("roles") or ())
    return None


def _check_callback(server: Flask, user) -> Response | tuple | None:
    """Check a Dash callback request against the callback Dash will run."""
    app = server.extensions.get("cockpit_dash")
    if app is None:
        return None
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body = None
    try:
        entry, output_ids, values = resolve_callback(app.callback_map, body)
        if user.role == wall.WALL_ROLE:
            if not _wall_callback_allowed(output_ids, values):
                raise CallbackRefused(403, "a wall link opens the wall only")
        else:
            roles = _callback_roles(entry)
            if roles is not None and user.role not in roles:
                raise CallbackRefused(403, "this page is not open to your role")
    except CallbackRefused as exc:
        return jsonify({"error": str(exc)}), exc.status
    return None


def install_guard(server: Flask) -> None:
    """Run the guard before every request of ``server``."""

    @server.before_request
    def guard():
        path = request.path
        public = path != "/" and path.startswith(PUBLIC_PREFIXES)
        user = signed_in_user()
        if user is not None and user.role == wall.WALL_ROLE and not public:
            if path in WALL_PATHS or path == "/_dash-update-component":
                pass
            elif path.startswith("/_dash-") or request.method != "GET":
                return jsonify({"error": "a wall link opens the wall only"}), 403
            else:
                return redirect("/wall")
        if user is not None and path == "/_dash-update-component" and request.method == "POST":
            return _check_callback(server, user)
        if public or user is not None:
            return None
        if path.startswith("/_dash-") or request.method != "GET":
            return jsonify({"error": "sign-in required"}), 401
        return redirect(f"/login?next={quote(request.full_path.rstrip('?'), safe='/')}")

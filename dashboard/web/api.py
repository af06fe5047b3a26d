"""The /api/v1 blueprint: token-authenticated doors for integrators."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, Response, current_app, g, jsonify, request

from dashboard.contract import wire
from dashboard.services import (
    background,
    customers,
    exports,
    ingest,
    position_privacy,
    priority,
    route_plans,
    sop,
    tasks,
    users,
)
from dashboard.services.db import DatabaseUnavailable
from dashboard.web.context import current_engine, current_settings
from data_access.scope import Scope

api = Blueprint("api_v1", __name__, url_prefix="/api/v1")

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")


def _error(status: int, message: str, **extra):
    response = jsonify({"error": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.before_request
def require_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _error(401, "missing bearer token (Authorization: Bearer <token>)")
    try:
        found = users.check_scoped_token(current_engine(), token.strip(), now=datetime.now(UTC))
    except DatabaseUnavailable:
        return _error(503, "database unreachable; retry the same request later")
    if found is None:
        return _error(401, "invalid or revoked token")
    name, scope = found
    needed = _scope_needed()
    if needed is not None and not users.token_allows(scope, needed):
        return _error(
            403,
            f"this token's scope is {scope!r}; {request.method} {request.path} needs scope "
            f"{needed!r}",
            scope_needed=needed,
            token_scope=scope,
        )
    g.api_token_name = name
    return None


# Endpoints that answer without using a scope's right (a wrong method, an unknown path).
_NO_SCOPE = {"api_v1.ingest_wrong_method", "api_v1.unknown_endpoint"}


def _scope_needed() -> str | None:
    """The scope the requested endpoint needs: "ingest" for POST /ingest, "read" for every
    export and read endpoint, None for the error answers."""
    if request.endpoint is None or request.endpoint in _NO_SCOPE:
        return None
    return "ingest" if request.endpoint == "api_v1.post_ingest" else "read"


class _TooMany(ValueError):
    """A batch with more records than one request may carry."""


def _store_batch(engine, body: bytes, mimetype: str, source: str, max_records: int):
    """Parse a batch and store it in one transaction; return the ingest summary."""
    if mimetype in NDJSON_TYPES:
        items = wire.items_from_ndjson_body(body)
    else:
        items = wire.items_from_json_body(body)
    if len(items) > max_records:
        raise _TooMany(f"{len(items):,} records; at most {max_records:,} per request")
    return ingest.ingest_items(engine, items, source=source, now=datetime.now(UTC))


@api.post("/ingest")
def post_ingest():
    settings = current_settings()
    length = request.content_length
    if length is not None and length > settings.max_ingest_bytes:
        return _error(
            413, f"body is {length:,} bytes; at most {settings.max_ingest_bytes:,} per request"
        )
    # Read at most one byte past the limit, so a body without Content-Length cannot flood memory.
    body = request.stream.read(settings.max_ingest_bytes + 1)
    if len(body) > settings.max_ingest_bytes:
        return _error(413, f"body exceeds {settings.max_ingest_bytes:,} bytes per request")
    mimetype = (request.mimetype or "").lower()
    source = f"api:{g.api_token_name}"
    try:
        engine = current_engine()
        # One turn of the host's ingest pool (COCKPIT_BULK_SLOTS, set by create_app): whatever
        # the number of clients and workers, the other batches wait here, using no CPU. Its
        # own pool: a batch never waits for a round of the background passes. Parsed and
        # stored at the pages' priority, unpaced: a client waits for it (lowered, batches
        # starved while the pages kept both CPUs busy; bench/load.py).
        with priority.ingest_turn():
            summary = _store_batch(engine, body, mimetype, source, settings.max_ingest_records)
    except wire.BodyError as exc:
        return _error(400, str(exc))
    except _TooMany as exc:
        return _error(413, str(exc))
    except DatabaseUnavailable:
        current_app.logger.warning("ingest refused: database unreachable")
        return _error(503, "database unreachable; nothing was stored, retry the same batch")
    if summary.accepted and settings.background == "inline":
        # Rollups of the touched rep-days are recomputed off the request path (with
        # COCKPIT_BACKGROUND=off, a job worker's poll picks them up).
        background.runner.request(settings.database_url)
    return jsonify(summary.as_dict())


@api.get("/ingest")
def ingest_wrong_method():
    response = _error(405, "use POST to send records to /api/v1/ingest")
    response.headers["Allow"] = "POST"
    return response


def _export(kind: str):
    """GET /api/v1/alerts, /expense-flags (contract §4), /device-quality (§2a) and /customers
    (§5, as they stand today: no period): one object a line."""
    by_period = kind != "customers"
    known = {"from", "to", "format", "lang"} if by_period else {"format"}
    unknown = sorted(set(request.args) - known)
    if unknown:
        return _error(400, f"{unknown[0]}: unknown parameter (use {', '.join(sorted(known))})")
    bounds: dict[str, date | None] = {"from": None, "to": None}
    for name in ("from", "to") if by_period else ():
        value = request.args.get(name)
        if value is None:
            bounds[name] = None
            continue
        try:
            bounds[name] = date.fromisoformat(value)
        except ValueError:
            return _error(400, f"{name}: {value!r} is not a date (YYYY-MM-DD)")
    fmt = request.args.get("format", "jsonl")
    if fmt not in ("jsonl", "csv"):
        return _error(400, f"format: {fmt!r} is not 'jsonl' or 'csv'")
    lang = request.args.get("lang", "en")
    if lang not in ("en", "zh"):
        return _error(400, f"lang: {lang!r} is not 'en' or 'zh'")
    try:
        rows = exports.export_rows(
            current_engine(),
            kind,
            date_from=bounds["from"],
            date_to=bounds["to"],
            today=None if by_period else customers.company_today(current_settings().timezone),
            lang=lang,
            # An integration's export: the exec's position precision (issue 20; ~100 m by default).
            precision=position_privacy.precision_for(current_engine(), "api"),
        )
    except ValueError as exc:
        return _error(400, str(exc))
    except DatabaseUnavailable:
        return _error(503, "database unreachable; retry later")
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    body = "".join(exports.export_text(rows, kind, fmt))
    return Response(body, mimetype=mimetype, headers={"X-Total-Count": str(len(rows))})


@api.get("/alerts")
def get_alerts():
    return _export("alerts")


@api.get("/expense-flags")
def get_expense_flags():
    return _export("expense-flags")


@api.get("/device-quality")
def get_device_quality():
    return _export("device-quality")


@api.get("/customers")
def get_customers():
    return _export("customers")


@api.get("/tasks")
def get_tasks():
    """GET /api/v1/tasks (contract §5; the field app's list): ``rep_id``, ``region_id``,
    ``date`` (the tasks as they stood then; default every task as it stands today), ``status``
    (comma-separated open, overdue, done) and ``format`` (jsonl, csv)."""
    known = {"rep_id", "region_id", "date", "status", "format"}
    unknown = sorted(set(request.args) - known)
    if unknown:
        return _error(400, f"{unknown[0]}: unknown parameter (use {', '.join(sorted(known))})")
    on = request.args.get("date")
    try:
        day = None if on is None else date.fromisoformat(on)
    except ValueError:
        return _error(400, f"date: {on!r} is not a date (YYYY-MM-DD)")
    fmt = request.args.get("format", "jsonl")
    if fmt not in ("jsonl", "csv"):
        return _error(400, f"format: {fmt!r} is not 'jsonl' or 'csv'")
    for name in ("rep_id", "region_id"):
        if name in request.args and not request.args[name].strip():
            return _error(400, f"{name}: empty (omit it for every {name[:-3]})")
    statuses = tuple(s.strip() for s in request.args.get("status", "").split(",") if s.strip())
    try:
        rows = tasks.export_rows(
            current_engine(),
            today=customers.company_today(current_settings().timezone),
            on=day,
            rep_id=request.args.get("rep_id"),
            region_id=request.args.get("region_id"),
            statuses=statuses,
        )
    except ValueError as exc:
        return _error(400, str(exc))
    except DatabaseUnavailable:
        return _error(503, "database unreachable; retry later")
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    body = "".join(exports.export_text(rows, "tasks", fmt))
    return Response(body, mimetype=mimetype, headers={"X-Total-Count": str(len(rows))})


@api.get("/plans")
def get_plans():
    """GET /api/v1/plans (contract §6; the field app's plan): ``rep_id``, ``date`` (one day),
    or ``from``/``to`` (a period), and ``format`` (jsonl, csv)."""
    known = {"rep_id", "date", "from", "to", "format"}
    unknown = sorted(set(request.args) - known)
    if unknown:
        return _error(400, f"{unknown[0]}: unknown parameter (use {', '.join(sorted(known))})")
    bounds: dict[str, date | None] = {}
    for name in ("date", "from", "to"):
        value = request.args.get(name)
        try:
            bounds[name] = None if value is None else date.fromisoformat(value)
        except ValueError:
            return _error(400, f"{name}: {value!r} is not a date (YYYY-MM-DD)")
    if bounds["date"] is not None and (bounds["from"] or bounds["to"]):
        return _error(400, "date: give either date or from/to")
    fmt = request.args.get("format", "jsonl")
    if fmt not in ("jsonl", "csv"):
        return _error(400, f"format: {fmt!r} is not 'jsonl' or 'csv'")
    rep_id = request.args.get("rep_id")
    if rep_id is not None and not rep_id.strip():
        return _error(400, "rep_id: empty (omit it for every rep)")
    try:
        rows = route_plans.export_rows(
            current_engine(),
            scope=Scope.system(),
            rep_id=rep_id,
            date_from=bounds["date"] or bounds["from"],
            date_to=bounds["date"] or bounds["to"],
        )
    except ValueError as exc:
        return _error(400, str(exc))
    except DatabaseUnavailable:
        return _error(503, "database unreachable; retry later")
    mimetype = "text/csv" if fmt == "csv" else "application/x-ndjson"
    body = "".join(exports.export_text(rows, "plans", fmt))
    return Response(body, mimetype=mimetype, headers={"X-Total-Count": str(len(rows))})


@api.get("/sop-templates")
def get_sop_templates():
    """GET /api/v1/sop-templates (contract §7; the field app's templates): the current version
    of every template with its ordered steps, as JSON ``{"templates": [...]}``."""
    if request.args:
        return _error(400, f"{sorted(request.args)[0]}: unknown parameter (this takes none)")
    try:
        templates = sop.current_templates(current_engine())
    except DatabaseUnavailable:
        return _error(503, "database unreachable; retry later")
    return jsonify({"templates": templates})


@api.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown_endpoint(rest: str):
    return _error(404, f"no API endpoint /api/v1/{rest}")

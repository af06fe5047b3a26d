"""A rep's own data (issue 20): everything stored about one rep as one JSON document, the answer
to the access request a privacy law grants. Used by `python -m dashboard export-rep` and by the
Privacy tab of /admin.

The document is written piece by piece (one row at a time, read from a streamed cursor), never
built as one string::

    {"header": {"format": 1, "rep_id", "exported_at", "exported_by", "product_version",
                "schema_revision", "tables": {table: how its rows were selected}},
     "device_ids": [...],
     "tables": {"reps": [{...}], "teams": [...], ..., "rep_day_failures": [...]},
     "counts": {table: rows}}

Times are ISO 8601 (UTC, with offset), dates ISO 8601, amounts JSON numbers. Every export is
appended to the audit trail (status_events, kind "rep_export": who exported whom, when).
"""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dashboard.services import settings as settings_service
from data_access import admin as audit_store
from data_access import rep_export as store
from data_access import retention as retention_store

FORMAT = 1
AUDIT_KIND = "rep_export"


class RepExportError(ValueError):
    """The export was refused; the message names the field."""


def product_version() -> str:
    try:
        return metadata.version("field-visit-cockpit")
    except metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text())["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_plain)


def _schema_revision(conn) -> str | None:
    try:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        conn.rollback()
        return None


def rep_exists(engine: Engine, rep_id: str) -> bool:
    with engine.connect() as conn:
        return store.fetch_rep(conn, (rep_id or "").strip()) is not None


def export_rep(
    engine: Engine, rep_id: str, out: TextIO, *, by: str, now: datetime
) -> dict[str, int]:
    """Write everything stored about ``rep_id`` to ``out`` as JSON; audit it; return the row
    count of each table. An unknown rep raises RepExportError and writes nothing."""
    rep_id = (rep_id or "").strip()
    if not rep_id:
        raise RepExportError("rep: a rep id is required")
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        if store.fetch_rep(conn, rep_id) is None:
            raise RepExportError(f"rep: no rep {rep_id!r}")
        header = {
            "format": FORMAT,
            "rep_id": rep_id,
            "exported_at": now.isoformat(),
            "exported_by": by,
            "product_version": product_version(),
            "schema_revision": _schema_revision(conn),
            "tables": {s.table: s.how for s in store.SECTIONS},
        }
        out.write('{"header": ' + _dumps(header))
        out.write(',\n"device_ids": ' + _dumps(store.device_ids(conn, rep_id)))
        out.write(',\n"tables": {')
        for i, section in enumerate(store.SECTIONS):
            out.write(("," if i else "") + "\n" + _dumps(section.table) + ": [")
            n = 0
            for row in store.rows(conn, section, rep_id):
                out.write(("," if n else "") + "\n" + _dumps(row))
                n += 1
            out.write("]")
            counts[section.table] = n
        out.write('},\n"counts": ' + _dumps(counts) + "}\n")
    with engine.begin() as conn:
        audit_store.append_event(
            conn,
            kind=AUDIT_KIND,
            subject=rep_id,
            at=now,
            actor=by,
            action="export",
            note=f"{sum(counts.values())} rows",
        )
    return counts


def list_reps(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return store.list_reps(conn)


def retention(engine: Engine) -> dict[str, Any]:
    """The retention policy in force: ``retention_days`` (value, default, overridden) and the
    last purge when the purge keeps a log (else None)."""
    setting = settings_service.current_values(engine)["retention_days"]
    with engine.connect() as conn:
        last = retention_store.last_purge(conn)
    return {
        "days": setting["value"],
        "default": setting["default"],
        "overridden": setting["overridden"],
        "last_purge": last,
    }

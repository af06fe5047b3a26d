"""Exports of contract §4, §2a and §5: alerts, expense flags, device quality and customers as
JSON Lines or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from dashboard import privacy
from dashboard.route_plans import EXPORT_FIELDS as PLAN_FIELDS
from dashboard.rules import summaries
from dashboard.services import customers, quality
from dashboard.tasks import EXPORT_FIELDS as TASK_FIELDS
from data_access import judge as store

ALERT_FIELDS = (
    "id",
    "rule",
    "severity",
    "rep_id",
    "ts",
    "visit_id",
    "customer_id",
    "status",
    "summary",
    "evidence",
)
FLAG_FIELDS = (
    "id",
    "rule",
    "claim_id",
    "rep_id",
    "date",
    "amount",
    "amount_at_risk",
    "status",
    "summary",
    "evidence",
)


EXPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "alerts": ALERT_FIELDS,
    "expense-flags": FLAG_FIELDS,
    "device-quality": quality.EXPORT_FIELDS,
    "customers": customers.EXPORT_FIELDS,
    # Written by ``dashboard.services.tasks.export_rows`` (the `tasks export` verb).
    "tasks": TASK_FIELDS,
    # Written by ``dashboard.services.route_plans.export_rows`` (`export plans`).
    "plans": PLAN_FIELDS,
}


def export_rows(
    engine: Engine,
    kind: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    today: date | None = None,
    lang: str = "en",
    precision: str = "exact",
) -> list[dict[str, Any]]:
    """Return alerts or expense flags of the period as contract §4 objects, device quality as
    §2a's, or every customer as §5's on local date ``today`` (JSON-ready). The summaries of
    alerts and flags are rendered from their rule's template in ``lang`` ("en" or "zh").

    The people's positions in the evidence are snapped to ``precision`` (issue 20; the
    customers' master positions are not personal data and stay exact)."""
    rows = _export_rows(engine, kind, date_from=date_from, date_to=date_to, today=today, lang=lang)
    if precision == "exact" or kind not in ("alerts", "expense-flags"):
        privacy.cell_m(precision)  # an unknown precision is refused whatever the kind
        return rows
    return [{**row, "evidence": privacy.snap_tree(row["evidence"], precision)} for row in rows]


def _export_rows(
    engine: Engine,
    kind: str,
    *,
    date_from: date | None,
    date_to: date | None,
    today: date | None,
    lang: str,
) -> list[dict[str, Any]]:
    if lang not in summaries.LANGS:
        raise ValueError(f"lang: {lang!r} is not one of {', '.join(summaries.LANGS)}")
    if kind not in EXPORT_FIELDS or kind in ("tasks", "plans"):
        known = [k for k in EXPORT_FIELDS if k not in ("tasks", "plans")]
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(known)}")
    if kind == "customers":
        if date_from is not None or date_to is not None:
            raise ValueError("from/to: customers are exported as they stand today, not by period")
        if today is None:
            raise ValueError("today: the local date of the customers' status is required")
        return customers.export_rows(engine, today=today)
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValueError(f"from: {date_from} is after to: {date_to}")
    if kind == "device-quality":
        return quality.export_rows(engine, date_from=date_from, date_to=date_to)
    with engine.connect() as conn:
        if kind == "alerts":
            rows = store.fetch_alerts(conn, date_from=date_from, date_to=date_to)
            names, zones = store.fetch_summary_context(
                conn,
                customer_ids=(row["customer_id"] for row in rows),
                rep_ids=(row["rep_id"] for row in rows),
            )
            return [
                {
                    **{k: row[k] for k in ALERT_FIELDS},
                    "ts": row["ts"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "summary": summaries.summary_of(
                        {**row, "customer_name": names.get(row["customer_id"])},
                        lang,
                        tz=zones.get(row["rep_id"]),
                    ),
                }
                for row in rows
            ]
        rows = store.fetch_flags(conn, date_from=date_from, date_to=date_to)
        return [
            {
                **{k: row[k] for k in FLAG_FIELDS},
                "date": row["date"].isoformat(),
                "amount": float(row["amount"]),
                "amount_at_risk": float(row["amount_at_risk"]),
                "summary": summaries.summary_of(row, lang),
            }
            for row in rows
        ]


def export_text(rows: list[dict[str, Any]], kind: str, fmt: str) -> Iterable[str]:
    """Render export rows as JSON Lines or CSV text (objects and lists as JSON text in CSV,
    booleans as true/false)."""
    if fmt == "jsonl":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
        return
    if fmt != "csv":
        raise ValueError(f"format: {fmt!r} is not 'jsonl' or 'csv'")
    fields = EXPORT_FIELDS[kind]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(fields)
    yield buf.getvalue()

    def cell(value: Any) -> Any:
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else value

    for row in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow([cell(row[f]) for f in fields])
        yield buf.getvalue()

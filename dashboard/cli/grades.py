"""Verb of the grades (contract §5): regrade, the what-if and, with --apply, its application."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any, TextIO

from dashboard.cli.common import EXIT_OK, EXIT_REFUSED
from dashboard.cli.common import now as _now
from dashboard.cli.common import print_json as _print_json
from dashboard.cli.judge import _date_arg
from dashboard.grades import GradeError, WhatIf
from dashboard.services import grades
from dashboard.services import tasks as tasks_service
from dashboard.services.db import get_engine
from dashboard.settings import Settings
from data_access.scope import Scope

CSV_FIELDS = (
    "customer_id",
    "name",
    "region_id",
    "before",
    "after",
    "computed",
    "locked",
    "amount",
    "rank",
)


def _rows(plan: WhatIf) -> list[dict[str, Any]]:
    """The customers that move, and the locked ones whose rank would have moved them."""
    return [r.as_dict() for r in plan.results if r.moves or r.held_by_lock]


def _write_table(plan: WhatIf, out: TextIO, applied: int | None) -> None:
    head = "applied" if applied is not None else "what-if"
    out.write(
        f"regrade {head} on {plan.today.isoformat()}: {len(plan.results)} customers, "
        f"{len(plan.changes)} move, {len(plan.held)} held by a lock\n"
    )
    if applied is not None:
        out.write(f"grades changed now: {applied}\n")
    out.write("\nmoves per region\n")
    out.write(f"{'region':<16}{'move':<8}{'customers':>10}\n")
    for m in plan.moves():
        out.write(f"{m['region_id']:<16}{m['move']:<8}{m['customers']:>10}\n")
    out.write("\nrevenue share per grade (before -> after)\n")
    out.write(f"{'region':<16}{'grade':<6}{'customers':>14}{'share %':>18}\n")
    for s in plan.shares():
        customers = f"{s['customers_before']} -> {s['customers_after']}"
        share = f"{s['share_before']:.1f} -> {s['share_after']:.1f}"
        out.write(f"{s['region_id']:<16}{s['grade']:<6}{customers:>14}{share:>18}\n")
    rows = _rows(plan)
    if rows:
        out.write("\ncustomers\n")
        for r in rows:
            lock = "  (locked: keeps " + r["before"] + ")" if r["locked"] else ""
            out.write(
                f"{r['customer_id']:<16}{r['region_id']:<16}{r['before']}->{r['after']}"
                f"{r['amount']:>16,.2f}{lock}\n"
            )


def cmd_regrade(args: argparse.Namespace, settings: Settings) -> int:
    """Print the regrade's what-if (every region: the command line is an operator's door);
    with --apply, apply it as an admin (--reason required) and print what it changed."""
    engine = get_engine(settings.database_url)
    now = _now()
    try:
        today = _date_arg(args.date, "--date") or tasks_service.company_today(
            now, settings.timezone
        )
        scope = Scope.everything(user=args.by)
        if args.apply:
            if not (args.reason or "").strip():
                raise GradeError("--reason: a reason is required with --apply")
            result = grades.apply_regrade(
                engine,
                scope,
                role="admin",
                by=args.by,
                reason=args.reason,
                today=today,
                now=now,
                region=args.region,
            )
            plan, applied = result.plan, len(result.changed)
        else:
            plan, applied = grades.what_if(engine, scope, today=today, region=args.region), None
    except GradeError as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return EXIT_REFUSED
    if args.format == "json":
        _print_json(
            {**plan.summary(), "applied": applied, "customers_moving": _rows(plan)}, sys.stdout
        )
    elif args.format == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_rows(plan))
        sys.stdout.write(buf.getvalue())
    else:
        _write_table(plan, sys.stdout, applied)
    if applied is not None:
        print(f"applied: {applied} grades changed", file=sys.stderr)
    return EXIT_OK

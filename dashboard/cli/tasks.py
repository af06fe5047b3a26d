"""Verbs of the visit tasks (contract §5): tasks generate, tasks export."""

from __future__ import annotations

import argparse
import sys

from dashboard.cli.common import EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE
from dashboard.cli.common import now as _now
from dashboard.cli.common import print_json as _print_json
from dashboard.cli.judge import _date_arg
from dashboard.services import exports
from dashboard.services import tasks as tasks_service
from dashboard.services.db import get_engine
from dashboard.settings import Settings


def cmd_tasks_generate(args: argparse.Namespace, settings: Settings) -> int:
    """Generate the tasks of a local date (default: the company's today); idempotent."""
    try:
        on = _date_arg(args.date, "--date")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    engine = get_engine(settings.database_url)
    now = _now()
    on = on or tasks_service.company_today(now, settings.timezone)
    closed = tasks_service.close_done(engine, now=now)
    result = tasks_service.generate(engine, on=on, now=now)
    _print_json({**result.as_dict(), "closed": closed}, sys.stdout)
    return EXIT_OK


def cmd_tasks_export(args: argparse.Namespace, settings: Settings) -> int:
    """Print every task as it stands today, or with --date the tasks as they stood then."""
    engine = get_engine(settings.database_url)
    try:
        on = _date_arg(args.date, "--date")
        rows = tasks_service.export_rows(
            engine,
            today=tasks_service.company_today(_now(), settings.timezone),
            on=on,
            rep_id=args.rep,
            region_id=args.region,
            statuses=tuple(s for s in (args.status or "").split(",") if s),
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    except OSError as exc:
        print(f"error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        for chunk in exports.export_text(rows, "tasks", args.format):
            out.write(chunk)
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"{len(rows)} tasks exported", file=sys.stderr)
    return EXIT_OK

"""Verbs of the customers (contract §5): handover."""

from __future__ import annotations

import argparse
import sys

from dashboard.cli.common import EXIT_OK, EXIT_REFUSED
from dashboard.cli.common import now as _now
from dashboard.cli.common import print_json as _print_json
from dashboard.services import customers
from dashboard.services.db import get_engine
from dashboard.settings import Settings
from data_access.scope import Scope


def _customer_list(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def cmd_handover(args: argparse.Namespace, settings: Settings) -> int:
    """Hand a rep's customers over (every region: the command line is an operator's door)."""
    engine = get_engine(settings.database_url)
    scope = Scope.everything(user=args.by)
    request = {
        "from_rep": args.from_rep,
        "to_rep": args.to_rep,
        "customers": _customer_list(args.customers),
        "deactivate": args.deactivate,
        "now": _now(),
    }
    try:
        if args.dry_run:
            plan = customers.handover_preview(engine, scope, **request)
        else:
            plan = customers.handover(engine, scope, by=args.by, reason=args.reason, **request)
    except customers.HandoverRefused as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return EXIT_REFUSED
    _print_json({"dry_run": bool(args.dry_run), **plan.summary()}, sys.stdout)
    verb = "would move" if args.dry_run else "moved"
    left = ", and deactivated the leaving rep" if args.deactivate and not args.dry_run else ""
    print(
        f"{verb} {len(plan.customers)} customers, {len(plan.tasks)} open tasks and "
        f"{len(plan.plans)} open plans "
        f"from {args.from_rep} to {args.to_rep}{left}",
        file=sys.stderr,
    )
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK

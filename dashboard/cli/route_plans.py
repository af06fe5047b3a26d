"""Verbs of suggested plans (contract §6): plan suggest, export plans."""

from __future__ import annotations

import argparse
import sys

from dashboard.cli.common import EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE
from dashboard.cli.common import now as _now
from dashboard.cli.common import print_json as _print_json
from dashboard.cli.judge import _date_arg
from dashboard.services import exports
from dashboard.services import route_plans as plans_service
from dashboard.services.db import get_engine
from dashboard.settings import Settings
from data_access.scope import Scope


def cmd_plan_suggest(args: argparse.Namespace, settings: Settings) -> int:
    """Print the suggested plan of a rep-day (one JSON object), or of a team's week (one JSON
    object a line); with --publish also store each as a `plan` record."""
    if (args.rep is None) == (args.team is None):
        print(
            "error: rep/team: give either --rep with --date or --team with --week", file=sys.stderr
        )
        return EXIT_REFUSED
    engine = get_engine(settings.database_url)
    try:
        if args.rep is not None:
            if args.week is not None:
                raise ValueError("week: goes with --team (use --date with --rep)")
            on = _date_arg(args.date, "--date")
            if on is None:
                raise ValueError("date: required with --rep (YYYY-MM-DD)")
            suggestions = [
                plans_service.suggest_day(
                    engine, rep_id=args.rep, on=on, scope=Scope.system(), backend=args.backend
                )
            ]
        else:
            if args.date is not None:
                raise ValueError("date: goes with --rep (use --week with --team)")
            if args.week is None:
                raise ValueError("week: required with --team (YYYY-Www)")
            suggestions = plans_service.suggest_team_week(
                engine,
                team_id=args.team,
                week=args.week,
                scope=Scope.system(),
                backend=args.backend,
            )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    code = EXIT_OK
    for suggestion in suggestions:
        if args.publish and not suggestion["customer_ids"]:
            print(
                f"error: {suggestion['id']}: customer_ids: no stops, not published", file=sys.stderr
            )
            code = EXIT_REFUSED
        elif args.publish:
            summary = plans_service.publish(
                engine, suggestion, now=_now(), by=args.by, scope=Scope.system()
            )
            suggestion = {**suggestion, "published": summary}
            for rejected in summary["rejected"]:
                print(f"error: {rejected['id']}: {rejected['error']}", file=sys.stderr)
                code = EXIT_REFUSED
        _print_json(suggestion, sys.stdout)
    return code


def cmd_export_plans(args: argparse.Namespace, settings: Settings) -> int:
    """Print stored plans (contract §6 objects) as JSON Lines or CSV."""
    engine = get_engine(settings.database_url)
    try:
        start, end = _date_arg(args.date_from, "--from"), _date_arg(args.date_to, "--to")
        rows = plans_service.export_rows(
            engine, scope=Scope.system(), rep_id=args.rep, date_from=start, date_to=end
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
        for chunk in exports.export_text(rows, "plans", args.format):
            out.write(chunk)
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"{len(rows)} plans exported", file=sys.stderr)
    return EXIT_OK

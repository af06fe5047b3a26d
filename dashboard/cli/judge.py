"""Verbs of the judge: detect, export, and the rules' thresholds (settings show/set)."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from dashboard.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNREADABLE,
)
from dashboard.cli.common import (
    now as _now,
)
from dashboard.cli.common import (
    print_json as _print_json,
)
from dashboard.cli.ingest import report_failures
from dashboard.services import customers, detect, exports, frequency, tasks
from dashboard.services import settings as rule_settings
from dashboard.services.db import get_engine
from dashboard.settings import Settings


def _date_arg(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def cmd_detect(args: argparse.Namespace, settings: Settings) -> int:
    try:
        start, end = _date_arg(args.date_from, "--from"), _date_arg(args.date_to, "--to")
        engine = get_engine(settings.database_url)
        now = _now()
        result = detect.detect(engine, start, end, now=now)
        # FREQUENCY_MISS (contract §5) is judged per customer over the period, up to today.
        today = tasks.company_today(now, settings.timezone)
        until = today if end is None else min(end, today)
        missed = (
            None
            if start is not None and start > until
            else frequency.judge_frequency(engine, until=until, since=start, now=now)
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    _print_json({**result.as_dict(), "frequency": missed and missed.as_dict()}, sys.stdout)
    report_failures(engine)
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    if args.kind == "plans":
        from dashboard.cli.route_plans import cmd_export_plans

        return cmd_export_plans(args, settings)
    if getattr(args, "rep", None) is not None:
        print("error: rep: only plans are exported by rep", file=sys.stderr)
        return EXIT_REFUSED
    try:
        start, end = _date_arg(args.date_from, "--from"), _date_arg(args.date_to, "--to")
        engine = get_engine(settings.database_url)
        today = customers.company_today(settings.timezone) if args.kind == "customers" else None
        rows = exports.export_rows(
            engine,
            args.kind,
            date_from=start,
            date_to=end,
            today=today,
            lang=getattr(args, "lang", "en"),
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
        for chunk in exports.export_text(rows, args.kind, args.format):
            out.write(chunk)
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"{len(rows)} {args.kind.replace('-', ' ')} exported", file=sys.stderr)
    return EXIT_OK


def cmd_settings_show(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    for key, info in rule_settings.current_values(engine).items():
        _print_json({"key": key, **info}, sys.stdout)
    return EXIT_OK


def cmd_settings_set(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    try:
        before, after = rule_settings.set_value(
            engine, args.key, args.value, actor=args.by, now=_now(), note=args.note
        )
    except rule_settings.SettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"{args.key}: {before} -> {after} (run `python -m dashboard detect` to re-judge)")
    return EXIT_OK

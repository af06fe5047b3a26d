"""`python -m dashboard report daily|weekly|monthly`: the standard reports (contract §8) as
files, one or the pack of every team (``--all-teams -o DIR``) with a progress bar."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from components import report_files as files
from components.i18n import t
from dashboard import reports as core
from dashboard.cli.common import EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE
from dashboard.services import customers, reports
from dashboard.services.db import get_engine
from dashboard.services.users import User
from dashboard.settings import Settings

# The command line sees the whole company, read-only (as an executive does).
CLI_USER = User(id=0, name="cli", role="exec", regions=())
BAR_WIDTH = 30


def progress_bar(out: TextIO):
    """``progress(done, total, label)`` drawing one line on a terminal (new lines elsewhere)."""
    tty = out.isatty()

    def draw(done: int, total: int, label: str) -> None:
        filled = BAR_WIDTH if total == 0 else BAR_WIDTH * done // total
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {label}"
        if tty:
            out.write("\r" + line.ljust(BAR_WIDTH + 60)[: BAR_WIDTH + 60])
            if done == total:
                out.write("\n")
        else:
            out.write(line.rstrip() + "\n")
        out.flush()

    return draw


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    today = customers.company_today(settings.timezone)
    try:
        day = core.parse_day(args.date, today=today)
        if args.all_teams and (args.team or not args.output):
            raise core.ReportError("--all-teams: give -o DIR and no --team")
        if args.format == "pdf":
            files.find_cjk_font()  # before any work: no PDF without a font to embed
        if args.all_teams:
            return _all_teams(args, engine, day, today)
        report = reports.build_report(
            engine,
            CLI_USER,
            kind=args.kind,
            day=day,
            today=today,
            region=args.region,
            team=args.team,
        )
        scope = reports.scope_name(engine, CLI_USER, region=args.region, team=args.team)
        data = files.render(
            report, args.format, args.lang, scope or t("rpt.scope.company", args.lang)
        )
    except (core.ReportError, files.FontMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    if not args.output and args.format == "csv":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return EXIT_OK
    path = Path(
        args.output
        or core.file_name(
            report["period"], scope=args.team or args.region or "company", fmt=args.format
        )
    )
    try:
        _write(path, data)
    except OSError as exc:
        print(f"error: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"{report['period'].kind} report {report['period'].label}: {path}", file=sys.stderr)
    return EXIT_OK


def _all_teams(args: argparse.Namespace, engine, day, today) -> int:
    folder = Path(args.output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: cannot write {folder}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNREADABLE
    written = 0
    pack = reports.team_pack(
        engine,
        CLI_USER,
        kind=args.kind,
        day=day,
        today=today,
        region=args.region,
        progress=progress_bar(sys.stderr),
    )
    for team_id, name, report in pack:
        data = files.render(report, args.format, args.lang, f"{name} ({team_id})")
        path = folder / core.file_name(report["period"], scope=team_id, fmt=args.format)
        try:
            _write(path, data)
        except OSError as exc:
            print(f"error: cannot write {path}: {exc.strerror}", file=sys.stderr)
            return EXIT_UNREADABLE
        written += 1
    print(f"{written} team reports written to {folder}", file=sys.stderr)
    return EXIT_OK

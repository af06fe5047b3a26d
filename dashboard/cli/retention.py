"""`python -m dashboard purge [--dry-run]`: delete the raw GPS fixes older than the retention."""

from __future__ import annotations

import argparse
import sys
import time

from dashboard.cli.common import EXIT_OK, EXIT_REFUSED, print_json
from dashboard.cli.common import now as _now
from dashboard.cli.judge import _date_arg
from dashboard.services import background, detect, retention, tasks
from dashboard.services.db import get_engine
from dashboard.settings import Settings
from data_access import locks


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    try:
        today = _date_arg(args.today, "--today")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    engine = get_engine(settings.database_url)
    now = _now()
    today = today or tasks.company_today(now, settings.timezone)
    if args.dry_run:
        report = retention.purge(engine, today=today, dry_run=True, now=now)
    else:
        # Under the background pass's lock (one purge or judge at a time across hosts), after
        # the rollups and the judge are current: the figures kept are the final ones.
        deadline = time.monotonic() + 600
        while True:
            with locks.exclusive(engine, background.PASS_LOCK) as held:
                if held:
                    background.refresh_rollups(engine, _now)
                    detect.detect_pending(engine, now=_now())
                    background.refresh_rollups(engine, _now)
                    report = retention.purge(engine, today=today, now=_now())
                    break
            if time.monotonic() >= deadline:
                print("error: another process held the background lock for 600 s", file=sys.stderr)
                return EXIT_REFUSED
            time.sleep(0.5)
    if args.json:
        print_json(report.as_dict(), sys.stdout)
    else:
        print(describe(report))
    return EXIT_OK


def describe(report: retention.PurgeReport) -> str:
    """One sentence: what the purge deleted or would delete."""
    verb = "would delete" if report.dry_run else "deleted"
    text = (
        f"purge: {verb} {report.rows:,} raw GPS fix(es) of {report.rep_days} rep-day(s)"
        + (f", {report.oldest} to {report.newest}" if report.oldest else "")
        + f"; retention {report.retention_days} days (fixes dated before {report.cutoff},"
        f" today {report.today})"
    )
    if report.deferred:
        text += f"; {report.deferred} rep-day(s) deferred until their rollups are current"
    return text

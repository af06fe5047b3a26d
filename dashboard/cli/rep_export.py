"""Verb `export-rep` (issue 20): everything stored about one rep as JSON, for the rep's access
request. The work is dashboard.services.rep_export's; this only opens the output."""

from __future__ import annotations

import argparse
import sys

from dashboard.cli.common import EXIT_OK, EXIT_REFUSED
from dashboard.cli.common import now as _now
from dashboard.services import rep_export
from dashboard.services.db import get_engine
from dashboard.settings import Settings


def cmd_export_rep(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    if not rep_export.rep_exists(engine, args.rep):
        print(f"error: rep: no rep {args.rep.strip()!r}", file=sys.stderr)
        return EXIT_REFUSED
    if not args.output or args.output == "-":
        rep_export.export_rep(engine, args.rep, sys.stdout, by=args.by, now=_now())
        return EXIT_OK
    try:
        out = open(args.output, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        print(f"error: -o: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return EXIT_REFUSED
    with out:
        counts = rep_export.export_rep(engine, args.rep, out, by=args.by, now=_now())
    print(
        f"exported rep {args.rep.strip()} to {args.output}: {sum(counts.values())} rows "
        f"in {sum(1 for n in counts.values() if n)} tables",
        file=sys.stderr,
    )
    return EXIT_OK

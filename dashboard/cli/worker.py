"""`python -m dashboard worker`: the background work as its own process.

Any number of these (and of web processes with ``COCKPIT_BACKGROUND=inline``) may run against
one database, on any hosts: passes take turns through a database lock, so each change is
refreshed and judged once. SIGTERM or Ctrl-C ends it after the pass in progress.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from dashboard.cli.codes import EXIT_OK
from dashboard.cli.common import now as _now
from dashboard.cli.ingest import report_failures
from dashboard.services import background, detect, priority
from dashboard.services.db import get_engine, is_unavailable_error
from dashboard.settings import Settings


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    # A job worker beside web processes on one host leaves them the CPU first.
    priority.set_bulk_nice(settings.bulk_nice)
    # Its refreshes and rounds take turns with the other passes of this host; its judging may
    # be paced while the host's web serves pages (COCKPIT_BULK_DUTY).
    priority.set_host_slots(settings.data_dir, settings.bulk_slots)
    priority.set_bulk_duty(settings.bulk_duty / 100)
    priority.lower_this_thread()
    poll = args.poll if args.poll and args.poll > 0 else settings.poll_seconds
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if not args.once:
        print(f"worker: watching {engine.url.render_as_string()} every {poll:g} s", flush=True)
    first = True
    while not stop.is_set():
        try:
            # The first pass catches up unconditionally (a new rule version marks days dirty
            # inside the pass); later ones run when the cheap probe finds work.
            if first or background.has_pending(engine):
                done = background.run_pass(engine, _now, wait_seconds=600 if args.once else 0)
            else:
                done = background.PassResult()
            first = False
        except Exception as exc:
            if not is_unavailable_error(exc):
                raise
            # The database went away: say so and try again at the next round.
            print(f"worker: database unreachable ({exc}); retrying", file=sys.stderr, flush=True)
            done = background.PassResult()
        if done.work:
            print(
                f"worker: refreshed {done.refreshed} rep-day rollup(s), judged "
                f"{done.judged.rep_days} rep-day(s): {done.judged.alerts_written} alert(s) and "
                f"{done.judged.flags_written} expense flag(s) written",
                flush=True,
            )
            report_failures(engine)
        if done.purged is not None and done.purged.rows:
            from dashboard.cli.retention import describe

            print(f"worker: {describe(done.purged)}", flush=True)
        if args.once:
            break
        detect.release_idle_photo_caches(background.PHOTO_INDEX_IDLE_S)
        stop.wait(poll)
    return EXIT_OK

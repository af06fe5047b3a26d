"""Verbs that bring records in: ingest, refresh, quarantine, seed-demo, counts."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from dashboard.cli.common import (
    EXIT_OK,
    EXIT_UNREADABLE,
)
from dashboard.cli.common import (
    now as _now,
)
from dashboard.cli.common import (
    print_json as _print_json,
)
from dashboard.contract import wire
from dashboard.services import ingest
from dashboard.services.db import get_engine
from dashboard.settings import Settings

# The CLI finishes the work it loaded: it waits this long for another process's pass.
WAIT_FOR_PASS_SECONDS = 600.0


def _detect_format(path: str, head: bytes, forced: str | None) -> str:
    if forced:
        return forced
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    stripped = head.lstrip()
    return "jsonl" if stripped[:1] in (b"{", b"[") else "csv"


def _iter_items(
    path: str, stream: io.BufferedIOBase, fmt: str, record_type: str | None
) -> Iterator[wire.WireItem]:
    if fmt == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        yield from wire.iter_csv_items(text, record_type=record_type)
        return
    first = stream.readline()
    stripped = first.lstrip()
    if stripped.startswith(b"[") or stripped.startswith(b'{"records"'):
        # One JSON document, as the HTTP body would be.
        yield from wire.items_from_json_body(first + stream.read())
        return
    lines = _chain_first(first, stream)
    items = wire.iter_ndjson_items(lines)
    if record_type is None:
        yield from items
        return
    for item in items:
        if isinstance(item.value, dict) and "type" not in item.value:
            item.value["type"] = record_type
        yield item


def _chain_first(first: bytes, stream: io.BufferedIOBase) -> Iterator[bytes]:
    yield first
    yield from stream


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    results: list[tuple[str, ingest.IngestSummary]] = []
    for path in args.files:
        try:
            stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
            return EXIT_UNREADABLE
        with stream:
            head = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
            fmt = _detect_format(path, head, args.format)
            source = f"cli:{'stdin' if path == '-' else Path(path).name}"
            try:
                summary = ingest.ingest_stream(
                    engine, _iter_items(path, stream, fmt, args.type), source=source, now=_now
                )
            except wire.BodyError as exc:
                print(f"error: {path}: {exc}", file=sys.stderr)
                return EXIT_UNREADABLE
            except UnicodeDecodeError as exc:
                print(f"error: {path}: not UTF-8 text ({exc})", file=sys.stderr)
                return EXIT_UNREADABLE
        results.append((path, summary))
    if len(results) == 1:
        _print_json(results[0][1].as_dict(), sys.stdout)
    else:
        total = ingest.IngestSummary()
        for path, summary in results:
            for rejection in summary.rejected:
                rejection["file"] = path
            total.add(summary)
        _print_json(total.as_dict(), sys.stdout)
    sys.stdout.flush()
    if any(summary.accepted for _path, summary in results):
        _refresh_in_background(settings, wait=args.wait_rollups, engine=engine)
    return EXIT_OK


def _refresh_in_background(settings: Settings, *, wait: bool, engine) -> None:
    """Bring the rollups and the judgements of the touched rep-days up to date without holding
    up the ingest: a detached `refresh` process does it (as the API's background refresher
    does), unless --wait-rollups asks to do it here."""
    if wait:
        from dashboard.services import background

        background.run_pass(engine, _now, wait_seconds=WAIT_FOR_PASS_SECONDS)
        return
    env = {**os.environ, "DATABASE_URL": settings.database_url}
    subprocess.Popen(
        [sys.executable, "-m", "dashboard", "refresh"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def cmd_refresh(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.services import background

    engine = get_engine(settings.database_url)
    # Another process may be running the pass: wait for it, then do what is left.
    done = background.run_pass(engine, _now, wait_seconds=WAIT_FOR_PASS_SECONDS)
    count, judged = done.refreshed, done.judged
    print(f"refreshed {count} rep-day rollup(s)")
    print(
        f"judged {judged.rep_days} rep-day(s): {judged.alerts_written} alert(s) and "
        f"{judged.flags_written} expense flag(s) written"
    )
    report_failures(engine)
    return EXIT_OK


def report_failures(engine) -> None:
    """List the rep-days set aside by the rollups or the judge (they stay listed on /data)."""
    from dashboard.services import failures

    for f in failures.list_failures(engine):
        print(
            f"warning: {f['stage']} of rep {f['rep_id']} on {f['local_date']} failed and was "
            f"set aside: {f['error']}",
            file=sys.stderr,
        )


def cmd_quarantine_list(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    entries = ingest.list_quarantine(engine, status=None if args.all else "open", limit=args.limit)
    for entry in entries:
        _print_json(
            {
                "id": entry["id"],
                "received_at": entry["received_at"].isoformat(),
                "source": entry["source"],
                "type": entry["record_type"],
                "record_id": entry["record_id"],
                "status": entry["status"],
                "attempts": entry["attempts"],
                "error": entry["error"],
                "raw": entry["raw"],
            },
            sys.stdout,
        )
    print(f"{len(entries)} quarantined record(s)", file=sys.stderr)
    return EXIT_OK


def cmd_quarantine_retry(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    summary = ingest.retry_quarantine(engine, now=_now(), ids=args.id or None)
    _print_json(summary.as_dict(), sys.stdout)
    return EXIT_OK


def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.services import demo as demo_service  # the generator is only needed here

    engine = get_engine(settings.database_url)
    result = demo_service.seed_demo(
        engine,
        seed=args.seed,
        reps=args.reps,
        days=args.days,
        now=_now(),
        progress=demo_service.terminal_progress(sys.stderr),
    )
    print(demo_service.describe_seed(result))
    return EXIT_OK


def cmd_counts(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    _print_json(ingest.count_stored(engine), sys.stdout)
    return EXIT_OK

"""`python -m dashboard VERB ...`: the command-line door of the product.

Every verb works on ``DATABASE_URL`` (default: the embedded SQLite file) and migrates the schema
on first use. Exit codes: 0 done (records rejected by ingest are quarantined and listed; rep-days
that `refresh` or `detect` had to set aside are listed on standard error and on /data), 1 refused
(bad arguments or request), 2 input unreadable, 3 database unreachable, 4 internal error (a bug:
the traceback is logged; nothing of the failed step was committed).
"""

from __future__ import annotations

import argparse
import getpass
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from dashboard.services import detect, ingest, rollups, users
from dashboard.services import settings as rule_settings
from dashboard.services.db import DatabaseUnavailable, get_engine
from dashboard.settings import Settings

EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE, EXIT_DB, EXIT_INTERNAL = 0, 1, 2, 3, 4


def _now() -> datetime:
    return datetime.now(UTC)


def _print_json(data: Any, out: TextIO) -> None:
    out.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


# ------------------------------------------------------------------ ingest


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
) -> Iterator[ingest.WireItem]:
    if fmt == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        yield from ingest.iter_csv_items(text, record_type=record_type)
        return
    first = stream.readline()
    stripped = first.lstrip()
    if stripped.startswith(b"[") or stripped.startswith(b'{"records"'):
        # One JSON document, as the HTTP body would be.
        yield from ingest.items_from_json_body(first + stream.read())
        return
    lines = _chain_first(first, stream)
    items = ingest.iter_ndjson_items(lines)
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
            except ingest.BodyError as exc:
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
        rollups.refresh_rep_days(engine, now=_now())
        detect.detect_pending(engine, now=_now())
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
    engine = get_engine(settings.database_url)
    count = rollups.refresh_rep_days(engine, now=_now())
    print(f"refreshed {count} rep-day rollup(s)")
    judged = detect.detect_pending(engine, now=_now())
    print(
        f"judged {judged.rep_days} rep-day(s): {judged.alerts_written} alert(s) and "
        f"{judged.flags_written} expense flag(s) written"
    )
    _report_failures(engine)
    return EXIT_OK


def _report_failures(engine) -> None:
    """List the rep-days set aside by the rollups or the judge (they stay listed on /data)."""
    from dashboard.services import failures

    for f in failures.list_failures(engine):
        print(
            f"warning: {f['stage']} of rep {f['rep_id']} on {f['local_date']} failed and was "
            f"set aside: {f['error']}",
            file=sys.stderr,
        )


# ------------------------------------------------------------------ the judge


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
        result = detect.detect(engine, start, end, now=_now())
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    _print_json(result.as_dict(), sys.stdout)
    _report_failures(engine)
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    try:
        start, end = _date_arg(args.date_from, "--from"), _date_arg(args.date_to, "--to")
        engine = get_engine(settings.database_url)
        rows = detect.export_rows(engine, args.kind, date_from=start, date_to=end)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    except OSError as exc:
        print(f"error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        for chunk in detect.export_text(rows, args.kind, args.format):
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


# ------------------------------------------------------------------ quarantine


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


# ------------------------------------------------------------------ users and tokens


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        print("error: the passwords differ", file=sys.stderr)
        return None
    return first


def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args)
    if password is None:
        return EXIT_REFUSED
    engine = get_engine(settings.database_url)
    try:
        user = users.create_user(
            engine,
            name=args.name,
            password=password,
            role=args.role,
            regions=args.region or (),
            now=_now(),
        )
    except users.UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    scope = ", ".join(user.regions) if user.regions else "all regions"
    print(f"user {user.name}: role {user.role}, {scope}")
    return EXIT_OK


def cmd_deactivate_user(args: argparse.Namespace, settings: Settings) -> int:
    if not users.deactivate_user(get_engine(settings.database_url), args.name):
        print(f"error: no user named {args.name}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"user {args.name}: deactivated, every session ended")
    return EXIT_OK


def cmd_sign_out_everywhere(args: argparse.Namespace, settings: Settings) -> int:
    count = users.sign_out_everywhere(get_engine(settings.database_url), args.name)
    if count is None:
        print(f"error: no user named {args.name}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"user {args.name}: {count} session(s) ended")
    return EXIT_OK


def cmd_create_token(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    try:
        token = users.create_token(engine, name=args.name, now=_now())
    except users.UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(token)
    print("Store this token now: it is shown once and only its hash is kept.", file=sys.stderr)
    return EXIT_OK


def cmd_revoke_token(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    count = users.revoke_token(engine, name=args.name, now=_now())
    print(f"revoked {count} token(s) named {args.name}")
    return EXIT_OK if count else EXIT_REFUSED


# ------------------------------------------------------------------ demo and status


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Field-sales visit cockpit: ingest, users, tokens, demo data.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = verbs.add_parser("ingest", help="ingest JSON Lines or CSV files ('-' = standard input)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--type", help="record type of every row (CSV without a 'type' column)")
    p.add_argument("--format", choices=("jsonl", "csv"), help="input format (default: by suffix)")
    p.add_argument(
        "--wait-rollups",
        action="store_true",
        help="update the per rep-day rollups before exiting (default: in a background process)",
    )
    p.set_defaults(func=cmd_ingest)

    f = verbs.add_parser("refresh", help="recompute the rep-day rollups that ingest marked dirty")
    f.set_defaults(func=cmd_refresh)

    q = verbs.add_parser("quarantine", help="list or re-submit rejected records")
    qv = q.add_subparsers(dest="action", required=True, metavar="ACTION")
    ql = qv.add_parser("list", help="print quarantined records as JSON Lines")
    ql.add_argument("--all", action="store_true", help="include resolved records")
    ql.add_argument("--limit", type=int)
    ql.set_defaults(func=cmd_quarantine_list)
    qr = qv.add_parser("retry", help="re-submit open quarantined records")
    qr.add_argument("--id", type=int, action="append", help="only this entry (repeatable)")
    qr.set_defaults(func=cmd_quarantine_retry)

    u = verbs.add_parser("create-user", help="create a user (or reset its password and role)")
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=users.ROLES)
    u.add_argument("--region", action="append", help="region id a manager may see (repeatable)")
    u.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    u.set_defaults(func=cmd_create_user)

    da = verbs.add_parser("deactivate-user", help="deactivate a user and end its sessions")
    da.add_argument("name")
    da.set_defaults(func=cmd_deactivate_user)
    so = verbs.add_parser(
        "sign-out-everywhere", help="end every session of a user, in every browser"
    )
    so.add_argument("name")
    so.set_defaults(func=cmd_sign_out_everywhere)

    t = verbs.add_parser("create-token", help="create an API token (printed once)")
    t.add_argument("name")
    t.set_defaults(func=cmd_create_token)
    r = verbs.add_parser("revoke-token", help="revoke the API tokens of a name")
    r.add_argument("name")
    r.set_defaults(func=cmd_revoke_token)

    d = verbs.add_parser("seed-demo", help="load the demo company through the ingest path")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--reps", type=int, default=108)
    d.add_argument("--days", type=int, default=20, help="working days of history")
    d.set_defaults(func=cmd_seed_demo)

    c = verbs.add_parser("counts", help="print how many records of each type are stored")
    c.set_defaults(func=cmd_counts)

    j = verbs.add_parser("detect", help="run every authenticity and expense rule over a period")
    j.add_argument("--from", dest="date_from", metavar="DATE", help="first local date (YYYY-MM-DD)")
    j.add_argument("--to", dest="date_to", metavar="DATE", help="last local date (YYYY-MM-DD)")
    j.set_defaults(func=cmd_detect)

    x = verbs.add_parser(
        "export", help="print alerts, expense flags (contract §4) or device quality (§2a)"
    )
    x.add_argument("kind", choices=("alerts", "expense-flags", "device-quality"))
    x.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    x.add_argument("--from", dest="date_from", metavar="DATE", help="first date (YYYY-MM-DD)")
    x.add_argument("--to", dest="date_to", metavar="DATE", help="last date (YYYY-MM-DD)")
    x.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    x.set_defaults(func=cmd_export)

    s = verbs.add_parser("settings", help="show or change the rules' thresholds")
    sv = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    ss = sv.add_parser("show", help="print every threshold as JSON Lines")
    ss.set_defaults(func=cmd_settings_show)
    st = sv.add_parser("set", help="change one threshold (audited)")
    st.add_argument("key")
    st.add_argument("value")
    st.add_argument("--by", required=True, metavar="NAME", help="who makes the change")
    st.add_argument("--note", metavar="TEXT", help="why")
    st.set_defaults(func=cmd_settings_set)
    _add_wall_link_verbs(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        return args.func(args, settings)
    except DatabaseUnavailable as exc:
        print(f"error: the database is unreachable: {exc}", file=sys.stderr)
        return EXIT_DB
    except Exception as exc:
        logging.getLogger("dashboard.cli").exception("%s failed", args.verb)
        print(f"error: internal error ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_INTERNAL


# ------------------------------------------------------------------ wall links


def cmd_wall_link_create(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.services import wall

    engine = get_engine(settings.database_url)
    try:
        link, token = wall.create_link(
            engine,
            name=args.name,
            views=args.views,
            regions=tuple(args.region or ()),
            expires_in=wall.parse_duration(args.expires),
            created_by=args.created_by,
            now=_now(),
        )
    except wall.WallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    base = (args.base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    print(f"{base}/wall/link/{token}")
    scope = ", ".join(link.regions) if link.regions else "all regions"
    print(
        f"wall link {link.name}: views {','.join(link.views)}; {scope}; "
        f"expires {link.expires_at.isoformat(timespec='minutes')}. "
        "The URL is shown once and only its hash is kept.",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_wall_link_list(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.services import wall

    now = _now()
    for link in wall.list_links(get_engine(settings.database_url)):
        _print_json(
            {
                "name": link.name,
                "status": link.status(now),
                "views": list(link.views),
                "regions": list(link.regions),
                "created_by": link.created_by,
                "created_at": link.created_at.isoformat(),
                "expires_at": link.expires_at.isoformat(),
                "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None,
                "last_used_at": link.last_used_at.isoformat() if link.last_used_at else None,
            },
            sys.stdout,
        )
    return EXIT_OK


def cmd_wall_link_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from dashboard.services import wall

    count = wall.revoke_link(get_engine(settings.database_url), name=args.name, now=_now())
    if not count:
        print(f"error: no live wall link named {args.name}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"revoked wall link {args.name}; its screen blanks at its next refresh")
    return EXIT_OK


def _add_wall_link_verbs(verbs) -> None:
    w = verbs.add_parser("wall-link", help="create, list or revoke read-only wall-screen links")
    wv = w.add_subparsers(dest="action", required=True, metavar="ACTION")
    wc = wv.add_parser("create", help="create a wall link and print its URL (shown once)")
    wc.add_argument("--name", required=True)
    wc.add_argument(
        "--views", default="national", help="comma-separated: national, region:<id> (rotated)"
    )
    wc.add_argument("--region", action="append", help="limit the link to a region (repeatable)")
    wc.add_argument("--expires", default="30d", help="lifetime: 90m, 12h, 30d, 2w (default 30d)")
    wc.add_argument("--base-url", help="public address of the cockpit (default http://HOST:PORT)")
    wc.add_argument("--created-by", default=os.environ.get("USER", "cli"))
    wc.set_defaults(func=cmd_wall_link_create)
    wl = wv.add_parser("list", help="print every wall link as JSON Lines (never a token)")
    wl.set_defaults(func=cmd_wall_link_list)
    wr = wv.add_parser("revoke", help="revoke a wall link by name")
    wr.add_argument("name")
    wr.set_defaults(func=cmd_wall_link_revoke)

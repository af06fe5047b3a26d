"""`python -m dashboard VERB ...`: the command-line door of the product.

Every verb works on ``DATABASE_URL`` (default: the embedded SQLite file) and migrates the schema
on first use. Exit codes: 0 done (records rejected by ingest are quarantined and listed; rep-days
that `refresh` or `detect` had to set aside are listed on standard error and on /data), 1 refused
(bad arguments or request), 2 input unreadable, 3 database unreachable, 4 internal error (a bug:
the traceback is logged; nothing of the failed step was committed).

The parser imports nothing but argparse: `--help` and a mistyped verb answer at once, and a verb
imports only its own module (``dashboard.cli.ingest``, ``.judge``, ``.users``, ``.customers``)
and what it needs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from dashboard.cli.codes import EXIT_DB, EXIT_INTERNAL, EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE
from dashboard.roles import ROLES

__all__ = ["EXIT_DB", "EXIT_INTERNAL", "EXIT_OK", "EXIT_REFUSED", "EXIT_UNREADABLE", "main"]


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
    p.set_defaults(handler="ingest:cmd_ingest")

    f = verbs.add_parser("refresh", help="recompute the rep-day rollups that ingest marked dirty")
    f.set_defaults(handler="ingest:cmd_refresh")

    w = verbs.add_parser(
        "worker",
        help="run the background work (rollups, judging) until stopped: for deployments whose "
        "web processes run with COCKPIT_BACKGROUND=off",
    )
    w.add_argument(
        "--poll",
        type=float,
        metavar="SECONDS",
        help="look for work this often (default: COCKPIT_POLL_SECONDS, 5)",
    )
    w.add_argument("--once", action="store_true", help="do what is pending, then exit")
    w.set_defaults(handler="worker:cmd_worker")

    q = verbs.add_parser("quarantine", help="list or re-submit rejected records")
    qv = q.add_subparsers(dest="action", required=True, metavar="ACTION")
    ql = qv.add_parser("list", help="print quarantined records as JSON Lines")
    ql.add_argument("--all", action="store_true", help="include resolved records")
    ql.add_argument("--limit", type=int)
    ql.set_defaults(handler="ingest:cmd_quarantine_list")
    qr = qv.add_parser("retry", help="re-submit open quarantined records")
    qr.add_argument("--id", type=int, action="append", help="only this entry (repeatable)")
    qr.set_defaults(handler="ingest:cmd_quarantine_retry")

    u = verbs.add_parser("create-user", help="create a user (or reset its password and role)")
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=ROLES)
    u.add_argument("--region", action="append", help="region id a manager may see (repeatable)")
    u.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    u.set_defaults(handler="users:cmd_create_user")

    da = verbs.add_parser("deactivate-user", help="deactivate a user and end its sessions")
    da.add_argument("name")
    da.set_defaults(handler="users:cmd_deactivate_user")
    so = verbs.add_parser(
        "sign-out-everywhere", help="end every session of a user, in every browser"
    )
    so.add_argument("name")
    so.set_defaults(handler="users:cmd_sign_out_everywhere")

    t = verbs.add_parser("create-token", help="create an API token (printed once)")
    t.add_argument("name")
    t.add_argument(
        "--scope",
        choices=("ingest", "read", "all"),
        default="ingest",
        help="ingest: POST /api/v1/ingest only (default); read: the export and read endpoints; "
        "all: every endpoint",
    )
    t.set_defaults(handler="users:cmd_create_token")
    r = verbs.add_parser("revoke-token", help="revoke the API tokens of a name")
    r.add_argument("name")
    r.set_defaults(handler="users:cmd_revoke_token")

    d = verbs.add_parser("seed-demo", help="load the demo company through the ingest path")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--reps", type=int, default=108)
    d.add_argument("--days", type=int, default=20, help="working days of history")
    d.set_defaults(handler="ingest:cmd_seed_demo")

    c = verbs.add_parser("counts", help="print how many records of each type are stored")
    c.set_defaults(handler="ingest:cmd_counts")

    j = verbs.add_parser("detect", help="run every authenticity and expense rule over a period")
    j.add_argument("--from", dest="date_from", metavar="DATE", help="first local date (YYYY-MM-DD)")
    j.add_argument("--to", dest="date_to", metavar="DATE", help="last local date (YYYY-MM-DD)")
    j.set_defaults(handler="judge:cmd_detect")

    x = verbs.add_parser(
        "export",
        help="print alerts, expense flags (contract §4), device quality (§2a) or customers (§5)",
    )
    x.add_argument(
        "kind", choices=("alerts", "expense-flags", "device-quality", "customers", "plans")
    )
    x.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    x.add_argument("--from", dest="date_from", metavar="DATE", help="first date (YYYY-MM-DD)")
    x.add_argument("--to", dest="date_to", metavar="DATE", help="last date (YYYY-MM-DD)")
    x.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    x.add_argument("--rep", metavar="REP", help="plans: only this rep's")
    x.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the alerts' and flags' summaries (default: en)",
    )
    x.set_defaults(handler="judge:cmd_export")

    s = verbs.add_parser("settings", help="show or change the rules' thresholds")
    sv = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    ss = sv.add_parser("show", help="print every threshold as JSON Lines")
    ss.set_defaults(handler="judge:cmd_settings_show")
    st = sv.add_parser("set", help="change one threshold (audited)")
    st.add_argument("key")
    st.add_argument("value")
    st.add_argument("--by", required=True, metavar="NAME", help="who makes the change")
    st.add_argument(
        "--note", "--reason", dest="note", metavar="TEXT", help="why (kept in the audit)"
    )
    st.set_defaults(handler="judge:cmd_settings_set")
    h = verbs.add_parser(
        "handover",
        help="move a rep's customers and open plans to another rep in one transaction (§5)",
    )
    h.add_argument("--from", dest="from_rep", required=True, metavar="REP", help="leaving rep")
    h.add_argument("--to", dest="to_rep", required=True, metavar="REP", help="receiving rep")
    h.add_argument(
        "--customers", metavar="ID,...", help="only these customers (default: all of them)"
    )
    h.add_argument("--deactivate", action="store_true", help="deactivate the leaving rep")
    h.add_argument("--reason", metavar="TEXT", help="why (kept in the owner history)")
    h.add_argument("--by", default=os.environ.get("USER") or "cli", help="who hands over")
    h.add_argument(
        "--dry-run", action="store_true", help="print what would move and change nothing"
    )
    h.set_defaults(handler="customers:cmd_handover")
    _add_wall_link_verbs(verbs)
    _add_purge_verb(verbs)
    _add_task_verbs(verbs)
    _add_regrade_verb(verbs)
    _add_plan_verbs(verbs)
    _add_report_verb(verbs)
    _add_export_rep_verb(verbs)
    return parser


def _add_export_rep_verb(verbs) -> None:
    e = verbs.add_parser(
        "export-rep",
        help="write everything stored about one rep as JSON (a privacy access request)",
        description="Write everything stored about one rep as one JSON document: the master "
        "record, team and region, device ids, GPS fixes, device events, visits with their "
        "check-outs, SOP steps, photos (metadata and hashes) and orders, expenses with their "
        "flags and decisions, plans, tasks, customers owned and owner history, alerts and "
        "the audit events about them, rep-day rollups. Dates and times are ISO 8601; the "
        "header says when, by whom and with which version. The export is audited.",
    )
    e.add_argument("rep", metavar="REP", help="the rep's id")
    e.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    e.add_argument(
        "--by", default=os.environ.get("USER") or "cli", help="who exports (kept in the audit)"
    )
    e.set_defaults(handler="rep_export:cmd_export_rep")


def _add_report_verb(verbs) -> None:
    r = verbs.add_parser(
        "report", help="the standard daily, weekly or monthly report as XLSX, PDF or CSV"
    )
    r.add_argument("kind", choices=("daily", "weekly", "monthly"))
    r.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="a date of the period: the day, its ISO week or its month (default: yesterday)",
    )
    r.add_argument("--region", metavar="ID", help="only this region")
    r.add_argument("--team", metavar="ID", help="only this team")
    r.add_argument("--format", choices=("xlsx", "pdf", "csv"), default="xlsx")
    r.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="the file (with --all-teams: the folder); default: CSV to standard output, "
        "XLSX/PDF to report-<kind>-<period>-<scope>.<format> here",
    )
    r.add_argument("--lang", choices=("zh", "en"), default="zh", help="headers' language")
    r.add_argument(
        "--all-teams", action="store_true", help="one file per team in -o DIR, with a progress bar"
    )
    r.set_defaults(handler="reports:cmd_report")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Imported after parsing: the parser itself needs none of this.
    from dashboard.services.db import DatabaseUnavailable
    from dashboard.settings import Settings

    module, _, name = args.handler.partition(":")
    handler = getattr(importlib.import_module(f"dashboard.cli.{module}"), name)
    settings = Settings.from_env()
    try:
        if args.verb in ("ingest", "refresh", "worker", "seed-demo", "detect", "tasks", "purge"):
            # The background pass's daily task generation works on the company's today.
            from dashboard.services import tasks

            tasks.configure(settings.timezone)
        return handler(args, settings)
    except DatabaseUnavailable as exc:
        print(f"error: the database is unreachable: {exc}", file=sys.stderr)
        return EXIT_DB
    except Exception as exc:
        import logging

        logging.getLogger("dashboard.cli").exception("%s failed", args.verb)
        print(f"error: internal error ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_INTERNAL


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
    wc.set_defaults(handler="users:cmd_wall_link_create")
    wl = wv.add_parser("list", help="print every wall link as JSON Lines (never a token)")
    wl.set_defaults(handler="users:cmd_wall_link_list")
    wr = wv.add_parser("revoke", help="revoke a wall link by name")
    wr.add_argument("name")
    wr.set_defaults(handler="users:cmd_wall_link_revoke")


def _add_purge_verb(verbs) -> None:
    p = verbs.add_parser(
        "purge",
        help="delete the raw GPS fixes older than the retention (setting retention_days); "
        "visits, stops, rollups, alerts and claims are kept",
        description="Delete the raw GPS fixes whose local date is more than retention_days "
        "(setting, default 90) before the company's today, in batches that never hold up an "
        "ingest. Each purged rep-day keeps its visits, stay points, rollup (km, visit facts), "
        "alerts with their evidence, expense flags and claims, and a record of the purge that "
        "the replay quotes. The background work does this once a day by itself.",
    )
    p.add_argument("--dry-run", action="store_true", help="print what would go; change nothing")
    p.add_argument(
        "--today", metavar="DATE", help="the company's today (default: now in COCKPIT_TIMEZONE)"
    )
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(handler="retention:cmd_purge")


def _add_task_verbs(verbs) -> None:
    k = verbs.add_parser("tasks", help="generate or export the visit tasks of due customers (§5)")
    kv = k.add_subparsers(dest="action", required=True, metavar="ACTION")
    kg = kv.add_parser(
        "generate", help="one open task per due customer without one (idempotent); JSON summary"
    )
    kg.add_argument("--date", metavar="DATE", help="local date (default: the company's today)")
    kg.set_defaults(handler="tasks:cmd_tasks_generate")
    ke = kv.add_parser("export", help="print tasks as JSON Lines or CSV (contract §5 objects)")
    ke.add_argument(
        "--date", metavar="DATE", help="the tasks as they stood on this date (default: every task)"
    )
    ke.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    ke.add_argument("--rep", metavar="REP", help="only this rep's tasks")
    ke.add_argument("--region", metavar="REGION", help="only this region's tasks")
    ke.add_argument("--status", metavar="S,...", help="only these statuses: open, overdue, done")
    ke.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    ke.set_defaults(handler="tasks:cmd_tasks_export")


def _add_regrade_verb(verbs) -> None:
    g = verbs.add_parser(
        "regrade", help="the what-if of a regrade by order amount (§5); --apply applies it"
    )
    g.add_argument("--region", metavar="R", help="only this region (default: every region)")
    g.add_argument("--format", choices=("table", "csv", "json"), default="table")
    g.add_argument("--date", metavar="DATE", help="local date (default: the company's today)")
    g.add_argument("--apply", action="store_true", help="apply it (grade history, audited)")
    g.add_argument("--reason", metavar="TEXT", help="why (required with --apply)")
    g.add_argument("--by", default=os.environ.get("USER") or "cli", help="who applies")
    g.set_defaults(handler="grades:cmd_regrade")


def _add_plan_verbs(verbs) -> None:
    p = verbs.add_parser("plan", help="suggest (and publish) optimised visit plans (§6)")
    pv = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    ps = pv.add_parser(
        "suggest", help="print the suggested plan of a rep-day, or of a team's week (JSON)"
    )
    ps.add_argument("--rep", metavar="REP", help="the rep (with --date)")
    ps.add_argument("--date", metavar="DATE", help="the local date (YYYY-MM-DD)")
    ps.add_argument("--team", metavar="TEAM", help="every active rep of a team (with --week)")
    ps.add_argument("--week", metavar="WEEK", help="ISO week, YYYY-Www: Monday to Friday")
    ps.add_argument("--publish", action="store_true", help="store each suggestion as a plan record")
    ps.add_argument("--by", default=os.environ.get("USER") or "cli", help="who publishes")
    ps.add_argument(
        "--backend",
        choices=("auto", "pyvrp", "fallback"),
        default="auto",
        help="route solver (default: PyVRP when installed)",
    )
    ps.set_defaults(handler="route_plans:cmd_plan_suggest")

"""Cooperating background workers under concurrent ingest, on PostgreSQL; then a full re-judge.

    .venv/bin/python bench/workers.py [--reps 100] [--days 10] [--workers 4] [--clients 8]
                                      [--batch 1000] [--timeout 900] [--keep]

1. A scratch PostgreSQL database (``bench_workers_<random>``), the web as ``scripts/run.sh``
   starts it (gunicorn, 127.0.0.1 only) with ``COCKPIT_BACKGROUND=off``, an API token.
2. ``--workers`` job workers (``python -m dashboard worker --poll 0.5``, each wrapped so it logs
   every rep-day a pass fetched to judge, with its version).
3. ``--clients`` ingest clients post the demo company (``--reps`` × ``--days``, generated up to
   now) to ``/api/v1/ingest`` in batches of at most ``--batch`` records: the masters first,
   then the day batches dealt round-robin to the clients (``--split chunk``: the records of a
   day arrive out of order, as from many phones), or whole days per client (``--split day``).
4. Once every batch is in and nothing is pending, the workers are stopped and the bench counts:
   judge runs per rep-day change (a (rep, day, version) judged more than once is a duplicate:
   must be 0), duplicate alerts (the same rule, rep, day, visit, summary and evidence under two
   ids: must be 0), the longest lock wait seen in ``pg_stat_activity`` (sampled every 50 ms).
5. A full re-judge (``detect.detect`` of every rep-day) on the same database: every alert or
   flag it adds, withdraws or rewrites is something the incremental passes got wrong (must be
   none), listed by rule.

Exit 0 when all hold, 1 otherwise, 2 when it could not run. Bounded: ``--timeout`` seconds for
the ingest and the passes, then it stops everything it started.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _loadlib as loadlib
from _loadlib import verdict

WRAPPER = """
import json, os, sys, time
from dashboard import cli
from dashboard.services import detect

log = open(sys.argv[1], "a", buffering=1)
pid = os.getpid()
fetch = detect.store.fetch_unjudged_rep_days

def logged_fetch(conn, **kwargs):
    rows = fetch(conn, **kwargs)
    at = time.time()
    for r in rows:
        log.write(json.dumps({"pid": pid, "at": at, "rep": r["rep_id"],
                              "day": r["local_date"].isoformat(), "version": r["version"]}) + "\\n")
    return rows

detect.store.fetch_unjudged_rep_days = logged_fetch
sys.exit(cli.main(["worker", "--poll", sys.argv[2]]))
"""


MASTER_TYPES = {"region", "team", "rep", "sop_template", "customer"}


def demo_batches(reps: int, days: int, size: int, now: datetime):
    """The demo company as (masters, days): lists of record batches of at most ``size``."""
    from dashboard.demo import DemoConfig, iter_demo_batches

    masters: list[dict] = []
    visit_day: dict[str, str] = {}
    by_day: dict[str, list[dict]] = defaultdict(list)
    for batch in iter_demo_batches(DemoConfig(now=now, seed=11, reps=reps, days=days)):
        for record in batch:
            if record["type"] in MASTER_TYPES:
                masters.append(record)
                continue
            when = str(record.get("ts") or record.get("date") or "")[:10]
            if record["type"] == "check_in":
                visit_day[record["id"]] = when
            # An order has no time of its own: it goes with its visit's day.
            by_day[when or visit_day.get(record.get("visit_id"), "")].append(record)

    def chunks(records):
        return [records[i : i + size] for i in range(0, len(records), size)]

    return chunks(masters), [chunks(by_day[d]) for d in sorted(by_day)]


class LockSampler(threading.Thread):
    """The longest wait on a lock seen in pg_stat_activity, sampled every 50 ms."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        import sqlalchemy as sa

        self.engine = sa.create_engine(url, pool_size=1)
        self.max_wait = 0.0
        self.query = ""
        self.samples = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import sqlalchemy as sa

        stmt = sa.text(
            "SELECT extract(epoch FROM now() - query_start), left(query, 100) "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' ORDER BY 1 DESC LIMIT 1"
        )
        with self.engine.connect() as conn:
            while not self.stop.wait(0.05):
                row = conn.execute(stmt).first()
                conn.commit()
                self.samples += 1
                if row is not None and float(row[0]) > self.max_wait:
                    self.max_wait, self.query = float(row[0]), row[1]
        self.engine.dispose()


def post(session, base: str, token: str, records: list[dict], stats: dict) -> None:
    t0 = time.perf_counter()
    resp = session.post(
        f"{base}/api/v1/ingest",
        data=json.dumps({"records": records}, default=str),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=300,
    )
    stats["max_s"] = max(stats.get("max_s", 0.0), time.perf_counter() - t0)
    stats["posts"] = stats.get("posts", 0) + 1
    if resp.status_code != 200:
        stats["errors"] = stats.get("errors", 0) + 1
        stats.setdefault("samples", []).append(f"HTTP {resp.status_code}: {resp.text[:200]}")
        return
    summary = resp.json()
    for key in ("accepted", "rejected", "duplicates"):
        value = summary.get(key)
        if isinstance(value, int):
            stats[key] = stats.get(key, 0) + value


def snapshot(engine) -> dict[str, dict]:
    """Every alert and flag: id → what the judge decides (not the triage)."""
    import sqlalchemy as sa

    out = {}
    with engine.connect() as conn:
        for table, cols in (
            ("alerts", "id, rule, local_date AS day, summary, evidence"),
            ("expense_flags", "id, rule, date AS day, summary, evidence, amount_at_risk"),
        ):
            for row in conn.execute(sa.text(f"SELECT {cols} FROM {table}")).mappings():
                item = dict(row)
                item["table"] = table
                item["day"] = str(item["day"])
                item["evidence"] = json.dumps(item["evidence"], sort_keys=True, default=str)
                if "amount_at_risk" in item:
                    item["amount_at_risk"] = str(item["amount_at_risk"])
                out[f"{table}:{row['id']}"] = item
    return out


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--poll", default="0.5")
    ap.add_argument(
        "--split",
        choices=("chunk", "day"),
        default="chunk",
        help="deal the batches to the clients round-robin (default) or by whole days",
    )
    ap.add_argument("--port", type=int, default=8072)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--admin-url", default=loadlib.DEFAULT_ADMIN_URL)
    ap.add_argument("--keep", action="store_true")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    print("bench/workers.py: job workers under concurrent ingest on PostgreSQL, then a re-judge")
    print(f"date       {datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"python     {platform.python_version()}, {os.cpu_count()} CPUs")
    print("load avg   {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    work = Path(tempfile.mkdtemp(prefix="bench_workers_"))
    try:
        scratch = loadlib.Scratch.create(args.admin_url, "bench_workers")
    except Exception as exc:
        print(f"error: PostgreSQL at {args.admin_url} is unusable: {exc}")
        return 2
    server = None
    workers: list[subprocess.Popen] = []
    try:
        token = loadlib.cli(scratch.url, work, "create-token", "bench-workers").strip()
        env = {"COCKPIT_BACKGROUND": "off", "WEB_CONCURRENCY": "2"}
        server = loadlib.Server(scratch.url, work, args.port, env, work / "gunicorn.log")
        server.wait_ready()
        now = datetime.now(UTC)
        masters, days = demo_batches(args.reps, args.days, args.batch, now)
        n_records = sum(len(c) for c in masters) + sum(len(c) for d in days for c in d)
        print(
            f"demo company: {args.reps} reps x {args.days} days, {n_records:,} records in "
            f"{len(masters) + sum(len(d) for d in days)} batches of <= {args.batch}"
        )
        logs = [work / f"worker-{i}.jsonl" for i in range(args.workers)]
        wenv = {**os.environ, "DATABASE_URL": scratch.url, "COCKPIT_DATA_DIR": str(work)}
        for log in logs:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-c", WRAPPER, str(log), args.poll],
                    cwd=loadlib.ROOT,
                    env=wenv,
                    stdout=subprocess.DEVNULL,
                    stderr=open(f"{log}.err", "w"),  # noqa: SIM115 (the process's life)
                )
            )
        return run(args, scratch.url, server.base, token, masters, days, workers, logs)
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.terminate()
        for proc in workers:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
        if server is not None:
            server.stop()
        from dashboard.services.db import dispose_engine

        dispose_engine(scratch.url)
        if args.keep:
            print(f"kept database {scratch.name} (logs in {work})")
        else:
            scratch.drop()
            shutil.rmtree(work, ignore_errors=True)


def run(args, url, base, token, masters, days, workers, logs) -> int:
    import requests

    from dashboard.services import background, detect
    from dashboard.services.db import get_engine

    engine = get_engine(url)
    sampler = LockSampler(url)
    sampler.start()
    stats: list[dict] = [{} for _ in range(args.clients)]
    t0 = time.monotonic()
    session = requests.Session()
    for chunk in masters:
        post(session, base, token, chunk, stats[0])

    if args.split == "day":  # each client posts whole days, in order
        shares = [[c for d in days[i :: args.clients] for c in d] for i in range(args.clients)]
    else:  # the chunks of every day dealt round-robin: a day's records arrive out of order
        flat = [c for d in days for c in d]
        shares = [flat[i :: args.clients] for i in range(args.clients)]

    def client(i: int) -> None:
        s = requests.Session()
        for chunk in shares[i]:
            if time.monotonic() - t0 > args.timeout:
                return
            post(s, base, token, chunk, stats[i])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    ingest_s = time.monotonic() - t0
    idle_since = None
    while time.monotonic() - t0 < args.timeout:
        if background.has_pending(engine):
            idle_since = None
        else:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 3 * float(args.poll) + 1:
                break
        time.sleep(0.2)
    settled_s = time.monotonic() - t0
    for proc in workers:
        proc.terminate()
    for proc in workers:
        proc.wait(120)
    sampler.stop.set()
    sampler.join(10)

    posts = sum(s.get("posts", 0) for s in stats)
    errors = sum(s.get("errors", 0) for s in stats)
    accepted = sum(s.get("accepted", 0) for s in stats)
    rejected = sum(s.get("rejected", 0) for s in stats)
    print(
        f"ingest: {posts} posts by {args.clients} clients in {ingest_s:.1f} s, {accepted:,} "
        f"records accepted, {rejected:,} rejected, {errors} errors, slowest post "
        f"{max(s.get('max_s', 0.0) for s in stats):.2f} s; nothing pending {settled_s:.1f} s "
        "after the start"
    )
    for s in stats:
        for sample in s.get("samples", [])[:3]:
            print(f"  error: {sample}")

    runs: Counter = Counter()
    per_worker: Counter = Counter()
    for log in logs:
        for line in log.read_text().splitlines():
            row = json.loads(line)
            runs[(row["rep"], row["day"], row["version"])] += 1
            per_worker[row["pid"]] += 1
    repeated = {k: n for k, n in runs.items() if n > 1}
    rep_days = {(rep, day) for rep, day, _v in runs}
    print(
        f"judge runs: {sum(runs.values()):,} for {len(runs):,} changes of {len(rep_days):,} "
        f"rep-days, by {len(per_worker)} of {len(workers)} workers "
        f"({', '.join(str(n) for n in sorted(per_worker.values(), reverse=True))}); "
        f"changes judged more than once: {len(repeated)}"
    )
    for key, n in list(repeated.items())[:5]:
        print(f"  {key}: {n} runs")
    import sqlalchemy as sa

    with engine.connect() as conn:
        dup_alerts = conn.execute(
            sa.text(
                # One subject under two ids. Rule, date and summary alone are not a subject:
                # two visits of a rep missing the same SOP step read alike (SOP_INCOMPLETE).
                "SELECT count(*) FROM (SELECT rule, rep_id, local_date, visit_id, summary, "
                "evidence::text FROM alerts GROUP BY rule, rep_id, local_date, visit_id, "
                "summary, evidence::text HAVING count(*) > 1) d"
            )
        ).scalar()
        counts = conn.execute(
            sa.text("SELECT (SELECT count(*) FROM alerts), (SELECT count(*) FROM expense_flags)")
        ).one()
    print(
        f"stored: {counts[0]:,} alerts, {counts[1]:,} expense flags; duplicate alerts: {dup_alerts}"
    )
    print(
        f"max lock wait seen: {sampler.max_wait:.3f} s over {sampler.samples} samples"
        + (f" ({sampler.query!r})" if sampler.query else "")
    )

    before = snapshot(engine)
    t1 = time.perf_counter()
    full = detect.detect(engine, now=datetime.now(UTC))
    after = snapshot(engine)
    added = sorted(set(after) - set(before))
    gone = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    print(
        f"full re-judge: {full.rep_days:,} rep-days in {time.perf_counter() - t1:.1f} s; "
        f"missed by the passes: {len(added)}, stale: {len(gone)}, rewritten: {len(changed)}"
    )
    for label, keys, source in (
        ("missed", added, after),
        ("stale", gone, before),
        ("rewritten", changed, after),
    ):
        by_rule = Counter((source[k]["table"], source[k]["rule"]) for k in keys)
        for (table, rule), n in sorted(by_rule.items()):
            examples = [source[k] for k in keys if source[k]["rule"] == rule][:2]
            print(
                f"  {label} {table} {rule}: {n}  e.g. "
                + "; ".join(f"{e['id']} ({e['day']})" for e in examples)
            )
    for k in changed[:3]:
        diff = {f: (before[k][f], after[k][f]) for f in before[k] if before[k][f] != after[k][f]}
        print(f"  {k}: passes -> full re-judge: {diff}")

    results = [
        (f"0 ingest errors: {errors}", errors == 0),
        (f"each change judged once: {len(repeated)} judged more than once", not repeated),
        (f"0 duplicate alerts: {dup_alerts}", dup_alerts == 0),
        (
            f"the full re-judge finds nothing the passes missed: {len(added)} missed, "
            f"{len(gone)} stale, {len(changed)} rewritten",
            not (added or gone or changed),
        ),
    ]
    print("\ntargets")
    for text, ok in results:
        print(f"  {verdict(ok)}  {text}")
    print(f"  (max lock wait {sampler.max_wait:.3f} s: reported, no target)")
    return 0 if all(ok for _t, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())

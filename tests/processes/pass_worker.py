"""A separate process that ingests its share of a small demo company and runs background passes
after each batch, logging what it judged: ``python -m tests.processes.pass_worker URL INDEX OF
LOG GO``. It waits for the file GO to exist, so every worker starts at once.

The log gets one JSON line per event: ``unjudged`` (the rep-days a pass fetched to judge, with
their versions) and ``judge`` (start and end of each judging call, with this process's id).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from dashboard.demo.company import iter_demo_batches
from dashboard.demo.config import DemoConfig
from dashboard.services import background, detect, ingest
from dashboard.services.db import get_engine
from data_access import judge as judge_store

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def main(url: str, index: int, of: int, log_path: str, go: str) -> int:
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 (open for the process's life)
    pid = os.getpid()
    fetch = judge_store.fetch_unjudged_rep_days
    judge = detect._judge

    def logged_fetch(conn, **kwargs):
        rows = fetch(conn, **kwargs)
        for r in rows:
            line = {"event": "unjudged", "pid": pid, "rep": r["rep_id"]}
            line |= {"day": r["local_date"].isoformat(), "version": r["version"]}
            log.write(json.dumps(line) + "\n")
        return rows

    def logged_judge(*args, **kwargs):
        start = time.time()
        try:
            return judge(*args, **kwargs)
        finally:
            line = {"event": "judge", "pid": pid, "start": start, "end": time.time()}
            log.write(json.dumps(line) + "\n")

    detect.store.fetch_unjudged_rep_days = logged_fetch  # type: ignore[attr-defined]
    detect._judge = logged_judge  # type: ignore[assignment]

    engine = get_engine(url)
    batches = list(iter_demo_batches(DemoConfig(seed=11, reps=8, days=4, now=NOW)))
    while not Path(go).exists():
        time.sleep(0.01)
    passes = 0
    for i, batch in enumerate(batches):
        if i == 0 or i % of == index:  # every worker sends the masters; days are shared out
            ingest.ingest_values(engine, batch, source=f"worker-{index}", now=NOW)
            passes += background.run_pass(engine, lambda: NOW).ran
    # Whatever is left when this worker is done (another may still be ingesting).
    passes += background.run_pass(engine, lambda: NOW, wait_seconds=120).ran
    log.write(json.dumps({"event": "done", "pid": pid, "passes": passes}) + "\n")
    return 0


if __name__ == "__main__":
    url, index, of, log_path, go = sys.argv[1:6]
    sys.exit(main(url, int(index), int(of), log_path, go))

"""A separate process that generates the visit tasks of one date: ``python -m
tests.processes.task_generator URL DATE INDEX READY_DIR N``. After reading who is due (staging
the due list) it writes READY_DIR/INDEX and waits until all N processes have read, so every
process inserts the same tasks at the same moment (the database's unique keys must sort them
out). Prints the JSON summary."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from dashboard.services import tasks
from dashboard.services.db import get_engine

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def main(url: str, on: str, index: int, ready_dir: str, n: int) -> int:
    fetch = tasks.store.stage_due_tasks
    ready = Path(ready_dir)

    def fetch_then_wait(conn, **kwargs):
        due = fetch(conn, **kwargs)
        (ready / str(index)).touch()
        deadline = time.monotonic() + 60
        while len(list(ready.iterdir())) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return due

    tasks.store.stage_due_tasks = fetch_then_wait  # type: ignore[attr-defined]
    result = tasks.generate(get_engine(url), on=date.fromisoformat(on), now=NOW)
    print(json.dumps(result.as_dict()), flush=True)
    return 0


if __name__ == "__main__":
    url, on, index, ready_dir, n = sys.argv[1:6]
    sys.exit(main(url, on, int(index), ready_dir, int(n)))

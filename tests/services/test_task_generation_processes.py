"""Task generation from several real processes at once on PostgreSQL (the daily generation of
every web worker and job worker, or a CLI run beside them): every process reads the same due
customers and inserts the same tasks together; the unique keys leave exactly one task each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from dashboard.services import tasks
from dashboard.services.db import get_engine
from data_access import schema
from tests import builders as b
from tests.customer_builders import effective_visit, load

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
CUSTOMERS = 300


def world() -> list[dict]:
    out = [b.region(), b.team(), b.rep(), b.rep("rep-2", name="李娜"), b.sop_template()]
    for i in range(CUSTOMERS):
        out.append(
            b.customer(
                f"c-{i:03d}",
                name=f"门店 {i}",
                grade="ABC"[i % 3],
                owner_rep_id="rep-1" if i % 2 else "rep-2",
                created="2026-10-01",
            )
        )
    for i in range(0, CUSTOMERS, 5):
        out += effective_visit(f"v-{i:03d}", f"c-{i:03d}", date(2026, 11, 20))
    return out


def test_four_processes_generating_one_date_at_once_create_each_task_once(postgres_url, tmp_path):
    engine = get_engine(postgres_url)
    load(engine, world(), NOW)
    ready = tmp_path / "ready"
    ready.mkdir()
    n = 4
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.processes.task_generator",
                postgres_url,
                "2026-11-30",
                str(i),
                str(ready),
                str(n),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for i in range(n)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.tasks.c.customer_id, schema.tasks.c.due)).all()
    # Every process saw every due customer (they all read before anyone inserted) ...
    assert {r["due"] for r in results} == {len(rows)}
    # ... and the inserts they made add up to one task per due customer, no duplicates.
    assert sum(r["created"] for r in results) == len(rows)
    assert len({customer for customer, _due in rows}) == len(rows)
    # Due on 11-30: A and B customers never visited (created 10-01), C too (28 days), and the
    # A customers visited on 11-20 (due 11-27); the B and C ones visited on 11-20 are not.
    visited_not_due = {f"c-{i:03d}" for i in range(0, CUSTOMERS, 5) if "ABC"[i % 3] != "A"}
    assert len(rows) == CUSTOMERS - len(visited_not_due)
    again = tasks.generate(engine, on=date(2026, 11, 30), now=NOW)
    assert again.created == 0

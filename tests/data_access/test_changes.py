"""The change stamp (data_access.changes, migration 0021): every table a cached view may read
carries the triggers; a committed write to one makes the stamp grow, on SQLite and on
PostgreSQL; a write to the raw track does not; folding the log keeps the stamp; writers in
separate processes each count, and concurrent folds count each log row once."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_access import changes, schema
from tests.customer_builders import company, load

ROOT = Path(__file__).resolve().parents[2]


def _stamp(engine) -> int:
    with engine.connect() as conn:
        return changes.stamp(conn)


def test_every_table_but_the_unwatched_ones_carries_the_triggers(engine):
    with engine.connect() as conn:
        triggered = changes.fetch_triggered_tables(conn)
    assert triggered == set(changes.watched_tables())
    assert set(schema.metadata.tables) >= changes.UNWATCHED
    assert "visits" in triggered and "gps_fixes" not in triggered


def test_a_committed_write_makes_the_stamp_grow_and_a_rolled_back_one_does_not(engine, now):
    start = _stamp(engine)
    load(engine, company(), now)
    loaded = _stamp(engine)
    assert loaded > start
    with engine.begin() as conn:
        conn.execute(
            schema.customers.update().where(schema.customers.c.id == "cust-1").values(grade="B")
        )
    updated = _stamp(engine)
    assert updated > loaded
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(schema.customers.delete().where(schema.customers.c.id == "cust-2"))
        raise RuntimeError("roll back")
    assert _stamp(engine) == updated
    with engine.begin() as conn:
        conn.execute(schema.customers.delete().where(schema.customers.c.id == "cust-2"))
    assert _stamp(engine) > updated


def test_raw_fixes_leave_the_stamp_alone(engine, now):
    load(engine, company(), now)
    before = _stamp(engine)
    with engine.begin() as conn:
        conn.execute(
            schema.gps_fixes.insert(),
            [
                {
                    "id": f"g-{i}",
                    "rep_id": "rep-1",
                    "device_id": "dev-1",
                    "ts": now,
                    "lat": 31.2,
                    "lon": 121.4,
                    "accuracy_m": 10.0,
                    "mock": False,
                    "received_at": now,
                }
                for i in range(3)
            ],
        )
    assert _stamp(engine) == before


@pytest.mark.postgres
def test_folding_the_log_keeps_the_stamp_and_empties_the_log(postgres_url, now):
    from dashboard.services.db import get_engine

    engine = get_engine(postgres_url)
    load(engine, company(), now)
    before = _stamp(engine)
    with engine.connect() as conn:
        logged = conn.execute(sa.select(sa.func.count()).select_from(schema.change_log)).scalar()
    assert logged > 0
    with engine.begin() as conn:
        assert changes.fold(conn) == logged
    assert _stamp(engine) == before
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.change_log)).scalar() == 0


WRITER = """
import sys
import sqlalchemy as sa
from dashboard.services.db import get_engine
from data_access import schema
engine = get_engine(sys.argv[1])
for i in range(int(sys.argv[2])):
    with engine.begin() as conn:
        conn.execute(schema.regions.update().where(schema.regions.c.id == "reg-e")
                     .values(name=f"{sys.argv[3]}-{i}"))
"""


@pytest.mark.postgres
def test_writers_in_other_processes_each_count_while_folds_run_at_once(postgres_url, now):
    from dashboard.services.db import get_engine

    engine = get_engine(postgres_url)
    load(engine, company(), now)
    before = _stamp(engine)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, postgres_url, "40", f"w{n}"],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    stop = threading.Event()
    errors: list[BaseException] = []

    def folder() -> None:
        try:
            while not stop.is_set():
                with engine.begin() as conn:
                    changes.fold(conn)
        except BaseException as exc:
            errors.append(exc)

    folders = [threading.Thread(target=folder) for _ in range(2)]
    for th in folders:
        th.start()
    for w in writers:
        assert w.wait(120) == 0, w.stderr.read()
    stop.set()
    for th in folders:
        th.join()
    assert not errors
    assert _stamp(engine) == before + 80  # one per committed UPDATE statement


def test_writes_still_count_after_the_counts_were_emptied(engine, now):
    load(engine, company(), now)
    with engine.begin() as conn:
        conn.execute(schema.change_counts.delete())
        conn.execute(schema.change_log.delete())
    assert _stamp(engine) == 0
    with engine.begin() as conn:
        conn.execute(schema.regions.update().values(name="华东"))
    assert _stamp(engine) > 0

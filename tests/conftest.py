"""Shared fixtures: one database fixture parametrized over real SQLite and real PostgreSQL.

PostgreSQL tests run against a fresh database created for this test session on the server named
by TEST_POSTGRES_URL (default: the machine's local server, database `test`). Without a server they
skip on a laptop, but fail when CI is set.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from dashboard.services import background, detect, view_cache
from dashboard.services.db import dispose_engine, get_engine
from dashboard.services.demo import seed_demo
from data_access import schema

# The suite checks views against the data just written: exact views (a deployment's default
# lets the KPI views lag a few seconds behind a stream of writes; tests/services/
# test_view_cache.py checks that on its own).
os.environ.setdefault("COCKPIT_VIEW_MAX_LAG", "0")

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))
GEOLIFE_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "geolife"
FIXED_NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def unavailable(reason: str) -> None:
    """Skip on a developer laptop, fail in CI: CI must run every test."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


_DROP = """
import sys
import sqlalchemy as sa
admin = sa.create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with admin.connect() as conn:
    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
"""
_dropping: list[subprocess.Popen] = []


def drop_database_later(name: str) -> None:
    """Drop a scratch database in a detached process: DROP DATABASE waits on a checkpoint
    (27-80 s in a clean-clone run while the other workers write), which no test needs."""
    _dropping.append(
        subprocess.Popen(
            [sys.executable, "-c", _DROP, ADMIN_URL, name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Create a scratch PostgreSQL database for the session and drop it afterwards."""
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"cockpit_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        unavailable(f"PostgreSQL is not reachable at {ADMIN_URL}: {exc.orig}")
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    dispose_engine(url)
    admin.dispose()
    drop_database_later(name)


def data_table_names() -> str:
    """Every table but the change counts (``data_access.changes``), comma-separated: emptied
    between tests, which keeps the change stamp growing, as it does in a real database."""
    kept = {schema.change_counts.name, schema.change_log.name}
    return ", ".join(t.name for t in schema.metadata.sorted_tables if t.name not in kept)


def _truncate_all(engine: Engine) -> None:
    names = data_table_names()
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """A migrated, empty database URL: a fresh SQLite file, or the session's PostgreSQL database."""
    # An app made by an earlier test shared its views through its data folder, since removed.
    view_cache.set_shared(None)
    view_cache.clear()
    detect.clear_photo_cache()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cockpit.db'}"
        yield url
        background.runner.wait_idle(url)
        view_cache.clear()
        dispose_engine(url)
        return
    url = request.getfixturevalue("postgres_url")
    _truncate_all(get_engine(url))
    yield url
    # An API test leaves the rollup refresh its ingest asked for running, and a lagging view
    # leaves its recompute scheduled: let the one finish and cancel the other, or they would
    # take locks against the TRUNCATE and write into the next test's empty tables.
    background.runner.wait_idle(url)
    view_cache.clear()
    _truncate_all(get_engine(url))


@pytest.fixture
def engine(db_url) -> Engine:
    """The migrated engine of ``db_url``."""
    return get_engine(db_url)


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    """A migrated engine on a fresh SQLite file only (for tests that need one dialect)."""
    url = f"sqlite:///{tmp_path / 'only.db'}"
    yield get_engine(url)
    dispose_engine(url)


@pytest.fixture
def now() -> datetime:
    """A fixed 'now' for deterministic tests."""
    return FIXED_NOW


def seeded_demo_file(folder: Path, *, reps: int, days: int, now: datetime) -> Path:
    """A SQLite file in ``folder`` holding the demo company (seed 7), to copy per test or
    module with ``copy_sqlite`` (milliseconds, where seeding takes seconds)."""
    db_file = folder / "demo.db"
    url = f"sqlite:///{db_file}"
    seed_demo(get_engine(url), seed=7, reps=reps, days=days, now=now)
    dispose_engine(url)
    return db_file


def copy_sqlite(source: Path, target: Path) -> Path:
    """Copy a SQLite database file (a seeded template) through SQLite's backup API (a
    consistent copy, whatever is left in the WAL file); return ``target``."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


@pytest.fixture(scope="session")
def geolife_dir() -> Path:
    """The shared GeoLife tracks (never copied into the repository)."""
    if not GEOLIFE_DIR.is_dir():
        unavailable(f"GeoLife data not found at {GEOLIFE_DIR}")
    return GEOLIFE_DIR

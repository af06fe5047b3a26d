"""Fixtures shared by the web tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.services.db import dispose_engine, get_engine
from dashboard.services.demo import seed_demo
from tests.conftest import FIXED_NOW

ACCESS_REPS, ACCESS_DAYS = 32, 2  # fewer than 32 reps gives a one-region company


@pytest.fixture(scope="session")
def access_demo(tmp_path_factory) -> Path:
    """The access tests' demo company (seed 7, 32 reps × 2 days at FIXED_NOW) as a SQLite
    file, seeded once per test process; each module works on its own copy (``copy_sqlite``),
    which takes milliseconds where seeding took 5-8 s."""
    db_file = tmp_path_factory.mktemp("access-demo") / "demo.db"
    url = f"sqlite:///{db_file}"
    seed_demo(get_engine(url), seed=7, reps=ACCESS_REPS, days=ACCESS_DAYS, now=FIXED_NOW)
    dispose_engine(url)
    return db_file

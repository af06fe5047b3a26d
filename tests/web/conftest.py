"""Fixtures shared by the web tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW, seeded_demo_file

ACCESS_REPS, ACCESS_DAYS = 32, 2  # fewer than 32 reps gives a one-region company


@pytest.fixture(scope="session")
def access_demo(tmp_path_factory) -> Path:
    """The access tests' demo company (32 reps × 2 days at FIXED_NOW), seeded once per test
    process; each module works on its own copy (``copy_sqlite``), which takes milliseconds
    where seeding took 5-8 s."""
    folder = tmp_path_factory.mktemp("access-demo")
    return seeded_demo_file(folder, reps=ACCESS_REPS, days=ACCESS_DAYS, now=FIXED_NOW)

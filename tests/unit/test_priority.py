"""Bulk work at a lower CPU priority (dashboard.services.priority): a bulk pool's threads run
with the configured nice value added, the caller's thread keeps its own, 0 changes nothing, and
the setting refuses values a nice value cannot take."""

from __future__ import annotations

import os
import threading

import pytest

from dashboard.services import priority
from dashboard.settings import Settings


def _mine() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.fixture(autouse=True)
def _restore():
    yield
    priority.set_bulk_nice(priority.DEFAULT_BULK_NICE)


def test_a_bulk_pool_runs_lower_than_the_caller():
    base = _mine()
    priority.set_bulk_nice(7)
    with priority.bulk_executor(2, "test-bulk") as pool:
        seen = pool.submit(_mine).result()
    assert seen == min(19, base + 7)
    assert _mine() == base


def test_zero_keeps_the_callers_priority():
    base = _mine()
    priority.set_bulk_nice(0)
    with priority.bulk_executor(1, "test-bulk") as pool:
        assert pool.submit(_mine).result() == base


def test_the_background_pass_thread_runs_at_the_bulk_priority():
    from dashboard.services.background import Runner

    base = _mine()
    runner = Runner()
    assert runner._executor.submit(_mine).result() == min(19, base + priority.bulk_nice())


@pytest.mark.parametrize("value", [-1, 20])
def test_a_nice_value_out_of_range_is_refused(value):
    with pytest.raises(ValueError, match="between 0 and 19"):
        priority.set_bulk_nice(value)


def test_the_setting_is_read_and_checked():
    assert Settings.from_env({}).bulk_nice == 10
    assert Settings.from_env({"COCKPIT_BULK_NICE": "0"}).bulk_nice == 0
    with pytest.raises(ValueError, match="COCKPIT_BULK_NICE"):
        Settings.from_env({"COCKPIT_BULK_NICE": "25"})
    with pytest.raises(ValueError, match="COCKPIT_BULK_NICE"):
        Settings.from_env({"COCKPIT_BULK_NICE": "high"})

"""Bulk work at a lower CPU priority (dashboard.services.priority): a bulk pool's threads run
with the configured nice value added, the caller's thread keeps its own, 0 changes nothing, and
the setting refuses values a nice value cannot take."""

from __future__ import annotations

import os
import threading
from pathlib import Path

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


# Host slots: at most N holders at once across the processes of a host.

HOLDER = """
import sys, time
from pathlib import Path
from dashboard.services import priority
folder, slots, out = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
for _ in range(5):
    with priority.host_slot(folder, slots) as number:
        start = time.monotonic()
        time.sleep(0.05)
        with out.open("a") as f:
            f.write(f"{start} {time.monotonic()} {number}\\n")
"""


def _most_at_once(spans: list[tuple[float, float]]) -> int:
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


@pytest.mark.parametrize("slots", [1, 2])
def test_host_slots_bound_the_holders_across_processes(tmp_path, slots):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "spans.txt"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(tmp_path / "locks"), str(slots), str(out)],
            cwd=root,
        )
        for _ in range(4)
    ]
    assert all(p.wait(60) == 0 for p in procs)
    rows = [line.split() for line in out.read_text().splitlines()]
    assert len(rows) == 20  # every holder got its turn
    assert {int(n) for *_, n in rows} <= set(range(slots))
    # Both clocks are CLOCK_MONOTONIC, shared by the processes of a host.
    assert _most_at_once([(float(a), float(b)) for a, b, _ in rows]) <= slots


def test_a_slot_is_released_when_its_block_raises(tmp_path):
    with pytest.raises(RuntimeError), priority.host_slot(tmp_path, 1):
        raise RuntimeError("boom")
    with priority.host_slot(tmp_path, 1) as number:  # free again, at once
        assert number == 0


def test_threads_of_one_process_share_the_slots_too(tmp_path):
    inside, most, guard = [0], [0], threading.Lock()

    def hold():
        with priority.host_slot(tmp_path, 1):
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            threading.Event().wait(0.02)
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=hold) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert most[0] == 1


def test_the_bulk_slots_setting_is_read_and_checked():
    assert Settings.from_env({}).bulk_slots == max(1, (os.cpu_count() or 1) // 2)
    assert Settings.from_env({"COCKPIT_BULK_SLOTS": "3"}).bulk_slots == 3
    for wrong in ("0", "many"):
        with pytest.raises(ValueError, match="COCKPIT_BULK_SLOTS"):
            Settings.from_env({"COCKPIT_BULK_SLOTS": wrong})
    with pytest.raises(ValueError, match="host slots"), priority.host_slot(Path("."), 0):
        pass


def test_bulk_turns_wait_for_a_host_slot_and_nest_without_waiting_for_themselves(tmp_path):
    order: list[str] = []
    with priority.bulk_turn():  # no host slots named: at once
        order.append("unbounded")
    priority.set_host_slots(tmp_path, 1)
    try:
        with priority.bulk_turn(), priority.bulk_turn():  # the inner one takes no second slot
            order.append("nested")
        held = threading.Event()
        release = threading.Event()

        def other():
            with priority.host_slot(tmp_path, 1):
                held.set()
                release.wait(10)

        thread = threading.Thread(target=other)
        thread.start()
        held.wait(10)
        turn_taken = []

        def take():
            with priority.bulk_turn():
                turn_taken.append(True)

        waiting = threading.Thread(target=take)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and not turn_taken  # the slot is the other's
        release.set()
        waiting.join(10)
        thread.join(10)
        assert turn_taken == [True]
    finally:
        priority.set_host_slots(None)
    assert order == ["unbounded", "nested"]
    with pytest.raises(ValueError, match="host slots"):
        priority.set_host_slots(tmp_path, 0)

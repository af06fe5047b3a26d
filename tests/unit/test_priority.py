"""Bulk work at a lower CPU priority (dashboard.services.priority): a bulk pool's threads run
with the configured nice value added, the caller's thread keeps its own, 0 changes nothing, and
the setting refuses values a nice value cannot take."""

from __future__ import annotations

import os
import threading
import time
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


# Pages first: bulk work is paced while the host serves pages.


@pytest.fixture()
def pacing(tmp_path, monkeypatch):
    """Host slots in ``tmp_path``, a duty of 25 %, and no page seen yet by this process."""
    priority.set_host_slots(tmp_path, 1)
    priority.set_bulk_duty(0.25)
    monkeypatch.setattr(priority, "_marks", {"touched": 0.0, "looked": 0.0, "active_until": 0.0})
    yield tmp_path
    priority.set_host_slots(None)
    priority.set_bulk_duty(priority.DEFAULT_BULK_DUTY)


def _pause_after(work_s: float) -> float:
    """Seconds ``pace`` paused after ``work_s`` seconds of work in a paced block."""
    with priority.paced():
        time.sleep(work_s)  # what the thread did since its last pause (wall time counts)
        start = time.monotonic()
        priority.pace()
        return time.monotonic() - start


def test_bulk_work_pauses_for_its_duty_only_while_pages_are_served(pacing):
    assert not priority.pages_active()
    assert _pause_after(0.04) < 0.05  # no page served: full speed
    priority.note_page()
    assert priority.pages_active()
    # 40 ms of work at a 25 % duty: 120 ms of pause.
    assert 0.11 <= _pause_after(0.04) < 0.3
    # A long piece of work pauses at most PACE_MAX_SLEEP_S at a time.
    assert _pause_after(0.4) < priority.PACE_MAX_SLEEP_S + 0.15
    # Outside a paced block (a page's own thread) nothing pauses.
    time.sleep(0.04)
    start = time.monotonic()
    priority.pace()
    assert time.monotonic() - start < 0.05
    # 100 %: never pauses.
    priority.set_bulk_duty(1.0)
    assert _pause_after(0.04) < 0.05


def test_pages_stop_counting_once_none_was_served_for_a_while(pacing, monkeypatch):
    monkeypatch.setattr(priority, "PAGES_ACTIVE_S", 0.2)
    priority.note_page()
    assert priority.pages_active()
    time.sleep(0.3)
    assert not priority.pages_active()
    assert _pause_after(0.04) < 0.05


PAGE_SEEN = """
import sys
from pathlib import Path
from dashboard.services import priority
priority.set_host_slots(Path(sys.argv[1]), 1)
priority.note_page()
"""


def test_a_page_served_by_another_process_of_the_host_paces_this_one(pacing):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    assert not priority.pages_active()
    subprocess.run([sys.executable, "-c", PAGE_SEEN, str(pacing)], cwd=root, check=True)
    time.sleep(priority._LOOK_EVERY_S)
    assert priority.pages_active()


def _in_turn(work):
    with priority.background_turn():
        return work()


def test_a_round_of_judging_is_paced_at_each_statement_and_nothing_else(pacing, tmp_path):
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'paced.db'}")

    def work() -> float:
        start = time.monotonic()
        with engine.connect() as conn:
            for _ in range(5):
                time.sleep(0.03)  # 30 ms of work before each statement
                conn.execute(sa.text("SELECT 1"))
        return time.monotonic() - start

    try:
        priority.note_page()
        alone = work()  # this thread is not bulk work: never paced
        priority.note_page()
        with priority.background_turn():  # a round of judging
            in_turn = work()
        priority.note_page()
        with priority.bulk_executor(1, "test-bulk") as pool:  # the pass's thread, in a turn
            in_pool_turn = pool.submit(_in_turn, work).result()
        priority.note_page()
        with priority.refresh_turn():  # a rollup refresh: the KPIs wait for it
            refresh = work()
        priority.note_page()
        with priority.ingest_turn():  # an ingest batch: a client waits for it
            batch = work()
    finally:
        engine.dispose()
    assert alone < 0.4 and refresh < 0.4 and batch < 0.4
    # 5 × 30 ms of work, each followed by ~90 ms of pause (the first statement, opening the
    # connection, may come before a quantum of work).
    assert in_turn >= 0.45 and in_pool_turn >= 0.45


def test_the_bulk_duty_setting_is_read_and_checked():
    assert Settings.from_env({}).bulk_duty == 100
    assert Settings.from_env({"COCKPIT_BULK_DUTY": "25"}).bulk_duty == 25
    for wrong in ("0", "101", "half"):
        with pytest.raises(ValueError, match="COCKPIT_BULK_DUTY"):
            Settings.from_env({"COCKPIT_BULK_DUTY": wrong})
    for wrong in (0, 1.5):
        with pytest.raises(ValueError, match="bulk duty"):
            priority.set_bulk_duty(wrong)


def _take_turn(pool: str) -> None:
    with priority.bulk_turn(pool):
        pass


@pytest.mark.parametrize(
    ("held", "turn"),
    [
        (priority.BACKGROUND_POOL, priority.ingest_turn),
        (priority.BACKGROUND_POOL, priority.refresh_turn),
        (priority.INGEST_POOL, priority.background_turn),
        (priority.REFRESH_POOL, priority.background_turn),
    ],
)
def test_batches_refreshes_and_rounds_of_judging_take_slots_of_their_own_pools(
    tmp_path, held, turn
):
    """Neither a batch nor the KPIs wait for a round of judging (paced, it lasts): while one
    pool's only slot is held, a turn of another pool is taken at once."""
    priority.set_host_slots(tmp_path, 1)
    try:
        with priority.host_slot(tmp_path, 1, held):
            start = time.monotonic()
            with turn():
                pass
            assert time.monotonic() - start < 0.5
        with priority.host_slot(tmp_path, 1, held):  # and a turn of the same pool waits
            waiting = threading.Thread(target=_take_turn, args=(held,))
            waiting.start()
            waiting.join(0.3)
            assert waiting.is_alive()
        waiting.join(10)
    finally:
        priority.set_host_slots(None)


def test_a_transaction_that_wrote_does_not_pause_until_it_ends(pacing, tmp_path):
    """Its row locks (SQLite: the database's) would hold up an ingest batch for the pause."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))

    def statements(conn, n: int) -> float:
        start = time.monotonic()
        for _ in range(n):
            time.sleep(0.04)
            conn.execute(sa.text("SELECT count(*) FROM t"))
        return time.monotonic() - start

    try:
        priority.note_page()
        with priority.background_turn():
            with engine.begin() as conn:
                reading = statements(conn, 3)  # reads only: paced
                conn.execute(sa.text("INSERT INTO t VALUES (1)"))
                after_write = statements(conn, 3)  # row locks held: not paced
            priority.note_page()
            with engine.begin() as conn:
                next_transaction = statements(conn, 3)  # paced again
    finally:
        engine.dispose()
    # 3 × (40 ms of work + 120 ms of pause) against 3 × 40 ms.
    assert reading >= 0.4 and next_transaction >= 0.4
    assert after_write < 0.3

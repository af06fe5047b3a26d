"""Bulk work at a lower CPU priority than the pages: the ingest API's parsing and storing and
the background passes (rollup refresh, judging) run in threads whose nice value is raised by
``bulk_nice()`` (Linux: a thread's nice value is its own), so a burst of ingest takes the CPU
the pages leave and does not starve the cockpit. 0 keeps every thread at the process's
priority; elsewhere than Linux, or where the system refuses, the threads keep it too.

``host_slot`` bounds how much bulk work runs at once on a host, across its processes: a
lowered thread still competes for its process's GIL and its database connection does not run
lowered, so eight clients' batches stored at once, beside a background pass, would take both
CPUs of a small host however low their threads ran. ``bulk_turn`` takes such a slot for one
batch of the ingest API or one refresh or round of a background pass, once ``set_host_slots``
said where (the web app and the job worker do; elsewhere, a CLI verb for one, bulk work takes
no turn).
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from data_access import locks

logger = logging.getLogger(__name__)

DEFAULT_BULK_NICE = 10
_nice = DEFAULT_BULK_NICE


def set_bulk_nice(value: int) -> None:
    """How much lower than the pages bulk threads started from now on run (0-19)."""
    global _nice
    if not 0 <= value <= 19:
        raise ValueError(f"bulk nice: {value} is not between 0 and 19")
    _nice = value


def bulk_nice() -> int:
    return _nice


def lower_this_thread() -> int:
    """Raise the calling thread's nice value by ``bulk_nice()``; return the nice value it runs
    at (unchanged where the system has no per-thread priority or refuses)."""
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return 0
    tid = threading.get_native_id()
    current = os.getpriority(os.PRIO_PROCESS, tid)
    if _nice:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, current + _nice))
        except OSError as exc:  # a container may forbid it: run at the pages' priority
            logger.warning("bulk work keeps the normal CPU priority: %s", exc)
    return os.getpriority(os.PRIO_PROCESS, tid)


def bulk_executor(max_workers: int, name: str) -> ThreadPoolExecutor:
    """A thread pool whose threads run at the bulk priority."""
    return ThreadPoolExecutor(
        max_workers=max_workers, thread_name_prefix=name, initializer=lower_this_thread
    )


# How long a caller waiting for a host slot sleeps between two tries (seconds, jittered).
SLOT_POLL_S = 0.02


@contextmanager
def host_slot(folder: Path, slots: int, name: str = "bulk") -> Iterator[int]:
    """Hold one of ``slots`` slots shared by every process of this host (``flock``s on files
    ``<name>-slot-<i>.lock`` in ``folder``), waiting for one to be free; yield its number.

    A slot is released when the block ends, and by the system if the process dies.
    """
    if slots < 1:
        raise ValueError(f"host slots: {slots} is not a positive number")
    folder.mkdir(parents=True, exist_ok=True)
    start = random.randrange(slots)
    while True:
        for k in range(slots):
            number = (start + k) % slots
            with locks.file_lock(folder / f"{name}-slot-{number}.lock") as held:
                if held:
                    yield number
                    return
        time.sleep(SLOT_POLL_S * (0.5 + random.random()))


# Where this process's background rounds take their turns: (folder, slots), or None.
_host_slots: tuple[Path, int] | None = None
_turns = threading.local()


def set_host_slots(folder: Path | None, slots: int = 1) -> None:
    """Make ``bulk_turn`` take one of ``slots`` host slots in ``folder`` (None: no turns)."""
    global _host_slots
    if folder is not None and slots < 1:
        raise ValueError(f"host slots: {slots} is not a positive number")
    _host_slots = None if folder is None else (Path(folder), slots)


def host_slots() -> tuple[Path, int] | None:
    """Where ``bulk_turn`` takes its turns: (folder, slots), or None."""
    return _host_slots


@contextmanager
def bulk_turn() -> Iterator[None]:
    """Run the block as one turn of bulk work: in a host slot when ``set_host_slots`` named
    them (waiting for one), else at once. A turn inside a turn of the same thread takes no
    second slot (it would wait for itself)."""
    where = _host_slots
    if where is None or getattr(_turns, "depth", 0):
        yield
        return
    with host_slot(*where):
        _turns.depth = 1
        try:
            yield
        finally:
            _turns.depth = 0

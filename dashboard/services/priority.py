"""Bulk work at a lower CPU priority than the pages: the ingest API's parsing and storing and
the background passes (rollup refresh, judging) run in threads whose nice value is raised by
``bulk_nice()`` (Linux: a thread's nice value is its own), so a burst of ingest takes the CPU
the pages leave and does not starve the cockpit. 0 keeps every thread at the process's
priority; elsewhere than Linux, or where the system refuses, the threads keep it too.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

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

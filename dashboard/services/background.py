"""Background work that cooperates across processes and hosts: rollup refresh, then judging.

One *pass* brings every dirty rollup up to date and judges every rep-day changed since it was
last judged, each refresh and each round of judging as one turn of the host's background work
(``priority.refresh_turn``, ``priority.background_turn``: the passes of all the host's
processes share ``COCKPIT_BULK_SLOTS`` slots of each; a round of judging may be paced while
the host serves pages, ``COCKPIT_BULK_DUTY``, and a refresh never waits for one). Each of the
two runs under its own database lock (``data_access.locks``): with N web workers on M hosts
(and any ``python -m dashboard worker``), at most one process refreshes and at most one judges
at a time, so each rep-day is refreshed and judged once per change and no two judges contend
for the same rows. The rollups come first and have their own lock so the KPIs (read from the
rollups) are fresh within a poll even while another process judges a long backlog; the judge
also refreshes them between its rounds. A process refused the judge's lock judges nothing:
the holder looks for work again after releasing it, so a change committed while it held the
lock is never left behind.

Each process has one ``runner``: it runs passes off the request path (at most one running and
one waiting per database) and, when started with ``start``, polls for work nobody asked for
(an ingest by another host, a CLI load, a restart) every ``poll_seconds``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from dashboard.services import detect, priority, retention, rollups, tasks
from dashboard.services.db import get_engine, is_unavailable_error
from data_access import changes, locks
from data_access import judge as judge_store

logger = logging.getLogger("dashboard.background")

PASS_LOCK = "background-pass"  # judging
ROLLUP_LOCK = "background-rollups"
# Rep-days judged per round of a background pass, with the rollups refreshed between rounds.
# Each round is one turn of the host's background work (priority.background_turn), which the
# other processes' passes wait for: 25 rep-days keep a turn to about 2 s at 500 reps (longer
# while paced).
JUDGE_ROUND = 25
# A process's photo index (dashboard.services.detect) is let go after this long unused.
PHOTO_INDEX_IDLE_S = 600.0

NowFn = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PassResult:
    """What one or more passes did; ``ran`` is False when another process held the lock."""

    ran: bool = False
    refreshed: int = 0
    judged: detect.DetectResult = field(default_factory=detect.DetectResult)
    # The daily retention purge, when this pass ran it.
    purged: retention.PurgeReport | None = None

    @property
    def work(self) -> int:
        return self.refreshed + self.judged.rep_days


def has_pending(engine: Engine, now_fn: NowFn = utc_now) -> bool:
    """Is any rollup dirty, any rep-day waiting to be judged, or today's tasks to generate?"""
    with engine.connect() as conn:
        pending = judge_store.pending_work(conn)
    now = now_fn()
    return (
        pending["dirty"]
        or pending["unjudged"]
        or tasks.daily_pending(engine, now=now)
        or retention.daily_pending(engine, today=tasks.company_today(now))
    )


def run_pass(engine: Engine, now_fn: NowFn = utc_now, *, wait_seconds: float = 0.0) -> PassResult:
    """Refresh and judge until nothing is pending, unless another process is doing it.

    ``wait_seconds`` > 0 waits that long for the lock (the CLI, which must finish the work it
    loaded); 0 gives up at once (the holder will pick the work up).
    """
    result = PassResult()
    deadline = time.monotonic() + wait_seconds
    while True:
        result.refreshed += refresh_rollups(engine, now_fn)
        with locks.exclusive(engine, PASS_LOCK) as held:
            if held:
                result.ran = True
                _drain(engine, now_fn, result)
        if held:
            # Released: a requester refused while this process held the lock relies on this
            # look (its change was committed before it asked).
            if not has_pending(engine, now_fn):
                return result
            continue
        if time.monotonic() >= deadline:
            return result
        time.sleep(0.2)


def refresh_rollups(engine: Engine, now_fn: NowFn = utc_now) -> int:
    """Refresh the dirty rollups unless another process is doing it; return how many."""
    with locks.exclusive(engine, ROLLUP_LOCK) as held:
        if not held:
            return 0
        with priority.refresh_turn():
            return rollups.refresh_rep_days(engine, now=now_fn())


def _drain(engine: Engine, now_fn: NowFn, result: PassResult) -> None:
    def between_rounds() -> None:
        result.refreshed += refresh_rollups(engine, now_fn)

    while True:
        refreshed = refresh_rollups(engine, now_fn)
        judged = detect.detect_pending(
            engine,
            now=now_fn(),
            batch=JUDGE_ROUND,
            between_rounds=between_rounds,
            turn=priority.background_turn,
        )
        result.refreshed += refreshed
        result.judged.add(judged)
        result.judged.seconds += judged.seconds
        if refreshed == 0 and judged.rep_days == 0:
            break
    # Visit tasks (contract §5): closed by the visits just stored; generated once a day.
    tasks.background_step(engine, now=now_fn(), visits_changed=result.work > 0)
    # Retention (issue 20): the raw fixes older than the retention go, once a day, after the
    # rollups and the judge are current (so the kept figures are the final ones).
    now = now_fn()
    result.purged = retention.background_step(engine, today=tasks.company_today(now), now=now)
    # The change log of the view cache's stamp, folded into its counts (the stamp is unchanged).
    with engine.begin() as conn:
        changes.fold(conn)


class Runner:
    """This process's background work: passes in one thread, and an optional poller."""

    def __init__(self) -> None:
        self._executor = priority.bulk_executor(1, "background")
        self._pending: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._pollers: dict[str, threading.Thread] = {}
        self._stop = threading.Event()

    def request(self, url: str, now_fn: NowFn = utc_now) -> Future:
        """Ask for a pass on the database at ``url``; return its future (a waiting request is
        shared, so a burst of ingests costs one pass)."""
        with self._lock:
            waiting = self._pending.get(url)
            if waiting is not None and not waiting.running() and not waiting.done():
                return waiting
            future = self._executor.submit(self._run, url, now_fn)
            self._pending[url] = future
            return future

    def wait_idle(self, url: str, timeout: float = 120.0) -> None:
        """Wait until the passes asked for so far have finished, or the timeout has passed
        (their outcome is not raised here)."""
        with self._lock:
            latest = self._pending.get(url)
        if latest is not None:
            # One thread runs the queue in order: the latest request finishes last.
            wait([latest], timeout=timeout)

    def start(self, url: str, poll_seconds: float) -> None:
        """Catch up now (whatever changed while no process was running), then poll every
        ``poll_seconds`` for work. Idempotent per database."""
        with self._lock:
            if url in self._pollers:
                return
            thread = threading.Thread(
                target=self._poll,
                args=(url, poll_seconds),
                name="background-poller",
                daemon=True,
            )
            self._pollers[url] = thread
        self.request(url)
        thread.start()

    def stop(self) -> None:
        """Stop the pollers (passes already running finish)."""
        self._stop.set()

    def _poll(self, url: str, poll_seconds: float) -> None:
        while not self._stop.wait(poll_seconds):
            detect.release_idle_photo_caches(PHOTO_INDEX_IDLE_S)
            try:
                if has_pending(get_engine(url)):
                    self.request(url)
            except Exception as exc:
                # An unreachable database is expected now and then: try again next round.
                level = logging.WARNING if is_unavailable_error(exc) else logging.ERROR
                logger.log(level, "background poll of %s failed: %s", url, exc)

    @staticmethod
    def _run(url: str, now_fn: NowFn) -> PassResult:
        try:
            return run_pass(get_engine(url), now_fn)
        except Exception:
            # Never silent: the future's exception is seldom looked at.
            logger.exception("background pass on %s failed", url)
            raise


runner = Runner()

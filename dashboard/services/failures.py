"""Background work that one bad rep-day cannot poison.

``isolate`` runs a batch of rep-days at once; when that raises, it runs them one by one, and a
rep-day that still raises is set aside: logged with its traceback (``logging.exception``),
returned as a failure to store (shown on /data), and every other rep-day goes on. An
unreachable database is not a bad rep-day: it is raised, so the run is retried later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from dashboard.services.db import is_unavailable_error
from data_access import failures as store

logger = logging.getLogger("dashboard.background")

T = TypeVar("T")
R = TypeVar("R")

STAGES = ("refresh", "judge")


def describe(exc: BaseException) -> str:
    """One line naming an exception: its type and message."""
    text = f"{type(exc).__name__}: {exc}".replace("\x00", "\\u0000")
    return text[:2000]


def isolate(
    items: Sequence[T],
    run: Callable[[Sequence[T]], R],
    *,
    stage: str,
    key: Callable[[T], tuple[str, date, int | None]],
    retry: Callable[[Sequence[T]], R] | None = None,
) -> tuple[list[R], list[dict[str, Any]]]:
    """Run ``items`` together, else one by one; return the results and the failures.

    ``key`` gives (rep_id, local_date, version) of an item; ``retry`` is a narrower way to run
    one item tried before it is set aside.
    """
    try:
        return [run(items)], []
    except Exception as exc:
        if is_unavailable_error(exc):
            raise
        logger.warning(
            "%s of %d rep-day(s) failed (%s); running them one by one", stage, len(items), exc
        )
    results: list[R] = []
    failures: list[dict[str, Any]] = []
    for item in items:
        attempts = [run] if retry is None else [run, retry]
        for n, attempt in enumerate(attempts):
            try:
                results.append(attempt([item]))
                break
            except Exception as exc:
                if is_unavailable_error(exc):
                    raise
                if n < len(attempts) - 1:
                    continue
                rep_id, day, version = key(item)
                logger.exception(
                    "%s of rep %s on %s failed; that rep-day is set aside", stage, rep_id, day
                )
                failures.append(
                    {
                        "rep_id": rep_id,
                        "local_date": day,
                        "version": version,
                        "error": describe(exc),
                    }
                )
    return results, failures


def list_failures(engine: Engine, *, limit: int = 200) -> list[Mapping[str, Any]]:
    """Return the rep-days set aside by the rollups or the judge, newest first."""
    with engine.connect() as conn:
        return store.fetch_failures(conn, limit=limit)

"""Versions of derived data: when the code's rules or rollup contents change, what was derived
before is derived again by the background work (every process may run this; it is idempotent).

- ``rollups``: the contents of a rep-day rollup (2: device data-quality records, contract §2a;
  3: SOP completion per template version without late steps (§7), plan adherence counting
  effective visits only (§6); 4: the SOP rollup per rep-day, template version and step (§7),
  filled for every stored rep-day; 5: the SOP gap visits beside it, the /sop page's incomplete
  visits).
- ``judge``: the rules' version (``dashboard.rules.JUDGE_VERSION``); a rep-day judged under an
  older one is judged again, so a revised rule applies to the past as well.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dashboard.rules import JUDGE_VERSION
from data_access import quality as store

ROLLUP_VERSION = 5


def _catch_up(engine: Engine, key: str, version: int, mark) -> bool:
    with engine.connect() as conn:
        stored = store.fetch_version(conn, key)
    if stored is not None and stored >= version:
        return False
    with engine.begin() as conn:
        mark(conn)
        store.store_version(conn, key, version)
    return True


def catch_up_rollups(engine: Engine) -> bool:
    """Mark every rollup dirty once when the rollup contents changed; return whether it did."""
    return _catch_up(engine, "rollups", ROLLUP_VERSION, store.mark_all_dirty)


def catch_up_judge(engine: Engine) -> bool:
    """Mark every rep-day unjudged once when the rules changed; return whether it did."""
    return _catch_up(engine, "judge", JUDGE_VERSION, store.mark_all_unjudged)

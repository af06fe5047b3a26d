"""Small helpers every query module shares: rows into a DataFrame, JIT off, ids in chunks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

T = TypeVar("T")


def frame(
    conn: Connection, stmt: sa.Select, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run ``stmt`` and return its rows as a DataFrame (column types inferred by pandas)."""
    result = conn.execute(stmt, params)
    keys = list(result.keys())
    rows = result.all()
    # Column-wise construction: building a frame from a list of Row objects is ~10x slower.
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in keys]
    return pd.DataFrame({key: list(col) for key, col in zip(keys, columns, strict=True)})


def object_frame(
    conn: Connection,
    stmt: sa.Select,
    columns: Sequence[str] | None = None,
    *,
    floats: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Run ``stmt`` and return its rows as a DataFrame of ``columns`` (all of them with None):
    the columns named in ``floats`` as float64, the others as plain object columns (pandas'
    string inference costs more than the query on a 20,000-row ledger)."""
    result = conn.execute(stmt)
    keys = list(result.keys())
    rows = result.all()
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in keys]
    data: dict[str, Any] = {}
    for key, col in zip(keys, cols, strict=True):
        if key in floats:
            data[key] = np.array(col, dtype=float)
        else:
            arr = np.empty(len(col), dtype=object)
            arr[:] = col
            data[key] = pd.Series(arr, dtype=object, copy=False)
    return pd.DataFrame(data, columns=columns, copy=False)


def no_jit(conn: Connection) -> None:
    """Turn PostgreSQL's JIT off for the rest of this transaction.

    The planner's cost of a KPI aggregate over a few weeks crosses ``jit_above_cost`` while the
    query itself runs in tens of milliseconds; compiling it then costs more than it saves.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield ``items`` in slices of at most ``size`` (an ``IN (...)`` list or a batch of rows
    the driver takes in one go)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]

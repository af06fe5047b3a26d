"""What changed in the database: a number that grows with every committed write to a watched
table, the same for every process and host (migration 0021 installs the triggers).

A cache keyed by ``stamp`` is exact: read the stamp first, then the data; any write committed
after the stamp was read makes the next reader's stamp larger. On PostgreSQL the number is
``sum(change_counts.n) + count(change_log)`` read in one statement (one snapshot): each writing
statement adds a log row, and ``fold`` moves log rows into the counts in one statement, which
leaves the sum unchanged. On SQLite the triggers add to ``change_counts`` directly.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema

# Tables no cached view reads: the raw track, sign-ins and sessions, tokens, wall links and
# bookkeeping. Every other table of the schema has the triggers (a test checks it).
UNWATCHED = frozenset(
    {
        "api_tokens",
        "app_meta",
        "change_counts",
        "change_log",
        "device_events",
        "gps_fixes",
        "ingest_batches",
        "login_failures",
        "quarantine",
        "sessions",
        "user_regions",
        "users",
        "wall_links",
    }
)

cc, cl = schema.change_counts, schema.change_log


def watched_tables() -> list[str]:
    """The schema's tables whose writes change the stamp."""
    return sorted(set(schema.metadata.tables) - UNWATCHED)


def stamp(conn: Connection) -> int:
    """The number of writes committed to watched tables, as one statement sees them."""
    return sum(table_stamps(conn).values())


def table_stamp(conn: Connection, table: str) -> int:
    """The number of writes committed to one watched table, as this statement sees them."""
    counts = sa.select(sa.func.coalesce(sa.func.sum(cc.c.n), 0)).where(cc.c.tbl == table)
    logged = sa.select(sa.func.count()).select_from(cl).where(cl.c.tbl == table)
    total = counts.scalar_subquery() + logged.scalar_subquery()
    return int(conn.execute(sa.select(total)).scalar_one())


def table_stamps(conn: Connection) -> dict[str, int]:
    """The number of writes committed to each watched table written at least once (a table
    missing has 0), all read in one statement (one snapshot)."""
    both = sa.union_all(
        sa.select(cc.c.tbl, cc.c.n), sa.select(cl.c.tbl, sa.literal(1).label("n"))
    ).subquery("writes")
    rows = conn.execute(sa.select(both.c.tbl, sa.func.sum(both.c.n)).group_by(both.c.tbl))
    return {str(tbl): int(n) for tbl, n in rows}


def fold(conn: Connection) -> int:
    """Move the change log into the counts (PostgreSQL; the stamp stays the same); return the
    rows moved. Safe to run in several processes at once: a row is deleted, and counted, once."""
    if conn.dialect.name != "postgresql":
        return 0
    moved = conn.execute(
        sa.text(
            "WITH gone AS (DELETE FROM change_log RETURNING tbl), "
            "moved AS (SELECT tbl, count(*) AS k FROM gone GROUP BY tbl), "
            "kept AS (INSERT INTO change_counts (tbl, n) SELECT tbl, k FROM moved "
            "ON CONFLICT (tbl) DO UPDATE SET n = change_counts.n + excluded.n) "
            "SELECT coalesce(sum(k), 0) FROM moved"
        )
    ).scalar_one()
    return int(moved)


def fetch_triggered_tables(conn: Connection) -> set[str]:
    """The tables that carry a change trigger (for the test that every watched table does)."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            sa.text(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'trg_changes_%' AND c.relnamespace = "
                "to_regnamespace(current_schema())"
            )
        )
    else:
        rows = conn.execute(
            sa.text(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'trg_changes_%'"
            )
        )
    return {row[0] for row in rows}

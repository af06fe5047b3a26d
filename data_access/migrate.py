"""Bring a database to the newest schema with alembic, once per engine and process."""

from __future__ import annotations

import fcntl
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).with_name("migrations")
_done: set[str] = set()
_lock = threading.Lock()
# Any constant shared by every process of the product; serialises concurrent upgrades on PostgreSQL.
_PG_LOCK_KEY = 724_311_001


def alembic_config() -> Config:
    """Return the alembic configuration of this package (no ini file needed)."""
    from alembic.config import Config  # alembic is imported only when a migration runs

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


_REVISION_RE = re.compile(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", re.M)
_DOWN_RE = re.compile(r"^down_revision(?::[^=]*)? = (?:None|['\"]([^'\"]+)['\"])", re.M)


def head_revision() -> str:
    """Return the newest migration revision, read from the migration files' headers.

    Read without importing alembic (a verb that finds its database up to date starts faster);
    ``tests/data_access/test_migrations.py`` checks it against alembic's own answer.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION_RE.search(text), _DOWN_RE.search(text)
        if revision is None or down is None:
            raise RuntimeError(f"{path.name}: no revision/down_revision header")
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None for a fresh database)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to head; cheap when already done in this process."""
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if key in _done:
            return
        if current_revision(engine) != head_revision():
            with _sqlite_file_lock(engine):
                from alembic import command

                cfg = alembic_config()
                with engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
        _done.add(key)


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations of one SQLite file across processes (an flock beside it, waited
    for); PostgreSQL takes its advisory lock inside the migration's transaction instead."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    fd = os.open(f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def forget(engine: Engine) -> None:
    """Forget that an engine was migrated (tests drop and recreate databases)."""
    with _lock:
        _done.discard(engine.url.render_as_string(hide_password=False))

"""Bring a database to the newest schema with alembic, once per engine and process."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

_MIGRATIONS = Path(__file__).with_name("migrations")
_done: set[str] = set()
_lock = threading.Lock()
# Any constant shared by every process of the product; serialises concurrent upgrades on PostgreSQL.
_PG_LOCK_KEY = 724_311_001


def alembic_config() -> Config:
    """Return the alembic configuration of this package (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def head_revision() -> str:
    """Return the newest migration revision."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None for a fresh database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to head; cheap when already done in this process."""
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if key in _done:
            return
        if current_revision(engine) != head_revision():
            cfg = alembic_config()
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        _done.add(key)


def forget(engine: Engine) -> None:
    """Forget that an engine was migrated (tests drop and recreate databases)."""
    with _lock:
        _done.discard(engine.url.render_as_string(hide_password=False))

"""Migration 0019 on SQLite and PostgreSQL: API tokens made before scopes existed get scope
'all' (every right they had), users get an empty last sign-in, wall links an empty revoker."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from data_access import migrate
from tests.data_access.test_migrations import _postgres_scratch, fresh_engine  # noqa: F401  (fixtures)


def test_tokens_made_before_scopes_keep_every_right(fresh_engine):  # noqa: F811
    cfg = migrate.alembic_config()
    with fresh_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0018")
    stamp = "'2026-11-26 23:30:00+00'"
    if fresh_engine.dialect.name != "postgresql":
        stamp = "'2026-11-26 23:30:00.000000'"
    with fresh_engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO api_tokens (name, token_sha256, created_at) "
            f"VALUES ('old-app', '{'a' * 64}', {stamp})"
        )
        conn.exec_driver_sql(
            "INSERT INTO users (name, password_hash, role, created_at) "
            f"VALUES ('old.user', 'x', 'exec', {stamp})"
        )
    with fresh_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0019")
    with fresh_engine.connect() as conn:
        tokens = conn.execute(sa.text("SELECT name, scope FROM api_tokens")).all()
        signed = conn.execute(sa.text("SELECT last_sign_in_at FROM users")).scalars().all()
    assert [tuple(t) for t in tokens] == [("old-app", "all")]
    assert signed == [None]
    with fresh_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0018")
    with fresh_engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("api_tokens")}
    assert "scope" not in columns

"""Alembic environment: runs on the connection handed in by data_access.migrate."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from data_access.schema import metadata

config = context.config
target_metadata = metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # the alembic command line (autogenerate while developing)
    engine = sa.create_engine(os.environ.get("DATABASE_URL", "sqlite:///data/cockpit.db"))
    with engine.begin() as conn:
        _run(conn)

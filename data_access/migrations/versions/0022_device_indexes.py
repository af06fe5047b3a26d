"""device indexes: find the other reps of a device without reading a whole day (issue 14)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

DEVICE_SHARED asks which other reps used a judged rep's devices that day. Without an index on
``device_id`` that question read every fix, check-in and device event of the day (0.36 s per
date on 500 reps); with it, the rows of those devices only. Building the index on ``gps_fixes``
blocks writes to that table while it runs (11 s for the three indexes at 7 million fixes on a
2-core machine): run the upgrade while ingest is stopped.
"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0022'
down_revision: Union[str, Sequence[str], None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_TABLES = ('gps_fixes', 'visits', 'device_events')


def upgrade() -> None:
    """Upgrade schema."""
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f'ix_{table}_device_id_ts'), ['device_id', 'ts'], unique=False
            )


def downgrade() -> None:
    """Downgrade schema."""
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_device_id_ts'))

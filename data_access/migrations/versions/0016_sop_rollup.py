"""sop rollup: per rep-day (and per rep-week), template version and step, the /sop page's
figures (contract §7)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

The tables start empty: rollup version 4 (dashboard.services.versions) marks every rep-day
dirty once, so the first background refresh after this migration fills it (backfill), in the
same transactions as the rep-day rollups. Also an index on visits.ts (newest visits first).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COUNTS = ('visits', 'done', 'failed', 'late', 'missing', 'gaps', 'timed', 'too_fast')
BUCKETS = 52


def _create(table: str, day: str) -> None:
    op.create_table(table,
    sa.Column(day, sa.Date(), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    *[sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in COUNTS],
    *[
        sa.Column(f't{i:02d}', sa.Integer(), server_default='0', nullable=False)
        for i in range(BUCKETS)
    ],
    sa.PrimaryKeyConstraint(
        day, 'rep_id', 'template_id', 'version', 'seq', name=op.f(f'pk_{table}')
    )
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f(f'ix_{table}_rep_id_{day}'), ['rep_id', day], unique=False
        )


def upgrade() -> None:
    """Upgrade schema."""
    _create('sop_rollup', 'local_date')
    _create('sop_rollup_weeks', 'week')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_ts'), ['ts'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_ts'))
    for table, day in (('sop_rollup_weeks', 'week'), ('sop_rollup', 'local_date')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_rep_id_{day}'))
        op.drop_table(table)

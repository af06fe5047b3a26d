"""sop rollup: per rep-day, template version and step, the /sop page's figures (contract §7)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

The table starts empty: rollup version 4 (dashboard.services.versions) marks every rep-day
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


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('sop_rollup',
    sa.Column('local_date', sa.Date(), nullable=False),
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
        'local_date', 'rep_id', 'template_id', 'version', 'seq', name=op.f('pk_sop_rollup')
    )
    )
    with op.batch_alter_table('sop_rollup', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_sop_rollup_rep_id_local_date'), ['rep_id', 'local_date'], unique=False
        )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_ts'), ['ts'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_ts'))
    with op.batch_alter_table('sop_rollup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sop_rollup_rep_id_local_date'))
    op.drop_table('sop_rollup')

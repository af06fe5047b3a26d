"""device quality: per rep-day and device data-quality records, versions of derived data

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('device_days',
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('fixes', sa.Integer(), nullable=False),
    sa.Column('coarse', sa.Integer(), nullable=False),
    sa.Column('coarse_jumps', sa.Integer(), nullable=False),
    sa.Column('cached_runs', sa.Integer(), nullable=False),
    sa.Column('gaps', sa.JSON(), nullable=False),
    sa.Column('accuracy_hist', sa.JSON(), nullable=False),
    sa.Column('median_accuracy_m', sa.Float(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('rep_id', 'local_date', 'device_id', name=op.f('pk_device_days'))
    )
    with op.batch_alter_table('device_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_days_local_date'), ['local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_days_device_id_local_date'), ['device_id', 'local_date'], unique=False)

    op.create_table('app_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_app_meta'))
    )
    # Existing rep-days get their data-quality records and are judged again by the revised
    # rules at the next background run (dashboard.services.versions also does this for any
    # later version bump).


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('app_meta')
    with op.batch_alter_table('device_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_days_device_id_local_date'))
        batch_op.drop_index(batch_op.f('ix_device_days_local_date'))

    op.drop_table('device_days')

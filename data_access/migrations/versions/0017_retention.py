"""retention: purged rep-days and the stay points kept for them (issue 20)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('purged_rep_days',
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('fixes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('rep_id', 'local_date', name=op.f('pk_purged_rep_days'))
    )
    with op.batch_alter_table('purged_rep_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purged_rep_days_local_date'), ['local_date'], unique=False)
    op.create_table('kept_stops',
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dwell_s', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('rep_id', 'local_date', 'n', name=op.f('pk_kept_stops'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('kept_stops')
    with op.batch_alter_table('purged_rep_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purged_rep_days_local_date'))
    op.drop_table('purged_rep_days')

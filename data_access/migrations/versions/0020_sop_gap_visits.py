"""sop gap visits: the visits with a required step missing or late, for the /sop page (issue 18)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

The table starts empty: rollup version 5 (dashboard.services.versions) marks every rep-day
dirty once, so the first background refresh after this migration fills it, in the same
transactions as the SOP rollup.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0020'
down_revision: Union[str, Sequence[str], None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('sop_gap_visits',
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Text(), nullable=False),
    sa.Column('late', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_sop_gap_visits'))
    )
    with op.batch_alter_table('sop_gap_visits', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_sop_gap_visits_rep_id_local_date'), ['rep_id', 'local_date'],
            unique=False,
        )
        batch_op.create_index(batch_op.f('ix_sop_gap_visits_ts'), ['ts'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('sop_gap_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sop_gap_visits_ts'))
        batch_op.drop_index(batch_op.f('ix_sop_gap_visits_rep_id_local_date'))
    op.drop_table('sop_gap_visits')

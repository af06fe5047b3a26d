"""grade history and grade locks (contract §5 regrade)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('customer_grade_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('old_grade', sa.String(length=1), nullable=True),
    sa.Column('new_grade', sa.String(length=1), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_grade_history'))
    )
    with op.batch_alter_table('customer_grade_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_grade_history_customer_id_changed_at'), ['customer_id', 'changed_at'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lock_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('lock_reason')
        batch_op.drop_column('locked_at')
        batch_op.drop_column('locked_by')

    with op.batch_alter_table('customer_grade_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_grade_history_customer_id_changed_at'))

    op.drop_table('customer_grade_history')

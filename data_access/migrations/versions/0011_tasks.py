"""tasks: visit tasks of due customers (contract §5)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OPEN_TASK = sa.text("status = 'open'")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('tasks',
    sa.Column('id', sa.String(length=96), nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('rep_id', sa.String(length=64), nullable=True),
    sa.Column('region_id', sa.String(length=64), nullable=True),
    sa.Column('grade', sa.String(length=1), nullable=False),
    sa.Column('created', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('customer_id', 'due', name=op.f('uq_tasks_customer_id_due'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_region_id_status'), ['region_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_rep_id_status'), ['rep_id', 'status'], unique=False)
        batch_op.create_index('uq_tasks_open_customer_id', ['customer_id'], unique=True, postgresql_where=OPEN_TASK, sqlite_where=OPEN_TASK)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('uq_tasks_open_customer_id', postgresql_where=OPEN_TASK, sqlite_where=OPEN_TASK)
        batch_op.drop_index(batch_op.f('ix_tasks_rep_id_status'))
        batch_op.drop_index(batch_op.f('ix_tasks_region_id_status'))

    op.drop_table('tasks')

"""customers: contacts, created, active, first seen, grade lock; the owner history

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('created', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('first_seen', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('grade_locked', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Customers stored before this revision were first seen no later than their last update.
    customers = sa.table('customers', sa.column('first_seen', sa.Date()), sa.column('updated_at'))
    if op.get_bind().dialect.name == 'postgresql':
        first = sa.cast(sa.func.timezone('UTC', customers.c.updated_at), sa.Date())
    else:
        first = sa.func.date(customers.c.updated_at)
    op.execute(customers.update().values(first_seen=first))

    op.create_table('customer_owner_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=64), nullable=False),
    sa.Column('from_rep_id', sa.String(length=64), nullable=True),
    sa.Column('to_rep_id', sa.String(length=64), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_owner_history'))
    )
    with op.batch_alter_table('customer_owner_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_owner_history_customer_id_changed_at'), ['customer_id', 'changed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_owner_history_from_rep_id_changed_at'), ['from_rep_id', 'changed_at'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_customer_id_status'), ['customer_id', 'status'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_customer_id_status'))

    with op.batch_alter_table('customer_owner_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_owner_history_from_rep_id_changed_at'))
        batch_op.drop_index(batch_op.f('ix_customer_owner_history_customer_id_changed_at'))

    op.drop_table('customer_owner_history')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('grade_locked')
        batch_op.drop_column('first_seen')
        batch_op.drop_column('active')
        batch_op.drop_column('created')
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_name')

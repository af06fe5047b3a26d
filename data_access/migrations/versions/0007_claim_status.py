"""claim status: the current finance decision of each expense claim

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('claim_status',
    sa.Column('claim_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('claim_id', name=op.f('pk_claim_status'))
    )
    with op.batch_alter_table('claim_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_status_status'), ['status'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('claim_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_status_status'))

    op.drop_table('claim_status')

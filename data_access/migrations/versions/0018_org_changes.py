"""organisation edits on /admin: the org_changes trail and the admin's master overrides (issue 20)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0018'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('org_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_changes'))
    )
    with op.batch_alter_table('org_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_changes_kind_record_id_at'), ['kind', 'record_id', 'at'], unique=False)

    op.create_table('master_overrides',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('base', sa.Text(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'record_id', 'field', name=op.f('pk_master_overrides'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('master_overrides')
    with op.batch_alter_table('org_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_changes_kind_record_id_at'))

    op.drop_table('org_changes')

"""customer opening hours; plan source and km_planned (issue 17, contract §6)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _columns(table: str) -> set[str]:
    return {c['name'] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    """Upgrade schema."""
    have = _columns('customers')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        if 'open' not in have:
            batch_op.add_column(sa.Column('open', sa.String(length=5), nullable=True))
        if 'close' not in have:
            batch_op.add_column(sa.Column('close', sa.String(length=5), nullable=True))
    # Another branch may add these plan columns too: add only what is missing.
    have = _columns('plans')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        if 'source' not in have:
            batch_op.add_column(
                sa.Column('source', sa.String(length=16), nullable=False, server_default='ingest')
            )
        if 'km_planned' not in have:
            batch_op.add_column(sa.Column('km_planned', sa.Float(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('km_planned')
        batch_op.drop_column('source')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('close')
        batch_op.drop_column('open')

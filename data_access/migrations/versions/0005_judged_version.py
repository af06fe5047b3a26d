"""judged version of each rep-day

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('rep_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('judged_version', sa.Integer(), nullable=True))
    # Rollups computed before km came from analyze_day (the day's trips) are recomputed, since
    # MILEAGE_INFLATED reads the km of clean rollups; the refresh then judges every day.
    op.execute(sa.text("UPDATE rep_days SET dirty = :yes").bindparams(yes=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('rep_days', schema=None) as batch_op:
        batch_op.drop_column('judged_version')

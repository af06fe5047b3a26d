"""customers: the last effective visit, kept at ingest (issue 15, speed)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Contract §5's effective visit (data_access.facts.effective_condition at its default 5 min).
EFFECTIVE = (
    "v.checked_out_at IS NOT NULL AND v.dwell_s >= 300.0 "
    "AND v.checkin_distance_m <= v.geofence_limit_m"
)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_effective_visit', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_customers_last_effective_visit'), ['last_effective_visit'], unique=False)
    # The customers stored before this revision: their last effective visit from the visits.
    op.execute(
        "UPDATE customers SET last_effective_visit = (SELECT max(v.local_date) FROM visits v "
        f"WHERE v.customer_id = customers.id AND {EFFECTIVE})"
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_last_effective_visit'))
        batch_op.drop_column('last_effective_visit')

"""verified visit indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

Two partial indexes of the verified visits (checked out, dwell >= 5 min, check-in inside the
geofence), by customer and local date, for the visit-frequency compliance queries.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERIFIED_VISIT = (
    "checked_out_at IS NOT NULL AND dwell_s >= 300.0 AND checkin_distance_m <= geofence_limit_m"
)
INDEXES = (
    ("ix_visits_verified_customer_id_local_date", ["customer_id", "local_date"]),
    ("ix_visits_verified_local_date_customer_id", ["local_date", "customer_id"]),
)


def upgrade() -> None:
    """Upgrade schema."""
    for name, columns in INDEXES:
        op.create_index(
            name,
            "visits",
            columns,
            unique=False,
            postgresql_where=sa.text(VERIFIED_VISIT),
            sqlite_where=sa.text(VERIFIED_VISIT),
        )


def downgrade() -> None:
    """Downgrade schema."""
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name="visits")

"""wall links

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the wall_links table (signed read-only links of wall screens)."""
    op.create_table(
        "wall_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("views", sa.Text(), nullable=False),
        sa.Column("regions", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wall_links")),
        sa.UniqueConstraint("name", name=op.f("uq_wall_links_name")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_wall_links_token_sha256")),
    )


def downgrade() -> None:
    """Drop the wall_links table."""
    op.drop_table("wall_links")

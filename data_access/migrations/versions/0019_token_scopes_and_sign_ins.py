"""token scopes, last sign-in, who revoked a wall link (issue 20)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

api_tokens.scope: 'ingest' (POST /api/v1/ingest only), 'read' (the export and read endpoints
only) or 'all'. Tokens created before scopes existed could call every endpoint, so they get
'all' and keep every right they had; new tokens are created with 'ingest' or 'read'.
users.last_sign_in_at: the latest successful password sign-in (empty until the next one).
wall_links.revoked_by: the admin who revoked a link (empty for links revoked by the CLI before).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0019'
down_revision: Union[str, Sequence[str], None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(
            sa.Column('scope', sa.String(length=16), nullable=False, server_default='all')
        )
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('wall_links') as batch:
        batch.add_column(sa.Column('revoked_by', sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('wall_links') as batch:
        batch.drop_column('revoked_by')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('last_sign_in_at')
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('scope')

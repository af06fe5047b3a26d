"""sop versions: template versions, their steps, and the version a visit used (contract §7)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

Existing templates become version 1 (valid from the beginning of time, so every stored visit
is judged against it) and their visits get version 1.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('sop_template_versions',
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('template_id', 'version', name=op.f('pk_sop_template_versions'))
    )
    op.create_table('sop_version_steps',
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('label_zh', sa.String(length=200), nullable=True),
    sa.Column('label_en', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('photo_required', sa.Boolean(), nullable=False),
    sa.Column('min_seconds', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('template_id', 'version', 'seq', name=op.f('pk_sop_version_steps'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sop_version', sa.Integer(), nullable=True))
    # Stored templates become version 1; their visits used it.
    pg = op.get_context().dialect.name == "postgresql"
    epoch = "'1970-01-01 00:00:00+00'" if pg else "'1970-01-01 00:00:00.000000'"
    op.execute(
        "INSERT INTO sop_template_versions "
        "(template_id, version, name, steps, valid_from, created_at, source, created_by) "
        f"SELECT id, 1, name, steps, {epoch}, updated_at, 'ingest', NULL "
        "FROM sop_templates"
    )
    op.execute(
        "INSERT INTO sop_version_steps "
        "(template_id, version, seq, code, label_zh, label_en, kind, required, photo_required, "
        "min_seconds) "
        "SELECT template_id, 1, seq, code, NULL, NULL, 'check', required, "
        + ("false" if pg else "0")
        + ", NULL FROM sop_template_steps"
    )
    op.execute(
        "UPDATE visits SET sop_version = 1 WHERE sop_template_id IS NOT NULL"
    )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_column('sop_version')
    op.drop_table('sop_version_steps')
    op.drop_table('sop_template_versions')

"""change counts: what changed, for caches exact across processes and hosts (issue 14)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

Triggers on every table a cached view may read count the writes: on SQLite each row written
adds 1 to its table's row of ``change_counts`` (created if missing); on PostgreSQL each statement inserts a row into
``change_log`` (writers share no row lock), folded into ``change_counts`` by the background
pass. ``data_access.changes.stamp`` sums both. The tables left out hold the raw track, sign-ins,
sessions, tokens and bookkeeping that no cached view reads (``data_access.changes.UNWATCHED``).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0021'
down_revision: Union[str, Sequence[str], None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The tables watched at this revision (a later migration that adds a table adds its triggers).
WATCHED = (
    'alerts', 'check_outs', 'claim_status', 'customer_grade_history',
    'customer_owner_history', 'customers', 'device_days', 'expense_flags', 'expenses',
    'kept_stops', 'master_overrides', 'orders', 'org_changes', 'photos', 'plan_items', 'plans',
    'purged_rep_days', 'regions', 'rep_day_failures', 'rep_days', 'reps', 'rule_settings',
    'settings_audit', 'sop_gap_visits', 'sop_rollup', 'sop_rollup_weeks', 'sop_steps',
    'sop_template_steps', 'sop_template_versions', 'sop_templates', 'sop_version_steps',
    'status_events', 'tasks', 'teams', 'visits',
)
_PG_FUNCTION = 'cockpit_log_change'


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('change_counts',
    sa.Column('tbl', sa.String(length=64), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('tbl', name=op.f('pk_change_counts'))
    )
    op.create_table('change_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tbl', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_log'))
    )
    counts = sa.table('change_counts', sa.column('tbl', sa.String), sa.column('n', sa.BigInteger))
    op.bulk_insert(counts, [{'tbl': name, 'n': 0} for name in WATCHED])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN INSERT INTO change_log (tbl) VALUES (TG_TABLE_NAME); RETURN NULL; END $$"
        )
        for name in WATCHED:
            op.execute(
                f"CREATE TRIGGER trg_changes_{name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {name} FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()"
            )
    else:
        for name in WATCHED:
            for event in ('insert', 'update', 'delete'):
                op.execute(
                    f"CREATE TRIGGER trg_changes_{name}_{event} AFTER {event.upper()} ON {name} "
                    f"BEGIN INSERT INTO change_counts (tbl, n) VALUES ('{name}', 1) "
                    "ON CONFLICT (tbl) DO UPDATE SET n = n + 1; END"
                )


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == 'postgresql':
        for name in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS trg_changes_{name} ON {name}")
        op.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")
    else:
        for name in WATCHED:
            for event in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS trg_changes_{name}_{event}")
    op.drop_table('change_log')
    op.drop_table('change_counts')

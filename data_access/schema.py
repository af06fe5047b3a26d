"""The database schema: one SQLAlchemy Core MetaData for every table of the product.

Timestamps are stored in UTC (``timestamptz`` on PostgreSQL, ISO text on SQLite) and read back as
aware UTC datetimes; coordinates are WGS-84 degrees. Migrations under ``migrations/`` must match
this file (a test compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator):
    """Store aware datetimes as UTC; return aware UTC datetimes on every dialect."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text from a bulk path
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _id(name: str = "id") -> sa.Column:
    return sa.Column(name, sa.String(64), primary_key=True)


def _ref(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(64), nullable=nullable)


def _received() -> sa.Column:
    return sa.Column("received_at", UtcDateTime(), nullable=False)


# ---------------------------------------------------------------- master records (upserted)

regions = sa.Table(
    "regions",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

teams = sa.Table(
    "teams",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    _ref("region_id"),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index(None, "region_id"),
)

reps = sa.Table(
    "reps",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    _ref("team_id"),
    sa.Column("device_id", sa.String(128)),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("work_start", sa.String(5), nullable=False),
    sa.Column("work_end", sa.String(5), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index(None, "team_id"),
)

# The organisation edited on /admin (issue 20): every change, with who and why (the audit log
# shows it), and which fields an admin set, so that an ingest re-sending the value the field app
# had before the edit (``base``) does not undo it; a different value from the field app wins.
org_changes = sa.Table(
    "org_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # region | team | rep
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("field", sa.String(32), nullable=False),  # name, work_hours, timezone, team_id, ...
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("reason", sa.Text),
    sa.Column("source", sa.String(16), nullable=False),  # admin | ingest
    sa.Index(None, "kind", "record_id", "at"),
)

master_overrides = sa.Table(
    "master_overrides",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("record_id", sa.String(64), primary_key=True),
    sa.Column("field", sa.String(32), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # the admin's value
    sa.Column("base", sa.Text),  # the stored value before the admin's first edit
    sa.Column("set_at", UtcDateTime(), nullable=False),
    sa.Column("set_by", sa.String(64), nullable=False),
)

customers = sa.Table(
    "customers",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("city", sa.String(100), nullable=False),
    sa.Column("address", sa.String(500)),
    sa.Column("grade", sa.String(1), nullable=False),
    _ref("owner_rep_id", nullable=True),
    # Derived at ingest from the owner rep's team, so region-scoped queries need no join chain.
    _ref("region_id", nullable=True),
    sa.Column("geofence_m", sa.Float, nullable=False),
    sa.Column("annual_revenue", sa.Float),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # Contract §5: optional contacts, the optional creation date, and whether the customer is
    # still one (only active customers can be orphans, due or overdue).
    sa.Column("contact_name", sa.String(100)),
    sa.Column("contact_phone", sa.String(32)),
    sa.Column("created", sa.Date),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    # The UTC date the customer was first stored (set once, never by a later upsert): a
    # customer never visited counts from ``created``, else from this date (contract §5).
    sa.Column("first_seen", sa.Date),
    # Regrade (contract §5) keeps a locked grade; no wire field sets it.
    sa.Column("grade_locked", sa.Boolean, nullable=False, server_default=sa.false()),
    # Who locked the grade, when and why (set with the lock, cleared with the unlock).
    sa.Column("locked_by", sa.String(64)),
    sa.Column("locked_at", UtcDateTime()),
    sa.Column("lock_reason", sa.Text),
    # Issue 17: optional opening hours (local HH:MM) for the route optimiser.
    sa.Column("open", sa.String(5)),
    sa.Column("close", sa.String(5)),
    # The local date of the latest effective visit (contract §5, any rep), kept at ingest by
    # data_access.customers.refresh_last_effective_visits so the customer list reads no visits.
    sa.Column("last_effective_visit", sa.Date),
    sa.Index(None, "region_id", "grade"),
    sa.Index(None, "last_effective_visit"),
    sa.Index(None, "owner_rep_id"),
)

# Every change of a customer's owner (contract §5): by ingest, by a person or by a handover.
# Append-only: the product has no update or delete path for these rows.
customer_owner_history = sa.Table(
    "customer_owner_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _ref("customer_id"),
    _ref("from_rep_id", nullable=True),  # None: the customer had no owner (or was new)
    _ref("to_rep_id", nullable=True),  # None: the customer lost its owner
    sa.Column("changed_at", UtcDateTime(), nullable=False),
    sa.Column("changed_by", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("source", sa.String(16), nullable=False),  # ingest | handover | person
    sa.Index(None, "customer_id", "changed_at"),
    sa.Index(None, "from_rep_id", "changed_at"),
)

# Every change of a customer's grade (contract §5): by an applied regrade, by ingest, and every
# lock or unlock (source "lock": old = new grade, ``locked`` the state after). Append-only.
customer_grade_history = sa.Table(
    "customer_grade_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _ref("customer_id"),
    sa.Column("old_grade", sa.String(1)),  # None: a grade the customer never had before
    sa.Column("new_grade", sa.String(1), nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
    sa.Column("changed_by", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("source", sa.String(16), nullable=False),  # regrade | ingest | lock
    sa.Column("locked", sa.Boolean),  # source "lock": whether the grade is locked after it
    sa.Index(None, "customer_id", "changed_at"),
)

# Visit tasks (contract §5): one open task per due customer, for its owner (None: an orphan's
# task, shown to the managers of ``region_id``). A customer has at most one task per due date
# and at most one open task (the partial unique index), so generation inserts with ON CONFLICT
# DO NOTHING and stays idempotent with any number of processes generating at once.
OPEN_TASK = sa.text("status = 'open'")
tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.String(96), primary_key=True),
    _ref("customer_id"),
    _ref("rep_id", nullable=True),
    _ref("region_id", nullable=True),
    sa.Column("grade", sa.String(1), nullable=False),
    # The local date the task was generated for, and the date the visit is due.
    sa.Column("created", sa.Date, nullable=False),
    sa.Column("due", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # open | done (overdue is derived)
    # The first effective visit to the customer on or after ``created`` (by anyone): done.
    _ref("visit_id", nullable=True),
    sa.Column("done_on", sa.Date),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("customer_id", "due"),
    sa.Index(None, "rep_id", "status"),
    sa.Index(None, "region_id", "status"),
)
sa.Index(
    "uq_tasks_open_customer_id",
    tasks.c.customer_id,
    unique=True,
    postgresql_where=OPEN_TASK,
    sqlite_where=OPEN_TASK,
)

sop_templates = sa.Table(
    "sop_templates",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("steps", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# One row per step of a template, kept in step with sop_templates.steps for SQL KPIs.
sop_template_steps = sa.Table(
    "sop_template_steps",
    metadata,
    sa.Column("template_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("required", sa.Boolean, nullable=False),
)

# Template versions (contract §7): every change of a template's steps is a new version; a visit
# is judged against the version in force at its check-in (visits.sop_version). ``valid_from`` is
# when the version took effect (its arrival or save, or the record's optional valid_from).
sop_template_versions = sa.Table(
    "sop_template_versions",
    metadata,
    sa.Column("template_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("steps", sa.JSON, nullable=False),
    sa.Column("valid_from", UtcDateTime(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # ingest | editor
    sa.Column("created_by", sa.String(64)),
)

# One row per step of a template version, for the SQL KPIs and the /sop page.
sop_version_steps = sa.Table(
    "sop_version_steps",
    metadata,
    sa.Column("template_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("label_zh", sa.String(200)),
    sa.Column("label_en", sa.String(200)),
    sa.Column("kind", sa.String(16), nullable=False),  # check|count|photo|choice|text|order
    sa.Column("required", sa.Boolean, nullable=False),
    sa.Column("photo_required", sa.Boolean, nullable=False),
    sa.Column("min_seconds", sa.Float),
)

plans = sa.Table(
    "plans",
    metadata,
    _id(),
    _ref("rep_id"),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("customer_ids", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # Contract §6: 'ingest' (sent in) or 'suggested' (a published suggestion), and its km.
    sa.Column("source", sa.String(16), nullable=False, server_default="ingest"),
    sa.Column("km_planned", sa.Float),
    sa.Index(None, "rep_id", "date"),
)

# One row per planned stop, kept in step with plans.customer_ids so KPIs stay in SQL.
plan_items = sa.Table(
    "plan_items",
    metadata,
    sa.Column("plan_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    _ref("rep_id"),
    sa.Column("date", sa.Date, nullable=False),
    _ref("customer_id"),
    sa.Index(None, "rep_id", "date"),
)

# ---------------------------------------------------------------- event records (insert-once)

gps_fixes = sa.Table(
    "gps_fixes",
    metadata,
    _id(),
    _ref("rep_id"),
    sa.Column("device_id", sa.String(128), nullable=False),
    sa.Column("ts", UtcDateTime(), nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("accuracy_m", sa.Float, nullable=False),
    sa.Column("speed_mps", sa.Float),
    sa.Column("provider", sa.String(16)),
    sa.Column("mock", sa.Boolean, nullable=False),
    _received(),
    sa.Index(None, "rep_id", "ts"),
    # DEVICE_SHARED: the other reps of a judged rep's devices that day (migration 0022).
    sa.Index(None, "device_id", "ts"),
)

device_events = sa.Table(
    "device_events",
    metadata,
    _id(),
    _ref("rep_id"),
    sa.Column("device_id", sa.String(128), nullable=False),
    sa.Column("ts", UtcDateTime(), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text),
    _received(),
    sa.Index(None, "rep_id", "ts"),
    sa.Index(None, "device_id", "ts"),
)

# A check-in opens a visit; its id is the visit id.
visits = sa.Table(
    "visits",
    metadata,
    _id(),
    _ref("rep_id"),
    sa.Column("device_id", sa.String(128), nullable=False),
    _ref("customer_id"),
    sa.Column("ts", UtcDateTime(), nullable=False),
    # The rep's local calendar date of the check-in, fixed at ingest for day-level queries.
    sa.Column("local_date", sa.Date, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("accuracy_m", sa.Float, nullable=False),
    sa.Column("mock", sa.Boolean, nullable=False),
    sa.Column("face_verified", sa.Boolean),
    _ref("sop_template_id", nullable=True),
    _received(),
    # The version of the template in force at the check-in (contract §7), set at ingest.
    sa.Column("sop_version", sa.Integer),
    # Kept current at ingest so visit KPIs stay in SQL: distance of the check-in from the
    # customer, the geofence limit it is held to (geofence_m + min(accuracy_m, 100)), and the
    # time of the first check-out.
    sa.Column("checkin_distance_m", sa.Float),
    sa.Column("geofence_limit_m", sa.Float),
    sa.Column("checked_out_at", UtcDateTime()),
    sa.Column("dwell_s", sa.Float),
    sa.Index(None, "rep_id", "ts"),
    sa.Index(None, "local_date", "rep_id"),
    sa.Index(None, "customer_id", "ts"),
    sa.Index(None, "device_id", "ts"),
    # Newest first across reps (the /sop page's visits missing required steps).
    sa.Index(None, "ts"),
)

# Verified visits (checked out, dwell >= 5 min, check-in inside the geofence: the default of
# data_access.facts.effective_condition) by customer and local date, for visit-frequency
# compliance: counting a rolling window and finding a customer's last verified visit read
# these small partial indexes only.
VERIFIED_VISIT = sa.text(
    "checked_out_at IS NOT NULL AND dwell_s >= 300.0 AND checkin_distance_m <= geofence_limit_m"
)
for _name, _columns in (
    ("ix_visits_verified_customer_id_local_date", (visits.c.customer_id, visits.c.local_date)),
    ("ix_visits_verified_local_date_customer_id", (visits.c.local_date, visits.c.customer_id)),
):
    sa.Index(_name, *_columns, postgresql_where=VERIFIED_VISIT, sqlite_where=VERIFIED_VISIT)

check_outs = sa.Table(
    "check_outs",
    metadata,
    _id(),
    _ref("visit_id"),
    sa.Column("ts", UtcDateTime(), nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("accuracy_m", sa.Float, nullable=False),
    sa.Column("mock", sa.Boolean, nullable=False),
    _received(),
    sa.Index(None, "visit_id"),
)

sop_steps = sa.Table(
    "sop_steps",
    metadata,
    _id(),
    _ref("visit_id"),
    sa.Column("step", sa.String(64), nullable=False),
    sa.Column("ts", UtcDateTime(), nullable=False),
    sa.Column("value", sa.JSON),
    sa.Column("ok", sa.Boolean, nullable=False),
    _received(),
    sa.Index(None, "visit_id"),
)

photos = sa.Table(
    "photos",
    metadata,
    _id(),
    _ref("visit_id"),
    sa.Column("ts", UtcDateTime(), nullable=False),
    sa.Column("taken_at", UtcDateTime(), nullable=False),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("phash", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16)),
    _received(),
    sa.Index(None, "visit_id"),
    sa.Index(None, "sha256"),
)

orders = sa.Table(
    "orders",
    metadata,
    _id(),
    _ref("visit_id"),
    sa.Column("amount", sa.Numeric(14, 2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    _received(),
    sa.Index(None, "visit_id"),
)

expenses = sa.Table(
    "expenses",
    metadata,
    _id(),
    _ref("rep_id"),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("amount", sa.Numeric(14, 2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("claimed_km", sa.Float),
    sa.Column("city", sa.String(100)),
    _ref("customer_id", nullable=True),
    sa.Column("receipt_sha256", sa.String(64)),
    sa.Column("note", sa.Text),
    _received(),
    # Arrival order inside one batch (DUPLICATE_RECEIPT orders by claim date, then arrival).
    sa.Column("arrival_seq", sa.BigInteger, nullable=False),
    sa.Index(None, "rep_id", "date"),
    sa.Index(None, "date"),
    sa.Index(None, "receipt_sha256"),
)

# ---------------------------------------------------------------- rollups and judgements

# Per rep and local day: the track summary and the visit facts, recomputed after ingest for the
# days it touched (dirty), so KPI pages read one small table instead of raw records.
rep_days = sa.Table(
    "rep_days",
    metadata,
    sa.Column("rep_id", sa.String(64), primary_key=True),
    sa.Column("local_date", sa.Date, primary_key=True),
    sa.Column("fixes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("first_fix_at", UtcDateTime()),
    sa.Column("last_fix_at", UtcDateTime()),
    sa.Column("km", sa.Float, nullable=False, server_default="0"),
    # The day's visit facts, additive so any period or group sums them (see data_access.facts).
    *[
        sa.Column(name, sa.Integer, nullable=False, server_default="0")
        for name in (
            "visits",
            "effective",
            "dwell_n",
            "sop_required",
            "sop_done",
            "planned",
            "planned_done",
        )
    ],
    *[
        sa.Column(name, sa.Float, nullable=False, server_default="0")
        for name in ("dwell_s_sum", "order_amount", "expense_amount")
    ],
    sa.Column("dirty", sa.Boolean, nullable=False, server_default=sa.true()),
    # Bumped by every ingest that touches the day; a result computed from an older version does
    # not clear the dirty flag.
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("computed_at", UtcDateTime()),
    # The version the judge last judged the day at (NULL: never); behind ``version`` = to re-judge.
    sa.Column("judged_version", sa.Integer),
    sa.Index(None, "local_date"),
    sa.Index(None, "dirty"),
)

# SOP compliance (contract §7) per rep-day, template version and step, written with the rep-day
# rollups in the same transaction: how many of the day's visits of that version had the step
# done / failed / late / missing (``gaps``: missing or late, when the step is required), how many
# were timed, how many faster than the step's minimum, and the timed seconds counted in the
# buckets of ``dashboard.sop.TIMING_EDGES`` (t00 … t51), so any period, team or rep sums them.
SOP_TIMING_BUCKETS = 52


def _sop_rollup_table(name: str, day: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column(day, sa.Date, primary_key=True),
        sa.Column("rep_id", sa.String(64), primary_key=True),
        sa.Column("template_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        *[
            sa.Column(column, sa.Integer, nullable=False, server_default="0")
            for column in (
                "visits",
                "done",
                "failed",
                "late",
                "missing",
                "gaps",
                "timed",
                "too_fast",
            )
        ],
        *[
            sa.Column(f"t{i:02d}", sa.Integer, nullable=False, server_default="0")
            for i in range(SOP_TIMING_BUCKETS)
        ],
        sa.Index(None, "rep_id", day),
    )


sop_rollup = _sop_rollup_table("sop_rollup", "local_date")
# The same sums per rep and ISO week (``week``: its Monday), rewritten from ``sop_rollup`` for the
# weeks of the rep-days just refreshed: a long period reads its whole weeks here (a seventh of
# the rows) and only its first and last days from ``sop_rollup``.
sop_rollup_weeks = _sop_rollup_table("sop_rollup_weeks", "week")

# The visits with a required step missing or late (contract §7), written with the SOP rollup of
# their rep-day: the /sop page's newest incomplete visits are read newest first through the
# index on ``ts`` instead of computing the outcomes of the period's visits. ``missing`` and
# ``late``: the codes in template order, as a JSON array (codes are free text).
sop_gap_visits = sa.Table(
    "sop_gap_visits",
    metadata,
    sa.Column("visit_id", sa.String(64), primary_key=True),
    _ref("rep_id"),
    sa.Column("local_date", sa.Date, nullable=False),
    sa.Column("ts", UtcDateTime(), nullable=False),
    sa.Column("template_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("missing", sa.Text, nullable=False),
    sa.Column("late", sa.Text, nullable=False),
    sa.Index(None, "rep_id", "local_date"),
    sa.Index(None, "ts"),
)

# Device data quality (contract §2a) per rep-day and device, written with the rollups: never an
# accusation, the raw material of "devices to check". The accuracy histogram (0.1 m buckets)
# gives an exact median for any period without the raw fixes.
device_days = sa.Table(
    "device_days",
    metadata,
    sa.Column("rep_id", sa.String(64), primary_key=True),
    sa.Column("local_date", sa.Date, primary_key=True),
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("fixes", sa.Integer, nullable=False),
    sa.Column("coarse", sa.Integer, nullable=False),
    sa.Column("coarse_jumps", sa.Integer, nullable=False),
    sa.Column("cached_runs", sa.Integer, nullable=False),
    sa.Column("gaps", sa.JSON, nullable=False),
    sa.Column("accuracy_hist", sa.JSON, nullable=False),
    sa.Column("median_accuracy_m", sa.Float),
    sa.Column("computed_at", UtcDateTime(), nullable=False),
    sa.Index(None, "local_date"),
    sa.Index(None, "device_id", "local_date"),
)

# Versions of derived data the code writes (judge rules, rollup contents): a stored version
# behind the code's makes the background work recompute what it derived before.
app_meta = sa.Table(
    "app_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

# Authenticity alerts (contract §2 and §4); ids are derived from rule + subject, so re-running
# the judge never duplicates an alert and keeps its triage status.
alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.String(96), primary_key=True),
    sa.Column("rule", sa.String(32), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    _ref("rep_id"),
    sa.Column("ts", UtcDateTime(), nullable=False),
    sa.Column("local_date", sa.Date, nullable=False),
    _ref("visit_id", nullable=True),
    _ref("customer_id", nullable=True),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("assigned_to", sa.String(64)),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index(None, "local_date", "rep_id"),
    sa.Index(None, "status", "severity"),
    sa.Index(None, "visit_id"),
    # A customer's alerts (its profile, the open alerts of the customer list).
    sa.Index(None, "customer_id", "status"),
)

# Expense flags (contract §3 and §4), one per rule and claim.
expense_flags = sa.Table(
    "expense_flags",
    metadata,
    sa.Column("id", sa.String(96), primary_key=True),
    sa.Column("rule", sa.String(32), nullable=False),
    _ref("claim_id"),
    _ref("rep_id"),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("amount", sa.Numeric(14, 2), nullable=False),
    sa.Column("amount_at_risk", sa.Numeric(14, 2), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index(None, "date", "rep_id"),
    sa.Index(None, "claim_id"),
    sa.Index(None, "status"),
)

# Every status change of an alert or an expense flag, and every decision on a claim (contract §4:
# who, when, note). Append-only: the product has no update or delete path for these rows.
status_events = sa.Table(
    "status_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # "alert", "expense_flag" or "claim"
    sa.Column("subject_kind", sa.String(16), nullable=False),
    sa.Column("subject_id", sa.String(96), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16)),
    sa.Column("assigned_to", sa.String(64)),
    sa.Column("note", sa.Text),
    sa.Index(None, "subject_kind", "subject_id", "at"),
)

# Configurable thresholds of the rules (contract §2, §3); a missing key means the default.
rule_settings = sa.Table(
    "rule_settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
)

# Every change of a rule setting, append-only.
settings_audit = sa.Table(
    "settings_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("before", sa.JSON),
    sa.Column("after", sa.JSON),
    sa.Column("note", sa.Text),
    sa.Index(None, "key", "at"),
)

# The current finance decision of an expense claim (a claim without a row is pending). Every
# change is also appended to status_events (subject_kind "claim"), which keeps the history.
claim_status = sa.Table(
    "claim_status",
    metadata,
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # approved | rejected | queried
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Index(None, "status"),
)

# ---------------------------------------------------------------- ingest bookkeeping

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("record_type", sa.String(32)),
    sa.Column("record_id", sa.String(200)),
    sa.Column("raw", sa.Text, nullable=False),
    # "json": the record as sent; "csv": a CSV row as a JSON object of cell strings.
    sa.Column("raw_format", sa.String(8), nullable=False),
    # Identical re-sends of a rejected record are kept once while it is open.
    sa.Column("raw_sha256", sa.String(64), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # open | resolved
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("resolved_at", UtcDateTime()),
    sa.Index(None, "status", "received_at"),
    sa.Index(None, "raw_sha256"),
)

ingest_batches = sa.Table(
    "ingest_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("duplicates", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
    sa.Column("dropped_off_hours", sa.Integer, nullable=False),
)

# ---------------------------------------------------------------- users and API tokens

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("locale", sa.String(8), nullable=False, server_default="zh"),
    sa.Column("theme", sa.String(8), nullable=False, server_default="light"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    # The latest successful password sign-in (None: not since migration 0019).
    sa.Column("last_sign_in_at", UtcDateTime()),
)

user_regions = sa.Table(
    "user_regions",
    metadata,
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("region_id", sa.String(64), primary_key=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_used_at", UtcDateTime()),
    sa.Column("revoked_at", UtcDateTime()),
    # What the token may call: "ingest" (POST /api/v1/ingest), "read" (the exports and read
    # endpoints) or "all" (tokens made before scopes existed keep every right they had).
    sa.Column("scope", sa.String(16), nullable=False, server_default="all"),
)

# Signed, read-only links for wall screens (kiosk devices): stored by the hash of their token,
# limited to their views and regions, with an expiry; revoking one blanks the wall it drives.
wall_links = sa.Table(
    "wall_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    # Comma-separated wall views ("national", "region:<id>"), in rotation order.
    sa.Column("views", sa.Text, nullable=False),
    # Comma-separated region ids the link may see; empty = every region.
    sa.Column("regions", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime()),
    sa.Column("last_used_at", UtcDateTime()),
    # The admin who revoked the link (None when revoked by the CLI or not revoked).
    sa.Column("revoked_by", sa.String(64)),
)

# Server-side sign-in sessions: the cookie carries a random id, the row (keyed by the id's hash)
# is the session. Deleting a row signs that browser out at its next request, in every process.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id_sha256", sa.String(64), primary_key=True),
    # flask-login's user id ("12", or "wall:3" for a wall link); NULL before sign-in.
    sa.Column("user_key", sa.String(64)),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
    # Absolute end of the session, whatever its activity.
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Index(None, "user_key"),
    sa.Index(None, "expires_at"),
)

# Failed sign-ins, counted per (user name, client address) and per client address by every
# process of the app (old rows are pruned as new ones arrive).
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name_key", sa.String(64), nullable=False),
    sa.Column("client", sa.String(64), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Index(None, "client", "at"),
    sa.Index(None, "name_key", "client", "at"),
)

# Rep-days whose rollup refresh or judging raised: isolated so every other rep-day goes on;
# shown on /data until a later run of the same stage succeeds.
rep_day_failures = sa.Table(
    "rep_day_failures",
    metadata,
    sa.Column("rep_id", sa.String(64), primary_key=True),
    sa.Column("local_date", sa.Date, primary_key=True),
    sa.Column("stage", sa.String(16), primary_key=True),  # refresh | judge
    sa.Column("version", sa.Integer),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("failed_at", UtcDateTime(), nullable=False),
)

# Retention (issue 20): the rep-days whose raw fixes were purged (when, how many, under which
# retention), so nothing recomputes them from the missing fixes and the replay can say why.
purged_rep_days = sa.Table(
    "purged_rep_days",
    metadata,
    sa.Column("rep_id", sa.String(64), primary_key=True),
    sa.Column("local_date", sa.Date, primary_key=True),
    sa.Column("purged_at", UtcDateTime(), nullable=False),
    sa.Column("retention_days", sa.Integer, nullable=False),
    sa.Column("fixes", sa.Integer, nullable=False),
    sa.Index(None, "local_date"),
)

# The stay points of a purged rep-day, computed from its fixes just before they went (the
# replay's stops; times in UTC).
kept_stops = sa.Table(
    "kept_stops",
    metadata,
    sa.Column("rep_id", sa.String(64), primary_key=True),
    sa.Column("local_date", sa.Date, primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("start_at", UtcDateTime(), nullable=False),
    sa.Column("end_at", UtcDateTime(), nullable=False),
    sa.Column("dwell_s", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    _ref("customer_id", nullable=True),
)

# What changed, for caches that must stay exact across processes and hosts
# (``data_access.changes``): triggers on every table a cached view may read count each write.
# SQLite (one writer at a time): each row written adds 1 to its table's ``n``. PostgreSQL: each
# statement inserts one ``change_log`` row (no row lock shared between writers), which the
# background pass folds into ``change_counts`` now and then.
change_counts = sa.Table(
    "change_counts",
    metadata,
    sa.Column("tbl", sa.String(64), primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
)
change_log = sa.Table(
    "change_log",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("tbl", sa.String(64), nullable=False),
)

# Record type → table, in the dependency order an ingest batch is applied.
MASTER_TABLES = {
    "region": regions,
    "team": teams,
    "rep": reps,
    "customer": customers,
    "sop_template": sop_templates,
    "plan": plans,
}
EVENT_TABLES = {
    "gps": gps_fixes,
    "device_event": device_events,
    "check_in": visits,
    "check_out": check_outs,
    "sop_step": sop_steps,
    "photo": photos,
    "order": orders,
    "expense": expenses,
}

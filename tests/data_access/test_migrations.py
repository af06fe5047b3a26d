"""Alembic migrations against data_access.schema, on fresh SQLite and PostgreSQL databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine, make_url

from data_access import migrate, schema
from data_access.engine import make_engine
from tests.conftest import ADMIN_URL, drop_database_later, unavailable


@pytest.fixture(scope="module")
def _postgres_scratch() -> Iterator[str]:
    """One scratch PostgreSQL database for the module's tests, dropped at the end (in the
    background: ``drop_database_later``)."""
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"cockpit_mig_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        unavailable(f"PostgreSQL is not reachable at {ADMIN_URL}: {exc.orig}")
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        admin.dispose()
        drop_database_later(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_engine(request, tmp_path) -> Iterator[Engine]:
    """An engine on a brand-new, empty, never-migrated database (PostgreSQL: the module's
    scratch database with its public schema dropped and created again, nothing else in it)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield engine
        migrate.forget(engine)
        engine.dispose()
        return
    engine = make_engine(request.getfixturevalue("_postgres_scratch"))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
        assert sa.inspect(conn).get_table_names() == []
    try:
        yield engine
    finally:
        migrate.forget(engine)
        engine.dispose()


def schema_differences(engine: Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), schema.metadata)


def test_migrations_form_one_linear_history_with_a_single_head():
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert scripts.get_heads() == [migrate.head_revision()]
    assert scripts.get_bases() == ["0001"]


def test_fresh_database_has_no_revision_and_upgrade_brings_it_to_head(fresh_engine):
    assert migrate.current_revision(fresh_engine) is None
    migrate.upgrade(fresh_engine)
    assert migrate.current_revision(fresh_engine) == migrate.head_revision()


def test_upgraded_database_matches_schema_py_with_no_autogenerate_differences(fresh_engine):
    migrate.upgrade(fresh_engine)
    assert schema_differences(fresh_engine) == []


def test_upgraded_database_has_every_table_and_index_of_schema_py(fresh_engine):
    migrate.upgrade(fresh_engine)
    inspector = sa.inspect(fresh_engine)
    tables = set(inspector.get_table_names())
    assert set(schema.metadata.tables) <= tables
    for table in schema.metadata.sorted_tables:
        stored = {ix["name"] for ix in inspector.get_indexes(table.name)}
        assert {ix.name for ix in table.indexes} <= stored, table.name


def test_upgrading_twice_is_harmless_and_keeps_the_data(fresh_engine):
    migrate.upgrade(fresh_engine)
    now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    with fresh_engine.begin() as conn:
        conn.execute(schema.regions.insert().values(id="reg-e", name="华东", updated_at=now))
    differences_after_first = schema_differences(fresh_engine)

    # Again through the product's entry point, with its per-process memo forgotten ...
    migrate.forget(fresh_engine)
    migrate.upgrade(fresh_engine)
    # ... and through alembic itself, which must find nothing left to do.
    cfg = migrate.alembic_config()
    with fresh_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

    assert migrate.current_revision(fresh_engine) == migrate.head_revision()
    assert schema_differences(fresh_engine) == differences_after_first
    with fresh_engine.connect() as conn:
        assert conn.execute(sa.select(schema.regions.c.name)).scalars().all() == ["华东"]


def test_session_database_of_the_shared_fixture_is_at_head(engine):
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_migration_0010_sets_first_seen_of_stored_customers_from_their_last_update(fresh_engine):
    cfg = migrate.alembic_config()
    with fresh_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0009")
    stamp = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)  # 07:30 on the 27th in Shanghai
    with fresh_engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO customers (id, name, lat, lon, city, grade, geofence_m, updated_at) "
            "VALUES ('c-1', 'Shop', 31.2, 121.4, 'Shanghai', 'A', 200.0, "
            + (
                "'2026-11-26 23:30:00+00'"
                if fresh_engine.dialect.name == "postgresql"
                else "'2026-11-26 23:30:00.000000'"
            )
            + ")"
        )
    migrate.forget(fresh_engine)
    migrate.upgrade(fresh_engine)
    c = schema.customers
    with fresh_engine.connect() as conn:
        row = conn.execute(sa.select(c.c.first_seen, c.c.active, c.c.grade_locked)).one()
    assert tuple(row) == (stamp.date(), True, False)


def test_migration_0012_sets_the_last_effective_visit_of_stored_customers(fresh_engine):
    cfg = migrate.alembic_config()
    with fresh_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0011")
    at = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    customer = {"name": "Shop", "lat": 31.2, "lon": 121.4, "city": "Shanghai", "grade": "A"}
    visit = {
        "rep_id": "rep-1",
        "device_id": "dev-1",
        "lat": 31.2,
        "lon": 121.4,
        "accuracy_m": 10.0,
        "mock": False,
        "received_at": at,
        "checkin_distance_m": 5.0,
        "geofence_limit_m": 160.0,
    }
    c, v = schema.customers, schema.visits
    with fresh_engine.begin() as conn:
        conn.execute(
            c.insert(),
            [
                {"id": cid, **customer, "geofence_m": 150.0, "updated_at": at}
                for cid in ("c-1", "c-2")
            ],
        )
        # c-1: effective on the 18th, too short on the 20th; c-2: never checked out.
        conn.execute(
            v.insert(),
            [
                {**visit, "id": vid, "customer_id": cid, "ts": at, "local_date": day,
                 "checked_out_at": out, "dwell_s": dwell}
                for vid, cid, day, out, dwell in (
                    ("v-1", "c-1", date(2026, 11, 18), at, 1200.0),
                    ("v-2", "c-1", date(2026, 11, 20), at, 120.0),
                    ("v-3", "c-2", date(2026, 11, 20), None, None),
                )
            ],
        )  # fmt: skip
    migrate.forget(fresh_engine)
    migrate.upgrade(fresh_engine)
    with fresh_engine.connect() as conn:
        got = dict(conn.execute(sa.select(c.c.id, c.c.last_effective_visit)).all())
    assert got == {"c-1": date(2026, 11, 18), "c-2": None}

"""The stored last effective visit (``customers.last_effective_visit``, issue 15's speed) equals
contract §5's definition computed from the visits, after every way a visit can arrive or change:
first ingest, re-ingest, out-of-order arrival, an earlier check-out that turns a visit
non-effective, a rebuild, and two concurrent writers on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from dashboard.services import customers as svc
from data_access import customers as store
from data_access import schema
from data_access.facts import DEFAULT_MIN_DWELL_S, effective_condition
from data_access.scope import Scope
from tests import builders as b
from tests.conftest import data_table_names
from tests.customer_builders import company, effective_visit, load

c, v = schema.customers, schema.visits
EVERYONE = Scope.everything(user="test")


def stored(engine) -> dict[str, date | None]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(c.c.id, c.c.last_effective_visit)).all())


def defined(engine) -> dict[str, date | None]:
    """Contract §5 from the visits: the latest local date of an effective visit, any rep."""
    with engine.connect() as conn:
        ids = conn.execute(sa.select(c.c.id)).scalars().all()
        found = dict(
            conn.execute(
                sa.select(v.c.customer_id, sa.func.max(v.c.local_date))
                .where(effective_condition(v, DEFAULT_MIN_DWELL_S))
                .group_by(v.c.customer_id)
            ).all()
        )
    return {cid: found.get(cid) for cid in ids}


def test_ingest_keeps_the_stored_date_equal_to_the_definition(engine, now):
    load(
        engine,
        [
            *company(),
            *effective_visit("v-1", "cust-1", date(2026, 11, 20)),
            *effective_visit("v-2", "cust-1", date(2026, 11, 24), rep_id="rep-2"),
            # Too short, and a check-in without check-out: neither is effective.
            *effective_visit("v-3", "cust-2", date(2026, 11, 25), minutes=3),
            b.check_in("v-4", customer_id="cust-3", rep_id="rep-2"),
            # Outside the geofence (about 1.1 km away).
            *[
                {**rec, "lat": 31.198} if rec["type"] == "check_in" else rec
                for rec in effective_visit("v-5", "cust-n", date(2026, 11, 25), rep_id="rep-n")
            ],
        ],
        now,
    )
    assert stored(engine) == defined(engine)
    assert stored(engine)["cust-1"] == date(2026, 11, 24)
    assert stored(engine)["cust-2"] is None
    assert stored(engine)["cust-3"] is None
    assert stored(engine)["cust-n"] is None


def test_re_ingest_and_out_of_order_arrival_keep_the_latest(engine, now):
    load(engine, company(), now)
    newest = effective_visit("v-9", "cust-1", date(2026, 11, 26))
    load(engine, newest, now)
    load(engine, effective_visit("v-1", "cust-1", date(2026, 11, 10)), now)
    assert stored(engine)["cust-1"] == date(2026, 11, 26)
    # The check-out before its check-in's batch, then the check-in, then both again.
    late = effective_visit("v-0", "cust-2", date(2026, 11, 22))
    load(engine, late[:1], now)
    load(engine, late[1:], now)
    load(engine, [*newest, *late], now)
    assert stored(engine) == defined(engine)
    assert stored(engine)["cust-2"] == date(2026, 11, 22)


def test_an_earlier_check_out_arriving_later_turns_the_visit_non_effective(engine, now):
    load(
        engine,
        [
            *company(),
            *effective_visit("v-old", "cust-1", date(2026, 11, 18)),
            *effective_visit("v-new", "cust-1", date(2026, 11, 25)),
        ],
        now,
    )
    assert stored(engine)["cust-1"] == date(2026, 11, 25)
    # The first check-out of v-new was 2 minutes after its check-in: the dwell is 2 min.
    load(
        engine,
        [b.check_out("co-early", visit_id="v-new", ts="2026-11-25T09:22:00+08:00")],
        now,
    )
    assert stored(engine) == defined(engine)
    assert stored(engine)["cust-1"] == date(2026, 11, 18)
    rows = svc.list_customers(engine, EVERYONE, today=date(2026, 11, 27)).rows
    assert {row["id"]: row["last_visit"] for row in rows}["cust-1"] == date(2026, 11, 18)


def test_rebuild_restores_the_definition_of_every_customer(engine, now):
    load(
        engine,
        [
            *company(),
            *effective_visit("v-1", "cust-1", date(2026, 11, 20)),
            *effective_visit("v-2", "cust-3", date(2026, 11, 21), rep_id="rep-2"),
        ],
        now,
    )
    with engine.begin() as conn:
        conn.execute(c.update().values(last_effective_visit=date(2020, 1, 1)))
    assert stored(engine) != defined(engine)
    assert svc.rebuild_last_visits(engine) == 5
    assert stored(engine) == defined(engine)
    assert stored(engine)["cust-2"] is None


def test_a_day_before_the_stored_date_reads_the_visits_up_to_that_day(engine, now):
    load(
        engine,
        [
            *company(),
            *effective_visit("v-1", "cust-1", date(2026, 11, 10)),
            *effective_visit("v-2", "cust-1", date(2026, 11, 26)),
            *effective_visit("v-3", "cust-2", date(2026, 11, 26)),
        ],
        now,
    )
    rows = svc.list_customers(engine, EVERYONE, today=date(2026, 11, 20), sort="id").rows
    last = {row["id"]: row["last_visit"] for row in rows}
    assert last["cust-1"] == date(2026, 11, 10)
    assert last["cust-2"] is None
    assert {row["id"]: row["status"] for row in rows}["cust-2"] == "never"


@pytest.mark.postgres
def test_two_concurrent_writers_on_postgresql_keep_the_latest(postgres_url, now):
    from dashboard.services.db import get_engine

    engine = get_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {data_table_names()} CASCADE")
    # Two check-ins of cust-1, neither checked out yet.
    load(
        engine,
        [
            *company(),
            b.check_in("v-new", ts="2026-11-26T09:20:00+08:00"),
            b.check_in("v-old", ts="2026-11-20T09:20:00+08:00"),
        ],
        now,
    )
    out = {"checked_out_at": datetime(2026, 11, 27, 2, 0, tzinfo=UTC), "dwell_s": 1200.0}

    def check_out(conn, visit_id):
        conn.execute(v.update().where(v.c.id == visit_id).values(**out))
        store.refresh_last_effective_visits(conn, ["cust-1"])

    first = engine.connect()
    first.begin()
    check_out(first, "v-new")  # holds cust-1's row, not committed
    errors = []

    def second():
        try:
            with engine.begin() as conn:
                check_out(conn, "v-old")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=second)
    worker.start()
    time.sleep(0.5)
    assert worker.is_alive(), "the second writer did not wait for the first one's row lock"
    first.commit()
    first.close()
    worker.join(10)
    assert not errors
    assert stored(engine)["cust-1"] == date(2026, 11, 26)
    assert stored(engine) == defined(engine)

"""Customer master records through ingest (contract §5): contacts, created, active, first seen,
and the owner history an owner change by ingest writes."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from dashboard.services import ingest
from data_access import schema
from tests import builders as b

h = schema.customer_owner_history
c = schema.customers


def send(engine, values, now, source="test"):
    return ingest.ingest_values(engine, values, source=source, now=now)


def history(engine):
    with engine.connect() as conn:
        stmt = sa.select(
            h.c.customer_id, h.c.from_rep_id, h.c.to_rep_id, h.c.changed_by, h.c.source
        ).order_by(h.c.id)
        return [tuple(row) for row in conn.execute(stmt)]


def customer_row(engine, customer_id="cust-1"):
    with engine.connect() as conn:
        return conn.execute(sa.select(c).where(c.c.id == customer_id)).mappings().one()


def test_first_ingest_of_an_owned_customer_writes_one_row_from_none(engine, now):
    summary = send(engine, [b.region(), b.team(), b.rep(), b.customer()], now)
    assert summary.accepted == 4
    assert history(engine) == [("cust-1", None, "rep-1", "test", "ingest")]


def test_first_ingest_of_a_customer_without_owner_writes_no_history(engine, now):
    send(engine, [b.region(), b.team(), b.rep(), b.customer(owner_rep_id=None)], now)
    assert history(engine) == []


def test_reingest_with_a_new_owner_writes_one_ingest_row_and_same_owner_writes_none(engine, now):
    send(engine, [b.region(), b.team(), b.rep(), b.rep("rep-2"), b.customer()], now)
    send(engine, [b.customer(name="renamed")], now + timedelta(hours=1))
    send(engine, [b.customer(owner_rep_id="rep-2")], now + timedelta(hours=2), source="api:crm")
    send(engine, [b.customer(owner_rep_id="rep-2")], now + timedelta(hours=3))
    assert history(engine) == [
        ("cust-1", None, "rep-1", "test", "ingest"),
        ("cust-1", "rep-1", "rep-2", "api:crm", "ingest"),
    ]
    with engine.connect() as conn:
        changed_at = conn.execute(sa.select(h.c.changed_at).order_by(h.c.id)).scalars().all()
    assert changed_at == [now, now + timedelta(hours=2)]
    assert customer_row(engine)["owner_rep_id"] == "rep-2"


def test_several_records_of_one_customer_in_a_batch_write_the_net_change(engine, now):
    send(engine, [b.region(), b.team(), b.rep(), b.rep("rep-2"), b.rep("rep-3"), b.customer()], now)
    send(engine, [b.customer(owner_rep_id="rep-2"), b.customer(owner_rep_id="rep-3")], now)
    assert history(engine)[1:] == [("cust-1", "rep-1", "rep-3", "test", "ingest")]


def test_customer_losing_its_owner_keeps_its_region_and_the_loss_is_in_the_history(engine, now):
    send(engine, [b.region(), b.team(), b.rep(), b.customer()], now)
    send(engine, [b.customer(owner_rep_id=None)], now + timedelta(hours=1))
    row = customer_row(engine)
    assert row["owner_rep_id"] is None
    assert row["region_id"] == "reg-e"
    assert history(engine)[-1] == ("cust-1", "rep-1", None, "test", "ingest")


def test_contacts_created_and_active_are_stored_and_first_seen_is_kept(engine, now):
    send(engine, [b.region(), b.team(), b.rep(), b.customer()], now)
    row = customer_row(engine)
    assert row["active"] is True
    assert row["first_seen"] == now.date()
    assert row["created"] is None and row["contact_name"] is None
    assert row["grade_locked"] is False
    later = now + timedelta(days=3)
    send(
        engine,
        [
            b.customer(
                contact_name="王经理",
                contact_phone="+86 21 6432 1234",
                created="2026-01-15",
                active=False,
            )
        ],
        later,
    )
    row = customer_row(engine)
    assert row["contact_name"] == "王经理"
    assert row["contact_phone"] == "+86 21 6432 1234"
    assert row["created"] == date(2026, 1, 15)
    assert row["active"] is False
    assert row["first_seen"] == now.date()  # the first storage, not the upsert


def test_an_upsert_keeps_the_grade_lock_no_wire_field_sets(engine, now):
    send(engine, [b.region(), b.team(), b.rep(), b.customer()], now)
    with engine.begin() as conn:
        conn.execute(c.update().values(grade_locked=True))
    send(engine, [b.customer(grade="B")], now + timedelta(hours=1))
    row = customer_row(engine)
    assert row["grade"] == "B"
    assert row["grade_locked"] is True


def test_a_bad_phone_is_rejected_naming_the_field_and_quarantined(engine, now):
    summary = send(
        engine, [b.region(), b.team(), b.rep(), b.customer(contact_phone="call me")], now
    )
    assert summary.accepted == 3
    assert summary.rejected[0]["error"].startswith("contact_phone: ")
    assert ingest.list_quarantine(engine)[0]["record_id"] == "cust-1"

"""The ingest service (contract §1) on real SQLite and real PostgreSQL."""

from __future__ import annotations

import json
import math
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from dashboard import contract
from dashboard.contract import wire
from dashboard.contract.wire import BodyError
from dashboard.services import ingest
from dashboard.services.db import get_engine
from data_access import records as store
from data_access import schema
from tests import builders as b

LATER = timedelta(hours=2)


def everything() -> list[dict[str, Any]]:
    """A company, a full visit and one record of every other event type."""
    return [*b.company(), *b.one_visit(), b.gps(), b.device_event(), b.expense()]


def send(engine, values, now, source="test"):
    return ingest.ingest_values(engine, values, source=source, now=now)


# Bookkeeping that counts ingests rather than describing data: the batch log, and the rollup
# version counter every batch touching a rep-day bumps (so a running recompute knows it is stale).
# The change counts of the view cache count writes, which a resend repeats (data_access.changes).
BOOKKEEPING_TABLES = {"ingest_batches", "change_counts", "change_log"}
BOOKKEEPING_COLUMNS = {"rep_days.version"}


def dump(engine, *, skip: set[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every row of every table (bookkeeping excepted), in primary-key order.

    ``skip`` names more columns to leave out: "column" in every table, or "table.column".
    """
    skip = set(skip) | BOOKKEEPING_COLUMNS
    out = {}
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            if table.name in BOOKKEEPING_TABLES:
                continue
            cols = [
                c
                for c in table.columns
                if c.name not in skip and f"{table.name}.{c.name}" not in skip
            ]
            stmt = sa.select(*cols).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in conn.execute(stmt)]
    return out


def delete_everything(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            conn.execute(table.delete())


def rows_of(engine, table, *cols, order_by=None):
    with engine.connect() as conn:
        stmt = sa.select(*(cols or [table]))
        if order_by is not None:
            stmt = stmt.order_by(order_by)
        return conn.execute(stmt).all()


def fix_ids(engine) -> set[str]:
    return {r.id for r in rows_of(engine, schema.gps_fixes, schema.gps_fixes.c.id)}


def ndjson(values) -> list[bytes]:
    return [orjson.dumps(v) for v in values]


# ------------------------------------------------------------------ accepting a batch


def test_full_company_and_visit_batch_is_accepted_and_counted_by_type(engine, now):
    summary = send(engine, everything(), now)
    assert summary.as_dict() == {
        "accepted": 14,
        "duplicates": 0,
        "dropped_off_hours": 0,
        "rejected": [],
    }
    assert ingest.count_stored(engine) == {
        "region": 1,
        "team": 1,
        "rep": 1,
        "customer": 1,
        "sop_template": 1,
        "plan": 1,
        "gps": 1,
        "device_event": 1,
        "check_in": 1,
        "check_out": 1,
        "sop_step": 1,
        "photo": 1,
        "order": 1,
        "expense": 1,
        "quarantine_open": 0,
    }


def test_accepted_batch_stores_normalised_values(engine, now):
    send(engine, everything(), now)
    (cust,) = rows_of(engine, schema.customers)
    assert cust.geofence_m == 200.0
    assert cust.region_id == "reg-e"  # derived from the owner rep's team
    (order,) = rows_of(engine, schema.orders)
    assert order.amount == Decimal("1280.50")
    assert order.currency == "CNY"
    (item,) = rows_of(engine, schema.plan_items)
    assert (item.plan_id, item.seq, item.customer_id) == ("plan-1", 0, "cust-1")
    (tpl,) = rows_of(engine, schema.sop_templates)
    assert [s["code"] for s in tpl.steps] == ["storefront_photo", "shelf_check", "promo_check"]
    (visit,) = rows_of(engine, schema.visits)
    assert str(visit.local_date) == "2026-11-26"
    assert visit.received_at == now


def test_sending_the_same_batch_twice_leaves_every_table_as_after_one_send(engine, now):
    batch = [*everything(), b.gps(id="fix-bad", lat=95.2)]
    first = send(engine, batch, now)
    assert first.accepted == 14
    after_one = dump(engine)
    second = send(engine, batch, now)
    assert second.duplicates == 8  # every event record
    assert second.accepted == 6  # the master records, upserted again
    assert second.rejected == first.rejected
    assert dump(engine) == after_one
    assert len(ingest.list_quarantine(engine, status=None)) == 1


def test_resending_later_changes_nothing_but_the_masters_updated_at(engine, now):
    batch = [*everything(), b.order(id="o-bad", amount=-1)]
    send(engine, batch, now)
    after_one = dump(engine, skip={"updated_at"})
    second = send(engine, batch, now + LATER)
    assert (second.accepted, second.duplicates, len(second.rejected)) == (6, 8, 1)
    assert dump(engine, skip={"updated_at"}) == after_one
    assert ingest.count_stored(engine)["quarantine_open"] == 1


def test_master_upsert_newest_arrival_wins_across_batches(engine, now):
    send(engine, b.company(), now)
    summary = send(engine, [b.customer(name="联华超市(新名)", grade="B")], now + LATER)
    assert summary.accepted == 1
    (cust,) = rows_of(engine, schema.customers)
    assert (cust.name, cust.grade) == ("联华超市(新名)", "B")
    assert cust.updated_at == now + LATER


def test_master_upsert_newest_arrival_wins_inside_one_batch(engine, now):
    values = [*b.company(), b.customer(name="second"), b.customer(name="third")]
    summary = send(engine, values, now)
    assert summary.accepted == len(values)
    assert [r.name for r in rows_of(engine, schema.customers)] == ["third"]


def test_events_listed_before_their_masters_in_the_same_batch_are_accepted(engine, now):
    values = list(reversed(everything()))
    summary = send(engine, values, now)
    assert summary.rejected == []
    assert summary.accepted == 14
    assert all(n == 1 for k, n in ingest.count_stored(engine).items() if k != "quarantine_open")


# ------------------------------------------------------------------ rejections and quarantine


def test_partial_batch_stores_good_records_and_lists_bad_ones_naming_the_field(engine, now):
    bad_fix = b.gps(id="fix-bad", lat=95.2)
    naive = b.check_in(id="v-2", ts="2026-11-26T10:20:00")
    negative = b.order(id="o-neg", amount=-3)
    values = [*b.company(), b.gps(id="fix-ok"), bad_fix, naive, *b.one_visit(), negative]
    summary = send(engine, values, now, source="unit-test")
    assert summary.rejected == [
        {"index": 7, "id": "fix-bad", "error": "lat: 95.2 is outside -90..90"},
        {"index": 8, "id": "v-2", "error": summary.rejected[1]["error"]},
        {"index": 14, "id": "o-neg", "error": summary.rejected[2]["error"]},
    ]
    assert summary.rejected[1]["error"].startswith("ts: ")
    assert summary.rejected[2]["error"].startswith("amount: ")
    assert summary.accepted == 6 + 1 + 5
    assert fix_ids(engine) == {"fix-ok"}

    entries = ingest.list_quarantine(engine)
    assert [e["record_id"] for e in entries] == ["fix-bad", "v-2", "o-neg"]
    assert [e["record_type"] for e in entries] == ["gps", "check_in", "order"]
    assert [json.loads(e["raw"]) for e in entries] == [bad_fix, naive, negative]
    assert [e["error"] for e in entries] == [r["error"] for r in summary.rejected]
    for entry in entries:
        assert entry["status"] == "open"
        assert entry["attempts"] == 1
        assert entry["source"] == "unit-test"
        assert entry["raw_format"] == "json"
        assert entry["received_at"] == now
        assert entry["resolved_at"] is None


def test_identical_rejected_record_sent_twice_is_quarantined_once(engine, now):
    bad = b.gps(id="fix-bad", accuracy_m=-1)
    send(engine, [*b.company(), bad, bad], now)
    send(engine, [bad], now + LATER)
    assert len(ingest.list_quarantine(engine, status=None)) == 1


def test_event_of_unknown_rep_is_rejected_then_stored_by_retry_after_the_rep_arrives(engine, now):
    send(engine, b.company(), now)
    summary = send(engine, [b.gps(id="fix-r2", rep_id="rep-2")], now)
    assert summary.rejected == [
        {"index": 0, "id": "fix-r2", "error": "rep_id: unknown rep 'rep-2'"}
    ]
    assert fix_ids(engine) == set()
    (entry,) = ingest.list_quarantine(engine)

    nothing_yet = ingest.retry_quarantine(engine, now=now)
    assert nothing_yet.accepted == 0
    assert ingest.list_quarantine(engine)[0]["attempts"] == 2

    send(engine, [b.rep(id="rep-2", name="李娜")], now)
    retried = ingest.retry_quarantine(engine, now=now + LATER)
    assert retried.accepted == 1
    assert retried.rejected == []
    assert fix_ids(engine) == {"fix-r2"}
    assert ingest.list_quarantine(engine) == []
    (resolved,) = ingest.list_quarantine(engine, status="resolved")
    assert resolved["id"] == entry["id"]
    assert resolved["resolved_at"] == now + LATER
    assert resolved["attempts"] == 3
    (fix,) = rows_of(engine, schema.gps_fixes)
    assert fix.received_at == now + LATER


def test_check_in_of_unknown_customer_is_rejected_naming_customer_id_and_retry_resolves_it(
    engine, now
):
    send(engine, b.company(), now)
    summary = send(engine, [b.check_in(id="v-9", customer_id="cust-9")], now)
    assert summary.rejected[0]["error"] == "customer_id: unknown customer 'cust-9'"
    send(engine, [b.customer(id="cust-9")], now)
    assert ingest.retry_quarantine(engine, now=now).accepted == 1
    assert [r.id for r in rows_of(engine, schema.visits)] == ["v-9"]


def test_retry_of_a_still_bad_record_keeps_it_open_and_counts_attempts(engine, now):
    send(engine, [*b.company(), b.gps(id="fix-bad", lat=95.2)], now)
    (entry,) = ingest.list_quarantine(engine)
    for attempt in (2, 3):
        summary = ingest.retry_quarantine(engine, now=now + LATER)
        assert summary.accepted == 0
        assert summary.rejected == [
            {"index": entry["id"], "id": "fix-bad", "error": "lat: 95.2 is outside -90..90"}
        ]
        (again,) = ingest.list_quarantine(engine)
        assert again["status"] == "open"
        assert again["attempts"] == attempt
        assert again["resolved_at"] is None
    assert fix_ids(engine) == set()


def test_retry_with_ids_touches_only_the_named_entries(engine, now):
    send(engine, [*b.company(), b.gps(id="a", lat=95.2), b.gps(id="c", lon=200)], now)
    _first, second = ingest.list_quarantine(engine)
    ingest.retry_quarantine(engine, now=now, ids=[second["id"]])
    attempts = {e["record_id"]: e["attempts"] for e in ingest.list_quarantine(engine)}
    assert attempts == {"a": 1, "c": 2}


# ------------------------------------------------------------------ privacy and time


def test_fixes_outside_work_hours_are_dropped_while_a_check_in_at_that_time_is_kept(engine, now):
    values = [
        *b.company(),
        b.gps(id="fix-0759", ts="2026-11-26T07:59:59+08:00"),
        b.gps(id="fix-0800", ts="2026-11-26T08:00:00+08:00"),
        b.gps(id="fix-1900", ts="2026-11-26T19:00:00+08:00"),
        b.gps(id="fix-1901", ts="2026-11-26T19:00:01+08:00"),
        b.gps(id="fix-0300", ts="2026-11-25T19:00:00Z"),  # 03:00 in Shanghai
        b.check_in(id="v-early", ts="2026-11-26T07:59:59+08:00"),
    ]
    summary = send(engine, values, now)
    assert summary.dropped_off_hours == 3
    assert summary.rejected == []
    assert summary.accepted == 6 + 2 + 1
    assert fix_ids(engine) == {"fix-0800", "fix-1900"}
    assert [r.id for r in rows_of(engine, schema.visits)] == ["v-early"]


def test_privacy_window_uses_the_reps_own_time_zone_with_daylight_saving(engine, now):
    berlin = b.rep(id="rep-de", timezone="Europe/Berlin")
    values = [
        *b.company(),
        berlin,
        b.gps(id="summer-0759", rep_id="rep-de", ts="2026-07-15T05:59:59Z"),
        b.gps(id="summer-0800", rep_id="rep-de", ts="2026-07-15T06:00:00Z"),
        b.gps(id="winter-0759", rep_id="rep-de", ts="2026-01-15T06:59:59Z"),
        b.gps(id="winter-0800", rep_id="rep-de", ts="2026-01-15T07:00:00Z"),
    ]
    summary = send(engine, values, now)
    assert summary.dropped_off_hours == 2
    assert fix_ids(engine) == {"summer-0800", "winter-0800"}


def test_fix_sent_with_plus_0800_reads_back_as_the_same_utc_instant_with_microseconds(engine, now):
    send(
        engine,
        [
            *b.company(),
            b.gps(id="fix-us", ts="2026-11-26T09:15:02.123456+08:00"),
            b.check_in(ts="2026-11-26T09:20:00.000001+08:00"),
        ],
        now,
    )
    (ts,) = rows_of(engine, schema.gps_fixes, schema.gps_fixes.c.ts)[0]
    assert ts == datetime(2026, 11, 26, 1, 15, 2, 123456, tzinfo=UTC)
    assert ts.utcoffset() == timedelta(0)
    assert ts.microsecond == 123456
    (visit_ts,) = rows_of(engine, schema.visits, schema.visits.c.ts)[0]
    assert visit_ts == datetime(2026, 11, 26, 1, 20, 0, 1, tzinfo=UTC)
    assert visit_ts.utcoffset() == timedelta(0)


def test_stored_utc_instants_compare_correctly_in_sql(engine, now):
    """Bulk-written timestamps must compare as instants in SQL, whatever offset was sent."""
    send(
        engine,
        [
            *b.company(),
            b.gps(id="early", ts="2026-11-26T08:59:59+08:00"),  # 00:59:59Z
            b.gps(id="late", ts="2026-11-26T01:00:01Z"),
        ],
        now,
    )
    g = schema.gps_fixes
    cutoff = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    with engine.connect() as conn:
        after = conn.execute(sa.select(g.c.id).where(g.c.ts > cutoff)).scalars().all()
    assert after == ["late"]


# ------------------------------------------------------------------ visit records


def test_check_out_before_its_check_in_is_rejected_naming_ts(engine, now):
    values = [*b.company(), b.check_in(), b.check_out(ts="2026-11-26T09:19:59+08:00")]
    summary = send(engine, values, now)
    (rej,) = summary.rejected
    assert rej["id"] == "co-1"
    assert rej["error"].startswith("ts: check-out at 2026-11-26T01:19:59+00:00 is before")
    assert rows_of(engine, schema.check_outs) == []


def test_sop_step_not_in_the_visits_template_is_rejected_naming_step(engine, now):
    values = [*b.company(), b.check_in(), b.sop_step(id="st-x", step="selfie")]
    (rej,) = send(engine, values, now).rejected
    assert rej["id"] == "st-x"
    assert rej["error"].startswith("step: 'selfie' is not a step of SOP template 'sop-std'")


def test_visit_record_of_unknown_visit_is_rejected_naming_visit_id(engine, now):
    values = [*b.company(), b.photo(visit_id="v-404")]
    (rej,) = send(engine, values, now).rejected
    assert rej["error"] == "visit_id: unknown visit 'v-404'"


@pytest.mark.parametrize("value", ["yes", 5, 2.5, True, {"facings": 12}, [1, "a"]])
def test_sop_step_value_of_any_json_kind_reads_back_unchanged(engine, now, value):
    send(engine, [*b.company(), b.check_in(), b.sop_step(value=value)], now)
    (stored,) = rows_of(engine, schema.sop_steps, schema.sop_steps.c.value)[0]
    assert stored == value
    assert type(stored) is type(value)


# ------------------------------------------------------------------ ids and order


def test_duplicate_event_id_inside_one_batch_first_arrival_wins(engine, now):
    values = [
        *b.company(),
        b.gps(id="dup", lat=31.1),
        b.gps(id="dup", lat=31.2),
        b.gps(id="dup", lat=31.3),
    ]
    summary = send(engine, values, now)
    assert (summary.accepted, summary.duplicates) == (7, 2)
    assert [r.lat for r in rows_of(engine, schema.gps_fixes)] == [31.1]


def test_event_resent_with_changed_content_is_a_duplicate_and_changes_nothing(engine, now):
    send(engine, [*b.company(), b.gps(id="fix-1", lat=31.1)], now)
    summary = send(engine, [b.gps(id="fix-1", lat=31.9)], now + LATER)
    assert (summary.accepted, summary.duplicates) == (0, 1)
    (fix,) = rows_of(engine, schema.gps_fixes)
    assert (fix.lat, fix.received_at) == (31.1, now)


def test_same_id_for_different_types_is_allowed(engine, now):
    summary = send(engine, [*b.company(), b.gps(id="x-1"), b.device_event(id="x-1")], now)
    assert (summary.accepted, summary.duplicates) == (8, 0)


def test_expense_arrival_seq_increases_with_the_batch_index(engine, now):
    values = [
        *b.company(),
        b.expense(id="e-c"),
        b.gps(),
        b.expense(id="e-a", category="hotel", amount=400),
        b.expense(id="e-b", category="mileage", claimed_km=30, amount=24),
    ]
    send(engine, values, now)
    e = schema.expenses
    seqs = dict(rows_of(engine, e, e.c.id, e.c.arrival_seq))
    assert seqs["e-c"] < seqs["e-a"] < seqs["e-b"]


def test_expense_arrival_seq_of_a_later_batch_is_greater(engine, now):
    send(engine, [*b.company(), b.expense(id="e-2"), b.expense(id="e-3")], now)
    send(engine, [b.expense(id="e-1")], now + timedelta(milliseconds=1))
    e = schema.expenses
    seqs = dict(rows_of(engine, e, e.c.id, e.c.arrival_seq))
    assert seqs["e-1"] > max(seqs["e-2"], seqs["e-3"])


# ------------------------------------------------------------------ streams and bodies


def test_ingest_stream_in_chunks_of_three_gives_the_same_result_as_one_batch(engine, now):
    values = [
        *b.company(),
        *b.one_visit(),
        b.gps(id="g-1"),
        b.gps(id="g-2", lat=95.2),
        b.gps(id="g-1"),
        b.gps(id="g-3", ts="2026-11-26T03:00:00+08:00"),
        b.device_event(),
        b.expense(id="e-1"),
        b.expense(id="e-2", category="mileage"),
        b.customer(name="renamed"),
    ]
    chunked = ingest.ingest_stream(
        engine, wire.iter_ndjson_items(ndjson(values)), source="s", now=lambda: now, chunk=3
    )
    # Quarantine and owner-history ids may continue a sequence after the delete below; all else
    # must be identical.
    after_chunks = dump(engine, skip={"quarantine.id", "customer_owner_history.id"})
    delete_everything(engine)
    whole = ingest.ingest_items(
        engine, list(wire.iter_ndjson_items(ndjson(values))), source="s", now=now
    )
    assert chunked.as_dict() == whole.as_dict()
    assert whole.duplicates == 1
    assert whole.dropped_off_hours == 1
    assert [r["index"] for r in whole.rejected] == [12, 17]
    assert dump(engine, skip={"quarantine.id", "customer_owner_history.id"}) == after_chunks


def test_ingest_stream_that_breaks_off_keeps_every_chunk_read_before_and_raises(engine, now):
    fixes = [b.gps(id=f"g-{i}") for i in range(7)]

    def items():
        yield from wire.iter_ndjson_items(ndjson([*b.company(), *fixes]))
        raise BodyError("the input broke off")

    with pytest.raises(BodyError, match="broke off"):
        ingest.ingest_stream(engine, items(), source="s", now=lambda: now, chunk=3)
    # The company's records and the fixes fill whole chunks of three; the last, partial chunk
    # was still being read when the input broke off.
    whole = (len(b.company()) + len(fixes)) // 3 * 3
    assert fix_ids(engine) == {f"g-{i}" for i in range(whole - len(b.company()))}


def test_ndjson_body_with_one_bad_line_rejects_that_line_and_accepts_the_others(engine, now):
    lines = ndjson(b.company())
    lines.insert(3, b'{"type": "gps", "id": "broken"')
    lines.insert(5, b"   ")  # blank lines are skipped, not counted
    lines.append(orjson.dumps(b.gps()))
    body = b"\n".join(lines) + b"\n"
    items = wire.items_from_ndjson_body(body)
    summary = ingest.ingest_items(engine, items, source="http", now=now)
    assert summary.accepted == 7
    (rej,) = summary.rejected
    assert rej["index"] == 3
    assert rej["id"] is None
    assert rej["error"].startswith("record: not valid JSON")
    (entry,) = ingest.list_quarantine(engine)
    assert entry["raw"] == '{"type": "gps", "id": "broken"'
    assert entry["record_type"] is None


@pytest.mark.parametrize("body", [b"hello\nworld\n", b"<html></html>", b"{not json}\n{nor this}"])
def test_body_with_no_json_at_all_is_a_body_error(body):
    with pytest.raises(BodyError):
        wire.items_from_ndjson_body(body)
    with pytest.raises(BodyError):
        wire.items_from_json_body(body)


@pytest.mark.parametrize(
    "body", [b'{"data": []}', b'{"records": {"type": "gps"}}', b'"records"', b"42"]
)
def test_json_body_without_a_records_list_is_a_body_error(body):
    with pytest.raises(BodyError):
        wire.items_from_json_body(body)


def test_json_body_records_are_ingested_with_their_indexes(engine, now):
    body = json.dumps({"records": [*b.company(), b.gps(lat=-91)]}).encode()
    summary = ingest.ingest_items(engine, wire.items_from_json_body(body), source="h", now=now)
    assert summary.accepted == 6
    assert summary.rejected == [{"index": 6, "id": "fix-1", "error": summary.rejected[0]["error"]}]
    assert summary.rejected[0]["error"].startswith("lat: ")


def test_csv_rows_are_validated_from_text_and_rejected_rows_are_quarantined_as_csv(engine, now):
    send(engine, b.company(), now)
    text = (
        "id,rep_id,device_id,ts,lat,lon,accuracy_m,mock\n"
        "c-1,rep-1,dev-1,2026-11-26T09:15:02+08:00,31.2,121.4,12,false\n"
        "c-2,rep-1,dev-1,2026-11-26T09:16:02+08:00,abc,121.4,12,false\n"
    )
    items = list(wire.iter_csv_items(text.splitlines(keepends=True), record_type="gps"))
    summary = ingest.ingest_items(engine, items, source="cli", now=now)
    assert summary.accepted == 1
    assert summary.rejected == [
        {"index": 1, "id": "c-2", "error": "lat: expected a number, got 'abc'"}
    ]
    (entry,) = ingest.list_quarantine(engine)
    assert entry["raw_format"] == "csv"
    assert json.loads(entry["raw"])["lat"] == "abc"
    (fix,) = rows_of(engine, schema.gps_fixes)
    assert (fix.lat, fix.accuracy_m, fix.mock) == (31.2, 12.0, False)


# ------------------------------------------------------------------ one bad record never sinks


CRASHERS = [
    pytest.param([{**b.gps(id="t-1"), "type": ["gps"]}], ["type: "], id="type-is-a-list"),
    pytest.param([b.gps(id="big-lat", lat=10**400)], ["lat: "], id="lat-beyond-float"),
    pytest.param(
        [b.gps(id="y1", ts="0001-01-01T00:00:00+01:00")], ["ts: "], id="ts-before-year-1-utc"
    ),
    pytest.param([b.region(id=10**30)], ["id: "], id="id-integer-beyond-64-bit"),
    pytest.param([b.rep(id="rep-9", timezone="America")], ["timezone: "], id="tz-directory"),
    pytest.param(
        [b.rep(id="rep-9", work_start="08:3\u0660"), b.gps(id="fix-9", rep_id="rep-9")],
        ["work_start: ", "rep_id: "],
        id="work_start-non-ascii-digit",
    ),
]


@pytest.mark.parametrize(("bad", "prefixes"), CRASHERS)
def test_one_unusual_bad_record_never_sinks_the_batch(engine, now, bad, prefixes):
    summary = send(engine, [*b.company(), b.gps(id="fix-good"), *bad], now)
    errors = [r["error"] for r in summary.rejected]
    assert [e[: len(p)] for e, p in zip(errors, prefixes, strict=False)] == prefixes, errors
    assert len(errors) == len(prefixes), errors
    assert fix_ids(engine) == {"fix-good"}
    assert len(ingest.list_quarantine(engine)) == len(prefixes)


def test_quarantined_json_body_record_is_kept_as_sent_so_retry_gives_the_same_reason(engine, now):
    body = (
        b'{"records": [{"type": "gps", "id": "fix-nan", "rep_id": "rep-1", "device_id": "d",'
        b' "ts": "2026-11-26T09:15:02+08:00", "lat": NaN, "lon": 121.4, "accuracy_m": 5}]}'
    )
    send(engine, b.company(), now)
    summary = ingest.ingest_items(engine, wire.items_from_json_body(body), source="h", now=now)
    (rej,) = summary.rejected
    assert rej["error"] == "lat: nan is not a finite number"
    (entry,) = ingest.list_quarantine(engine)
    assert math.isnan(json.loads(entry["raw"])["lat"])
    retried = ingest.retry_quarantine(engine, now=now)
    assert retried.rejected[0]["error"] == rej["error"]


# ------------------------------------------------------------------ the bulk path itself


def _fix_rows(ids, now):
    rows = []
    for i, rid in enumerate(ids):
        fields = contract.validate_record(b.gps(id=rid, lat=30 + i / 1000)).fields
        rows.append({**fields, "received_at": now})
    return rows


def test_insert_new_rows_returns_only_the_count_of_new_ids(engine, now):
    with engine.begin() as conn:
        assert store.insert_new_rows(conn, schema.gps_fixes, _fix_rows(["a", "b", "c"], now)) == 3
    with engine.begin() as conn:
        mixed = _fix_rows(["b", "d", "a", "e", "c"], now + LATER)
        assert store.insert_new_rows(conn, schema.gps_fixes, mixed) == 2
    rows = rows_of(engine, schema.gps_fixes)
    assert sorted(r.id for r in rows) == ["a", "b", "c", "d", "e"]
    received = {r.id: r.received_at for r in rows}
    assert received["a"] == now and received["d"] == now + LATER


def _stage_table_exists(conn) -> bool:
    if conn.dialect.name == "postgresql":
        found = conn.exec_driver_sql("SELECT to_regclass('pg_temp._stage_gps_fixes')")
        return found.scalar_one() is not None
    names = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master UNION ALL SELECT name FROM sqlite_temp_master"
    ).scalars()
    return any(n.startswith("_stage_") for n in names)


def test_insert_new_rows_copies_fresh_ids_straight_into_the_table(engine, now):
    engine.dispose()  # a new session: no temp table left by an earlier test
    with engine.begin() as conn:
        assert store.insert_new_rows(conn, schema.gps_fixes, _fix_rows(["a", "b"], now)) == 2
        assert not _stage_table_exists(conn)
    assert len(rows_of(engine, schema.gps_fixes)) == 2


def test_insert_new_rows_with_stored_ids_goes_through_an_emptied_temp_stage_on_postgresql(
    engine, now
):
    with engine.begin() as conn:
        store.insert_new_rows(conn, schema.gps_fixes, _fix_rows(["a", "b"], now))
    with engine.begin() as conn:
        mixed = _fix_rows(["a", "c", "b", "d"], now + LATER)
        assert store.insert_new_rows(conn, schema.gps_fixes, mixed) == 2
        if conn.dialect.name == "postgresql":
            persistence = conn.exec_driver_sql(
                "SELECT relpersistence FROM pg_class WHERE oid = to_regclass('_stage_gps_fixes')"
            ).scalar_one()
            assert persistence == "t"  # a temporary table of this session
            staged = conn.exec_driver_sql("SELECT count(*) FROM _stage_gps_fixes").scalar_one()
            assert staged == 0  # emptied after the INSERT ... SELECT
        else:
            assert not _stage_table_exists(conn)
    received = {r.id: r.received_at for r in rows_of(engine, schema.gps_fixes)}
    assert received == {"a": now, "b": now, "c": now + LATER, "d": now + LATER}


def test_insert_new_rows_finds_a_stored_id_the_probe_did_not_sample(engine, now):
    ids = [f"f{i:04d}" for i in range(1000)]
    with engine.begin() as conn:
        # f0001 is not among the evenly spread ids the PostgreSQL path probes first.
        assert store.insert_new_rows(conn, schema.gps_fixes, _fix_rows(["f0001"], now)) == 1
    with engine.begin() as conn:
        assert store.insert_new_rows(conn, schema.gps_fixes, _fix_rows(ids, now + LATER)) == 999
        # The transaction is still usable after the failed direct COPY.
        more = _fix_rows(["g1"], now + LATER)
        assert store.insert_new_rows(conn, schema.gps_fixes, more) == 1
    received = {r.id: r.received_at for r in rows_of(engine, schema.gps_fixes)}
    assert len(received) == 1001
    assert received["f0001"] == now  # the first arrival wins
    assert received["f0002"] == now + LATER


def test_insert_new_rows_of_tuples_in_a_given_column_order_equals_rows_of_dicts(engine, now):
    dicts = _fix_rows(["a", "b"], now)
    columns = ["received_at", *contract.GPS_FIELDS]
    tuples = [tuple(row[c] for c in columns) for row in _fix_rows(["c", "d"], now)]
    with engine.begin() as conn:
        assert store.insert_new_rows(conn, schema.gps_fixes, dicts) == 2
        assert store.insert_new_rows(conn, schema.gps_fixes, tuples, columns=columns) == 2
        again = [*tuples, tuples[0]]
        assert store.insert_new_rows(conn, schema.gps_fixes, again, columns=columns) == 0
    rows = {r.id: r[1:] for r in rows_of(engine, schema.gps_fixes)}
    assert rows["c"] == rows["a"] and rows["d"] == rows["b"]


@pytest.mark.postgres
def test_insert_new_rows_waits_for_a_concurrent_sender_of_the_same_id_and_counts_it_once(
    postgres_url, now
):
    engine = get_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE gps_fixes")
    result: dict[str, Any] = {}

    def second_sender() -> None:
        try:
            with engine.begin() as conn:
                rows = _fix_rows(["y", "x", "z"], now + LATER)
                result["inserted"] = store.insert_new_rows(conn, schema.gps_fixes, rows)
        except Exception as exc:  # reported by the assertion below
            result["error"] = exc

    try:
        with engine.connect() as first:
            first.begin()
            store.insert_new_rows(first, schema.gps_fixes, _fix_rows(["x"], now))
            worker = threading.Thread(target=second_sender)
            worker.start()
            # The second sender's COPY must be waiting on the uncommitted x before we commit.
            waiting, deadline = 0, time.monotonic() + 20
            while not waiting and time.monotonic() < deadline:
                time.sleep(0.05)
                with engine.connect() as watch:
                    waiting = watch.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    ).scalar_one()
            assert waiting, "the second sender never waited for the first one's x"
            first.commit()
        worker.join(timeout=30)
        assert not worker.is_alive()
        assert result == {"inserted": 2}
        received = {r.id: r.received_at for r in rows_of(engine, schema.gps_fixes)}
        assert received == {"x": now, "y": now + LATER, "z": now + LATER}
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE gps_fixes")

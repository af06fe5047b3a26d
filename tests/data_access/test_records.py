"""data_access.records and schema.UtcDateTime on real SQLite and real PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from dashboard import contract
from data_access import records as store
from data_access import schema
from tests import builders as b

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def event_row(table: sa.Table, record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A storage row of ``table`` from a valid wire record (other columns NULL)."""
    row = dict.fromkeys(table.columns.keys())
    row.update(contract.validate_record(record).fields)
    row.update(received_at=NOW, **extra)
    return row


def all_rows(engine, table: sa.Table) -> list[tuple]:
    with engine.connect() as conn:
        pk = list(table.primary_key.columns)
        return [tuple(r) for r in conn.execute(sa.select(table).order_by(*pk))]


def region_rows(ids, name="R", when=NOW) -> list[dict[str, Any]]:
    return [{"id": i, "name": name, "updated_at": when} for i in ids]


def quarantine_row(raw: str, **kw: Any) -> dict[str, Any]:
    row = {
        "received_at": NOW,
        "source": "test",
        "record_type": "gps",
        "record_id": "fix-1",
        "raw": raw,
        "raw_sha256": hashlib.sha256(raw.encode()).hexdigest(),
        "raw_format": "json",
        "error": "lat: 95.2 is outside -90..90",
        "status": "open",
        "attempts": 1,
    }
    row.update(kw)
    return row


# ------------------------------------------------------------------ upsert_rows


def test_upsert_rows_replaces_the_row_with_the_same_primary_key(engine):
    with engine.begin() as conn:
        assert store.upsert_rows(conn, schema.regions, region_rows(["r1", "r2"], "old")) == 2
    with engine.begin() as conn:
        newer = region_rows(["r2"], "new", NOW + timedelta(hours=1))
        assert store.upsert_rows(conn, schema.regions, newer) == 1
    assert all_rows(engine, schema.regions) == [
        ("r1", "old", NOW),
        ("r2", "new", NOW + timedelta(hours=1)),
    ]


def test_upsert_rows_replaces_every_non_key_column_including_with_null(engine):
    rep = contract.validate_record(b.rep(device_id="dev-1")).fields
    with engine.begin() as conn:
        store.upsert_rows(conn, schema.reps, [{**rep, "updated_at": NOW}])
        changed = {**rep, "device_id": None, "work_end": "20:00", "updated_at": NOW}
        store.upsert_rows(conn, schema.reps, [changed])
    (row,) = all_rows(engine, schema.reps)
    stored = dict(zip(schema.reps.columns.keys(), row, strict=True))
    assert stored["device_id"] is None
    assert stored["work_end"] == "20:00"


def test_upsert_rows_of_more_than_one_chunk_stores_all_of_them(engine):
    ids = [f"r{i:05d}" for i in range(2_500)]
    with engine.begin() as conn:
        assert store.upsert_rows(conn, schema.regions, region_rows(ids)) == 2_500
    assert len(all_rows(engine, schema.regions)) == 2_500


# ------------------------------------------------------------------ insert_new_rows


def _event_rows(suffix: str = "") -> dict[sa.Table, list[dict[str, Any]]]:
    """One or two rows of several event tables, covering every column type of the bulk path."""
    return {
        schema.gps_fixes: [
            event_row(schema.gps_fixes, b.gps(id=f"g1{suffix}", ts="2026-11-26T09:15:02.5+08:00")),
            event_row(schema.gps_fixes, b.gps(id=f"g2{suffix}", speed_mps=None, provider=None)),
        ],
        schema.orders: [event_row(schema.orders, b.order(id=f"o1{suffix}", amount=1280.5))],
        schema.sop_steps: [
            event_row(schema.sop_steps, b.sop_step(id=f"s1{suffix}", value={"facings": [1, 2]})),
            event_row(schema.sop_steps, b.sop_step(id=f"s2{suffix}", value="好")),
        ],
        schema.expenses: [
            event_row(schema.expenses, b.expense(id=f"e1{suffix}", note="出租车"), arrival_seq=7)
        ],
        schema.device_events: [
            event_row(schema.device_events, b.device_event(id=f"d1{suffix}", detail={"a": 1}))
        ],
        schema.photos: [event_row(schema.photos, b.photo(id=f"p1{suffix}"))],
    }


def test_insert_new_rows_twice_is_idempotent(engine):
    tables = _event_rows()
    with engine.begin() as conn:
        for table, rows in tables.items():
            assert store.insert_new_rows(conn, table, rows) == len(rows)
    before = {t.name: all_rows(engine, t) for t in tables}
    with engine.begin() as conn:
        for table, rows in tables.items():
            assert store.insert_new_rows(conn, table, rows) == 0
    assert {t.name: all_rows(engine, t) for t in tables} == before


def test_insert_new_rows_of_an_empty_list_inserts_nothing(engine):
    with engine.begin() as conn:
        assert store.insert_new_rows(conn, schema.gps_fixes, []) == 0


def test_bulk_written_rows_read_back_like_rows_written_by_sqlalchemy(engine):
    """The bulk path (COPY / raw executemany) must store exactly what a Core insert stores."""
    bulk, core = _event_rows(), _event_rows("-core")
    with engine.begin() as conn:
        for table, rows in bulk.items():
            store.insert_new_rows(conn, table, rows)
        for table, rows in core.items():
            conn.execute(table.insert(), rows)
    for table in bulk:
        rows = all_rows(engine, table)
        by_id = {r[0]: r[1:] for r in rows}
        for row in bulk[table]:
            assert by_id[row["id"]] == by_id[f"{row['id']}-core"], table.name
    (order,) = [r for r in all_rows(engine, schema.orders) if r[0] == "o1"]
    assert order[2] == Decimal("1280.50")
    (expense,) = [r for r in all_rows(engine, schema.expenses) if r[0] == "e1"]
    assert expense[2] == date(2026, 11, 26)


def test_bulk_written_timestamp_matches_an_equality_filter_in_sql(engine):
    ts = datetime(2026, 11, 26, 1, 15, 2, 500000, tzinfo=UTC)
    with engine.begin() as conn:
        store.insert_new_rows(conn, schema.gps_fixes, _event_rows()[schema.gps_fixes])
    g = schema.gps_fixes
    with engine.connect() as conn:
        found = conn.execute(sa.select(g.c.id).where(g.c.ts == ts)).scalars().all()
        later = conn.execute(sa.select(g.c.id).where(g.c.ts > ts)).scalars().all()
    assert found == ["g1"]
    assert later == []  # g2 is at 01:15:02.000 UTC, half a second earlier


# ------------------------------------------------------------------ existing_ids


def test_existing_ids_finds_stored_ids_among_more_than_5000_in_several_chunks(engine):
    stored = [f"r{i:05d}" for i in range(0, 12_000, 2)]  # 6,000 even ids
    with engine.begin() as conn:
        store.upsert_rows(conn, schema.regions, region_rows(stored))
    asked = [f"r{i:05d}" for i in range(12_000)] + ["nope"]
    with engine.connect() as conn:
        found = store.existing_ids(conn, schema.regions, asked)
    assert found == set(stored)


def test_existing_ids_of_no_ids_is_empty(engine):
    with engine.connect() as conn:
        assert store.existing_ids(conn, schema.regions, []) == set()


# ------------------------------------------------------------------ quarantine


def test_quarantine_keeps_identical_open_raw_records_once(engine):
    raw = '{"type": "gps", "id": "fix-1", "lat": 95.2}'
    with engine.begin() as conn:
        assert store.add_quarantine(conn, [quarantine_row(raw), quarantine_row(raw)]) == 1
        assert store.add_quarantine(conn, [quarantine_row(raw, source="again")]) == 0
        other = quarantine_row(raw.replace("95.2", "95.3"))
        assert store.add_quarantine(conn, [other]) == 1
    with engine.connect() as conn:
        entries = store.list_quarantine(conn)
    assert [e["raw"] for e in entries] == [raw, raw.replace("95.2", "95.3")]
    assert entries[0]["source"] == "test"


def test_quarantine_takes_a_resent_record_again_once_the_old_entry_is_resolved(engine):
    raw = '{"type": "gps", "id": "fix-1"}'
    with engine.begin() as conn:
        store.add_quarantine(conn, [quarantine_row(raw)])
        (entry,) = store.list_quarantine(conn)
        store.resolve_quarantine(conn, [entry["id"]], now=NOW)
        assert store.add_quarantine(conn, [quarantine_row(raw)]) == 1
        assert [e["status"] for e in store.list_quarantine(conn, status=None)] == [
            "resolved",
            "open",
        ]


def test_quarantine_failure_note_updates_reason_and_attempts(engine):
    with engine.begin() as conn:
        store.add_quarantine(conn, [quarantine_row("{}")])
        (entry,) = store.list_quarantine(conn)
        store.note_quarantine_failure(conn, entry["id"], error="rep_id: unknown rep 'r'")
        (entry,) = store.list_quarantine(conn)
    assert (entry["attempts"], entry["error"], entry["status"]) == (
        2,
        "rep_id: unknown rep 'r'",
        "open",
    )


def test_list_quarantine_is_oldest_first_and_honours_limit(engine):
    with engine.begin() as conn:
        store.add_quarantine(conn, [quarantine_row(f'{{"n": {i}}}') for i in range(5)])
        entries = store.list_quarantine(conn, limit=3)
    assert [e["raw"] for e in entries] == ['{"n": 0}', '{"n": 1}', '{"n": 2}']


# ------------------------------------------------------------------ UtcDateTime


def test_utc_datetime_column_rejects_a_naive_datetime(engine):
    with pytest.raises(sa.exc.StatementError) as info, engine.begin() as conn:
        conn.execute(schema.regions.insert(), region_rows(["r1"], when=datetime(2026, 11, 26, 9)))
    assert isinstance(info.value.orig, ValueError)
    assert "naive" in str(info.value.orig)
    assert all_rows(engine, schema.regions) == []


def test_utc_datetime_column_stores_any_offset_and_reads_back_aware_utc(engine):
    shanghai = datetime(2026, 11, 26, 9, 15, 2, 123456, tzinfo=timezone(timedelta(hours=8)))
    with engine.begin() as conn:
        conn.execute(schema.regions.insert(), region_rows(["r1"], when=shanghai))
    ((_id, _name, stored),) = all_rows(engine, schema.regions)
    assert stored == shanghai
    assert stored.tzinfo is UTC or stored.utcoffset() == timedelta(0)
    assert (stored.hour, stored.microsecond) == (1, 123456)


def test_a_tokens_use_is_noted_at_most_once_a_minute(engine):
    """Parallel clients of one token must not queue on its row for every request."""
    from data_access import users

    t0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    with engine.begin() as conn:
        users.insert_token(conn, name="feed", token_sha256="h" * 64, now=t0)

    def use(at: datetime) -> datetime:
        with engine.begin() as conn:
            assert users.use_token(conn, token_sha256="h" * 64, now=at) == "feed"
            return conn.execute(sa.select(schema.api_tokens.c.last_used_at)).scalar_one()

    assert use(t0) == t0
    assert use(t0 + timedelta(seconds=59)) == t0
    assert use(t0 + timedelta(seconds=61)) == t0 + timedelta(seconds=61)

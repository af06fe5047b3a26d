"""A rep's own data (issue 20): `export-rep` writes every table that holds the rep's id, as JSON
that parses back, streamed; other reps' rows stay out; an unknown rep is refused."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboard.services import admin as admin_service
from dashboard.services import rep_export
from data_access import rep_export as store
from data_access import schema
from tests import builders as b
from tests.customer_builders import load
from tests.services.test_cli import run_cli

REP_COLUMN = re.compile(r"(^|_)rep_id$")
# Columns through which a row belongs to a rep's visit or expense claim.
LINK_COLUMNS = {"visit_id", "claim_id"}
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_every_table_with_a_rep_column_is_exported():
    """Walks the schema: a new table with a rep, visit or claim column fails here until it is
    added to data_access.rep_export.SECTIONS."""
    exported = {s.table for s in store.SECTIONS}
    holding = {
        t.name
        for t in schema.metadata.sorted_tables
        if any(REP_COLUMN.search(c.name) or c.name in LINK_COLUMNS for c in t.columns)
    }
    assert holding - exported == set()
    assert {"reps", "teams", "regions", "status_events"} <= exported
    assert holding >= {"gps_fixes", "visits", "customers", "customer_owner_history", "orders"}


def _other_rep_world():
    return [
        *b.company(),
        b.rep("rep-2", name="李娜"),
        b.customer("cust-2", owner_rep_id="rep-2"),
        b.gps("fix-1"),
        b.gps("fix-2", ts="2026-11-26T09:16:02+08:00"),
        b.gps("fix-o", rep_id="rep-2", device_id="dev-2"),
        b.device_event("ev-1"),
        *b.one_visit(),
        b.check_in("v-o", rep_id="rep-2", device_id="dev-2", customer_id="cust-2"),
        b.order("o-o", visit_id="v-o"),
        b.expense("e-1"),
        b.expense("e-o", rep_id="rep-2"),
    ]


def _judgements(engine):
    """An alert, an expense flag, a claim decision and their audit events, for both reps."""
    with engine.begin() as conn:
        for rep, visit in (("rep-1", "v-1"), ("rep-2", "v-o")):
            conn.execute(
                schema.alerts.insert().values(
                    id=f"A:{rep}", rule="FAST", severity="high", rep_id=rep, ts=NOW,
                    local_date=NOW.date(), visit_id=visit, customer_id=None, summary="s",
                    evidence={"km": 1}, status="open", assigned_to=None, created_at=NOW,
                    updated_at=NOW,
                )
            )  # fmt: skip
            claim = "e-1" if rep == "rep-1" else "e-o"
            conn.execute(
                schema.expense_flags.insert().values(
                    id=f"F:{rep}", rule="CAP", claim_id=claim, rep_id=rep, date=NOW.date(),
                    amount=45, amount_at_risk=5, summary="s", evidence={}, status="open",
                    created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
            conn.execute(
                schema.claim_status.insert().values(
                    claim_id=claim, status="approved", updated_at=NOW, updated_by="fin"
                )
            )
            for kind, subject in (("alert", f"A:{rep}"), ("claim", claim)):
                conn.execute(
                    schema.status_events.insert().values(
                        subject_kind=kind, subject_id=subject, at=NOW, actor="mgr",
                        action="status", from_status="open", to_status="closed",
                    )
                )  # fmt: skip


@pytest.fixture
def world(engine, now):
    load(engine, _other_rep_world(), now)
    _judgements(engine)
    return engine


def _export(engine, rep="rep-1"):
    out = io.StringIO()
    counts = rep_export.export_rep(engine, rep, out, by="dpo", now=NOW)
    return json.loads(out.getvalue()), counts


def test_export_holds_the_reps_rows_and_no_one_elses(world):
    doc, counts = _export(world)
    tables = doc["tables"]
    assert list(tables) == [s.table for s in store.SECTIONS]
    assert doc["counts"] == counts == {k: len(v) for k, v in tables.items()}
    assert [r["id"] for r in tables["reps"]] == ["rep-1"]
    assert [r["id"] for r in tables["teams"]] == ["team-1"]
    assert [r["id"] for r in tables["regions"]] == ["reg-e"]
    assert [r["id"] for r in tables["gps_fixes"]] == ["fix-1", "fix-2"]
    assert [r["id"] for r in tables["device_events"]] == ["ev-1"]
    assert [r["id"] for r in tables["visits"]] == ["v-1"]
    assert [r["id"] for r in tables["orders"]] == ["o-1"]
    for name in ("check_outs", "sop_steps", "photos"):
        assert [r["visit_id"] for r in tables[name]] == ["v-1"], name
    assert [r["id"] for r in tables["expenses"]] == ["e-1"]
    assert [r["claim_id"] for r in tables["claim_status"]] == ["e-1"]
    assert [r["id"] for r in tables["expense_flags"]] == ["F:rep-1"]
    assert [r["id"] for r in tables["alerts"]] == ["A:rep-1"]
    assert sorted(r["subject_id"] for r in tables["status_events"]) == ["A:rep-1", "e-1"]
    assert [r["id"] for r in tables["plans"]] == ["plan-1"]
    assert [r["id"] for r in tables["customers"]] == ["cust-1"]
    assert {r["to_rep_id"] for r in tables["customer_owner_history"]} == {"rep-1"}
    assert {r["rep_id"] for r in tables["rep_days"]} == {"rep-1"}
    assert doc["device_ids"] == ["dev-1"]
    assert tables["photos"][0]["sha256"] == b.photo()["sha256"]


def test_header_says_when_who_and_version_in_iso_8601(world):
    doc, _ = _export(world)
    head = doc["header"]
    assert head["rep_id"] == "rep-1" and head["exported_by"] == "dpo"
    assert datetime.fromisoformat(head["exported_at"]) == NOW
    assert head["product_version"] and head["format"] == rep_export.FORMAT
    assert set(head["tables"]) == {s.table for s in store.SECTIONS}
    fix = doc["tables"]["gps_fixes"][0]
    assert datetime.fromisoformat(fix["ts"]) == datetime(2026, 11, 26, 1, 15, 2, tzinfo=UTC)
    assert doc["tables"]["rep_days"][0]["local_date"] == "2026-11-26"
    assert doc["tables"]["expenses"][0]["amount"] == 45.0


def test_export_is_audited_and_shows_in_the_audit_log(world):
    _export(world)
    log = admin_service.audit_log(world, what="rep_export")
    assert [(r["actor"], r["subject"], r["action"], r["at"]) for r in log] == [
        ("dpo", "rep-1", "export", NOW)
    ]
    # The next export of the same rep lists the earlier one among the events about the rep.
    doc, _ = _export(world)
    kinds = [r["subject_kind"] for r in doc["tables"]["status_events"]]
    assert kinds.count("rep_export") == 1


def test_unknown_rep_is_refused_and_writes_nothing(world):
    out = io.StringIO()
    with pytest.raises(rep_export.RepExportError, match="rep: no rep 'ghost'"):
        rep_export.export_rep(world, "ghost", out, by="dpo", now=NOW)
    assert out.getvalue() == ""
    assert admin_service.audit_log(world, what="rep_export") == []


def test_output_is_written_row_by_row(world):
    """Streamed: many writes, none of them the whole document."""

    class Counting(io.StringIO):
        def __init__(self):
            super().__init__()
            self.sizes: list[int] = []

        def write(self, s):
            self.sizes.append(len(s))
            return super().write(s)

    out = Counting()
    rep_export.export_rep(world, "rep-1", out, by="dpo", now=NOW)
    total = len(out.getvalue())
    assert len(out.sizes) > 20 and max(out.sizes) < total / 3


def test_cli_export_rep_to_file_and_unknown_rep(db_url, world, tmp_path):
    target = tmp_path / "rep-1.json"
    done = run_cli(db_url, "export-rep", "rep-1", "-o", str(target), "--by", "dpo")
    assert done.returncode == 0, done.stderr
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["header"]["exported_by"] == "dpo"
    assert [r["id"] for r in doc["tables"]["gps_fixes"]] == ["fix-1", "fix-2"]
    assert "exported rep rep-1" in done.stderr
    to_stdout = run_cli(db_url, "export-rep", "rep-1")
    assert json.loads(to_stdout.stdout)["header"]["rep_id"] == "rep-1"
    refused = run_cli(db_url, "export-rep", "ghost", "-o", str(tmp_path / "g.json"))
    assert refused.returncode == 1 and "no rep 'ghost'" in refused.stderr
    assert not (tmp_path / "g.json").exists()
    helped = run_cli(db_url, "export-rep", "--help")
    assert helped.returncode == 0 and "-o FILE" in helped.stdout


def test_cli_stream_reads_a_many_fix_rep_with_bounded_writes(engine, now):
    """A rep with 3,000 fixes: the rows come out in full (streamed over batches of the cursor)."""
    fixes = []
    for i in range(3000):
        ts = f"2026-11-26T{9 + i // 600:02d}:{i // 10 % 60:02d}:{i % 10 * 6:02d}+08:00"
        fixes.append(b.gps(f"fix-{i:05d}", ts=ts))
    load(engine, [*b.company(), *fixes], now)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.gps_fixes)).scalar()
    doc, counts = _export(engine)
    assert counts["gps_fixes"] == len(doc["tables"]["gps_fixes"]) == 3000


def test_retention_shows_the_setting_and_no_purge_before_one_ran(world):
    policy = rep_export.retention(world)
    assert policy == {"days": 90, "default": 90, "overridden": False, "last_purge": None}
    assert [r["id"] for r in rep_export.list_reps(world)] == ["rep-1", "rep-2"]


def test_retention_shows_the_latest_purge(sqlite_engine, now):
    """The latest purge run (its purged_rep_days rows) is shown: when, rep-days, fixes."""
    first, second = now - timedelta(days=1), now
    with sqlite_engine.begin() as conn:
        conn.execute(
            schema.purged_rep_days.insert(),
            [
                {
                    "rep_id": "rep-1",
                    "local_date": date(2026, 8, 1),
                    "purged_at": first,
                    "retention_days": 90,
                    "fixes": 10,
                },
                {
                    "rep_id": "rep-1",
                    "local_date": date(2026, 8, 2),
                    "purged_at": second,
                    "retention_days": 90,
                    "fixes": 7,
                },
                {
                    "rep_id": "rep-2",
                    "local_date": date(2026, 8, 2),
                    "purged_at": second,
                    "retention_days": 90,
                    "fixes": 5,
                },
            ],
        )
    last = rep_export.retention(sqlite_engine)["last_purge"]
    assert last == {"at": second, "rep_days": 2, "fixes": 12}

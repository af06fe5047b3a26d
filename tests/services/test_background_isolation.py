"""A rep-day whose refresh or judging raises is set aside; every other rep-day goes on."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import sqlalchemy as sa

from dashboard import cli
from dashboard.services import detect, failures, ingest, rollups
from data_access import schema
from tests import builders as b

POISON = date(9999, 12, 31)


def _poison_rep_day(engine, now) -> None:
    """What an older release let in: a stored claim dated 9999-12-31 (date + 1 day overflows)."""
    with engine.begin() as conn:
        conn.execute(
            schema.expenses.insert().values(
                id="e-poison",
                rep_id="rep-1",
                date=POISON,
                category="meal",
                amount=10,
                currency="CNY",
                received_at=now,
                arrival_seq=1,
            )
        )
        conn.execute(
            schema.rep_days.insert().values(
                rep_id="rep-1", local_date=POISON, dirty=True, version=1
            )
        )


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_defect1_far_future_expense_does_not_freeze_refresh(engine, now):
    # The edge refuses the date now, naming the field, and keeps the record in quarantine.
    summary = ingest.ingest_values(
        engine, [*b.company(), b.expense(id="e-far", date="9999-12-31")], source="t", now=now
    )
    assert [r["id"] for r in summary.rejected] == ["e-far"]
    assert summary.rejected[0]["error"].startswith("date: ")
    assert [q["record_id"] for q in ingest.list_quarantine(engine)] == ["e-far"]

    # A poisoned rep-day already stored cannot stop the others being rolled up and judged.
    _poison_rep_day(engine, now)
    later = ingest.ingest_values(
        engine, [b.gps(id="fix-mock", mock=True), b.expense(id="e-ok")], source="t", now=now
    )
    assert later.accepted == 2
    log = logging.getLogger("dashboard.background")
    handler = _Records()
    log.addHandler(handler)
    try:
        rollups.refresh_rep_days(engine, now=now)
        result = detect.detect_pending(engine, now=now)
    finally:
        log.removeHandler(handler)
    assert result.rep_days >= 1
    with engine.connect() as conn:
        day = (
            conn.execute(
                sa.select(schema.rep_days).where(schema.rep_days.c.local_date == date(2026, 11, 26))
            )
            .mappings()
            .one()
        )
        rules = set(conn.execute(sa.select(schema.alerts.c.rule)).scalars())
        assert not conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.rep_days)
            .where(schema.rep_days.c.dirty.is_(True))
        ).scalar_one()
    assert day["fixes"] == 1 and not day["dirty"]
    assert "MOCK_LOCATION" in rules  # fraud detection still works for everyone else
    stored = {(f["stage"], f["local_date"]) for f in failures.list_failures(engine)}
    assert stored == {("refresh", POISON), ("judge", POISON)}
    assert all("OverflowError" in f["error"] for f in failures.list_failures(engine))
    # Logged with a traceback, never swallowed.
    logged = [r for r in handler.records if r.levelno >= logging.ERROR]
    assert len(logged) == 2 and all(r.exc_info for r in logged)
    # A second run neither loops nor fails: the poisoned day stays set aside.
    assert rollups.refresh_rep_days(engine, now=now + timedelta(minutes=1)) == 0
    assert detect.detect_pending(engine, now=now).rep_days == 0


def test_full_detect_sets_a_poisoned_rep_day_aside_and_judges_the_rest(engine, now):
    ingest.ingest_values(
        engine, [*b.company(), b.gps(id="fix-mock", mock=True)], source="t", now=now
    )
    rollups.refresh_rep_days(engine, now=now)
    _poison_rep_day(engine, now)
    result = detect.detect(engine, now=now)
    assert result.alerts_written >= 1
    assert {f["stage"] for f in failures.list_failures(engine)} == {"judge"}


def test_refresh_cli_exits_0_and_lists_the_set_aside_rep_day(
    db_url, engine, now, monkeypatch, capsys
):
    ingest.ingest_values(engine, b.company(), source="t", now=now)
    _poison_rep_day(engine, now)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["refresh"]) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "rep rep-1 on 9999-12-31 failed and was set aside" in err


def test_cli_reports_an_internal_error_with_its_documented_code(db_url, monkeypatch, capsys):
    def boom(*_a, **_k):
        raise RuntimeError("bug")

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr(rollups, "refresh_rep_days", boom)
    assert cli.main(["refresh"]) == cli.EXIT_INTERNAL == 4
    assert "internal error (RuntimeError: bug)" in capsys.readouterr().err


def test_data_page_lists_the_set_aside_rep_days_with_their_error(engine, now):
    from components.counts import render_failures

    ingest.ingest_values(engine, b.company(), source="t", now=now)
    _poison_rep_day(engine, now)
    rollups.refresh_rep_days(engine, now=now)
    rendered = str(render_failures(failures.list_failures(engine), lang="en").to_plotly_json())
    assert "rep-1" in rendered and "9999-12-31" in rendered and "OverflowError" in rendered
    assert "No rep-day has failed" in str(render_failures([], lang="en").to_plotly_json())

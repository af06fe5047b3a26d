"""`python -m dashboard regrade`: the what-if as a table, CSV and JSON, --apply with its
required reason (grade history by --by), and a region filter."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import sqlalchemy as sa

from dashboard.cli import EXIT_OK, EXIT_REFUSED, main
from data_access import schema
from tests.customer_builders import company, load
from tests.services.test_grades_service import TODAY, _order_visit


def _run(monkeypatch, capsys, db_url, *args):
    monkeypatch.setenv("DATABASE_URL", db_url)
    code = main(["regrade", "--date", TODAY.isoformat(), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _seed(engine, now):
    load(engine, company(), now)
    load(engine, _order_visit("v-3", "cust-3", TODAY - timedelta(days=2), 900.0, "rep-2"), now)
    load(engine, _order_visit("v-1", "cust-1", TODAY - timedelta(days=2), 100.0), now)


def _grades(engine):
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(schema.customers.c.id, schema.customers.c.grade)).all())


def test_regrade_what_if_formats_change_nothing(engine, db_url, now, monkeypatch, capsys):
    _seed(engine, now)
    code, out, _ = _run(monkeypatch, capsys, db_url)
    assert code == EXIT_OK
    assert "moves per region" in out and "C→A" in out and "revenue share" in out
    code, out, _ = _run(monkeypatch, capsys, db_url, "--format", "json")
    data = json.loads(out)
    assert data["applied"] is None
    assert {m["move"] for m in data["moves"] if m["region_id"] == "reg-e"} == {"C→A", "B→C", "A→C"}
    code, out, _ = _run(monkeypatch, capsys, db_url, "--format", "csv", "--region", "reg-n")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["customer_id"], r["before"], r["after"]) for r in rows] == [("cust-n", "A", "C")]
    assert _grades(engine)["cust-3"] == "C"


def test_regrade_apply_needs_a_reason_and_writes_history(engine, db_url, now, monkeypatch, capsys):
    _seed(engine, now)
    code, _, err = _run(monkeypatch, capsys, db_url, "--apply")
    assert code == EXIT_REFUSED and "--reason" in err
    assert _grades(engine)["cust-3"] == "C"
    code, out, err = _run(
        monkeypatch,
        capsys,
        db_url,
        "--apply",
        "--reason",
        "Q4 review",
        "--by",
        "ops",
        "--region",
        "reg-e",
        "--format",
        "json",
    )
    assert code == EXIT_OK and json.loads(out)["applied"] == 4
    assert _grades(engine)["cust-3"] == "A" and _grades(engine)["cust-n"] == "A"
    gh = schema.customer_grade_history
    with engine.connect() as conn:
        who = conn.execute(sa.select(gh.c.changed_by, gh.c.reason).distinct()).all()
    assert who == [("ops", "Q4 review")]

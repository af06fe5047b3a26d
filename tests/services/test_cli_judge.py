"""`python -m dashboard detect | export | settings` and the judge behind `ingest`, as real
subprocesses on real databases."""

from __future__ import annotations

import csv
import io
import json
import time

from tests import builders as b
from tests.services.test_cli import run_cli, write_jsonl

LATE_VISIT = [b.check_in("v-9", ts="2026-11-26T07:00:00+08:00")]


def test_ingest_judges_in_the_background_and_export_prints_jsonl(db_url, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [*b.company(), *LATE_VISIT])
    assert run_cli(db_url, "ingest", str(path)).returncode == 0
    deadline = time.monotonic() + 60
    rows = []
    while time.monotonic() < deadline:
        out = run_cli(db_url, "export", "alerts")
        rows = [json.loads(line) for line in out.stdout.splitlines()]
        if rows:
            break
        time.sleep(0.5)
    assert [(r["id"], r["rule"], r["severity"], r["status"]) for r in rows] == [
        ("OFF_HOURS:v-9", "OFF_HOURS", "low", "open")
    ]


def test_detect_then_export_csv_to_a_file_with_filters(db_url, tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl", [*b.company(), *LATE_VISIT, b.expense("e-1", date="2026-11-24")]
    )
    assert run_cli(db_url, "ingest", "--wait-rollups", str(path)).returncode == 0
    result = run_cli(db_url, "detect", "--from", "2026-11-20", "--to", "2026-11-30")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rep_days"] == 2
    out = tmp_path / "flags.csv"
    done = run_cli(
        db_url, "export", "expense-flags", "--format", "csv", "--to", "2026-11-24", "-o", str(out)
    )
    assert done.returncode == 0 and done.stdout == ""
    (row,) = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert (row["rule"], row["claim_id"], row["amount_at_risk"]) == ("NO_VISIT_DAY", "e-1", "45.0")
    empty = run_cli(db_url, "export", "alerts", "--from", "2026-11-27")
    assert empty.returncode == 0 and empty.stdout == ""


def test_detect_and_export_refuse_bad_dates(db_url):
    bad = run_cli(db_url, "detect", "--from", "26/11/2026")
    assert bad.returncode == 1 and "--from: '26/11/2026' is not a date (YYYY-MM-DD)" in bad.stderr
    wrong = run_cli(db_url, "export", "alerts", "--from", "2026-11-27", "--to", "2026-11-26")
    assert wrong.returncode == 1 and "after to" in wrong.stderr


def test_settings_show_and_set_with_audit(db_url):
    refused = run_cli(db_url, "settings", "set", "min_dwell_s", "-5", "--by", "ops")
    assert refused.returncode == 1 and "min_dwell_s: -5.0 is outside 0..86400" in refused.stderr
    unknown = run_cli(db_url, "settings", "set", "nope", "1", "--by", "ops")
    assert unknown.returncode == 1 and "unknown setting 'nope'" in unknown.stderr
    done = run_cli(
        db_url, "settings", "set", "min_dwell_s", "240", "--by", "ops", "--note", "shorter"
    )
    assert done.returncode == 0 and "min_dwell_s: 300.0 -> 240.0" in done.stdout
    shown = {
        row["key"]: row
        for row in map(json.loads, run_cli(db_url, "settings", "show").stdout.splitlines())
    }
    assert shown["min_dwell_s"]["value"] == 240.0 and shown["min_dwell_s"]["overridden"] is True
    assert shown["max_speed_mps"] == {**shown["max_speed_mps"], "value": 50.0, "overridden": False}


def test_frequency_settings_are_validated_and_audited_with_the_reason(db_url):
    zero = run_cli(db_url, "settings", "set", "visits_per_28d_a", "0", "--by", "ops")
    assert zero.returncode == 1 and "visits_per_28d_a: 0 is outside 1..28" in zero.stderr
    half = run_cli(db_url, "settings", "set", "visits_per_28d_b", "2.5", "--by", "ops")
    assert half.returncode == 1 and "visits_per_28d_b: '2.5' is not an integer" in half.stderr
    nobody = run_cli(db_url, "settings", "set", "frequency_grace_days", "5", "--by", " ")
    assert nobody.returncode == 1 and "by:" in nobody.stderr
    done = run_cli(
        db_url,
        "settings",
        "set",
        "visits_per_28d_a",
        "6",
        "--by",
        "alice",
        "--reason",
        "key accounts weekly plus",
    )
    assert done.returncode == 0, done.stderr
    assert "visits_per_28d_a: 4 -> 6" in done.stdout
    from dashboard.services import settings as settings_service
    from dashboard.services.db import get_engine

    engine = get_engine(db_url)
    (row,) = settings_service.audit_log(engine, keys=["visits_per_28d_a"])
    assert (row["actor"], row["before"], row["after"], row["note"]) == (
        "alice",
        None,
        6,
        "key accounts weekly plus",
    )
    assert settings_service.load_frequency_config(engine).required("A") == 6

"""`python -m dashboard VERB` run as a real subprocess on real databases."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.services import ingest, users
from dashboard.services.db import dispose_engine, get_engine
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests import builders as b

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE_URL = "postgresql+psycopg://postgres@127.0.0.1:1/cockpit_unreachable"
SUMMARY_KEYS = {"accepted", "duplicates", "dropped_off_hours", "rejected"}
GPS_COLUMNS = ["id", "rep_id", "device_id", "ts", "lat", "lon", "accuracy_m"]


def run_cli(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def summary_of(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    yield url
    dispose_engine(url)


@pytest.fixture
def company_url(sqlite_url, now) -> str:
    """A SQLite database already holding the builders' company (master records)."""
    summary = ingest.ingest_values(get_engine(sqlite_url), b.company(), source="test", now=now)
    assert summary.rejected == []
    return sqlite_url


# ------------------------------------------------------------------ ingest


def test_ingest_jsonl_prints_the_same_summary_as_the_http_api(sqlite_url, tmp_path, now):
    records = [*b.company(), b.gps("fix-1"), b.gps("fix-bad", lat=95.2)]
    path = write_jsonl(tmp_path / "batch.jsonl", records)

    cli_summary = summary_of(run_cli(sqlite_url, "ingest", str(path)))

    http_url = f"sqlite:///{tmp_path / 'http.db'}"
    try:
        app = create_app(
            Settings(database_url=http_url, data_dir=tmp_path, seed_demo_on_start=False)
        )
        token = users.create_token(get_engine(http_url), name="cmp", now=now)
        response = app.server.test_client().post(
            "/api/v1/ingest",
            json={"records": records},
            headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        dispose_engine(http_url)
    assert set(cli_summary) == SUMMARY_KEYS
    assert cli_summary == response.json
    assert cli_summary["accepted"] == 7
    [rejection] = cli_summary["rejected"]
    assert rejection["index"] == 7
    assert rejection["id"] == "fix-bad"
    assert rejection["error"].startswith("lat:")
    assert ingest.count_stored(get_engine(sqlite_url))["gps"] == 1


def test_ingest_same_file_twice_leaves_the_database_as_once_and_counts_duplicates(
    db_url, engine, tmp_path
):
    records = [*b.company(), *b.one_visit(), b.gps("fix-1"), b.expense("e-1")]
    path = write_jsonl(tmp_path / "day.jsonl", records)

    first = summary_of(run_cli(db_url, "ingest", str(path)))
    after_first = ingest.count_stored(engine)
    second = summary_of(run_cli(db_url, "ingest", str(path)))

    assert first["accepted"] == len(records)
    assert first["duplicates"] == 0
    assert second["accepted"] == len(b.company())  # master records are upserts
    assert second["duplicates"] == len(records) - len(b.company())
    assert second["rejected"] == []
    assert ingest.count_stored(engine) == after_first
    assert after_first["check_in"] == 1
    assert after_first["gps"] == 1


def test_ingest_csv_with_a_type_column(company_url, tmp_path):
    rows = [{"type": "gps", **b.gps(f"fix-{i}", lat=31.1881 + i / 1e4)} for i in range(3)]
    path = write_csv(tmp_path / "fixes.csv", ["type", *GPS_COLUMNS], rows)

    summary = summary_of(run_cli(company_url, "ingest", str(path)))

    assert summary == {"accepted": 3, "duplicates": 0, "dropped_off_hours": 0, "rejected": []}
    assert ingest.count_stored(get_engine(company_url))["gps"] == 3


def test_ingest_csv_without_a_type_column_uses_type_option(company_url, tmp_path):
    rows = [b.gps("fix-1"), b.gps("fix-2", ts="2026-11-26T09:16:02+08:00")]
    path = write_csv(tmp_path / "fixes.csv", GPS_COLUMNS, rows)

    summary = summary_of(run_cli(company_url, "ingest", str(path), "--type", "gps"))

    assert summary["accepted"] == 2
    assert summary["rejected"] == []
    assert ingest.count_stored(get_engine(company_url))["gps"] == 2


def test_ingest_csv_with_a_bad_lat_cell_rejects_that_row_and_exits_0(company_url, tmp_path):
    rows = [b.gps("fix-1"), b.gps("fix-bad", lat="north"), b.gps("fix-3", lat=95.2)]
    path = write_csv(tmp_path / "fixes.csv", GPS_COLUMNS, rows)

    result = run_cli(company_url, "ingest", str(path), "--type", "gps")

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["accepted"] == 1
    assert [(r["index"], r["id"]) for r in summary["rejected"]] == [(1, "fix-bad"), (2, "fix-3")]
    assert all(r["error"].startswith("lat:") for r in summary["rejected"])
    assert "north" in summary["rejected"][0]["error"]


def test_ingest_from_stdin_with_dash(company_url):
    stdin = "".join(json.dumps(r) + "\n" for r in (b.gps("fix-1"), b.device_event("ev-1")))

    summary = summary_of(run_cli(company_url, "ingest", "-", stdin=stdin))

    assert summary["accepted"] == 2
    counts = ingest.count_stored(get_engine(company_url))
    assert (counts["gps"], counts["device_event"]) == (1, 1)
    assert ingest.list_quarantine(get_engine(company_url), status=None) == []


def test_ingest_missing_file_exits_2_naming_the_file(sqlite_url, tmp_path):
    missing = tmp_path / "no-such-file.jsonl"

    result = run_cli(sqlite_url, "ingest", str(missing))

    assert result.returncode == 2
    assert str(missing) in result.stderr
    assert result.stdout == ""


def test_ingest_csv_without_type_column_or_option_exits_2(company_url, tmp_path):
    path = write_csv(tmp_path / "fixes.csv", GPS_COLUMNS, [b.gps("fix-1")])

    result = run_cli(company_url, "ingest", str(path))

    assert result.returncode == 2
    assert "type" in result.stderr
    assert "fixes.csv" in result.stderr
    assert ingest.count_stored(get_engine(company_url))["gps"] == 0


# ------------------------------------------------------------------ quarantine


def test_quarantined_record_is_listed_and_accepted_by_retry_after_its_master_arrives(
    company_url, tmp_path, now
):
    orphan = b.gps("fix-orphan", rep_id="rep-2")
    path = write_jsonl(tmp_path / "orphan.jsonl", [orphan])
    engine = get_engine(company_url)

    summary = summary_of(run_cli(company_url, "ingest", str(path)))
    assert summary["accepted"] == 0
    assert summary["rejected"][0]["error"].startswith("rep_id:")

    listed = run_cli(company_url, "quarantine", "list")
    assert listed.returncode == 0, listed.stderr
    [entry] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert entry["record_id"] == "fix-orphan"
    assert entry["type"] == "gps"
    assert entry["status"] == "open"
    assert entry["error"].startswith("rep_id:")
    assert "rep-2" in entry["error"]
    assert json.loads(entry["raw"]) == orphan
    assert entry["source"] == "cli:orphan.jsonl"

    ingest.ingest_values(engine, [b.rep("rep-2", name="李娜")], source="test", now=now)
    retried = summary_of(run_cli(company_url, "quarantine", "retry"))
    assert retried["accepted"] == 1
    assert retried["rejected"] == []
    assert ingest.count_stored(engine)["gps"] == 1

    relisted = run_cli(company_url, "quarantine", "list")
    assert relisted.returncode == 0
    assert relisted.stdout == ""
    [resolved] = ingest.list_quarantine(engine, status=None)
    assert resolved["status"] == "resolved"


# ------------------------------------------------------------------ users and tokens


def test_create_user_with_password_from_stdin_can_sign_in_and_password_is_never_echoed(
    sqlite_url,
):
    password = "s3cret-Pa55word"

    result = run_cli(
        sqlite_url,
        "create-user",
        "wang.fang",
        "--role",
        "finance",
        "--password-stdin",
        stdin=password + "\n",
    )

    assert result.returncode == 0, result.stderr
    assert "wang.fang" in result.stdout
    assert password not in result.stdout
    assert password not in result.stderr
    user = users.authenticate(get_engine(sqlite_url), "wang.fang", password)
    assert user is not None
    assert user.role == "finance"
    assert users.authenticate(get_engine(sqlite_url), "wang.fang", "wrong-password") is None


def test_create_manager_without_region_exits_1_with_a_message(company_url):
    result = run_cli(
        company_url,
        "create-user",
        "li.lei",
        "--role",
        "manager",
        "--password-stdin",
        stdin="manager-password\n",
    )

    assert result.returncode == 1
    assert "region" in result.stderr
    assert "manager-password" not in result.stdout + result.stderr
    assert users.authenticate(get_engine(company_url), "li.lei", "manager-password") is None


def test_create_token_prints_a_token_that_authenticates_on_the_api(sqlite_url, tmp_path, now):
    result = run_cli(sqlite_url, "create-token", "field-app")

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert len(token.splitlines()) == 1
    assert token not in result.stderr
    engine = get_engine(sqlite_url)
    assert users.check_token(engine, token, now=now) == "field-app"
    app = create_app(Settings(database_url=sqlite_url, data_dir=tmp_path, seed_demo_on_start=False))
    response = app.server.test_client().post(
        "/api/v1/ingest", json={"records": []}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_revoke_token_makes_the_token_fail(sqlite_url, now):
    token = users.create_token(get_engine(sqlite_url), name="old-app", now=now)

    result = run_cli(sqlite_url, "revoke-token", "old-app")

    assert result.returncode == 0, result.stderr
    assert "1" in result.stdout
    assert users.check_token(get_engine(sqlite_url), token, now=now) is None


def test_counts_prints_the_stored_records_per_type(company_url):
    result = run_cli(company_url, "counts")

    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert counts == ingest.count_stored(get_engine(company_url))
    assert counts["rep"] == 1
    assert counts["customer"] == 1


# ------------------------------------------------------------------ database unreachable


def test_ingest_on_an_unreachable_database_exits_3_with_a_clear_message(tmp_path):
    path = write_jsonl(tmp_path / "batch.jsonl", b.company())

    result = run_cli(UNREACHABLE_URL, "ingest", str(path))

    assert result.returncode == 3
    assert "database is unreachable" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_password_is_read_before_connecting_and_never_shown_when_the_database_is_down():
    result = run_cli(
        UNREACHABLE_URL,
        "create-user",
        "zhao",
        "--role",
        "admin",
        "--password-stdin",
        stdin="down-db-password\n",
    )

    assert result.returncode == 3
    assert "down-db-password" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def _rep_day(url: str):
    with get_engine(url).connect() as conn:
        return conn.exec_driver_sql(
            "SELECT fixes, dirty FROM rep_days WHERE rep_id = 'rep-1'"
        ).one_or_none()


def test_ingest_with_wait_rollups_leaves_the_rep_day_rollup_current(company_url, tmp_path):
    path = write_jsonl(
        tmp_path / "fixes.jsonl", [b.gps("fx-1"), b.gps("fx-2", ts="2026-11-26T09:16:00+08:00")]
    )
    result = run_cli(company_url, "ingest", "--wait-rollups", str(path))
    assert result.returncode == 0, result.stderr
    fixes, dirty = _rep_day(company_url)
    assert (fixes, bool(dirty)) == (2, False)


def test_ingest_hands_the_rollup_refresh_to_a_background_process(company_url, tmp_path):
    path = write_jsonl(tmp_path / "fixes.jsonl", [b.gps("fx-1")])
    assert run_cli(company_url, "ingest", str(path)).returncode == 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = _rep_day(company_url)
        if row is not None and not row[1]:
            break
        time.sleep(0.2)
    fixes, dirty = _rep_day(company_url)
    assert (fixes, bool(dirty)) == (1, False)


def test_refresh_verb_recomputes_dirty_rollups(company_url, tmp_path):
    path = write_jsonl(tmp_path / "fixes.jsonl", [b.gps("fx-1")])
    assert run_cli(company_url, "ingest", "--wait-rollups", str(path)).returncode == 0
    with get_engine(company_url).begin() as conn:
        conn.exec_driver_sql("UPDATE rep_days SET dirty = 1, fixes = 0")
    result = run_cli(company_url, "refresh")
    assert result.returncode == 0 and "refreshed 1" in result.stdout
    assert tuple(_rep_day(company_url)) == (1, 0)

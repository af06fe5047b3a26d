"""GET /api/v1/device-quality (contract §2a) and `python -m dashboard export device-quality`."""

from __future__ import annotations

import csv
import io
import json

import pytest

from dashboard.services import ingest, rollups
from tests import builders as b
from tests.services.test_cli import run_cli, write_jsonl
from tests.web.test_api import app, bearer, client, settings, token  # noqa: F401  (fixtures)


def _day(day: str, coarse: int, good: int = 10) -> list[dict]:
    """A device-day of ``good`` accurate fixes then ``coarse`` cell-network fixes."""
    fixes = [
        b.gps(f"g-{day}-{i}", ts=f"{day}T10:{i:02d}:00+08:00", lat=31.1881 + i * 1e-4)
        for i in range(good)
    ]
    fixes += [
        b.gps(
            f"c-{day}-{i}",
            ts=f"{day}T11:{i:02d}:00+08:00",
            accuracy_m=1800.0,
            provider="network",
            lat=31.2,
        )
        for i in range(coarse)
    ]
    return fixes


def _records() -> list[dict]:
    days = [f"2026-11-{d}" for d in (23, 24, 25, 26, 27)]
    return [*b.company()] + [f for d in days for f in _day(d, coarse=6)]  # 6 / 16 = 37.5 %


@pytest.fixture
def quality_db(engine, now):
    assert not ingest.ingest_values(engine, _records(), source="test", now=now).rejected
    rollups.refresh_rep_days(engine, now=now)


def test_device_quality_requires_a_token(client):  # noqa: F811
    assert client.get("/api/v1/device-quality").status_code == 401


def test_device_quality_as_json_lines_and_csv(client, token, quality_db):  # noqa: F811
    response = client.get("/api/v1/device-quality", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    (row,) = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert row == {
        "device_id": "dev-1",
        "rep_id": "rep-1",
        "days": 5,
        "fixes": 80,
        "coarse_share": 0.375,
        "coarse_jumps": 0,
        "cached_runs": 0,
        "gaps": 5,  # 10:09 → 11:00 each day, no event to explain it
        "gaps_by_reason": {"unknown": 5},
        "median_accuracy_m": 12.0,
        "to_check": True,
    }
    # Four working days are not enough to judge a phone.
    short = client.get("/api/v1/device-quality?from=2026-11-24&format=csv", headers=bearer(token))
    (line,) = list(csv.DictReader(io.StringIO(short.get_data(as_text=True))))
    assert (line["days"], line["to_check"]) == ("4", "false")


def test_device_quality_refuses_a_reversed_period(client, token, quality_db):  # noqa: F811
    response = client.get(
        "/api/v1/device-quality?from=2026-11-27&to=2026-11-23", headers=bearer(token)
    )
    assert response.status_code == 400
    assert "after" in response.get_json()["error"]


def test_cli_export_device_quality(db_url, tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", _records())
    assert run_cli(db_url, "ingest", "--wait-rollups", str(path)).returncode == 0
    out = tmp_path / "dq.csv"
    result = run_cli(
        db_url, "export", "device-quality", "--format", "csv", "--to", "2026-11-27", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    (row,) = list(csv.DictReader(out.open(encoding="utf-8")))
    assert (row["device_id"], row["coarse_share"], row["to_check"]) == ("dev-1", "0.375", "true")

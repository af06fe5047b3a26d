"""GET /api/v1/alerts and /api/v1/expense-flags: token auth, filters, formats, 400s."""

from __future__ import annotations

import csv
import io
import json

import pytest

from dashboard.services import background, detect, ingest, rollups
from tests import builders as b
from tests.web.test_api import app, bearer, client, settings, token  # noqa: F401  (fixtures)


@pytest.fixture
def judged(engine, now):
    records = [
        *b.company(),
        b.check_in("v-1", ts="2026-11-25T07:00:00+08:00"),
        b.check_in("v-2", ts="2026-11-26T07:00:00+08:00"),
        b.expense("e-1", date="2026-11-24"),
    ]
    assert not ingest.ingest_values(engine, records, source="test", now=now).rejected
    rollups.refresh_rep_days(engine, now=now)
    detect.detect(engine, now=now)


@pytest.mark.parametrize("path", ["/api/v1/alerts", "/api/v1/expense-flags"])
def test_export_routes_refuse_missing_and_invalid_tokens(client, path):  # noqa: F811
    assert client.get(path).status_code == 401
    assert client.get(path, headers=bearer("not-a-token")).status_code == 401


def test_alerts_as_json_lines_with_period_filter(client, token, judged):  # noqa: F811
    response = client.get("/api/v1/alerts?from=2026-11-26", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [(r["id"], r["ts"], r["status"]) for r in rows] == [
        ("OFF_HOURS:v-2", "2026-11-25T23:00:00Z", "open")
    ]
    everything = client.get("/api/v1/alerts", headers=bearer(token))
    assert everything.headers["X-Total-Count"] == "2"


def test_expense_flags_as_csv(client, token, judged):  # noqa: F811
    response = client.get("/api/v1/expense-flags?format=csv&to=2026-11-24", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    (row,) = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert (row["rule"], row["claim_id"], row["amount"]) == ("NO_VISIT_DAY", "e-1", "45.0")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", "from: 'yesterday' is not a date (YYYY-MM-DD)"),
        ("to=2026-13-01", "to: '2026-13-01' is not a date"),
        ("format=xml", "format: 'xml' is not 'jsonl' or 'csv'"),
        ("rule=OFF_HOURS", "rule: unknown parameter"),
        ("from=2026-11-27&to=2026-11-26", "from: 2026-11-27 is after to: 2026-11-26"),
    ],
)
def test_bad_parameters_get_400_naming_the_parameter(client, token, query, message):  # noqa: F811
    response = client.get(f"/api/v1/alerts?{query}", headers=bearer(token))
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_ingest_via_api_is_judged_in_the_background(client, token, settings, engine):  # noqa: F811
    records = [*b.company(), b.check_in("v-7", ts="2026-11-26T07:00:00+08:00")]
    response = client.post("/api/v1/ingest", json={"records": records}, headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["accepted"] == len(records)
    # Judging runs off the request path: wait for the background refresher to finish.
    background.runner.request(settings.database_url).result(60)
    rows = client.get("/api/v1/alerts", headers=bearer(token)).get_data(as_text=True)
    assert [json.loads(line)["id"] for line in rows.splitlines()] == ["OFF_HOURS:v-7"]

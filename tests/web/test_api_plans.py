"""GET /api/v1/plans, `python -m dashboard plan suggest` and `export plans` (contract §6) on
real databases."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from dashboard.services import route_plans as plans
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company, load
from tests.services.test_cli import run_cli
from tests.web.test_api import app, bearer, client, settings, token  # noqa: F401  (fixtures)

D = date.fromisoformat
EVERYONE = Scope.system()
FIELDS = ["id", "rep_id", "date", "customer_ids", "source", "km_planned"]


@pytest.fixture
def stored(engine, now):
    """The customer company, an ingested plan of rep-1 on 12-07 and one of rep-n on 12-08,
    and a published suggestion of rep-1 on 12-08."""
    load(engine, company(), now)
    load(
        engine,
        [
            b.customer("p-1", grade="A", lat=31.20, lon=121.45, created="2026-09-01"),
            b.customer("p-2", grade="C", lat=31.17, lon=121.42, created="2026-09-01"),
            b.plan("pl-1", date="2026-12-07", customer_ids=["cust-2", "cust-1"]),
            b.plan("pl-n", rep_id="rep-n", date="2026-12-08", customer_ids=["cust-n"]),
        ],
        now,
    )
    got = plans.suggest_day(engine, rep_id="rep-1", on=D("2026-12-08"), scope=Scope.system())
    assert plans.publish(engine, got, now=now, by="mgr", scope=EVERYONE)["accepted"] == 1
    return engine


def lines(response) -> list[dict]:
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_plans_api_requires_a_valid_token(client):  # noqa: F811
    assert client.get("/api/v1/plans").status_code == 401
    assert client.get("/api/v1/plans", headers=bearer("nope")).status_code == 401


def test_a_reps_plan_of_a_day(client, token, stored):  # noqa: F811
    response = client.get("/api/v1/plans?rep_id=rep-1&date=2026-12-08", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    (row,) = lines(response)
    assert list(row) == FIELDS
    assert row["id"] == "sug:rep-1:2026-12-08" and row["source"] == "suggested"
    assert sorted(row["customer_ids"]) == ["cust-1", "p-1", "p-2"]
    assert row["km_planned"] > 0
    (ingested,) = lines(
        client.get("/api/v1/plans?rep_id=rep-1&date=2026-12-07", headers=bearer(token))
    )
    assert ingested == {
        "id": "pl-1",
        "rep_id": "rep-1",
        "date": "2026-12-07",
        "customer_ids": ["cust-2", "cust-1"],
        "source": "ingest",
        "km_planned": None,
    }
    # Other reps' plans only without rep_id; a period with from/to.
    everyone = lines(client.get("/api/v1/plans?date=2026-12-08", headers=bearer(token)))
    assert [r["rep_id"] for r in everyone] == ["rep-1", "rep-n"]
    period = client.get("/api/v1/plans?from=2026-12-01&to=2026-12-07", headers=bearer(token))
    assert [r["id"] for r in lines(period)] == ["pl-1"]
    assert lines(client.get("/api/v1/plans?rep_id=rep-9", headers=bearer(token))) == []


def test_csv_has_the_contract_header(client, token, stored):  # noqa: F811
    response = client.get("/api/v1/plans?format=csv&rep_id=rep-1", headers=bearer(token))
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == FIELDS and len(rows) == 3
    assert json.loads(rows[1][3]) == ["cust-2", "cust-1"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date=12/08/2026", "date"),
        ("from=yesterday", "from"),
        ("rep=rep-1", "rep"),
        ("format=xml", "format"),
        ("rep_id=", "rep_id"),
        ("date=2026-12-08&from=2026-12-01", "date"),
        ("from=2026-12-09&to=2026-12-01", "from"),
    ],
)
def test_bad_parameters_get_400_naming_the_field(client, token, stored, query, field):  # noqa: F811
    response = client.get(f"/api/v1/plans?{query}", headers=bearer(token))
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(field)


def test_cli_suggest_publish_and_export(db_url, engine, now):
    load(engine, company(), now)
    load(engine, [b.customer("p-1", grade="B", lat=31.2, lon=121.45, created="2026-09-01")], now)
    shown = run_cli(db_url, "plan", "suggest", "--rep", "rep-1", "--date", "2026-12-08")
    assert shown.returncode == 0, shown.stderr
    suggestion = json.loads(shown.stdout)
    assert suggestion["id"] == "sug:rep-1:2026-12-08" and "published" not in suggestion
    assert sorted(suggestion["customer_ids"]) == ["cust-1", "p-1"]
    assert plans.export_rows(engine, scope=Scope.system()) == []

    done = run_cli(db_url, "plan", "suggest", "--rep", "rep-1", "--date", "2026-12-08", "--publish")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["published"]["accepted"] == 1

    out = run_cli(db_url, "export", "plans", "--rep", "rep-1", "--from", "2026-12-08")
    assert out.returncode == 0, out.stderr
    (row,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert list(row) == FIELDS and row["source"] == "suggested"
    assert row["customer_ids"] == suggestion["customer_ids"]

    bad = run_cli(db_url, "plan", "suggest", "--rep", "rep-1")
    assert bad.returncode == 1 and "date: required" in bad.stderr
    both = run_cli(db_url, "plan", "suggest", "--rep", "rep-1", "--team", "team-1")
    assert both.returncode == 1 and "rep/team" in both.stderr
    week = run_cli(db_url, "plan", "suggest", "--team", "team-1", "--week", "2026-W50")
    assert week.returncode == 0, week.stderr
    assert len(week.stdout.splitlines()) == 10  # rep-1 and rep-2, Monday to Friday

"""GET /api/v1/customers, `python -m dashboard export customers` and `python -m dashboard
handover` (contract §5) on real databases; "today" is the real local date in Shanghai."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dashboard.services.customers import company_today
from data_access import schema
from tests import builders as b
from tests.customer_builders import company, effective_visit, load
from tests.services.test_cli import run_cli
from tests.web.test_api import app, bearer, client, settings, token  # noqa: F401  (fixtures)


@pytest.fixture
def customers_db(engine, now):
    today = company_today("Asia/Shanghai")
    load(engine, company(), now)
    load(
        engine,
        [
            b.customer("cust-old", name="旧店", grade="B", active=False),
            *effective_visit("v-1", "cust-1", today - timedelta(days=2)),
            *effective_visit("v-2", "cust-2", today - timedelta(days=14)),
            *effective_visit("v-3", "cust-3", today - timedelta(days=40), rep_id="rep-2"),
        ],
        now,
    )
    with engine.begin() as conn:
        conn.execute(
            schema.customers.update()
            .where(schema.customers.c.id == "cust-2")
            .values(grade_locked=True)
        )
    return today


def expected(today) -> list[dict]:
    """Contract §5's objects for the company of ``customers_db``, by id."""
    day = lambda n: (today - timedelta(days=n)).isoformat()  # noqa: E731
    base = {"grade_locked": False, "active": True, "city": "上海"}
    return [
        {
            **base,
            "id": "cust-1",
            "name": "华联超市",
            "grade": "A",
            "owner_rep_id": "rep-1",
            "last_visit": day(2),
            "status": "on_rhythm",
        },
        {
            **base,
            "id": "cust-2",
            "name": "联华便利",
            "grade": "B",
            "grade_locked": True,
            "owner_rep_id": "rep-1",
            "last_visit": day(14),
            "status": "due",
        },
        {
            **base,
            "id": "cust-3",
            "name": "好德便利",
            "grade": "C",
            "owner_rep_id": "rep-2",
            "last_visit": day(40),
            "status": "overdue",
        },
        {
            **base,
            "id": "cust-n",
            "name": "北京超市",
            "grade": "A",
            "owner_rep_id": "rep-n",
            "last_visit": None,
            "status": "never",
        },
        {
            **base,
            "id": "cust-old",
            "name": "旧店",
            "grade": "B",
            "active": False,
            "owner_rep_id": "rep-1",
            "last_visit": None,
            "status": "never",
        },
        {
            **base,
            "id": "cust-x",
            "name": "孤儿药店",
            "grade": "A",
            "owner_rep_id": "rep-x",
            "last_visit": None,
            "status": "never",
        },
    ]


def test_customers_api_requires_a_token(client):  # noqa: F811
    assert client.get("/api/v1/customers").status_code == 401


def test_customers_api_gives_contract_objects_as_json_lines(client, token, customers_db):  # noqa: F811
    response = client.get("/api/v1/customers", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert rows == expected(customers_db)
    assert list(rows[0]) == [
        "id",
        "name",
        "city",
        "grade",
        "grade_locked",
        "owner_rep_id",
        "active",
        "last_visit",
        "status",
    ]
    assert response.headers["X-Total-Count"] == "6"


def test_customers_api_as_csv_and_refuses_a_period(client, token, customers_db):  # noqa: F811
    response = client.get("/api/v1/customers?format=csv", headers=bearer(token))
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["id"], r["grade_locked"], r["last_visit"], r["status"]) for r in rows][:2] == [
        ("cust-1", "false", (customers_db - timedelta(days=2)).isoformat(), "on_rhythm"),
        ("cust-2", "true", (customers_db - timedelta(days=14)).isoformat(), "due"),
    ]
    refused = client.get("/api/v1/customers?from=2026-11-01", headers=bearer(token))
    assert refused.status_code == 400
    assert refused.get_json()["error"].startswith("from: unknown parameter")


def test_cli_export_customers_gives_the_same_objects_as_the_api(db_url, customers_db, tmp_path):
    result = run_cli(db_url, "export", "customers")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == expected(customers_db)
    out = tmp_path / "customers.csv"
    result = run_cli(db_url, "export", "customers", "--format", "csv", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert [r["id"] for r in csv.DictReader(out.open(encoding="utf-8"))] == [
        r["id"] for r in expected(customers_db)
    ]
    refused = run_cli(db_url, "export", "customers", "--from", "2026-11-01")
    assert refused.returncode == 1 and "from/to" in refused.stderr


def owners(engine) -> dict[str, str | None]:
    c = schema.customers
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(c.c.id, c.c.owner_rep_id)).all())


def test_cli_handover_moves_all_customers_deactivates_and_writes_history(db_url, engine, now):
    load(engine, company(), now)
    result = run_cli(
        db_url,
        "handover",
        "--from",
        "rep-1",
        "--to",
        "rep-2",
        "--deactivate",
        "--reason",
        "left",
        "--by",
        "ops",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["customers"] == ["cust-1", "cust-2"] and summary["deactivated"] is True
    assert "moved 2 customers" in result.stderr
    assert owners(engine)["cust-1"] == owners(engine)["cust-2"] == "rep-2"
    h = schema.customer_owner_history
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(h.c.customer_id, h.c.changed_by, h.c.reason).where(h.c.source == "handover")
        ).all()
        active = conn.execute(
            sa.select(schema.reps.c.active).where(schema.reps.c.id == "rep-1")
        ).scalar_one()
    assert sorted(map(tuple, rows)) == [("cust-1", "ops", "left"), ("cust-2", "ops", "left")]
    assert active is False


def test_cli_handover_of_listed_customers_and_dry_run(db_url, engine, now):
    load(engine, company(), now)
    dry = run_cli(db_url, "handover", "--from", "rep-1", "--to", "rep-2", "--dry-run")
    assert dry.returncode == 0 and json.loads(dry.stdout)["dry_run"] is True
    assert owners(engine)["cust-1"] == "rep-1"
    result = run_cli(
        db_url, "handover", "--from", "rep-1", "--to", "rep-2", "--customers", "cust-2"
    )
    assert result.returncode == 0, result.stderr
    assert owners(engine)["cust-1"] == "rep-1" and owners(engine)["cust-2"] == "rep-2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "rep-x"], "to: rep 'rep-x' is inactive"),
        (["--to", "rep-zz"], "to: unknown rep 'rep-zz'"),
        (["--to", "rep-2", "--customers", "cust-3"], "customers: 'cust-3' is not a customer"),
    ],
)
def test_cli_handover_refused_exits_1_and_changes_nothing(db_url, engine, now, args, message):
    load(engine, company(), now)
    before = owners(engine)
    result = run_cli(db_url, "handover", "--from", "rep-1", "--deactivate", *args)
    assert result.returncode == 1
    assert f"error: {message}" in result.stderr and "nothing was changed" in result.stderr
    assert owners(engine) == before
    with engine.connect() as conn:
        assert (
            conn.execute(
                sa.select(schema.reps.c.active).where(schema.reps.c.id == "rep-1")
            ).scalar_one()
            is True
        )

"""GET /api/v1/tasks, `python -m dashboard tasks generate` and `tasks export` (contract §5) on
real databases."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from dashboard.services import tasks as task_service
from tests.customer_builders import company, effective_visit, load
from tests.services.test_cli import run_cli
from tests.web.test_api import app, bearer, client, settings, token  # noqa: F401  (fixtures)

D = date.fromisoformat
FIELDS = ["id", "customer_id", "rep_id", "grade", "created", "due", "status", "visit_id"]


@pytest.fixture
def visited(engine, now):
    """customer_builders.company() with effective visits of cust-1 (A) and cust-2 (B) on 11-26."""
    load(engine, company(), now)
    load(
        engine,
        [
            *effective_visit("v-1", "cust-1", D("2026-11-26")),
            *effective_visit("v-2", "cust-2", D("2026-11-26")),
        ],
        now,
    )
    return engine


@pytest.fixture
def with_tasks(visited, now):
    """Tasks of 12-03 (cust-1 of rep-1) and 12-04 (the orphan cust-x, cust-n of rep-n)."""
    task_service.generate(visited, on=D("2026-12-03"), now=now)
    task_service.generate(visited, on=D("2026-12-04"), now=now)
    return visited


def lines(response) -> list[dict]:
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_tasks_api_requires_a_valid_token(client):  # noqa: F811
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.get("/api/v1/tasks", headers=bearer("nope")).status_code == 401


def test_a_reps_list_gives_contract_objects_as_json_lines(client, token, with_tasks):  # noqa: F811
    response = client.get("/api/v1/tasks?rep_id=rep-1&date=2026-12-05", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    assert response.headers["X-Total-Count"] == "1"
    (row,) = lines(response)
    assert list(row) == FIELDS
    assert row == {
        "id": "cust-1:2026-12-03",
        "customer_id": "cust-1",
        "rep_id": "rep-1",
        "grade": "A",
        "created": "2026-12-03",
        "due": "2026-12-03",
        "status": "open",
        "visit_id": None,
    }


def test_the_list_as_it_stood_on_a_date_shows_overdue_and_done(client, token, with_tasks, now):  # noqa: F811
    on = lambda day: lines(  # noqa: E731
        client.get(f"/api/v1/tasks?rep_id=rep-1&date={day}", headers=bearer(token))
    )
    assert [r["status"] for r in on("2026-12-07")] == ["overdue"]
    assert on("2026-12-02") == []
    load(with_tasks, effective_visit("v-3", "cust-1", D("2026-12-08")), now)
    task_service.close_done(with_tasks, now=now)
    (row,) = on("2026-12-08")
    assert (row["status"], row["visit_id"]) == ("done", "v-3")
    assert [r["status"] for r in on("2026-12-07")] == ["overdue"]


def test_a_region_filter_includes_orphan_tasks_without_an_owner(client, token, with_tasks):  # noqa: F811
    response = client.get("/api/v1/tasks?region_id=reg-e&date=2026-12-05", headers=bearer(token))
    assert [(r["customer_id"], r["rep_id"]) for r in lines(response)] == [
        ("cust-1", "rep-1"),
        ("cust-x", None),
    ]
    every = lines(client.get("/api/v1/tasks", headers=bearer(token)))
    assert len(every) == 3
    assert {r["status"] for r in every} <= {"open", "overdue", "done"}


def test_status_filter_and_csv(client, token, with_tasks):  # noqa: F811
    response = client.get(
        "/api/v1/tasks?date=2026-12-07&status=overdue&format=csv", headers=bearer(token)
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["id"], r["status"], r["visit_id"]) for r in rows] == [
        ("cust-1:2026-12-03", "overdue", "")
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-12-01", "from: unknown parameter"),
        ("date=12/05/2026", "date: '12/05/2026' is not a date"),
        ("status=late", "status: 'late' is not one of open, overdue, done"),
        ("format=xlsx", "format: 'xlsx'"),
        ("rep_id=", "rep_id: empty"),
    ],
)
def test_bad_parameters_are_refused_naming_them(client, token, with_tasks, query, message):  # noqa: F811
    response = client.get(f"/api/v1/tasks?{query}", headers=bearer(token))
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_cli_generates_idempotently_and_exports_what_the_api_gives(
    db_url,
    visited,
    client,  # noqa: F811
    token,  # noqa: F811
    tmp_path,
):
    first = run_cli(db_url, "tasks", "generate", "--date", "2026-12-03")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {"date": "2026-12-03", "due": 1, "created": 1, "closed": 0}
    again = run_cli(db_url, "tasks", "generate", "--date", "2026-12-03")
    assert json.loads(again.stdout)["created"] == 0
    exported = run_cli(db_url, "tasks", "export", "--date", "2026-12-07")
    assert exported.returncode == 0 and "1 tasks exported" in exported.stderr
    api = client.get("/api/v1/tasks?date=2026-12-07", headers=bearer(token))
    assert [json.loads(x) for x in exported.stdout.splitlines()] == lines(api)
    out = tmp_path / "tasks.csv"
    done = run_cli(db_url, "tasks", "export", "--format", "csv", "--rep", "rep-1", "-o", str(out))
    assert done.returncode == 0 and done.stdout == ""
    (row,) = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(row) == FIELDS and row["customer_id"] == "cust-1"
    bad = run_cli(db_url, "tasks", "generate", "--date", "3 Dec")
    assert bad.returncode == 1 and "--date: '3 Dec' is not a date" in bad.stderr
    wrong = run_cli(db_url, "tasks", "export", "--status", "late")
    assert wrong.returncode == 1 and "status: 'late'" in wrong.stderr

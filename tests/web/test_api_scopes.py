"""API token scopes (issue 20) on real SQLite and PostgreSQL: an ``ingest`` token may only POST
/api/v1/ingest, a ``read`` token only the export and read endpoints, an ``all`` token (what
tokens made before scopes have) both; an out-of-scope call is refused with 403 and a JSON error
naming the scope it needs, and stores nothing. Every endpoint of the blueprint is walked, so a
new one cannot be forgotten."""

from __future__ import annotations

import pytest

from dashboard.services import ingest, users
from tests import builders as b
from tests.web.test_api import app, bearer, client, settings  # noqa: F401  (fixtures)

INGEST = "/api/v1/ingest"
# The blueprint's answers that use no right (a wrong method, an unknown path).
NO_SCOPE = {"api_v1.ingest_wrong_method", "api_v1.unknown_endpoint"}


def read_paths(app_) -> list[str]:
    """Every GET endpoint of /api/v1 that reads data."""
    return sorted(
        rule.rule
        for rule in app_.server.url_map.iter_rules()
        if rule.endpoint.startswith("api_v1.")
        and rule.endpoint not in NO_SCOPE
        and "GET" in rule.methods
        and not rule.arguments
    )


@pytest.fixture
def tokens(engine, now) -> dict[str, str]:
    return {
        s: users.create_token(engine, name=f"app-{s}", now=now, scope=s) for s in users.TOKEN_SCOPES
    }


def test_the_walk_covers_the_read_endpoints(app):  # noqa: F811
    paths = read_paths(app)
    assert {"/api/v1/alerts", "/api/v1/customers", "/api/v1/tasks", "/api/v1/plans"} <= set(paths)
    assert INGEST not in paths


def test_ingest_token_posts_records_and_is_refused_every_read(app, client, engine, tokens):  # noqa: F811
    token = tokens["ingest"]
    assert (
        client.post(INGEST, json={"records": b.company()}, headers=bearer(token)).status_code == 200
    )
    for path in read_paths(app):
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 403, path
        assert response.json["scope_needed"] == "read" and response.json["token_scope"] == "ingest"
        assert "'read'" in response.json["error"]


def test_read_token_reads_every_export_and_cannot_ingest(app, client, engine, tokens):  # noqa: F811
    token = tokens["read"]
    for path in read_paths(app):
        assert client.get(path, headers=bearer(token)).status_code == 200, path
    response = client.post(INGEST, json={"records": b.company()}, headers=bearer(token))
    assert response.status_code == 403
    assert response.json["scope_needed"] == "ingest" and "'ingest'" in response.json["error"]
    assert not any(ingest.count_stored(engine).values())


def test_all_token_keeps_every_right(app, client, tokens):  # noqa: F811
    token = tokens["all"]
    assert (
        client.post(INGEST, json={"records": b.company()}, headers=bearer(token)).status_code == 200
    )
    for path in read_paths(app):
        assert client.get(path, headers=bearer(token)).status_code == 200, path


def test_wrong_method_and_unknown_path_answer_as_before_whatever_the_scope(client, tokens):  # noqa: F811
    for token in tokens.values():
        assert client.get(INGEST, headers=bearer(token)).status_code == 405
        assert client.get("/api/v1/nowhere", headers=bearer(token)).status_code == 404


def test_an_unknown_scope_is_refused_naming_the_field(engine, now):
    with pytest.raises(users.UserError, match="scope"):
        users.create_token(engine, name="x", now=now, scope="admin")

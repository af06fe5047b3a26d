"""GET /api/v1/sop-templates (contract §7): the field app's current template versions, behind
the API token like every /api/v1 door; on real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.services import ingest, users
from dashboard.services import sop as svc
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests import builders as b

URL = "/api/v1/sop-templates"


@pytest.fixture
def client(db_url, tmp_path):
    settings = Settings(database_url=db_url, data_dir=tmp_path, seed_demo_on_start=False)
    return create_app(settings).server.test_client()


def test_sop_templates_need_a_token(client, engine):
    assert client.get(URL).status_code == 401


def test_sop_templates_serve_the_current_version_with_every_step_attribute(client, engine, now):
    token = users.create_token(engine, name="field-app", now=now, scope="read")
    steps = [{"code": "arrive", "required": True}, {"code": "shelf", "required": False}]
    assert not ingest.ingest_values(
        engine, [b.sop_template("sop-a", steps=steps)], now=now, source="t"
    ).rejected
    svc.save_template(
        engine,
        template_id="sop-a",
        name="A",
        steps=[
            *steps,
            {"code": "photo", "kind": "photo", "photo_required": True, "min_seconds": 5},
        ],
        user="admin",
        now=datetime(2026, 11, 28, tzinfo=UTC),
    )
    response = client.get(URL, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    (tpl,) = response.get_json()["templates"]
    assert (tpl["id"], tpl["name"], tpl["version"]) == ("sop-a", "A", 2)
    assert [s["code"] for s in tpl["steps"]] == ["arrive", "shelf", "photo"]
    assert tpl["steps"][2] == {
        "code": "photo",
        "required": True,
        "label_zh": None,
        "label_en": None,
        "kind": "photo",
        "photo_required": True,
        "min_seconds": 5.0,
    }
    bad = client.get(URL + "?rep_id=x", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400 and bad.get_json()["error"].startswith("rep_id:")

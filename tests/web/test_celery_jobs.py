"""With REDIS_URL set, an export runs in a real Celery worker process (the multi-host setup):
the result comes back through Redis, scoped to the user who asked."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from dashboard.services.db import get_engine
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests import finance_builders as fb
from tests.conftest import _truncate_all, unavailable
from tests.web.test_access import PERIOD, UPDATE, build_payload, server_callbacks
from tests.web_client import finish_background, sign_in

ROOT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
PASSWORD = "password-123"  # finance_builders.make_user

pytestmark = pytest.mark.postgres


@pytest.fixture
def redis_url() -> str:
    import redis

    url = f"{REDIS}/{uuid.uuid4().int % 16}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        unavailable(f"Redis is not reachable at {REDIS}: {exc}")
    return url


@pytest.fixture
def company(postgres_url):
    engine = get_engine(postgres_url)
    _truncate_all(engine)
    fb.seed(engine)
    fb.make_user(engine, "finance", name="fin")
    yield engine
    _truncate_all(engine)


@pytest.mark.timeout(180)
def test_an_export_runs_in_a_celery_worker_through_redis(
    postgres_url, redis_url, company, tmp_path
):
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        "COCKPIT_DATA_DIR": str(tmp_path),
        "COCKPIT_SEED_DEMO": "0",
    }
    celery = str(Path(sys.executable).with_name("celery"))
    worker = subprocess.Popen(
        [celery, "-A", "app:celery_app", "worker", "--pool=solo", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        log = []
        for line in worker.stdout:
            log.append(line)
            if " ready." in line:
                break
        else:
            pytest.fail("the Celery worker did not start:\n" + "".join(log[-40:]))
        settings = Settings(
            database_url=postgres_url,
            data_dir=tmp_path,
            seed_demo_on_start=False,
            redis_url=redis_url,
        )
        app = create_app(settings)
        client = app.server.test_client()
        assert sign_in(client, "fin", PASSWORD).status_code == 302
        deps = server_callbacks(app, client)
        body = build_payload(
            deps["export_finance_claims"],
            {"finance-claims-export-csv.n_clicks": 1, "finance-query.data": PERIOD},
            changed=("finance-claims-export-csv.n_clicks",),
        )
        first = client.post(UPDATE, json=body)
        assert "cacheKey" in first.get_json()  # a job, not the file itself
        answer = finish_background(client, body, first, timeout=90).get_json()
        data = answer["response"]["finance-claims-export-download"]["data"]
        lines = base64.b64decode(data["content"]).decode("utf-8-sig").strip().splitlines()
        assert data["filename"] == "claims.csv" and len(lines) == 1 + len(fb.claims())
    finally:
        worker.terminate()
        rest = worker.communicate(timeout=60)[0]
    # The worker ran it (not a process of this test).
    assert re.search(r"Task background_callback_\w+\[[\w-]+\] succeeded", rest), rest[-3000:]

"""Serving with several processes: gunicorn's start-up catch-up, the throttle counted across
processes, the secret key created once under a race, the trusted proxy hops."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dashboard.services import ingest, users
from dashboard.settings import Settings
from dashboard.web.app import create_app
from data_access import judge as judge_store
from tests import builders as b
from tests.web_client import sign_in

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-9"


def _run(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_sign_in_throttle_is_counted_across_processes(db_url, engine, tmp_path, now):
    users.create_user(engine, name="alice", password=PASSWORD, role="admin", now=now)
    first = _run("-m", "tests.processes.sign_in_guesser", db_url, str(tmp_path), "alice", "3")
    out, err = first.communicate(timeout=120)
    assert out.split() == ["401", "401", "401"], err[-2000:]
    second = _run("-m", "tests.processes.sign_in_guesser", db_url, str(tmp_path), "alice", "3")
    out, err = second.communicate(timeout=120)
    # Five failures in all (3 + 2): the sixth attempt is refused whichever process gets it.
    assert out.split() == ["401", "401", "429"], err[-2000:]


def test_the_secret_key_file_is_created_once_under_a_race(tmp_path):
    path, go = tmp_path / "data" / "secret_key", tmp_path / "go"
    readers = [_run("-m", "tests.processes.secret_reader", str(path), str(go)) for _ in range(8)]
    time.sleep(1.0)  # let every reader import and wait at the line
    go.touch()
    keys = set()
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err[-2000:]
        keys.add(out.strip())
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert path.read_text().strip() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no candidates left


@pytest.mark.parametrize("hops,expected", [(1, "192.0.2.1"), (0, "127.0.0.1")])
def test_the_client_address_comes_through_the_trusted_proxies_only(
    db_url, engine, tmp_path, now, hops, expected
):
    users.create_user(engine, name="alice", password=PASSWORD, role="admin", now=now)
    settings = Settings(
        database_url=db_url, data_dir=tmp_path, seed_demo_on_start=False, trusted_proxies=hops
    )
    client = create_app(settings).server.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    # The client forges entries in front; the trusted proxy appended the real address last.
    for n in range(5):
        headers = {"X-Forwarded-For": f"10.0.0.{n}, 192.0.2.1"}
        assert sign_in(client, "alice", "wrong", headers=headers).status_code == 401
    from dashboard.services import sessions as session_store

    waits = {
        address: session_store.login_wait(
            engine, "alice", address, now=datetime.now(UTC), limits=session_store.ThrottleLimits()
        )
        for address in ("192.0.2.1", "127.0.0.1", "10.0.0.0")
    }
    assert [a for a, w in waits.items() if w > 0] == [expected]


def test_settings_name_a_bad_background_mode_or_proxy_count():
    with pytest.raises(ValueError, match="COCKPIT_BACKGROUND"):
        Settings.from_env({"COCKPIT_BACKGROUND": "sometimes"})
    with pytest.raises(ValueError, match="COCKPIT_TRUSTED_PROXIES"):
        Settings.from_env({"COCKPIT_TRUSTED_PROXIES": "-1"})
    s = Settings.from_env({"COCKPIT_BACKGROUND": "OFF", "COCKPIT_TRUSTED_PROXIES": "2"})
    assert (s.background, s.trusted_proxies, s.poll_seconds) == ("off", 2, 5)


def _gunicorn(db_url: str, data_dir: Path, port: int, **env: str) -> subprocess.Popen:
    """scripts/run.sh's server (gunicorn with gunicorn.conf.py) on ``port``."""
    env = {
        "DATABASE_URL": db_url,
        "COCKPIT_DATA_DIR": str(data_dir),
        "COCKPIT_SEED_DEMO": "0",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "COCKPIT_THREADS": "2",
        "COCKPIT_POLL_SECONDS": "1",
        **env,
    }
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            "gunicorn.conf.py",
            "app:server",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env},
    )


def _wait_healthy(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


@pytest.mark.timeout(180)
def test_gunicorn_catches_up_at_start_and_serves(db_url, engine, tmp_path, now):
    """Work stored while no server ran (an ingest by a script) is refreshed and judged once
    gunicorn's workers start, with no request needed."""
    records = [*b.company(), b.check_in("v-7", ts="2026-11-26T07:00:00+08:00")]
    ingest.ingest_values(engine, records, source="script", now=now)
    with engine.connect() as conn:
        assert judge_store.pending_work(conn)["dirty"]
    port = _free_port()
    server = _gunicorn(db_url, tmp_path, port)
    try:
        deadline = time.monotonic() + 120
        while True:
            with engine.connect() as conn:
                pending = judge_store.pending_work(conn)
            if not any(pending.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert pending == {"dirty": False, "unjudged": False}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as answer:
            assert answer.status == 200
    finally:
        server.terminate()
        log = server.communicate(timeout=60)[0]
    assert "Booting worker" in log and "Traceback" not in log, log[-3000:]
    assert (tmp_path / "secret_key").read_text().strip()


def test_settings_read_yes_no_and_sizes_naming_a_bad_value():
    assert Settings.from_env({"COCKPIT_SEED_DEMO": "off"}).seed_demo_on_start is False
    assert Settings.from_env({"COCKPIT_SEED_DEMO": "Yes"}).seed_demo_on_start is True
    with pytest.raises(ValueError, match="COCKPIT_SEED_DEMO"):
        Settings.from_env({"COCKPIT_SEED_DEMO": "maybe"})
    with pytest.raises(ValueError, match="COCKPIT_DEMO_REPS"):
        Settings.from_env({"COCKPIT_DEMO_REPS": "many"})
    s = Settings.from_env({"COCKPIT_MAX_INGEST_RECORDS": "500", "COCKPIT_MAX_INGEST_BYTES": "2048"})
    assert (s.max_ingest_records, s.max_ingest_bytes) == (500, 2048)


@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_pages_pool_api_pool_and_job_worker_apart(postgres_url, tmp_path, now):
    """The deployment the README documents: pages and /api in their own gunicorn pools, both
    with COCKPIT_BACKGROUND=off, and a job worker. A batch posted to the API pool is stored at
    once and judged by the worker; the pages' pool serves the result."""
    from dashboard.services.db import get_engine
    from tests.conftest import _truncate_all

    engine = get_engine(postgres_url)
    _truncate_all(engine)
    token = users.create_token(engine, name="field-app", now=now, scope="all")
    pages_port, api_port = _free_port(), _free_port()
    off = {"COCKPIT_BACKGROUND": "off"}
    pages = _gunicorn(postgres_url, tmp_path / "pages", pages_port, **off)
    api = _gunicorn(postgres_url, tmp_path / "api", api_port, **off)
    worker = _run("-m", "dashboard", "worker", "--poll", "0.5", env={"DATABASE_URL": postgres_url})
    try:
        _wait_healthy(pages_port)
        _wait_healthy(api_port)
        records = [*b.company(), b.check_in("v-7", ts="2026-11-26T07:00:00+08:00")]
        request = urllib.request.Request(
            f"http://127.0.0.1:{api_port}/api/v1/ingest",
            data=json.dumps({"records": records}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert json.load(answer)["accepted"] == len(records)
        deadline, alerts = time.monotonic() + 60, []
        while not alerts and time.monotonic() < deadline:
            time.sleep(0.5)
            listing = urllib.request.Request(
                f"http://127.0.0.1:{pages_port}/api/v1/alerts",
                headers={"Authorization": f"Bearer {token}"},
            )
            with urllib.request.urlopen(listing, timeout=30) as answer:
                alerts = [json.loads(line)["id"] for line in answer.read().decode().splitlines()]
        assert alerts == ["OFF_HOURS:v-7"]
    finally:
        for process in (pages, api, worker):
            process.terminate()
        logs = [process.communicate(timeout=60)[0] for process in (pages, api, worker)]
    assert "judged" in logs[2]  # the worker did it, not the web pools
    assert all("Traceback" not in log for log in logs), logs
    _truncate_all(engine)


def test_the_callback_map_is_complete_before_the_first_request(db_url, tmp_path):
    """A new worker's first requests come on several threads at once: each must find every
    callback (Dash would complete the map during the first request only)."""
    import dash._callback

    settings = Settings(database_url=db_url, data_dir=tmp_path, seed_demo_on_start=False)
    app = create_app(settings)
    outputs = list(app.callback_map)
    assert any("_pages_content.children" in key for key in outputs)
    assert any("overview-tiles.children" in key for key in outputs)
    assert not dash._callback.GLOBAL_CALLBACK_MAP


def test_the_served_app_hands_the_gil_over_within_a_millisecond(tmp_path):
    """app.py, which every gunicorn worker imports, lowers the interpreter's switch interval
    from 5 ms to 1 ms: after each query, a page's request thread waits about that, not 5 ms, for
    the GIL while an ingest batch or a background pass computes in the same worker."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cockpit.db'}",
        "COCKPIT_DATA_DIR": str(tmp_path),
        "COCKPIT_SEED_DEMO": "0",
    }
    probe = "import sys; before = sys.getswitchinterval(); import app; "
    probe += "print(before, sys.getswitchinterval())"
    out, err = _run("-c", probe, env=env).communicate(timeout=120)
    assert out.split() == ["0.005", "0.001"], err[-3000:]

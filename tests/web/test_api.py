"""POST /api/v1/ingest through the Flask test client, on real SQLite and real PostgreSQL."""

from __future__ import annotations

import dataclasses
import io
import json
import socket
import threading
from collections.abc import Iterator

import pytest
from flask import current_app
from sqlalchemy.engine import make_url

from dashboard.services import ingest, users
from dashboard.services.db import dispose_engine, get_engine
from dashboard.settings import Settings
from dashboard.web.app import create_app
from dashboard.web.context import SETTINGS_KEY
from tests import builders as b

INGEST = "/api/v1/ingest"
# Nothing listens on port 1: connections are refused at once (a real unreachable server).
UNREACHABLE_URL = "postgresql+psycopg://postgres@127.0.0.1:1/cockpit_unreachable"


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path, seed_demo_on_start=False)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def token(engine, now) -> str:
    return users.create_token(engine, name="field-app", now=now, scope="all")


@pytest.fixture
def unreachable_settings(settings) -> Iterator[Settings]:
    yield dataclasses.replace(settings, database_url=UNREACHABLE_URL)
    dispose_engine(UNREACHABLE_URL)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_records(client, token: str, records: list) -> object:
    return client.post(INGEST, json={"records": records}, headers=bearer(token))


def stored(engine) -> dict[str, int]:
    return ingest.count_stored(engine)


def nothing_stored(engine) -> bool:
    return not any(stored(engine).values())


# ------------------------------------------------------------------ authentication


def test_ingest_without_authorization_is_401_json_with_www_authenticate(client, engine):
    response = client.post(INGEST, json={"records": b.company()})

    assert response.status_code == 401
    assert response.is_json
    assert "bearer" in response.json["error"].lower()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert nothing_stored(engine)


def test_ingest_with_basic_auth_instead_of_bearer_is_401(client, engine):
    response = client.post(
        INGEST, json={"records": b.company()}, headers={"Authorization": "Basic dXNlcjpwdw=="}
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert nothing_stored(engine)


def test_ingest_with_wrong_token_is_401(client, engine, token):
    response = post_records(client, token + "x", b.company())

    assert response.status_code == 401
    assert response.is_json
    assert "invalid" in response.json["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert nothing_stored(engine)


def test_ingest_with_revoked_token_is_401(client, engine, token, now):
    assert users.revoke_token(engine, name="field-app", now=now) == 1

    response = post_records(client, token, b.company())

    assert response.status_code == 401
    assert "revoked" in response.json["error"]
    assert nothing_stored(engine)


def test_ingest_with_valid_token_after_another_token_was_revoked_still_works(
    client, engine, token, now
):
    other = users.create_token(engine, name="old-app", now=now)
    users.revoke_token(engine, name="old-app", now=now)

    assert post_records(client, other, b.company()).status_code == 401
    assert post_records(client, token, b.company()).status_code == 200


# ------------------------------------------------------------------ processing a batch


def test_partial_json_batch_stores_good_records_and_lists_bad_ones_by_index_id_and_field(
    client, engine, token
):
    records = [
        *b.company(),  # indexes 0..5
        b.gps("fix-good"),  # 6
        b.gps("fix-bad-lat", lat=95.2),  # 7
        b.check_in("v-naive-ts", ts="2026-11-26T09:20:00"),  # 8: no UTC offset
        b.gps("fix-unknown-rep", rep_id="rep-nobody"),  # 9
        b.expense("e-no-amount", amount=None),  # 10
    ]

    response = post_records(client, token, records)

    assert response.status_code == 200
    body = response.json
    assert set(body) == {"accepted", "duplicates", "dropped_off_hours", "rejected"}
    assert body["accepted"] == 7
    assert body["duplicates"] == 0
    assert body["dropped_off_hours"] == 0
    rejected = {r["index"]: r for r in body["rejected"]}
    assert sorted(rejected) == [7, 8, 9, 10]
    assert rejected[7]["id"] == "fix-bad-lat"
    assert rejected[7]["error"].startswith("lat:")
    assert "95.2" in rejected[7]["error"]
    assert rejected[8]["id"] == "v-naive-ts"
    assert rejected[8]["error"].startswith("ts:")
    assert rejected[9]["id"] == "fix-unknown-rep"
    assert rejected[9]["error"].startswith("rep_id:")
    assert rejected[10]["id"] == "e-no-amount"
    assert rejected[10]["error"].startswith("amount:")
    counts = stored(engine)
    assert counts["gps"] == 1
    assert counts["check_in"] == 0
    assert counts["expense"] == 0
    assert counts["rep"] == 1
    assert counts["quarantine_open"] == 4


def test_rejected_api_records_are_quarantined_raw_with_their_reason(client, engine, token):
    post_records(client, token, [*b.company(), b.gps("fix-bad-lat", lat=95.2)])

    [entry] = ingest.list_quarantine(engine)
    assert entry["record_id"] == "fix-bad-lat"
    assert entry["record_type"] == "gps"
    assert entry["error"].startswith("lat:")
    assert json.loads(entry["raw"])["lat"] == 95.2
    assert entry["source"] == "api:field-app"


def test_record_that_is_not_an_object_is_rejected_without_an_id(client, engine, token):
    response = post_records(client, token, [b.region(), 42, "text"])

    assert response.status_code == 200
    assert response.json["accepted"] == 1
    assert [(r["index"], r["id"]) for r in response.json["rejected"]] == [(1, None), (2, None)]
    assert all(r["error"].startswith("record:") for r in response.json["rejected"])


def test_ndjson_body_is_ingested_and_a_bad_line_is_rejected_on_its_own(client, engine, token):
    lines = [json.dumps(r, ensure_ascii=False) for r in b.company()]
    lines.append("{this is not json")  # index 6
    lines.append(json.dumps(b.gps("fix-1")))  # 7
    lines.append("")  # blank lines are skipped, not counted
    lines.append(json.dumps(b.gps("fix-bad", lon=181.0)))  # 8
    body = ("\n".join(lines) + "\n").encode("utf-8")

    response = client.post(
        INGEST, data=body, headers=bearer(token), content_type="application/x-ndjson"
    )

    assert response.status_code == 200
    assert response.json["accepted"] == 7
    rejected = {r["index"]: r for r in response.json["rejected"]}
    assert sorted(rejected) == [6, 8]
    assert rejected[6]["id"] is None
    assert "not valid JSON" in rejected[6]["error"]
    assert rejected[8]["id"] == "fix-bad"
    assert rejected[8]["error"].startswith("lon:")
    assert stored(engine)["gps"] == 1
    assert stored(engine)["quarantine_open"] == 2


def test_ndjson_body_with_charset_parameter_is_still_ndjson(client, engine, token):
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in b.company()).encode()

    response = client.post(
        INGEST,
        data=body,
        headers={**bearer(token), "Content-Type": "application/x-ndjson; charset=utf-8"},
    )

    assert response.status_code == 200
    assert response.json["accepted"] == 6


def test_body_that_is_not_json_at_all_is_400_with_an_error(client, engine, token):
    response = client.post(
        INGEST, data=b"this is not json", headers=bearer(token), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.is_json
    assert "JSON" in response.json["error"]
    assert nothing_stored(engine)


def test_ndjson_body_where_no_line_is_json_is_400(client, engine, token):
    response = client.post(
        INGEST,
        data=b"id,type\nfix-1,gps\n",
        headers=bearer(token),
        content_type="application/x-ndjson",
    )

    assert response.status_code == 400
    assert "error" in response.json
    assert nothing_stored(engine)


def test_json_object_without_records_is_400(client, engine, token):
    response = client.post(INGEST, json=b.region(), headers=bearer(token))

    assert response.status_code == 400
    assert '"records"' in response.json["error"]
    assert nothing_stored(engine)


def test_json_records_that_is_not_a_list_is_400(client, engine, token):
    response = client.post(INGEST, json={"records": {"a": 1}}, headers=bearer(token))

    assert response.status_code == 400
    assert "list" in response.json["error"]


def test_empty_records_list_is_200_with_nothing_accepted(client, engine, token):
    response = post_records(client, token, [])

    assert response.status_code == 200
    assert response.json == {
        "accepted": 0,
        "duplicates": 0,
        "dropped_off_hours": 0,
        "rejected": [],
    }


def test_gps_fix_outside_work_hours_is_dropped_and_counted(client, engine, token):
    records = [*b.company(), b.gps("fix-night", ts="2026-11-26T23:30:00+08:00")]

    response = post_records(client, token, records)

    assert response.json["dropped_off_hours"] == 1
    assert response.json["rejected"] == []
    assert stored(engine)["gps"] == 0


# ------------------------------------------------------------------ limits


def test_more_records_than_the_limit_is_413_json_and_nothing_is_stored(
    db_url, tmp_path, engine, token
):
    settings = Settings(
        database_url=db_url, data_dir=tmp_path, seed_demo_on_start=False, max_ingest_records=5
    )
    client = create_app(settings).server.test_client()

    response = post_records(client, token, b.company())  # 6 records

    assert response.status_code == 413
    assert response.is_json
    assert "5" in response.json["error"]
    assert nothing_stored(engine)


def test_exactly_the_record_limit_is_accepted(db_url, tmp_path, engine, token):
    settings = Settings(
        database_url=db_url, data_dir=tmp_path, seed_demo_on_start=False, max_ingest_records=6
    )
    client = create_app(settings).server.test_client()

    response = post_records(client, token, b.company())

    assert response.status_code == 200
    assert response.json["accepted"] == 6


def test_too_many_ndjson_lines_is_413(db_url, tmp_path, engine, token):
    settings = Settings(
        database_url=db_url, data_dir=tmp_path, seed_demo_on_start=False, max_ingest_records=2
    )
    client = create_app(settings).server.test_client()
    body = "\n".join(json.dumps(r) for r in b.company()[:3]).encode()

    response = client.post(
        INGEST, data=body, headers=bearer(token), content_type="application/x-ndjson"
    )

    assert response.status_code == 413
    assert nothing_stored(engine)


def test_body_over_the_byte_limit_is_413_json_and_nothing_is_stored(settings, engine, token):
    small = dataclasses.replace(settings, max_ingest_bytes=300)
    client = create_app(small).server.test_client()
    body = json.dumps({"records": b.company()}).encode()
    assert len(body) > 300

    response = client.post(
        INGEST, data=body, headers=bearer(token), content_type="application/json"
    )

    assert response.status_code == 413
    assert response.is_json
    assert "300" in response.json["error"]
    assert nothing_stored(engine)


def test_chunked_body_without_content_length_over_the_byte_limit_is_413(settings, engine, token):
    small = dataclasses.replace(settings, max_ingest_bytes=300)
    client = create_app(small).server.test_client()
    body = json.dumps({"records": b.company()}).encode()

    response = client.post(
        INGEST,
        input_stream=io.BytesIO(body),
        headers={**bearer(token), "Transfer-Encoding": "chunked"},
        content_type="application/json",
        # What a real WSGI server sets for a chunked body it has de-chunked.
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert response.status_code == 413
    assert nothing_stored(engine)


# ------------------------------------------------------------------ idempotency


def test_same_batch_twice_counts_duplicates_and_leaves_the_database_unchanged(
    client, engine, token
):
    records = [*b.company(), *b.one_visit(), b.gps("fix-1"), b.expense("e-1")]

    first = post_records(client, token, records)
    after_first = stored(engine)
    second = post_records(client, token, records)

    assert first.status_code == second.status_code == 200
    assert first.json["accepted"] == len(records)
    assert first.json["duplicates"] == 0
    # Master records are upserts (accepted again); event records are duplicates.
    assert second.json["accepted"] == len(b.company())
    assert second.json["duplicates"] == len(records) - len(b.company())
    assert second.json["rejected"] == []
    assert stored(engine) == after_first


# ------------------------------------------------------------------ unreachable database


def test_token_check_on_an_unreachable_database_is_503_json_not_500(
    app, client, token, unreachable_settings
):
    app.server.config[SETTINGS_KEY] = unreachable_settings

    response = post_records(client, token, b.company())

    assert response.status_code == 503
    assert response.is_json
    assert "unreachable" in response.json["error"]


def test_ingest_on_an_unreachable_database_is_503_and_nothing_is_written(
    app, client, engine, token, unreachable_settings
):
    # The token is checked on the good database; the database then becomes unreachable for
    # the ingest itself (a real refused connection, not a mock).
    def lose_database():
        current_app.config[SETTINGS_KEY] = unreachable_settings

    app.server.before_request_funcs.setdefault("api_v1", []).append(lose_database)

    response = post_records(client, token, [*b.company(), b.gps("fix-1"), b.gps("x", lat=99)])

    assert response.status_code == 503
    assert response.is_json
    assert "nothing was stored" in response.json["error"]
    assert nothing_stored(engine)
    assert ingest.list_quarantine(engine, status=None) == []


def test_batch_refused_with_503_is_stored_once_when_retried(
    app, client, engine, token, settings, unreachable_settings
):
    records = [*b.company(), b.gps("fix-1")]
    app.server.config[SETTINGS_KEY] = unreachable_settings
    assert post_records(client, token, records).status_code == 503

    app.server.config[SETTINGS_KEY] = settings
    response = post_records(client, token, records)

    assert response.status_code == 200
    assert response.json["accepted"] == len(records)
    assert stored(engine)["gps"] == 1


class _TcpProxy:
    """Forward a local port to a real server; ``stop`` makes that server unreachable."""

    def __init__(self, host: str, port: int):
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone would not.
        for s in [self._listener, *self._sockets]:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


@pytest.fixture
def outage_app(postgres_url, tmp_path) -> Iterator[tuple[object, _TcpProxy, str]]:
    """An app started on a reachable PostgreSQL (through a proxy) whose server can go away."""
    target = make_url(postgres_url)
    proxy = _TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    url = target.set(port=proxy.port).render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, data_dir=tmp_path, seed_demo_on_start=False))
    yield app, proxy, url
    proxy.stop()
    dispose_engine(url)


@pytest.mark.postgres
def test_database_lost_after_start_makes_ingest_503_not_500(outage_app, now):
    app, proxy, url = outage_app
    token = users.create_token(get_engine(url), name="outage-app", now=now)
    client = app.server.test_client()
    assert post_records(client, token, []).status_code == 200

    proxy.stop()
    response = post_records(client, token, [b.region("reg-outage")])

    assert response.status_code == 503
    assert response.is_json


@pytest.mark.postgres
def test_healthz_reports_a_database_lost_after_start(outage_app):
    app, proxy, _url = outage_app
    client = app.server.test_client()
    assert client.get("/healthz").status_code == 200

    proxy.stop()

    assert client.get("/healthz").status_code == 503


def test_unknown_api_path_is_a_json_404_not_the_dash_page(client, token):
    response = client.get("/api/v1/no-such-endpoint", headers=bearer(token))

    assert response.status_code == 404


def test_a_batch_is_parsed_and_stored_at_the_requests_priority(client, engine, token, monkeypatch):
    """A client waits for its batch: it is stored in the request's own thread, at the pages'
    priority (lowered, batches starved under a busy cockpit: bench/load.py), unpaced."""
    import os

    seen: list[tuple[int, int]] = []
    real = ingest.ingest_items

    def recording(*args, **kwargs):
        me = threading.get_native_id()
        seen.append((me, os.getpriority(os.PRIO_PROCESS, me)))
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "ingest_items", recording)
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    response = post_records(client, token, [*b.company(), b.gps("fix-1")])
    assert response.status_code == 200 and response.json["accepted"] == 7
    assert seen == [(threading.get_native_id(), here)]
    assert stored(engine)["gps"] == 1


def test_a_batch_waits_for_a_free_host_slot_then_is_stored(settings, engine, token):
    """COCKPIT_BULK_SLOTS: while every slot of the host's ingest pool is held (here by the
    test, as by another worker storing a batch), a batch waits; it is stored once one is free.
    A background round holding the other pool's slot does not hold it up."""
    from dashboard.services import priority

    app = create_app(dataclasses.replace(settings, bulk_slots=1))
    # The app's background passes take their turns in the same slots.
    assert priority.host_slots() == (settings.data_dir, 1)
    client = app.server.test_client()
    answers: list = []
    with priority.host_slot(settings.data_dir, 1, priority.INGEST_POOL):
        sender = threading.Thread(
            target=lambda: answers.append(post_records(client, token, b.company()))
        )
        sender.start()
        sender.join(1.0)
        assert sender.is_alive() and not answers  # waiting for the slot
        assert ingest.count_stored(engine)["rep"] == 0
    sender.join(30)
    assert answers[0].status_code == 200 and answers[0].json["accepted"] == len(b.company())
    assert ingest.count_stored(engine)["rep"] > 0
    with priority.host_slot(settings.data_dir, 1, priority.BACKGROUND_POOL):
        response = post_records(client, token, [b.gps("fix-while-a-round-runs")])
        assert response.status_code == 200 and response.json["accepted"] == 1


def test_the_apps_processes_share_the_kpi_views_through_the_data_folder(settings, client):
    from dashboard.services import view_cache

    assert view_cache.shared_folder() == settings.data_dir / "view-cache"
    assert (settings.data_dir / "view-cache" / "locks").is_dir()


def test_a_page_request_paces_the_hosts_background_work_and_an_api_request_does_not(
    settings, client, token, monkeypatch
):
    """priority.note_page: the marker that paces background work is touched by page requests
    (any process of the host), not by the API's batches or the static files."""
    from dashboard.services import priority

    assert priority.host_slots() == (settings.data_dir, settings.bulk_slots)
    monkeypatch.setattr(priority, "_marks", {"touched": 0.0, "looked": 0.0, "active_until": 0.0})
    marker = settings.data_dir / "pages-active"
    marker.unlink(missing_ok=True)
    assert post_records(client, token, b.company()).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert not marker.exists() and not priority.pages_active()
    assert client.get("/login").status_code == 200
    assert marker.exists() and priority.pages_active()

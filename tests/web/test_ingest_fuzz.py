"""Property-based ingest through POST /api/v1/ingest on real SQLite and PostgreSQL.

Hypothesis builds batches of records of every type, valid and mutated (wrong types, out-of-range
numbers, extreme dates and instants in every zone, control characters and lone surrogates,
nesting, oversize strings, missing fields). Whatever comes: no server error, and every record
is either stored or rejected (and quarantined) with a reason that names one of its fields. The
counts of both sides are printed; together the two backends see well over 10,000 records.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import contract
from dashboard.services import ingest, users
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests import builders as b

INGEST = "/api/v1/ingest"
EXAMPLES = 256  # batches per backend
BATCH = (20, 24)  # records per batch → at least 5,120 records per backend, 10,240 per run
ZONES = ("Asia/Shanghai", "Pacific/Kiritimati", "Etc/GMT+12", "America/St_Johns", "UTC")

# A reason names a field: "lat: ...", "steps[2].code: ...", "value.k[0]: ...", "record: ...".
_FIELD_RE = re.compile(r"^([a-z0-9_]+)(\[\d+\]|\.[^:\s]+|\.<key>)*: ")


def _templates() -> dict[str, dict]:
    """One valid record of every type (events refer to the company loaded first)."""
    return {
        "region": b.region(id="reg-x"),
        "team": b.team(id="team-x"),
        "rep": b.rep(id="rep-x", timezone="Pacific/Kiritimati"),
        "customer": b.customer(id="cust-x", address="徐汇区\n1 号"),
        "sop_template": b.sop_template(id="sop-x"),
        "plan": b.plan(id="plan-x"),
        "gps": b.gps(),
        "device_event": b.device_event(detail={"why": "battery"}),
        "check_in": b.check_in(),
        "check_out": b.check_out(visit_id="v-base"),
        "sop_step": b.sop_step(visit_id="v-base", value={"shelf": [1, 2]}),
        "photo": b.photo(visit_id="v-base"),
        "order": b.order(visit_id="v-base"),
        "expense": b.expense(note="taxi\tback"),
    }


TEMPLATES = _templates()
TYPES = sorted(TEMPLATES)

# Values that break something somewhere: controls, surrogates, extremes, nesting, size.
_odd_text = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), min_size=0, max_size=12
)
_control_text = st.builds(
    lambda a, c, z: a + c + z,
    st.text(max_size=4),
    st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\t", "\n"]),
    st.text(max_size=4),
)


@st.composite
def _instant(draw) -> str:
    """An ISO instant near or past the supported range, with an offset of any zone."""
    year = draw(st.sampled_from([1, 1999, 2000, 2026, 2100, 2101, 9999]))
    month, day = draw(st.sampled_from([(1, 1), (12, 31), (6, 15)]))
    hour = draw(st.integers(0, 23))
    minutes = draw(st.integers(-14 * 60, 14 * 60))
    tz = timezone(timedelta(minutes=minutes))
    return datetime(year, month, day, hour, 30, tzinfo=tz).isoformat()


_date_text = st.sampled_from(
    [
        "0001-01-01",
        "1999-12-31",
        "2000-01-01",
        "2100-12-31",
        "2101-01-01",
        "9999-12-31",
        "2026-02-30",
        "26-11-26",
        "",
    ]
)
_nested = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _control_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_odd_text, inner, max_size=3),
    max_leaves=8,
)


def _deep(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _odd_text,
    _control_text,
    _instant(),
    _date_text,
    _nested,
    st.integers(10, 58).map(_deep),  # deeper bodies are refused whole (defect 4 test)
    st.integers(100, 6000).map(lambda n: "x" * n),
    st.sampled_from((*ZONES, "Mars/Olympus", "", "+08:00")),
)


@st.composite
def _record(draw, counter) -> dict:
    kind = draw(st.sampled_from(TYPES))
    rec = copy.deepcopy(TEMPLATES[kind])
    rec["id"] = f"{kind[:3]}-{next(counter)}"
    fields = list(contract.RECORD_FIELDS[kind])
    for _ in range(draw(st.integers(0, 2))):  # 0 = a valid record
        field = draw(st.sampled_from([*fields, "type"]))
        action = draw(st.sampled_from(["value", "value", "drop", "ts"]))
        if action == "drop":
            rec.pop(field, None)
        elif action == "ts" and field in ("ts", "taken_at", "date"):
            rec[field] = draw(_instant() if field != "date" else _date_text)
        else:
            rec[field] = draw(_value)
    return rec


@pytest.fixture
def site(db_url, tmp_path):
    # The fuzz is about what the door accepts: no background pass judges what it stored (the
    # deployment with a job worker, COCKPIT_BACKGROUND=off): the passes took 3/4 of its time.
    settings = Settings(
        database_url=db_url, data_dir=tmp_path, seed_demo_on_start=False, background="off"
    )
    app = create_app(settings)
    client = app.server.test_client()
    from dashboard.services.db import get_engine

    engine = get_engine(db_url)
    token = users.create_token(engine, name="fuzz", now=datetime.now(UTC))
    headers = {"Authorization": f"Bearer {token}"}
    base = [*b.company(), b.check_in(id="v-base")]
    assert client.post(INGEST, json={"records": base}, headers=headers).status_code == 200
    return client, engine, headers


def test_fuzzed_records_are_stored_or_quarantined_naming_a_field_never_a_server_error(site):
    client, engine, headers = site
    counter = itertools.count()
    totals = {
        "records": 0,
        "stored": 0,
        "duplicates": 0,
        "dropped": 0,
        "quarantined": 0,
        "server_errors": 0,
    }
    quarantine_before = {q["raw_sha256"] for q in ingest.list_quarantine(engine)}
    expected_raw: set[str] = set()  # an identical raw record is quarantined once

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(_record(counter), min_size=BATCH[0], max_size=BATCH[1]), st.booleans())
    def send(batch, as_ndjson):
        lines = [json.dumps(r, ensure_ascii=False) for r in batch]
        if as_ndjson:
            body = "\n".join(lines)
            response = client.post(
                INGEST,
                data=body.encode("utf-8", "surrogatepass"),
                headers={**headers, "Content-Type": "application/x-ndjson"},
            )
        else:
            response = client.post(
                INGEST,
                data=json.dumps({"records": batch}),  # ASCII: lone surrogates as \u escapes
                headers={**headers, "Content-Type": "application/json"},
            )
        if response.status_code >= 500:
            totals["server_errors"] += 1
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        answer = response.get_json()
        totals["records"] += len(batch)
        totals["stored"] += answer["accepted"]
        totals["duplicates"] += answer["duplicates"]
        totals["dropped"] += answer["dropped_off_hours"]
        totals["quarantined"] += len(answer["rejected"])
        counted = (
            answer["accepted"]
            + answer["duplicates"]
            + answer["dropped_off_hours"]
            + len(answer["rejected"])
        )
        assert counted == len(batch)
        for rejection in answer["rejected"]:
            rec = batch[rejection["index"]]
            raw = lines[rejection["index"]]
            if as_ndjson:  # kept as the line's bytes, read back as UTF-8
                raw = raw.encode("utf-8", "surrogatepass").decode("utf-8", "replace").strip()
            raw = ingest.storable_text(raw)
            expected_raw.add(hashlib.sha256(raw.encode("utf-8")).hexdigest())
            match = _FIELD_RE.match(rejection["error"])
            assert match, rejection
            kind = rec.get("type") if isinstance(rec, dict) else None
            kind = kind if isinstance(kind, str) else None
            known = set(contract.RECORD_FIELDS.get(kind, ())) | {"record", "type"}
            assert match.group(1) in known, (rejection, kind)

    send()
    stored_raw = {q["raw_sha256"] for q in ingest.list_quarantine(engine)} - quarantine_before
    quarantined = len(stored_raw)
    print(
        f"\nfuzz ({engine.dialect.name}): {totals['records']} records: "
        f"{totals['stored']} stored, {totals['duplicates']} duplicates, "
        f"{totals['dropped']} dropped off-hours, {totals['quarantined']} quarantined "
        f"({quarantined} quarantine rows), {totals['server_errors']} server errors"
    )
    assert totals["server_errors"] == 0
    assert totals["records"] >= EXAMPLES * BATCH[0]
    # Every rejected record is in the quarantine, raw, as sent.
    assert stored_raw == expected_raw
    assert totals["stored"] > 0 and totals["quarantined"] > 0

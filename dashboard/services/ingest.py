"""Ingest: the one validation and storage path behind both doors (HTTP and the CLI).

A batch is applied in one transaction: shape checks (``dashboard.contract``), then reference checks
against stored and same-batch master data in dependency order, the privacy rule, upserts of master
records, insert-once of event records, and the quarantine of every rejected record, raw.
"""

from __future__ import annotations

import gc
import hashlib
import json
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dashboard import contract
from dashboard import sop as sop_core
from dashboard.contract.wire import MAX_BODY_DEPTH, WireItem, items_from_values
from dashboard.geo import haversine_m
from dashboard.services.db import DatabaseUnavailable, is_unavailable_error
from dashboard.services.org import keep_admin_edits
from data_access import customers as customer_store
from data_access import grades as grade_store
from data_access import records as store
from data_access import schema
from data_access import sop as sop_store

CLI_CHUNK_RECORDS = 20_000


@dataclass
class Rejection:
    index: int
    id: str | None
    error: str
    item: WireItem
    record_type: str | None = None


@dataclass
class IngestSummary:
    """The contract's response body, accumulated over one or more batches."""

    accepted: int = 0
    duplicates: int = 0
    dropped_off_hours: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: IngestSummary) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.dropped_off_hours += other.dropped_off_hours
        self.rejected.extend(other.rejected)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "dropped_off_hours": self.dropped_off_hours,
            "rejected": self.rejected,
        }


# ------------------------------------------------------------------ applying a batch


@dataclass
class _Batch:
    """Working state of one batch while it is checked and stored."""

    conn: Connection
    now: datetime
    # Where the batch came from ("api:<token name>", a file name, "demo"): the owner history's
    # ``changed_by`` for the ownership changes it makes.
    source: str = "ingest"
    valid: dict[str, list[tuple[WireItem, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # The valid gps fixes, kept apart as rows in contract.GPS_FIELDS order (the bulk of a
    # stream): gps_items[i] is the item of gps_rows[i], in arrival order.
    gps_items: list[WireItem] = field(default_factory=list)
    gps_rows: list[tuple[Any, ...]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    accepted_ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    summary: IngestSummary = field(default_factory=IngestSummary)
    # (rep_id, local date) whose rollups this batch changed.
    touched: set[tuple[str, Any]] = field(default_factory=set)

    def reject(self, item: WireItem, error: str, record_type: str | None = None) -> None:
        rid = item.value.get("id") if isinstance(item.value, dict) else None
        rid = rid if isinstance(rid, str) and len(rid) <= 200 else None
        if record_type is None and isinstance(item.value, dict):
            rt = item.value.get("type")
            record_type = rt if isinstance(rt, str) and len(rt) <= 32 else None
        self.rejections.append(Rejection(item.index, rid, error, item, record_type))

    def known(self, kind: str, ids: Iterable[str]) -> set[str]:
        """Return which ids of a master/visit type exist, stored or accepted in this batch."""
        wanted = {i for i in ids if i is not None}
        in_batch = wanted & self.accepted_ids[kind]
        rest = wanted - in_batch
        table = {**schema.MASTER_TABLES, **schema.EVENT_TABLES}[kind]
        return in_batch | (store.existing_ids(self.conn, table, rest) if rest else set())


def _check_refs(
    batch: _Batch,
    kind: str,
    refs: Sequence[tuple[str, str, bool]],
) -> list[tuple[WireItem, dict[str, Any]]]:
    """Keep the records of ``kind`` whose references resolve; reject the others.

    ``refs`` lists (field, referenced type, is_list) for the record type.
    """
    entries = batch.valid.get(kind, [])
    known: dict[str, set[str]] = {}
    for fld, ref_kind, is_list in refs:
        ids: set[str] = set()
        for _item, rec in entries:
            value = rec[fld]
            if is_list:
                ids.update(value)
            elif value is not None:
                ids.add(value)
        known[fld] = batch.known(ref_kind, ids)
    kept = []
    for item, rec in entries:
        error = None
        for fld, ref_kind, is_list in refs:
            values = rec[fld] if is_list else [rec[fld]]
            for pos, value in enumerate(values):
                if value is not None and value not in known[fld]:
                    where = f"{fld}[{pos}]" if is_list else fld
                    error = f"{where}: unknown {ref_kind} {value!r}"
                    break
            if error:
                break
        if error:
            batch.reject(item, error, kind)
        else:
            kept.append((item, rec))
    return kept


_MASTER_REFS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "region": (),
    "team": (("region_id", "region", False),),
    "rep": (("team_id", "team", False),),
    "customer": (("owner_rep_id", "rep", False),),
    "sop_template": (),
    "plan": (("rep_id", "rep", False), ("customer_ids", "customer", True)),
}


def _apply_masters(batch: _Batch) -> None:
    for kind in contract.MASTER_TYPES:
        kept = _check_refs(batch, kind, _MASTER_REFS[kind])
        if not kept:
            continue
        if kind == "customer":
            _derive_customer_regions(batch, kept)
        # The newest arrival wins, also inside one batch.
        latest: dict[str, dict[str, Any]] = {}
        for _item, rec in kept:
            rec["updated_at"] = batch.now
            latest[rec["id"]] = rec
        rows = list(latest.values())
        if kind == "sop_template":
            # Every revision counts, in arrival order (a batch may carry a template's history).
            _apply_templates(batch, [rec for _item, rec in kept])
            batch.accepted_ids[kind].update(latest)
            batch.summary.accepted += len(kept)
            continue
        insert_only: tuple[str, ...] = ()
        if kind == "customer":
            _record_owner_changes(batch, rows)
            _record_grade_changes(batch, rows)
            insert_only = ("first_seen",)
        # An admin's edit on /admin stays until the field app sends a different value.
        rows = keep_admin_edits(
            batch.conn, kind, rows, now=batch.now, source=storable_text(batch.source)
        )
        store.upsert_rows(batch.conn, schema.MASTER_TABLES[kind], rows, insert_only=insert_only)
        if kind == "plan":
            store.replace_plan_items(batch.conn, rows)
            batch.touched.update((p["rep_id"], p["date"]) for p in rows)
        elif kind in ("rep", "team"):
            # A rep or team that moved takes its customers to the new region.
            key = "rep_ids" if kind == "rep" else "team_ids"
            store.rederive_customer_regions(batch.conn, **{key: list(latest)})
        batch.accepted_ids[kind].update(latest)
        batch.summary.accepted += len(kept)


def _apply_templates(batch: _Batch, rows: list[dict[str, Any]]) -> None:
    """Contract §7: a template whose steps differ from the version in force at its
    ``valid_from`` (else the newest version) is stored as a new version, in force from that
    ``valid_from`` (else from now); the same steps are no new version, so a re-sent template (or
    a re-sent history of revisions) changes nothing but the name. Visits from the new version's
    ``valid_from`` on use it (their rep-days are judged again)."""
    versions = sop_store.fetch_versions(batch.conn, {rec["id"] for rec in rows})
    changed = set()
    for rec in rows:
        steps = sop_core.normalize_steps(rec["steps"])
        history = versions.setdefault(rec["id"], [])
        valid_from = rec.get("valid_from")
        current = history[-1] if history else None
        if history and valid_from is not None:
            number = sop_core.version_in_force(
                [(h["version"], h["valid_from"]) for h in history], valid_from
            )
            current = next(h for h in history if h["version"] == number)
        if current is not None and sop_core.same_steps(current["steps"], steps):
            if history[-1]["name"] != rec["name"]:
                sop_store.rename_template(
                    batch.conn, template_id=rec["id"], name=rec["name"], now=batch.now
                )
                history[-1]["name"] = rec["name"]
            continue
        valid_from = valid_from or batch.now
        number = sop_store.add_version(
            batch.conn,
            template_id=rec["id"],
            name=rec["name"],
            steps=steps,
            valid_from=valid_from,
            now=batch.now,
            source="ingest",
            created_by=batch.source,
        )
        history.append(
            {"version": number, "name": rec["name"], "steps": steps, "valid_from": valid_from}
        )
        changed.add(rec["id"])
    if changed:
        batch.touched |= sop_store.assign_visit_versions(batch.conn, changed)


def _derive_customer_regions(batch: _Batch, kept: list[tuple[WireItem, dict[str, Any]]]) -> None:
    owners = {rec["owner_rep_id"] for _item, rec in kept if rec["owner_rep_id"]}
    context = store.fetch_rep_context(batch.conn, owners)
    for _item, rec in kept:
        owner = context.get(rec["owner_rep_id"]) if rec["owner_rep_id"] else None
        rec["region_id"] = owner["region_id"] if owner else None


def _record_owner_changes(batch: _Batch, rows: list[dict[str, Any]]) -> None:
    """Write the owner history of the batch's customers (contract §5): a stored customer whose
    owner_rep_id changes gets one row (source "ingest", by the batch's source); a new customer
    with an owner gets one row from None, so the history says since when it is owned. Only the
    net change of a batch is written (several records of one customer: stored → newest).

    A customer that loses its owner keeps the region it had (``region_id``), so the orphan
    stays visible to that region's managers.
    """
    stored = store.fetch_customer_owners(batch.conn, [rec["id"] for rec in rows])
    today = batch.now.astimezone(UTC).date()
    history = []
    for rec in rows:
        rec["first_seen"] = today  # kept from the first insert by the upsert
        before = stored.get(rec["id"])
        old_owner = before["owner_rep_id"] if before else None
        if before is not None and rec["owner_rep_id"] is None and rec["region_id"] is None:
            rec["region_id"] = before["region_id"]
        if rec["owner_rep_id"] == old_owner:
            continue
        history.append(
            {
                "customer_id": rec["id"],
                "from_rep_id": old_owner,
                "to_rep_id": rec["owner_rep_id"],
                "changed_at": batch.now,
                "changed_by": storable_text(batch.source[:64]),
                "reason": "new customer" if before is None else "owner_rep_id changed by ingest",
                "source": "ingest",
            }
        )
    store.add_owner_history(batch.conn, history)


def _record_grade_changes(batch: _Batch, rows: list[dict[str, Any]]) -> None:
    """Write the grade history of the batch's stored customers whose grade changes (contract
    §5; source "ingest", by the batch's source): the net change of the batch, as for owners."""
    stored = grade_store.fetch_customer_grades(batch.conn, [rec["id"] for rec in rows])
    grade_store.add_grade_history(
        batch.conn,
        [
            {
                "customer_id": rec["id"],
                "old_grade": stored[rec["id"]],
                "new_grade": rec["grade"],
                "changed_at": batch.now,
                "changed_by": storable_text(batch.source[:64]),
                "reason": "grade changed by ingest",
                "source": "ingest",
            }
            for rec in rows
            if rec["id"] in stored and stored[rec["id"]] != rec["grade"]
        ],
    )


def _store_events(
    batch: _Batch, kind: str, rows: Sequence[Any], *, columns: Sequence[str] | None = None
) -> int:
    """Insert-once; return how many rows were new.

    ``rows`` are dicts by column name, or, with ``columns``, tuples in that order.
    """
    if not rows:
        return 0
    table = schema.EVENT_TABLES[kind]
    inserted = store.insert_new_rows(batch.conn, table, rows, columns=columns)
    batch.summary.accepted += inserted
    batch.summary.duplicates += len(rows) - inserted
    if columns is None:
        batch.accepted_ids[kind].update(row["id"] for row in rows)
    else:
        key = list(columns).index("id")
        batch.accepted_ids[kind].update(row[key] for row in rows)
    return inserted


def _apply_events(batch: _Batch) -> None:
    now = batch.now
    rep_ids: set[str] = {row[1] for row in batch.gps_rows}
    for kind in ("device_event", "check_in", "expense"):
        rep_ids.update(rec["rep_id"] for _item, rec in batch.valid.get(kind, []))
    reps = store.fetch_rep_context(batch.conn, rep_ids)

    def with_rep(kind: str) -> list[tuple[WireItem, dict[str, Any], Any]]:
        out = []
        for item, rec in batch.valid.get(kind, []):
            rep = reps.get(rec["rep_id"])
            if rep is None:
                batch.reject(item, f"rep_id: unknown rep {rec['rep_id']!r}", kind)
            else:
                out.append((item, rec, rep))
        return out

    # check_in first: the visit records below may reference visits of this batch.
    batch.valid["check_in"] = [(i, r) for i, r, _ in with_rep("check_in")]
    check_ins = _check_refs(
        batch,
        "check_in",
        (("customer_id", "customer", False), ("sop_template_id", "sop_template", False)),
    )
    rows = []
    places = store.fetch_customer_geo(batch.conn, {rec["customer_id"] for _i, rec in check_ins})
    versions = sop_store.fetch_versions(
        batch.conn, {rec["sop_template_id"] for _i, rec in check_ins if rec["sop_template_id"]}
    )
    for _item, rec in check_ins:
        rep = reps[rec["rep_id"]]
        rec["local_date"] = contract.local_date(rec["ts"], rep["timezone"])
        place = places[rec["customer_id"]]
        rec["checkin_distance_m"] = haversine_m(rec["lat"], rec["lon"], place["lat"], place["lon"])
        rec["geofence_limit_m"] = contract.geofence_limit_m(place["geofence_m"], rec["accuracy_m"])
        rec["checked_out_at"] = rec["dwell_s"] = None
        # Contract §7: the visit is judged against the template version in force at its check-in.
        history = versions.get(rec["sop_template_id"] or "", [])
        rec["sop_version"] = sop_core.version_in_force(
            [(h["version"], h["valid_from"]) for h in history], rec["ts"]
        )
        rec["received_at"] = now
        rows.append(rec)
    if _store_events(batch, "check_in", rows):
        batch.touched.update((rec["rep_id"], rec["local_date"]) for rec in rows)

    rows = []
    event_days = set()
    for _item, rec, rep in with_rep("device_event"):
        rec["received_at"] = now
        rows.append(rec)
        event_days.add((rec["rep_id"], contract.local_date(rec["ts"], rep["timezone"])))
    if _store_events(batch, "device_event", rows):
        # The judge re-judges touched rep-days (MOCK_LOCATION, SIGNAL_GAP reasons, devices).
        batch.touched |= event_days

    _apply_fixes(batch, reps)

    _apply_visit_records(batch)

    expenses = [(i, r) for i, r, _ in with_rep("expense")]
    batch.valid["expense"] = expenses
    rows = []
    base_seq = int(now.timestamp() * 1000) * 1_000_000
    for item, rec in _check_refs(batch, "expense", (("customer_id", "customer", False),)):
        rec["received_at"] = now
        rec["arrival_seq"] = base_seq + item.index
        rows.append(rec)
    if _store_events(batch, "expense", rows):
        batch.touched.update((rec["rep_id"], rec["date"]) for rec in rows)


_GPS_COLUMNS = (*contract.GPS_FIELDS, "received_at")


def _apply_fixes(batch: _Batch, reps: dict[str, Any]) -> None:
    """The privacy rule, then insert-once of the gps fixes."""
    windows = {
        rep_id: (
            contract.zone(rep["timezone"]),
            *contract.work_hours_window(rep["work_start"], rep["work_end"]),
        )
        for rep_id, rep in reps.items()
    }
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    received = (batch.now,)
    dropped = 0
    touched: set[tuple[str, Any]] = set()  # of the fixes
    add_touched = touched.add
    for item, row in zip(batch.gps_items, batch.gps_rows, strict=True):
        rep_id = row[1]
        window = windows.get(rep_id)
        if window is None:
            batch.reject(item, f"rep_id: unknown rep {rep_id!r}", "gps")
            continue
        tz, low, high = window
        local = row[3].astimezone(tz)
        if not low <= local.time() <= high:
            dropped += 1
            continue
        add_touched((rep_id, local.date()))
        append(row + received)
    batch.summary.dropped_off_hours += dropped
    if _store_events(batch, "gps", rows, columns=_GPS_COLUMNS):
        # A re-send made only of duplicates leaves the rollups (and their versions) alone.
        batch.touched |= touched


def _apply_visit_records(batch: _Batch) -> None:
    """check_out, sop_step, photo and order: each references a visit."""
    kinds = ("check_out", "sop_step", "photo", "order")
    visit_ids = {rec["visit_id"] for k in kinds for _i, rec in batch.valid.get(k, [])}
    if not visit_ids:
        return
    # Check-ins of this batch are already stored, so one look-up finds them too.
    visits = store.fetch_visit_context(batch.conn, visit_ids)
    template_ids = {v["sop_template_id"] for v in visits.values() if v["sop_template_id"]}
    # A step is checked against the version the visit uses (contract §7).
    templates = {
        (tid, ver["version"]): ver["steps"]
        for tid, history in sop_store.fetch_versions(batch.conn, template_ids).items()
        for ver in history
    }
    for kind in kinds:
        rows = []
        for item, rec in batch.valid.get(kind, []):
            visit = visits.get(rec["visit_id"])
            if visit is None:
                batch.reject(item, f"visit_id: unknown visit {rec['visit_id']!r}", kind)
                continue
            error = _visit_record_error(kind, rec, visit, templates)
            if error:
                batch.reject(item, error, kind)
                continue
            rec["received_at"] = batch.now
            rows.append(rec)
        if _store_events(batch, kind, rows):
            batch.touched.update(
                (visits[rec["visit_id"]]["rep_id"], visits[rec["visit_id"]]["local_date"])
                for rec in rows
            )
        if kind == "check_out" and rows:
            store.refresh_checkout_times(batch.conn, {rec["visit_id"] for rec in rows})
            # A check-out makes a visit effective, or (an earlier one) no longer effective.
            customer_store.refresh_last_effective_visits(
                batch.conn, {visits[rec["visit_id"]]["customer_id"] for rec in rows}
            )


def _visit_record_error(
    kind: str, rec: dict[str, Any], visit: Any, templates: dict[tuple[str, int], list[Any]]
) -> str | None:
    if kind == "check_out" and rec["ts"] < visit["ts"]:
        return (
            f"ts: check-out at {rec['ts'].isoformat()} is before its check-in at "
            f"{visit['ts'].isoformat()}"
        )
    if kind == "sop_step" and visit["sop_template_id"]:
        steps = templates.get((visit["sop_template_id"], visit["sop_version"]), [])
        codes = [s["code"] for s in steps]
        if rec["step"] not in codes:
            return (
                f"step: {rec['step']!r} is not a step of SOP template "
                f"{visit['sop_template_id']!r} version {visit['sop_version']} ({', '.join(codes)})"
            )
    return None


def _validate_items(batch: _Batch, items: Sequence[WireItem]) -> None:
    validate = contract.validate_record
    valid = batch.valid
    # The bulk of any real stream, well-formed fixes, takes the short road, all in one call.
    fast_items = [
        item
        for item in items
        if type(item.value) is dict
        and item.value.get("type") == "gps"
        and item.raw_format == "json"
    ]
    fast_rows = contract.fast_gps_rows([item.value for item in fast_items])
    if None in fast_rows:
        passed = [(item, row) for item, row in zip(fast_items, fast_rows, strict=True) if row]
        batch.gps_items = [item for item, _row in passed]
        batch.gps_rows = [row for _item, row in passed]
    else:
        batch.gps_items, batch.gps_rows = fast_items, fast_rows  # type: ignore[assignment]
    if len(batch.gps_items) == len(items):
        return
    fast = {id(item) for item in batch.gps_items}  # the items that took the short road
    slow_gps: list[tuple[WireItem, tuple[Any, ...]]] = []
    as_row = _gps_row
    for item in items:
        if id(item) in fast:
            continue
        if item.parse_error:
            batch.reject(item, item.parse_error)
            continue
        if contract.nesting_depth(item.value, MAX_BODY_DEPTH) > MAX_BODY_DEPTH:
            batch.reject(item, f"record: nests deeper than {MAX_BODY_DEPTH} levels")
            continue
        try:
            rec = validate(item.value, from_text=item.raw_format == "csv")
        except contract.RecordError as exc:
            batch.reject(item, str(exc))
        else:
            if rec.type == "gps":
                slow_gps.append((item, as_row(rec.fields)))
            else:
                valid[rec.type].append((item, rec.fields))
    if slow_gps:
        # Back into arrival order: the first arrival of an id is the one stored.
        position = {id(item): n for n, item in enumerate(items)}
        merged = sorted(
            [*zip(batch.gps_items, batch.gps_rows, strict=True), *slow_gps],
            key=lambda pair: position[id(pair[0])],
        )
        batch.gps_items = [item for item, _row in merged]
        batch.gps_rows = [row for _item, row in merged]


_gps_row = operator.itemgetter(*contract.GPS_FIELDS)


def _prepare(items: Sequence[WireItem], now: datetime) -> _Batch:
    """The checks of a batch that need no database: each record's shape (pure)."""
    batch = _Batch(conn=None, now=now)  # type: ignore[arg-type]
    _validate_items(batch, items)
    return batch


def _apply_prepared(conn: Connection, batch: _Batch) -> _Batch:
    """References, the privacy rule and the writes of a prepared batch, in ``conn``."""
    batch.conn = conn
    _apply_masters(batch)
    _apply_events(batch)
    store.mark_rep_days_dirty(conn, batch.touched)
    batch.rejections.sort(key=lambda r: r.index)
    batch.summary.rejected = [
        {"index": r.index, "id": r.id, "error": r.error} for r in batch.rejections
    ]
    return batch


def storable_text(text: str | None) -> str | None:
    """Text every backend can store: NUL written as the JSON escape ``\\u0000`` (PostgreSQL
    refuses NUL in text) and lone surrogates as ``\\udXXX`` escapes (they are not UTF-8)."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\u0000")


def _quarantine_rows(batch: _Batch, source: str) -> list[dict[str, Any]]:
    rows = []
    for rej in batch.rejections:
        raw = storable_text(rej.item.raw_text()) or ""
        rows.append(
            {
                "received_at": batch.now,
                "source": storable_text(source[:200]),
                "record_type": storable_text(rej.record_type),
                "record_id": storable_text(rej.id),
                "raw": raw,
                "raw_sha256": hashlib.sha256(raw.encode("utf-8")).hexdigest(),
                "raw_format": rej.item.raw_format,
                "error": storable_text(rej.error),
                "status": "open",
                "attempts": 1,
            }
        )
    return rows


def _run_in_transaction(engine: Engine, work: Callable[[Connection], Any]) -> Any:
    try:
        with engine.begin() as conn:
            return work(conn)
    except sa.exc.DBAPIError as exc:
        if is_unavailable_error(exc):
            raise DatabaseUnavailable(str(exc.orig or exc)) from exc
        raise


def ingest_items(
    engine: Engine, items: Sequence[WireItem], *, source: str, now: datetime
) -> IngestSummary:
    """Apply one batch in one transaction; quarantine its rejections; return the summary."""
    return _store_prepared(engine, _prepare(items, now), source)


def _store_prepared(engine: Engine, batch: _Batch, source: str) -> IngestSummary:
    """Apply a prepared batch in one transaction; quarantine its rejections; return the summary."""

    def work(conn: Connection) -> IngestSummary:
        batch.source = source
        _apply_prepared(conn, batch)
        store.add_quarantine(conn, _quarantine_rows(batch, source))
        s = batch.summary
        store.record_batch(
            conn,
            received_at=batch.now,
            source=source[:200],
            accepted=s.accepted,
            duplicates=s.duplicates,
            rejected=len(s.rejected),
            dropped_off_hours=s.dropped_off_hours,
        )
        return s

    return _run_in_transaction(engine, work)


def ingest_values(
    engine: Engine, values: Sequence[Any], *, source: str, now: datetime
) -> IngestSummary:
    """Ingest already-parsed wire records."""
    return ingest_items(engine, items_from_values(values), source=source, now=now)


def _chunks_of(items: Iterable[WireItem], size: int) -> Iterator[list[WireItem]]:
    buffer: list[WireItem] = []
    for item in items:
        buffer.append(item)
        if len(buffer) >= size:
            yield buffer
            buffer = []
    if buffer:
        yield buffer


def ingest_stream(
    engine: Engine,
    items: Iterable[WireItem],
    *,
    source: str,
    now: Callable[[], datetime],
    chunk: int = CLI_CHUNK_RECORDS,
) -> IngestSummary:
    """Ingest a long stream in chunks of one transaction each (the CLI path).

    On PostgreSQL the chunks overlap: while one chunk is written by a worker thread (mostly
    waiting for the server), the next one is read and checked. Chunks are still applied one at
    a time and in order, each in its own transaction, exactly as without the overlap.
    """
    total = IngestSummary()
    # Parsing makes millions of small acyclic objects; the cyclic collector only slows it down
    # (measured 12-20 % of a long ingest). Memory stays bounded by the chunk size.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        chunks = _chunks_of(items, chunk)
        if engine.dialect.name != "postgresql":
            # SQLite works in this process: a thread would only contend for the GIL.
            for buffer in chunks:
                total.add(ingest_items(engine, buffer, source=source, now=now()))
            return total
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
            pending: Future[IngestSummary] | None = None
            for buffer in chunks:
                batch = _prepare(buffer, now())
                if pending is not None:
                    total.add(pending.result())
                pending = writer.submit(_store_prepared, engine, batch, source)
            if pending is not None:
                total.add(pending.result())
    finally:
        if was_enabled:
            gc.enable()
    return total


# ------------------------------------------------------------------ quarantine


def list_quarantine(engine: Engine, *, status: str | None = "open", limit: int | None = None):
    """Return quarantined records (oldest first)."""
    with engine.connect() as conn:
        return store.list_quarantine(conn, status=status, limit=limit)


def retry_quarantine(
    engine: Engine, *, now: datetime, ids: Sequence[int] | None = None
) -> IngestSummary:
    """Re-submit open quarantined records; resolve those now accepted, note why others fail.

    Indexes and ids in the returned summary's rejections are quarantine entry ids.
    """

    def work(conn: Connection) -> IngestSummary:
        entries = store.list_quarantine(conn, status="open")
        if ids is not None:
            wanted = set(ids)
            entries = [e for e in entries if e["id"] in wanted]
        items = []
        for entry in entries:
            try:
                value = json.loads(entry["raw"])
                error = None
            except ValueError as exc:
                value, error = None, f"record: not valid JSON ({exc})"
            items.append(WireItem(entry["id"], value, entry["raw"], entry["raw_format"], error))
        batch = _prepare(items, now)
        batch.source = "quarantine retry"
        _apply_prepared(conn, batch)
        failed = {r.index: r.error for r in batch.rejections}
        store.resolve_quarantine(conn, [e["id"] for e in entries if e["id"] not in failed], now=now)
        for entry_id, error in failed.items():
            store.note_quarantine_failure(conn, entry_id, error=error)
        return batch.summary

    return _run_in_transaction(engine, work)


def count_stored(engine: Engine) -> dict[str, int]:
    """Return how many records of each type are stored."""
    with engine.connect() as conn:
        return store.count_rows(conn)

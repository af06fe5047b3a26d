"""The judge's imperative shell: read a set of rep-days in bulk, run the pure rules, store alerts
and expense flags idempotently.

- ``detect(engine, date_from, date_to)`` re-judges every rep-day of the period.
- ``detect_pending(engine)`` re-judges the rep-days changed since they were last judged (ingest
  bumps ``rep_days.version``), plus the rep-days a change can affect through the cross-day rules:
  the day before when it has a hotel claim (HOTEL_CITY_MISMATCH looks at the next day), the
  other reps of a touched rep's devices (DEVICE_SHARED), the later visits whose photos match a
  new photo (PHOTO_REUSE), and the claims sharing a receipt (DUPLICATE_RECEIPT).
  FRAUD_DAY_CLAIM is judged after the same day's alerts.

Ids are deterministic (rule + subject). A stored alert or flag is rewritten only when its content
changed, keeps its status and assignee, and is withdrawn (deleted, with a status event saying
why) when its condition vanished only while it is still ``open``; a triaged one stays, with one
note per judge version. A second run changes nothing. A rep-day judged under an older
``JUDGE_VERSION`` is judged again (``dashboard.services.versions``).
"""

from __future__ import annotations

import math
import threading
import time as clock
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from dashboard import contract, tracks
from dashboard.rules import (
    CUSTOMER_RULES,
    JUDGE_REVISIONS,
    JUDGE_VERSION,
    Alert,
    AuthenticityConfig,
    Flag,
)
from dashboard.rules import authenticity as auth
from dashboard.rules import expenses as exp
from dashboard.rules.sop import SopVisit, find_sop_incomplete
from dashboard.services import failures, retention, versions
from dashboard.services import settings as rule_settings
from dashboard.sop import StepRecord
from data_access import changes, schema
from data_access import failures as failure_store
from data_access import judge as store
from data_access import sop as sop_store

_BATCH_REP_DAYS = 2000


@dataclass
class DetectResult:
    rep_days: int = 0
    alerts_written: int = 0
    alerts_deleted: int = 0
    flags_written: int = 0
    flags_deleted: int = 0
    seconds: float = 0.0

    def add(self, other: DetectResult) -> None:
        for name in (
            "rep_days",
            "alerts_written",
            "alerts_deleted",
            "flags_written",
            "flags_deleted",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "seconds": round(self.seconds, 3)}


Pair = tuple[str, date]


def detect(
    engine: Engine, date_from: date | None = None, date_to: date | None = None, *, now: datetime
) -> DetectResult:
    """Judge every rep-day of the period (all when no bounds are given)."""
    started = clock.perf_counter()
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValueError(f"from: {date_from} is after to: {date_to}")
    versions.catch_up_judge(engine)
    with engine.connect() as conn:
        rows = store.fetch_rep_days(conn, date_from=date_from, date_to=date_to)
    pairs = {(r["rep_id"], r["local_date"]): r["version"] for r in rows}
    result = DetectResult()
    configs = rule_settings.load_all(engine)
    photos = _photo_cache(engine)
    # Whole dates per batch: DEVICE_SHARED compares the reps of one date.
    chunk: dict[Pair, int | None] = {}
    last_day = None
    with photos.lock:
        for key in sorted(pairs, key=lambda p: (p[1], p[0])):
            if len(chunk) >= _BATCH_REP_DAYS and key[1] != last_day:
                result.add(_judge_isolated(engine, chunk, configs, photos, now=now))
                chunk = {}
            chunk[key] = pairs[key]
            last_day = key[1]
        result.add(_judge_isolated(engine, chunk, configs, photos, now=now))
    result.seconds = clock.perf_counter() - started
    return result


def detect_pending(
    engine: Engine,
    *,
    now: datetime,
    batch: int = _BATCH_REP_DAYS,
    between_rounds: Callable[[], object] | None = None,
    turn: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> DetectResult:
    """Judge the rep-days changed since they were last judged, and those the changes affect,
    ``batch`` at a time; ``between_rounds`` runs after each round (the background pass
    refreshes the rollups there, so they need not wait for a long backlog to be judged), and
    each round's judging runs inside ``turn()`` (the background pass: a turn of the host's
    background work, ``priority.background_turn``, which COCKPIT_BULK_DUTY may pace)."""
    started = clock.perf_counter()
    result = DetectResult()
    versions.catch_up_judge(engine)
    configs = rule_settings.load_all(engine)
    photos = _photo_cache(engine)
    for _round in range(1000):
        with engine.connect() as conn:
            rows = store.fetch_unjudged_rep_days(conn, limit=batch)
        if not rows:
            break
        touched = {(r["rep_id"], r["local_date"]): r["version"] for r in rows}
        with turn(), photos.lock:
            result.add(_judge_isolated(engine, touched, configs, photos, now=now, expand=True))
        if between_rounds is not None:
            between_rounds()
    result.seconds = clock.perf_counter() - started
    return result


def _judge_isolated(
    engine: Engine,
    pairs: dict[Pair, int | None],
    configs: rule_settings.Thresholds,
    photos: _PhotoCache,
    *,
    now: datetime,
    expand: bool = False,
) -> DetectResult:
    """``_judge`` (after ``_affected`` when ``expand``), with a rep-day that raises set aside:
    marked judged at its version with the error stored, so every other rep-day is judged."""

    def run(part) -> DetectResult:
        sub = dict(part)
        if expand:
            sub = _affected(engine, sub, configs[0], photos)
        return _judge(engine, sub, configs, photos, now=now)

    def run_alone(part) -> DetectResult:
        return _judge(engine, dict(part), configs, photos, now=now)

    results, failed = failures.isolate(
        list(pairs.items()),
        run,
        stage="judge",
        key=lambda item: (item[0][0], item[0][1], item[1]),
        retry=run_alone if expand else None,
    )
    result = DetectResult()
    for part in results:
        result.add(part)
    bad = {(f["rep_id"], f["local_date"]) for f in failed}
    with engine.begin() as conn:
        failure_store.clear_failures(conn, "judge", [p for p in pairs if p not in bad])
        if failed:
            store.mark_judged(conn, {p: v for p, v in pairs.items() if p in bad and v is not None})
            failure_store.record_failures(conn, "judge", failed, now=now)
    return result


# ------------------------------------------------------------------ what a change can affect


class _PhotoCache:
    """Every stored photo's hashes in a multi-index, kept by this process between judge runs.

    Building the index reads every photo (2.9 s per pass at 153,000 photos), so it is built once
    per process and database and brought up to date at each ``get``: nothing is read while the
    photos table's change stamp (``data_access.changes``) stands still; otherwise the photos
    received since the last look (less a margin, for batches that committed late) are added,
    and when the count still differs from the table's, the ids are compared and the missing
    photos added, or the index rebuilt when a photo is gone. A stamp that goes back (a restore)
    rebuilds it too. ``refresh`` adds the photos of the visits about to be judged, committed
    after the last ``get``. Judge runs of one process hold ``lock`` (the index is shared).
    """

    # Photos received this long before the newest one seen are read again at each look.
    MARGIN = timedelta(minutes=2)

    def __init__(self) -> None:
        self.index: auth.PhotoIndex | None = None
        self.lock = threading.RLock()
        self._stamp = -1
        self._newest: datetime | None = None
        self._shared: dict[Any, Any] = {}
        self.used = clock.monotonic()

    def get(self, engine: Engine, max_hamming: int) -> auth.PhotoIndex:
        self.used = clock.monotonic()
        with self.lock, engine.connect() as conn:
            stamp = changes.table_stamp(conn, schema.photos.name)
            if self.index is None or stamp < self._stamp:
                self._rebuild(conn, max_hamming)
            elif stamp != self._stamp:
                self._catch_up(conn)
            self._stamp = stamp
            if self.index.max_hamming != max_hamming:
                self.index = auth.PhotoIndex(self.index.items(), max_hamming)
            return self.index

    def _rebuild(self, conn, max_hamming: int) -> None:
        _count, self._newest = store.photo_census(conn)
        rows = store.fetch_photo_hashes(conn)
        self._shared = {}
        self.index = auth.PhotoIndex((_indexed(r, self._shared) for r in rows), max_hamming)

    def _catch_up(self, conn) -> None:
        assert self.index is not None
        if self._newest is not None:
            for row in store.fetch_photo_hashes_since(conn, self._newest - self.MARGIN):
                self.index.add(_indexed(row, self._shared))
        count, newest = store.photo_census(conn)
        if count != len(self.index.photos):
            ids, known = store.fetch_photo_ids(conn), set(self.index.photos)
            if known - ids:
                self._rebuild(conn, self.index.max_hamming)
                return
            missing = ids - known
            for row in store.fetch_photo_hashes_by_id(conn, sorted(missing)):
                self.index.add(_indexed(row, self._shared))
        if newest is not None and (self._newest is None or newest > self._newest):
            self._newest = newest

    def refresh(self, engine: Engine, visit_ids: Iterable[str]) -> None:
        """Add the photos of the visits about to be judged (stored since the last ``get``)."""
        if self.index is None:
            return
        with self.lock, engine.connect() as conn:
            fresh = store.fetch_photo_hashes_of(conn, list(visit_ids))
            for row in fresh:
                self.index.add(_indexed(row, self._shared))


_photo_caches: dict[str, _PhotoCache] = {}
_photo_caches_lock = threading.Lock()


def _photo_cache(engine: Engine) -> _PhotoCache:
    """This process's photo index of the database ``engine`` points at."""
    key = engine.url.render_as_string(hide_password=False)
    with _photo_caches_lock:
        cache = _photo_caches.get(key)
        if cache is None:
            cache = _photo_caches[key] = _PhotoCache()
        return cache


def clear_photo_cache() -> None:
    """Forget every kept photo index (tests that empty a database between them)."""
    with _photo_caches_lock:
        _photo_caches.clear()


def release_idle_photo_caches(idle_seconds: float) -> int:
    """Forget the photo indexes no judge run used for ``idle_seconds`` (their memory goes back
    while nothing is judged; the next run builds the index again); return how many."""
    cutoff = clock.monotonic() - idle_seconds
    with _photo_caches_lock:
        idle = [key for key, cache in _photo_caches.items() if cache.used < cutoff]
        for key in idle:
            del _photo_caches[key]
    return len(idle)


def _indexed(row: Mapping[str, Any], shared: dict[Any, Any] | None = None) -> auth.IndexedPhoto:
    """An index entry of a photo row; ``shared`` keeps one copy of each visit, rep, customer
    and date among the entries (the index is kept per process: a third of its memory)."""

    def one(value: Any) -> Any:
        return value if shared is None else shared.setdefault(value, value)

    return auth.IndexedPhoto(
        row["id"],
        one(row["visit_id"]),
        one(row["rep_id"]),
        one(row["customer_id"]),
        row["visit_t_s"],
        one(row["local_date"]),
        row["sha256"],
        auth.phash_value(row["phash"]),
    )


def _affected(
    engine: Engine, touched: dict[Pair, int], config: AuthenticityConfig, photos: _PhotoCache
) -> dict[Pair, int | None]:
    pairs: dict[Pair, int | None] = dict(touched)
    extra: set[Pair] = set()
    by_date: dict[date, list[str]] = defaultdict(list)
    for rep, day in touched:
        by_date[day].append(rep)
    index = photos.get(engine, config.photo_max_hamming)
    with engine.connect() as conn:
        contexts = store.fetch_reps(conn, {rep for rep, _d in touched})
        for day, reps in by_date.items():
            # The day before, where it has a hotel claim: HOTEL_CITY_MISMATCH looks at the
            # check-ins of the day after the claim (no other rule reads the next day).
            before = day - timedelta(days=1)
            both = store.fetch_claims(conn, rep_ids=reps, dates=[before, day])
            extra.update(
                (c["rep_id"], before)
                for c in both
                if c["date"] == before and c["category"] == "hotel"
            )
            # Other reps of a device the touched reps used that day.
            start, end = _utc_bounds(day, {contexts[r]["timezone"] for r in reps if r in contexts})
            everyone = set(store.fetch_reps_on(conn, day))
            mine = store.fetch_device_uses(conn, start=start, end=end, rep_ids=reps)
            devices = sorted({dev for dev, _rep, _t in mine})
            uses = store.fetch_device_uses(conn, start=start, end=end, devices=devices)
            extra.update((rep, day) for _dev, rep, _t in uses if rep in everyone)
            # Claims sharing a receipt with a touched claim.
            claims = [c for c in both if c["date"] == day]
            receipts = {c["receipt_sha256"] for c in claims if c["receipt_sha256"]}
            if receipts:
                extra.update(
                    (c["rep_id"], c["date"]) for c in store.fetch_claims_by_receipt(conn, receipts)
                )
            # Later visits whose photos match a photo of a touched visit.
            visit_ids = [v["id"] for v in store.fetch_visits(conn, rep_ids=reps, dates=[day])]
            photos.refresh(engine, visit_ids)
            rows = store.fetch_photos(conn, visit_ids)
            mine = [index.photos[r["id"]] for r in rows if r["id"] in index.photos]
            for pid, found in index.matches_many(mine).items():
                p = index.photos[pid]
                extra.update((q.rep_id, q.local_date) for q, _h in found if q.order > p.order)
        versions = store.fetch_versions(conn, extra - set(pairs))
    for pair in extra:
        pairs.setdefault(pair, versions.get(pair))
    return pairs


def _utc_bounds(day: date, zones: Iterable[str]) -> tuple[datetime, datetime]:
    """The UTC instants covering the local day ``day`` in every one of ``zones``."""
    zones = set(zones) or {"Asia/Shanghai"}
    starts = [datetime.combine(day, time.min, tzinfo=contract.zone(z)) for z in zones]
    return min(starts), max(starts) + timedelta(days=1)


# ------------------------------------------------------------------ judging a set of rep-days


def _judge(
    engine: Engine,
    pairs: dict[Pair, int | None],
    configs: rule_settings.Thresholds,
    photos: _PhotoCache,
    *,
    now: datetime,
) -> DetectResult:
    auth_config, exp_config, track_config = configs
    result = DetectResult(rep_days=len(pairs))
    if not pairs:
        return result
    # Rep-days whose raw fixes were purged keep the alerts and flags judged on them.
    purged = retention.purged_pairs(engine, pairs)
    if purged:
        with engine.begin() as conn:
            store.mark_judged(
                conn, {p: v for p, v in pairs.items() if p in purged and v is not None}
            )
        pairs = {p: v for p, v in pairs.items() if p not in purged}
        if not pairs:
            return result
    by_date: dict[date, list[str]] = defaultdict(list)
    for rep, day in pairs:
        by_date[day].append(rep)
    index = photos.get(engine, auth_config.photo_max_hamming)
    with engine.connect() as conn:
        contexts = store.fetch_reps(conn, {rep for rep, _d in pairs})
    alerts: list[Alert] = []
    tracked_km: dict[Pair, float] = {}
    check_ins: list[exp.CheckIn] = []
    claims: list[exp.Claim] = []
    for day in sorted(by_date):
        reps = sorted(r for r in by_date[day] if r in contexts)
        if not reps:
            continue
        day_alerts, day_km, day_ins, day_claims = _judge_date(
            engine, day, reps, contexts, index, photos, auth_config, track_config
        )
        alerts += day_alerts
        tracked_km.update(day_km)
        check_ins += day_ins
        claims += day_claims

    with engine.begin() as conn:
        stored = store.fetch_alerts_for(conn, pairs, skip_rules=CUSTOMER_RULES)
        written, deleted = _sync(
            conn, schema.alerts, stored, [_alert_row(a, now) for a in alerts], now=now
        )
        result.alerts_written, result.alerts_deleted = written, deleted
        # FRAUD_DAY_CLAIM: the critical alerts now stored for these rep-days (triaged ones too).
        critical = store.fetch_critical_alert_ids(conn, pairs)
        receipts = {c.receipt_sha256 for c in claims if c.receipt_sha256}
        receipt_claims = [_claim(r) for r in store.fetch_claims_by_receipt(conn, receipts)]
        flags = exp.judge_claims(
            claims,
            check_ins=check_ins,
            tracked_km=tracked_km,
            critical_alerts=critical,
            receipt_claims=receipt_claims,
            config=exp_config,
        )
        stored_flags = store.fetch_flags_for(conn, pairs)
        written, deleted = _sync(
            conn, schema.expense_flags, stored_flags, [_flag_row(f, now) for f in flags], now=now
        )
        result.flags_written, result.flags_deleted = written, deleted
        store.mark_judged(conn, {p: v for p, v in pairs.items() if v is not None})
    return result


def _judge_date(
    engine: Engine,
    day: date,
    reps: list[str],
    contexts: Mapping[str, Mapping[str, Any]],
    index: auth.PhotoIndex,
    photos: _PhotoCache,
    config: AuthenticityConfig,
    track_config: tracks.TrackConfig,
):
    by_zone: dict[str, list[str]] = defaultdict(list)
    for rep in reps:
        by_zone[contexts[rep]["timezone"]].append(rep)
    fixes_by_rep: dict[str, auth.Fixes] = {}
    events_by_rep: dict[str, list[auth.DeviceEvent]] = defaultdict(list)
    with engine.connect() as conn:
        for zone_name, zone_reps in by_zone.items():
            start, end = _utc_bounds(day, [zone_name])
            fixes = store.fetch_fixes(conn, rep_ids=zone_reps, start=start, end=end)
            fixes_by_rep.update(_split_fixes(fixes))
            for e in store.fetch_device_events(conn, rep_ids=zone_reps, start=start, end=end):
                events_by_rep[e["rep_id"]].append(
                    auth.DeviceEvent(e["id"], e["t_s"], e["kind"], e["device_id"])
                )
        visits = store.fetch_visits(conn, rep_ids=reps, dates=[day, day + timedelta(days=1)])
        today = [v for v in visits if v["local_date"] == day]
        visit_ids = [v["id"] for v in today]
        outs = store.fetch_check_outs(conn, visit_ids)
        pics = store.fetch_photos(conn, visit_ids)
        customers = store.fetch_customers(conn, {v["customer_id"] for v in today})
        sop_rows = sop_store.fetch_visit_sop(conn, visit_ids, min_dwell_s=config.min_dwell_s)
        claim_rows = store.fetch_claims(conn, rep_ids=reps, dates=[day])
        mileage = {r["rep_id"] for r in claim_rows if r["category"] == "mileage"}
        rollup_km = store.fetch_clean_rollup_km(conn, day=day, rep_ids=mileage) if mileage else {}
        # DEVICE_SHARED: the other reps of the day (when only some are judged) are asked, once
        # the judged reps' own uses are known, for their uses of those devices.
        others = set(store.fetch_reps_on(conn, day)) - set(reps)

    photos.refresh(engine, visit_ids)
    outs_by_visit: dict[str, list[auth.CheckOut]] = defaultdict(list)
    for o in outs:
        outs_by_visit[o["visit_id"]].append(
            auth.CheckOut(o["id"], o["t_s"], o["lat"], o["lon"], o["accuracy_m"], o["mock"])
        )
    pics_by_visit: dict[str, list[auth.Photo]] = defaultdict(list)
    for p in pics:
        pics_by_visit[p["visit_id"]].append(
            auth.Photo(
                p["id"], p["visit_id"], p["taken_at_s"], p["sha256"], auth.phash_value(p["phash"])
            )
        )
    cust = {
        cid: auth.Customer(cid, c["name"], c["lat"], c["lon"], c["geofence_m"], c["city"])
        for cid, c in customers.items()
    }
    visits_by_rep: dict[str, list[auth.Visit]] = defaultdict(list)
    for v in today:
        visits_by_rep[v["rep_id"]].append(
            auth.Visit(
                v["id"],
                v["customer_id"],
                v["t_s"],
                v["lat"],
                v["lon"],
                v["accuracy_m"],
                v["mock"],
                v["device_id"],
                tuple(sorted(outs_by_visit.get(v["id"], ()), key=lambda c: (c.t_s, c.id))),
                tuple(sorted(pics_by_visit.get(v["id"], ()), key=lambda p: p.id)),
            )
        )
    claims = [_claim(r) for r in claim_rows]
    mileage_reps = {c.rep_id for c in claims if c.category == "mileage"}

    alerts: list[Alert] = []
    km: dict[Pair, float] = {}
    uses: list[auth.DeviceUse] = []
    for rep in reps:
        ctx = contexts[rep]
        tz = contract.zone(ctx["timezone"])
        work_start = datetime.combine(day, time.fromisoformat(ctx["work_start"]), tzinfo=tz)
        work_end = datetime.combine(day, time.fromisoformat(ctx["work_end"]), tzinfo=tz)
        rd = auth.RepDay(
            rep,
            day,
            work_start.timestamp(),
            work_end.timestamp(),
            fixes_by_rep.get(rep, auth.EMPTY_FIXES),
            tuple(sorted(events_by_rep.get(rep, ()), key=lambda e: (e.t_s, e.id))),
            tuple(sorted(visits_by_rep.get(rep, ()), key=lambda v: (v.t_s, v.id))),
            cust,
        )

        def hhmm(t_s: float, tz=tz) -> str:
            return datetime.fromtimestamp(t_s, tz).strftime("%H:%M")

        alerts += auth.judge_rep_day(rd, config, hhmm)
        _note_uses(uses, rd)
        if rep in mileage_reps:
            # The rollup keeps stored_km(analyze_day(...).km) of the day; recompute only when
            # it is stale, to the same metre.
            if rep in rollup_km:
                km[(rep, day)] = rollup_km[rep]
            else:
                f = rd.fixes
                km[(rep, day)] = tracks.stored_km(
                    tracks.analyze_day(f.t_s, f.lat, f.lon, f.accuracy_m, config=track_config).km
                )

    alerts += find_sop_incomplete(_sop_visits(sop_rows, {v["id"]: v for v in today}))

    queries = [index.photos[p["id"]] for p in pics if p["id"] in index.photos]
    found = index.matches_many(queries)
    for q in queries:
        alert = auth.find_photo_reuse(q, index, config, found.get(q.id, []))
        if alert:
            alerts.append(alert)

    if others:
        uses += _other_uses(engine, day, reps, contexts, others, {u.device_id for u in uses})
    wanted = set(reps)
    alerts += [a for a in auth.find_shared_devices(uses, config) if a.rep_id in wanted]

    ins = [exp.CheckIn(v["rep_id"], v["local_date"], v["customer_id"], v["city"]) for v in visits]
    return alerts, km, ins, claims


def _sop_visits(
    rows: list[dict[str, Any]], visits: Mapping[str, Mapping[str, Any]]
) -> list[SopVisit]:
    """The judged visits with a template, as SOP_INCOMPLETE sees them (contract §7)."""
    out = []
    for row in rows:
        visit = visits.get(row["id"])
        if visit is None:
            continue
        out.append(
            SopVisit(
                id=row["id"],
                rep_id=visit["rep_id"],
                customer_id=visit["customer_id"],
                local_date=visit["local_date"],
                checkin_s=row["ts"].timestamp(),
                checkout_s=None
                if row["checked_out_at"] is None
                else row["checked_out_at"].timestamp(),
                effective=row["effective"],
                template_id=row["sop_template_id"],
                template_name=row["name"],
                version=row["sop_version"],
                steps=row["steps"],
                records=tuple(
                    StepRecord(code, ts.timestamp(), ok) for code, ts, ok in row["records"]
                ),
            )
        )
    return out


def _other_uses(
    engine: Engine,
    day: date,
    reps: list[str],
    contexts: Mapping[str, Mapping[str, Any]],
    others: set[str],
    devices: set[str],
) -> list[auth.DeviceUse]:
    """The first uses on ``day`` (in each one's own time zone) of ``devices`` by ``others``:
    only a device a judged rep used can raise an alert kept for the judged reps."""
    if not devices:
        return []
    start, end = _utc_bounds(day, {contexts[r]["timezone"] for r in reps})
    with engine.connect() as conn:
        found = [
            use
            for use in store.fetch_device_uses(conn, start=start, end=end, devices=sorted(devices))
            if use[1] in others
        ]
        use_ctx = store.fetch_reps(conn, {rep for _d, rep, _t in found})
    out = []
    for device, rep, first in found:
        ctx = use_ctx.get(rep)
        if ctx is not None and first.astimezone(contract.zone(ctx["timezone"])).date() == day:
            out.append(auth.DeviceUse(device, rep, day, first.timestamp()))
    return out


def _note_uses(uses: list[auth.DeviceUse], rd: auth.RepDay) -> None:
    """Add the rep's first use of each device that day (fixes, check-ins, device events)."""
    first: dict[str, float] = {}
    devs = rd.fixes.device_ids
    if len(devs):
        arr = np.asarray(devs, dtype=object)
        starts = np.concatenate(([0], np.flatnonzero(arr[1:] != arr[:-1]) + 1))
        for i in starts.tolist():
            first.setdefault(devs[i], float(rd.fixes.t_s[i]))
    for t_s, dev in [(v.t_s, v.device_id) for v in rd.visits] + [
        (e.t_s, e.device_id) for e in rd.events
    ]:
        if dev and t_s < first.get(dev, math.inf):
            first[dev] = t_s
    uses.extend(auth.DeviceUse(dev, rd.rep_id, rd.local_date, t) for dev, t in first.items())


def _split_fixes(cols: Mapping[str, Any]) -> dict[str, auth.Fixes]:
    """Columns ordered by rep then time → one ``Fixes`` per rep."""
    reps = cols["rep_id"]
    out: dict[str, auth.Fixes] = {}
    n = len(reps)
    start = 0
    for end in range(1, n + 1):
        if end == n or reps[end] != reps[start]:
            t = cols["t_s"][start:end]
            if t.size > 1 and not np.all(np.diff(t) > 0):
                # Fixes at the same instant: order them by id, so ids stay deterministic.
                out[reps[start]] = auth.sorted_fixes(
                    cols["id"][start:end],
                    t,
                    cols["lat"][start:end],
                    cols["lon"][start:end],
                    cols["accuracy_m"][start:end],
                    cols["mock"][start:end],
                    cols["device_id"][start:end],
                    cols["provider"][start:end],
                )
            else:
                out[reps[start]] = auth.Fixes(
                    cols["id"][start:end],
                    t,
                    cols["lat"][start:end],
                    cols["lon"][start:end],
                    cols["accuracy_m"][start:end],
                    cols["mock"][start:end],
                    cols["device_id"][start:end],
                    cols["provider"][start:end],
                )
            start = end
    return out


def _claim(r: Mapping[str, Any]) -> exp.Claim:
    return exp.Claim(
        r["id"],
        r["rep_id"],
        r["date"],
        r["category"],
        Decimal(str(r["amount"])),
        r["claimed_km"],
        r["city"],
        r["customer_id"],
        r["receipt_sha256"],
        (r["received_at"], r["arrival_seq"]),
    )


# ------------------------------------------------------------------ storing


def _alert_row(a: Alert, now: datetime) -> dict[str, Any]:
    return {
        "id": a.id,
        "rule": a.rule,
        "severity": a.severity,
        "rep_id": a.rep_id,
        "ts": a.ts,
        "local_date": a.local_date,
        "visit_id": a.visit_id,
        "customer_id": a.customer_id,
        "summary": a.summary,
        "evidence": a.evidence,
        "status": "open",
        "assigned_to": None,
        "created_at": now,
        "updated_at": now,
    }


def _flag_row(f: Flag, now: datetime) -> dict[str, Any]:
    return {
        "id": f.id,
        "rule": f.rule,
        "claim_id": f.claim_id,
        "rep_id": f.rep_id,
        "date": f.date,
        "amount": f.amount,
        "amount_at_risk": f.amount_at_risk,
        "summary": f.summary,
        "evidence": f.evidence,
        "status": "open",
        "created_at": now,
        "updated_at": now,
    }


def store_alerts(
    conn, stored: Mapping[str, Mapping[str, Any]], alerts: list[Alert], *, now: datetime
) -> tuple[int, int]:
    """Sync judged alerts against the stored ones they replace (as the rep-day judge does:
    changed rows rewritten keeping their triage, vanished open ones withdrawn with a status
    event); return (written, deleted)."""
    return _sync(conn, schema.alerts, stored, [_alert_row(a, now) for a in alerts], now=now)


_KEEP = ("status", "assigned_to", "created_at", "updated_at")


def _same(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    for key, value in new.items():
        if key in _KEEP:
            continue
        stored = old[key]
        if isinstance(value, Decimal):
            if Decimal(str(stored)) != value:
                return False
        elif stored != value:
            return False
    return True


JUDGE_ACTOR = "judge"
_WITHDRAW = "withdraw"
_NOTE = "judge_note"


def _why_gone(rule: str) -> str:
    """Why a stored alert or flag no longer holds, quoting the rule's latest revision if any
    (a database may skip judge versions: the latest revision of the rule is the one in force)."""
    revised = next(
        (
            JUDGE_REVISIONS[v][rule]
            for v in sorted(JUDGE_REVISIONS, reverse=True)
            if v <= JUDGE_VERSION and rule in JUDGE_REVISIONS[v]
        ),
        None,
    )
    if revised:
        return f"judge v{JUDGE_VERSION}: no longer holds; the rule was revised: {rule} {revised}"
    return f"judge v{JUDGE_VERSION}: no longer holds on the current records"


def _sync(
    conn,
    table,
    stored: Mapping[str, Mapping[str, Any]],
    rows: list[dict[str, Any]],
    *,
    now: datetime,
):
    """Upsert new or changed rows; withdraw vanished open ones (deleted, with a status event
    saying why); note once per judge version on vanished triaged ones, which stay as they are.
    Return (written, deleted)."""
    fresh = {row["id"]: row for row in rows}
    changed = [
        row
        for row in fresh.values()
        if row["id"] not in stored or not _same(stored[row["id"]], row)
    ]
    store.upsert_alerts(conn, changed) if table is schema.alerts else store.upsert_flags(
        conn, changed
    )
    kind = "alert" if table is schema.alerts else "expense_flag"
    vanished = [row for key, row in stored.items() if key not in fresh]
    gone = [row["id"] for row in vanished if row["status"] == "open"]
    deleted = store.delete_open(conn, table, gone)
    triaged = [row for row in vanished if row["status"] != "open"]
    noted = store.fetch_event_notes(conn, kind, [r["id"] for r in triaged], _NOTE)
    prefix = f"judge v{JUDGE_VERSION}:"
    events = [
        _event(kind, row["id"], now, _WITHDRAW, "open", "withdrawn", _why_gone(row["rule"]))
        for row in vanished
        if row["status"] == "open"
    ] + [
        _event(
            kind,
            row["id"],
            now,
            _NOTE,
            row["status"],
            row["status"],
            _why_gone(row["rule"]) + f"; kept as {row['status']} (triaged by a person)",
        )
        for row in triaged
        if not any(n.startswith(prefix) for n in noted.get(row["id"], ()))
    ]
    store.append_status_events(conn, events)
    return len(changed), deleted


def _event(kind, subject, now, action, before, after, note) -> dict[str, Any]:
    return {
        "subject_kind": kind,
        "subject_id": subject,
        "at": now,
        "actor": JUDGE_ACTOR,
        "action": action,
        "from_status": before,
        "to_status": after,
        "assigned_to": None,
        "note": note,
    }


# ------------------------------------------------------------------ after ingest

"""The replay of one rep-day: fetch everything recorded, analyse the full track, then shape a
compact JSON-able payload that the browser receives once and animates on its own.

Times in the payload are whole seconds since the rep's local midnight of the day (``t0`` is that
instant in epoch seconds); ``clock`` gives the wall-clock shift where a DST change falls inside
the day. Coordinates are converted to the base map's datum (``tile_crs``) at the very end, after
every distance has been measured on WGS-84.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from dashboard import contract, geo, privacy, tracks
from dashboard.rules import summaries
from dashboard.rules.integrity import visit_integrity
from dashboard.services import plan_actual, position_privacy
from dashboard.services import quality as quality_service
from dashboard.services import settings as rule_settings
from dashboard.services.users import User, scope_of
from data_access import alerts as alert_store
from data_access import replay as store
from data_access import retention as retention_store

# Leaflet zoom the display track is simplified for (street level).
DISPLAY_ZOOM = 15
# Speed bins of the track colouring, upper bounds in m/s: walking or idle, city traffic (30 km/h),
# arterial roads (60 km/h), faster.
SPEED_BINS_MPS = (1.5, 8.34, 16.7)
# A visit scoring below this is "in doubt" (the grids colour it amber, below 50 red).
DOUBT_BELOW = 80
# Decimal places of display coordinates (1e-5 degrees is about a metre).
COORD_DIGITS = 5
TILE_CRS = ("wgs84", "gcj02", "bd09")


class ReplayError(ValueError):
    """A replay request that names no valid rep-day."""


def parse_day(text: str | None) -> date:
    """Return the date of a ``YYYY-MM-DD`` path segment, or raise ReplayError naming it."""
    try:
        return date.fromisoformat(str(text or "")[:10])
    except ValueError:
        raise ReplayError(f"date: {text!r} is not a date (expected YYYY-MM-DD)") from None


def parse_clock(text: str | None) -> int | None:
    """Return seconds after midnight of an ``HH:MM`` (or ``HH:MM:SS``) query value, else None."""
    if not text:
        return None
    try:
        value = time.fromisoformat(str(text))
    except ValueError:
        return None
    return value.hour * 3600 + value.minute * 60 + value.second


def speed_bin(speed_mps: np.ndarray) -> np.ndarray:
    """Return the colour bin (0..len(SPEED_BINS_MPS)) of each speed."""
    return np.searchsorted(np.asarray(SPEED_BINS_MPS), np.asarray(speed_mps, float), side="right")


def _epoch(values: pd.Series) -> np.ndarray:
    if values.empty:
        return np.zeros(0, float)
    # Unit-agnostic: pandas 3 may hold microseconds rather than nanoseconds.
    since = pd.to_datetime(values, utc=True) - pd.Timestamp(0, tz="UTC")
    return (since / pd.Timedelta(seconds=1)).to_numpy(dtype=float)


def _epoch_or_none(value: Any) -> float | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    return pd.Timestamp(value).timestamp()


def _day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    tz = contract.zone(timezone)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def _clock_shifts(start: datetime, end: datetime, timezone: str) -> list[list[int]]:
    """[[seconds since midnight, wall-clock shift in s]] from each DST change of the day on."""
    tz = contract.zone(timezone)
    base = start.utcoffset() or timedelta(0)
    out, last = [], base
    t, step = start, timedelta(minutes=15)
    while t < end:
        offset = t.astimezone(tz).utcoffset() or timedelta(0)
        if offset != last:
            out.append([int((t - start).total_seconds()), int((offset - base).total_seconds())])
            last = offset
        t += step
    return out


def _work_window(day: date, rep: dict[str, Any]) -> tuple[float, float]:
    tz = contract.zone(rep["timezone"])
    ws = datetime.combine(day, time.fromisoformat(rep["work_start"]), tzinfo=tz)
    we = datetime.combine(day, time.fromisoformat(rep["work_end"]), tzinfo=tz)
    return ws.timestamp(), we.timestamp()


def _rel(t_s: float | None, t0: float) -> int | None:
    return None if t_s is None else round(t_s - t0)


def _r(x: float, digits: int = COORD_DIGITS) -> float:
    return round(float(x), digits)


# ------------------------------------------------------------------ the display track


def _display_track(
    t: np.ndarray, lat: np.ndarray, lon: np.ndarray, day: tracks.DayTrack
) -> dict[str, Any]:
    """Simplify the analysed track for display and measure speed per display point.

    Stops collapse to their centre (held from arrival to departure); the moving parts are
    simplified with Douglas–Peucker; gap and jump ends are always kept and break the line.
    Speed of a point = distance along the cleaned fixes from the previous display point (jumps
    excluded) ÷ time, so simplification never changes a colour.
    """
    kept = np.asarray(day.kept, dtype=np.intp)
    if kept.size == 0:
        return {"t": [], "lat": [], "lon": [], "v": [], "bin": [], "brk": []}
    kt, kla, klo = t[kept], lat[kept], lon[kept]
    seg = np.zeros(kept.size)
    if kept.size > 1:
        seg[1:] = geo.haversine_m_np(kla[:-1], klo[:-1], kla[1:], klo[1:])
    pos_of = {int(i): p for p, i in enumerate(kept)}
    breaks = np.zeros(kept.size, dtype=bool)
    for j in day.jumps:
        p = pos_of.get(int(j))
        if p is not None:
            seg[p] = 0.0
            breaks[p] = True
    for gap in day.gaps:
        p = pos_of.get(int(gap.after_index))
        if p is not None:
            breaks[p] = True
    cum = np.cumsum(seg)
    brk_cum = np.cumsum(breaks)

    # Candidate points: (kept position, lat, lon, forced, in_stop).
    in_stop = np.zeros(kept.size, dtype=bool)
    stop_pts: list[tuple[int, float, float, float]] = []
    for stop in day.stops:
        members = np.flatnonzero((kt >= stop.start_s) & (kt <= stop.end_s))
        if members.size == 0:
            continue
        in_stop[members] = True
        stop_pts.append((int(members[0]), stop.lat, stop.lon, stop.start_s))
        stop_pts.append((int(members[-1]), stop.lat, stop.lon, stop.end_s))
    free = np.flatnonzero(~in_stop)
    cand_pos = np.concatenate([free, np.array([p for p, *_ in stop_pts], dtype=np.intp)])
    cand_lat = np.concatenate([kla[free], np.array([a for _, a, _, _ in stop_pts], float)])
    cand_lon = np.concatenate([klo[free], np.array([b for _, _, b, _ in stop_pts], float)])
    cand_t = np.concatenate([kt[free], np.array([s for *_, s in stop_pts], float)])
    forced = np.concatenate([breaks[free], np.ones(len(stop_pts), dtype=bool)])
    order = np.lexsort((cand_t, cand_pos))
    cand_pos, cand_lat, cand_lon, cand_t, forced = (
        cand_pos[order],
        cand_lat[order],
        cand_lon[order],
        cand_t[order],
        forced[order],
    )
    # Keep the point before each break too, so the line ends where the gap or jump starts.
    before_break = np.zeros_like(forced)
    before_break[:-1] = forced[1:] & breaks[cand_pos[1:]]
    tol = tracks.tolerance_for_zoom(DISPLAY_ZOOM)
    keep = np.zeros(cand_pos.size, dtype=bool)
    keep[np.asarray(tracks.simplify(cand_lat, cand_lon, tol), dtype=np.intp)] = True
    keep |= forced | before_break
    idx = np.flatnonzero(keep)
    pos, dt_t = cand_pos[idx], cand_t[idx]
    v = np.zeros(idx.size)
    brk = np.zeros(idx.size, dtype=bool)
    if idx.size > 1:
        dist = cum[pos[1:]] - cum[pos[:-1]]
        dt = np.diff(dt_t)
        with np.errstate(divide="ignore", invalid="ignore"):
            v[1:] = np.where(dt > 0, dist / dt, 0.0)
        brk[1:] = brk_cum[pos[1:]] > brk_cum[pos[:-1]]
        v[1:][brk[1:]] = 0.0
    return {
        "t": dt_t,
        "lat": cand_lat[idx],
        "lon": cand_lon[idx],
        "v": v,
        "bin": speed_bin(v),
        "brk": brk,
    }


# ------------------------------------------------------------------ the payload


def _empty_payload(status: str, message: str = "") -> dict[str, Any]:
    return {"status": status, "message": message}


def replay_day(
    engine: Engine,
    user: User,
    rep_id: str,
    day: date | str,
    *,
    tile_crs: str = "wgs84",
    config: tracks.TrackConfig | None = None,
) -> dict[str, Any]:
    """Return the replay payload of one rep-day for the browser (JSON-able, sent once).

    ``status`` is ``ok``, ``bad_date`` (``message`` names it) or ``not_found`` (unknown rep or a
    rep outside the user's regions: the two are indistinguishable on purpose).
    """
    if tile_crs not in TILE_CRS:
        raise ValueError(f"tile_crs: {tile_crs!r} is not one of {', '.join(TILE_CRS)}")
    scope = scope_of(user)
    with engine.connect() as conn:
        # The picker lists the reps in scope whatever the request names.
        reps = [
            [r["id"], r["name"], r["team_name"]]
            for r in store.fetch_scope_rep_options(conn, scope=scope)
        ]
        try:
            the_day = day if isinstance(day, date) else parse_day(day)
        except ReplayError as exc:
            return {**_empty_payload("bad_date", str(exc)), "reps": reps}
        rep = store.fetch_replay_rep(conn, rep_id=rep_id, scope=scope)
        if rep is None:
            return {**_empty_payload("not_found"), "reps": reps}
        start, end = _day_bounds(the_day, rep["timezone"])
        rec = store.fetch_replay_day(
            conn, rep_id=rep_id, day=the_day, start=start, end=end, scope=scope
        )
        # The day's visits came through the scoped query: only their ids are asked for.
        rec["visit_rules"] = alert_store.fetch_visit_rules(conn, rec["visits"]["visit_id"])
        rec["device_quality"] = quality_service.day_quality(conn, rep_id=rep_id, day=the_day)
        prev_day, next_day = store.fetch_neighbour_days(conn, rep_id=rep_id, day=the_day)
        config = config or rule_settings.track_config_of(conn)
        purged = retention_store.fetch_purged_day(conn, rep_id=rep_id, day=the_day)
        if purged is not None:
            kept = retention_store.fetch_kept_stops(conn, rep_id=rep_id, day=the_day)
            rollup = retention_store.fetch_rollup(conn, rep_id=rep_id, day=the_day)
    payload = build_payload(rep, the_day, rec, start=start, end=end, config=config)
    if purged is not None:
        _kept_summary(payload, purged, kept, rollup, start=start)
    payload["prev_day"] = str(prev_day)[:10] if prev_day else None
    payload["next_day"] = str(next_day)[:10] if next_day else None
    payload["reps"] = reps
    with engine.connect() as conn:
        precision = position_privacy.precision_in(conn, user.role)
    # Reduced precision at the output edge (issue 20): the summary above used the exact fixes.
    # The grid is WGS-84's (the stored datum, the exports'); a tile datum shifts its centres.
    reduce_precision(payload, precision)
    if tile_crs != "wgs84":
        to_display_crs(payload, tile_crs)
    with engine.connect() as conn:
        # Plan vs actual of the day (contract §6) with the km of the trips just measured.
        detail = plan_actual.rep_day_of(
            conn, scope, rep_id=rep_id, day=the_day,
            driven_km=payload["summary"]["km"], tile_crs=tile_crs,
        )  # fmt: skip
    payload["plan_actual"] = detail
    if detail is not None:
        # One definition of a planned stop done: the rep's effective visit (the KPI's).
        payload["summary"]["planned_done"] = detail["summary"]["done"]
    return payload


def _kept_summary(
    payload: dict[str, Any],
    purged: Mapping[str, Any],
    kept: Sequence[Mapping[str, Any]],
    rollup: Mapping[str, Any] | None,
    *,
    start: datetime,
) -> None:
    """A purged rep-day (issue 20, retention): its raw fixes are gone, so the summary shows
    what was kept (the rollup's km and fix count, the stored stay points) and says why."""
    t0 = start.timestamp()
    names = {c["id"]: c["name"] for c in payload["customers"]}
    payload["stops"] = [
        {
            "n": s["n"],
            "start": _rel(s["start_at"].timestamp(), t0),
            "end": _rel(s["end_at"].timestamp(), t0),
            "dwell_s": round(s["dwell_s"]),
            "lat": _r(s["lat"]),
            "lon": _r(s["lon"]),
            "customer_id": s["customer_id"],
            "customer_name": names.get(s["customer_id"]) if s["customer_id"] else None,
        }
        for s in kept
    ]
    summary = payload["summary"]
    if rollup is not None:
        summary["km"] = round(float(rollup["km"]), 2)
        summary["fixes"] = int(rollup["fixes"])
        summary["first_fix"] = _rel(_epoch_or_none(rollup["first_fix_at"]), t0)
        summary["last_fix"] = _rel(_epoch_or_none(rollup["last_fix_at"]), t0)
    summary["stopped_s"] = round(sum(float(s["dwell_s"]) for s in kept))
    payload["purged"] = {
        "on": purged["purged_at"].date().isoformat(),
        "retention_days": int(purged["retention_days"]),
        "fixes": int(purged["fixes"]),
    }


def _summary_texts(
    row: dict[str, Any], customer_name: str | None, timezone: str | None
) -> dict[str, str]:
    """An alert's summary in every language, rendered from its rule and evidence."""
    full = {**row, "customer_name": customer_name}
    return {lang: summaries.summary_of(full, lang, tz=timezone) for lang in summaries.LANGS}


def build_payload(
    rep: dict[str, Any],
    day: date,
    rec: dict[str, Any],
    *,
    start: datetime,
    end: datetime,
    config: tracks.TrackConfig | None = None,
) -> dict[str, Any]:
    """Analyse the day's full track, then shape everything for display (see module doc).

    Coarse fixes (accuracy above the cleaning limit) never join the track: they are listed
    apart as [t, lat, lon, accuracy_m] with the day's data-quality records per device."""
    config = config or tracks.TrackConfig()
    t0 = start.timestamp()
    fixes, visits, customers = rec["fixes"], rec["visits"], rec["customers"]
    t = _epoch(fixes["ts"])
    lat = fixes["lat"].to_numpy(float) if not fixes.empty else np.zeros(0)
    lon = fixes["lon"].to_numpy(float) if not fixes.empty else np.zeros(0)
    acc = fixes["accuracy_m"].to_numpy(float) if not fixes.empty else np.zeros(0)
    cust_arg = None
    if not customers.empty:
        cust_arg = (
            list(customers["id"]),
            customers["lat"].to_numpy(float),
            customers["lon"].to_numpy(float),
            customers["geofence_m"].to_numpy(float),
        )
    work = _work_window(day, rep)
    # Analyse the FULL track first: distances, stops and gaps never see the simplified line.
    analysed = tracks.analyze_day(
        t, lat, lon, acc, customers=cust_arg, work_window=work, config=config
    )
    display = _display_track(t, lat, lon, analysed)
    names = dict(zip(customers["id"], customers["name"], strict=True)) if len(customers) else {}
    where = (
        dict(
            zip(customers["id"], zip(customers["lat"], customers["lon"], strict=True), strict=True)
        )
        if len(customers)
        else {}
    )
    fence = (
        dict(zip(customers["id"], customers["geofence_m"], strict=True)) if len(customers) else {}
    )
    ev = rec["events"]
    events = list(zip(_epoch(ev["ts"]).tolist(), list(ev["kind"]), strict=True)) if len(ev) else []
    ev_ids = list(ev["id"]) if len(ev) else []

    stops = []
    for n, s in enumerate(analysed.stops, start=1):
        stops.append(
            {
                "n": n,
                "start": _rel(s.start_s, t0),
                "end": _rel(s.end_s, t0),
                "dwell_s": round(s.dwell_s),
                "lat": _r(s.lat),
                "lon": _r(s.lon),
                "customer_id": s.customer_id,
                "customer_name": names.get(s.customer_id) if s.customer_id else None,
            }
        )
    trips = [
        {
            "start": _rel(tr.start_s, t0),
            "end": _rel(tr.end_s, t0),
            "km": round(tr.distance_m / 1000.0, 2),
            "max_kmh": round(tr.max_speed_mps * 3.6, 1),
            "avg_kmh": round(tr.avg_speed_mps * 3.6, 1),
        }
        for tr in analysed.trips
    ]
    gaps = []
    for g in analysed.gaps:
        reason = tracks.explain_gap(g.silent_from_s, g.end_s, events)
        event_id = None
        if reason != "unknown":
            for (et, kind), eid in zip(events, ev_ids, strict=True):
                if kind == reason and g.silent_from_s - tracks.GAP_EVENT_LEAD_S <= et < g.end_s:
                    event_id = eid
                    break
        gaps.append(
            {
                "start": _rel(g.start_s, t0),
                "end": _rel(g.end_s, t0),
                "duration_s": round(g.duration_s),
                "reason": reason,
                "event_id": event_id,
                "plausible": bool(g.plausible),
                "displacement_m": round(g.displacement_m),
                "from": [_r(lat[g.before_index]), _r(lon[g.before_index])],
                "to": [_r(lat[g.after_index]), _r(lon[g.after_index])],
            }
        )
    # Silences outside the rep's work hours are off duty (no fix is stored there beyond the
    # privacy margin): listed as such, never as a gap; the gaps above are cut at the window.
    off_duty = [
        {"start": _rel(a, t0), "end": _rel(z, t0), "duration_s": round(z - a)}
        for a, z in tracks.off_duty_spans(t[analysed.kept], work, min_gap_s=config.signal_gap_min_s)
    ]
    coarse = [
        [_rel(float(t[i]), t0), _r(lat[i]), _r(lon[i]), round(float(acc[i]))]
        for i in np.flatnonzero(acc > config.max_accuracy_m).tolist()
        if np.isfinite(lat[i]) and np.isfinite(lon[i])
    ]
    kept_pos = {int(i): p for p, i in enumerate(analysed.kept)}
    jumps = []
    for j in analysed.jumps:
        p = kept_pos.get(int(j))
        if p:
            i = int(analysed.kept[p - 1])
            jumps.append([_r(lat[i]), _r(lon[i]), _r(lat[j]), _r(lon[j])])

    visit_rows = []
    visited: set[str] = set()
    in_store_s = 0.0
    fired = rec.get("visit_rules") or {}
    for row in visits.itertuples(index=False):
        integrity, rules = visit_integrity(fired.get(row.visit_id, []))
        visited.add(row.customer_id)
        gm = float(fence.get(row.customer_id, 200.0))
        cl = where.get(row.customer_id, (row.lat, row.lon))
        # The check-in's distance and limit as stored at ingest (what the KPIs and the drill-down
        # judge), recomputed only for a row stored without them.
        if pd.notna(row.checkin_distance_m) and pd.notna(row.geofence_limit_m):
            in_dist, in_limit = float(row.checkin_distance_m), float(row.geofence_limit_m)
        else:
            in_dist = geo.haversine_m(row.lat, row.lon, cl[0], cl[1])
            in_limit = contract.geofence_limit_m(gm, float(row.accuracy_m))
        out_t = _epoch_or_none(row.out_ts)
        out = None
        if out_t is not None and row.out_lat is not None and not pd.isna(row.out_lat):
            out_dist = geo.haversine_m(row.out_lat, row.out_lon, cl[0], cl[1])
            out_limit = contract.geofence_limit_m(gm, float(row.out_accuracy_m))
            out = {
                "t": _rel(out_t, t0),
                "lat": _r(row.out_lat),
                "lon": _r(row.out_lon),
                "distance_m": round(out_dist),
                "limit_m": round(out_limit),
                "inside": bool(out_dist <= out_limit),
            }
        if row.dwell_s is not None and not pd.isna(row.dwell_s):
            in_store_s += float(row.dwell_s)
        visit_rows.append(
            {
                "id": row.visit_id,
                "customer_id": row.customer_id,
                "customer_name": row.customer_name,
                "t": _rel(_epoch_or_none(row.ts), t0),
                "lat": _r(row.lat),
                "lon": _r(row.lon),
                "distance_m": round(in_dist),
                "limit_m": round(in_limit),
                "inside": bool(in_dist <= in_limit),
                "mock": bool(row.mock),
                "out": out,
                "integrity": integrity,
                "rules": rules,
            }
        )
    plan = [cid for cid in rec["plan"]]
    plan_seq = {cid: i for i, cid in reversed(list(enumerate(plan, start=1)))}
    cust_rows = []
    for row in customers.itertuples(index=False):
        role = "visited" if row.id in visited else "planned" if row.id in plan_seq else "owned"
        cust_rows.append(
            {
                "id": row.id,
                "name": row.name,
                "lat": _r(row.lat),
                "lon": _r(row.lon),
                "geofence_m": float(row.geofence_m),
                "role": role,
                "seq": plan_seq.get(row.id),
            }
        )
    photo_rows = []
    visit_pt = {v["id"]: (v["lat"], v["lon"]) for v in visit_rows}
    for row in rec["photos"].itertuples(index=False):
        has_pt = row.lat is not None and not pd.isna(row.lat)
        pt = (_r(row.lat), _r(row.lon)) if has_pt else visit_pt.get(row.visit_id)
        photo_rows.append(
            {
                "id": row.id,
                "visit_id": row.visit_id,
                "t": _rel(_epoch_or_none(row.ts), t0),
                "taken": _rel(_epoch_or_none(row.taken_at), t0),
                "lat": pt[0] if pt else None,
                "lon": pt[1] if pt else None,
                "kind": row.kind,
            }
        )
    # Claims carry a date, not a time: they sit at the end of the work day on the timeline.
    claim_t = _rel(work[1], t0)
    expense_rows = [
        {
            "id": row.id,
            "category": row.category,
            "amount": float(row.amount),
            "currency": row.currency,
            "claimed_km": None if pd.isna(row.claimed_km) else float(row.claimed_km),
            "city": row.city,
            "t": claim_t,
        }
        for row in rec["expenses"].itertuples(index=False)
    ]
    alert_rows = [
        {
            "id": row.id,
            "rule": row.rule,
            "severity": row.severity,
            "t": _rel(_epoch_or_none(row.ts), t0),
            "summary": row.summary,
            # Rendered from the rule's template in each language (issue 23): the page shows
            # the viewer's; the stored ``summary`` stays for exports.
            "summary_text": _summary_texts(
                row._asdict(), names.get(row.customer_id), rep["timezone"]
            ),
            "visit_id": row.visit_id,
            "status": row.status,
        }
        for row in rec["alerts"].itertuples(index=False)
    ]
    alert_rows.sort(key=lambda a: (a["t"], a["id"]))

    detected = sorted(
        {s["customer_id"] for s in stops if s["customer_id"] and s["customer_id"] not in visited}
    )
    first = last = None
    if t.size:
        first, last = _rel(float(t.min()), t0), _rel(float(t.max()), t0)
    track = {
        "t": [_rel(x, t0) for x in display["t"].tolist()] if len(display["t"]) else [],
        "lat": [_r(x) for x in np.asarray(display["lat"]).tolist()],
        "lon": [_r(x) for x in np.asarray(display["lon"]).tolist()],
        "v": [round(x * 3.6) for x in np.asarray(display["v"]).tolist()],
        "bin": [int(x) for x in np.asarray(display["bin"]).tolist()],
        "brk": [int(i) for i in np.flatnonzero(np.asarray(display["brk"], bool)).tolist()],
    }
    return {
        "status": "ok",
        "rep": {
            "id": rep["id"],
            "name": rep["name"],
            "team_name": rep["team_name"],
            "timezone": rep["timezone"],
            "work": [_rel(work[0], t0), _rel(work[1], t0)],
        },
        "day": day.isoformat(),
        "t0": round(t0),
        "clock": _clock_shifts(start, end, rep["timezone"]),
        "crs": "wgs84",
        "track": track,
        "stops": stops,
        "trips": trips,
        "gaps": gaps,
        "off_duty": off_duty,
        "jumps": jumps,
        "coarse": coarse,
        "visits": visit_rows,
        "customers": cust_rows,
        "photos": photo_rows,
        "expenses": expense_rows,
        "plan": plan,
        "alerts": alert_rows,
        "summary": {
            "fixes": int(t.size),
            "km": round(float(analysed.km), 2),
            "drive_s": round(analysed.moving_s),
            "in_store_s": round(in_store_s),
            "stopped_s": round(analysed.stopped_s),
            "planned": len(plan),
            "planned_done": len([c for c in dict.fromkeys(plan) if c in visited]),
            "done": len(visit_rows),
            "doubtful": sum(1 for v in visit_rows if v["integrity"] < DOUBT_BELOW),
            "min_integrity": min((v["integrity"] for v in visit_rows), default=None),
            "detected_without_check_in": len(detected),
            "first_fix": first,
            "last_fix": last,
            "coarse": len(coarse),
            "quality": rec.get("device_quality") or [],
        },
    }


def reduce_precision(payload: dict[str, Any], precision: str) -> dict[str, Any]:
    """Snap every position of the rep in a payload to ``precision`` in place (the customers'
    master positions stay); ``payload["precision"]`` names it for the page's badge."""
    payload["precision"] = precision
    if precision == "exact" or payload.get("status") != "ok":
        return payload

    def snap(la: float, lo: float) -> list[float]:
        return list(privacy.snap(la, lo, precision))

    for key in ("track", "stops", "visits", "photos"):
        payload[key] = privacy.snap_tree(payload[key], precision)
    for gap in payload["gaps"]:
        gap["from"], gap["to"] = snap(*gap["from"]), snap(*gap["to"])
    payload["jumps"] = [[*snap(j[0], j[1]), *snap(j[2], j[3])] for j in payload["jumps"]]
    payload["coarse"] = [[c[0], *snap(c[1], c[2]), c[3]] for c in payload["coarse"]]
    return payload


def _convert_points(items: Sequence[dict[str, Any]], conv, lat_key="lat", lon_key="lon") -> None:
    for item in items:
        if item.get(lat_key) is not None:
            la, lo = conv(item[lat_key], item[lon_key])
            item[lat_key], item[lon_key] = _r(la), _r(lo)


def to_display_crs(payload: dict[str, Any], crs: str) -> dict[str, Any]:
    """Convert every coordinate of a payload from WGS-84 to ``crs`` in place (display only)."""
    if crs == "wgs84" or payload.get("status") != "ok":
        return payload

    def conv(la: float, lo: float) -> tuple[float, float]:
        return geo.from_wgs84(la, lo, crs)

    track = payload["track"]
    if track["lat"]:
        vec = geo.wgs84_to_gcj02_np if crs == "gcj02" else geo.wgs84_to_bd09_np
        la, lo = vec(track["lat"], track["lon"])
        track["lat"] = [_r(x) for x in la.tolist()]
        track["lon"] = [_r(x) for x in lo.tolist()]
    for key in ("stops", "visits", "customers", "photos"):
        _convert_points(payload[key], conv)
    for visit in payload["visits"]:
        if visit["out"]:
            _convert_points([visit["out"]], conv)
    for gap in payload["gaps"]:
        gap["from"] = [_r(x) for x in conv(*gap["from"])]
        gap["to"] = [_r(x) for x in conv(*gap["to"])]
    payload["jumps"] = [
        [_r(x) for x in (*conv(j[0], j[1]), *conv(j[2], j[3]))] for j in payload["jumps"]
    ]
    payload["coarse"] = [
        [c[0], *(_r(x) for x in conv(c[1], c[2])), c[3]] for c in payload["coarse"]
    ]
    payload["crs"] = crs
    return payload

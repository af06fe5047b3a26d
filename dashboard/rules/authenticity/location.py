"""Where the rep was: MOCK_LOCATION, IMPOSSIBLE_SPEED, GEOFENCE_MISS, TRACK_MISMATCH and
STATIC_SPOOF."""

from __future__ import annotations

import math

import numpy as np

from dashboard import contract
from dashboard.geo import haversine_m, haversine_m_np
from dashboard.rules import Alert, AuthenticityConfig, iso_z, utc
from dashboard.rules.authenticity.day import (
    MOCK_EVENT_KINDS,
    Customer,
    RepDay,
    customer_name,
    identical_runs,
    jump_segments,
    show_dur,
    show_m,
)
from dashboard.rules.authenticity.registry import rep_day_rule

# ---------------------------------------------------------------------------- MOCK_LOCATION


@rep_day_rule("MOCK_LOCATION")
def find_mock_locations(day: RepDay) -> list[Alert]:
    """One alert per source kind (gps, check_in, check_out, device_event) of the day."""
    out: list[Alert] = []
    d = day.local_date.isoformat()

    def alert(source: str, t_s: float, count: int, summary: str, **evidence) -> None:
        out.append(
            Alert(
                f"MOCK_LOCATION:{day.rep_id}:{d}:{source}",
                "MOCK_LOCATION",
                day.rep_id,
                utc(t_s),
                day.local_date,
                summary,
                {"source": source, "count": count, **evidence},
                visit_id=evidence.get("visit_id"),
                customer_id=evidence.get("customer_id"),
            )
        )

    fx = day.fixes
    mocked = np.flatnonzero(fx.mock)
    if mocked.size:
        i = int(mocked[0])
        alert(
            "gps",
            fx.t_s[i],
            int(mocked.size),
            f"{mocked.size} GPS fix(es) flagged as mock locations, the first at {iso_z(fx.t_s[i])}",
            fix_ids=[fx.ids[i]],
        )
    ins = sorted((v for v in day.visits if v.mock), key=lambda v: (v.t_s, v.id))
    if ins:
        v = ins[0]
        alert(
            "check_in",
            v.t_s,
            len(ins),
            f"{len(ins)} check-in(s) flagged as mock locations, the first at "
            f"{customer_name(day, v.customer_id)}",
            visit_id=v.id,
            customer_id=v.customer_id,
            visit_ids=[x.id for x in ins],
        )
    outs = sorted(
        ((c, v) for v in day.visits for c in v.check_outs if c.mock),
        key=lambda cv: (cv[0].t_s, cv[0].id),
    )
    if outs:
        c, v = outs[0]
        alert(
            "check_out",
            c.t_s,
            len(outs),
            f"{len(outs)} check-out(s) flagged as mock locations, the first at "
            f"{customer_name(day, v.customer_id)}",
            visit_id=v.id,
            customer_id=v.customer_id,
            check_out_id=c.id,
        )
    events = sorted(
        (e for e in day.events if e.kind in MOCK_EVENT_KINDS), key=lambda e: (e.t_s, e.id)
    )
    if events:
        e = events[0]
        alert(
            "device_event",
            e.t_s,
            len(events),
            f"device reported {e.kind.replace('_', ' ')} at {iso_z(e.t_s)}"
            + (f" ({len(events)} such events)" if len(events) > 1 else ""),
            event_id=e.id,
            event_kind=e.kind,
            device_id=e.device_id,
        )
    return out


# ---------------------------------------------------------------------------- IMPOSSIBLE_SPEED


@rep_day_rule("IMPOSSIBLE_SPEED")
def find_impossible_speeds(day: RepDay, config: AuthenticityConfig) -> list[Alert]:
    """Consecutive fixes ≥ min_jump_m apart whose implied speed is above max_speed_mps, counting
    only fixes with accuracy_m ≤ max_accuracy_m: a coarse fix (a cell-tower fallback kilometres
    off) never makes a jump; it is a data-quality event (contract §2a, ``rules.quality``)."""
    fx = day.fixes
    good = np.flatnonzero(fx.accuracy_m <= config.max_accuracy_m)
    if good.size < 2:
        return []
    hits, d, dt, speed = jump_segments(fx.t_s[good], fx.lat[good], fx.lon[good], config)
    out = []
    for k in hits:
        a, b = int(good[k]), int(good[k + 1])
        v = float(speed[k])
        acc_a, acc_b = float(fx.accuracy_m[a]), float(fx.accuracy_m[b])
        shown = "an instant" if math.isinf(v) else f"{v * 3.6:,.0f} km/h"
        out.append(
            Alert(
                f"IMPOSSIBLE_SPEED:{fx.ids[b]}",
                "IMPOSSIBLE_SPEED",
                day.rep_id,
                utc(fx.t_s[b]),
                day.local_date,
                f"moved {d[k] / 1000:,.1f} km in {show_dur(dt[k])} ({shown}; "
                f"limit {config.max_speed_mps * 3.6:,.0f} km/h) between fixes of "
                f"{show_m(acc_a)} and {show_m(acc_b)} accuracy "
                f"(counted up to {show_m(config.max_accuracy_m)})",
                {
                    "source": "gps",
                    "fix_ids": [fx.ids[a], fx.ids[b]],
                    "distance_m": round(float(d[k]), 1),
                    "duration_s": round(float(dt[k]), 3),
                    "speed_mps": None if math.isinf(v) else round(v, 2),
                    "limit_mps": config.max_speed_mps,
                    "min_distance_m": config.min_jump_m,
                    "accuracy_m": [acc_a, acc_b],
                    "max_accuracy_m": config.max_accuracy_m,
                },
            )
        )
    return out


# ---------------------------------------------------------------------------- GEOFENCE_MISS


def geofence_limit_m(customer: Customer, accuracy_m: float, config: AuthenticityConfig) -> float:
    """How far a check-in may lie from ``customer`` (the one formula: ``contract``'s)."""
    return contract.geofence_limit_m(
        customer.geofence_m, accuracy_m, config.accuracy_allowance_cap_m
    )


@rep_day_rule("GEOFENCE_MISS")
def find_geofence_misses(day: RepDay, config: AuthenticityConfig) -> list[Alert]:
    """Check-ins and check-outs farther from the customer than geofence_m + min(accuracy, 100)."""
    out = []
    for v in day.visits:
        c = day.customers.get(v.customer_id)
        if c is None:
            continue
        points = [("check_in", v.id, v.t_s, v.lat, v.lon, v.accuracy_m)]
        points += [
            ("check_out", co.id, co.t_s, co.lat, co.lon, co.accuracy_m) for co in v.check_outs
        ]
        for source, pid, t_s, lat, lon, acc in points:
            dist = haversine_m(lat, lon, c.lat, c.lon)
            limit = geofence_limit_m(c, acc, config)
            if dist <= limit:
                continue
            ident = f"GEOFENCE_MISS:{v.id}" if source == "check_in" else f"GEOFENCE_MISS:{pid}"
            what = "check-in" if source == "check_in" else "check-out"
            out.append(
                Alert(
                    ident,
                    "GEOFENCE_MISS",
                    day.rep_id,
                    utc(t_s),
                    day.local_date,
                    f"{what} {show_m(dist)} from {c.name} (limit {show_m(limit)})",
                    {
                        "source": source,
                        "distance_m": round(dist, 1),
                        "limit_m": round(limit, 1),
                        "geofence_m": c.geofence_m,
                        "accuracy_m": acc,
                        "lat": lat,
                        "lon": lon,
                        "customer_lat": c.lat,
                        "customer_lon": c.lon,
                        **({"check_out_id": pid} if source == "check_out" else {}),
                    },
                    visit_id=v.id,
                    customer_id=v.customer_id,
                )
            )
    return out


# ---------------------------------------------------------------------------- TRACK_MISMATCH


@rep_day_rule("TRACK_MISMATCH")
def find_track_mismatches(day: RepDay, config: AuthenticityConfig) -> list[Alert]:
    """Check-ins whose every fix within ±track_window_s lies farther than track_mismatch_m."""
    fx = day.fixes
    if not day.visits or not len(fx):
        return []
    t_in = np.array([v.t_s for v in day.visits])
    lo = np.searchsorted(fx.t_s, t_in - config.track_window_s, side="left")
    hi = np.searchsorted(fx.t_s, t_in + config.track_window_s, side="right")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if not total:
        return []
    # Every (visit, fix in its window) pair in one vectorized distance computation.
    owner = np.repeat(np.arange(len(day.visits)), counts)
    index = np.repeat(lo, counts) + np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    v_lat = np.array([v.lat for v in day.visits])[owner]
    v_lon = np.array([v.lon for v in day.visits])[owner]
    d = haversine_m_np(fx.lat[index], fx.lon[index], v_lat, v_lon)
    has = counts > 0
    starts = (np.cumsum(counts) - counts)[has]
    nearest_of = np.full(len(day.visits), np.inf)
    nearest_of[has] = np.minimum.reduceat(d, starts)
    out = []
    for k in np.flatnonzero(has & (nearest_of > config.track_mismatch_m)).tolist():
        v = day.visits[k]
        a, b = int(lo[k]), int(hi[k])
        nearest = float(nearest_of[k])
        out.append(
            Alert(
                f"TRACK_MISMATCH:{v.id}",
                "TRACK_MISMATCH",
                day.rep_id,
                utc(v.t_s),
                day.local_date,
                f"check-in at {customer_name(day, v.customer_id)} while the rep's own track was "
                f"{show_m(nearest)} away (limit {show_m(config.track_mismatch_m)}, "
                f"{b - a} fix(es) within ±{config.track_window_s / 60:g} min)",
                {
                    "source": "check_in",
                    "distance_m": round(nearest, 1),
                    "limit_m": config.track_mismatch_m,
                    "window_s": config.track_window_s,
                    "fix_ids": list(fx.ids[a:b]),
                },
                visit_id=v.id,
                customer_id=v.customer_id,
            )
        )
    return out


# ---------------------------------------------------------------------------- STATIC_SPOOF


@rep_day_rule("STATIC_SPOOF")
def find_static_spoofs(day: RepDay, config: AuthenticityConfig) -> list[Alert]:
    """Runs of ≥ static_min_fixes consecutive satellite fixes (provider ``gps`` or absent)
    spanning ≥ static_min_span_s with identical coordinates (to 1e-6°). Identical network, wifi
    or fused positions are a phone's cached location indoors (contract §2a), never a spoof."""
    fx = day.fixes
    sat = np.flatnonzero(fx.satellite())
    out = []
    for ra, rb in identical_runs(fx.t_s[sat], fx.lat[sat], fx.lon[sat], config):
        a, b = int(sat[ra]), int(sat[rb])
        count = rb - ra + 1
        span = float(fx.t_s[b] - fx.t_s[a])
        out.append(
            Alert(
                f"STATIC_SPOOF:{fx.ids[a]}",
                "STATIC_SPOOF",
                day.rep_id,
                utc(fx.t_s[a]),
                day.local_date,
                f"{count} consecutive satellite fixes with identical coordinates over "
                f"{show_dur(span)} (at least {config.static_min_fixes} over "
                f"{show_dur(config.static_min_span_s)})",
                {
                    "source": "gps",
                    "fix_ids": [fx.ids[a], fx.ids[b]],
                    "fixes": count,
                    "min_fixes": config.static_min_fixes,
                    "span_s": round(span, 3),
                    "min_span_s": config.static_min_span_s,
                    "lat": float(fx.lat[a]),
                    "lon": float(fx.lon[a]),
                    "provider": "gps",
                    "accuracy_m": float(np.median(fx.accuracy_m[sat[ra : rb + 1]])),
                },
            )
        )
    return out

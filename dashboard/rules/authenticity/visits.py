"""How the rep visited: SHORT_VISIT, PHOTO_TIME_MISMATCH, CLUSTERED_CHECKINS, OFF_HOURS and
SIGNAL_GAP."""

from __future__ import annotations

import math

from dashboard import tracks
from dashboard.geo import haversine_m
from dashboard.rules import Alert, AuthenticityConfig, iso_z, utc
from dashboard.rules.authenticity.day import (
    RepDay,
    customer_name,
    show_dur,
    show_m,
)
from dashboard.rules.authenticity.registry import rep_day_rule

# ---------------------------------------------------------------------------- SHORT_VISIT


@rep_day_rule("SHORT_VISIT")
def find_short_visits(day: RepDay, config: AuthenticityConfig) -> list[Alert]:
    """Visits whose first check-out comes less than min_dwell_s after the check-in."""
    out = []
    for v in day.visits:
        co = v.check_out
        if co is None:
            continue
        dwell = co.t_s - v.t_s
        if dwell >= config.min_dwell_s:
            continue
        out.append(
            Alert(
                f"SHORT_VISIT:{v.id}",
                "SHORT_VISIT",
                day.rep_id,
                utc(v.t_s),
                day.local_date,
                f"visit at {customer_name(day, v.customer_id)} lasted {show_dur(dwell)} "
                f"(minimum {show_dur(config.min_dwell_s)})",
                {
                    "source": "check_out",
                    "dwell_s": round(dwell, 3),
                    "min_dwell_s": config.min_dwell_s,
                    "check_out_id": co.id,
                },
                visit_id=v.id,
                customer_id=v.customer_id,
            )
        )
    return out


# ---------------------------------------------------------------------------- PHOTO_TIME_MISMATCH


@rep_day_rule("PHOTO_TIME_MISMATCH")
def find_photo_time_mismatches(day: RepDay, config: AuthenticityConfig) -> list[Alert]:
    """Photos taken before check-in − slack or after check-out + slack."""
    out = []
    slack = config.photo_time_slack_s
    for v in day.visits:
        co = v.check_out
        low = v.t_s - slack
        high = co.t_s + slack if co is not None else math.inf
        for p in v.photos:
            if low <= p.taken_at_s <= high:
                continue
            early = p.taken_at_s < low
            side = "before the check-in" if early else "after the check-out"
            off = (v.t_s - p.taken_at_s) if early else (p.taken_at_s - co.t_s)  # type: ignore[union-attr]
            out.append(
                Alert(
                    f"PHOTO_TIME_MISMATCH:{p.id}",
                    "PHOTO_TIME_MISMATCH",
                    day.rep_id,
                    utc(v.t_s),
                    day.local_date,
                    f"photo taken {show_dur(off)} {side} at {customer_name(day, v.customer_id)} "
                    f"(allowed {show_dur(slack)})",
                    {
                        "source": "photo",
                        "photo_id": p.id,
                        "taken_at": iso_z(p.taken_at_s),
                        "window_start": iso_z(low),
                        "window_end": None if math.isinf(high) else iso_z(high),
                        "offset_s": round(off, 3),
                        "slack_s": slack,
                    },
                    visit_id=v.id,
                    customer_id=v.customer_id,
                )
            )
    return out


# ---------------------------------------------------------------------------- CLUSTERED_CHECKINS


@rep_day_rule("CLUSTERED_CHECKINS")
def find_clustered_checkins(day: RepDay, config: AuthenticityConfig) -> list[Alert]:
    """≥ cluster_min_checkins check-ins at different customers within cluster_window_s, all
    within cluster_radius_m of each other, of customers pairwise > cluster_customer_min_m apart."""
    visits = sorted(
        (v for v in day.visits if v.customer_id in day.customers), key=lambda v: (v.t_s, v.id)
    )
    used: set[str] = set()
    out = []
    for i, first in enumerate(visits):
        if first.id in used:
            continue
        group = [first]
        for v in visits[i + 1 :]:
            if v.t_s - first.t_s > config.cluster_window_s:
                break
            if v.id in used or any(v.customer_id == g.customer_id for g in group):
                continue
            if any(
                haversine_m(v.lat, v.lon, g.lat, g.lon) > config.cluster_radius_m for g in group
            ):
                continue
            cv = day.customers[v.customer_id]
            if any(
                haversine_m(
                    cv.lat,
                    cv.lon,
                    day.customers[g.customer_id].lat,
                    day.customers[g.customer_id].lon,
                )
                <= config.cluster_customer_min_m
                for g in group
            ):
                continue
            group.append(v)
        if len(group) < config.cluster_min_checkins:
            continue
        used.update(g.id for g in group)
        spread = max(haversine_m(a.lat, a.lon, b.lat, b.lon) for a in group for b in group)
        cust_min = min(
            haversine_m(
                day.customers[a.customer_id].lat,
                day.customers[a.customer_id].lon,
                day.customers[b.customer_id].lat,
                day.customers[b.customer_id].lon,
            )
            for k, a in enumerate(group)
            for b in group[k + 1 :]
        )
        span = group[-1].t_s - first.t_s
        out.append(
            Alert(
                f"CLUSTERED_CHECKINS:{first.id}",
                "CLUSTERED_CHECKINS",
                day.rep_id,
                utc(first.t_s),
                day.local_date,
                f"{len(group)} check-ins at different customers within {show_dur(span)}, "
                f"all within {show_m(spread)} of each other, though the customers lie at least "
                f"{show_m(cust_min)} apart",
                {
                    "source": "check_in",
                    "visit_ids": [g.id for g in group],
                    "customer_ids": [g.customer_id for g in group],
                    "span_s": round(span, 3),
                    "window_s": config.cluster_window_s,
                    "spread_m": round(spread, 1),
                    "radius_m": config.cluster_radius_m,
                    "customer_min_distance_m": round(cust_min, 1),
                    "customer_limit_m": config.cluster_customer_min_m,
                },
                visit_id=first.id,
                customer_id=first.customer_id,
            )
        )
    return out


# ---------------------------------------------------------------------------- OFF_HOURS


@rep_day_rule("OFF_HOURS")
def find_off_hours(day: RepDay, local_hhmm) -> list[Alert]:
    """Check-ins outside the rep's work hours. ``local_hhmm(t_s)`` renders a local time."""
    out = []
    for v in day.visits:
        if day.work_start_s <= v.t_s <= day.work_end_s:
            continue
        out.append(
            Alert(
                f"OFF_HOURS:{v.id}",
                "OFF_HOURS",
                day.rep_id,
                utc(v.t_s),
                day.local_date,
                f"check-in at {customer_name(day, v.customer_id)} at {local_hhmm(v.t_s)} local, "
                f"outside work hours {local_hhmm(day.work_start_s)}-{local_hhmm(day.work_end_s)}",
                {
                    "source": "check_in",
                    "checkin_at": iso_z(v.t_s),
                    "work_start": iso_z(day.work_start_s),
                    "work_end": iso_z(day.work_end_s),
                },
                visit_id=v.id,
                customer_id=v.customer_id,
            )
        )
    return out


# ---------------------------------------------------------------------------- SIGNAL_GAP


@rep_day_rule("SIGNAL_GAP")
def find_signal_gaps(day: RepDay, config: AuthenticityConfig) -> list[Alert]:
    """Periods of ≥ signal_gap_min_s without a fix inside work hours, with the reason and the
    plausibility of the displacement across them."""
    fx = day.fixes
    if len(fx) < 2:
        return []
    gaps = tracks.find_gaps(
        fx.t_s,
        fx.lat,
        fx.lon,
        min_gap_s=config.signal_gap_min_s,
        work_window=(day.work_start_s, day.work_end_s),
    )
    events = [(e.t_s, e.kind) for e in day.events]
    out = []
    for gap in gaps:
        # The phone fell silent at the last fix, even when the gap counts from the work start.
        reason = tracks.explain_gap(gap.silent_from_s, gap.end_s, events)
        limit, why = show_dur(config.signal_gap_min_s), reason.replace("_", " ")
        sense = "plausible" if gap.plausible else "implausible"
        evidence = {
            "source": "gps",
            "gap_start": iso_z(gap.start_s),
            "gap_end": iso_z(gap.end_s),
            "gap_s": round(float(gap.duration_s), 3),
            "min_gap_s": config.signal_gap_min_s,
            "reason": reason,
            "displacement_m": round(float(gap.displacement_m), 1),
            "plausible": bool(gap.plausible),
            "fix_ids": [fx.ids[gap.before_index], fx.ids[gap.after_index]],
        }
        if reason != "unknown":
            event = min(
                (
                    e
                    for e in day.events
                    if e.kind == reason
                    and gap.silent_from_s - tracks.GAP_EVENT_LEAD_S <= e.t_s < gap.end_s
                ),
                key=lambda e: (e.t_s, e.id),
            )
            evidence["event_id"] = event.id
        out.append(
            Alert(
                f"SIGNAL_GAP:{day.rep_id}:{iso_z(gap.start_s)}",
                "SIGNAL_GAP",
                day.rep_id,
                utc(gap.start_s),
                day.local_date,
                f"no GPS fix for {show_dur(gap.duration_s)} (threshold {limit}), reason {why}; "
                f"moved {show_m(gap.displacement_m)} across it, {sense} at city speeds",
                evidence,
            )
        )
    return out

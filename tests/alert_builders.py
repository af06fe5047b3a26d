"""Builders of alert rows as the judge writes them (alerts_conventions: deterministic ids,
unit-suffixed evidence keys, English one-sentence summary), and a direct insert for tests.

Until the judge lands, tests of the anti-cheat centre put alerts in the table with these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dashboard.rules import SEVERITY
from data_access import schema

CREATED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
GAP_REASONS = ("power_off", "location_permission_revoked", "network_lost", "app_killed")


def _ts(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def alert(
    subject: str = "v-1",
    rule: str = "GEOFENCE_MISS",
    *,
    rep_id: str = "rep-1",
    ts: str | datetime = "2026-11-26T01:20:00Z",
    timezone: str = "Asia/Shanghai",
    visit_id: str | None = "v-1",
    customer_id: str | None = "cust-1",
    evidence: Mapping[str, Any] | None = None,
    summary: str | None = None,
    status: str = "open",
    assigned_to: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """One alerts row; the id is ``RULE:subject`` and local_date follows ``timezone``."""
    when = _ts(ts)
    row = {
        "id": f"{rule}:{subject}",
        "rule": rule,
        "severity": SEVERITY[rule],
        "rep_id": rep_id,
        "ts": when,
        "local_date": when.astimezone(ZoneInfo(timezone)).date(),
        "visit_id": visit_id,
        "customer_id": customer_id,
        "summary": summary or f"{rule} of {subject}",
        "evidence": dict(evidence or {}),
        "status": status,
        "assigned_to": assigned_to,
        "created_at": CREATED,
        "updated_at": CREATED,
    }
    row.update(kw)
    return row


def geofence_miss(
    subject: str = "v-1",
    *,
    distance_m: float = 1240.3,
    limit_m: float = 210.0,
    customer_name: str = "Store",
    **kw: Any,
) -> dict[str, Any]:
    kw.setdefault("visit_id", subject)
    return alert(
        subject,
        "GEOFENCE_MISS",
        evidence={"distance_m": distance_m, "limit_m": limit_m, "source": "check_in"},
        summary=f"check-in {distance_m:,.0f} m from {customer_name} (limit {limit_m:,.0f} m)",
        **kw,
    )


def photo_reuse(
    visit_id: str,
    *,
    photo_id: str,
    matched_photo_id: str,
    matched_visit_id: str,
    hamming: int = 2,
    **kw: Any,
) -> dict[str, Any]:
    kw.setdefault("visit_id", visit_id)
    return alert(
        f"{visit_id}:{photo_id}",
        "PHOTO_REUSE",
        evidence={
            "photo_id": photo_id,
            "matched_photo_id": matched_photo_id,
            "matched_visit_id": matched_visit_id,
            "hamming": hamming,
            "max_hamming": 6,
            "source": "photo",
        },
        summary=f"photo {photo_id} matches photo {matched_photo_id} of visit "
        f"{matched_visit_id} (Hamming distance {hamming}, limit 6)",
        **kw,
    )


def signal_gap(
    rep_id: str,
    *,
    gap_start: str,
    gap_end: str,
    reason: str = "power_off",
    event_id: str | None = None,
    displacement_m: float = 850.0,
    **kw: Any,
) -> dict[str, Any]:
    start, end = _ts(gap_start), _ts(gap_end)
    gap_s = (end - start).total_seconds()
    evidence: dict[str, Any] = {
        "gap_start": start.isoformat().replace("+00:00", "Z"),
        "gap_end": end.isoformat().replace("+00:00", "Z"),
        "gap_s": gap_s,
        "min_gap_s": 1800.0,
        "reason": reason,
        "displacement_m": displacement_m,
        "plausible": True,
        "source": "gps",
    }
    if event_id:
        evidence["event_id"] = event_id
    kw.setdefault("visit_id", None)
    kw.setdefault("customer_id", None)
    return alert(
        f"{rep_id}:{evidence['gap_start']}",
        "SIGNAL_GAP",
        rep_id=rep_id,
        ts=start,
        evidence=evidence,
        summary=f"no fix for {gap_s / 60:.0f} min (limit 30 min); reason {reason}",
        **kw,
    )


def short_visit(subject: str = "v-1", *, dwell_s: float = 120.0, **kw: Any) -> dict[str, Any]:
    kw.setdefault("visit_id", subject)
    return alert(
        subject,
        "SHORT_VISIT",
        evidence={"dwell_s": dwell_s, "min_dwell_s": 300.0, "source": "check_out"},
        summary=f"visit lasted {dwell_s / 60:.0f} min (minimum 5 min)",
        **kw,
    )


def impossible_speed(
    rep_id: str, fix_ids: list[str], *, speed_mps: float = 95.0, **kw: Any
) -> dict[str, Any]:
    kw.setdefault("visit_id", None)
    kw.setdefault("customer_id", None)
    return alert(
        f"{rep_id}:{fix_ids[-1]}",
        "IMPOSSIBLE_SPEED",
        rep_id=rep_id,
        evidence={
            "speed_mps": speed_mps,
            "limit_mps": 50.0,
            "distance_m": 5700.0,
            "fix_ids": fix_ids,
            "source": "gps",
        },
        summary=f"{speed_mps * 3.6:,.0f} km/h between two fixes (limit 180 km/h)",
        **kw,
    )


def insert_alerts(engine: Engine, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write alert rows as they are (tests only; the judge owns the real writes)."""
    rows = [dict(row) for row in rows]
    with engine.begin() as conn:
        conn.execute(schema.alerts.insert(), rows)


def as_local_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def status_of(engine: Engine, alert_id: str) -> tuple[str, str | None]:
    a = schema.alerts
    with engine.connect() as conn:
        row = conn.execute(sa.select(a.c.status, a.c.assigned_to).where(a.c.id == alert_id)).one()
    return row.status, row.assigned_to


def events_of(engine: Engine, alert_id: str) -> list[dict[str, Any]]:
    se = schema.status_events
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(se)
            .where(se.c.subject_kind == "alert", se.c.subject_id == alert_id)
            .order_by(se.c.id)
        ).mappings()
        return [dict(row) for row in rows]


# ------------------------------------------------------------------ alerts over the demo company


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    from math import asin, cos, radians, sin, sqrt

    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    h = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * 6_371_000.0 * asin(sqrt(h))


def demo_alerts(
    engine: Engine,
    *,
    region: str = "reg-east",
    other_region: str = "reg-south",
    only_these: bool = False,
):
    """Realistic alerts over the seeded demo company, with evidence taken from its records:
    the worst check-in of ``region`` (GEOFENCE_MISS), its shortest visit (SHORT_VISIT), a photo
    whose perceptual hash repeats an earlier visit's (PHOTO_REUSE), the longest silence of a
    rep's track (SIGNAL_GAP), and the worst check-in of ``other_region`` (GEOFENCE_MISS).

    Returns {name: alert row}, already inserted. With ``only_these``, every alert the demo
    seed's judge wrote is removed first, so a page shows exactly these.
    """
    v, c, r, tm = schema.visits, schema.customers, schema.reps, schema.teams
    ph, fx = schema.photos, schema.gps_fixes
    in_region = sa.select(r.c.id).join(tm, tm.c.id == r.c.team_id)

    def worst_checkin(conn, region_id):
        return (
            conn.execute(
                sa.select(
                    v,
                    c.c.lat.label("c_lat"),
                    c.c.lon.label("c_lon"),
                    c.c.name.label("c_name"),
                    r.c.timezone,
                )
                .join(c, c.c.id == v.c.customer_id)
                .join(r, r.c.id == v.c.rep_id)
                .where(v.c.rep_id.in_(in_region.where(tm.c.region_id == region_id)))
                .order_by((v.c.checkin_distance_m - v.c.geofence_limit_m).desc(), v.c.id)
                .limit(1)
            )
            .mappings()
            .one()
        )

    rows: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for name, region_id in (("geofence", region), ("other_region", other_region)):
            visit = worst_checkin(conn, region_id)
            distance = _distance_m(visit["lat"], visit["lon"], visit["c_lat"], visit["c_lon"])
            rows[name] = geofence_miss(
                visit["id"],
                rep_id=visit["rep_id"],
                customer_id=visit["customer_id"],
                ts=visit["ts"],
                timezone=visit["timezone"],
                distance_m=round(distance, 1),
                limit_m=round(visit["geofence_limit_m"], 1),
                customer_name=visit["c_name"],
            )
        short = (
            conn.execute(
                sa.select(v.c.id, v.c.rep_id, v.c.customer_id, v.c.checked_out_at, v.c.dwell_s)
                .where(
                    v.c.rep_id.in_(in_region.where(tm.c.region_id == region)),
                    v.c.dwell_s.is_not(None),
                )
                .order_by(v.c.dwell_s, v.c.id)
                .limit(1)
            )
            .mappings()
            .one()
        )
        rows["short"] = short_visit(
            short["id"],
            rep_id=short["rep_id"],
            customer_id=short["customer_id"],
            ts=short["checked_out_at"],
            dwell_s=round(short["dwell_s"], 1),
        )
        later, earlier = ph.alias("later"), ph.alias("earlier")
        pair = (
            conn.execute(
                sa.select(
                    later.c.id,
                    later.c.visit_id,
                    later.c.phash,
                    earlier.c.phash.label("m_phash"),
                    earlier.c.id.label("m_id"),
                    earlier.c.visit_id.label("m_visit"),
                    v.c.rep_id,
                    v.c.customer_id,
                    v.c.ts,
                )
                .join(
                    earlier,
                    sa.and_(
                        earlier.c.phash == later.c.phash,
                        earlier.c.ts < later.c.ts,
                        earlier.c.visit_id != later.c.visit_id,
                    ),
                )
                .join(v, v.c.id == later.c.visit_id)
                .where(v.c.rep_id.in_(in_region.where(tm.c.region_id == region)))
                .order_by(later.c.id)
                .limit(1)
            )
            .mappings()
            .one_or_none()
        )
        if pair is None:  # no repeated hash in this demo: any two photos of two visits
            two = (
                conn.execute(
                    sa.select(
                        ph.c.id, ph.c.visit_id, v.c.rep_id, v.c.customer_id, v.c.ts, ph.c.phash
                    )
                    .join(v, v.c.id == ph.c.visit_id)
                    .where(v.c.rep_id.in_(in_region.where(tm.c.region_id == region)))
                    .order_by(ph.c.ts.desc())
                    .limit(40)
                )
                .mappings()
                .all()
            )
            first = two[0]
            second = next(p for p in two if p["visit_id"] != first["visit_id"])
            pair = {
                **first,
                "m_id": second["id"],
                "m_visit": second["visit_id"],
                "m_phash": second["phash"],
            }
        rows["reuse"] = photo_reuse(
            pair["visit_id"],
            photo_id=pair["id"],
            matched_photo_id=pair["m_id"],
            matched_visit_id=pair["m_visit"],
            hamming=(int(pair["phash"], 16) ^ int(pair["m_phash"], 16)).bit_count(),
            rep_id=pair["rep_id"],
            customer_id=pair["customer_id"],
            ts=pair["ts"],
        )
        de = schema.device_events
        silent = conn.execute(
            sa.select(de.c.id, de.c.rep_id, de.c.ts, de.c.kind)
            .where(
                de.c.kind.in_(GAP_REASONS),
                de.c.rep_id.in_(in_region.where(tm.c.region_id == region)),
            )
            .order_by(de.c.ts, de.c.id)
        ).mappings()
        gap = None
        for event in silent:
            before = conn.execute(
                sa.select(sa.func.max(fx.c.ts)).where(
                    fx.c.rep_id == event["rep_id"], fx.c.ts <= event["ts"]
                )
            ).scalar_one()
            after = conn.execute(
                sa.select(sa.func.min(fx.c.ts)).where(
                    fx.c.rep_id == event["rep_id"], fx.c.ts > event["ts"]
                )
            ).scalar_one()
            if before and after and timedelta(minutes=30) <= after - before <= timedelta(hours=6):
                gap = (event, before, after)
                break
    if gap is not None:
        event, gap_start, gap_end = gap
        rows["gap"] = signal_gap(
            event["rep_id"],
            gap_start=gap_start.isoformat(),
            gap_end=gap_end.isoformat(),
            reason=event["kind"],
            event_id=event["id"],
            displacement_m=420.0,
        )
    # The demo seed already ran the judge, which may have written the same subjects (same ids):
    # these rows replace them, so each scenario starts from a known, open alert.
    with engine.begin() as conn:
        if only_these:
            conn.execute(schema.alerts.delete())
        conn.execute(
            schema.alerts.delete().where(schema.alerts.c.id.in_([r["id"] for r in rows.values()]))
        )
    insert_alerts(engine, rows.values())
    return rows

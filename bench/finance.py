"""Benchmark: the finance page's service calls on PostgreSQL, against hand-written SQL.

    .venv/bin/python bench/finance.py [--reps 500] [--days 30] [--runs 20] [--admin-url URL]
                                      [--keep] [--database NAME]

``--keep`` leaves the scratch database in place (its name is printed); ``--database NAME``
re-times a kept one without building it again (``--reps`` must match how it was built).

Builds a scratch PostgreSQL database (``bench_fin_<random>``, migrated by ``get_engine``) with a
synthetic month for ``--reps`` reps in 4 regions / reps÷10 teams: ~40 claims per rep over the
working days (≈ 20,000 at 500 reps: mileage, meal, transport, hotel, entertainment), ~15 % of
them flagged, the ``rep_days`` rollup (km, visits), and, for the rep-days whose mileage claims
are opened, 10 visits and ~400 GPS fixes each. Written through the data layer's bulk path
(``insert_new_rows`` = COPY), then ``VACUUM ANALYZE``.

Times, ``--runs`` runs each with varied filters (period, region, team, rep, flag, category) as
exec and as a region manager:
- the ledger callback's work: ``finance.ledger(limit=finance.LEDGER_ROWS)`` (totals of the
  whole filter in one SQL aggregate, the 500 most relevant claims and mileage claims, the
  drift ratios of every mileage claim) and ``components.finance.ledger_outputs`` (grid rows,
  drift figure, totals tiles, "showing N of M" notes), target p95 <= 300 ms;
- ``finance.claim_evidence`` of one mileage claim (evidence + mileage ledger from the raw
  fixes), target p95 <= 150 ms.
Baseline, timed interleaved in the same run: hand-written SQL returning the same data on one
connection (ledger: the totals aggregate, the same first 500 claims with their flags, and the
filter's mileage claims with their tracked km: 3 statements), and the same claim's day of fixes
(evidence).
Exit code 0 when both targets pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.finance import ledger_outputs
from dashboard.filters import Filters
from dashboard.services import finance
from dashboard.services.db import dispose_engine, get_engine
from dashboard.services.users import User
from data_access import records, schema

START = date(2026, 11, 2)  # a Monday
NOW = datetime(2026, 12, 1, tzinfo=UTC)
CITY = {
    "reg-0": (31.23, 121.47),
    "reg-1": (23.13, 113.26),
    "reg-2": (30.57, 104.07),
    "reg-3": (39.90, 116.40),
}


def build(engine, reps: int, days: int, rnd: random.Random) -> list[tuple[str, str, date]]:
    """Write the synthetic month; return (claim id, rep id, date) of the mileage claims that
    have raw fixes (the ones the evidence timing opens)."""
    t0 = time.perf_counter()
    regions = list(CITY)
    teams = [(f"team-{i}", regions[i % 4]) for i in range(max(1, reps // 10))]
    rep_rows, cust_rows, claim_rows, flag_rows, day_rows = [], [], [], [], []
    visit_rows, fix_rows = [], []
    sampled: list[tuple[str, str, date]] = []
    work_days = [START + timedelta(d) for d in range(days) if (START + timedelta(d)).weekday() < 5]
    for i in range(reps):
        team, region = teams[i % len(teams)]
        rid = f"rep-{i:04d}"
        rep_rows.append(
            {
                "id": rid,
                "name": f"Rep {i}",
                "team_id": team,
                "device_id": f"d{i}",
                "timezone": "Asia/Shanghai",
                "work_start": "08:30",
                "work_end": "18:30",
                "active": True,
                "updated_at": NOW,
            }
        )
        lat0, lon0 = CITY[region]
        for k in range(5):
            cust_rows.append(
                {
                    "id": f"c-{i}-{k}",
                    "name": f"Store {i}-{k}",
                    "lat": lat0 + k * 0.01,
                    "lon": lon0 + (i % 50) * 0.01,
                    "city": region,
                    "address": None,
                    "grade": "ABC"[k % 3],
                    "owner_rep_id": rid,
                    "region_id": region,
                    "geofence_m": 200.0,
                    "annual_revenue": None,
                    "updated_at": NOW,
                }
            )
        seq = 0
        for day in work_days:
            km = rnd.uniform(20, 90)
            day_rows.append(
                {
                    "rep_id": rid,
                    "local_date": day,
                    "fixes": 400,
                    "km": km,
                    "visits": 8,
                    "effective": 7,
                    "dirty": False,
                    "version": 0,
                }
            )
            per_day = [("mileage", None)] + [
                (cat, None)
                for cat in rnd.sample(["meal", "transport", "hotel", "entertainment", "meal"], 1)
            ]
            for cat, _ in per_day:
                seq += 1
                cid = f"e-{i}-{seq}"
                claimed = km * (rnd.uniform(1.3, 2.0) if rnd.random() < 0.1 else 1.0)
                amount = (
                    round(claimed * 0.8, 2) if cat == "mileage" else round(rnd.uniform(20, 900), 2)
                )
                claim_rows.append(
                    {
                        "id": cid,
                        "rep_id": rid,
                        "date": day,
                        "category": cat,
                        "amount": amount,
                        "currency": "CNY",
                        "claimed_km": round(claimed, 1) if cat == "mileage" else None,
                        "city": region,
                        "customer_id": None,
                        "receipt_sha256": f"{rnd.getrandbits(256):064x}",
                        "note": None,
                        "received_at": NOW,
                        "arrival_seq": seq,
                    }
                )
                if rnd.random() < 0.15:
                    rule = "MILEAGE_INFLATED" if cat == "mileage" else "OVER_CAP"
                    flag_rows.append(
                        {
                            "id": f"{rule}:{cid}",
                            "rule": rule,
                            "claim_id": cid,
                            "rep_id": rid,
                            "date": day,
                            "amount": amount,
                            "amount_at_risk": round(amount * 0.3, 2),
                            "summary": f"{rule} on {cid}",
                            "evidence": {},
                            "status": "open",
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                    )
                if cat == "mileage" and i % 25 == 0 and len(sampled) < 40:
                    sampled.append((cid, rid, day))
    for _cid, rid, day in sampled:
        i = int(rid.split("-")[1])
        lat0, lon0 = CITY[teams[i % len(teams)][1]]
        base = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 local
        for n in range(400):
            fix_rows.append(
                {
                    "id": f"f-{rid}-{day}-{n}",
                    "rep_id": rid,
                    "device_id": f"d{i}",
                    "ts": base + timedelta(seconds=60 * n),
                    "lat": lat0 + n * 1e-4,
                    "lon": lon0 + n * 1e-4,
                    "accuracy_m": 15.0,
                    "speed_mps": None,
                    "provider": "gps",
                    "mock": False,
                    "received_at": NOW,
                }
            )
        for k in range(10):
            ts = base + timedelta(minutes=40 * k)
            visit_rows.append(
                {
                    "id": f"v-{rid}-{day}-{k}",
                    "rep_id": rid,
                    "device_id": f"d{i}",
                    "customer_id": f"c-{i}-{k % 5}",
                    "ts": ts,
                    "local_date": day,
                    "lat": lat0 + k * 0.002,
                    "lon": lon0 + k * 0.002,
                    "accuracy_m": 10.0,
                    "mock": False,
                    "face_verified": None,
                    "sop_template_id": None,
                    "received_at": NOW,
                    "checkin_distance_m": 20.0,
                    "geofence_limit_m": 210.0,
                    "checked_out_at": ts + timedelta(minutes=20),
                    "dwell_s": 1200.0,
                }
            )
    with engine.begin() as conn:
        conn.execute(
            schema.regions.insert(), [{"id": r, "name": r, "updated_at": NOW} for r in regions]
        )
        conn.execute(
            schema.teams.insert(),
            [{"id": t, "name": t, "region_id": r, "updated_at": NOW} for t, r in teams],
        )
        records.upsert_rows(conn, schema.reps, rep_rows)
        records.upsert_rows(conn, schema.customers, cust_rows)
        records.insert_new_rows(conn, schema.expenses, claim_rows)
        records.insert_new_rows(conn, schema.gps_fixes, fix_rows)
        records.insert_new_rows(conn, schema.visits, visit_rows)
        conn.execute(schema.rep_days.insert(), day_rows)
        conn.execute(schema.expense_flags.insert(), flag_rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    print(
        f"built {len(claim_rows):,} claims, {len(flag_rows):,} flags, {len(fix_rows):,} fixes "
        f"for {reps} reps in {time.perf_counter() - t0:.1f} s"
    )
    return sampled


_BASE_FROM = (
    "FROM expenses e JOIN reps r ON r.id = e.rep_id JOIN teams t ON t.id = r.team_id "
    "LEFT JOIN claim_status cs ON cs.claim_id = e.id "
    "LEFT JOIN rep_days rd ON rd.rep_id = e.rep_id AND rd.local_date = e.date "
)
_BASE_WHERE = (
    "WHERE e.date BETWEEN :a AND :b "
    "AND (CAST(:region AS text) IS NULL OR t.region_id = :region) "
    "AND (CAST(:team AS text) IS NULL OR r.team_id = :team) "
    "AND (CAST(:rep AS text) IS NULL OR r.id = :rep) "
    "AND (CAST(:flag AS text) IS NULL "
    "  OR (:flag = 'flagged' AND EXISTS (SELECT 1 FROM expense_flags f WHERE f.claim_id = e.id)) "
    "  OR (:flag = 'clean' AND NOT EXISTS (SELECT 1 FROM expense_flags f "
    "WHERE f.claim_id = e.id))) "
)
BASELINE_LEDGER = (
    sa.text(
        "SELECT count(*), sum(amount), sum(LEAST(risk, amount)) FILTER (WHERE risk IS NOT NULL), "
        "count(risk), sum(amount) FILTER (WHERE status = 'pending'), "
        "count(*) FILTER (WHERE status = 'pending'), "
        "sum(amount) FILTER (WHERE status = 'approved'), "
        "count(*) FILTER (WHERE status = 'approved'), "
        "sum(amount) FILTER (WHERE status = 'rejected'), "
        "count(*) FILTER (WHERE status = 'rejected'), "
        "sum(amount) FILTER (WHERE status = 'queried'), count(*) FILTER (WHERE status = 'queried') "
        "FROM (SELECT e.amount, coalesce(cs.status, 'pending') AS status, "
        "(SELECT max(f.amount_at_risk) FROM expense_flags f WHERE f.claim_id = e.id) AS risk "
        + _BASE_FROM
        + _BASE_WHERE
        + ") x"
    ),
    sa.text(
        "SELECT e.id, e.date, r.name, t.name, e.category, e.amount, e.city, e.customer_id, "
        "rd.visits, coalesce(cs.status, 'pending'), cs.updated_by, e.rep_id, "
        "(SELECT string_agg(f.rule || ' ' || f.amount_at_risk, ' · ') FROM expense_flags f "
        "WHERE f.claim_id = e.id), "
        "(SELECT max(f.amount_at_risk) FROM expense_flags f WHERE f.claim_id = e.id) AS risk "
        + _BASE_FROM
        + _BASE_WHERE
        + "ORDER BY risk DESC NULLS LAST, e.date, e.rep_id, e.id LIMIT 500"
    ),
    sa.text(
        "SELECT e.id, e.rep_id, r.name, e.date, e.amount, e.claimed_km, rd.km, "
        "coalesce(cs.status, 'pending') "
        + _BASE_FROM
        + _BASE_WHERE
        + "AND e.category = 'mileage' AND e.claimed_km IS NOT NULL"
    ),
)
BASELINE_EVIDENCE = sa.text(
    "SELECT ts, lat, lon, accuracy_m FROM gps_fixes WHERE rep_id = :rep AND ts >= :a AND ts < :b"
)


def kept_samples(engine) -> list[tuple[str, str, date]]:
    """The mileage claims with raw fixes of a kept database (what ``build`` returned)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT e.id, e.rep_id, e.date FROM expenses e WHERE e.category = 'mileage' "
                "AND EXISTS (SELECT 1 FROM visits v WHERE v.rep_id = e.rep_id "
                "AND v.local_date = e.date) ORDER BY e.rep_id, e.date LIMIT 40"
            )
        ).all()
    return [(cid, rid, day) for cid, rid, day in rows]


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--database", help="re-time a database kept by --keep (not dropped)")
    args = ap.parse_args()
    rnd = random.Random(7)
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    name = args.database or f"bench_fin_{uuid.uuid4().hex[:8]}"
    keep = args.keep or args.database is not None
    if args.database is None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = get_engine(url)
        if args.database is None:
            sampled = build(engine, args.reps, args.days, rnd)
        else:
            sampled = kept_samples(engine)
        print(f"database {name}")
        exec_user = User(1, "exec", "exec", ())
        manager = User(2, "mgr", "manager", ("reg-1",))
        end = START + timedelta(days=args.days - 1)
        periods = [
            (START, end),
            (START, START + timedelta(6)),
            (START + timedelta(7), end),
            (START + timedelta(14), START + timedelta(20)),
        ]
        teams = [f"team-{i}" for i in range(max(1, args.reps // 10))]
        ledger_t, ledger_b, ev_t, ev_b, rows_seen = [], [], [], [], []
        for run in range(args.runs):
            a, b = periods[run % len(periods)]
            variant = run % 5
            region = team = rep = None
            if variant == 1:
                region = f"reg-{run % 4}"
            elif variant == 2:
                team = rnd.choice(teams)
            elif variant == 3:
                rep = f"rep-{rnd.randrange(args.reps):04d}"
            user = manager if run % 4 == 3 else exec_user
            flag = ("flagged", None, "clean", None)[run % 4]
            filters = Filters("custom", a, b, region=region, team=team, rep=rep)
            t0 = time.perf_counter()
            result = finance.ledger(engine, user, filters, flag=flag, limit=finance.LEDGER_ROWS)
            outputs = ledger_outputs(result, "zh", "light")
            ledger_t.append(time.perf_counter() - t0)
            rows_seen.append((len(outputs[0]), result["totals"]["claims"], len(outputs[1])))
            with engine.connect() as conn:
                t0 = time.perf_counter()
                scope_region = "reg-1" if user is manager else region
                if user is manager and region not in (None, "reg-1"):
                    scope_region = "none"  # out of scope: no rows, as the service returns
                params = {
                    "a": a,
                    "b": b,
                    "region": scope_region,
                    "team": team,
                    "rep": rep,
                    "flag": flag,
                }
                for stmt in BASELINE_LEDGER:
                    conn.execute(stmt, params).all()
                ledger_b.append(time.perf_counter() - t0)
            cid, rid, day = sampled[run % len(sampled)]
            t0 = time.perf_counter()
            ev = finance.claim_evidence(engine, exec_user, cid)
            ev_t.append(time.perf_counter() - t0)
            assert ev is not None and ev["mileage"] is not None and len(ev["visits"]) == 10
            with engine.connect() as conn:
                t0 = time.perf_counter()
                start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)
                conn.execute(
                    BASELINE_EVIDENCE, {"rep": rid, "a": start, "b": start + timedelta(days=1)}
                ).all()
                ev_b.append(time.perf_counter() - t0)
        ok = True
        for label, xs, base, target in (
            ("ledger callback (finance.ledger + ledger_outputs)", ledger_t, ledger_b, 0.300),
            ("evidence + mileage ledger (finance.claim_evidence)", ev_t, ev_b, 0.150),
        ):
            passed = p95(xs) <= target
            ok &= passed
            print(
                f"{label}: p50 {statistics.median(xs) * 1000:.0f} ms, p95 {p95(xs) * 1000:.0f} ms "
                f"(target {target * 1000:.0f} ms) {'PASS' if passed else 'FAIL'}; baseline SQL "
                f"p95 {p95(base) * 1000:.0f} ms, ratio {p95(xs) / p95(base):.1f}"
            )
        sent = [n for n, _m, _k in rows_seen]
        total = [m for _n, m, _k in rows_seen]
        km = [k for _n, _m, k in rows_seen]
        print(
            f"claims rows sent per call: min {min(sent):,}, max {max(sent):,} (of {min(total):,}"
            f"-{max(total):,} claims in the filter, all in the totals); mileage rows sent: max "
            f"{max(km):,}"
        )
        return 0 if ok else 1
    finally:
        if not keep:
            dispose_engine(url)
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())

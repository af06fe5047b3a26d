"""Benchmark: the KPI service calls of the pages on PostgreSQL, against hand-written SQL.

    .venv/bin/python bench/kpis.py [--reps 500] [--days 90] [--runs 20] [--baseline auto]
                                   [--admin-url URL] [--profile] [--keep]
                                   [--database URL] [--only LABEL]

Builds a scratch PostgreSQL database (``bench_kpis_<random>`` on the server of ``--admin-url``,
migrated by ``get_engine``) with a synthetic, consistent company: 4 regions, reps / 10 teams,
``--reps`` reps, 30 customers per rep (graded A/B/C), two SOP templates, and ``--days`` calendar
days of which the working days (Mon-Fri) carry ~8 planned stops per rep, the visits (local_date,
check-in distance, geofence limit, check-out, dwell), SOP steps, orders, expense claims, a few
alerts and expense flags, and the ``rep_days`` rollup (fixes, km, and the visit facts when the
schema keeps them there). No raw GPS fixes: the KPIs read the rollup. Everything is written
through the data layer's bulk path (``insert_new_rows`` = COPY, ``upsert_rows``,
``replace_plan_items``, ``replace_template_steps``), then ``VACUUM ANALYZE``.

Then, as exec and as the manager of one region, it times every service call the pages make
(``kpis.overview``, ``kpis.team_views`` by day and by week, ``kpis.compliance``,
``drilldown.drill`` at the four levels, ``kpis.filter_options``), ``--runs`` runs each with varied
filters (7d/30d/mtd/yesterday/custom ranges inside the data, regions, teams, reps). Each call's
baseline is ONE hand-written SQL statement computing the same core numbers for the same filter,
timed in the same run, interleaved with the service call. The baseline reads the visit facts
from the ``rep_days`` rollup when the schema has them (``--baseline rollup``), else from the raw
tables (``--baseline raw``). The numbers of both are compared on every run.

Every variant is called once untimed first (the first call of a filter shape builds and compiles
its statement once per process: the slowest such call is printed apart), and the process's heap
is frozen before timing as app.py does once the app is built.
Prints p50/p95 per call and ratio = service p95 / baseline p95, PASS/FAIL against p95 <= 300 ms
and ratio <= 3. Failing calls (all with ``--profile``) are profiled: SQL vs Python time per
call, the slowest statement's EXPLAIN ANALYZE, and the top functions of cProfile.
Exit code 0 when every target passes, 1 when one fails or the numbers disagree, 2 when the
database is unusable. The scratch database is dropped at the end (unless ``--keep``);
``--database URL`` times again against a database kept that way (migrated first, not rebuilt),
``--only`` times the calls whose label contains the text.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from dashboard.filters import Filters, parse_filters  # noqa: E402
from dashboard.services import drilldown, kpis  # noqa: E402
from dashboard.services.db import dispose_engine, get_engine  # noqa: E402
from dashboard.services.users import User, scope_of  # noqa: E402
from data_access import records, schema  # noqa: E402

DEFAULT_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TARGET_P95_MS = 300.0
TARGET_RATIO = 3.0
LAST_DAY = date(2026, 11, 27)  # a Friday: the data ends here and "today" is this day
TZ_OFFSET = timedelta(hours=8)  # every rep works in Asia/Shanghai
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
REGIONS = (
    ("reg-east", "华东大区", ("上海", "杭州", "南京", "苏州")),
    ("reg-north", "华北大区", ("北京", "天津", "石家庄")),
    ("reg-south", "华南大区", ("广州", "深圳", "东莞")),
    ("reg-west", "西南大区", ("成都", "重庆", "昆明")),
)
MANAGER_REGION = "reg-east"
CUSTOMERS_PER_REP = 30
STOPS_PER_DAY = 8
TEMPLATES = (
    ("sop-std", "标准拜访", (("storefront_photo", True), ("shelf_check", True), ("promo", False))),
    ("sop-quick", "快速拜访", (("storefront_photo", True), ("order_entry", False))),
)
REQUIRED = {tid: {code for code, req in steps if req} for tid, _name, steps in TEMPLATES}
MIN_DWELL_S = 300.0
GRADE_RULE = {"A": 4, "B": 2, "C": 1}  # verified visits per 28 days
WINDOW_DAYS, LOOKBACK_DAYS = 28, 90
SEVERITIES = (("low", 0.4), ("medium", 0.35), ("high", 0.2), ("critical", 0.05))
ROLLUP_FACTS = (
    "visits",
    "effective",
    "dwell_s_sum",
    "dwell_n",
    "sop_required",
    "sop_done",
    "planned",
    "planned_done",
    "order_amount",
    "expense_amount",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


# ------------------------------------------------------------------ the synthetic company


@dataclass
class World:
    regions: list[str]
    teams: dict[str, str]  # team id → region id
    reps: dict[str, str]  # rep id → team id
    days: list[date]  # working days

    def teams_of(self, region: str | None) -> list[str]:
        return [t for t, g in self.teams.items() if region is None or g == region]


def _full(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """Every column of the table (COPY writes them all); the ones not generated are NULL."""
    return {c.name: row.get(c.name) for c in table.columns}


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    x = rng.random()
    for value, weight in pairs:
        if x < weight:
            return value
        x -= weight
    return pairs[-1][0]


class Builder:
    """Generates the company day by day and writes it through the data layer's bulk path."""

    def __init__(self, engine: Engine, *, reps: int, days: int, seed: int):
        self.engine, self.rng = engine, random.Random(seed)
        self.n_reps, self.n_days = reps, days
        self.seconds: dict[str, float] = {}
        self.rows: dict[str, int] = {}
        self.arrival = 0
        self.rollup_facts = [n for n in ROLLUP_FACTS if n in schema.rep_days.c]

    def _timed(self, name: str, fn: Callable[[], Any], n: int) -> None:
        t0 = time.perf_counter()
        fn()
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
        self.rows[name] = self.rows.get(name, 0) + n

    # ---------------------------------------------------------------- masters

    def masters(self) -> World:
        rng = self.rng
        n_teams = max(4, round(self.n_reps / 10))
        regions = [{"id": rid, "name": name, "updated_at": NOW} for rid, name, _ in REGIONS]
        teams, team_region, team_city = [], {}, {}
        for i in range(n_teams):
            rid, _name, cities = REGIONS[i % len(REGIONS)]
            k = i // len(REGIONS)
            city = cities[k % len(cities)]
            tid = f"team-{i + 1:03d}"
            teams.append(
                {"id": tid, "name": f"{city}{k + 1}组", "region_id": rid, "updated_at": NOW}
            )
            team_region[tid], team_city[tid] = rid, city
        reps, rep_team = [], {}
        self.customers: dict[str, list[tuple[str, str]]] = {}  # rep → [(customer id, grade)]
        self.geofence: dict[str, float] = {}
        customers = []
        for j in range(self.n_reps):
            tid = teams[j % n_teams]["id"]
            rep_id = f"rep-{j + 1:04d}"
            rep_team[rep_id] = tid
            reps.append(
                {
                    "id": rep_id,
                    "name": f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{j + 1}",
                    "team_id": tid,
                    "device_id": f"dev-{j + 1:04d}",
                    "timezone": "Asia/Shanghai",
                    "work_start": "08:30",
                    "work_end": "18:30",
                    "active": rng.random() > 0.02,
                    "updated_at": NOW,
                }
            )
            own = []
            for _k in range(CUSTOMERS_PER_REP):
                cid = f"cust-{len(customers) + 1:06d}"
                grade = _weighted(rng, (("A", 0.2), ("B", 0.3), ("C", 0.5)))
                fence = rng.choice((150.0, 200.0, 300.0))
                self.geofence[cid] = fence
                own.append((cid, grade))
                customers.append(
                    {
                        "id": cid,
                        "name": f"{team_city[tid]}便利店{len(customers) + 1}号",
                        "lat": 31.2 + rng.uniform(-0.2, 0.2),
                        "lon": 121.4 + rng.uniform(-0.2, 0.2),
                        "city": team_city[tid],
                        "address": None,
                        "grade": grade,
                        "owner_rep_id": rep_id,
                        "region_id": team_region[tid],
                        "geofence_m": fence,
                        "annual_revenue": round(rng.uniform(1e5, 5e6), 0),
                        "updated_at": NOW,
                    }
                )
            self.customers[rep_id] = own
        templates = [
            {
                "id": tid,
                "name": name,
                "steps": [{"code": c, "required": r} for c, r in steps],
                "updated_at": NOW,
            }
            for tid, name, steps in TEMPLATES
        ]

        def write() -> None:
            with self.engine.begin() as conn:
                records.upsert_rows(conn, schema.regions, regions)
                records.upsert_rows(conn, schema.teams, teams)
                records.upsert_rows(conn, schema.reps, reps)
                records.upsert_rows(conn, schema.customers, customers)
                records.upsert_rows(conn, schema.sop_templates, templates)
                records.replace_template_steps(conn, templates)

        n = len(regions) + len(teams) + len(reps) + len(customers) + len(templates)
        self._timed("masters", write, n)
        first = LAST_DAY - timedelta(days=self.n_days - 1)
        days = [first + timedelta(d) for d in range(self.n_days)]
        return World(
            regions=[r["id"] for r in regions],
            teams=team_region,
            reps=rep_team,
            days=[d for d in days if d.weekday() < 5],
        )

    # ---------------------------------------------------------------- events

    def _rep_day(self, rep_id: str, day: date, out: dict[str, list[dict[str, Any]]]) -> None:
        rng = self.rng
        own = self.customers[rep_id]
        weights = [{"A": 4, "B": 2, "C": 1}[g] for _c, g in own]
        stops: list[str] = []
        while len(stops) < STOPS_PER_DAY:
            cid = rng.choices(own, weights)[0][0]
            if cid not in stops:
                stops.append(cid)
        plan_id = f"plan-{rep_id}-{day:%Y%m%d}"
        out["plans"].append(
            {"id": plan_id, "rep_id": rep_id, "date": day, "customer_ids": stops, "updated_at": NOW}
        )
        visited = [c for c in stops if rng.random() < 0.88]
        for _ in range(2):
            if rng.random() < 0.3:
                visited.insert(rng.randrange(len(visited) + 1), rng.choice(own)[0])
        facts = dict.fromkeys(ROLLUP_FACTS, 0)
        facts["planned"] = len(stops)
        facts["planned_done"] = len(set(stops) & set(visited))
        local = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC) - TZ_OFFSET
        clock = local + timedelta(minutes=rng.randint(0, 30))
        for n, cid in enumerate(visited):
            vid = f"v-{rep_id}-{day:%Y%m%d}-{n:02d}"
            accuracy = rng.uniform(5.0, 40.0)
            distance = rng.uniform(5.0, 150.0) if rng.random() < 0.92 else rng.uniform(300, 3000)
            limit = self.geofence[cid] + min(accuracy, 100.0)
            dwell = rng.uniform(360, 2700) if rng.random() < 0.9 else rng.uniform(60, 290)
            out_at = clock + timedelta(seconds=dwell) if rng.random() < 0.96 else None
            template = _weighted(rng, (("sop-std", 0.8), ("sop-quick", 0.15), ("", 0.05))) or None
            out["visits"].append(
                _full(
                    schema.visits,
                    {
                        "id": vid,
                        "rep_id": rep_id,
                        "device_id": f"dev-{rep_id[4:]}",
                        "customer_id": cid,
                        "ts": clock,
                        "local_date": day,
                        "lat": 31.2,
                        "lon": 121.4,
                        "accuracy_m": accuracy,
                        "mock": False,
                        "face_verified": True,
                        "sop_template_id": template,
                        "received_at": NOW,
                        "checkin_distance_m": distance,
                        "geofence_limit_m": limit,
                        "checked_out_at": out_at,
                        "dwell_s": dwell if out_at else None,
                    },
                )
            )
            facts["visits"] += 1
            if out_at is not None:
                facts["dwell_n"] += 1
                facts["dwell_s_sum"] += dwell
                if dwell >= MIN_DWELL_S and distance <= limit:
                    facts["effective"] += 1
            if template:
                steps = next(s for t, _n, s in TEMPLATES if t == template)
                facts["sop_required"] += len(REQUIRED[template])
                for k, (code, _req) in enumerate(steps):
                    if rng.random() < 0.93:
                        ok = rng.random() < 0.95
                        out["sop_steps"].append(
                            _full(
                                schema.sop_steps,
                                {
                                    "id": f"st-{vid}-{k}",
                                    "visit_id": vid,
                                    "step": code,
                                    "ts": clock + timedelta(minutes=1 + k),
                                    "value": None,
                                    "ok": ok,
                                    "received_at": NOW,
                                },
                            )
                        )
                        if ok and code in REQUIRED[template]:
                            facts["sop_done"] += 1
            if rng.random() < 0.4:
                amount = round(rng.uniform(200, 8000), 2)
                out["orders"].append(
                    _full(
                        schema.orders,
                        {
                            "id": f"o-{vid}",
                            "visit_id": vid,
                            "amount": amount,
                            "currency": "CNY",
                            "received_at": NOW,
                        },
                    )
                )
                facts["order_amount"] += amount
            if rng.random() < 0.01:
                status = "open" if rng.random() < 0.7 else "closed"
                out["alerts"].append(
                    _full(
                        schema.alerts,
                        {
                            "id": f"al-{vid}",
                            "rule": "GEOFENCE_MISS",
                            "severity": _weighted(rng, SEVERITIES),
                            "rep_id": rep_id,
                            "ts": clock,
                            "local_date": day,
                            "visit_id": vid,
                            "customer_id": cid,
                            "summary": "check-in outside the geofence",
                            "evidence": {"distance_m": round(distance, 1)},
                            "status": status,
                            "created_at": NOW,
                            "updated_at": NOW,
                        },
                    )
                )
            clock += timedelta(seconds=dwell + rng.uniform(900, 2400))
        for k, (category, p, lo, hi) in enumerate(
            (("meal", 0.8, 30, 80), ("transport", 0.6, 15, 120), ("hotel", 0.03, 280, 480))
        ):
            if rng.random() >= p:
                continue
            self.arrival += 1
            claim_id = f"exp-{rep_id}-{day:%Y%m%d}-{k}"
            amount = round(rng.uniform(lo, hi), 2)
            out["expenses"].append(
                _full(
                    schema.expenses,
                    {
                        "id": claim_id,
                        "rep_id": rep_id,
                        "date": day,
                        "category": category,
                        "amount": amount,
                        "currency": "CNY",
                        "city": "上海",
                        "received_at": NOW,
                        "arrival_seq": self.arrival,
                    },
                )
            )
            facts["expense_amount"] += amount
            if rng.random() < 0.03:
                out["expense_flags"].append(
                    _full(
                        schema.expense_flags,
                        {
                            "id": f"fl-{claim_id}",
                            "rule": "OVER_CAP",
                            "claim_id": claim_id,
                            "rep_id": rep_id,
                            "date": day,
                            "amount": amount,
                            "amount_at_risk": round(amount * rng.uniform(0.2, 1.2), 2),
                            "summary": "over the daily cap",
                            "evidence": {"cap": 50},
                            "status": "open" if rng.random() < 0.8 else "dismissed",
                            "created_at": NOW,
                            "updated_at": NOW,
                        },
                    )
                )
        first_fix = local - timedelta(minutes=30)
        rollup = {
            "rep_id": rep_id,
            "local_date": day,
            "fixes": rng.randint(400, 900),
            "first_fix_at": first_fix,
            "last_fix_at": first_fix + timedelta(hours=10),
            "km": round(rng.uniform(15, 120), 3),
            "dirty": False,
            "version": 0,
            "computed_at": NOW,
        }
        rollup.update({name: facts[name] for name in self.rollup_facts})
        out["rep_days"].append(rollup)

    def events(self, world: World, *, days_per_batch: int = 10) -> None:
        reps = list(world.reps)
        for start in range(0, len(world.days), days_per_batch):
            out: dict[str, list[dict[str, Any]]] = {
                name: []
                for name in (
                    "plans",
                    "visits",
                    "sop_steps",
                    "orders",
                    "expenses",
                    "alerts",
                    "expense_flags",
                    "rep_days",
                )
            }
            t0 = time.perf_counter()
            for day in world.days[start : start + days_per_batch]:
                for rep_id in reps:
                    self._rep_day(rep_id, day, out)
            self.seconds["generate (Python)"] = (
                self.seconds.get("generate (Python)", 0.0) + time.perf_counter() - t0
            )
            self._write(out)
            done = min(start + days_per_batch, len(world.days))
            if sys.stdout.isatty():
                print(f"\r  ... {done}/{len(world.days)} working days written", end="", flush=True)
        if sys.stdout.isatty():
            print()

    def _write(self, out: dict[str, list[dict[str, Any]]]) -> None:
        """One transaction per batch of days, each table through its bulk writer."""
        plans = out["plans"]
        with self.engine.begin() as conn:
            writes: list[tuple[str, int, Callable[[], Any]]] = [
                ("plans", len(plans), partial(records.upsert_rows, conn, schema.plans, plans)),
                (
                    "plan_items",
                    sum(len(p["customer_ids"]) for p in plans),
                    partial(records.replace_plan_items, conn, plans),
                ),
            ]
            for name in ("visits", "sop_steps", "orders", "expenses", "alerts", "expense_flags"):
                table = schema.metadata.tables[name]
                writes.append(
                    (name, len(out[name]), partial(records.insert_new_rows, conn, table, out[name]))
                )
            writes.append(
                (
                    "rep_days",
                    len(out["rep_days"]),
                    partial(records.upsert_rows, conn, schema.rep_days, out["rep_days"]),
                )
            )
            for name, n, write in writes:
                self._timed(name, write, n)


def vacuum_analyze(engine: Engine) -> float:
    t0 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - t0


def check_rollup(engine: Engine, facts: list[str]) -> list[str]:
    """The rollup's visit facts must equal the raw records' (the generator keeps both)."""
    if not facts:
        return []
    raw_sql = f"""
        SELECT
          (SELECT count(*) FROM visits) AS visits,
          (SELECT count(*) FROM visits WHERE {EFFECTIVE}) AS effective,
          (SELECT count(*) FROM plan_items) AS planned,
          (SELECT count(*) FROM plan_items pi WHERE EXISTS (SELECT 1 FROM visits v
             WHERE v.rep_id = pi.rep_id AND v.local_date = pi.date
               AND v.customer_id = pi.customer_id)) AS planned_done,
          (SELECT count(*) FROM (SELECT DISTINCT s.visit_id, s.step FROM sop_steps s
             JOIN visits v ON v.id = s.visit_id JOIN sop_template_steps ts
               ON ts.template_id = v.sop_template_id AND ts.code = s.step AND ts.required
             WHERE s.ok) d) AS sop_done,
          (SELECT round(sum(amount)) FROM orders)::float8 AS order_amount,
          (SELECT round(sum(amount)) FROM expenses)::float8 AS expense_amount
    """
    names = ("visits", "effective", "planned", "planned_done", "sop_done")
    sums = ", ".join(f"sum({n})" for n in names if n in facts)
    money = ", ".join(f"round(sum({n}))::float8" for n in ("order_amount", "expense_amount"))
    with engine.connect() as conn:
        raw = conn.exec_driver_sql(raw_sql).mappings().one()
        rolled = conn.exec_driver_sql(f"SELECT {sums}, {money} FROM rep_days").one()
    keys = [n for n in names if n in facts] + ["order_amount", "expense_amount"]
    return [
        f"rep_days.{k} = {got} but the raw records say {raw[k]}"
        for k, got in zip(keys, rolled, strict=True)
        if abs(float(got) - float(raw[k])) > 1.0
    ]


# ------------------------------------------------------------------ hand-written SQL baselines

EFFECTIVE = (
    "checked_out_at IS NOT NULL AND dwell_s >= 300.0 AND checkin_distance_m <= geofence_limit_m"
)
SUMS = """
    coalesce(sum(f.visits), 0) AS visits, coalesce(sum(f.effective), 0) AS effective,
    sum(f.dwell_s_sum) AS dwell_s_sum, sum(f.dwell_n) AS dwell_n,
    sum(f.sop_required) AS sop_required, sum(f.sop_done) AS sop_done,
    coalesce(sum(f.planned), 0) AS planned, coalesce(sum(f.planned_done), 0) AS planned_done,
    sum(f.order_amount) AS order_amount, sum(f.expense_amount) AS expense_amount,
    sum(f.km) AS km, sum(f.fixes) AS fixes,
    count(*) FILTER (WHERE f.fixes > 0 OR f.visits > 0) AS rep_days
"""

ROLLUP_FACTS_SQL = """
    facts AS (
      SELECT rd.rep_id, rd.local_date, rd.visits, rd.effective, rd.dwell_s_sum, rd.dwell_n,
             rd.sop_required, rd.sop_done, rd.planned, rd.planned_done, rd.order_amount,
             rd.expense_amount, rd.km, rd.fixes
      FROM rep_days rd
      WHERE rd.local_date BETWEEN %(start)s AND %(end)s AND rd.rep_id IN (SELECT id FROM scope)
    )"""

RAW_FACTS_SQL = f"""
    req AS (SELECT template_id, count(DISTINCT code) AS n FROM sop_template_steps
            WHERE required GROUP BY template_id),
    pv AS (SELECT v.* FROM visits v
           WHERE v.local_date BETWEEN %(start)s AND %(end)s AND v.rep_id IN (SELECT id FROM scope)),
    fv AS (SELECT pv.rep_id, pv.local_date, count(*) AS visits,
                  count(*) FILTER (WHERE {EFFECTIVE}) AS effective,
                  coalesce(sum(dwell_s) FILTER (WHERE checked_out_at IS NOT NULL), 0)
                    AS dwell_s_sum,
                  count(*) FILTER (WHERE checked_out_at IS NOT NULL) AS dwell_n,
                  coalesce(sum(req.n), 0) AS sop_required
           FROM pv LEFT JOIN req ON req.template_id = pv.sop_template_id
           GROUP BY pv.rep_id, pv.local_date),
    fs AS (SELECT pv.rep_id, pv.local_date, count(DISTINCT (s.visit_id, s.step)) AS sop_done
           FROM sop_steps s JOIN pv ON pv.id = s.visit_id
           JOIN sop_template_steps ts ON ts.template_id = pv.sop_template_id
                AND ts.code = s.step AND ts.required
           WHERE s.ok GROUP BY pv.rep_id, pv.local_date),
    fo AS (SELECT pv.rep_id, pv.local_date, sum(o.amount)::float8 AS order_amount
           FROM orders o JOIN pv ON pv.id = o.visit_id GROUP BY pv.rep_id, pv.local_date),
    fp AS (SELECT pi.rep_id, pi.date AS local_date, count(*) AS planned,
                  count(seen.rep_id) AS planned_done
           FROM plan_items pi
           LEFT JOIN (SELECT DISTINCT rep_id, local_date, customer_id FROM pv) seen
                  ON seen.rep_id = pi.rep_id AND seen.local_date = pi.date
                 AND seen.customer_id = pi.customer_id
           WHERE pi.date BETWEEN %(start)s AND %(end)s AND pi.rep_id IN (SELECT id FROM scope)
           GROUP BY pi.rep_id, pi.date),
    fe AS (SELECT rep_id, date AS local_date, sum(amount)::float8 AS expense_amount
           FROM expenses WHERE date BETWEEN %(start)s AND %(end)s
             AND rep_id IN (SELECT id FROM scope) GROUP BY rep_id, date),
    ft AS (SELECT rep_id, local_date, km, fixes FROM rep_days
           WHERE local_date BETWEEN %(start)s AND %(end)s AND fixes > 0
             AND rep_id IN (SELECT id FROM scope)),
    facts AS (
      SELECT rep_id, local_date, coalesce(visits, 0) AS visits, coalesce(effective, 0) AS effective,
             coalesce(dwell_s_sum, 0) AS dwell_s_sum, coalesce(dwell_n, 0) AS dwell_n,
             coalesce(sop_required, 0) AS sop_required, coalesce(sop_done, 0) AS sop_done,
             coalesce(planned, 0) AS planned, coalesce(planned_done, 0) AS planned_done,
             coalesce(order_amount, 0) AS order_amount,
             coalesce(expense_amount, 0) AS expense_amount,
             coalesce(km, 0) AS km, coalesce(fixes, 0) AS fixes
      FROM fv FULL JOIN fs USING (rep_id, local_date) FULL JOIN fo USING (rep_id, local_date)
              FULL JOIN fp USING (rep_id, local_date) FULL JOIN fe USING (rep_id, local_date)
              FULL JOIN ft USING (rep_id, local_date)
    )"""


@dataclass(frozen=True)
class Query:
    sql: str
    params: dict[str, Any]


def _scope(regions: Sequence[str] | None, f: Filters) -> tuple[str, dict[str, Any]]:
    conds, params = [], {}
    if regions is not None:
        conds.append("t.region_id = ANY(%(scope)s)")
        params["scope"] = list(regions)
    for key, column in (("region", "t.region_id"), ("team", "r.team_id"), ("rep", "r.id")):
        if getattr(f, key):
            conds.append(f"{column} = %({key})s")
            params[key] = getattr(f, key)
    sql = f"""
    scope AS (
      SELECT r.id, r.name, r.team_id, t.name AS team_name, t.region_id, g.name AS region_name,
             r.active, r.timezone
      FROM reps r JOIN teams t ON t.id = r.team_id LEFT JOIN regions g ON g.id = t.region_id
      WHERE {" AND ".join(conds) or "TRUE"}
    )"""
    return sql, params


class Baselines:
    """One hand-written statement per service call, for the same filter and scope."""

    def __init__(self, source: str):
        self.facts_sql = ROLLUP_FACTS_SQL if source == "rollup" else RAW_FACTS_SQL

    def _with_facts(self, regions, f: Filters, start: date) -> tuple[str, dict[str, Any]]:
        scope, params = _scope(regions, f)
        return f"WITH {scope}, {self.facts_sql}", {**params, "start": start, "end": f.end}

    def overview(self, regions, f: Filters, today: date) -> Query:
        prev = f.previous()
        head, params = self._with_facts(regions, f, prev.start)
        sql = f"""{head}
        SELECT
          (SELECT json_agg(d ORDER BY d.local_date) FROM (
             SELECT f.local_date, {SUMS} FROM facts f WHERE f.local_date >= %(cur)s
             GROUP BY f.local_date) d) AS trend,
          (SELECT row_to_json(p) FROM (
             SELECT {SUMS} FROM facts f WHERE f.local_date < %(cur)s) p) AS previous,
          (SELECT json_agg(x) FROM (
             SELECT s.team_id, s.team_name, s.region_id, {SUMS}
             FROM facts f JOIN scope s ON s.id = f.rep_id WHERE f.local_date >= %(cur)s
             GROUP BY s.team_id, s.team_name, s.region_id) x) AS teams,
          (SELECT json_object_agg(severity, n) FROM (
             SELECT a.severity, count(*) AS n FROM alerts a
             WHERE a.status = 'open' AND a.local_date BETWEEN %(cur)s AND %(end)s
               AND a.rep_id IN (SELECT id FROM scope) GROUP BY a.severity) a) AS alerts,
          (SELECT coalesce(sum(e.amount), 0)::float8 FROM expenses e
           WHERE e.date BETWEEN %(cur)s AND %(end)s
             AND e.rep_id IN (SELECT id FROM scope)) AS claimed,
          (SELECT coalesce(sum(LEAST(k.risk, e.amount)), 0)::float8
           FROM (SELECT claim_id, max(amount_at_risk) AS risk FROM expense_flags
                 WHERE status = 'open' AND date BETWEEN %(cur)s AND %(end)s
                 GROUP BY claim_id) k
           JOIN expenses e ON e.id = k.claim_id
           WHERE e.date BETWEEN %(cur)s AND %(end)s
             AND e.rep_id IN (SELECT id FROM scope)) AS at_risk,
          (SELECT count(*) FROM scope s WHERE s.active AND EXISTS (
             SELECT 1 FROM rep_days rd WHERE rd.rep_id = s.id AND rd.local_date = %(today)s
               AND rd.fixes > 0)) AS online,
          (SELECT count(*) FROM scope s WHERE s.active) AS reps
        """
        return Query(sql, {**params, "cur": f.start, "today": today})

    def team_views(self, regions, f: Filters, grain: str) -> Query:
        head, params = self._with_facts(regions, f, f.start)
        period = "f.local_date" if grain == "day" else "date_trunc('week', f.local_date)::date"
        sql = f"""{head}
        SELECT GROUPING(s.team_id, s.id, {period}) AS level,
               s.team_id, s.team_name, s.region_id, s.id AS rep_id, s.name AS rep_name,
               {period} AS period, s.active, count(f.rep_id) AS fact_rows, {SUMS}
        FROM scope s LEFT JOIN facts f ON f.rep_id = s.id
        GROUP BY GROUPING SETS ((s.team_id, s.team_name, s.region_id), ({period}),
                                (s.id, s.name, s.team_id, s.team_name, s.active))
        """
        return Query(sql, params)

    def compliance(self, regions, f: Filters) -> Query:
        """Per grade and per owner team x grade: customers and compliant ones; the overdue
        customers with their verified visits and last verified visit."""
        conds, params = [], {}
        if regions is not None:
            conds.append("t.region_id = ANY(%(scope)s)")
            params["scope"] = list(regions)
        if f.region:
            conds.append("t.region_id = %(region)s")
            params["region"] = f.region
        if f.rep:
            conds.append("c.owner_rep_id = %(rep)s")
            params["rep"] = f.rep
        if f.team:
            conds.append("r.team_id = %(team)s")
            params["team"] = f.team
        window_start = f.end - timedelta(days=WINDOW_DAYS - 1)
        history_start = min(window_start, f.end - timedelta(days=LOOKBACK_DAYS - 1))
        rule = " ".join(f"WHEN '{g}' THEN {n}" for g, n in GRADE_RULE.items())
        sql = f"""
        WITH cs AS (SELECT c.id, c.grade, r.team_id, t.name AS team_name,
                           CASE c.grade {rule} END AS required
                    FROM customers c LEFT JOIN reps r ON r.id = c.owner_rep_id
                    LEFT JOIN teams t ON t.id = r.team_id
                    WHERE c.grade IN ('A', 'B', 'C') AND {" AND ".join(conds) or "TRUE"}),
        ver AS (SELECT v.customer_id, count(*) AS n FROM visits v
                JOIN customers c ON c.id = v.customer_id
                LEFT JOIN reps r ON r.id = c.owner_rep_id LEFT JOIN teams t ON t.id = r.team_id
                WHERE v.local_date BETWEEN %(wstart)s AND %(end)s AND {EFFECTIVE}
                  AND c.grade IN ('A', 'B', 'C') AND {" AND ".join(conds) or "TRUE"}
                GROUP BY v.customer_id),
        j AS (SELECT cs.*, coalesce(ver.n, 0) AS n, coalesce(ver.n, 0) >= cs.required AS ok
              FROM cs LEFT JOIN ver ON ver.customer_id = cs.id)
        SELECT 'count' AS kind, GROUPING(j.team_id) AS per_grade, j.grade, j.team_id,
               j.team_name, count(*) AS customers, count(*) FILTER (WHERE j.ok) AS compliant,
               NULL AS id, NULL::bigint AS n, NULL::date AS last_verified
        FROM j GROUP BY GROUPING SETS ((j.grade), (j.grade, j.team_id, j.team_name))
        UNION ALL
        SELECT 'overdue', NULL, j.grade, j.team_id, j.team_name, NULL, NULL, j.id, j.n,
               (SELECT max(v.local_date) FROM visits v WHERE v.customer_id = j.id
                  AND v.local_date BETWEEN %(hstart)s AND %(end)s AND {EFFECTIVE})
        FROM j WHERE NOT j.ok
        """
        return Query(sql, {**params, "wstart": window_start, "hstart": history_start, "end": f.end})

    def drill(self, regions, f: Filters, level: str, day: date | None) -> Query:
        if level == "visits":
            scope, params = _scope(regions, f)
            sql = f"""
            WITH {scope},
            req AS (SELECT template_id, count(DISTINCT code) AS n FROM sop_template_steps
                    WHERE required GROUP BY template_id)
            SELECT v.id, v.customer_id, c.name, c.grade, v.ts, v.checked_out_at, v.dwell_s,
                   v.checkin_distance_m, v.geofence_limit_m,
                   v.checkin_distance_m <= v.geofence_limit_m AS in_geofence,
                   coalesce(v.checked_out_at IS NOT NULL AND v.dwell_s >= 300
                            AND v.checkin_distance_m <= v.geofence_limit_m, false) AS effective,
                   coalesce(req.n, 0) AS sop_required,
                   (SELECT count(DISTINCT s.step) FROM sop_steps s
                    JOIN sop_template_steps ts ON ts.template_id = v.sop_template_id
                         AND ts.code = s.step AND ts.required
                    WHERE s.visit_id = v.id AND s.ok) AS sop_done,
                   (SELECT coalesce(sum(o.amount), 0)::float8 FROM orders o
                    WHERE o.visit_id = v.id) AS order_amount,
                   EXISTS (SELECT 1 FROM plan_items pi WHERE pi.rep_id = v.rep_id
                           AND pi.date = v.local_date AND pi.customer_id = v.customer_id)
                     AS planned,
                   s.timezone
            FROM visits v JOIN scope s ON s.id = v.rep_id
            JOIN customers c ON c.id = v.customer_id
            LEFT JOIN req ON req.template_id = v.sop_template_id
            WHERE v.rep_id = %(rep)s AND v.local_date = %(day)s
            ORDER BY v.ts, v.id
            """
            return Query(sql, {**params, "rep": f.rep, "day": day})
        head, params = self._with_facts(regions, f, f.start)
        if level == "days":
            sql = f"""{head}
            SELECT f.local_date, {SUMS} FROM facts f GROUP BY f.local_date ORDER BY 1"""
        elif level == "reps":
            sql = f"""{head}
            SELECT s.id, s.name, s.team_id, s.team_name, {SUMS}
            FROM scope s LEFT JOIN facts f ON f.rep_id = s.id
            WHERE s.active OR f.rep_id IS NOT NULL
            GROUP BY s.id, s.name, s.team_id, s.team_name ORDER BY s.team_name, s.name"""
        else:
            sql = f"""{head}
            SELECT s.team_id, s.team_name, s.region_id, s.region_name, {SUMS}
            FROM scope s LEFT JOIN facts f ON f.rep_id = s.id
            GROUP BY s.team_id, s.team_name, s.region_id, s.region_name ORDER BY 2, 1"""
        return Query(sql, params)

    def filter_options(self, regions) -> Query:
        where = "" if regions is None else "WHERE {} = ANY(%(scope)s)"
        sql = f"""
        (SELECT 'region' AS kind, g.id, g.name, NULL AS parent, NULL AS active FROM regions g
         {where.format("g.id")} ORDER BY g.name, g.id)
        UNION ALL
        (SELECT 'team', t.id, t.name, t.region_id, NULL FROM teams t
         {where.format("t.region_id")} ORDER BY t.name, t.id)
        UNION ALL
        (SELECT 'rep', r.id, r.name, r.team_id, r.active::text FROM reps r
         JOIN teams t ON t.id = r.team_id {where.format("t.region_id")} ORDER BY r.name, r.id)
        """
        return Query(sql, {} if regions is None else {"scope": list(regions)})


def run_query(engine: Engine, query: Query) -> list[Any]:
    with engine.connect() as conn:
        # Like the data layer: a KPI aggregate's planner cost crosses jit_above_cost while the
        # query runs in milliseconds.
        conn.exec_driver_sql("SET LOCAL jit = off")
        return conn.exec_driver_sql(query.sql, query.params).all()


# ------------------------------------------------------------------ the cases


@dataclass(frozen=True)
class Variant:
    filters: Filters
    day: date | None = None


@dataclass
class Case:
    label: str
    user: User
    service: Callable[[Variant], Any]
    baseline: Callable[[Variant], Query]
    check: Callable[[Any, list[Any]], str | None]
    variants: list[Variant]
    service_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    first_ms: float = 0.0  # the slowest untimed warm-up call (a shape's first build + compile)

    @property
    def service_p95(self) -> float:
        return p95(self.service_ms)

    @property
    def ratio(self) -> float:
        return self.service_p95 / p95(self.baseline_ms)

    @property
    def passed(self) -> bool:
        return self.service_p95 <= TARGET_P95_MS and self.ratio <= TARGET_RATIO


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def _total(rows: list[Any], name: str, where: Callable[[Any], bool] = lambda r: True) -> float:
    return float(sum((getattr(r, name) or 0) for r in rows if where(r)))


def _same(label: str, got: Any, want: Any) -> str | None:
    """Equal numbers (to a relative 1e-9: sums of floats in another order), or equal values."""
    if isinstance(got, (int, float)) or isinstance(want, (int, float)):
        got = None if got is None or pd.isna(got) else float(got)
        want = None if want is None or pd.isna(want) else float(want)
        if got is None or want is None:
            ok = got is None and want is None
        else:
            ok = abs(got - want) <= 1e-9 * max(1.0, abs(want))
    else:
        ok = got == want
    return None if ok else f"{label}: service {got!r}, baseline {want!r}"


def _first(*problems: str | None) -> str | None:
    return next((p for p in problems if p), None)


# The summed facts every KPI of a group derives from (dashboard.kpis), compared one by one.
FACTS_COMPARED = (
    "visits",
    "effective",
    "rep_days",
    "planned",
    "planned_done",
    "km",
    "expense",
    "orders",
)
# KPI column → (numerator, denominator) of the baseline's sums.
RATIOS_COMPARED = {
    "sop_completion": ("sop_done", "sop_required"),
    "avg_dwell_min": ("dwell_s_sum", "dwell_n"),
    "plan_adherence": ("planned_done", "planned"),
    "effective_rate": ("effective", "visits"),
}
SUM_NAME = {"expense": "expense_amount", "orders": "order_amount"}


def _value(row: Any, name: str) -> float:
    value = row[name] if isinstance(row, dict) else getattr(row, name)
    return float(value or 0)


def _same_kpis(label: str, kpi: dict[str, Any], sums: Any) -> str | None:
    """One group's KPIs (service) against the baseline's sums of the same group."""
    problems = [
        _same(f"{label} {name}", kpi[name] or 0, _value(sums, SUM_NAME.get(name, name)))
        for name in FACTS_COMPARED
    ]
    for name, (num, den) in RATIOS_COMPARED.items():
        d = _value(sums, den)
        want = _value(sums, num) / d if d else None
        if want is not None and name == "avg_dwell_min":
            want /= 60.0
        problems.append(_same(f"{label} {name}", kpi[name], want))
    return _first(*problems)


def _same_groups(
    label: str, frame: pd.DataFrame, key: str, rows: list[Any], row_key: str
) -> str | None:
    """Every group of the service frame equals the baseline row of the same key, and back."""
    got = {k: r for k, r in zip(frame[key], kpis_records(frame), strict=True)}
    want = {getattr(r, row_key): r for r in rows}
    if set(got) != set(want):
        return f"{label}: groups differ: {sorted(map(str, set(got) ^ set(want)))[:5]}"
    return _first(*(_same_kpis(f"{label} {k}", got[k], want[k]) for k in want))


def kpis_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def check_overview(data: dict[str, Any], rows: list[Any]) -> str | None:
    [row] = rows
    trend = {date.fromisoformat(d["local_date"]): d for d in row.trend or []}
    days = data["trend"]
    active = days[days["local_date"].isin(list(trend))]
    idle = days[~days["local_date"].isin(list(trend))]
    cur = data["current"]
    totals = {
        name: sum(float(d[name] or 0) for d in trend.values())
        for name in {SUM_NAME.get(n, n) for n in FACTS_COMPARED}
        | {"sop_done", "sop_required"}
        | {"dwell_s_sum", "dwell_n"}
    }
    previous = row.previous
    top_ids = list(data["top_teams"]["team_id"]) + list(data["bottom_teams"]["team_id"])
    teams = {t["team_id"]: t for t in row.teams or []}
    return _first(
        _same("idle trend days", int(idle["visits"].sum() + idle["rep_days"].sum()), 0),
        *(
            _same_kpis(f"trend {d}", k, trend[d])
            for d, k in zip(active["local_date"], kpis_records(active), strict=True)
        ),
        _same_kpis("current", cur, totals),
        _same_kpis("previous", data["previous"], previous),
        *(
            _same_kpis(f"ranked team {tid}", k, teams[tid])
            for tid, k in zip(
                top_ids,
                kpis_records(pd.concat([data["top_teams"], data["bottom_teams"]])),
                strict=True,
            )
        ),
        _same(
            "open alerts",
            data["alerts"],
            {**dict.fromkeys(data["alerts"], 0), **(row.alerts or {})},
        ),
        _same("claimed", data["expenses"]["claimed"], row.claimed),
        _same("at risk", data["expenses"]["at_risk"], row.at_risk),
        _same("online", data["online"]["online"], row.online),
        _same("reps", data["online"]["reps"], row.reps),
    )


def check_team_views(views: dict[str, pd.DataFrame], rows: list[Any]) -> str | None:
    teams = [r for r in rows if r.level == 0b011]  # grouped by team: rep and period rolled up
    # grouped by rep: the active reps and those with facts in the period
    reps = [r for r in rows if r.level == 0b001 and (r.active or r.fact_rows)]
    periods = [r for r in rows if r.level == 0b110 and r.period is not None]
    trend = views["trend"]
    active = trend[trend["period"].isin([r.period for r in periods])]
    return _first(
        _same_groups("team", views["teams"], "team_id", teams, "team_id"),
        _same_groups("rep", views["reps"], "rep_id", reps, "rep_id"),
        _same_groups("period", active, "period", periods, "period"),
        _same("trend visits", int(trend["visits"].sum()), _total(periods, "visits")),
    )


def check_compliance(result: dict[str, Any], rows: list[Any]) -> str | None:
    per_grade = {r.grade: r for r in rows if r.kind == "count" and r.per_grade == 1}
    per_team = {(r.team_id, r.grade): r for r in rows if r.kind == "count" and r.per_grade == 0}
    overdue = {r.id: r for r in rows if r.kind == "overdue"}
    problems = []
    for g in result["grades"].itertuples():
        want = per_grade.get(g.grade)
        problems.append(_same(f"{g.grade} customers", g.customers, want.customers if want else 0))
        problems.append(_same(f"{g.grade} compliant", g.compliant, want.compliant if want else 0))
    heat = result["heatmap"]
    cells = {
        (tid, grade): rate
        for tid, *rates in heat[["team_id", "A", "B", "C"]].itertuples(index=False)
        for grade, rate in zip("ABC", rates, strict=True)
        if not pd.isna(rate)
    }
    problems.append(_same("heatmap cells", sorted(map(str, cells)), sorted(map(str, per_team))))
    for key, want in per_team.items():
        problems.append(_same(f"heatmap {key}", cells.get(key), want.compliant / want.customers))
    got = result["overdue"]
    problems.append(_same("overdue customers", sorted(got["customer_id"]), sorted(overdue)))
    for cid, n, last in got[["customer_id", "verified_visits", "last_verified_date"]].itertuples(
        index=False
    ):
        if cid in overdue:
            problems.append(_same(f"{cid} visits", n, overdue[cid].n))
            problems.append(_same(f"{cid} last", last, overdue[cid].last_verified))
    return _first(*problems)


def check_drill(frame: pd.DataFrame, rows: list[Any]) -> str | None:
    if "visit_id" in frame.columns or (frame.empty and rows and hasattr(rows[0], "ts")):
        got = {r["visit_id"]: r for r in kpis_records(frame)} if len(frame) else {}
        want = {r.id: r for r in rows}
        problems = [_same("visits", sorted(got), sorted(want))]
        for vid, r in want.items():
            if vid in got:
                for name in ("effective", "in_geofence", "planned", "sop_required", "sop_done"):
                    problems.append(
                        _same(f"{vid} {name}", int(got[vid][name]), int(getattr(r, name)))
                    )
                problems.append(_same(f"{vid} order", got[vid]["order_amount"], r.order_amount))
        return _first(*problems)
    if "local_date" in frame.columns:
        return _same_groups("day", frame, "local_date", rows, "local_date")
    if "rep_id" in frame.columns:
        return _same_groups("rep", frame, "rep_id", rows, "id")
    return _same_groups("team", frame, "team_id", rows, "team_id")


def check_options(opts: dict[str, list[Any]], rows: list[Any]) -> str | None:
    return _first(
        *(
            _same(kind, [o["id"] for o in opts[f"{kind}s"]], [r.id for r in rows if r.kind == kind])
            for kind in ("region", "team", "rep")
        )
    )


class Variants:
    """Varied filters: periods inside the data, and (as the user may) regions, teams, reps."""

    def __init__(self, world: World, seed: int):
        self.world, self.rng = world, random.Random(seed)
        first = world.days[0]
        span = (LAST_DAY - first).days
        self.periods: list[dict[str, str]] = [
            {"period": "7d"},
            {"period": "30d"},
            {"period": "mtd"},
            {"period": "yesterday"},
            {"period": "today"},
        ]
        for offset, length in ((7, 7), (span // 3, 30), (span // 2, 14), (0, span + 1)):
            start = first + timedelta(days=offset)
            end = min(LAST_DAY, start + timedelta(days=length - 1))
            self.periods.append({"period": "custom", "from": str(start), "to": str(end)})

    def _filters(self, period: dict[str, str], **narrow: str | None) -> Filters:
        return parse_filters({**period, **{k: v for k, v in narrow.items() if v}}, today=LAST_DAY)

    def make(self, kind: str, user: User, n: int) -> list[Variant]:
        rng, w = self.rng, self.world
        own = user.regions[0] if user.scoped else None
        regions = [own] if own else w.regions
        out = []
        for i in range(n):
            period = self.periods[i % len(self.periods)]
            region = rng.choice(regions)
            team = rng.choice(w.teams_of(region))
            rep = rng.choice([r for r, t in w.reps.items() if t == team])
            if kind == "scope":  # overview, team views, compliance: everyone → one rep
                narrow = (
                    {},
                    {"region": region},
                    {"team": team},
                    {"rep": rep},
                    {"region": region, "team": team},
                )[i % 5]
                out.append(Variant(self._filters(period, **narrow)))
            elif kind == "teams":
                out.append(Variant(self._filters(period, region=region if i % 2 else None)))
            elif kind == "reps":
                out.append(Variant(self._filters(period, team=team)))
            elif kind == "days":
                out.append(Variant(self._filters(period, team=team, rep=rep)))
            elif kind == "visits":
                f = self._filters(period, team=team, rep=rep)
                days = [d for d in w.days if f.start <= d <= f.end] or w.days[-1:]
                out.append(Variant(f, day=rng.choice(days)))
            else:
                out.append(Variant(self._filters(period)))
        return out


def build_cases(engine: Engine, world: World, source: str, runs: int, seed: int) -> list[Case]:
    base = Baselines(source)
    variants = Variants(world, seed)
    users = (
        User(id=1, name="bench-exec", role="exec", regions=()),
        User(id=2, name="bench-manager", role="manager", regions=(MANAGER_REGION,)),
    )
    cases = []
    for user in users:
        scope = scope_of(user).region_ids

        def add(label, kind, service, baseline, check, user=user):
            cases.append(
                Case(label, user, service, baseline, check, variants.make(kind, user, runs))
            )

        add(
            "overview",
            "scope",
            lambda v, u=user: kpis.overview(engine, u, v.filters, today=LAST_DAY),
            lambda v, s=scope: base.overview(s, v.filters, LAST_DAY),
            check_overview,
        )
        for grain in ("day", "week"):
            add(
                f"team_views({grain})",
                "scope",
                lambda v, u=user, g=grain: kpis.team_views(
                    engine, u, v.filters, grain=g, today=LAST_DAY
                ),
                lambda v, s=scope, g=grain: base.team_views(s, v.filters, g),
                check_team_views,
            )
        add(
            "compliance",
            "scope",
            lambda v, u=user: kpis.compliance(engine, u, v.filters),
            lambda v, s=scope: base.compliance(s, v.filters),
            check_compliance,
        )
        for level in ("teams", "reps", "days", "visits"):
            add(
                f"drill({level})",
                level,
                lambda v, u=user, lv=level: drilldown.drill(
                    engine,
                    u,
                    v.filters,
                    level=lv,
                    day=v.day.isoformat() if v.day else None,
                    today=LAST_DAY,
                ),
                lambda v, s=scope, lv=level: base.drill(s, v.filters, lv, v.day),
                check_drill,
            )
        add(
            "filter_options",
            "none",
            lambda v, u=user: kpis.filter_options(engine, u),
            lambda v, s=scope: base.filter_options(s),
            check_options,
        )
    return cases


def measure(engine: Engine, case: Case) -> None:
    # Warm the pool and the statement caches untimed, once per variant: the first call of a
    # filter shape (which filters are set) builds and compiles its statement once per process;
    # that one-off cost is reported apart (first_ms), the runs time the steady state.
    for variant in case.variants:
        t0 = time.perf_counter()
        case.service(variant)
        case.first_ms = max(case.first_ms, (time.perf_counter() - t0) * 1000)
        run_query(engine, case.baseline(variant))
    for variant in case.variants:
        t0 = time.perf_counter()
        result = case.service(variant)
        t1 = time.perf_counter()
        query = case.baseline(variant)  # building the SQL text is part of the baseline's time
        rows = run_query(engine, query)
        t2 = time.perf_counter()
        case.service_ms.append((t1 - t0) * 1000)
        case.baseline_ms.append((t2 - t1) * 1000)
        problem = case.check(result, rows)
        if problem:
            case.mismatches.append(f"{variant.filters} day={variant.day}: {problem}")


# ------------------------------------------------------------------ profiling


@dataclass
class Statement:
    sql: str
    params: Any
    ms: float


@dataclass
class Capture:
    statements: list[Statement] = field(default_factory=list)
    _t0: float = 0.0

    def before(self, conn, cursor, statement, parameters, context, executemany):
        self._t0 = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        ms = (time.perf_counter() - self._t0) * 1000
        self.statements.append(Statement(statement, parameters, ms))


def profile_case(engine: Engine, case: Case, top: int) -> None:
    """Where one call's time goes: SQL vs Python, per statement, EXPLAIN ANALYZE, cProfile."""
    slowest = max(range(len(case.variants)), key=lambda i: case.service_ms[i])
    variant = case.variants[slowest]
    capture = Capture()
    sa.event.listen(engine, "before_cursor_execute", capture.before)
    sa.event.listen(engine, "after_cursor_execute", capture.after)
    try:
        t0 = time.perf_counter()
        case.service(variant)
        total = (time.perf_counter() - t0) * 1000
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture.before)
        sa.event.remove(engine, "after_cursor_execute", capture.after)
    queries = [s for s in capture.statements if not s.sql.lstrip().upper().startswith("SET")]
    sql_ms = sum(s.ms for s in capture.statements)
    print(f"\n--- {case.label} as {case.user.role}: slowest filter {variant.filters}")
    print(
        f"    one call {total:.1f} ms: {len(queries)} queries, SQL (execute + transfer) "
        f"{sql_ms:.1f} ms, Python (rows -> pandas -> KPIs) {total - sql_ms:.1f} ms"
    )
    for s in sorted(queries, key=lambda s: -s.ms)[:5]:
        first = " ".join(s.sql.split())[:110]
        print(f"    {s.ms:8.1f} ms  {first}")
    if queries:
        worst = max(queries, key=lambda s: s.ms)
        with engine.connect() as conn:
            conn.exec_driver_sql("SET LOCAL jit = off")
            plan = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + worst.sql, worst.params
            ).all()
        print("    EXPLAIN ANALYZE of the slowest statement:")
        for (line,) in plan[:40]:
            print(f"      {line}")
    profiler = cProfile.Profile()
    profiler.enable()
    case.service(variant)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    print("    cProfile (cumulative):")
    for line in out.getvalue().splitlines():
        if line.strip() and not line.startswith(("   Ordered", "         ")):
            print(f"      {line}")


# ------------------------------------------------------------------ main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--days", type=int, default=90, help="calendar days (Mon-Fri worked)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per call")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--baseline",
        choices=("auto", "rollup", "raw"),
        default="auto",
        help="where the hand-written SQL reads the visit facts (auto: the rollup when it has them)",
    )
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--profile", action="store_true", help="profile every call, not only fails")
    parser.add_argument("--profile-top", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--database",
        help="time against this database, built before by a run with --keep (no build, no drop)",
    )
    parser.add_argument("--only", help="time only the calls whose label contains this text")
    args = parser.parse_args(argv)
    if args.runs < 2:
        parser.error("--runs must be at least 2 (for p95)")
    return args


@dataclass
class Scratch:
    admin: Engine
    name: str
    url: str

    @classmethod
    def create(cls, admin_url: str) -> Scratch:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"bench_kpis_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        return cls(admin, name, url)

    def drop(self) -> None:
        dispose_engine(self.url)
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


def load_world(engine: Engine) -> World:
    """The company of a database built by an earlier run (``--keep``)."""
    with engine.connect() as conn:
        regions = [row.id for row in conn.execute(sa.select(schema.regions.c.id))]
        teams = dict(conn.execute(sa.select(schema.teams.c.id, schema.teams.c.region_id)).all())
        reps = dict(conn.execute(sa.select(schema.reps.c.id, schema.reps.c.team_id)).all())
        days = conn.execute(
            sa.select(schema.rep_days.c.local_date)
            .distinct()
            .order_by(schema.rep_days.c.local_date)
        ).scalars()
        return World(sorted(regions), teams, reps, [d for d in days if d.weekday() < 5])


def print_build(builder: Builder, world: World, vacuum_s: float, total_s: float) -> None:
    print("build (bulk path of data_access.records):")
    for name, seconds in builder.seconds.items():
        n = builder.rows.get(name)
        rows = f"{n:>10,} rows" if n is not None else " " * 15
        print(f"  {name:<20} {rows}  {seconds:6.1f} s")
    print(f"  {'VACUUM ANALYZE':<20} {'':15}  {vacuum_s:6.1f} s")
    print(
        f"  total {total_s:.1f} s for {len(world.reps)} reps, {len(world.teams)} teams, "
        f"{len(world.days)} working days"
    )


def print_table(cases: list[Case], source: str) -> None:
    print(
        f"\nKPI service calls vs one hand-written SQL statement (facts from {source}); "
        f"{len(cases[0].service_ms)} runs each, ms"
    )
    head = (
        f"{'call':<18} {'user':<8} {'svc p50':>8} {'svc p95':>8} {'sql p50':>8} {'sql p95':>8} "
        f"{'ratio':>6}  {'p95<=300':<8} {'ratio<=3':<8} numbers"
    )
    print(head)
    print("-" * len(head))
    for c in cases:
        ratio = c.ratio
        print(
            f"{c.label:<18} {c.user.role:<8} {statistics.median(c.service_ms):8.1f} "
            f"{c.service_p95:8.1f} {statistics.median(c.baseline_ms):8.1f} "
            f"{p95(c.baseline_ms):8.1f} {ratio:6.2f}  "
            f"{'PASS' if c.service_p95 <= TARGET_P95_MS else 'FAIL':<8} "
            f"{'PASS' if ratio <= TARGET_RATIO else 'FAIL':<8} "
            f"{'agree' if not c.mismatches else f'{len(c.mismatches)} DIFFER'}"
        )
    worst = max(cases, key=lambda c: c.first_ms)
    print(
        f"first call of a filter shape (untimed warm-up, statement built and compiled once per "
        f"process): at most {worst.first_ms:.1f} ms ({worst.label}, {worst.user.role})"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print("bench/kpis.py: KPI service calls on PostgreSQL vs hand-written SQL, same run")
    print(f"date       {datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"python     {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs")
    print(f"libraries  pandas {pd.__version__}, sqlalchemy {sa.__version__}")
    # The machine may be shared: the load tells how much to trust a tail latency.
    print("load avg   {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()))
    if args.database:
        return run_cases(get_engine(args.database), load_world(get_engine(args.database)), args)
    try:
        scratch = Scratch.create(args.admin_url)
    except sa.exc.OperationalError as exc:
        print(f"error: PostgreSQL at {args.admin_url} is unusable: {exc.orig}")
        return 2
    try:
        engine = get_engine(scratch.url)
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        print(f"postgresql {version}, scratch database {scratch.name}")
        builder = Builder(engine, reps=args.reps, days=args.days, seed=args.seed)
        t0 = time.perf_counter()
        world = builder.masters()
        builder.events(world)
        vacuum_s = vacuum_analyze(engine)
        print_build(builder, world, vacuum_s, time.perf_counter() - t0)
        problems = check_rollup(engine, builder.rollup_facts)
        if problems:
            print("THE ROLLUP DISAGREES WITH THE RAW RECORDS:", *problems, sep="\n  ")
            return 1
        if builder.rollup_facts:
            print("rollup checked: rep_days visit facts equal the raw records' totals")
        return run_cases(engine, world, args)
    finally:
        if args.keep:
            print(f"kept {scratch.url}")
        else:
            scratch.drop()


def run_cases(engine: Engine, world: World, args: argparse.Namespace) -> int:
    source = args.baseline
    if source == "auto":
        has_facts = all(name in schema.rep_days.c for name in ROLLUP_FACTS)
        source = "rollup" if has_facts else "raw"
    cases = build_cases(engine, world, source, args.runs, args.seed)
    if args.only:
        cases = [c for c in cases if args.only in c.label]
    print(f"timing {len(cases)} calls x {args.runs} runs (service and baseline interleaved)")
    gc.freeze()  # as app.py does once the app is built: what exists now lives for the run
    for case in cases:
        measure(engine, case)
    print_table(cases, "rep_days rollup" if source == "rollup" else "raw tables")
    failed = [c for c in cases if not c.passed]
    differ = [c for c in cases if c.mismatches]
    print(
        f"\ntargets: p95 <= {TARGET_P95_MS:.0f} ms and ratio <= {TARGET_RATIO:g}: "
        f"{len(cases) - len(failed)}/{len(cases)} calls pass "
        "(load avg after: {:.2f} {:.2f} {:.2f})".format(*os.getloadavg())
    )
    for c in differ:
        print(f"NUMBERS DIFFER in {c.label} as {c.user.role}:", *c.mismatches[:3], sep="\n  ")
    for c in cases if args.profile else failed:
        profile_case(engine, c, args.profile_top)
    return 1 if failed or differ else 0


if __name__ == "__main__":
    sys.exit(main())

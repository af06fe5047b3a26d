"""The SOP rollup (issue 18's speed, contract §7): the /sop page's figures read from
``sop_rollup`` equal the raw computation (``data_access.sop.fetch_step_outcomes`` /
``fetch_step_seconds`` / ``fetch_incomplete_visits``, summed here the way the page summed them
before the rollup) on a generated month with late, failed, duplicated and optional-missing
steps, two templates and a version change mid-period; for the whole company, a week, one
template, a team, a rep and a manager's regions. Re-ingest and late-arriving steps update the
rollup through the background refresh."""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest

from dashboard import sop as core
from dashboard.services import ingest, rollups
from dashboard.services import sop as svc
from data_access import sop as store
from data_access.scope import Scope
from tests import builders as b
from tests.customer_builders import company

V1 = [
    {"code": "arrive", "required": True},
    {"code": "shelf", "required": True, "min_seconds": 120},
    {"code": "competitor", "required": False},
    {"code": "stock", "required": True, "kind": "count", "min_seconds": 60},
]
V2 = [
    {"code": "arrive", "required": True},
    {"code": "stock", "required": True, "kind": "count", "min_seconds": 60},
    {"code": "shelf", "required": True, "min_seconds": 120},
    {"code": "photo", "required": True, "kind": "photo", "min_seconds": 30},
]
DEALER = [
    {"code": "arrive", "required": True},
    {"code": "payment", "required": False, "min_seconds": 45},
    {"code": "order", "required": True, "kind": "order"},
]
FIRST, LAST = date(2026, 11, 2), date(2026, 11, 28)
REPS = ("rep-1", "rep-2", "rep-n")
CUSTOMER = {"rep-1": "cust-1", "rep-2": "cust-3", "rep-n": "cust-n"}
SKIP = {"competitor": 0.5, "stock": 0.3, "payment": 0.4}


def send(engine, values, now):
    summary = ingest.ingest_values(engine, values, source="test", now=now)
    assert not summary.rejected, summary.rejected
    return summary


def _iso(moment: datetime) -> str:
    return moment.isoformat() + "+08:00"


def month(seed: int = 18) -> list[dict]:
    """Two visits a day per rep (the store visit and, every other day, the dealer's), their
    steps: most done in the visit, some failed, skipped, recorded twice (a failed try then a
    good one), after the check-out or before the check-in (late), some faster than their
    minimum."""
    rnd = random.Random(seed)
    values: list[dict] = []
    day = FIRST
    while day <= LAST:
        for rep in REPS:
            for k in range(2):
                template = "sop-std" if k == 0 or day.day % 2 else "sop-dealer"
                codes = DEALER if template == "sop-dealer" else (V2 if day.day >= 15 else V1)
                vid = f"v-{rep}-{day:%m%d}-{k}"
                start = datetime(day.year, day.month, day.day, 9 + 4 * k, rnd.randrange(50))
                minutes = rnd.randrange(15, 50)
                end = start + timedelta(minutes=minutes)
                values += [
                    b.check_in(
                        vid,
                        rep_id=rep,
                        device_id=f"dev-{rep}",
                        customer_id=CUSTOMER[rep],
                        ts=_iso(start),
                        sop_template_id=template,
                    ),
                    b.check_out(f"co-{vid}", visit_id=vid, ts=_iso(end)),
                ]
                at = start
                for j, step in enumerate(codes):
                    if rnd.random() < SKIP.get(step["code"], 0.08):
                        continue
                    at += timedelta(seconds=rnd.choice((8, 25, 40, 70, 95, 130, 200, 330)))
                    when = at
                    luck = rnd.random()
                    if luck < 0.08:
                        when = end + timedelta(minutes=rnd.randrange(1, 30))  # late
                    elif luck < 0.11:
                        when = start - timedelta(minutes=3)  # before the check-in: late
                    ok = rnd.random() > 0.1
                    values.append(
                        b.sop_step(
                            f"s-{vid}-{j}",
                            visit_id=vid,
                            step=step["code"],
                            ts=_iso(min(when, end) if when <= end else when),
                            ok=ok,
                        )
                    )
                    if not ok and rnd.random() < 0.5:  # tried again, done
                        values.append(
                            b.sop_step(
                                f"s-{vid}-{j}b",
                                visit_id=vid,
                                step=step["code"],
                                ts=_iso(min(at + timedelta(seconds=20), end)),
                                ok=True,
                            )
                        )
        day += timedelta(days=1)
    return values


@pytest.fixture
def world(engine, now):
    masters = [r for r in company() if r["type"] != "sop_template"]
    v1 = b.sop_template("sop-std", steps=V1, valid_from="2026-11-01T00:00:00+08:00")
    dealer = b.sop_template(
        "sop-dealer", name="经销商", steps=DEALER, valid_from="2026-11-01T00:00:00+08:00"
    )
    send(engine, [*masters, v1, dealer], now)
    send(engine, [b.sop_template("sop-std", steps=V2, valid_from="2026-11-15T00:00:00+08:00")], now)
    send(engine, month(), now)
    rollups.refresh_rep_days(engine, now=now)
    return engine


# ------------------------------------------------------------------ the reference


def reference(engine, scope: Scope, f: svc.SopFilter, *, limit: int = 500) -> dict:
    """The page's figures from the raw steps, summed as before the rollup."""
    with engine.connect() as conn:
        rows = store.fetch_step_outcomes(conn, **f.args(scope))
        seconds = store.fetch_step_seconds(conn, **f.args(scope))
        incomplete = store.fetch_incomplete_visits(conn, limit=limit, **f.args(scope))
    funnel: dict[tuple, dict] = {}
    people: dict[str, dict[str, dict]] = {"rep": {}, "team": {}}
    for row in rows:
        key = (row["template_id"], row["version"], row["seq"], row["code"], bool(row["required"]))
        total = funnel.setdefault(key, dict.fromkeys(("visits", *core.OUTCOMES), 0))
        for name in ("visits", *core.OUTCOMES):
            total[name] += int(row[name])
        for by, field in (("rep", "rep_id"), ("team", "team_id")):
            who = people[by].setdefault(
                row[field], dict.fromkeys(("visits", "required", "done", "gaps"), 0)
            )
            if row["seq"] == 0:
                who["visits"] += int(row["visits"])
            if row["required"]:
                who["required"] += int(row["visits"])
                who["done"] += int(row["done"])
                who["gaps"] += int(row["missing"]) + int(row["late"])
    timing: dict[tuple, dict] = {}
    if seconds and "seconds" in seconds[0]:  # SQLite: every value, the median taken here
        groups: dict[tuple, list[float]] = defaultdict(list)
        low: dict[tuple, object] = {}
        for row in seconds:
            key = (row["template_id"], row["version"], row["seq"])
            groups[key].append(float(row["seconds"]))
            low[key] = row["min_seconds"]
        for key, values in groups.items():
            timing[key] = {
                "n": len(values),
                "median_s": statistics.median(values),
                "min_seconds": low[key],
                "too_fast": sum(1 for x in values if low[key] is not None and x < low[key]),
            }
    else:
        for row in seconds:
            timing[(row["template_id"], row["version"], row["seq"])] = {
                "n": row["n"],
                "median_s": float(row["median_s"]),
                "min_seconds": row["min_seconds"],
                "too_fast": int(row["too_fast"] or 0),
            }
    return {"funnel": funnel, "people": people, "timing": timing, "incomplete": incomplete}


def _bucket_span(seconds: float) -> float:
    width = core.bucket_width(core.timing_bucket(seconds))
    return 3600.0 if width is None else width


def assert_same(engine, scope: Scope, f: svc.SopFilter) -> dict:
    want = reference(engine, scope, f)
    got = svc.page_data(engine, scope, f)
    funnel = {
        (r["template_id"], r["version"], r["seq"], r["code"], r["required"]): {
            name: r[name] for name in ("visits", *core.OUTCOMES)
        }
        for r in got["funnel"]
    }
    assert funnel == want["funnel"]
    for by in ("rep", "team"):
        rows = {
            r["key"]: {name: r[name] for name in ("visits", "required", "done", "gaps")}
            for r in got[f"{by}s"]
        }
        assert rows == want["people"][by]
    timing = {(r["template_id"], r["version"], r["seq"]): r for r in got["timing"]}
    assert set(timing) == set(want["timing"])
    for key, exact in want["timing"].items():
        row = timing[key]
        assert (row["n"], row["too_fast"], row["min_seconds"]) == (
            exact["n"],
            exact["too_fast"],
            exact["min_seconds"],
        ), key
        # The median from the buckets: within the width of the bucket of the exact one, or of
        # its neighbours (the two middle values of an even count may lie in two buckets).
        slack = max(_bucket_span(exact["median_s"]), _bucket_span(row["median_s"]))
        assert abs(row["median_s"] - exact["median_s"]) <= slack, (key, row, exact)
        assert row["flagged"] == (
            exact["min_seconds"] is not None and 2 * exact["too_fast"] > exact["n"]
        )
    got_gaps = [(r["id"], r["missing"], r["late"]) for r in got["incomplete"]]
    want_gaps = [
        (r["id"], ", ".join(r["missing"]), ", ".join(r["late"])) for r in want["incomplete"]
    ]
    assert got_gaps == want_gaps
    return got


EVERYONE = Scope.everything()
NOV = svc.SopFilter(date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize(
    ("scope", "f"),
    [
        (EVERYONE, NOV),
        (EVERYONE, svc.SopFilter(date(2026, 11, 12), date(2026, 11, 18))),  # the version change
        (EVERYONE, svc.SopFilter(date(2026, 11, 9), date(2026, 11, 22))),  # two whole weeks
        (EVERYONE, svc.SopFilter(date(2026, 11, 4), date(2026, 11, 25))),  # weeks and days
        (EVERYONE, svc.SopFilter(NOV.start, NOV.end, template_id="sop-dealer")),
        (EVERYONE, svc.SopFilter(NOV.start, NOV.end, team="team-1")),
        (EVERYONE, svc.SopFilter(NOV.start, NOV.end, rep="rep-2")),
        (EVERYONE, svc.SopFilter(NOV.start, NOV.end, region="reg-n")),
        (Scope.of_regions(["reg-e"], user="mgr"), NOV),
    ],
    ids=[
        "month",
        "week-of-revision",
        "whole-weeks",
        "weeks-and-days",
        "one-template",
        "team",
        "rep",
        "region",
        "manager",
    ],
)
def test_the_rollup_gives_the_raw_figures(world, scope, f):
    got = assert_same(world, scope, f)
    assert got["funnel"] and got["timing"] and got["incomplete"]


def test_the_generated_month_has_every_case(world):
    got = svc.page_data(world, EVERYONE, NOV)
    versions = {(r["template_id"], r["version"]) for r in got["funnel"]}
    assert versions == {("sop-std", 1), ("sop-std", 2), ("sop-dealer", 1)}
    for outcome in core.OUTCOMES:
        assert sum(r[outcome] for r in got["funnel"]) > 0, outcome
    optional = [r for r in got["funnel"] if not r["required"]]
    assert sum(r["missing"] for r in optional) > 0
    assert any(r["too_fast"] for r in got["timing"])


def test_a_manager_sees_only_the_reps_of_their_regions(world):
    got = svc.page_data(world, Scope.of_regions(["reg-n"], user="mgr"), NOV)
    assert {r["key"] for r in got["reps"]} == {"rep-n"}
    assert {r["key"] for r in got["teams"]} == {"team-n"}
    assert {r["rep_id"] for r in got["incomplete"]} == {"rep-n"}
    assert sum(r["visits"] for r in got["funnel"] if r["seq"] == 0) == 2 * (LAST - FIRST).days + 2


def test_the_gap_visits_are_the_incomplete_visits_of_the_raw_steps(world):
    args = NOV.args(EVERYONE)
    with world.connect() as conn:
        want = store.fetch_incomplete_visits(conn, limit=7, **args)
        got = store.fetch_newest_incomplete_visits(conn, limit=7, **args)
        everything = store.fetch_newest_incomplete_visits(conn, limit=10_000, **args)
        assert everything == store.fetch_incomplete_visits(conn, limit=10_000, **args)
        one = svc.SopFilter(FIRST, LAST, template_id="sop-dealer").args(EVERYONE)
        dealer = store.fetch_newest_incomplete_visits(conn, limit=10_000, **one)
        assert dealer == store.fetch_incomplete_visits(conn, limit=10_000, **one)
    assert got == want and len(got) == 7
    assert len(everything) > len(dealer) > 0
    assert {(r["template_id"]) for r in dealer} == {"sop-dealer"}


def test_late_arriving_and_re_ingested_steps_update_the_rollup(world, now):
    f = svc.SopFilter(date(2026, 11, 20), date(2026, 11, 20))
    before = assert_same(world, EVERYONE, f)
    # A visit of the 20th lacked its photo (or had it late): the photo arrives a week later,
    # inside the visit's window, and the stock count is re-sent failed (first arrival wins).
    gap = next(r for r in before["incomplete"] if "photo" in r["missing"] + r["late"])
    start = datetime.fromisoformat(str(gap["ts"]))
    later = now + timedelta(days=7)
    step = b.sop_step(
        "s-late-photo",
        visit_id=gap["id"],
        step="photo",
        ts=(start + timedelta(minutes=1)).isoformat(),
        ok=True,
    )
    send(world, [step], later)
    assert rollups.refresh_rep_days(world, now=later) >= 1
    after = assert_same(world, EVERYONE, f)
    photo = {(r["version"], r["code"]): r["done"] for r in after["funnel"] if r["code"] == "photo"}
    was = {(r["version"], r["code"]): r["done"] for r in before["funnel"] if r["code"] == "photo"}
    assert photo[(2, "photo")] == was[(2, "photo")] + 1
    # The same batch again changes nothing.
    send(world, [step], later)
    rollups.refresh_rep_days(world, now=later)
    assert svc.page_data(world, EVERYONE, f)["funnel"] == after["funnel"]
    # A whole visit arriving late for an old day is counted once refreshed.
    vid = "v-rep-1-1120-late"
    values = [
        b.check_in(
            vid,
            rep_id="rep-1",
            device_id="dev-rep-1",
            customer_id="cust-1",
            ts="2026-11-20T17:00:00+08:00",
            sop_template_id="sop-dealer",
        ),
        b.check_out(f"co-{vid}", visit_id=vid, ts="2026-11-20T17:30:00+08:00"),
        b.sop_step(f"s-{vid}", visit_id=vid, step="arrive", ts="2026-11-20T17:01:00+08:00"),
    ]
    send(world, values, later)
    rollups.refresh_rep_days(world, now=later)
    last = assert_same(world, EVERYONE, f)
    dealer_visits = sum(
        r["visits"] for r in last["funnel"] if r["template_id"] == "sop-dealer" and r["seq"] == 0
    )
    assert dealer_visits == 1 + sum(
        r["visits"] for r in after["funnel"] if r["template_id"] == "sop-dealer" and r["seq"] == 0
    )
    assert last["incomplete"][0]["id"] == vid  # its order is missing: the newest gap
    assert_same(world, EVERYONE, NOV)  # the weeks' sums (Nov 16-22) were rewritten too

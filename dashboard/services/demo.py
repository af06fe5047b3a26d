"""Load the demo company through the ingest path and create one demo login per role."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TextIO

from sqlalchemy.engine import Engine

from dashboard.demo import DemoConfig, departure, estimate_record_count, iter_demo_batches
from dashboard.services import (
    customers,
    detect,
    grades,
    ingest,
    org,
    rhythm,
    rollups,
    tasks,
    users,
    wall,
)
from dashboard.services import settings as rule_settings
from data_access import changes
from data_access.scope import Scope

# Known demo credentials: printed at seeding and in the README. Not for production use.
DEMO_LOGINS = (
    ("exec", "exec", "demo-exec-2026"),
    ("manager", "manager", "demo-manager-2026"),
    ("finance", "finance", "demo-finance-2026"),
    ("admin", "admin", "demo-admin-2026"),
)

Progress = Callable[[int, int], None]

# Days of visit tasks replayed before today's (as the daily step would have made and closed
# them), so the task completion rate has a history from the first start.
TASK_HISTORY_DAYS = 14


@dataclass
class SeedResult:
    summary: ingest.IngestSummary
    seconds: float
    logins: list[tuple[str, str, str, tuple[str, ...]]]
    judged: detect.DetectResult | None = None
    # The day's visit tasks and FREQUENCY_MISS (contract §5), as the background step does them.
    daily: dict[str, Any] | None = None


def seed_demo(
    engine: Engine,
    *,
    seed: int = 7,
    reps: int = 108,
    days: int = 20,
    now: datetime,
    progress: Progress | None = None,
) -> SeedResult:
    """Generate the demo company, ingest it batch by batch, and create the demo logins."""
    started = time.perf_counter()
    config = DemoConfig(seed=seed, reps=reps, days=days, now=now)
    expected = max(1, estimate_record_count(config))
    total = ingest.IngestSummary()
    done = 0
    customer_records: dict[str, dict[str, Any]] = {}
    for batch in iter_demo_batches(config):
        customer_records.update((r["id"], r) for r in batch if r.get("type") == "customer")
        total.add(ingest.ingest_values(engine, batch, source="demo", now=now))
        done += len(batch)
        if progress:
            progress(min(done, expected), expected)
    leaver = departure(config)
    if leaver is not None:
        # The rep who left mid-period: their customers go to a teammate (owner history rows),
        # and they are deactivated; their past stays theirs.
        customers.handover(
            engine,
            Scope.system(),
            from_rep=leaver.rep_id,
            to_rep=leaver.to_rep_id,
            deactivate=True,
            by="demo",
            reason=f"离职 left the company on {leaver.day.isoformat()}",
            now=now,
        )
    _demo_grades(engine, customer_records, now=now)
    _demo_settings_history(engine, now=now)
    rollups.refresh_rep_days(engine, now=now)
    # Judge the whole company once, so the pages have alerts from the first start.
    judged = detect.detect(engine, now=now)
    # The task history of the last days, each day generated and closed by that day's visits.
    today = tasks.company_today(now)
    history = rhythm.replay_task_history(
        engine,
        start=today - timedelta(days=TASK_HISTORY_DAYS),
        end=today - timedelta(days=1),
        now=now,
    )
    # Today's visit tasks and the overdue spells of the last 90 days, so the task list and the
    # FREQUENCY_MISS alerts are there from the first start (the background step then finds
    # today done).
    daily = {"history": history, **tasks.background_step(engine, now=now, visits_changed=True)}
    if progress:
        progress(expected, expected)
    logins = create_demo_logins(engine, now=now)
    create_demo_wall_links(engine, now=now)
    _demo_org(engine, now=now)
    # Seeding logged some 10^5 writes for the view cache's stamp (data_access.changes): fold
    # them into the counts now, or every view call reads them all until a background pass
    # folds them (40 ms a call at 500 reps).
    with engine.begin() as conn:
        changes.fold(conn)
    return SeedResult(total, time.perf_counter() - started, logins, judged, daily)


def _demo_org(engine: Engine, *, now: datetime) -> None:
    """One organisation edit by the admin, for /admin's organisation tab and audit log: the
    first active rep starting at 08:30 starts at 08:00 (the stores open earlier). Made after
    the demo was judged, and only widening the hours, so no alert of the demo changes."""
    tree = org.org_tree(engine)
    reps = sorted(
        (rep for region in tree for team in region["teams"] for rep in team["members"]),
        key=lambda rep: rep["id"],
    )
    rep = next((r for r in reps if r["active"] and r["work_start"] == "08:30"), None)
    if rep is None:
        return
    org.edit_rep(
        engine,
        actor="admin",
        rep_id=rep["id"],
        work_start="08:00",
        work_end=rep["work_end"],
        timezone=rep["timezone"],
        team_id=rep["team_id"],
        active=True,
        reason="门店提前开门 stores open earlier",
        now=now,
    )


DEMO_LOCKS = 3
DEMO_CRM_UPGRADES = 2


def _demo_settings_history(engine: Engine, *, now: datetime) -> None:
    """A settings history for the admin's settings tab (issue 20): finance tried a higher meal
    cap for a while and put it back, each change with its reason. The values in force are the
    defaults again, so the demo's alerts and figures are those of the contract's thresholds."""
    rule_settings.change_setting(
        engine,
        "meal_cap_cny",
        200,
        actor="admin",
        now=now - timedelta(days=12),
        reason="华东区客户宴请试点 East region client-dinner pilot",
    )
    rule_settings.reset_setting(
        engine,
        "meal_cap_cny",
        actor="admin",
        now=now - timedelta(days=5),
        reason="试点结束,恢复公司标准 pilot over, back to company policy",
    )


def _demo_grades(
    engine: Engine, customer_records: dict[str, dict[str, Any]], *, now: datetime
) -> None:
    """Some grade history for the regrade pages (contract §5): the managers lock the grade
    of a few A customers the regrade would lower (the what-if then shows them kept by a
    lock), and the CRM re-sends a few C customers the regrade would raise as B, through the
    ingest path (which writes their grade history)."""
    today = tasks.company_today(now)
    plan = grades.what_if(engine, Scope.system(), today=today)
    lowered = [r for r in plan.results if r.before == "A" and r.computed != "A"]
    for r in lowered[:DEMO_LOCKS]:
        grades.set_grade_lock(
            engine,
            Scope.system(),
            role="admin",
            by="demo",
            customer_id=r.customer_id,
            locked=True,
            reason="战略客户,保持 A 级 strategic account: keep grade A",
            now=now,
        )
    raised = [
        r
        for r in plan.results
        if r.before == "C" and r.computed in ("A", "B") and r.customer_id in customer_records
    ]
    resent = [{**customer_records[r.customer_id], "grade": "B"} for r in raised[:DEMO_CRM_UPGRADES]]
    if resent:
        ingest.ingest_values(engine, resent, source="demo-crm", now=now)


def create_demo_logins(engine: Engine, *, now: datetime):
    """Create (or reset) one login per role; the manager sees the first region."""
    regions = users.list_region_ids(engine)
    logins = []
    for name, role, password in DEMO_LOGINS:
        scope = tuple(regions[:1]) if role == "manager" else ()
        users.create_user(engine, name=name, password=password, role=role, regions=scope, now=now)
        logins.append((name, role, password, scope))
    return logins


def create_demo_wall_links(engine: Engine, *, now: datetime) -> list[str]:
    """Three wall links, so the admin's wall links tab shows each status: a live lobby screen
    rotating national and the first region, a revoked regional screen and an expired fair
    screen. Their tokens are not kept (create a link to open a wall). Names already present
    are left alone; returns the names created."""
    regions = users.list_region_ids(engine)
    if not regions:
        return []
    first = regions[0]
    existing = {link.name for link in wall.list_links(engine)}
    specs = (
        ("demo-lobby", f"national,region:{first}", (), now, timedelta(days=30)),
        (
            "demo-region-tv",
            f"region:{first}",
            (first,),
            now - timedelta(days=5),
            timedelta(days=30),
        ),
        ("demo-fair", "national", (), now - timedelta(days=10), timedelta(days=2)),
    )
    made = []
    for name, views, scope, created, lifetime in specs:
        if name in existing:
            continue
        wall.create_link(
            engine,
            name=name,
            views=views,
            regions=scope,
            expires_in=lifetime,
            created_by="demo",
            now=created,
        )
        made.append(name)
    if "demo-region-tv" in made:
        wall.revoke_link(
            engine, name="demo-region-tv", now=now - timedelta(days=1), revoked_by="demo"
        )
    return made


def describe_seed(result: SeedResult) -> str:
    """Return the human summary printed after seeding, with the demo logins."""
    s = result.summary
    lines = [
        f"Demo company loaded in {result.seconds:.1f} s: {s.accepted:,} records accepted, "
        f"{s.duplicates:,} duplicates, {s.dropped_off_hours:,} off-hours fixes dropped, "
        f"{len(s.rejected):,} rejected.",
    ]
    if result.judged is not None:
        j = result.judged
        lines.append(
            f"Judged {j.rep_days:,} rep-days in {j.seconds:.1f} s: {j.alerts_written:,} alerts, "
            f"{j.flags_written:,} expense flags."
        )
    generated = (result.daily or {}).get("generated")
    missed = (result.daily or {}).get("frequency")
    if generated and missed:
        lines.append(
            f"Visit tasks for {generated['date']}: {generated['created']:,} created; "
            f"{missed['alerts_written']:,} FREQUENCY_MISS alerts over {missed['date_from']} – "
            f"{missed['date_to']}."
        )
    history = (result.daily or {}).get("history")
    if history:
        lines.append(
            f"Task history of the last {TASK_HISTORY_DAYS} days: {history['created']:,} created, "
            f"{history['closed']:,} done by a visit."
        )
    lines += [
        "Demo logins (user / password):",
    ]
    for name, role, password, scope in result.logins:
        where = f" (region {', '.join(scope)})" if scope else ""
        lines.append(f"  {role:8s} {name} / {password}{where}")
    return "\n".join(lines)


def terminal_progress(out: TextIO = sys.stderr, width: int = 40) -> Progress:
    """Return a callback drawing a one-line progress bar on a terminal stream."""
    state = {"last": -1}

    def draw(done: int, total: int) -> None:
        share = done / total if total else 1.0
        percent = int(share * 100)
        if percent == state["last"]:
            return
        state["last"] = percent
        filled = int(share * width)
        out.write(f"\rSeeding demo company [{'#' * filled}{'.' * (width - filled)}] {percent:3d}%")
        if done >= total:
            out.write("\n")
        out.flush()

    return draw


def working_demo_logins(engine: Engine) -> list[tuple[str, str, str]]:
    """Return the demo logins whose published password still works."""
    return [
        (name, role, password)
        for name, role, password in DEMO_LOGINS
        if users.authenticate(engine, name, password) is not None
    ]

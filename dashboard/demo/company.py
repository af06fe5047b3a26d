"""Generate the demo company day by day: masters first, then each working day's records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from dashboard.demo import behaviours, expenses, itinerary, tracks, visits
from dashboard.demo.catalogue import CITIES, TEAM_CITIES, TEMPLATES
from dashboard.demo.config import MAX_BATCH_RECORDS, DemoConfig, InjectedCase
from dashboard.demo.day import RepDay
from dashboard.demo.schedule import HONEST_LEAVE_P, plan_schedule, takes_day_off, working_days
from dashboard.demo.world import build_world, inactive_count, team_count

# Calibrated on the default company (see estimate_record_count).
_EST_FIXES_PER_REP_DAY = 705
_EST_OTHER_PER_REP_DAY = 75


def iter_demo_batches(
    config: DemoConfig, injected: list[InjectedCase] | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Yield lists of contract wire records (dicts with a "type" key): masters, then day by day.

    ``injected``, when given, is filled with one ``InjectedCase`` per injected violation as the
    generator advances; it is complete once the generator is exhausted. Each batch holds at most
    ``MAX_BATCH_RECORDS`` records; within a day, plans and check-ins come before the records that
    reference them. Today (the local date of ``now``) is included up to ``now`` if it is a
    working day; it carries no injections and no expense claims.
    """
    cases: list[InjectedCase] = injected if injected is not None else []
    w = build_world(config)
    days, today, now_s = working_days(config)
    schedule = plan_schedule(w, len(days))
    leaver = _leaver(w, schedule, len(days))
    yield from _chunks(w.master_records())
    all_days: list[tuple[int, date, int | None]] = [(i, d, None) for i, d in enumerate(days)]
    if today is not None:
        all_days.append((len(days), today, now_s))
    for di, day, cutoff in all_days:
        plans: list[dict[str, Any]] = []
        check_ins: list[dict[str, Any]] = []
        other: list[dict[str, Any]] = []
        for rep in w.reps:
            if not rep.active or (leaver is not None and rep.idx == leaver[0] and di >= leaver[2]):
                continue  # gone: left before the period, or left the company on this day
            slot = schedule.get((rep.idx, di))
            if slot is None and takes_day_off(config, rep.idx, day):
                continue  # a day off: no records at all
            rd = RepDay(w, rep, di, day, slot, cutoff, cases)
            _live(rd)
            plans += rd.plans
            check_ins += rd.check_ins
            other += rd.other
        yield from _chunks(plans + check_ins + other)


@dataclass(frozen=True)
class Departure:
    """The rep who leaves the company mid-period: from ``day`` on they send nothing, and their
    customers are to be handed over to ``to_rep_id`` (a teammate)."""

    rep_id: str
    to_rep_id: str
    day: date


def departure(config: DemoConfig) -> Departure | None:
    """The demo's mid-period leaver (None for a company too small or a period too short)."""
    w = build_world(config)
    days, today, _now_s = working_days(config)
    found = _leaver(w, plan_schedule(w, len(days)), len(days))
    if found is None:
        return None
    rep_i, to_i, di = found
    day = days[di] if di < len(days) else today
    assert day is not None
    return Departure(w.reps[rep_i].id, w.reps[to_i].id, day)


def _leaver(
    w: Any, schedule: dict[tuple[int, int], Any], n_days: int
) -> tuple[int, int, int] | None:
    """(rep index, receiving teammate's index, first day index without the rep): the last rep
    of the first team of 3+ active reps with no trip or injection from mid-period on, so every
    injected case keeps both of its sides."""
    if n_days < 2:
        return None
    leave = n_days // 2
    busy = {i for (i, d), slot in schedule.items() if d >= leave}
    busy |= {slot.other for (_i, d), slot in schedule.items() if d >= leave and slot.other >= 0}
    for team in w.teams:
        active = [i for i in team.reps if w.reps[i].active]
        if len(active) < 3:
            continue
        for i in reversed(active[1:]):
            if i not in busy:
                return i, active[0], leave
    return None


def estimate_record_count(config: DemoConfig) -> int:
    """Estimate how many records ``iter_demo_batches`` yields (for a progress bar; ±10 %)."""
    n_teams = team_count(config.reps)
    cities = {TEAM_CITIES[i % len(TEAM_CITIES)] for i in range(n_teams)}
    regions = {CITIES[c].region for c in cities}
    masters = (
        len(regions) + n_teams + config.reps + len(TEMPLATES) + 1
    )  # + the revised one's first version
    masters += config.reps * config.customers_per_rep
    active = config.reps - inactive_count(config.reps)
    days, today, now_s = working_days(config)
    work_days = float(len(days))
    if today is not None:
        work_days += min(max((now_s - 8.9 * 3600) / (9.2 * 3600), 0.0), 1.0)
    per_rep_day = _EST_FIXES_PER_REP_DAY + _EST_OTHER_PER_REP_DAY
    return masters + round(active * work_days * per_rep_day * (1 - HONEST_LEAVE_P))


def _live(rd: RepDay) -> None:
    """Generate one rep-day's records, in the order its random draws were always made."""
    if rd.kind == "NO_VISIT_DAY":
        behaviours.claim_on_day_off(rd)
        return
    items, start_xy, end_xy = itinerary.plan_day(rd)
    behaviours.mark_injection(rd, items)
    sim = itinerary.simulate(rd, items, start_xy, end_xy)
    if rd.kind == "OFF_HOURS":
        behaviours.add_off_hours_visit(rd, sim)
    t, fix_ids = tracks.emit_fixes(rd, sim, start_xy)
    tracks.emit_device_events(rd, sim, t, fix_ids)
    visits.emit_visits(rd, sim)
    if rd.complete and rd.visited:
        claims = expenses.draft_claims(rd, sim)
        behaviours.inject_claims(rd, claims)
        expenses.file_claims(rd, claims)
    # What later days read: when each customer was last seen, photos and receipts to reuse.
    for c in rd.visited:
        rd.w.last_visit[c] = rd.di
    if rd.day_photos:
        rd.w.photo_pool[rd.rep.idx] = rd.day_photos


def _chunks(records: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Cut records into batches of at most ``MAX_BATCH_RECORDS``."""
    for i in range(0, len(records), MAX_BATCH_RECORDS):
        yield records[i : i + MAX_BATCH_RECORDS]

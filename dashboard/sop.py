"""SOP templates and step compliance (contract §7), pure: versions, step outcomes, timing.

A template's steps are versioned: a change of any step attribute is a new version, the same
steps are the same version (ingest is idempotent). A visit is judged against the version in force
at its check-in. Per required or optional step a visit's outcome is one of:

- ``done``: an ``ok: true`` record of that code between the check-in and the first check-out;
- ``failed``: no such record, but an ``ok: false`` one in that window (an outcome of the step,
  e.g. a shelf check that found gaps: the rep did the step, so it is not missing);
- ``late``: records of that code only before the check-in or after the check-out (contract §7:
  a late step does not count as done);
- ``missing``: no record of that code at all.

Without a check-out, nothing is after the check-out (the window is open-ended).
Times are epoch seconds (UTC).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dashboard.contract import STEP_KINDS

OUTCOMES = ("done", "failed", "late", "missing")
# A step's attributes beyond code and required, with the value an absent one takes.
STEP_DEFAULTS: Mapping[str, Any] = {
    "label_zh": None,
    "label_en": None,
    "kind": "check",
    "photo_required": False,
    "min_seconds": None,
}
STEP_FIELDS = ("code", "required", *STEP_DEFAULTS)


class StepsError(ValueError):
    """A template's steps are not acceptable; ``field`` names the offending one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def normalize_steps(steps: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return the steps with every attribute present (absent ones at their defaults)."""
    out = []
    for s in steps:
        step = {"code": s["code"], "required": bool(s.get("required", True))}
        for key, value in STEP_DEFAULTS.items():
            given = s.get(key)
            step[key] = value if given is None else given
        if step["min_seconds"] is not None:
            step["min_seconds"] = float(step["min_seconds"])
        out.append(step)
    return out


def same_steps(a: Iterable[Mapping[str, Any]], b: Iterable[Mapping[str, Any]]) -> bool:
    """True when two step lists are the same version (same steps, same order, same attributes)."""
    return normalize_steps(a) == normalize_steps(b)


def check_editor_steps(steps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate steps typed in the editor; raise ``StepsError`` naming the first bad field."""
    if not steps:
        raise StepsError("steps", "a template needs at least one step")
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(steps):
        where = f"steps[{i}]"
        code = str(raw.get("code") or "").strip()
        if not code:
            raise StepsError(f"{where}.code", f"step {i + 1} has an empty code")
        if code in seen:
            raise StepsError(
                f"{where}.code", f"code {code!r} of step {i + 1} repeats step {seen[code] + 1}"
            )
        if not all(ch.isalnum() or ch in "._:-" for ch in code) or len(code) > 64:
            raise StepsError(f"{where}.code", f"{code!r} is not 1-64 of A-Z a-z 0-9 . _ : -")
        seen[code] = i
        kind = raw.get("kind") or "check"
        if kind not in STEP_KINDS:
            raise StepsError(f"{where}.kind", f"{kind!r} is not one of {', '.join(STEP_KINDS)}")
        min_s = raw.get("min_seconds")
        if min_s in ("", None):
            min_s = None
        else:
            try:
                min_s = float(min_s)
            except (TypeError, ValueError):
                raise StepsError(f"{where}.min_seconds", f"{min_s!r} is not a number") from None
            if not 0 <= min_s <= 86_400:
                raise StepsError(f"{where}.min_seconds", f"{min_s:g} is outside 0..86400")
        labels = {k: (str(raw.get(k) or "").strip() or None) for k in ("label_zh", "label_en")}
        out.append(
            {
                "code": code,
                "required": bool(raw.get("required", True)),
                **labels,
                "kind": kind,
                "photo_required": bool(raw.get("photo_required", False)),
                "min_seconds": min_s,
            }
        )
    return out


def version_in_force(versions: Sequence[tuple[int, datetime]], ts: datetime) -> int | None:
    """The version (of ``(version, valid_from)`` pairs) in force at ``ts``: the latest that took
    effect at or before it; a visit older than every version uses the first one."""
    if not versions:
        return None
    ordered = sorted(versions, key=lambda v: (v[1], v[0]))
    chosen = ordered[0][0]
    for version, valid_from in ordered:
        if valid_from <= ts:
            chosen = version
    return chosen


@dataclass(frozen=True)
class StepRecord:
    """One ``sop_step`` record of a visit."""

    code: str
    t_s: float
    ok: bool = True


def step_outcomes(
    codes: Iterable[str],
    records: Iterable[StepRecord],
    *,
    checkin_s: float,
    checkout_s: float | None,
) -> dict[str, str]:
    """Outcome of each step code of the visit's version (see the module docstring)."""
    hi = float("inf") if checkout_s is None else checkout_s
    seen: dict[str, set[str]] = {}
    for r in records:
        in_window = checkin_s <= r.t_s <= hi
        mark = ("done" if r.ok else "failed") if in_window else "late"
        seen.setdefault(r.code, set()).add(mark)
    out = {}
    for code in codes:
        marks = seen.get(code, set())
        out[code] = next((o for o in ("done", "failed", "late") if o in marks), "missing")
    return out


def completion(steps: Sequence[Mapping[str, Any]], outcomes: Mapping[str, str]) -> tuple[int, int]:
    """(required steps done, required steps) of one visit: the SOP completion KPI's parts."""
    required = [s["code"] for s in steps if s["required"]]
    return sum(outcomes.get(c) == "done" for c in required), len(required)


def required_not_done(
    steps: Sequence[Mapping[str, Any]], outcomes: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """(missing, late) required codes in template order; failed steps are done-but-failed
    outcomes, not gaps in the visit, so they are in neither list."""
    required = [s["code"] for s in steps if s["required"]]
    missing = [c for c in required if outcomes.get(c, "missing") == "missing"]
    late = [c for c in required if outcomes.get(c) == "late"]
    return missing, late


def step_seconds(records: Iterable[StepRecord], *, checkin_s: float) -> dict[str, float]:
    """Seconds each step took: from the previous record of the visit (the check-in for the first)
    to its first record; steps recorded before the check-in are left out."""
    firsts: dict[str, float] = {}
    for r in records:
        if r.t_s >= checkin_s and (r.code not in firsts or r.t_s < firsts[r.code]):
            firsts[r.code] = r.t_s
    out = {}
    previous = checkin_s
    for code, t in sorted(firsts.items(), key=lambda kv: (kv[1], kv[0])):
        out[code] = t - previous
        previous = t
    return out


# ------------------------------------------------------------------ step timing histograms

# The step-timing rollup (``sop_rollup``) counts each step's seconds in these buckets, so any
# period, team or rep sums them; a median is then known to within its bucket: 5 s under a minute,
# 10 s under 3 minutes, 30 s under 10 minutes, 2 minutes under 30 minutes, 10 minutes under an
# hour (beyond an hour: "at least an hour"). Bucket i holds [edge i, edge i+1); the last is open.
TIMING_EDGES: tuple[float, ...] = (
    *range(0, 60, 5),
    *range(60, 180, 10),
    *range(180, 600, 30),
    *range(600, 1800, 120),
    *range(1800, 3600, 600),
    3600,
)
TIMING_BUCKETS = len(TIMING_EDGES)


def timing_bucket(seconds: float) -> int:
    """The bucket of a step's seconds (a negative value counts in the first)."""
    lo, hi = 0, TIMING_BUCKETS - 1
    if seconds >= TIMING_EDGES[hi]:
        return hi
    while lo < hi:  # the last edge <= seconds
        mid = (lo + hi + 1) // 2
        if TIMING_EDGES[mid] <= seconds:
            lo = mid
        else:
            hi = mid - 1
    return lo


def bucket_width(index: int) -> float | None:
    """A bucket's width in seconds (None for the open last one)."""
    if index >= TIMING_BUCKETS - 1:
        return None
    return float(TIMING_EDGES[index + 1] - TIMING_EDGES[index])


def histogram_median(counts: Sequence[int]) -> float | None:
    """The median of the values counted in ``counts`` (one per bucket), as the exact median is
    taken (the middle value, or the mean of the two middle ones), each value placed evenly inside
    its bucket (the k-th of c in [lo, hi) at lo + (k + ½)·(hi − lo)/c; the open last bucket's
    values at its lower edge). None when nothing was counted."""
    n = sum(counts)
    if n <= 0:
        return None

    def nth(rank: int) -> float:  # 0-based rank among all values
        seen = 0
        for i, c in enumerate(counts):
            if rank < seen + c:
                width = bucket_width(i)
                lo = float(TIMING_EDGES[i])
                return lo if width is None else lo + (rank - seen + 0.5) * width / c
            seen += c
        raise AssertionError("rank beyond the counts")

    if n % 2:
        return nth(n // 2)
    return (nth(n // 2 - 1) + nth(n // 2)) / 2


def visit_step_timing(
    records: Iterable[tuple[str, datetime, bool]], *, checkin: datetime, checkout: datetime | None
) -> dict[str, float]:
    """Seconds each step took in the /sop page's step timing: from the visit's previous step
    (the check-in for the first) to the step's first record inside the visit's window (check-in
    to first check-out), steps ordered by that first record (then code); steps with no record in
    the window are left out. Exact to the microsecond (datetimes, not floats)."""
    firsts: dict[str, datetime] = {}
    for code, ts, _ok in records:
        in_window = ts >= checkin and (checkout is None or ts <= checkout)
        if in_window and (code not in firsts or ts < firsts[code]):
            firsts[code] = ts
    out: dict[str, float] = {}
    previous = checkin
    for code, ts in sorted(firsts.items(), key=lambda kv: (kv[1], kv[0])):
        out[code] = (ts - previous).total_seconds()
        previous = ts
    return out


def rollup_rows(
    visits: Iterable[Mapping[str, Any]],
    records: Mapping[str, Sequence[tuple[str, datetime, bool]]],
    versions: Mapping[tuple[str, int], Sequence[Mapping[str, Any]]],
) -> list[dict[str, Any]]:
    """The ``sop_rollup`` rows of visits (``data_access.sop.fetch_rollup_inputs``): per rep-day,
    template version and step, the visits, each outcome, the gaps (a required step missing or
    late), the timed ones, those faster than the step's minimum and the timed seconds per bucket
    of ``TIMING_EDGES``."""
    return rollup(visits, records, versions)[0]


def rollup(
    visits: Iterable[Mapping[str, Any]],
    records: Mapping[str, Sequence[tuple[str, datetime, bool]]],
    versions: Mapping[tuple[str, int], Sequence[Mapping[str, Any]]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(``rollup_rows``, the ``sop_gap_visits`` rows): each visit's outcomes are computed once
    for both. A gap visit is a visit with a required step missing or late: its id, rep, local
    date, check-in, template, version and the missing and late codes in template order."""
    out: dict[tuple, dict[str, Any]] = {}
    gap_visits: list[dict[str, Any]] = []
    for visit in visits:
        steps = versions.get((visit["template_id"], visit["version"]), [])
        mine = records.get(visit["id"], [])
        checkin, checkout = visit["ts"], visit["checked_out_at"]
        outcomes = step_outcomes(
            [step["code"] for step in steps],
            [StepRecord(code, ts.timestamp(), ok) for code, ts, ok in mine],
            checkin_s=checkin.timestamp(),
            checkout_s=None if checkout is None else checkout.timestamp(),
        )
        missing, late = required_not_done(steps, outcomes)
        if missing or late:
            gap_visits.append(
                {
                    "visit_id": visit["id"],
                    "rep_id": visit["rep_id"],
                    "local_date": visit["local_date"],
                    "ts": checkin,
                    "template_id": visit["template_id"],
                    "version": visit["version"],
                    "missing": missing,
                    "late": late,
                }
            )
        seconds = visit_step_timing(mine, checkin=checkin, checkout=checkout)
        for step in steps:
            key = (
                visit["local_date"],
                visit["rep_id"],
                visit["template_id"],
                visit["version"],
                step["seq"],
            )
            total = out.get(key)
            if total is None:
                total = out[key] = {
                    "local_date": key[0],
                    "rep_id": key[1],
                    "template_id": key[2],
                    "version": key[3],
                    "seq": key[4],
                    "code": step["code"],
                    "required": bool(step["required"]),
                    **dict.fromkeys(("visits", *OUTCOMES, "gaps", "timed", "too_fast"), 0),
                    **{f"t{i:02d}": 0 for i in range(TIMING_BUCKETS)},
                }
            outcome = outcomes[step["code"]]
            total["visits"] += 1
            total[outcome] += 1
            if total["required"] and outcome in ("missing", "late"):
                total["gaps"] += 1
            took = seconds.get(step["code"])
            if took is not None:
                total["timed"] += 1
                total[f"t{timing_bucket(took):02d}"] += 1
                low = step["min_seconds"]
                if low is not None and took < float(low):
                    total["too_fast"] += 1
    return [out[key] for key in sorted(out)], sorted(gap_visits, key=lambda x: x["visit_id"])

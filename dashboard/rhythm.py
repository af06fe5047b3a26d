"""A rep's or team's visit rhythm (contract §5), pure: the due list for today and the next days,
the overdue customers, and the task completion rate.

- **Due list** on local date D: every customer whose first due date (rhythm base + interval,
  ``dashboard.frequency.due_dates``) falls on or before D + ``horizon`` days and who is not yet
  overdue on D; ``due`` when the date has come, ``upcoming`` when it lies in the next days.
- **Overdue** on D: D > base + interval + grace (``never`` visited customers count from their
  created, else first stored, date).
- **Task completion rate** of a period: the tasks whose *due date* falls in the period, each as
  it stands on the period's last day (today when the period runs to today): tasks done ÷ (tasks
  done + tasks overdue). A task is done by the first effective visit to its customer on or after
  its creation, by anyone, on or before that day; overdue when not done and its customer is
  overdue that day. Open tasks still inside their grace are not yet decided and left out; with
  no decided task the rate is undefined (None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dashboard.frequency import GRADES, FrequencyConfig, due_dates

HORIZON_DAYS = 7
DUE_STATES = ("overdue", "due", "upcoming")


@dataclass(frozen=True)
class Standing:
    """One customer's place in the rhythm on a date."""

    customer_id: str
    grade: str
    last_visit: date | None
    due_on: date
    overdue_on: date
    state: str  # overdue, due, upcoming or on_rhythm

    @property
    def never_visited(self) -> bool:
        return self.last_visit is None

    def days_overdue(self, today: date) -> int:
        """Days since the customer became overdue (0 on its first overdue day)."""
        return max(0, (today - self.overdue_on).days)


def standing(
    customer_id: str,
    grade: str,
    last_visit: date | None,
    since: date | None,
    *,
    today: date,
    config: FrequencyConfig,
    horizon: int = HORIZON_DAYS,
) -> Standing | None:
    """Where a customer stands on ``today`` (None without a base date or for an unknown
    grade): overdue, due, upcoming (due within ``horizon`` days) or on_rhythm."""
    base = last_visit if last_visit is not None else since
    if base is None or grade not in GRADES:
        return None
    due_on, overdue_on = due_dates(base, grade, config)
    if today >= overdue_on:
        state = "overdue"
    elif today >= due_on:
        state = "due"
    elif due_on <= today + timedelta(days=horizon):
        state = "upcoming"
    else:
        state = "on_rhythm"
    return Standing(customer_id, grade, last_visit, due_on, overdue_on, state)


def due_list(
    rows: Iterable[Mapping[str, Any]],
    *,
    today: date,
    config: FrequencyConfig,
    horizon: int = HORIZON_DAYS,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(due list, overdue list) of customer rows (``customer_id``, ``grade``, ``last_visit``,
    ``since`` and any other keys, kept). The due list holds those due today or within
    ``horizon`` days (``due_on``, ``state`` due|upcoming), by due date then grade; the overdue
    list those overdue on ``today`` (``overdue_on``, ``days_overdue``, ``never``), longest
    first, then grade."""
    due: list[dict[str, Any]] = []
    overdue: list[dict[str, Any]] = []
    for row in rows:
        found = standing(
            row["customer_id"],
            row["grade"],
            row["last_visit"],
            row["since"],
            today=today,
            config=config,
            horizon=horizon,
        )
        if found is None or found.state == "on_rhythm":
            continue
        out = {
            **row,
            "due_on": found.due_on,
            "overdue_on": found.overdue_on,
            "state": found.state,
            "never": found.never_visited,
        }
        if found.state == "overdue":
            overdue.append({**out, "days_overdue": found.days_overdue(today)})
        else:
            due.append(out)
    due.sort(key=lambda x: (x["due_on"], x["grade"], x["customer_id"]))
    overdue.sort(key=lambda x: (-x["days_overdue"], x["grade"], x["customer_id"]))
    return due, overdue


def task_outcome(
    *, status: str, done_on: date | None, created: date, customer_overdue: bool, as_of: date
) -> str:
    """A task as it stands on ``as_of``: ``done`` (its visit on or before then), ``overdue``
    (not done and its customer overdue then), ``open`` (inside its grace), or ``pending``
    (created after ``as_of``: not a task yet)."""
    if created > as_of:
        return "pending"
    if status == "done" and done_on is not None and done_on <= as_of:
        return "done"
    return "overdue" if customer_overdue else "open"


@dataclass(frozen=True)
class Completion:
    """Tasks of a period by outcome, and the completion rate."""

    done: int = 0
    overdue: int = 0
    open: int = 0

    @property
    def rate(self) -> float | None:
        """done ÷ (done + overdue); None when no task was decided."""
        decided = self.done + self.overdue
        return self.done / decided if decided else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "tasks_done": self.done,
            "tasks_overdue": self.overdue,
            "tasks_open": self.open,
            "task_completion": self.rate,
        }


def completion(outcomes: Iterable[str]) -> Completion:
    """Count task outcomes (``task_outcome``; ``pending`` ones are left out)."""
    counts = {"done": 0, "overdue": 0, "open": 0}
    for outcome in outcomes:
        if outcome == "pending":
            continue
        if outcome not in counts:
            raise ValueError(f"outcome: {outcome!r} is not one of done, overdue, open, pending")
        counts[outcome] += 1
    return Completion(**counts)


def completion_by(pairs: Iterable[tuple[Any, str]]) -> dict[Any, Completion]:
    """key → ``completion`` of its outcomes, from (key, outcome) pairs."""
    grouped: dict[Any, list[str]] = {}
    for key, outcome in pairs:
        grouped.setdefault(key, []).append(outcome)
    return {key: completion(outcomes) for key, outcomes in grouped.items()}


def period_as_of(end: date, today: date) -> date:
    """The day a period's tasks are judged on: its last day, or today if that is earlier."""
    return min(end, today)


def overdue_count_by(
    rows: Iterable[Mapping[str, Any]], *, key: str, grade: str, today: date, config: FrequencyConfig
) -> dict[Any, int]:
    """key value → how many customers of ``grade`` are overdue on ``today`` (rows as in
    ``due_list``); every key value seen appears, with 0 when none is overdue."""
    out: dict[Any, int] = {}
    for row in rows:
        if row["grade"] != grade:
            continue
        out.setdefault(row[key], 0)
        found = standing(
            row["customer_id"], grade, row["last_visit"], row["since"], today=today, config=config
        )
        if found is not None and found.state == "overdue":
            out[row[key]] += 1
    return out

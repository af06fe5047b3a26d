"""Visit tasks (contract §5), pure: which customers get a task on a local date, due when, and
how a stored task stands on a date.

A customer is *due* on local date D when D ≥ its rhythm base + the grade's interval, the base
being its last effective visit on or before D, else its ``created`` date, else the date it was
first stored (``dashboard.frequency``). Each due customer without an open task gets one open
task for its owner (an orphan's task has no owner), created on D and due on base + interval.
The id is the customer and the due date, so the same due spell never yields two tasks. A task
is done by the first effective visit to the customer on or after its creation; an open task
whose customer is overdue on D shows as ``overdue``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from dashboard.frequency import GRADES, FrequencyConfig, due_dates

STATUSES = ("open", "overdue", "done")
# What a task row stores; ``overdue`` is derived on the date asked for.
STORED_STATUSES = ("open", "done")
EXPORT_FIELDS = ("id", "customer_id", "rep_id", "grade", "created", "due", "status", "visit_id")


@dataclass(frozen=True)
class Rhythm:
    """One active customer's rhythm on a date: its grade, its owner (None: an orphan, whose
    owner is missing or inactive), its home region, its last effective visit on or before the
    date, and the date it counts from when never visited (``created``, else first stored)."""

    customer_id: str
    grade: str
    owner_rep_id: str | None
    region_id: str | None
    last_visit: date | None
    since: date | None

    @property
    def base(self) -> date | None:
        """The date the rhythm counts from."""
        return self.last_visit if self.last_visit is not None else self.since


@dataclass(frozen=True)
class NewTask:
    """A task to create: one visit to one customer, for its owner."""

    id: str
    customer_id: str
    rep_id: str | None
    region_id: str | None
    grade: str
    created: date
    due: date


def task_id(customer_id: str, due: date) -> str:
    """The task's id: its customer and due date (one task per customer and due date)."""
    return f"{customer_id}:{due.isoformat()}"


def plan_tasks(
    rhythms: Iterable[Rhythm], *, on: date, config: FrequencyConfig
) -> Iterator[NewTask]:
    """One task for every customer due on local date ``on`` (customers without a base date or
    of an unknown grade are skipped); the caller leaves out those with an open task."""
    for rhythm in rhythms:
        base = rhythm.base
        if base is None or rhythm.grade not in GRADES:
            continue
        due_on, _overdue_on = due_dates(base, rhythm.grade, config)
        if on < due_on:
            continue
        yield NewTask(
            id=task_id(rhythm.customer_id, due_on),
            customer_id=rhythm.customer_id,
            rep_id=rhythm.owner_rep_id,
            region_id=rhythm.region_id,
            grade=rhythm.grade,
            created=on,
            due=due_on,
        )


def is_overdue(rhythm: Rhythm, *, on: date, config: FrequencyConfig) -> bool:
    """Whether the customer is overdue on ``on``: on > base + interval + grace."""
    base = rhythm.base
    if base is None or rhythm.grade not in GRADES:
        return False
    return on >= due_dates(base, rhythm.grade, config)[1]


def status_on(
    stored: str, done_on: date | None, *, customer_overdue: bool, on: date | None = None
) -> str:
    """How a task stands: ``done`` once its visit happened (by ``on`` when given), else
    ``overdue`` while its customer is overdue, else ``open``."""
    if stored not in STORED_STATUSES:
        raise ValueError(f"status: {stored!r} is not one of {', '.join(STORED_STATUSES)}")
    if stored == "done" and done_on is not None and (on is None or done_on <= on):
        return "done"
    return "overdue" if customer_overdue else "open"


def first_visits(
    open_tasks: Iterable[tuple[str, date]],
    visits: Iterable[tuple[str, str, date, float]],
    customer_of: dict[str, str],
) -> dict[str, tuple[str, date]]:
    """task id → (visit id, local date) of the first effective visit to its customer on or
    after its creation. ``open_tasks``: (task id, created); ``visits``: (visit id, customer id,
    local date, check-in time as seconds); ``customer_of``: task id → customer id."""
    by_customer: dict[str, list[tuple[date, float, str]]] = {}
    for visit_id, customer_id, local_date, t_s in visits:
        by_customer.setdefault(customer_id, []).append((local_date, t_s, visit_id))
    for found in by_customer.values():
        found.sort()
    out: dict[str, tuple[str, date]] = {}
    for tid, created in open_tasks:
        for local_date, _t, visit_id in by_customer.get(customer_of[tid], ()):
            if local_date >= created:
                out[tid] = (visit_id, local_date)
                break
    return out

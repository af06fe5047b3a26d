"""FREQUENCY_MISS (contract §5), pure: one alert per customer per overdue spell, on the spell's
first overdue date, with the evidence ``{"grade", "required_per_28d", "last_visit",
"days_since", "limit_days"}``.

A customer's rhythm counts from its last effective visit, else (never visited) from its
``created`` date, else the date it was first stored. From a base date B it is overdue on
B + ``overdue_after_days`` (the first date past interval + grace); the spell lasts until the next
effective visit, which starts a new base. A visit on the first overdue date itself comes in
time: that date's base is the visit, so there is no spell.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from dashboard import contract
from dashboard.frequency import GRADES, FrequencyConfig, due_dates
from dashboard.rules import Alert

RULE = "FREQUENCY_MISS"


@dataclass(frozen=True)
class CustomerVisits:
    """One active customer: grade, the rep its alerts go to (its owner), the owner's time zone,
    the date its rhythm counts from when never visited, and its effective visits' local dates."""

    customer_id: str
    name: str
    grade: str
    rep_id: str
    timezone: str
    since: date | None
    visits: tuple[date, ...]


def limit_days(grade: str, config: FrequencyConfig) -> float | int:
    """interval + grace, in days (a whole number when it is one)."""
    value = config.interval_days(grade) + config.frequency_grace_days
    return int(value) if float(value).is_integer() else round(value, 2)


def overdue_spells(
    since: date | None, visits: Iterable[date], grade: str, config: FrequencyConfig, *, until: date
) -> Iterator[tuple[date | None, date, date]]:
    """(last effective visit or None, base date, first overdue date) of every overdue spell
    that began on or before ``until``."""
    dates = sorted({d for d in visits if d <= until})
    anchors: list[tuple[date | None, date]] = []
    if since is not None and (not dates or since < dates[0]):
        anchors.append((None, since))
    anchors += [(d, d) for d in dates]
    for i, (last, base) in enumerate(anchors):
        overdue_on = due_dates(base, grade, config)[1]
        following = anchors[i + 1][1] if i + 1 < len(anchors) else None
        ends_in_time = following is not None and following <= overdue_on
        if not ends_in_time and overdue_on <= until:
            yield last, base, overdue_on


def find_frequency_misses(
    customers: Iterable[CustomerVisits],
    *,
    since: date,
    until: date,
    config: FrequencyConfig,
) -> list[Alert]:
    """The FREQUENCY_MISS alerts of the spells that began in [since, until], by id."""
    alerts = []
    for cust in customers:
        if cust.grade not in GRADES:
            continue
        for last, base, overdue_on in overdue_spells(
            cust.since, cust.visits, cust.grade, config, until=until
        ):
            if overdue_on < since:
                continue
            days = (overdue_on - base).days
            limit = limit_days(cust.grade, config)
            alerts.append(
                Alert(
                    id=f"{RULE}:{cust.customer_id}:{overdue_on.isoformat()}",
                    rule=RULE,
                    rep_id=cust.rep_id,
                    ts=datetime.combine(overdue_on, time.min, tzinfo=contract.zone(cust.timezone)),
                    local_date=overdue_on,
                    summary=(
                        f"{cust.name} (grade {cust.grade}): {days} days without an effective "
                        f"visit (limit {limit} days; "
                        + (f"last {last.isoformat()})" if last else "never visited)")
                    ),
                    evidence={
                        "grade": cust.grade,
                        "required_per_28d": config.required(cust.grade),
                        "last_visit": None if last is None else last.isoformat(),
                        "days_since": days,
                        "limit_days": limit,
                    },
                    customer_id=cust.customer_id,
                )
            )
    return sorted(alerts, key=lambda a: a.id)

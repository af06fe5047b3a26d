"""FREQUENCY_MISS, pure (contract §5): one alert per customer per overdue spell, on the first
overdue date, with the evidence the contract names."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dashboard.frequency import FrequencyConfig
from dashboard.rules import SEVERITY
from dashboard.rules.frequency import CustomerVisits, find_frequency_misses, limit_days

D = date.fromisoformat
DEFAULT = FrequencyConfig()


def cust(grade="A", visits=(), since="2026-10-31", cid="c-1"):
    return CustomerVisits(
        cid,
        f"Store {cid}",
        grade,
        "rep-1",
        "Asia/Shanghai",
        since and D(since),
        tuple(D(v) for v in visits),
    )


def misses(*customers, since="2026-01-01", until="2026-12-31", config=DEFAULT):
    return find_frequency_misses(customers, since=D(since), until=D(until), config=config)


def test_an_a_customer_unvisited_past_interval_plus_grace_raises_one_alert_on_day_eleven():
    (alert,) = misses(cust(visits=["2026-11-01"]), until="2026-11-20")
    assert alert.id == "FREQUENCY_MISS:c-1:2026-11-12"
    assert (alert.rule, alert.severity, alert.rep_id) == ("FREQUENCY_MISS", "medium", "rep-1")
    assert alert.local_date == D("2026-11-12") and alert.customer_id == "c-1"
    assert alert.visit_id is None
    assert alert.ts == datetime(2026, 11, 11, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai
    assert alert.evidence == {
        "grade": "A",
        "required_per_28d": 4,
        "last_visit": "2026-11-01",
        "days_since": 11,
        "limit_days": 10,
    }


def test_no_alert_before_the_first_overdue_date():
    assert misses(cust(visits=["2026-11-01"]), until="2026-11-11") == []


def test_a_visit_on_the_first_overdue_date_comes_in_time():
    assert misses(cust(visits=["2026-11-01", "2026-11-12"]), until="2026-11-22") == []


def test_a_later_visit_ends_the_spell_and_the_alert_stays_one_per_spell():
    alerts = misses(cust(visits=["2026-11-01", "2026-11-15"]), until="2026-11-25")
    assert [a.local_date for a in alerts] == [D("2026-11-12")]


def test_two_spells_give_two_alerts():
    alerts = misses(cust(visits=["2026-11-01", "2026-11-15"]), until="2026-11-30")
    assert [a.id for a in alerts] == [
        "FREQUENCY_MISS:c-1:2026-11-12",
        "FREQUENCY_MISS:c-1:2026-11-26",
    ]


def test_a_never_visited_customer_counts_from_its_created_date_with_no_last_visit():
    (alert,) = misses(cust(grade="C", visits=(), since="2026-10-01"), until="2026-11-05")
    # Overdue once more than 28 + 3 days have passed: on the 32nd day.
    assert alert.local_date == D("2026-11-02")
    assert alert.evidence["last_visit"] is None
    assert alert.evidence["days_since"] == 32 and alert.evidence["limit_days"] == 31


def test_a_visit_before_the_created_date_is_the_base():
    (alert,) = misses(cust(visits=["2026-09-20"], since="2026-10-01"), until="2026-10-01")
    assert alert.local_date == D("2026-10-01") and alert.evidence["last_visit"] == "2026-09-20"


def test_spells_that_began_before_the_period_are_not_judged():
    customer = cust(visits=["2026-11-01", "2026-11-15"])
    assert [a.local_date for a in misses(customer, since="2026-11-13", until="2026-11-30")] == [
        D("2026-11-26")
    ]


def test_visits_after_the_period_do_not_count():
    assert len(misses(cust(visits=["2026-11-01", "2026-11-13"]), until="2026-11-12")) == 1


def test_the_grace_and_the_required_visits_come_from_the_settings():
    strict = FrequencyConfig(frequency_grace_days=0)
    assert misses(cust(visits=["2026-11-01"]), until="2026-11-08", config=strict) == []
    (alert,) = misses(cust(visits=["2026-11-01"]), until="2026-11-09", config=strict)
    assert alert.local_date == D("2026-11-09") and alert.evidence["limit_days"] == 7
    three = FrequencyConfig(visits_per_28d_b=3)
    assert limit_days("B", three) == 12.33
    (alert,) = misses(cust(grade="B", visits=["2026-11-01"]), until="2026-11-30", config=three)
    assert alert.local_date == D("2026-11-14") and alert.evidence["required_per_28d"] == 3


def test_customers_of_an_unknown_grade_or_without_any_date_raise_nothing():
    assert misses(cust(grade="Z", visits=["2026-01-01"]), cust(since=None, cid="c-2")) == []


def test_frequency_miss_is_a_medium_alert_rule():
    assert SEVERITY["FREQUENCY_MISS"] == "medium"

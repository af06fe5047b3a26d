"""A setting changed or reset from the /admin settings tab (issue 20), on SQLite and
PostgreSQL: validation naming the key and its range, a required reason kept as the audit note,
reset to the default audited as before → default, and the follow-up that makes a new value take
effect (rep-days judged again and rollups recomputed; the daily tasks and FREQUENCY_MISS run
again; nothing for the settings read at each use)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dashboard.services import background, ingest
from dashboard.services import settings as rule_settings
from dashboard.services.tasks import DAILY_KEY
from dashboard.thresholds import SETTINGS
from data_access import quality, schema
from tests import builders as b


def _change(engine, now, key, value, reason="tuning"):
    return rule_settings.change_setting(engine, key, value, actor="boss", now=now, reason=reason)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("max_speed_mps", 5000, "max_speed_mps: 5000.0 is outside 1..1000"),
        ("static_min_fixes", 2.5, "static_min_fixes: 2.5 is not an integer"),
        ("meal_cap_cny", "lots", "meal_cap_cny: 'lots' is not a number"),
        ("retention_days", 3, "retention_days: 3 is outside 7..3650"),
        ("precision_exec", "10m", "precision_exec: '10m' is not one of exact, 100m, 1km"),
        ("no_such_key", 1, "setting: 'no_such_key' is not a known setting"),
        (None, 1, "setting: None is not a known setting"),
    ],
)
def test_a_bad_value_is_refused_naming_the_key_and_nothing_is_stored(
    engine, now, key, value, message
):
    with pytest.raises(rule_settings.SettingError) as caught:
        _change(engine, now, key, value)
    assert str(caught.value) == message
    assert rule_settings.audit_log(engine) == []
    assert not any(v["overridden"] for v in rule_settings.current_values(engine).values())


@pytest.mark.parametrize("reason", [None, "", "   ", 42])
def test_a_change_without_a_reason_is_refused(engine, now, reason):
    with pytest.raises(rule_settings.SettingError, match=r"^reason: "):
        _change(engine, now, "meal_cap_cny", 200, reason=reason)
    with pytest.raises(rule_settings.SettingError, match=r"^reason: "):
        rule_settings.reset_setting(engine, "meal_cap_cny", actor="boss", now=now, reason=reason)
    assert rule_settings.audit_log(engine) == []


def test_a_change_is_audited_with_its_reason_and_read_by_the_configs(engine, now):
    change = _change(engine, now, "meal_cap_cny", "180", reason="  new policy 2027 ")
    assert (change.key, change.before, change.after) == ("meal_cap_cny", 150.0, 180.0)
    assert rule_settings.load_expense_config(engine).meal_cap_cny == 180.0
    later = now + timedelta(minutes=5)
    _change(engine, later, "precision_exec", "1km", reason="works council")
    log = rule_settings.audit_log(engine)
    assert [(r["key"], r["actor"], r["before"], r["after"], r["note"]) for r in log] == [
        ("precision_exec", "boss", None, "1km", "works council"),
        ("meal_cap_cny", "boss", None, 180.0, "new policy 2027"),
    ]
    info = rule_settings.current_values(engine)
    assert info["meal_cap_cny"]["overridden"] and info["precision_exec"]["value"] == "1km"


def test_the_value_in_force_is_refused_as_no_change(engine, now):
    with pytest.raises(rule_settings.SettingError, match=r"meal_cap_cny: 150\.0 is already"):
        _change(engine, now, "meal_cap_cny", 150)
    _change(engine, now, "meal_cap_cny", 200)
    with pytest.raises(rule_settings.SettingError, match=r"meal_cap_cny: 200\.0 is already"):
        _change(engine, now, "meal_cap_cny", "200")
    assert len(rule_settings.audit_log(engine)) == 1


def test_reset_puts_the_default_back_and_audits_before_and_default(engine, now):
    with pytest.raises(rule_settings.SettingError, match="hotel_cap_cny: already at its default"):
        rule_settings.reset_setting(engine, "hotel_cap_cny", actor="boss", now=now, reason="x")
    _change(engine, now, "hotel_cap_cny", 800)
    later = now + timedelta(hours=1)
    change = rule_settings.reset_setting(
        engine, "hotel_cap_cny", actor="auditor", now=later, reason="back to policy"
    )
    assert (change.before, change.after) == (800.0, 600.0)
    info = rule_settings.current_values(engine)["hotel_cap_cny"]
    assert (info["value"], info["overridden"]) == (600.0, False)
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema.rule_settings)).all() == []
    newest = rule_settings.audit_log(engine, keys=["hotel_cap_cny"])[0]
    assert (newest["actor"], newest["before"], newest["after"], newest["note"]) == (
        "auditor",
        800.0,
        600.0,
        "back to policy",
    )


def _judged_world(engine, now):
    items = [
        *b.company(),
        b.gps(),
        b.gps(id="fix-2", ts="2026-11-26T09:45:02+08:00"),
        *b.one_visit(),
    ]
    ingest.ingest_values(engine, items, source="test", now=now)
    background.run_pass(engine, lambda: now)
    with engine.connect() as conn:
        assert judge_pending(conn) == {"dirty": False, "unjudged": False}
        return conn.execute(sa.select(sa.func.count()).select_from(schema.rep_days)).scalar_one()


def judge_pending(conn):
    from data_access import judge

    return judge.pending_work(conn)


def test_a_rule_threshold_change_rejudges_every_rep_day_and_recomputes_rollups(engine, now):
    rep_days = _judged_world(engine, now)
    assert rep_days >= 1
    change = _change(engine, now, "min_dwell_s", 120)
    assert (change.rejudged, change.recomputed, change.daily_again) == (rep_days, True, False)
    with engine.connect() as conn:
        assert judge_pending(conn) == {"dirty": True, "unjudged": True}
    done = background.run_pass(engine, lambda: now)
    assert done.judged.rep_days >= rep_days and done.refreshed == rep_days
    with engine.connect() as conn:
        assert judge_pending(conn) == {"dirty": False, "unjudged": False}


def test_an_expense_cap_rejudges_without_recomputing_rollups(engine, now):
    rep_days = _judged_world(engine, now)
    change = _change(engine, now, "entertainment_cap_cny", 800)
    assert (change.rejudged, change.recomputed, change.daily_again) == (rep_days, False, False)
    with engine.connect() as conn:
        assert judge_pending(conn) == {"dirty": False, "unjudged": True}


def test_a_frequency_rule_reruns_the_daily_step_and_a_live_setting_marks_nothing(engine, now):
    _judged_world(engine, now)
    with engine.connect() as conn:
        assert quality.fetch_version(conn, DAILY_KEY) > 0  # the day's step ran
    change = _change(engine, now, "visits_per_28d_a", 6)
    assert (change.rejudged, change.recomputed, change.daily_again) == (0, False, True)
    with engine.connect() as conn:
        assert quality.fetch_version(conn, DAILY_KEY) == 0
        assert judge_pending(conn) == {"dirty": False, "unjudged": False}
    background.run_pass(engine, lambda: now)
    with engine.connect() as conn:
        assert quality.fetch_version(conn, DAILY_KEY) > 0
    for key, value in (("max_visits_per_day", 10), ("precision_manager", "100m")):
        change = _change(engine, now, key, value)
        assert (change.rejudged, change.recomputed, change.daily_again) == (0, False, False)
    # Reset of a value that changes the judge sets it off again.
    _change(engine, now, "track_window_s", 600)
    background.run_pass(engine, lambda: now)
    change = rule_settings.reset_setting(
        engine, "track_window_s", actor="boss", now=now, reason="undo"
    )
    assert change.rejudged > 0 and change.after == SETTINGS["track_window_s"].default


def test_the_demo_has_a_settings_history_and_the_contracts_values_in_force(sqlite_engine, now):
    from dashboard.services import demo

    demo.seed_demo(sqlite_engine, reps=4, days=2, now=now)
    log = rule_settings.audit_log(sqlite_engine)
    assert [(r["key"], r["before"], r["after"]) for r in log] == [
        ("meal_cap_cny", 200.0, 150.0),
        ("meal_cap_cny", None, 200.0),
    ]
    assert all(r["note"] for r in log)
    assert not any(v["overridden"] for v in rule_settings.current_values(sqlite_engine).values())

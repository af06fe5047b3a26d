"""The one settings store: every threshold in one audited table, read by every config."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dashboard.rules import AuthenticityConfig
from dashboard.services import finance
from dashboard.services import settings as rule_settings
from dashboard.services.users import create_user
from dashboard.thresholds import SETTINGS, keys_of
from dashboard.tracks import TrackConfig
from data_access import schema


def test_a_shared_key_sets_the_rule_and_the_track_analysis_at_once(engine, now):
    rule_settings.set_value(engine, "max_speed_mps", 40, actor="ops", now=now)
    rule_settings.set_value(engine, "signal_gap_min_s", 900, actor="ops", now=now)
    got = rule_settings.load_all(engine)
    assert got.authenticity.max_speed_mps == got.tracks.max_speed_mps == 40.0
    assert got.authenticity.signal_gap_min_s == got.tracks.signal_gap_min_s == 900.0
    assert rule_settings.load_track_config(engine) == got.tracks


def test_a_track_only_setting_is_stored_audited_and_read(engine, now):
    before, after = rule_settings.set_value(
        engine, "stop_duration_s", "600", actor="ops", now=now, note="longer stays"
    )
    assert (before, after) == (300.0, 600.0)
    assert rule_settings.load_track_config(engine).stop_duration_s == 600.0
    assert rule_settings.current_values(engine)["stop_duration_s"]["section"] == "tracks"
    (entry,) = rule_settings.audit_log(engine)
    assert (entry["key"], entry["before"], entry["after"], entry["note"]) == (
        "stop_duration_s",
        None,
        600.0,
        "longer stays",
    )


def test_finance_and_the_judge_write_one_table_and_one_trail(engine, now):
    admin = create_user(engine, name="root", password="long-password", role="admin", now=now)
    assert finance.save_rules(engine, admin, {"meal_cap_cny": 180}, now=now) == 1
    rule_settings.set_value(engine, "min_dwell_s", 240, actor="ops", now=now)
    assert rule_settings.load_configs(engine)[1].meal_cap_cny == 180.0
    assert finance.load_rules(engine).meal_cap_cny == 180.0
    assert {row["key"] for row in rule_settings.audit_log(engine)} == {
        "meal_cap_cny",
        "min_dwell_s",
    }
    # The finance history lists the finance keys only.
    assert list(finance.settings_history(engine, admin)["key"]) == ["meal_cap_cny"]
    with engine.connect() as conn:
        stored = dict(
            conn.execute(sa.select(schema.rule_settings.c.key, schema.rule_settings.c.value)).all()
        )
    assert stored == {"meal_cap_cny": 180.0, "min_dwell_s": 240.0}


def test_saving_the_same_value_again_changes_and_audits_nothing(engine, now):
    rule_settings.set_value(engine, "min_dwell_s", 240, actor="ops", now=now)
    assert rule_settings.save_values(engine, {"min_dwell_s": 240.0}, actor="ops", now=now) == {}
    assert len(rule_settings.audit_log(engine)) == 1


def test_a_bad_value_is_refused_whole_and_nothing_is_stored(engine, now):
    with pytest.raises(rule_settings.SettingError, match="stop_gap_s"):
        rule_settings.save_values(
            engine, {"min_dwell_s": 200, "stop_gap_s": -5}, actor="ops", now=now
        )
    assert rule_settings.audit_log(engine) == []
    assert rule_settings.load_configs(engine)[0] == AuthenticityConfig()


def test_a_hand_edited_bad_value_falls_back_to_its_default_only(engine, now):
    with engine.begin() as conn:
        for key, value in (("stop_merge_m", "lots"), ("stop_gap_s", 1200.0)):
            conn.execute(
                schema.rule_settings.insert().values(
                    key=key, value=value, updated_at=now, updated_by="hand"
                )
            )
    got = rule_settings.load_track_config(engine)
    assert got == TrackConfig(stop_gap_s=1200.0)


def test_every_config_field_is_a_setting_with_the_same_default():
    for section, cls in (("authenticity", AuthenticityConfig), ("tracks", TrackConfig)):
        defaults = cls()
        for key in keys_of(section):
            assert getattr(defaults, key) == SETTINGS[key].default
        assert set(keys_of(section)) == set(cls.__dataclass_fields__)


def test_choice_settings_accept_only_their_choices():
    from dashboard.thresholds import check_setting

    assert check_setting("precision_exec", "1km") == "1km"
    with pytest.raises(ValueError, match="precision_exec: '2km' is not one of exact, 100m, 1km"):
        check_setting("precision_exec", "2km")
    with pytest.raises(ValueError, match="precision_manager"):
        check_setting("precision_manager", 100)


def test_settings_carry_units_and_privacy_defaults(engine):
    values = rule_settings.current_values(engine)
    assert values["max_speed_mps"]["unit"] == "m/s"
    assert values["service_min_a"]["unit"] == "min"
    assert values["retention_days"] == values["retention_days"] | {"value": 90, "unit": "d"}
    assert values["precision_exec"]["value"] == "100m"
    assert values["precision_manager"]["choices"] == ["exact", "100m", "1km"]

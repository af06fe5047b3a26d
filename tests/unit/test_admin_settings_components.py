"""The settings tab's rendering (issue 20): every setting of dashboard.thresholds.SETTINGS has a
label and a one-line description in Chinese and English, every section and unit a name in both,
and the tables, details and history show values, defaults, units and ranges in the viewer's
language."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from dash import html

from components import admin_settings as view
from components.i18n import _STRINGS as STRINGS
from dashboard.thresholds import SECTIONS, SETTINGS

CJK = re.compile(r"[\u4e00-\u9fff]")
# Latin words a Chinese label or description may hold: rule codes (GEOFENCE_MISS), units, §2a.
ZH_LATIN_OK = re.compile(r"\b[A-Z]+(?:_[A-Z]+)+\b|\bkm\b|\b\d+[a-z]\b")


def _text(node) -> str:
    return json.dumps(
        node.to_plotly_json() if hasattr(node, "to_plotly_json") else node,
        default=lambda o: o.to_plotly_json(),
        ensure_ascii=False,
    )


@pytest.mark.parametrize("key", sorted(SETTINGS))
@pytest.mark.parametrize("part", ["label", "desc"])
def test_every_setting_has_a_label_and_a_description_in_both_languages(key, part):
    zh, en = STRINGS[f"setting.{key}.{part}"]
    assert CJK.search(zh) and not CJK.search(en), (key, part)
    assert key not in zh and key not in en
    assert not re.findall(r"[A-Za-z]{2,}", ZH_LATIN_OK.sub(" ", zh)), (key, zh)
    assert len(en) <= 200 and len(zh) <= 120  # one line


def test_no_label_is_declared_for_a_setting_that_does_not_exist():
    declared = {k.split(".")[1] for k in STRINGS if k.startswith("setting.")}
    assert declared == set(SETTINGS)


def test_every_section_unit_and_choice_has_both_languages():
    for section in SECTIONS:
        for prefix in ("settings.section", "settings.effect"):
            zh, en = STRINGS[f"{prefix}.{section}"]
            assert CJK.search(zh) and not CJK.search(en)
    units = {spec.unit for spec in SETTINGS.values() if spec.unit}
    assert units <= {k.removeprefix("settings.unit.") for k in STRINGS}
    choices = {c for spec in SETTINGS.values() for c in spec.choices}
    assert {f"settings.choice.{c}" for c in choices} <= set(STRINGS)


@pytest.mark.parametrize(
    ("key", "value", "zh", "en"),
    [
        ("meal_cap_cny", 150.0, "150 元", "150 CN¥"),
        ("mileage_rate_cny_per_km", 0.8, "0.8 元/km", "0.8 CN¥/km"),
        ("service_min_a", 45, "45 分钟", "45 min"),
        ("retention_days", 90, "90 天", "90 d"),
        ("mileage_tolerance_pct", 15.0, "15%", "15%"),
        ("avg_speed_kmh", 30.0, "30 km/h", "30 km/h"),
        ("min_jump_m", 1000.0, "1,000 m", "1,000 m"),
        ("device_coarse_share", 0.3, "0.3", "0.3"),
        ("precision_exec", "100m", "约 100 米", "~100 m"),
    ],
)
def test_values_show_their_unit_in_the_viewers_language(key, value, zh, en):
    assert view.value_text(key, value, "zh") == zh
    assert view.value_text(key, value, "en") == en


def test_ranges_are_the_specs_or_the_translated_choices():
    assert view.range_text(SETTINGS["static_min_fixes"], "en") == "2 – 10,000"
    assert view.range_text(SETTINGS["max_speed_mps"], "en") == "1 – 1,000"
    assert view.range_text(SETTINGS["precision_admin"], "zh") == "精确 / 约 100 米 / 约 1 公里"


def test_key_options_list_every_setting_section_by_section():
    options = view.key_options("en")
    assert [o["value"] for o in options] == [
        s.key for section in SECTIONS for s in SETTINGS.values() if s.section == section
    ]
    assert options[0]["label"] == "Authenticity rules · Highest credible speed"


def _values(overridden: dict[str, object]) -> dict[str, dict[str, object]]:
    return {
        key: {
            "value": overridden.get(key, spec.default),
            "default": spec.default,
            "overridden": key in overridden,
        }
        for key, spec in SETTINGS.items()
    }


def test_tables_show_every_setting_grouped_with_the_overridden_marker():
    out = view.tables(_values({"meal_cap_cny": 180.0}), lang="zh")
    text = _text(html.Div(out))
    for key in SETTINGS:
        assert f"admin-settings-value-{key}" in text
    for section in SECTIONS:
        assert f"admin-settings-table-{section}" in text
    assert text.count("已修改") == 1 and "180" in text
    assert "餐费上限" in text and "单笔餐费超过此金额判为 OVER_CAP" in text


def test_input_props_offer_the_range_or_the_choices():
    number = view.input_props("static_min_fixes", _values({})["static_min_fixes"], "en")
    assert (number["min"], number["max"], number["step"], number["value"]) == (2, 10_000, 1, 10)
    assert number["choice_style"] == view.HIDDEN
    choice = view.input_props("precision_finance", _values({})["precision_finance"], "en")
    assert choice["value_style"] == view.HIDDEN and choice["choice"] == "100m"
    assert [o["label"] for o in choice["choices"]] == ["exact", "~100 m", "~1 km"]


def test_history_lists_when_who_before_after_and_reason_newest_first():
    rows = [
        {
            "at": datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
            "actor": "boss",
            "key": "meal_cap_cny",
            "before": 180.0,
            "after": 150.0,
            "note": "back",
        },
        {
            "at": datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
            "actor": "boss",
            "key": "meal_cap_cny",
            "before": None,
            "after": 180.0,
            "note": "policy",
        },
    ]
    text = _text(view.history(rows, lang="en"))
    assert text.index("180 CN¥ → 150 CN¥ · reason: back") < text.index(
        "150 CN¥ (default) → 180 CN¥ · reason: policy"
    )
    assert "2026-12-02 09:30+00:00 · boss" in text and "Meal cap" in text
    shanghai = _text(view.history(rows[:1], lang="en", timezone="Asia/Shanghai"))
    assert "2026-12-02 17:30+08:00 · boss" in shanghai
    assert "暂无修改记录" in _text(view.history([], lang="zh", key="meal_cap_cny"))


def test_the_admin_page_opens_the_tab_its_url_names():
    from components import admin as admin_ui

    def active(tab):
        layout = admin_ui.layout(lang="en", csrf="x", tab=tab)
        found = [c for c in _walk(layout) if getattr(c, "id", None) == "admin-tabs"]
        return found[0].active_tab

    assert active("settings") == "settings"
    assert active("org") == "org"
    assert active(None) == "users"
    assert active("nonsense") == "users"


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            yield from _walk(child)
    elif children is not None and hasattr(children, "children"):
        yield from _walk(children)

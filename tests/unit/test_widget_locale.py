"""The widgets' own texts follow the viewer's language (issue 23): grids, charts, date pickers."""

from __future__ import annotations

import dash_ag_grid as dag
import pandas as pd
import pytest
from dash import dcc

from components.alerts.evidence_values import REFERENCE_KEYS
from components.customers.orphans import orphan_panel
from components.filters import FILTER_DATES, filter_bar
from components.grids import column, data_grid
from components.i18n import t
from components.locale import date_picker_formats, graph_config, grid_locale_text
from components.locale.ag_grid_zh_cn import AG_GRID_LOCALE_CN
from components.locale.plotly_zh_cn import PLOTLY_LOCALE_ZH_CN


def _find(node, kind):
    if isinstance(node, kind):
        yield node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            yield from _find(child, kind)


def _grid(lang: str) -> dag.AgGrid:
    frame = pd.DataFrame({"a": [1]})
    return next(
        _find(data_grid("x", frame, [column("a", "A")], lang=lang, theme="light"), dag.AgGrid)
    )


def test_grids_speak_chinese_from_ag_grids_own_table_and_english_by_default():
    zh = _grid("zh").dashGridOptions["localeText"]
    assert zh == AG_GRID_LOCALE_CN
    assert zh["noRowsToShow"] == "无显示行"
    assert "localeText" not in _grid("en").dashGridOptions
    assert grid_locale_text("en") is None


def test_a_grid_with_its_own_empty_text_keeps_the_locale_table():
    for lang in ("zh", "en"):
        grid = next(_find(orphan_panel(lang, "light", may_hand_over=False), dag.AgGrid))
        texts = grid.dashGridOptions["localeText"]
        assert texts["noRowsToShow"] == t("cust.orphans.none", lang)
    assert texts.keys() == {"noRowsToShow"}  # English: only the grid's own words otherwise
    zh = next(_find(orphan_panel("zh", "light", may_hand_over=False), dag.AgGrid))
    assert (
        zh.dashGridOptions["localeText"]["ariaRowSelectAll"]
        == AG_GRID_LOCALE_CN["ariaRowSelectAll"]
    )


def test_graph_config_names_plotlys_locale_and_keeps_the_graphs_own_options():
    zh = graph_config("zh", displayModeBar=False)
    assert zh["locale"] == "zh-CN"
    assert zh["locales"]["zh-CN"]["dictionary"]["Zoom in"] == "放大"
    assert zh["locales"]["zh-CN"] is PLOTLY_LOCALE_ZH_CN
    assert zh["displayModeBar"] is False
    en = graph_config("en")
    assert en["locale"] == "en-US" and "locales" not in en
    for config in (zh, en):
        assert "sendChartToCloud" in config["modeBarButtonsToRemove"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_filter_bars_date_picker_gets_the_languages_month_format(lang):
    bar = filter_bar({}, lang=lang)
    picker = next(p for p in _find(bar, dcc.DatePickerRange) if p.id == FILTER_DATES)
    assert picker.month_format == date_picker_formats(lang)["month_format"]
    assert picker.display_format == "YYYY-MM-DD"
    assert date_picker_formats("zh")["month_format"] != date_picker_formats("en")["month_format"]


def test_every_reference_key_of_the_alert_evidence_has_a_label_in_both_languages():
    for key in REFERENCE_KEYS:
        zh, en = t(f"alerts.ref.{key}", "zh"), t(f"alerts.ref.{key}", "en")
        assert zh and en and zh != en and "_" not in zh + en, key

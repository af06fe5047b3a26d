"""The third-party widgets' own texts in the viewer's language, applied in one place each.

AG Grid (``localeText``) and plotly (graph ``config``) ship zh-CN tables; they are vendored
unchanged in :mod:`components.locale.ag_grid_zh_cn` and :mod:`components.locale.plotly_zh_cn`.
English is the widgets' built-in language, so it needs no table.
"""

from __future__ import annotations

from typing import Any

from components.locale.ag_grid_zh_cn import AG_GRID_LOCALE_CN
from components.locale.plotly_zh_cn import PLOTLY_LOCALE_ZH_CN

PLOTLY_LOCALE = {"zh": "zh-CN", "en": "en-US"}


def grid_locale_text(lang: str) -> dict[str, str] | None:
    """AG Grid's ``localeText`` for ``lang`` (None: the grid's built-in English)."""
    return dict(AG_GRID_LOCALE_CN) if lang == "zh" else None


def graph_config(lang: str, **extra: Any) -> dict[str, Any]:
    """A dcc.Graph ``config`` whose modebar texts and month/day names follow ``lang``.

    ``extra`` holds the graph's own options (``displaylogo``, ``displayModeBar``, …).
    """
    # plotly.js 4's "Share chart..." button uploads the chart to a cloud service (and has no zh
    # text in the locale table): a cockpit's data stays here, so the button is not offered.
    config: dict[str, Any] = {
        "displaylogo": False,
        "showSendToCloud": False,
        "modeBarButtonsToRemove": ["sendChartToCloud"],
        **extra,
    }
    if lang == "zh":
        config["locale"] = PLOTLY_LOCALE["zh"]
        config["locales"] = {PLOTLY_LOCALE["zh"]: PLOTLY_LOCALE_ZH_CN}
    else:
        config["locale"] = PLOTLY_LOCALE["en"]
    return config


# dcc.DatePicker* month and year pickers: Dash 4 takes the month token (M…MMMM) and the year token
# from this format; in zh the months are numbered (1…12, no English month names), in en named.
# Selected dates stay ISO (YYYY-MM-DD) in both languages.
MONTH_FORMAT = {"zh": "YYYY年M月", "en": "MMMM YYYY"}


def date_picker_formats(lang: str) -> dict[str, str]:
    """``display_format`` and ``month_format`` props for a dcc.DatePicker* in ``lang``."""
    return {
        "display_format": "YYYY-MM-DD",
        "month_format": MONTH_FORMAT.get(lang, MONTH_FORMAT["en"]),
    }

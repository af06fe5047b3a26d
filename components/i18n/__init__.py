"""UI strings in Simplified Chinese and English (numbers are formatted in formatting.py).

One module per area holds its ``STRINGS`` (key → (zh, en)); a new area adds its module and one
line below. A key is declared once: ``tests/unit`` checks both languages and no duplicates.
"""

from __future__ import annotations

from components.i18n import (
    admin,
    admin_links,
    alerts,
    audit,
    common,
    customers,
    enums,
    finance,
    grades,
    handover,
    org,
    plan_suggest,
    plans,
    quality,
    replay,
    reports,
    rhythm,
    settings,
    sop,
    wall,
    widgets,
)
from dashboard.rules.catalog import CATALOG, codes

LANGS = ("zh", "en")
AREAS = (
    common,
    replay,
    alerts,
    finance,
    wall,
    quality,
    customers,
    grades,
    rhythm,
    handover,
    plans,
    reports,
    admin,
    settings,
    admin_links,
    org,
    sop,
    plan_suggest,
    enums,
    widgets,
    audit,
)

_STRINGS: dict[str, tuple[str, str]] = {}
for _area in AREAS:
    _clash = _STRINGS.keys() & _area.STRINGS.keys()
    if _clash:
        raise RuntimeError(f"{_area.__name__} declares keys declared before: {sorted(_clash)}")
    _STRINGS.update(_area.STRINGS)

# Rule names and explanations come from the rule catalog, where each rule is declared once.
for _spec in CATALOG.values():
    _STRINGS[f"rule.{_spec.code}.name"] = (_spec.name_zh, _spec.name_en)
    _STRINGS[f"rule.{_spec.code}.desc"] = (_spec.desc_zh, _spec.desc_en)
for _code in codes("expense"):
    _STRINGS[f"fin.wi.rule.{_code}"] = (CATALOG[_code].name_zh, CATALOG[_code].name_en)


def t(key: str, lang: str) -> str:
    """Return the UI string of a key in a language (the key itself if unknown)."""
    pair = _STRINGS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]

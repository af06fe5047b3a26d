"""Exports render the alerts' and flags' summaries in the language asked for (issue 23): English
by default, the same text the judge stored; Chinese with `lang="zh"`; an unknown language is
refused naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.services import detect, exports
from tests import builders as b
from tests.services.test_detect import _visit, alerts_by_id, flags_by_id, load

DAY = date(2026, 11, 26)


def test_export_summaries_follow_the_language_asked_for(engine, now):
    records = [
        *b.company(),
        *_visit("v-2", "2026-11-26T07:00:00+08:00"),
        b.expense("e-1", date="2026-11-24"),
    ]
    load(engine, records, now)
    detect.detect(engine, now=now)
    stored = alerts_by_id(engine)["OFF_HOURS:v-2"]["summary"]
    (en,) = exports.export_rows(engine, "alerts", date_from=DAY)
    (zh,) = exports.export_rows(engine, "alerts", date_from=DAY, lang="zh")
    assert en["summary"] == stored and "07:00" in en["summary"]
    assert zh["summary"].startswith("在 ") and "07:00" in zh["summary"] and "签到" in zh["summary"]
    assert {k: v for k, v in zh.items() if k != "summary"} == {
        k: v for k, v in en.items() if k != "summary"
    }
    (flag_en,) = exports.export_rows(engine, "expense-flags", date_to=date(2026, 11, 24))
    (flag_zh,) = exports.export_rows(engine, "expense-flags", date_to=date(2026, 11, 24), lang="zh")
    assert flag_en["summary"] == flags_by_id(engine)[flag_en["id"]]["summary"]
    assert "没有任何签到" in flag_zh["summary"] and "¥45.00" in flag_zh["summary"]
    with pytest.raises(ValueError, match="lang"):
        exports.export_rows(engine, "alerts", lang="fr")

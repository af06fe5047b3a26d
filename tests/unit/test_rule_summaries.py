"""Summaries rendered from the catalog in the viewer's language (issue 23): every rule has zh and
en templates with the same placeholders, every rule's real evidence (the rules run on small
inputs) renders in both languages, and every i18n key exists in both with the same placeholders."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date

import pytest

from components.i18n import _STRINGS as STRINGS
from components.i18n import AREAS
from dashboard.rules import authenticity as a
from dashboard.rules import summaries as s
from dashboard.rules.catalog import CATALOG
from dashboard.rules.sop import find_sop_incomplete
from tests.unit import test_rule_frequency_miss as fm
from tests.unit import test_rules_authenticity as ta
from tests.unit import test_rules_expenses as te
from tests.unit import test_sop as tsop

CJK = re.compile(r"[\u4e00-\u9fff]")
# Words an English summary is made of; none of them may leak into a Chinese one.
# Record ids (dev-9, r-2, v-1) are codes, not words.
ID = re.compile(r"[\w-]*\d[\w-]*")
ENGLISH_WORD = re.compile(r"\b(?!km\b|root\b)[a-z]{3,}\b")


def test_every_catalog_rule_has_zh_and_en_templates_with_the_same_placeholders():
    assert set(s.TEMPLATES) == set(CATALOG)
    for rule, variants in s.TEMPLATES.items():
        assert variants, rule
        for name, (zh, en) in variants.items():
            assert s.placeholders(zh) == s.placeholders(en), (rule, name)
            assert CJK.search(zh), (rule, name)
            assert not CJK.search(en), (rule, name)


def _real_findings() -> list:
    """Alerts and flags the rules raise on small inputs, covering every template variant."""
    T0, LAT, LON, north = ta.T0, ta.LAT, ta.LON, ta.north
    day, visit, fixes, CFG = ta.day, ta.visit, ta.fixes, ta.CFG
    out: list = []
    track = fixes([(0, LAT, LON), (60, LAT, LON), (120, LAT, LON)], mock=[False, True, True])
    events = [
        a.DeviceEvent("e1", T0 + 5, "rooted_device", "dev-1"),
        a.DeviceEvent("e2", T0 + 9, "mock_app_detected", "dev-1"),
    ]
    d = day(fx=track, visits=[visit(mock=True, out=(600, LAT, LON), co_mock=True)], events=events)
    out += a.find_mock_locations(d)
    out += a.find_mock_locations(day(events=events[:1]))  # one device event
    out += a.find_impossible_speeds(day(fx=ta._jump(2000, 39.9)), CFG)
    out += a.find_impossible_speeds(day(fx=ta._jump(2000, 0)), CFG)  # an instant
    out += a.find_geofence_misses(
        day(visits=[visit(lat=north(900), out=(900, north(800), LON))]), CFG
    )
    far = north(1500)
    track = fixes([(-300, far, LON), (0, far, LON), (300, far, LON)])
    out += a.find_track_mismatches(day(fx=track, visits=[visit()]), CFG)
    out += a.find_static_spoofs(day(fx=ta._frozen(10, 600)), CFG)
    out += a.find_short_visits(day(visits=[visit(out=120)]), CFG)
    for taken in (-1200, 1800 + 1200):
        p = a.Photo(f"p{taken}", "v-1", T0 + taken, "a" * 64, 0)
        out += a.find_photo_time_mismatches(day(visits=[visit(out=1800, photos=[p])]), CFG)
    out += a.find_clustered_checkins(
        day(visits=ta._cluster_visits(), customers=ta._cluster_customers(600)), CFG
    )
    uses = [a.DeviceUse("dev-9", "r-1", ta.DAY, T0), a.DeviceUse("dev-9", "r-2", ta.DAY, T0 + 60)]
    out += a.find_shared_devices(uses, CFG)
    out += a.find_off_hours(day(visits=[visit(t=ta.WORK[1] - T0 + 60)]), ta.hhmm)
    out += a.find_signal_gaps(day(fx=ta._gap_track(2400)), CFG)
    gone = [a.DeviceEvent("e-1", T0 + 900, "power_off")]
    out += a.find_signal_gaps(day(fx=ta._gap_track(2400, 60_000), events=gone), CFG)
    base = 0x0123_4567_89AB_CDEF
    photos = [
        ta._indexed("p-old", "v-1", 0, base, sha="a" * 64),
        ta._indexed("p-same", "v-2", 600, 0xFFFF, sha="a" * 64),
        ta._indexed("p-six", "v-3", 1200, base ^ 0b111111, sha="b" * 64),
    ]
    index = a.PhotoIndex(photos, CFG.photo_max_hamming)
    out += [f for p in photos if (f := a.find_photo_reuse(p, index, CFG))]
    out += fm.misses(fm.cust(visits=["2026-11-01"]), until="2026-11-20")
    out += fm.misses(fm.cust(visits=(), since="2026-10-01", cid="c-2"), until="2026-10-20")
    claim, sha = te.claim, "f" * 64
    out += te.judge(
        [
            te.claim("e-1", "mileage", "96", claimed_km=120.0),
            claim("e-2", "entertainment", "1200", customer_id="c-7"),
            claim("e-3", "hotel", "400", city="杭州"),
            claim("e-4", "meal", "50", receipt_sha256=sha, arrival=(1, 1)),
            claim("e-5", "meal", "150", receipt_sha256=sha, arrival=(1, 2)),
        ],
        km={("r-1", te.D): 72.1},
        critical={("r-1", te.D): ["PHOTO_REUSE:p-1"]},
    )
    out += te.judge([claim("e-9", "transport", "30", date=date(2026, 11, 28))])
    step, sop_visit = tsop.StepRecord, tsop.visit
    out += find_sop_incomplete([sop_visit(step("shelf", 1500))])  # a required step missing
    out += find_sop_incomplete([sop_visit(step("check_in_photo", 1100), step("shelf", 2500))])
    out += find_sop_incomplete([sop_visit(step("shelf", 2500))])  # missing and late
    return out


FINDINGS = _real_findings()


def _row(f) -> dict:
    row = asdict(f)
    row["customer_name"] = "Store 1" if row.get("customer_id") else None
    return row


def test_the_small_inputs_cover_every_rule_and_every_variant():
    seen = {(f.rule, s.variant(f.rule, f.evidence)) for f in FINDINGS}
    wanted = {(rule, name) for rule, variants in s.TEMPLATES.items() for name in variants}
    assert wanted - seen == set()


@pytest.mark.parametrize("lang", s.LANGS)
def test_every_real_finding_renders_in_both_languages(lang):
    for f in FINDINGS:
        text = s.render(f.rule, f.evidence, lang, row=_row(f), tz="Asia/Shanghai")
        assert "{" not in text and "}" not in text, (f.id, text)
        if lang == "zh":
            assert CJK.search(text), (f.id, text)
            assert not ENGLISH_WORD.search(ID.sub("", text)), (f.id, text)
        else:
            assert not CJK.search(text.replace("杭州", "")), (f.id, text)


def test_units_and_money_follow_the_language():
    assert s.fmt_distance(1240, "en") == "1.2 km" and s.fmt_distance(850, "en") == "850 m"
    assert s.fmt_distance(1240, "zh") == "1.2 公里" and s.fmt_distance(850, "zh") == "850 米"
    assert s.fmt_money(2544.9, "en") == "CN¥2,544.90" and s.fmt_money(2544.9, "zh") == "¥2,544.90"
    assert s.fmt_duration(45, "zh") == "45 秒" and s.fmt_duration(750, "en") == "12.5 min"
    with pytest.raises(ValueError, match="lang"):
        s.fmt_money(1, "fr")


def test_over_cap_names_the_category_in_the_viewers_words():
    flags = te.judge([te.claim("e-1", "entertainment", "2544.90", customer_id="c-1")])
    (over,) = [f for f in flags if f.rule == "OVER_CAP"]
    zh = s.render(over.rule, over.evidence, "zh", row=_row(over))
    en = s.render(over.rule, over.evidence, "en", row=_row(over))
    assert zh == "2026-11-26 的招待费合计 ¥2,544.90,超出日限额 ¥1,000.00 共 ¥1,544.90"
    assert en.startswith("entertainment claims of 2026-11-26 total CN¥2,544.90")


def test_summary_of_falls_back_to_the_stored_text_when_evidence_cannot_fill_it():
    row = {"rule": "SHORT_VISIT", "evidence": {"source": "check_out"}, "summary": "stored"}
    assert s.summary_of(row, "zh") == "stored"
    with pytest.raises(KeyError, match="SHORT_VISIT"):
        s.render("SHORT_VISIT", row["evidence"], "zh")


def test_every_i18n_key_exists_in_both_languages_with_the_same_placeholders():
    assert AREAS
    for key, pair in STRINGS.items():
        zh, en = pair
        assert zh and en, key
        assert s.placeholders(zh) == s.placeholders(en), key


def test_every_enumerated_value_has_a_label_in_both_languages():
    from components.customers.regrade import INGEST_REASONS
    from dashboard import contract, finance, frequency, grades, roles, tracks
    from dashboard.services import alerts as alert_service
    from dashboard.services import customers

    families = {
        "fin.cat": contract.EXPENSE_CATEGORIES,
        "fin.status": (*finance.STATUSES, "open"),
        "alerts.status": alert_service.STATUSES,
        "alerts.device": contract.DEVICE_EVENT_KINDS,
        "gap.reason": (*tracks.GAP_REASONS, "unknown"),
        "enum.photo_kind": contract.PHOTO_KINDS,
        "enum.provider": contract.PROVIDERS,
        "cust.status": frequency.STATUSES,
        "role": roles.ROLES,
        # The audit log's and the histories' codes (issue 23's leftovers).
        "alerts.action": (*alert_service.ACTIONS, "withdraw", "judge_note"),
        "cust.source": (*customers.HANDOVER_SOURCES, "demo"),
        "grd.source": tuple(s for s in grades.HISTORY_SOURCES if s != "lock"),
        "cust.reason": tuple(key.removeprefix("cust.reason.") for key in INGEST_REASONS.values()),
        "audit.state": ("active", "inactive", "locked", "unlocked"),
    }
    missing = [
        f"{prefix}.{value}"
        for prefix, values in families.items()
        for value in values
        if f"{prefix}.{value}" not in STRINGS
    ]
    assert missing == []
    for prefix, values in families.items():
        for value in values:
            zh, en = STRINGS[f"{prefix}.{value}"]
            assert CJK.search(zh) and not CJK.search(en), (prefix, value)
    # The summaries' own words for the enumerated values they name.
    for kind, labels in s.ENUM_LABELS.items():
        for value, (zh, en) in labels.items():
            assert CJK.search(zh) and not CJK.search(en), (kind, value)
    assert set(s.ENUM_LABELS["category"]) == set(contract.EXPENSE_CATEGORIES)
    assert set(s.ENUM_LABELS["reason"]) == {*tracks.GAP_REASONS, "unknown"}


def test_the_alert_queue_shows_summaries_in_the_viewers_language():
    import pandas as pd

    from components.alerts.queue import queue_rows

    (short,) = [f for f in FINDINGS if f.rule == "SHORT_VISIT"]
    row = {**_row(short), "status": "open", "severity": "medium", "timezone": "Asia/Shanghai"}
    frame = pd.DataFrame([row])
    (zh,) = queue_rows(frame, "zh")
    (en,) = queue_rows(frame, "en")
    assert zh["summary"] == "在 Store 1 的拜访只持续了 2.0 分钟(最短 5.0 分钟)"
    assert en["summary"] == "visit at Store 1 lasted 2.0 min (minimum 5.0 min)"
    assert "evidence" not in zh

"""The judge on real SQLite and PostgreSQL: the labelled demo scenario, idempotency, triage kept,
incremental re-judging after late records, settings, export."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from components import alerts as alert_view
from components.i18n import t
from dashboard.demo import DemoConfig, iter_demo_batches
from dashboard.rules import AUTHENTICITY_RULES, EXPENSE_RULES
from dashboard.services import detect, exports, ingest, rollups
from dashboard.services import settings as rule_settings
from data_access import schema
from tests import builders as b

DAY = date(2026, 11, 26)


def load(engine, records, now) -> None:
    summary = ingest.ingest_values(engine, records, source="test", now=now)
    assert not summary.rejected, summary.rejected
    rollups.refresh_rep_days(engine, now=now)


def alerts_by_id(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r["id"]: dict(r) for r in conn.execute(sa.select(schema.alerts)).mappings()}


def flags_by_id(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r["id"]: dict(r) for r in conn.execute(sa.select(schema.expense_flags)).mappings()}


def set_status(engine, table, ident: str, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(table.update().where(table.c.id == ident).values(status=status))


# ------------------------------------------------------------------ the labelled scenario


def _ref(row: dict) -> str:
    """What the demo's InjectedCase.ref names for the rule of an exported row."""
    rule, ev = row["rule"], row.get("evidence", {})
    if "claim_id" in row:
        return row["claim_id"]
    if rule in ("MOCK_LOCATION", "DEVICE_SHARED"):
        return row["_local_date"]
    if rule == "IMPOSSIBLE_SPEED":
        return ev["fix_ids"][1]
    if rule in ("STATIC_SPOOF", "SIGNAL_GAP"):
        return ev["fix_ids"][0]
    return row["visit_id"]


def test_labelled_company_is_judged_with_perfect_precision_and_recall(engine, now):
    cases = []
    for batch in iter_demo_batches(DemoConfig(now=now, reps=12, days=4), cases):
        summary = ingest.ingest_values(engine, batch, source="demo", now=now)
        assert not summary.rejected
    rollups.refresh_rep_days(engine, now=now)
    first = detect.detect(engine, now=now)
    assert first.alerts_written and first.flags_written

    dates = {k: v["local_date"].isoformat() for k, v in alerts_by_id(engine).items()}
    text = "".join(exports.export_text(exports.export_rows(engine, "alerts"), "alerts", "jsonl"))
    text += "".join(
        exports.export_text(exports.export_rows(engine, "expense-flags"), "expense-flags", "jsonl")
    )
    got: dict[str, set] = defaultdict(set)
    for line in text.splitlines():
        row = json.loads(line)
        row["_local_date"] = dates.get(row["id"])
        got[row["rule"]].add((row["rep_id"], _ref(row)))
    want: dict[str, set] = defaultdict(set)
    for case in cases:
        want[case.rule].add((case.rep_id, case.ref))
    # The demo also reports its honest visits that skip a required SOP step (contract §7).
    assert set(want) == set(AUTHENTICITY_RULES) | set(EXPENSE_RULES) | {"SOP_INCOMPLETE"}
    for rule in sorted(set(want) | set(got)):
        assert got[rule] == want[rule], rule  # precision and recall 1.0

    # Every evidence field a rule writes has a label in both languages on the alert evidence
    # panel, or is shown as a reference id.
    for alert in alerts_by_id(engine).values():
        for key in alert["evidence"]:
            if key not in alert_view.REFERENCE_KEYS:
                for lang in ("zh", "en"):
                    assert t(f"alerts.ev.{key}", lang) != f"alerts.ev.{key}", (alert["rule"], key)

    # Idempotent: a second run writes nothing, deletes nothing, keeps triage.
    some = sorted(alerts_by_id(engine))[:2]
    set_status(engine, schema.alerts, some[0], "acknowledged")
    with engine.begin() as conn:
        conn.execute(
            schema.alerts.update().where(schema.alerts.c.id == some[1]).values(assigned_to="lee")
        )
    before_alerts, before_flags = alerts_by_id(engine), flags_by_id(engine)
    second = detect.detect(engine, now=datetime(2026, 11, 28, tzinfo=UTC))
    assert (second.alerts_written, second.alerts_deleted) == (0, 0)
    assert (second.flags_written, second.flags_deleted) == (0, 0)
    assert alerts_by_id(engine) == before_alerts
    assert flags_by_id(engine) == before_flags
    assert before_alerts[some[0]]["status"] == "acknowledged"
    assert before_alerts[some[1]]["assigned_to"] == "lee"


# ------------------------------------------------------------------ incremental judging


def _visit(vid: str, ts: str, **kw) -> list[dict]:
    return [b.check_in(vid, ts=ts, **kw)]


def test_late_check_out_is_judged_by_detect_pending_only_for_touched_days(engine, now):
    load(engine, [*b.company(), *_visit("v-1", "2026-11-26T09:20:00+08:00")], now)
    # The touched day only: the day before has no hotel claim that could look at it.
    assert detect.detect_pending(engine, now=now).rep_days == 1
    assert alerts_by_id(engine) == {}
    assert detect.detect_pending(engine, now=now).rep_days == 0  # nothing changed since

    load(engine, [b.check_out("co-1", "v-1", ts="2026-11-26T09:22:00+08:00")], now)
    result = detect.detect_pending(engine, now=now)
    assert result.rep_days >= 1
    alert = alerts_by_id(engine)["SHORT_VISIT:v-1"]
    assert alert["evidence"]["dwell_s"] == 120 and alert["status"] == "open"


def test_next_days_check_in_rejudges_the_hotel_claim_of_the_day_before(engine, now):
    # HOTEL_CITY_MISMATCH accepts a check-in in the hotel's city on the claim's day or the next.
    hangzhou = b.customer("cust-hz", name="杭州门店", lat=30.2741, lon=120.1551, city="杭州")
    records = [
        *b.company(),
        hangzhou,
        *_visit("v-1", "2026-11-25T09:20:00+08:00"),
        b.expense("e-h", date="2026-11-25", category="hotel", amount=380.0, city="杭州"),
    ]
    load(engine, records, now)
    detect.detect_pending(engine, now=now)
    assert "HOTEL_CITY_MISMATCH:e-h" in flags_by_id(engine)

    # The next day's check-in in Hangzhou: the 26th is touched, and the 25th (with its hotel
    # claim) is judged again, which withdraws the flag.
    load(engine, _visit("v-2", "2026-11-26T09:20:00+08:00", customer_id="cust-hz"), now)
    assert detect.detect_pending(engine, now=now).rep_days == 2
    assert "HOTEL_CITY_MISMATCH:e-h" not in flags_by_id(engine)


def test_second_rep_on_a_device_flags_both_reps_days_incrementally(engine, now):
    records = [
        *b.company(),
        b.rep("rep-2"),
        b.rep("rep-3"),
        b.gps("f-1", ts="2026-11-26T09:15:00+08:00"),
        b.gps("f-3", rep_id="rep-3", device_id="dev-3", ts="2026-11-26T09:15:00+08:00"),
    ]
    load(engine, records, now)
    detect.detect_pending(engine, now=now)
    assert not any(k.startswith("DEVICE_SHARED") for k in alerts_by_id(engine))

    # rep-2 picks up rep-1's phone the same day, seen only in a device event: rep-2's day is
    # touched and rep-1's is judged with it; rep-3 (another device) is not.
    load(engine, [b.device_event("e-2", rep_id="rep-2", kind="network_lost")], now)
    assert detect.detect_pending(engine, now=now).rep_days == 2
    shared = sorted(k for k in alerts_by_id(engine) if k.startswith("DEVICE_SHARED"))
    assert shared == [
        "DEVICE_SHARED:dev-1:2026-11-26:rep-1",
        "DEVICE_SHARED:dev-1:2026-11-26:rep-2",
    ]

    # rep-1's day judged alone (as a rep-day retried on its own after a failure is): rep-2's
    # use of the phone is read for it, and its alert stays as it is.
    alone = detect._judge(
        engine,
        {("rep-1", DAY): None},
        rule_settings.load_all(engine),
        detect._photo_cache(engine),
        now=now,
    )
    assert (alone.rep_days, alone.alerts_written, alone.alerts_deleted) == (1, 0, 0)
    assert sorted(k for k in alerts_by_id(engine) if k.startswith("DEVICE_SHARED")) == shared

    # rep-3's own change judges rep-3 alone: rep-1 and rep-2 keep their alerts.
    load(
        engine,
        [b.gps("f-4", rep_id="rep-3", device_id="dev-3", ts="2026-11-26T09:16:00+08:00")],
        now,
    )
    assert detect.detect_pending(engine, now=now).rep_days == 1
    assert sorted(k for k in alerts_by_id(engine) if k.startswith("DEVICE_SHARED")) == shared


def test_late_photo_of_an_earlier_visit_flags_the_later_visit_of_another_day(engine, now):
    records = [
        *b.company(),
        *_visit("v-1", "2026-11-25T10:00:00+08:00"),
        *_visit("v-2", "2026-11-26T10:00:00+08:00"),
        b.photo(
            "ph-2", "v-2", ts="2026-11-26T10:01:00+08:00", taken_at="2026-11-26T10:00:30+08:00"
        ),
    ]
    load(engine, records, now)
    detect.detect_pending(engine, now=now)
    assert not any(k.startswith("PHOTO_REUSE") for k in alerts_by_id(engine))

    late = b.photo(
        "ph-1", "v-1", ts="2026-11-25T10:01:00+08:00", taken_at="2026-11-25T10:00:30+08:00"
    )
    load(engine, [late], now)
    detect.detect_pending(engine, now=now)
    alert = alerts_by_id(engine)["PHOTO_REUSE:ph-2"]
    assert alert["visit_id"] == "v-2" and alert["local_date"] == DAY
    assert alert["evidence"]["matched_photo_id"] == "ph-1"
    assert "PHOTO_REUSE:ph-1" not in alerts_by_id(engine)


def test_late_receipt_with_an_earlier_date_moves_the_duplicate_flag(engine, now):
    sha = "cd" * 32
    load(engine, [*b.company(), *_visit("v-1", "2026-11-26T09:20:00+08:00")], now)
    load(engine, [b.expense("e-2", receipt_sha256=sha, date="2026-11-26")], now)
    detect.detect_pending(engine, now=now)
    assert not any(k.startswith("DUPLICATE_RECEIPT") for k in flags_by_id(engine))

    load(engine, [b.expense("e-1", receipt_sha256=sha, date="2026-11-24")], now)
    detect.detect_pending(engine, now=now)
    flag = flags_by_id(engine)["DUPLICATE_RECEIPT:e-2"]
    assert flag["evidence"]["first_claim_id"] == "e-1"


def test_new_critical_alert_makes_the_days_claims_fraud_day_claims(engine, now):
    load(engine, [*b.company(), *_visit("v-1", "2026-11-26T09:20:00+08:00"), b.expense("e-1")], now)
    detect.detect_pending(engine, now=now)
    assert "FRAUD_DAY_CLAIM:e-1" not in flags_by_id(engine)
    load(engine, [b.device_event("ev-9", "mock_app_detected", ts="2026-11-26T11:00:00+08:00")], now)
    detect.detect_pending(engine, now=now)
    flag = flags_by_id(engine)["FRAUD_DAY_CLAIM:e-1"]
    assert flag["evidence"]["alert_ids"] == ["MOCK_LOCATION:rep-1:2026-11-26:device_event"]


def test_vanished_alert_is_deleted_while_open_and_kept_once_triaged(engine, now):
    far = {"lat": 31.2304, "lon": 121.4737}  # ~6 km from cust-1
    load(engine, [*b.company(), *_visit("v-1", "2026-11-26T09:20:00+08:00", **far)], now)
    detect.detect(engine, now=now)
    assert "GEOFENCE_MISS:v-1" in alerts_by_id(engine)
    moved = b.customer(lat=31.2304, lon=121.4737)
    load(engine, [moved], now)  # the customer's true position arrives
    detect.detect(engine, now=now)
    assert "GEOFENCE_MISS:v-1" not in alerts_by_id(engine)

    load(engine, [b.customer()], now)
    detect.detect(engine, now=now)
    set_status(engine, schema.alerts, "GEOFENCE_MISS:v-1", "confirmed")
    load(engine, [moved], now)
    detect.detect(engine, now=now)
    assert alerts_by_id(engine)["GEOFENCE_MISS:v-1"]["status"] == "confirmed"


def test_detect_period_only_touches_its_dates(engine, now):
    records = [
        *b.company(),
        *_visit("v-1", "2026-11-25T07:00:00+08:00"),
        *_visit("v-2", "2026-11-26T07:00:00+08:00"),
    ]
    load(engine, records, now)
    result = detect.detect(engine, DAY, DAY, now=now)
    assert result.rep_days == 1
    assert set(alerts_by_id(engine)) == {"OFF_HOURS:v-2"}
    with pytest.raises(ValueError, match="from: 2026-11-26 is after to: 2026-11-25"):
        detect.detect(engine, DAY, date(2026, 11, 25), now=now)


# ------------------------------------------------------------------ settings


def test_settings_change_is_validated_audited_and_used(engine, now):
    load(engine, [*b.company(), *b.one_visit()], now)  # 25 min visit
    detect.detect(engine, now=now)
    assert "SHORT_VISIT:v-1" not in alerts_by_id(engine)
    with pytest.raises(rule_settings.SettingError, match="min_dwell_s: 'long' is not a number"):
        rule_settings.set_value(engine, "min_dwell_s", "long", actor="ops", now=now)
    with pytest.raises(rule_settings.SettingError, match="unknown setting 'dwell'"):
        rule_settings.set_value(engine, "dwell", "1", actor="ops", now=now)
    before, after = rule_settings.set_value(
        engine, "min_dwell_s", "1800", actor="ops", now=now, note="30 min visits"
    )
    assert (before, after) == (300.0, 1800.0)
    assert rule_settings.current_values(engine)["min_dwell_s"]["overridden"] is True
    (entry,) = rule_settings.audit_log(engine)
    assert (entry["actor"], entry["before"], entry["after"], entry["note"]) == (
        "ops",
        None,
        1800.0,
        "30 min visits",
    )
    detect.detect(engine, now=now)
    assert alerts_by_id(engine)["SHORT_VISIT:v-1"]["evidence"]["min_dwell_s"] == 1800.0


# ------------------------------------------------------------------ export


def test_export_formats_and_period_filters(engine, now):
    records = [
        *b.company(),
        *_visit("v-1", "2026-11-25T07:00:00+08:00"),
        *_visit("v-2", "2026-11-26T07:00:00+08:00"),
        b.expense("e-1", date="2026-11-24"),
    ]
    load(engine, records, now)
    detect.detect(engine, now=now)
    rows = exports.export_rows(engine, "alerts", date_from=DAY)
    assert [r["id"] for r in rows] == ["OFF_HOURS:v-2"]
    assert rows[0]["ts"] == "2026-11-25T23:00:00Z"
    assert list(rows[0]) == list(exports.ALERT_FIELDS)
    flags = exports.export_rows(engine, "expense-flags", date_to=date(2026, 11, 24))
    assert [(f["rule"], f["date"], f["amount_at_risk"]) for f in flags] == [
        ("NO_VISIT_DAY", "2026-11-24", 45.0)
    ]
    text = "".join(exports.export_text(flags, "expense-flags", "csv"))
    (parsed,) = list(csv.DictReader(io.StringIO(text)))
    assert parsed["claim_id"] == "e-1" and json.loads(parsed["evidence"])["check_ins"] == 0
    assert exports.export_rows(engine, "expense-flags", date_from=DAY) == []


def test_seed_demo_judges_the_company_so_pages_have_alerts(engine, now):
    from dashboard.services import demo as demo_service

    result = demo_service.seed_demo(engine, reps=8, days=2, now=now)
    assert result.judged is not None and result.judged.rep_days > 0
    stored = alerts_by_id(engine)
    frequency_misses = [a for a in stored if a.startswith("FREQUENCY_MISS:")]
    assert len(frequency_misses) == result.daily["frequency"]["alerts_written"]
    assert len(stored) - len(frequency_misses) == result.judged.alerts_written > 0
    assert "Judged" in demo_service.describe_seed(result)
    assert detect.detect_pending(engine, now=now).alerts_written == 0  # nothing left to judge


def test_a_mileage_flag_is_the_same_whether_the_judge_read_the_rollup_or_recomputed_the_km(
    engine, now
):
    """The judge recomputes a day's km when its rollup is stale (a pass racing an ingest) and
    reads the rollup's otherwise: both must give the same flags, or a later pass rewrites them."""
    config = DemoConfig(seed=3, reps=8, days=4, now=datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    for batch in iter_demo_batches(config):
        ingest.ingest_values(engine, batch, source="test", now=now)
    detect.detect(engine, now=now)  # every rollup dirty: the km recomputed from the fixes
    mileage = {k: v for k, v in flags_by_id(engine).items() if v["rule"] == "MILEAGE_INFLATED"}
    assert mileage, "the demo injects inflated mileage claims"

    rollups.refresh_rep_days(engine, now=now)
    again = detect.detect(engine, now=now)  # the km read from the fresh rollups

    assert (again.flags_written, again.flags_deleted) == (0, 0)
    assert {k: v["evidence"] for k, v in flags_by_id(engine).items() if k in mileage} == {
        k: v["evidence"] for k, v in mileage.items()
    }

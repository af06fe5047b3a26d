"""Unit tests for dashboard.contract: the wire contract's field rules (contract §1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import contract
from dashboard.contract import RecordError, validate_record
from dashboard.geo import to_wgs84
from tests import builders as b

DROP = object()  # an override value meaning "remove this key"


def make(builder, **overrides: Any) -> dict[str, Any]:
    """Build a valid record, then apply overrides (DROP removes a key)."""
    rec = builder()
    for key, value in overrides.items():
        if value is DROP:
            rec.pop(key, None)
        else:
            rec[key] = value
    return rec


def reject(raw: Any, *, from_text: bool = False) -> RecordError:
    with pytest.raises(RecordError) as info:
        validate_record(raw, from_text=from_text)
    return info.value


# ------------------------------------------------------------------ every builder is valid

ALL_BUILDERS = [
    b.region,
    b.team,
    b.rep,
    b.customer,
    b.sop_template,
    b.plan,
    b.gps,
    b.device_event,
    b.check_in,
    b.check_out,
    b.sop_step,
    b.photo,
    b.order,
    b.expense,
]


@pytest.mark.parametrize("builder", ALL_BUILDERS, ids=lambda f: f.__name__)
def test_builder_record_of_every_type_is_valid(builder):
    raw = builder()
    rec = validate_record(raw)
    assert rec.type == raw["type"]
    assert rec.id == raw["id"]
    assert "type" not in rec.fields


def test_every_record_type_of_the_contract_has_a_builder():
    assert {f().get("type") for f in ALL_BUILDERS} == set(contract.RECORD_TYPES)


# ------------------------------------------------------------------ the table of bad inputs

ID_65 = "a" * 65
P = pytest.param

BAD_INPUTS = [
    # --- missing required field, one per record type
    P(make(b.region, name=DROP), "name", id="region-missing-name"),
    P(make(b.team, region_id=DROP), "region_id", id="team-missing-region_id"),
    P(make(b.rep, team_id=DROP), "team_id", id="rep-missing-team_id"),
    P(make(b.customer, grade=DROP), "grade", id="customer-missing-grade"),
    P(make(b.customer, city=DROP), "city", id="customer-missing-city"),
    P(make(b.sop_template, steps=DROP), "steps", id="sop_template-missing-steps"),
    P(make(b.plan, customer_ids=DROP), "customer_ids", id="plan-missing-customer_ids"),
    P(make(b.gps, accuracy_m=DROP), "accuracy_m", id="gps-missing-accuracy_m"),
    P(make(b.gps, device_id=DROP), "device_id", id="gps-missing-device_id"),
    P(make(b.gps, id=DROP), "id", id="gps-missing-id"),
    P(make(b.gps, ts=None), "ts", id="gps-null-ts-counts-as-missing"),
    P(make(b.device_event, kind=DROP), "kind", id="device_event-missing-kind"),
    P(make(b.check_in, customer_id=DROP), "customer_id", id="check_in-missing-customer_id"),
    P(make(b.check_out, visit_id=DROP), "visit_id", id="check_out-missing-visit_id"),
    P(make(b.sop_step, step=DROP), "step", id="sop_step-missing-step"),
    P(make(b.photo, phash=DROP), "phash", id="photo-missing-phash"),
    P(make(b.photo, taken_at=DROP), "taken_at", id="photo-missing-taken_at"),
    P(make(b.order, amount=DROP), "amount", id="order-missing-amount"),
    P(make(b.expense, category=DROP), "category", id="expense-missing-category"),
    P(make(b.expense, date=DROP), "date", id="expense-missing-date"),
    # --- wrong type
    P(make(b.gps, lat="31.2"), "lat", id="gps-string-for-number"),
    P(make(b.order, amount="12.5"), "amount", id="order-string-for-number"),
    P(make(b.region, name=5), "name", id="region-number-for-string"),
    P(make(b.check_in, device_id=12345), "device_id", id="check_in-number-for-device-string"),
    P(make(b.gps, accuracy_m=True), "accuracy_m", id="gps-bool-for-number"),
    P(make(b.customer, lat=False), "lat", id="customer-bool-for-number"),
    P(make(b.gps, mock="false"), "mock", id="gps-string-for-bool"),
    P(make(b.rep, active=1), "active", id="rep-number-for-bool"),
    P(make(b.gps, ts=1764119702), "ts", id="gps-number-for-timestamp"),
    P(make(b.gps, id=17), "id", id="gps-number-for-id"),
    P(make(b.sop_template, steps=[["storefront_photo"]]), "steps[0]", id="steps-list-for-object"),
    P(make(b.plan, customer_ids="cust-1"), "customer_ids", id="plan-string-for-list"),
    P(make(b.sop_template, steps={"code": "a"}), "steps", id="steps-object-for-list"),
    # --- out of range
    P(make(b.gps, lat=95.2), "lat", id="gps-lat-95.2"),
    P(make(b.customer, lat=-90.5), "lat", id="customer-lat-below-minus-90"),
    P(make(b.gps, lon=-181), "lon", id="gps-lon-minus-181"),
    P(make(b.check_out, lon=180.0001), "lon", id="check_out-lon-above-180"),
    P(make(b.gps, accuracy_m=-1), "accuracy_m", id="gps-negative-accuracy"),
    P(make(b.check_in, accuracy_m=-0.5), "accuracy_m", id="check_in-negative-accuracy"),
    P(make(b.gps, speed_mps=-2.0), "speed_mps", id="gps-negative-speed"),
    P(make(b.order, amount=-5), "amount", id="order-negative-amount"),
    P(make(b.expense, amount=-0.01), "amount", id="expense-negative-amount"),
    P(make(b.expense, category="mileage", claimed_km=-3), "claimed_km", id="negative-km"),
    P(make(b.customer, geofence_m=0), "geofence_m", id="customer-geofence-0"),
    P(make(b.customer, annual_revenue=-1), "annual_revenue", id="customer-negative-revenue"),
    # --- NaN and Infinity
    P(make(b.gps, lat=float("nan")), "lat", id="gps-lat-nan"),
    P(make(b.gps, lon=float("inf")), "lon", id="gps-lon-infinity"),
    P(make(b.gps, accuracy_m=float("-inf")), "accuracy_m", id="gps-accuracy-minus-infinity"),
    P(make(b.order, amount=float("nan")), "amount", id="order-amount-nan"),
    P(make(b.customer, geofence_m=float("inf")), "geofence_m", id="customer-geofence-infinity"),
    # --- timestamps
    P(make(b.gps, ts="2026-11-26T09:15:02"), "ts", id="gps-naive-timestamp"),
    P(make(b.check_in, ts="2026-11-26 09:20:00"), "ts", id="check_in-naive-timestamp"),
    P(make(b.photo, taken_at="2026-11-26T09:22:30"), "taken_at", id="photo-naive-taken_at"),
    P(make(b.gps, ts="yesterday at nine"), "ts", id="gps-malformed-timestamp"),
    P(make(b.device_event, ts="2026-13-01T00:00:00Z"), "ts", id="month-13-timestamp"),
    P(make(b.sop_step, ts="2026-11-26T25:00:00+08:00"), "ts", id="hour-25-timestamp"),
    P(make(b.check_out, ts=""), "ts", id="check_out-empty-timestamp"),
    # --- dates
    P(make(b.plan, date="2026-02-30"), "date", id="plan-date-feb-30"),
    P(make(b.expense, date="26-11-2026"), "date", id="expense-date-day-first"),
    P(make(b.expense, date="2026-11-26T00:00:00Z"), "date", id="expense-timestamp-for-date"),
    P(make(b.plan, date=20261126), "date", id="plan-number-for-date"),
    # --- ids
    P(make(b.gps, id=""), "id", id="empty-id"),
    P(make(b.region, id=ID_65), "id", id="id-65-chars"),
    P(make(b.order, id="o 1"), "id", id="id-with-space"),
    P(make(b.photo, id="ph/1"), "id", id="id-with-slash"),
    P(make(b.gps, rep_id="rep 1"), "rep_id", id="reference-id-with-space"),
    P(make(b.check_out, visit_id="v/1"), "visit_id", id="visit_id-with-slash"),
    P(make(b.plan, customer_ids=["cust-1", "bad id"]), "customer_ids[1]", id="bad-id-in-list"),
    P(make(b.expense, customer_id=ID_65), "customer_id", id="optional-ref-id-65-chars"),
    # --- enums
    P(make(b.customer, grade="D"), "grade", id="grade-D"),
    P(make(b.customer, grade="a"), "grade", id="grade-lowercase"),
    # --- customer contacts, created and active (contract §5)
    P(make(b.customer, contact_name="x" * 101), "contact_name", id="contact_name-101-chars"),
    P(make(b.customer, contact_name="  "), "contact_name", id="contact_name-blank"),
    P(make(b.customer, contact_name=7), "contact_name", id="contact_name-number"),
    P(make(b.customer, contact_phone="1234"), "contact_phone", id="phone-4-chars"),
    P(make(b.customer, contact_phone="1" * 33), "contact_phone", id="phone-33-chars"),
    P(make(b.customer, contact_phone="138-0013-800x"), "contact_phone", id="phone-letter"),
    P(make(b.customer, contact_phone="+86 (21)"), "contact_phone", id="phone-4-digits"),
    P(make(b.customer, contact_phone=13800138000), "contact_phone", id="phone-number-type"),
    P(make(b.customer, contact_phone="138\n00138000"), "contact_phone", id="phone-newline"),
    P(make(b.customer, created="2026-13-01"), "created", id="created-month-13"),
    P(make(b.customer, created="2026-11-26T00:00:00Z"), "created", id="created-timestamp"),
    P(make(b.customer, active="yes"), "active", id="customer-active-string"),
    P(make(b.gps, provider="bluetooth"), "provider", id="provider-bluetooth"),
    P(make(b.expense, category="fuel"), "category", id="category-fuel"),
    P(make(b.device_event, kind="reboot"), "kind", id="device_event-kind-reboot"),
    P(make(b.photo, kind="selfie"), "kind", id="photo-kind-selfie"),
    P(make(b.gps, crs="utm"), "crs", id="crs-utm"),
    P(make(b.customer, crs=4326), "crs", id="crs-number"),
    # --- hex digests
    P(make(b.photo, sha256="a" * 63), "sha256", id="sha256-63-chars"),
    P(make(b.photo, sha256="g" * 64), "sha256", id="sha256-non-hex"),
    P(make(b.photo, phash="zz0f0f0f0f0f0f0f"), "phash", id="phash-non-hex"),
    P(make(b.photo, phash="0f0f0f0f0f0f0f0f0"), "phash", id="phash-17-chars"),
    P(make(b.expense, receipt_sha256="xyz"), "receipt_sha256", id="receipt-sha256-bad"),
    # --- rep settings
    P(make(b.rep, timezone="Mars/Olympus_Mons"), "timezone", id="timezone-unknown"),
    P(make(b.rep, timezone="+08:00"), "timezone", id="timezone-offset-not-iana"),
    P(make(b.rep, timezone=8), "timezone", id="timezone-number"),
    P(make(b.rep, work_start="8:30"), "work_start", id="work_start-one-digit-hour"),
    P(make(b.rep, work_end="24:00"), "work_end", id="work_end-24h"),
    P(make(b.rep, work_start="18:00", work_end="09:00"), "work_end", id="work_end-before-start"),
    P(make(b.rep, work_start="09:00", work_end="09:00"), "work_end", id="work_end-equal-start"),
    # --- text
    P(make(b.region, name="   "), "name", id="blank-name"),
    P(make(b.customer, name="x" * 501), "name", id="name-501-chars"),
    P(make(b.gps, device_id=""), "device_id", id="empty-device_id"),
    P(make(b.gps, device_id="d" * 129), "device_id", id="device_id-129-chars"),
    P(make(b.order, currency="yuan"), "currency", id="currency-not-iso"),
    # --- cross-field rules
    P(make(b.expense, category="mileage"), "claimed_km", id="mileage-without-claimed_km"),
    P(make(b.photo, lat=31.2), "lon", id="photo-lat-without-lon"),
    P(make(b.photo, lon=121.4), "lat", id="photo-lon-without-lat"),
    # --- sop template steps
    P(make(b.sop_template, steps="storefront_photo"), "steps", id="steps-not-a-list"),
    P(make(b.sop_template, steps=[]), "steps", id="steps-empty"),
    P(
        make(b.sop_template, steps=[{"code": "a"}, {"code": "a", "required": False}]),
        "steps[1].code",
        id="steps-duplicate-code",
    ),
    P(make(b.sop_template, steps=[{"required": True}]), "steps[0].code", id="step-no-code"),
    P(
        make(b.sop_template, steps=[{"code": "a", "required": "yes"}]),
        "steps[0].required",
        id="step-required-not-bool",
    ),
    # --- the record itself and its type
    P(["gps"], "record", id="record-is-a-list"),
    P("gps", "record", id="record-is-a-string"),
    P(42, "record", id="record-is-a-number"),
    P(None, "record", id="record-is-null"),
    P(make(b.gps, type=DROP), "type", id="type-missing"),
    P(make(b.gps, type="selfie"), "type", id="type-unknown"),
    P(make(b.gps, type="GPS"), "type", id="type-wrong-case"),
    P(make(b.gps, type=3), "type", id="type-number"),
]


@pytest.mark.parametrize(("raw", "field"), BAD_INPUTS)
def test_bad_input_is_rejected_with_message_starting_with_field_name(raw, field):
    err = reject(raw)
    assert str(err).startswith(f"{field}: "), str(err)
    assert err.field == field
    assert len(str(err)) > len(field) + 3  # there is a reason after the name


def test_lat_out_of_range_message_reads_as_in_the_contract_example():
    assert str(reject(make(b.gps, lat=95.2))) == "lat: 95.2 is outside -90..90"


def test_fix_without_utc_offset_is_rejected_naming_ts_and_suggesting_an_offset():
    err = reject(make(b.gps, ts="2026-11-26T09:15:02"))
    assert str(err).startswith("ts: ")
    assert "offset" in str(err)


def test_missing_field_message_says_missing():
    assert str(reject(make(b.gps, accuracy_m=DROP))) == "accuracy_m: missing"


def test_mileage_claim_with_claimed_km_is_valid():
    rec = validate_record(make(b.expense, category="mileage", claimed_km=42))
    assert rec.fields["claimed_km"] == 42.0


# Inputs that a JSON body can carry and that must be rejected like any other bad value: with a
# RecordError naming the field, never with another exception (which would sink the whole batch).
CRASHING_INPUTS = [
    P(make(b.gps, type=["gps"]), "type", id="type-is-a-list"),
    P(make(b.gps, type={"name": "gps"}), "type", id="type-is-an-object"),
    P(make(b.gps, ts="0001-01-01T00:00:00+01:00"), "ts", id="ts-before-year-1-in-utc"),
    P(make(b.check_in, ts="9999-12-31T23:30:00-05:00"), "ts", id="ts-after-year-9999-in-utc"),
    P(make(b.gps, lat=10**400), "lat", id="lat-integer-beyond-float-range"),
    P(make(b.order, amount=-(10**400)), "amount", id="amount-integer-beyond-float-range"),
    P(make(b.rep, timezone="America"), "timezone", id="timezone-is-a-tzdata-directory"),
    P(make(b.rep, work_start="08:3\u0660"), "work_start", id="work_start-arabic-indic-digit"),
    P(make(b.rep, work_end="1\u09ee:00"), "work_end", id="work_end-bengali-digit"),
]


@pytest.mark.parametrize(("raw", "field"), CRASHING_INPUTS)
def test_unusual_bad_input_is_rejected_naming_field_instead_of_raising_another_error(raw, field):
    err = reject(raw)
    assert str(err).startswith(f"{field}: "), str(err)


def test_work_hours_of_an_accepted_rep_can_always_be_evaluated():
    """Whatever check_hhmm accepts, the privacy rule must be able to use (ingest relies on it)."""
    for start, end in [("00:00", "23:59"), ("08:30", "18:30"), ("08:3\u0660", "18:30")]:
        try:
            rec = validate_record(make(b.rep, work_start=start, work_end=end))
        except RecordError:
            continue
        contract.work_hours_window(rec.fields["work_start"], rec.fields["work_end"])


# ------------------------------------------------------------------ defaults and normalisation


def test_rep_defaults_are_shanghai_time_zone_and_0830_to_1830_and_active():
    fields = validate_record(b.rep()).fields
    assert fields["timezone"] == "Asia/Shanghai"
    assert fields["work_start"] == "08:30"
    assert fields["work_end"] == "18:30"
    assert fields["active"] is True
    assert fields["device_id"] is None


def test_customer_geofence_defaults_to_200_m_and_crs_key_is_not_stored():
    fields = validate_record(b.customer()).fields
    assert fields["geofence_m"] == 200.0
    assert "crs" not in fields
    assert fields["address"] is None


def test_customer_contacts_created_and_active_are_optional_with_active_true():
    fields = validate_record(b.customer()).fields
    assert fields["contact_name"] is None
    assert fields["contact_phone"] is None
    assert fields["created"] is None
    assert fields["active"] is True


@pytest.mark.parametrize(
    "phone", ["13800138000", "+86 138 0013 8000", "(021) 6432-1234", "12345", "1" * 32]
)
def test_customer_plausible_phone_numbers_are_accepted_trimmed(phone):
    fields = validate_record(
        make(b.customer, contact_name=" 王经理 ", contact_phone=f" {phone} ")
    ).fields
    assert fields["contact_name"] == "王经理"
    assert fields["contact_phone"] == phone


def test_customer_created_is_a_date_and_active_false_is_kept():
    fields = validate_record(make(b.customer, created="2026-03-01", active=False)).fields
    assert fields["created"] == date(2026, 3, 1)
    assert fields["active"] is False


def test_customer_csv_cells_give_contacts_created_and_active():
    row = {k: str(v) for k, v in b.customer().items()}
    row.update(contact_phone="021-64321234", created="2026-03-01", active="false")
    fields = validate_record(row, from_text=True).fields
    assert fields["contact_phone"] == "021-64321234"
    assert fields["created"] == date(2026, 3, 1)
    assert fields["active"] is False


def test_gps_mock_defaults_to_false():
    assert validate_record(b.gps()).fields["mock"] is False
    assert validate_record(make(b.check_in)).fields["mock"] is False
    assert validate_record(make(b.check_out)).fields["mock"] is False


def test_order_and_expense_currency_default_to_cny():
    assert validate_record(b.order()).fields["currency"] == "CNY"
    assert validate_record(b.expense()).fields["currency"] == "CNY"
    assert validate_record(make(b.order, currency="USD")).fields["currency"] == "USD"


def test_sop_step_ok_defaults_to_true_and_step_required_defaults_to_true():
    assert validate_record(make(b.sop_step, ok=DROP)).fields["ok"] is True
    steps = validate_record(make(b.sop_template, steps=[{"code": "a"}])).fields["steps"]
    assert steps == [{"code": "a", "required": True}]


def test_null_optional_field_counts_as_absent_and_gets_its_default():
    fields = validate_record(make(b.rep, timezone=None, active=None)).fields
    assert fields["timezone"] == "Asia/Shanghai"
    assert fields["active"] is True


def test_integer_coordinates_are_normalised_to_floats():
    fields = validate_record(make(b.customer, lat=31, lon=121)).fields
    assert (fields["lat"], fields["lon"]) == (31.0, 121.0)
    assert type(fields["lat"]) is float


def test_hex_digests_are_lowercased():
    fields = validate_record(make(b.photo, sha256="AB" * 32, phash="0F0F0F0F0F0F0F0F")).fields
    assert fields["sha256"] == "ab" * 32
    assert fields["phash"] == "0f0f0f0f0f0f0f0f"


def test_text_fields_are_stripped():
    assert validate_record(make(b.region, name="  华东  ")).fields["name"] == "华东"


def test_device_event_object_detail_is_stored_as_json_text():
    fields = validate_record(make(b.device_event, detail={"app": "微信", "n": 2})).fields
    assert fields["detail"] == '{"app": "微信", "n": 2}'


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
@pytest.mark.parametrize(
    "builder", [b.customer, b.gps, b.check_in, b.check_out, b.photo], ids=lambda f: f.__name__
)
def test_chinese_crs_coordinates_are_converted_to_wgs84(builder, crs):
    lat, lon = 31.2304, 121.4737
    fields = validate_record(make(builder, lat=lat, lon=lon, crs=crs)).fields
    expected = to_wgs84(lat, lon, crs)
    assert (fields["lat"], fields["lon"]) == pytest.approx(expected, abs=1e-12)
    # The conversion really moved the point (by a few hundred metres in Shanghai).
    assert abs(fields["lat"] - lat) + abs(fields["lon"] - lon) > 1e-3
    assert "crs" not in fields


def test_explicit_wgs84_crs_leaves_coordinates_unchanged():
    fields = validate_record(make(b.check_in, lat=31.2304, lon=121.4737, crs="wgs84")).fields
    assert (fields["lat"], fields["lon"]) == (31.2304, 121.4737)


@pytest.mark.parametrize("builder", [b.gps, b.check_in, b.device_event], ids=lambda f: f.__name__)
def test_z_and_plus_0800_parse_to_the_same_utc_instant(builder):
    a = validate_record(make(builder, ts="2026-11-26T01:15:02.5Z")).fields["ts"]
    c = validate_record(make(builder, ts="2026-11-26T09:15:02.500+08:00")).fields["ts"]
    assert a == c == datetime(2026, 11, 26, 1, 15, 2, 500000, tzinfo=UTC)
    assert a.tzinfo is UTC and c.tzinfo is UTC


def test_negative_offset_timestamp_is_converted_to_utc():
    ts = validate_record(make(b.photo, taken_at="2026-11-25T20:00:00-05:00")).fields["taken_at"]
    assert ts == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert ts.utcoffset() == timedelta(0)


def test_unknown_fields_are_ignored():
    for builder in ALL_BUILDERS:
        raw = make(builder, battery_pct=87, x_vendor={"a": [1, 2]})
        fields = validate_record(raw).fields
        assert "battery_pct" not in fields
        assert "x_vendor" not in fields


def test_plan_date_and_customer_ids_are_parsed():
    fields = validate_record(make(b.plan, customer_ids=["c-2", "c-1"])).fields
    assert fields["date"] == date(2026, 11, 26)
    assert fields["customer_ids"] == ["c-2", "c-1"]


# ------------------------------------------------------------------ CSV text mode


def _csv_row(builder, **overrides: Any) -> dict[str, Any]:
    """A record as a CSV row: every cell a string (None cells become empty)."""
    row = make(builder, **overrides)
    return {k: "" if v is None else v if isinstance(v, str) else str(v) for k, v in row.items()}


def test_csv_text_mode_coerces_numbers_and_booleans():
    row = _csv_row(b.gps, mock="false", lat="31.1881", lon="121.4366", accuracy_m="12")
    fields = validate_record(row, from_text=True).fields
    assert fields["lat"] == 31.1881
    assert fields["accuracy_m"] == 12.0
    assert fields["mock"] is False
    assert fields["ts"] == datetime(2026, 11, 26, 1, 15, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cell", "expected"), [("true", True), ("YES", True), ("1", True), ("no", False), ("0", False)]
)
def test_csv_boolean_words_are_understood(cell, expected):
    fields = validate_record(_csv_row(b.rep, active=cell), from_text=True).fields
    assert fields["active"] is expected


def test_csv_text_mode_parses_json_lists():
    steps = '[{"code": "a", "required": true}, {"code": "b", "required": false}]'
    fields = validate_record(_csv_row(b.sop_template, steps=steps), from_text=True).fields
    assert fields["steps"] == [{"code": "a", "required": True}, {"code": "b", "required": False}]
    plan = validate_record(_csv_row(b.plan, customer_ids='["c-1", "c-2"]'), from_text=True)
    assert plan.fields["customer_ids"] == ["c-1", "c-2"]


def test_csv_empty_cell_counts_as_absent():
    row = _csv_row(b.rep, timezone="", work_start="  ", active="")
    fields = validate_record(row, from_text=True).fields
    assert fields["timezone"] == "Asia/Shanghai"
    assert fields["work_start"] == "08:30"
    assert fields["active"] is True


def test_csv_empty_required_cell_is_missing():
    err = reject(_csv_row(b.gps, accuracy_m=""), from_text=True)
    assert str(err) == "accuracy_m: missing"


@pytest.mark.parametrize(
    ("builder", "overrides", "field"),
    [
        (b.gps, {"lat": "abc"}, "lat"),
        (b.customer, {"geofence_m": "two hundred"}, "geofence_m"),
        (b.rep, {"active": "maybe"}, "active"),
        (b.sop_template, {"steps": "a;b"}, "steps"),
        (b.plan, {"customer_ids": "cust-1,cust-2"}, "customer_ids"),
        (b.gps, {"lat": "95.2"}, "lat"),
        (b.gps, {"accuracy_m": "nan"}, "accuracy_m"),
    ],
)
def test_csv_text_mode_rejects_bad_cells_naming_the_field(builder, overrides, field):
    err = reject(_csv_row(builder, **overrides), from_text=True)
    assert str(err).startswith(f"{field}: "), str(err)


def test_csv_abc_for_lat_message_quotes_the_cell():
    err = reject(_csv_row(b.gps, lat="abc"), from_text=True)
    assert str(err) == "lat: expected a number, got 'abc'"


def test_csv_mode_and_json_mode_give_the_same_fields_for_the_same_check_in():
    raw = b.check_in(face_verified=True)
    as_text = _csv_row(b.check_in, face_verified="true")
    assert validate_record(as_text, from_text=True).fields == validate_record(raw).fields


# ------------------------------------------------------------------ gps fast path = general path


def _general(raw: Any) -> contract.ValidRecord:
    with mock.patch.object(contract, "fast_gps", lambda raw: None):
        return validate_record(raw)


def _outcome(call, raw: Any) -> tuple[str, Any]:
    try:
        rec = call(raw)
    except RecordError as exc:
        return ("rejected", str(exc))
    except Exception as exc:  # both paths must fail the same way, whatever the error
        return ("raised", type(exc).__name__)
    return ("accepted", _typed(rec.fields))


def _typed(fields: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Fields with their exact types, so that 1 == 1.0 or a non-UTC tzinfo count as different."""
    out = {}
    for key, value in fields.items():
        if isinstance(value, datetime):
            out[key] = ("datetime", f"{value.isoformat()}|{value.tzinfo!r}")
        else:
            out[key] = (type(value).__name__, repr(value))
    return out


def test_fast_path_is_taken_for_a_well_formed_fix():
    assert contract.fast_gps(b.gps()) is not None
    assert contract.fast_gps(make(b.gps, lat="31.2")) is None


def test_fast_path_fields_equal_general_path_fields_for_the_builder_fix():
    raw = b.gps(ts="2026-11-26T09:15:02.123456+08:00", mock=True)
    assert _typed(contract.fast_gps(raw)) == _typed(_general(raw).fields)


_GPS_FIELDS = (
    "id",
    "rep_id",
    "device_id",
    "ts",
    "lat",
    "lon",
    "crs",
    "accuracy_m",
    "speed_mps",
    "provider",
    "mock",
)
_ID_CHARS = "abcXYZ019._:-"
_valid_id = st.text(alphabet=_ID_CHARS, min_size=1, max_size=64)
_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)
_aware = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=_offsets
)


def _iso(dt: datetime, style: int) -> str:
    if style == 0:
        return dt.isoformat()
    if style == 1:
        return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return dt.isoformat(timespec="seconds")


_valid_ts = st.builds(_iso, _aware, st.integers(0, 2))
_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-400, max_value=400),
    st.floats(min_value=-200, max_value=200),
    st.sampled_from([0, -0.0, 90, -90, 90.0000001, 180, -180, 180.5, 1000, 1000.01, 100_000]),
    st.sampled_from([10**20, -(10**20)]),
)
_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=8),
    st.integers(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)

_VALID = {
    "id": _valid_id,
    "rep_id": _valid_id,
    "device_id": st.text(min_size=1, max_size=128).filter(lambda s: s.strip() == s and s),
    "ts": _valid_ts,
    "lat": st.one_of(st.floats(-90, 90), st.integers(-90, 90)),
    "lon": st.one_of(st.floats(-180, 180), st.integers(-180, 180)),
    "crs": st.sampled_from([None, "wgs84"]),
    "accuracy_m": st.one_of(st.floats(0, 100_000), st.integers(0, 100_000)),
    "speed_mps": st.one_of(st.none(), st.floats(0, 1000), st.integers(0, 1000)),
    "provider": st.sampled_from([None, *contract.PROVIDERS]),
    "mock": st.sampled_from([None, True, False]),
}
_INVALID = {
    "id": st.one_of(st.text(max_size=70), st.just("a" * 65), st.just(" a"), _junk),
    "rep_id": st.one_of(st.text(max_size=70), st.just("r/1"), _junk),
    "device_id": st.one_of(
        st.text(max_size=140), st.just(" d "), st.just("d" * 129), st.just("   "), _junk
    ),
    "ts": st.one_of(
        st.text(max_size=30),
        st.datetimes().map(lambda d: d.isoformat()),  # naive
        st.sampled_from(["2026-11-26T09:15:02", "2026-02-30T00:00:00Z", "2026-11-26T09:15+08"]),
        _junk,
    ),
    "lat": st.one_of(_numbers, _junk, st.just("31.2")),
    "lon": st.one_of(_numbers, _junk),
    "crs": st.one_of(st.sampled_from(["gcj02", "bd09", "WGS84", "utm", ""]), _junk),
    "accuracy_m": st.one_of(_numbers, _junk),
    "speed_mps": st.one_of(_numbers, _junk),
    "provider": st.one_of(st.sampled_from(["GPS", "bluetooth", ""]), _junk),
    "mock": st.one_of(st.sampled_from([0, 1, "false", "true"]), _junk),
}


@st.composite
def gps_like(draw) -> dict[str, Any]:
    """A well-formed fix with 0-3 fields made unusual (invalid, missing, or odd but valid)."""
    raw: dict[str, Any] = {"type": "gps"}
    for name in _GPS_FIELDS:
        raw[name] = draw(_VALID[name])
    for name in draw(st.lists(st.sampled_from(_GPS_FIELDS), max_size=3, unique=True)):
        how = draw(st.integers(0, 2))
        if how == 0:
            del raw[name]
        else:
            raw[name] = draw(_INVALID[name])
    if draw(st.booleans()):
        raw["battery_pct"] = draw(_junk)
    return raw


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=gps_like())
def test_gps_fast_path_and_general_path_accept_and_reject_the_same_records(raw):
    fast = _outcome(validate_record, raw)
    general = _outcome(_general, raw)
    assert fast == general
    direct = contract.fast_gps(raw) if fast[0] == "accepted" else None
    if direct is not None:
        assert _typed(direct) == general[1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raws=st.lists(gps_like(), max_size=8), repeat=st.booleans())
def test_gps_fast_rows_of_a_batch_equal_the_fast_path_of_each_record(raws, repeat):
    """The batch form checks each repeated rep and device id once; the results must not change."""
    if repeat and raws:
        raws = [*raws, *raws[::-1]]
    rows = contract.fast_gps_rows(raws)
    assert len(rows) == len(raws)
    for raw, row in zip(raws, rows, strict=True):
        single = contract.fast_gps(raw)
        if row is None:
            assert single is None
        else:
            assert _typed(dict(zip(contract.GPS_FIELDS, row, strict=True))) == _typed(single)


def test_gps_fast_rows_send_a_non_object_to_the_full_checks():
    assert contract.fast_gps_rows([None, [], "gps", b.gps()])[:3] == [None, None, None]


# ------------------------------------------------------------------ privacy window


def _sh(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("local", "kept"),
    [
        ("2026-11-26T08:00:00+08:00", True),  # work_start - 30 min
        ("2026-11-26T07:59:59+08:00", False),  # one second before
        ("2026-11-26T07:59:59.999999+08:00", False),
        ("2026-11-26T12:00:00+08:00", True),
        ("2026-11-26T19:00:00+08:00", True),  # work_end + 30 min
        ("2026-11-26T19:00:01+08:00", False),
        ("2026-11-26T03:00:00+08:00", False),
    ],
)
def test_within_work_hours_keeps_30_minutes_margin_in_default_shanghai_hours(local, kept):
    assert contract.within_work_hours(_sh(local), "Asia/Shanghai", "08:30", "18:30") is kept


def test_within_work_hours_accepts_the_same_instant_given_in_utc():
    assert contract.within_work_hours(
        _sh("2026-11-26T00:00:00Z"), "Asia/Shanghai", "08:30", "18:30"
    )
    assert not contract.within_work_hours(
        _sh("2026-11-25T23:59:59Z"), "Asia/Shanghai", "08:30", "18:30"
    )


@pytest.mark.parametrize(
    ("utc", "kept"),
    [
        ("2026-01-15T07:00:00Z", True),  # 08:00 CET (winter, UTC+1)
        ("2026-01-15T06:59:59Z", False),  # 07:59:59 CET
        ("2026-01-15T18:00:00Z", True),  # 19:00 CET
        ("2026-01-15T18:00:01Z", False),
        ("2026-07-15T06:00:00Z", True),  # 08:00 CEST (summer, UTC+2)
        ("2026-07-15T05:59:59Z", False),  # 07:59:59 CEST
        ("2026-07-15T17:00:00Z", True),  # 19:00 CEST
        ("2026-07-15T17:00:01Z", False),  # 19:00:01 CEST, though 18:00:01 in winter time
        ("2026-03-29T06:00:00Z", True),  # the DST switch day: already 08:00 CEST
        ("2026-03-29T05:59:59Z", False),
    ],
)
def test_within_work_hours_follows_daylight_saving_time_in_berlin(utc, kept):
    assert contract.within_work_hours(_sh(utc), "Europe/Berlin", "08:30", "18:30") is kept


def test_work_hours_window_is_work_hours_plus_minus_30_minutes():
    assert contract.work_hours_window("08:30", "18:30") == (time(8, 0), time(19, 0))


def test_work_hours_window_clamps_at_midnight_instead_of_wrapping():
    assert contract.work_hours_window("00:00", "23:59") == (time.min, time.max)
    assert contract.work_hours_window("00:10", "23:40") == (time.min, time.max)


def test_round_the_clock_hours_keep_every_instant_of_the_day():
    for hour in range(24):
        ts = datetime(2026, 11, 26, hour, 59, 59, 999999, tzinfo=UTC)
        assert contract.within_work_hours(ts, "Asia/Shanghai", "00:00", "23:59")


def test_local_date_uses_the_reps_time_zone():
    ts = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    assert contract.local_date(ts, "Asia/Shanghai") == date(2026, 11, 27)
    assert contract.local_date(ts, "Europe/Berlin") == date(2026, 11, 26)
    assert contract.local_date(ts, "America/Los_Angeles") == date(2026, 11, 26)

"""Whole records: the field specs of every record type, CSV-cell conversion, validation, and
the fast path for GPS fixes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from dashboard.contract.values import (
    CONTROL_RE,
    CRS_VALUES,
    DEFAULT_GEOFENCE_M,
    DEFAULT_TIMEZONE,
    DEFAULT_WORK_END,
    DEFAULT_WORK_START,
    DEVICE_EVENT_KINDS,
    EXPENSE_CATEGORIES,
    GRADES,
    ID_RE,
    MAX_VALUE_DEPTH,
    MAX_YEAR,
    MIN_YEAR,
    PHOTO_KINDS,
    PLAN_SOURCES,
    PROVIDERS,
    RECORD_TYPES,
    RecordError,
    ValidRecord,
    check_accuracy,
    check_address,
    check_amount,
    check_any,
    check_bool,
    check_city,
    check_contact_name,
    check_currency,
    check_date,
    check_device,
    check_geofence,
    check_hhmm,
    check_id,
    check_id_list,
    check_km,
    check_lat,
    check_lon,
    check_long_text,
    check_name,
    check_non_negative,
    check_phash,
    check_phone,
    check_positive,
    check_sha256,
    check_speed,
    check_steps,
    check_timezone,
    check_ts,
    enum_checker,
    shorten,
    type_name,
)
from dashboard.geo import to_wgs84

# ------------------------------------------------------------------ record specs

# (field, checker, required, default). A default of None means "stored as NULL when absent".
Spec = tuple[tuple[str, Callable[[Any, str], Any], bool, Any], ...]

_SPECS: dict[str, Spec] = {
    "region": (("id", check_id, True, None), ("name", check_name, True, None)),
    "team": (
        ("id", check_id, True, None),
        ("name", check_name, True, None),
        ("region_id", check_id, True, None),
    ),
    "rep": (
        ("id", check_id, True, None),
        ("name", check_name, True, None),
        ("team_id", check_id, True, None),
        ("device_id", check_device, False, None),
        ("timezone", check_timezone, False, DEFAULT_TIMEZONE),
        ("work_start", check_hhmm, False, DEFAULT_WORK_START),
        ("work_end", check_hhmm, False, DEFAULT_WORK_END),
        ("active", check_bool, False, True),
    ),
    "customer": (
        ("id", check_id, True, None),
        ("name", check_name, True, None),
        ("lat", check_lat, True, None),
        ("lon", check_lon, True, None),
        ("crs", enum_checker(CRS_VALUES), False, "wgs84"),
        ("city", check_city, True, None),
        ("address", check_address, False, None),
        ("grade", enum_checker(GRADES), True, None),
        ("owner_rep_id", check_id, False, None),
        ("geofence_m", check_geofence, False, DEFAULT_GEOFENCE_M),
        ("annual_revenue", check_non_negative, False, None),
        # Contract §5: contacts, the date the customer was created (frequency counts from it
        # until the first effective visit), and whether it is still a customer.
        ("contact_name", check_contact_name, False, None),
        ("contact_phone", check_phone, False, None),
        ("created", check_date, False, None),
        ("active", check_bool, False, True),
        # Issue 17: optional opening hours (local HH:MM), used by the route optimiser.
        ("open", check_hhmm, False, None),
        ("close", check_hhmm, False, None),
    ),
    "sop_template": (
        ("id", check_id, True, None),
        ("name", check_name, True, None),
        ("steps", check_steps, True, None),
        # When this version takes effect (issue 18); absent = on arrival.
        ("valid_from", check_ts, False, None),
    ),
    "plan": (
        ("id", check_id, True, None),
        ("rep_id", check_id, True, None),
        ("date", check_date, True, None),
        ("customer_ids", check_id_list, True, None),
        # Contract §6: where the plan came from and its estimated km (suggested plans).
        ("source", enum_checker(PLAN_SOURCES), False, "ingest"),
        ("km_planned", check_km, False, None),
    ),
    "gps": (
        ("id", check_id, True, None),
        ("rep_id", check_id, True, None),
        ("device_id", check_device, True, None),
        ("ts", check_ts, True, None),
        ("lat", check_lat, True, None),
        ("lon", check_lon, True, None),
        ("crs", enum_checker(CRS_VALUES), False, "wgs84"),
        ("accuracy_m", check_accuracy, True, None),
        ("speed_mps", check_speed, False, None),
        ("provider", enum_checker(PROVIDERS), False, None),
        ("mock", check_bool, False, False),
    ),
    "device_event": (
        ("id", check_id, True, None),
        ("rep_id", check_id, True, None),
        ("device_id", check_device, True, None),
        ("ts", check_ts, True, None),
        ("kind", enum_checker(DEVICE_EVENT_KINDS), True, None),
        ("detail", check_any, False, None),
    ),
    "check_in": (
        ("id", check_id, True, None),
        ("rep_id", check_id, True, None),
        ("device_id", check_device, True, None),
        ("customer_id", check_id, True, None),
        ("ts", check_ts, True, None),
        ("lat", check_lat, True, None),
        ("lon", check_lon, True, None),
        ("crs", enum_checker(CRS_VALUES), False, "wgs84"),
        ("accuracy_m", check_accuracy, True, None),
        ("mock", check_bool, False, False),
        ("face_verified", check_bool, False, None),
        ("sop_template_id", check_id, False, None),
    ),
    "check_out": (
        ("id", check_id, True, None),
        ("visit_id", check_id, True, None),
        ("ts", check_ts, True, None),
        ("lat", check_lat, True, None),
        ("lon", check_lon, True, None),
        ("crs", enum_checker(CRS_VALUES), False, "wgs84"),
        ("accuracy_m", check_accuracy, True, None),
        ("mock", check_bool, False, False),
    ),
    "sop_step": (
        ("id", check_id, True, None),
        ("visit_id", check_id, True, None),
        ("step", check_id, True, None),
        ("ts", check_ts, True, None),
        ("value", check_any, False, None),
        ("ok", check_bool, False, True),
    ),
    "photo": (
        ("id", check_id, True, None),
        ("visit_id", check_id, True, None),
        ("ts", check_ts, True, None),
        ("taken_at", check_ts, True, None),
        ("lat", check_lat, False, None),
        ("lon", check_lon, False, None),
        ("crs", enum_checker(CRS_VALUES), False, "wgs84"),
        ("sha256", check_sha256, True, None),
        ("phash", check_phash, True, None),
        ("kind", enum_checker(PHOTO_KINDS), False, None),
    ),
    "order": (
        ("id", check_id, True, None),
        ("visit_id", check_id, True, None),
        ("amount", check_amount, True, None),
        ("currency", check_currency, False, "CNY"),
    ),
    "expense": (
        ("id", check_id, True, None),
        ("rep_id", check_id, True, None),
        ("date", check_date, True, None),
        ("category", enum_checker(EXPENSE_CATEGORIES), True, None),
        ("amount", check_amount, True, None),
        ("currency", check_currency, False, "CNY"),
        ("claimed_km", check_km, False, None),
        ("city", check_city, False, None),
        ("customer_id", check_id, False, None),
        ("receipt_sha256", check_sha256, False, None),
        ("note", check_long_text, False, None),
    ),
}

# The fields of each record type (the names a rejection's reason may start with).
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(spec[0] for spec in specs) for kind, specs in _SPECS.items()
}

# Field kinds that need converting from text when the record came from a CSV cell.
_NUMBER_CHECKERS = {
    check_lat,
    check_lon,
    check_non_negative,
    check_positive,
    check_accuracy,
    check_sha256,
    check_speed,
    check_geofence,
    check_amount,
    check_km,
}
_BOOL_CHECKERS = {check_bool}
_JSON_CHECKERS = {check_id_list, check_steps}
_TRUE_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _from_text(value: str, checker: Callable[[Any, str], Any], field: str) -> Any:
    """Turn a CSV cell into the JSON value its field expects (errors name the field)."""
    if checker in _NUMBER_CHECKERS:
        try:
            return float(value)
        except ValueError:
            raise RecordError(field, f"expected a number, got {shorten(value)}") from None
    if checker in _BOOL_CHECKERS:
        word = value.strip().lower()
        if word not in _TRUE_WORDS:
            raise RecordError(field, f"expected true or false, got {shorten(value)}")
        return _TRUE_WORDS[word]
    if checker in _JSON_CHECKERS:
        try:
            return json.loads(value)
        except ValueError:
            raise RecordError(field, f"expected a JSON list, got {shorten(value)}") from None
        except RecursionError:
            raise RecordError(field, f"nests deeper than {MAX_VALUE_DEPTH} levels") from None
    if checker is check_any:
        try:
            return json.loads(value)
        except ValueError:
            return value
        except RecursionError:
            raise RecordError(field, f"nests deeper than {MAX_VALUE_DEPTH} levels") from None
    return value


def record_type_of(raw: Any) -> str:
    """Return the record's type or raise RecordError naming `type` (or `record`)."""
    if not isinstance(raw, dict):
        raise RecordError("record", f"expected a JSON object, got {type_name(raw)}")
    kind = raw.get("type")
    if kind is None:
        raise RecordError("type", "missing")
    if not isinstance(kind, str) or kind not in _SPECS:
        raise RecordError("type", f"{shorten(kind)} is not one of {', '.join(RECORD_TYPES)}")
    return kind


_PROVIDER_SET = frozenset(PROVIDERS)
_ID_MATCH = ID_RE.fullmatch
_fromisoformat = datetime.fromisoformat

# The storage columns of a fix, in the order of the rows ``fast_gps_rows`` returns.
GPS_FIELDS = (
    "id",
    "rep_id",
    "device_id",
    "ts",
    "lat",
    "lon",
    "accuracy_m",
    "speed_mps",
    "provider",
    "mock",
)


def fast_gps_rows(raws: Iterable[Any]) -> list[tuple[Any, ...] | None]:
    """Validate common, well-formed GPS fixes quickly: one row (``GPS_FIELDS`` order) or None each.

    None sends the record to the full checks of ``validate_record``. A row holds exactly what the
    general path returns for the record (a test holds them equal); anything unusual (a missing
    field, a string number, a non-WGS-84 crs) gives None. The loop is written for speed: it is
    the work of every fix of a bulk ingest.
    """
    out: list[tuple[Any, ...] | None] = []
    append = out.append
    # rep and device ids repeat across a batch: each distinct value is checked once.
    good_reps: set[str] = set()
    good_devices: set[str] = set()
    providers = _PROVIDER_SET
    id_match = _ID_MATCH
    parse = _fromisoformat
    utc = UTC
    for raw in raws:
        if type(raw) is not dict:
            append(None)
            continue
        get = raw.get
        rid, rep, dev, ts_text = get("id"), get("rep_id"), get("device_id"), get("ts")
        lat, lon, acc, speed = get("lat"), get("lon"), get("accuracy_m"), get("speed_mps")
        provider, mock, crs = get("provider"), get("mock"), get("crs")
        if not (
            type(rid) is str
            and id_match(rid)
            and type(rep) is str
            and (rep in good_reps or (id_match(rep) and not good_reps.add(rep)))
            and type(dev) is str
            and (
                dev in good_devices
                or (
                    0 < len(dev) <= 128
                    and dev.strip() == dev
                    and not CONTROL_RE.search(dev)
                    and not good_devices.add(dev)
                )
            )
            and type(ts_text) is str
            and (type(lat) is float or type(lat) is int)
            and -90.0 <= lat <= 90.0
            and (type(lon) is float or type(lon) is int)
            and -180.0 <= lon <= 180.0
            and (type(acc) is float or type(acc) is int)
            and 0.0 <= acc <= 100_000.0
            and (
                speed is None
                or ((type(speed) is float or type(speed) is int) and 0.0 <= speed <= 1_000.0)
            )
            and (provider is None or (type(provider) is str and provider in providers))
            and (mock is None or type(mock) is bool)
            and (crs is None or crs == "wgs84")
        ):
            append(None)
            continue
        try:
            ts = parse(ts_text)
        except ValueError:
            append(None)
            continue
        # fromisoformat gives a fixed offset or none; years near the supported range's ends
        # take the full checks (the UTC instant may fall outside MIN_YEAR..MAX_YEAR).
        if ts.tzinfo is None or not MIN_YEAR < ts.year < MAX_YEAR:
            append(None)
            continue
        append(
            (
                rid,
                rep,
                dev,
                ts.astimezone(utc),
                lat if type(lat) is float else float(lat),
                lon if type(lon) is float else float(lon),
                acc if type(acc) is float else float(acc),
                speed if speed is None or type(speed) is float else float(speed),
                provider,
                mock is True,
            )
        )
    return out


def fast_gps(raw: dict[str, Any]) -> dict[str, Any] | None:
    """Validate one common, well-formed GPS fix quickly; None sends it to the full checks."""
    (row,) = fast_gps_rows((raw,))
    return None if row is None else dict(zip(GPS_FIELDS, row, strict=True))


def validate_record(raw: Any, *, from_text: bool = False) -> ValidRecord:
    """Check one wire record and return it normalised; raise RecordError naming the field.

    ``from_text`` is for CSV input: cells are strings, an empty cell counts as absent, and
    numbers, booleans and JSON lists are parsed from the text before the usual checks.
    """
    kind = record_type_of(raw)
    if kind == "gps" and not from_text:
        fast = fast_gps(raw)
        if fast is not None:
            return ValidRecord("gps", fast)
    out: dict[str, Any] = {}
    get = raw.get
    for field, checker, required, default in _SPECS[kind]:
        value = get(field)
        if from_text and isinstance(value, str):
            value = None if value.strip() == "" else _from_text(value, checker, field)
        if value is None:
            if required:
                raise RecordError(field, "missing")
            out[field] = default
        else:
            out[field] = checker(value, field)
    _check_record_rules(kind, out)
    return ValidRecord(kind, out)


def _check_record_rules(kind: str, rec: dict[str, Any]) -> None:
    """Cross-field rules and coordinate normalisation to WGS-84."""
    if "crs" in rec:
        crs = rec.pop("crs")
        if rec.get("lat") is not None and rec.get("lon") is not None:
            if crs != "wgs84":
                rec["lat"], rec["lon"] = to_wgs84(rec["lat"], rec["lon"], crs)
        elif (rec.get("lat") is None) != (rec.get("lon") is None):
            missing = "lat" if rec.get("lat") is None else "lon"
            raise RecordError(missing, "missing (lat and lon go together)")
    if kind == "rep" and rec["work_end"] <= rec["work_start"]:
        raise RecordError(
            "work_end", f"{rec['work_end']} must be later than work_start {rec['work_start']}"
        )
    elif (
        kind == "customer"
        and rec["open"] is not None
        and rec["close"] is not None
        and rec["close"] <= rec["open"]
    ):
        raise RecordError("close", f"{rec['close']} must be later than open {rec['open']}")
    elif kind == "expense" and rec["category"] == "mileage" and rec["claimed_km"] is None:
        raise RecordError("claimed_km", "missing (required for a mileage claim)")
    elif (
        kind == "device_event" and rec["detail"] is not None and not isinstance(rec["detail"], str)
    ):
        rec["detail"] = json.dumps(rec["detail"], ensure_ascii=False)

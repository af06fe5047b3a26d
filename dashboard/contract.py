"""The wire contract (shared/spec/contract.md §1): wire records → validated records.

Pure: no I/O, no clock. ``validate_record`` checks one record's shape, types, ranges and formats
and returns its normalised form (UTC datetimes, WGS-84 coordinates, defaults applied, keys equal
to the storage columns). Checks that need stored data (references, the privacy rule's work
hours) are made by the ingest service with the helpers at the bottom of this module.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dashboard import thresholds
from dashboard.geo import to_wgs84

MASTER_TYPES = ("region", "team", "rep", "customer", "sop_template", "plan")
EVENT_TYPES = (
    "gps",
    "device_event",
    "check_in",
    "check_out",
    "sop_step",
    "photo",
    "order",
    "expense",
)
RECORD_TYPES = MASTER_TYPES + EVENT_TYPES

DEVICE_EVENT_KINDS = (
    "power_on",
    "power_off",
    "location_permission_revoked",
    "location_permission_granted",
    "network_lost",
    "network_restored",
    "app_killed",
    "app_started",
    "mock_app_detected",
    "rooted_device",
    "heartbeat",
)
EXPENSE_CATEGORIES = ("mileage", "transport", "hotel", "meal", "entertainment", "other")
PHOTO_KINDS = ("shelf", "promo", "storefront", "receipt", "other")
PROVIDERS = ("gps", "network", "wifi", "fused")
CRS_VALUES = ("wgs84", "gcj02", "bd09")
GRADES = ("A", "B", "C")

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_WORK_START = "08:30"
DEFAULT_WORK_END = "18:30"
DEFAULT_GEOFENCE_M = 200.0
PRIVACY_MARGIN = timedelta(minutes=30)

_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_HEX64_RE = re.compile(r"[0-9a-fA-F]{64}")
_HEX16_RE = re.compile(r"[0-9a-fA-F]{16}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HHMM_RE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_MAX_TEXT = 500

# Every date and instant must lie in these years, so that converting it to any time zone and
# adding a day (rollups, the judge) can never overflow; the message names the field.
MIN_YEAR, MAX_YEAR = 2000, 2100
MIN_INSTANT = datetime(MIN_YEAR, 1, 1, tzinfo=UTC)
MAX_INSTANT = datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC)  # exclusive
MIN_DATE, MAX_DATE = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
# A free-form JSON value (sop_step.value, device_event.detail) nests at most this deep and
# serialises to at most this many characters.
MAX_VALUE_DEPTH = 16
MAX_VALUE_CHARS = 20_000
# Control characters (C0, DEL, C1) and lone surrogates are refused in every string: NUL breaks
# PostgreSQL text, surrogates break UTF-8. Free-text fields (address, note, detail and strings
# inside free-form values) may still hold tab, line feed and carriage return.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_FREE_TEXT_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class RecordError(ValueError):
    """A record broke a field rule; the message starts with the field's name."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class ValidRecord:
    """A record that passed the shape checks: its type and its normalised fields."""

    type: str
    fields: dict[str, Any]

    @property
    def id(self) -> str:
        return self.fields["id"]


# ------------------------------------------------------------------ value checkers
# Each checker takes (value, field name) and returns the normalised value or raises RecordError.


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _shorten(value: Any) -> str:
    # Containers are summarised: repr of a deeply nested value could exhaust the stack.
    text = f"<{_type_name(value)}>" if isinstance(value, (list, dict)) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_no_control(value: str, field: str, *, free_text: bool = False) -> str:
    """Refuse control characters and lone surrogates (tab and newlines allowed in free text)."""
    bad = (_CONTROL_FREE_TEXT_RE if free_text else _CONTROL_RE).search(value)
    if bad is not None:
        code = ord(bad.group())
        raise RecordError(field, f"contains the control character U+{code:04X} at {bad.start()}")
    return value


def check_id(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise RecordError(field, f"expected a string id, got {_type_name(value)}")
    if not _ID_RE.fullmatch(value):
        raise RecordError(
            field, f"{_shorten(value)} is not a valid id (1-64 characters of A-Z a-z 0-9 . _ : -)"
        )
    return value


def _text(max_len: int = _MAX_TEXT, *, free_text: bool = False) -> Callable[[Any, str], str]:
    def check(value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise RecordError(field, f"expected a string, got {_type_name(value)}")
        check_no_control(value, field, free_text=free_text)
        value = value.strip()
        if not value:
            raise RecordError(field, "must not be empty")
        if len(value) > max_len:
            raise RecordError(field, f"is {len(value)} characters long (at most {max_len})")
        return value

    return check


# Lengths match the storage columns (PostgreSQL refuses longer values).
check_text = _text()
check_name = _text(200)
check_city = _text(100)
check_address = _text(500, free_text=True)
check_long_text = _text(5000, free_text=True)
check_device = _text(128)


def _number(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
) -> Callable[[Any, str], float]:
    def check(value: Any, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RecordError(field, f"expected a number, got {_type_name(value)}")
        try:
            value = float(value)
        except OverflowError:
            raise RecordError(field, "is too large a number") from None
        if not math.isfinite(value):
            raise RecordError(field, f"{value} is not a finite number")
        if low is not None and (value <= low if low_open else value < low):
            bound = f"greater than {low:g}" if low_open else f"at least {low:g}"
            raise RecordError(field, f"{value:g} must be {bound}")
        if high is not None and value > high:
            if low is not None and not low_open:
                raise RecordError(field, f"{value:g} is outside {low:g}..{high:g}")
            raise RecordError(field, f"{value:g} must be at most {high:g}")
        return value

    return check


check_lat = _number(-90.0, 90.0)
check_lon = _number(-180.0, 180.0)
check_non_negative = _number(0.0)
check_positive = _number(0.0, low_open=True)
check_accuracy = _number(0.0, 100_000.0)
check_speed = _number(0.0, 1_000.0)
check_geofence = _number(1.0, 100_000.0)
check_amount = _number(0.0, 100_000_000.0)
check_km = _number(0.0, 100_000.0)


def check_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise RecordError(field, f"expected true or false, got {_type_name(value)}")
    return value


def check_ts(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise RecordError(field, f"expected an ISO 8601 timestamp string, got {_type_name(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(field, f"{_shorten(value)} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise RecordError(
            field, f"{_shorten(value)} has no UTC offset (add Z or +08:00, for example)"
        )
    try:
        instant = parsed.astimezone(UTC)
    except OverflowError:
        instant = None
    if instant is None or not MIN_INSTANT <= instant < MAX_INSTANT:
        raise RecordError(
            field, f"{_shorten(value)} is outside the supported years {MIN_YEAR}..{MAX_YEAR} (UTC)"
        )
    return instant


def check_date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise RecordError(field, f"expected a date string YYYY-MM-DD, got {_type_name(value)}")
    if not _DATE_RE.fullmatch(value):
        raise RecordError(field, f"{_shorten(value)} is not a date in the form YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise RecordError(field, f"{_shorten(value)} is not a valid calendar date") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise RecordError(field, f"{value} is outside the supported years {MIN_YEAR}..{MAX_YEAR}")
    return day


def check_hhmm(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _HHMM_RE.fullmatch(value):
        raise RecordError(field, f"{_shorten(value)} is not a time of day in the form HH:MM")
    return value


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """Return the ZoneInfo of an IANA name (cached)."""
    return ZoneInfo(name)


def check_timezone(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise RecordError(field, f"expected an IANA time zone name, got {_type_name(value)}")
    try:
        zone(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RecordError(field, f"{_shorten(value)} is not a known IANA time zone") from None
    return value


def _enum(values: tuple[str, ...]) -> Callable[[Any, str], str]:
    allowed = ", ".join(values)

    def check(value: Any, field: str) -> str:
        if value not in values or not isinstance(value, str):
            raise RecordError(field, f"{_shorten(value)} is not one of {allowed}")
        return value

    return check


def _hex(pattern: re.Pattern[str], length: int) -> Callable[[Any, str], str]:
    def check(value: Any, field: str) -> str:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise RecordError(field, f"{_shorten(value)} is not {length} hexadecimal digits")
        return value.lower()

    return check


check_sha256 = _hex(_HEX64_RE, 64)
check_phash = _hex(_HEX16_RE, 16)


def check_currency(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _CURRENCY_RE.fullmatch(value):
        raise RecordError(field, f"{_shorten(value)} is not a three-letter currency code")
    return value


def check_id_list(value: Any, field: str) -> list[str]:
    if not isinstance(value, list):
        raise RecordError(field, f"expected a list of ids, got {_type_name(value)}")
    if len(value) > 500:
        raise RecordError(field, f"has {len(value)} entries (at most 500)")
    return [check_id(item, f"{field}[{i}]") for i, item in enumerate(value)]


def check_steps(value: Any, field: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise RecordError(field, "expected a non-empty list of {code, required} objects")
    steps: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        where = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise RecordError(where, f"expected an object, got {_type_name(item)}")
        if "code" not in item:
            raise RecordError(f"{where}.code", "missing")
        code = check_id(item["code"], f"{where}.code")
        if code in seen:
            raise RecordError(f"{where}.code", f"{code!r} appears twice")
        seen.add(code)
        required = item.get("required", True)
        steps.append({"code": code, "required": check_bool(required, f"{where}.required")})
    return steps


def nesting_depth(value: Any, limit: int) -> int:
    """Return how deep lists and objects nest in ``value`` (iteratively; stops past ``limit``)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def check_any(value: Any, field: str) -> Any:
    """A free-form JSON value: bounded depth and size, finite numbers, no control characters."""
    if nesting_depth(value, MAX_VALUE_DEPTH) > MAX_VALUE_DEPTH:
        raise RecordError(field, f"nests deeper than {MAX_VALUE_DEPTH} levels")
    size = 0
    stack = [(value, field)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            check_no_control(item, where, free_text=True)
            size += len(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise RecordError(where, f"{item} is not a finite number")
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= 10**18:
            raise RecordError(where, "is too large a number")
        elif isinstance(item, dict):
            for key, child in item.items():
                check_no_control(key, f"{where}.<key>")
                size += len(key)
                stack.append((child, f"{where}.{key}" if len(key) <= 40 else where))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
        size += 1
        if size > MAX_VALUE_CHARS:
            raise RecordError(field, f"is larger than {MAX_VALUE_CHARS:,} characters")
    return value


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
        ("crs", _enum(CRS_VALUES), False, "wgs84"),
        ("city", check_city, True, None),
        ("address", check_address, False, None),
        ("grade", _enum(GRADES), True, None),
        ("owner_rep_id", check_id, False, None),
        ("geofence_m", check_geofence, False, DEFAULT_GEOFENCE_M),
        ("annual_revenue", check_non_negative, False, None),
    ),
    "sop_template": (
        ("id", check_id, True, None),
        ("name", check_name, True, None),
        ("steps", check_steps, True, None),
    ),
    "plan": (
        ("id", check_id, True, None),
        ("rep_id", check_id, True, None),
        ("date", check_date, True, None),
        ("customer_ids", check_id_list, True, None),
    ),
    "gps": (
        ("id", check_id, True, None),
        ("rep_id", check_id, True, None),
        ("device_id", check_device, True, None),
        ("ts", check_ts, True, None),
        ("lat", check_lat, True, None),
        ("lon", check_lon, True, None),
        ("crs", _enum(CRS_VALUES), False, "wgs84"),
        ("accuracy_m", check_accuracy, True, None),
        ("speed_mps", check_speed, False, None),
        ("provider", _enum(PROVIDERS), False, None),
        ("mock", check_bool, False, False),
    ),
    "device_event": (
        ("id", check_id, True, None),
        ("rep_id", check_id, True, None),
        ("device_id", check_device, True, None),
        ("ts", check_ts, True, None),
        ("kind", _enum(DEVICE_EVENT_KINDS), True, None),
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
        ("crs", _enum(CRS_VALUES), False, "wgs84"),
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
        ("crs", _enum(CRS_VALUES), False, "wgs84"),
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
        ("crs", _enum(CRS_VALUES), False, "wgs84"),
        ("sha256", check_sha256, True, None),
        ("phash", check_phash, True, None),
        ("kind", _enum(PHOTO_KINDS), False, None),
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
        ("category", _enum(EXPENSE_CATEGORIES), True, None),
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
            raise RecordError(field, f"expected a number, got {_shorten(value)}") from None
    if checker in _BOOL_CHECKERS:
        word = value.strip().lower()
        if word not in _TRUE_WORDS:
            raise RecordError(field, f"expected true or false, got {_shorten(value)}")
        return _TRUE_WORDS[word]
    if checker in _JSON_CHECKERS:
        try:
            return json.loads(value)
        except ValueError:
            raise RecordError(field, f"expected a JSON list, got {_shorten(value)}") from None
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
        raise RecordError("record", f"expected a JSON object, got {_type_name(raw)}")
    kind = raw.get("type")
    if kind is None:
        raise RecordError("type", "missing")
    if not isinstance(kind, str) or kind not in _SPECS:
        raise RecordError("type", f"{_shorten(kind)} is not one of {', '.join(RECORD_TYPES)}")
    return kind


_PROVIDER_SET = frozenset(PROVIDERS)
_ID_MATCH = _ID_RE.fullmatch
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
                    and not _CONTROL_RE.search(dev)
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
    elif kind == "expense" and rec["category"] == "mileage" and rec["claimed_km"] is None:
        raise RecordError("claimed_km", "missing (required for a mileage claim)")
    elif (
        kind == "device_event" and rec["detail"] is not None and not isinstance(rec["detail"], str)
    ):
        rec["detail"] = json.dumps(rec["detail"], ensure_ascii=False)


# ------------------------------------------------------------------ rules that need stored data


def work_hours_window(
    work_start: str, work_end: str, margin: timedelta = PRIVACY_MARGIN
) -> tuple[time, time]:
    """Return the local times of day between which fixes are kept (work hours ± margin)."""
    day = datetime(2000, 1, 1)
    start = datetime.combine(day, time.fromisoformat(work_start)) - margin
    end = datetime.combine(day, time.fromisoformat(work_end)) + margin
    low = start.time() if start.date() == day.date() else time.min
    high = end.time() if end.date() == day.date() else time.max
    return low, high


def within_work_hours(
    ts: datetime,
    timezone: str,
    work_start: str,
    work_end: str,
    margin: timedelta = PRIVACY_MARGIN,
) -> bool:
    """Tell whether an aware instant falls inside the work hours (±margin) of its local day."""
    low, high = work_hours_window(work_start, work_end, margin)
    return low <= ts.astimezone(zone(timezone)).time() <= high


def geofence_limit_m(
    geofence_m: float,
    accuracy_m: float,
    cap_m: float = thresholds.default("accuracy_allowance_cap_m"),
) -> float:
    """Return how far a check-in may lie from its customer: geofence + min(accuracy, cap), the
    cap 100 m by default (GEOFENCE_MISS, contract §2)."""
    return geofence_m + min(accuracy_m, cap_m)


def local_date(ts: datetime, timezone: str) -> date:
    """Return the calendar date of an aware instant in a time zone."""
    return ts.astimezone(zone(timezone)).date()

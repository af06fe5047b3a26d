"""The contract's vocabulary and value checkers: record types, enumerations, ids, texts,
numbers, instants, dates, time zones (each checker names the field it refuses)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
PLAN_SOURCES = ("ingest", "suggested")  # contract §6: a plan sent in, or a published suggestion

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_WORK_START = "08:30"
DEFAULT_WORK_END = "18:30"
DEFAULT_GEOFENCE_M = 200.0
PRIVACY_MARGIN = timedelta(minutes=30)

ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_HEX64_RE = re.compile(r"[0-9a-fA-F]{64}")
_HEX16_RE = re.compile(r"[0-9a-fA-F]{16}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HHMM_RE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
# A plausible phone number: digits, spaces, +, -, parentheses; 5-32 characters, 5+ digits.
_PHONE_RE = re.compile(r"[0-9 +()-]{5,32}")
_PHONE_MIN_DIGITS = 5
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
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
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


def type_name(value: Any) -> str:
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


def shorten(value: Any) -> str:
    # Containers are summarised: repr of a deeply nested value could exhaust the stack.
    text = f"<{type_name(value)}>" if isinstance(value, (list, dict)) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_no_control(value: str, field: str, *, free_text: bool = False) -> str:
    """Refuse control characters and lone surrogates (tab and newlines allowed in free text)."""
    bad = (_CONTROL_FREE_TEXT_RE if free_text else CONTROL_RE).search(value)
    if bad is not None:
        code = ord(bad.group())
        raise RecordError(field, f"contains the control character U+{code:04X} at {bad.start()}")
    return value


def check_id(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise RecordError(field, f"expected a string id, got {type_name(value)}")
    if not ID_RE.fullmatch(value):
        raise RecordError(
            field, f"{shorten(value)} is not a valid id (1-64 characters of A-Z a-z 0-9 . _ : -)"
        )
    return value


def _text(max_len: int = _MAX_TEXT, *, free_text: bool = False) -> Callable[[Any, str], str]:
    def check(value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise RecordError(field, f"expected a string, got {type_name(value)}")
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
check_contact_name = _text(100)


def check_phone(value: Any, field: str) -> str:
    """A plausible phone number (contract §5's optional customer contact)."""
    if not isinstance(value, str):
        raise RecordError(field, f"expected a phone number string, got {type_name(value)}")
    value = value.strip()
    if not 5 <= len(value) <= 32:
        raise RecordError(field, f"is {len(value)} characters long (5 to 32)")
    if not _PHONE_RE.fullmatch(value):
        raise RecordError(
            field, f"{shorten(value)} is not a phone number (digits, spaces, + - ( ) only)"
        )
    if sum(ch.isdigit() for ch in value) < _PHONE_MIN_DIGITS:
        raise RecordError(field, f"{shorten(value)} has fewer than {_PHONE_MIN_DIGITS} digits")
    return value


def _number(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
) -> Callable[[Any, str], float]:
    def check(value: Any, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RecordError(field, f"expected a number, got {type_name(value)}")
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
        raise RecordError(field, f"expected true or false, got {type_name(value)}")
    return value


def check_ts(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise RecordError(field, f"expected an ISO 8601 timestamp string, got {type_name(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(field, f"{shorten(value)} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise RecordError(
            field, f"{shorten(value)} has no UTC offset (add Z or +08:00, for example)"
        )
    try:
        instant = parsed.astimezone(UTC)
    except OverflowError:
        instant = None
    if instant is None or not MIN_INSTANT <= instant < MAX_INSTANT:
        raise RecordError(
            field, f"{shorten(value)} is outside the supported years {MIN_YEAR}..{MAX_YEAR} (UTC)"
        )
    return instant


def check_date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise RecordError(field, f"expected a date string YYYY-MM-DD, got {type_name(value)}")
    if not _DATE_RE.fullmatch(value):
        raise RecordError(field, f"{shorten(value)} is not a date in the form YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise RecordError(field, f"{shorten(value)} is not a valid calendar date") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise RecordError(field, f"{value} is outside the supported years {MIN_YEAR}..{MAX_YEAR}")
    return day


def check_hhmm(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _HHMM_RE.fullmatch(value):
        raise RecordError(field, f"{shorten(value)} is not a time of day in the form HH:MM")
    return value


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """Return the ZoneInfo of an IANA name (cached)."""
    return ZoneInfo(name)


def check_timezone(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise RecordError(field, f"expected an IANA time zone name, got {type_name(value)}")
    try:
        zone(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RecordError(field, f"{shorten(value)} is not a known IANA time zone") from None
    return value


def enum_checker(values: tuple[str, ...]) -> Callable[[Any, str], str]:
    allowed = ", ".join(values)

    def check(value: Any, field: str) -> str:
        if value not in values or not isinstance(value, str):
            raise RecordError(field, f"{shorten(value)} is not one of {allowed}")
        return value

    return check


def _hex(pattern: re.Pattern[str], length: int) -> Callable[[Any, str], str]:
    def check(value: Any, field: str) -> str:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise RecordError(field, f"{shorten(value)} is not {length} hexadecimal digits")
        return value.lower()

    return check


check_sha256 = _hex(_HEX64_RE, 64)
check_phash = _hex(_HEX16_RE, 16)


def check_currency(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _CURRENCY_RE.fullmatch(value):
        raise RecordError(field, f"{shorten(value)} is not a three-letter currency code")
    return value


def check_id_list(value: Any, field: str) -> list[str]:
    if not isinstance(value, list):
        raise RecordError(field, f"expected a list of ids, got {type_name(value)}")
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
            raise RecordError(where, f"expected an object, got {type_name(item)}")
        if "code" not in item:
            raise RecordError(f"{where}.code", "missing")
        code = check_id(item["code"], f"{where}.code")
        if code in seen:
            raise RecordError(f"{where}.code", f"{code!r} appears twice")
        seen.add(code)
        required = item.get("required", True)
        step: dict[str, Any] = {"code": code, "required": check_bool(required, f"{where}.required")}
        # Contract §7's optional step attributes (issue 18): kept only when given, so a plain
        # {code, required} template reads back as it was sent.
        for key in ("label_zh", "label_en"):
            if item.get(key) is not None:
                step[key] = check_step_label(item[key], f"{where}.{key}")
        if item.get("kind") is not None:
            if item["kind"] not in STEP_KINDS:
                known = ", ".join(STEP_KINDS)
                raise RecordError(f"{where}.kind", f"{shorten(item['kind'])} is not one of {known}")
            step["kind"] = item["kind"]
        if item.get("photo_required") is not None:
            step["photo_required"] = check_bool(item["photo_required"], f"{where}.photo_required")
        if item.get("min_seconds") is not None:
            step["min_seconds"] = check_min_seconds(item["min_seconds"], f"{where}.min_seconds")
        steps.append(step)
    return steps


# The kinds of SOP step (contract §7, issue 18): pass/fail check, a count, a photo, a choice, free
# text, an order.
STEP_KINDS = ("check", "count", "photo", "choice", "text", "order")


def check_step_label(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordError(field, f"expected a non-empty text, got {shorten(value)}")
    if len(value) > 200:
        raise RecordError(field, f"has {len(value)} characters (at most 200)")
    return value.strip()


def check_min_seconds(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(field, f"expected a number of seconds, got {type_name(value)}")
    if not 0 <= float(value) <= 86_400:
        raise RecordError(field, f"{value} is outside 0..86400")
    return float(value)


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

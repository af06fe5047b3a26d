"""The organisation's edits, pure: checking an admin's rep fields, encoding them for the override
store, and merging an ingested master record with the fields an admin set.

An admin's value stays until the field app sends a different value than it had sent before the
admin's edit (``base``): re-sending old data keeps the admin's value, new data wins. Work start
and end are one field (``work_hours``, "HH:MM-HH:MM") so that a merge never pairs an admin's
start with the field app's end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashboard.contract.values import ID_RE, RecordError, check_hhmm, check_timezone

# The fields an admin edits per master kind (work_hours stands for work_start + work_end).
EDITABLE = {
    "region": ("name",),
    "team": ("name",),
    "rep": ("work_hours", "timezone", "team_id", "active"),
}
MAX_NAME = 200
MAX_REASON = 500


class OrgError(ValueError):
    """An organisation edit was refused; the message starts with the field's name."""


def check_reason(reason: Any) -> str:
    """The required reason of a change, trimmed (at most 500 characters)."""
    text = str(reason or "").strip()
    if not text:
        raise OrgError("reason: say why (required for every change)")
    return text[:MAX_REASON]


def check_name(value: Any, field: str = "name") -> str:
    """A region's or team's display name: 1..200 characters after trimming."""
    text = str(value or "").strip()
    if not text:
        raise OrgError(f"{field}: a name is required")
    if len(text) > MAX_NAME:
        raise OrgError(f"{field}: at most {MAX_NAME} characters, got {len(text)}")
    return text


def check_record_id(value: Any, field: str = "id") -> str:
    """A new record's id under the contract's id rule (1–64 of A-Z a-z 0-9 . _ : -)."""
    text = str(value or "").strip()
    if not ID_RE.fullmatch(text):
        raise OrgError(f"{field}: {text!r} is not an id (1-64 characters of A-Z a-z 0-9 . _ : -)")
    return text


def check_hours(start: Any, end: Any) -> str:
    """Work hours as "HH:MM-HH:MM", the start before the end (the contract's rule)."""
    try:
        start = check_hhmm(str(start or "").strip(), "work_start")
        end = check_hhmm(str(end or "").strip(), "work_end")
    except RecordError as exc:
        raise OrgError(str(exc)) from None
    if end <= start:
        raise OrgError(f"work_end: {end} must be later than work_start {start}")
    return f"{start}-{end}"


def check_zone(value: Any) -> str:
    """An IANA time zone name known to zoneinfo."""
    if not str(value or "").strip():
        raise OrgError("timezone: pick a time zone")
    try:
        return check_timezone(str(value or "").strip(), "timezone")
    except RecordError as exc:
        raise OrgError(str(exc)) from None


def encode(field: str, row: Mapping[str, Any]) -> str:
    """The stored text of an editable field of a master row."""
    if field == "work_hours":
        return f"{row['work_start']}-{row['work_end']}"
    if field == "active":
        return "true" if row["active"] else "false"
    return str(row[field])


def decode(field: str, text: str) -> dict[str, Any]:
    """The row columns an encoded field stands for."""
    if field == "work_hours":
        start, end = text.split("-", 1)
        return {"work_start": start, "work_end": end}
    if field == "active":
        return {"active": text == "true"}
    return {field: text}


@dataclass(frozen=True)
class Override:
    """A field an admin set on a master record: its value and what was stored before."""

    record_id: str
    field: str
    value: str
    base: str | None


@dataclass(frozen=True)
class Superseded:
    """An admin's field the field app changed since: its value gives way to the ingested one."""

    record_id: str
    field: str
    admin_value: str
    ingested: str


def merge_ingested(
    rows: Sequence[dict[str, Any]], overrides: Sequence[Override]
) -> tuple[list[dict[str, Any]], list[Superseded]]:
    """The rows to store for ingested master records: a field an admin set keeps the admin's
    value while the record carries the value stored before the edit; a record carrying another
    value wins and the override is reported as superseded (also when it sends the admin's own
    value: the two agree, nothing is left to keep)."""
    by_record: dict[str, list[Override]] = {}
    for item in overrides:
        by_record.setdefault(item.record_id, []).append(item)
    merged, superseded = [], []
    for row in rows:
        out = dict(row)
        for item in by_record.get(row["id"], ()):
            sent = encode(item.field, row)
            if sent == item.base:  # old data: the admin's value stays
                out.update(decode(item.field, item.value))
            else:  # new data (or the admin's value itself): the field app's record wins
                superseded.append(Superseded(row["id"], item.field, item.value, sent))
        merged.append(out)
    return merged, superseded

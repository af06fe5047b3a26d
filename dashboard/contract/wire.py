"""The two doors' formats: a JSON body, NDJSON lines and CSV rows become ``WireItem``s (one
record as it arrived, raw), before any record is validated."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from dashboard.contract.values import nesting_depth


@dataclass(slots=True)
class WireItem:
    """One record as it arrived: its position, its parsed value and its raw text or bytes."""

    index: int
    value: Any
    raw: str | bytes
    raw_format: str = "json"  # "json" or "csv"
    parse_error: str | None = None

    def raw_text(self) -> str:
        if isinstance(self.raw, bytes):
            return self.raw.decode("utf-8", "replace").strip()
        return self.raw.strip() or _dumps(self.value)


class BodyError(ValueError):
    """The input is not JSON/NDJSON/CSV at all (HTTP 400, CLI exit 2)."""


# ------------------------------------------------------------------ parsing the two doors


def _dumps(value: Any) -> str:
    # json, not orjson: it keeps NaN and integers beyond 64 bits as they were sent.
    return json.dumps(value, ensure_ascii=False, default=str)


def items_from_values(values: Sequence[Any]) -> list[WireItem]:
    """Wrap already-parsed records (a JSON body's list, the demo generator's output)."""
    return [WireItem(i, v, "") for i, v in enumerate(values)]


# A JSON body nests at most this deep (the records list and a record's own fields included);
# deeper is refused whole (HTTP 400), before any record is looked at. An NDJSON line nesting
# deeper is one rejected record.
MAX_BODY_DEPTH = 64


def items_from_json_body(body: bytes) -> list[WireItem]:
    """Parse ``{"records": [...]}`` (or a bare list); raise BodyError if it is not that."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BodyError(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BodyError(f"body nests deeper than {MAX_BODY_DEPTH} levels") from None
    if nesting_depth(doc, MAX_BODY_DEPTH) > MAX_BODY_DEPTH:
        raise BodyError(f"body nests deeper than {MAX_BODY_DEPTH} levels")
    if isinstance(doc, dict):
        if "records" not in doc:
            raise BodyError('body must be an object with a "records" list')
        doc = doc["records"]
    if not isinstance(doc, list):
        raise BodyError('"records" must be a list of record objects')
    return items_from_values(doc)


def iter_ndjson_items(lines: Iterable[bytes | str], *, start: int = 0) -> Iterator[WireItem]:
    """Yield one item per non-blank line; a line that is not JSON becomes a rejection."""
    index = start
    loads = orjson.loads
    for line in lines:
        # The raw line is kept as it came and decoded only if the record is rejected.
        try:
            value = loads(line)
        except orjson.JSONDecodeError as exc:
            if not line.strip():
                continue
            yield WireItem(index, None, line, parse_error=f"record: not valid JSON ({exc})")
        else:
            yield WireItem(index, value, line)
        index += 1


def items_from_ndjson_body(body: bytes) -> list[WireItem]:
    """Parse an NDJSON body; raise BodyError when no line at all is JSON."""
    items = list(iter_ndjson_items(body.splitlines()))
    if items and all(item.parse_error for item in items):
        raise BodyError("body is neither JSON nor NDJSON: no line parses as a JSON value")
    return items


def iter_csv_items(text_stream: Iterable[str], *, record_type: str | None) -> Iterator[WireItem]:
    """Yield one item per CSV row; the type comes from a `type` column or ``record_type``."""
    reader = csv.DictReader(text_stream)
    if reader.fieldnames is None:
        return
    if record_type is None and "type" not in reader.fieldnames:
        raise BodyError("CSV input needs a 'type' column or --type")
    for index, row in enumerate(reader):
        row = {k: v for k, v in row.items() if k is not None}
        if record_type is not None and not row.get("type"):
            row["type"] = record_type
        yield WireItem(index, row, json.dumps(row, ensure_ascii=False), raw_format="csv")

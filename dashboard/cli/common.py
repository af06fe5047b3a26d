"""What every verb shares: the exit codes, the clock, JSON Lines output."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TextIO

from dashboard.cli.codes import EXIT_DB, EXIT_INTERNAL, EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE

__all__ = [
    "EXIT_DB",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_REFUSED",
    "EXIT_UNREADABLE",
    "now",
    "print_json",
]


def now() -> datetime:
    return datetime.now(UTC)


def print_json(data: Any, out: TextIO) -> None:
    out.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")

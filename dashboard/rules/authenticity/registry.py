"""The per-rep-day rules the judge runs, registered by the rule functions themselves.

A rule function declares its code with ``@rep_day_rule(code)``; the code must be an authenticity
rule of the catalog. The judge calls every registered rule in registration order, passing each
only the arguments its signature names (``day`` always; ``config``, ``local_hhmm`` if asked).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dashboard.rules.catalog import CATALOG

_OPTIONAL = ("config", "local_hhmm")


@dataclass(frozen=True)
class RegisteredRule:
    """A per-rep-day rule function and the optional arguments it takes."""

    code: str
    function: Callable[..., list[Any]]
    wants: tuple[str, ...]

    def run(self, day: Any, config: Any, local_hhmm: Any) -> list[Any]:
        given = {"config": config, "local_hhmm": local_hhmm}
        return self.function(day, **{name: given[name] for name in self.wants})


REP_DAY_RULES: dict[str, RegisteredRule] = {}


def rep_day_rule(code: str) -> Callable[[Callable[..., list[Any]]], Callable[..., list[Any]]]:
    """Register a rule function that judges one rep-day under ``code``."""
    spec = CATALOG.get(code)
    if spec is None or spec.family != "authenticity":
        raise ValueError(f"{code!r} is not an authenticity rule of the catalog")

    def register(function: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
        if code in REP_DAY_RULES:
            raise ValueError(f"{code} is registered twice")
        params = inspect.signature(function).parameters
        wants = tuple(name for name in _OPTIONAL if name in params)
        REP_DAY_RULES[code] = RegisteredRule(code, function, wants)
        return function

    return register

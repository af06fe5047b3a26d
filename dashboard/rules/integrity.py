"""The per-visit integrity score (alerts and expense conventions): 0-100 from the rules fired."""

from __future__ import annotations

from collections.abc import Iterable

from dashboard.rules import SEVERITY, SEVERITY_PENALTY


def integrity_score(rules: Iterable[str]) -> int:
    """Score a visit: 100 minus a penalty per distinct rule fired on it by severity (critical 60,
    high 35, medium 15, low 5), floored at 0."""
    penalty = 0
    for rule in set(rules):
        severity = SEVERITY.get(rule)
        if severity is None:
            raise ValueError(f"unknown authenticity rule {rule!r}")
        penalty += SEVERITY_PENALTY[severity]
    return max(0, 100 - penalty)


def contributing_rules(rules: Iterable[str]) -> list[str]:
    """The distinct rules behind a visit's score, the heaviest penalty first (then by code), so
    the first one named is the main reason to doubt the visit."""
    distinct = set(rules)
    unknown = sorted(r for r in distinct if r not in SEVERITY)
    if unknown:
        raise ValueError(f"unknown authenticity rule {unknown[0]!r}")
    return sorted(distinct, key=lambda r: (-SEVERITY_PENALTY[SEVERITY[r]], r))


def visit_integrity(rules: Iterable[str]) -> tuple[int, list[str]]:
    """A visit's integrity score and its contributing rules (see the two functions above)."""
    listed = contributing_rules(rules)
    return integrity_score(listed), listed

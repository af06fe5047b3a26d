"""The regrade of contract §5 (pure): rank a region's customers by their order amount over the
last 365 days; A = the smallest top set reaching 70 % of the region's amount, B = the next up
to 90 %, C = the rest and every customer without orders. A customer whose grade is locked keeps
it, but its amount still counts in the region's total and takes its place in the ranking (so a
lock never shifts the other customers' grades).

Amounts are integer cents (no float drift at the 70 % / 90 % boundaries); equal amounts are
ranked by customer id, so the same data always gives the same grades.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

GRADES = ("A", "B", "C")
HISTORY_SOURCES = ("regrade", "ingest", "lock")
MAX_REASON = 500


class GradeError(ValueError):
    """A regrade or lock request was refused and nothing changed; the message names the field."""


class StalePlan(GradeError):
    """The what-if changed since it was shown (another apply, new orders); nothing changed."""


@dataclass(frozen=True)
class RegradeConfig:
    """The shares of the region's order amount that close grades A and B (percent), and the
    window of orders in days up to the day of the regrade."""

    a_share_pct: int = 70
    b_share_pct: int = 90
    window_days: int = 365

    def __post_init__(self) -> None:
        if not 0 < self.a_share_pct <= self.b_share_pct <= 100:
            raise GradeError(
                f"a_share_pct, b_share_pct: need 0 < {self.a_share_pct} <= "
                f"{self.b_share_pct} <= 100"
            )
        if self.window_days < 1:
            raise GradeError(f"window_days: {self.window_days} is below 1")

    def window(self, today: date) -> tuple[date, date]:
        """The first and last local date of the orders that count (inclusive)."""
        return today - timedelta(days=self.window_days - 1), today


@dataclass(frozen=True)
class CustomerAmount:
    """One customer as the regrade sees it: its region, grade now, lock and order amount."""

    customer_id: str
    region_id: str | None
    grade: str
    locked: bool
    amount_cents: int
    name: str = ""


@dataclass(frozen=True)
class Regraded:
    """One customer's outcome: ``computed`` is the grade its rank earns, ``after`` the grade it
    gets (``before`` when locked)."""

    customer_id: str
    name: str
    region_id: str | None
    before: str
    computed: str
    after: str
    locked: bool
    amount_cents: int
    rank: int

    @property
    def moves(self) -> bool:
        return self.before != self.after

    @property
    def held_by_lock(self) -> bool:
        """Locked, and its rank would have given it another grade."""
        return self.locked and self.computed != self.before

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "name": self.name,
            "region_id": self.region_id,
            "before": self.before,
            "after": self.after,
            "computed": self.computed,
            "locked": self.locked,
            "amount": self.amount_cents / 100,
            "rank": self.rank,
        }


def grades_by_rank(amounts: Sequence[tuple[str, int]], config: RegradeConfig) -> dict[str, str]:
    """customer id → the grade its rank earns, for one region's (customer id, cents) pairs."""
    ranked = sorted(amounts, key=lambda pair: (-pair[1], pair[0]))
    total = sum(max(cents, 0) for _cid, cents in ranked)
    out: dict[str, str] = {}
    before = 0  # the amount of the customers ranked above
    for cid, cents in ranked:
        if cents <= 0 or total <= 0:
            out[cid] = "C"
        elif before * 100 < config.a_share_pct * total:
            out[cid] = "A"
        elif before * 100 < config.b_share_pct * total:
            out[cid] = "B"
        else:
            out[cid] = "C"
        before += max(cents, 0)
    return out


def regrade(customers: Iterable[CustomerAmount], config: RegradeConfig) -> list[Regraded]:
    """Every customer's outcome, region by region, each region ranked (rank 1 = biggest)."""
    regions: dict[str | None, list[CustomerAmount]] = defaultdict(list)
    for row in customers:
        if row.grade not in GRADES:
            raise GradeError(f"grade: {row.grade!r} of {row.customer_id!r} is not A, B or C")
        regions[row.region_id].append(row)
    out: list[Regraded] = []
    for region in sorted(regions, key=lambda r: (r is None, r or "")):
        rows = sorted(regions[region], key=lambda r: (-r.amount_cents, r.customer_id))
        computed = grades_by_rank([(r.customer_id, r.amount_cents) for r in rows], config)
        for rank, row in enumerate(rows, start=1):
            grade = computed[row.customer_id]
            out.append(
                Regraded(
                    customer_id=row.customer_id,
                    name=row.name,
                    region_id=row.region_id,
                    before=row.grade,
                    computed=grade,
                    after=row.grade if row.locked else grade,
                    locked=row.locked,
                    amount_cents=row.amount_cents,
                    rank=rank,
                )
            )
    return out


def moves_per_region(results: Iterable[Regraded]) -> list[dict[str, Any]]:
    """How many customers move from one grade to another per region (A→B, C→A, …)."""
    counts = Counter((r.region_id, r.before, r.after) for r in results if r.moves)
    return [
        {
            "region_id": region,
            "move": f"{before}→{after}",
            "before": before,
            "after": after,
            "customers": n,
        }
        for (region, before, after), n in sorted(
            counts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1], kv[0][2])
        )
    ]


def shares_per_region(results: Iterable[Regraded]) -> list[dict[str, Any]]:
    """Per region and grade: customers and the share of the region's order amount, before and
    after the regrade (percent, one decimal; 0 for a region without orders)."""
    cells: dict[tuple[str | None, str], dict[str, int]] = {}
    totals: Counter[str | None] = Counter()
    regions: set[str | None] = set()
    for r in results:
        regions.add(r.region_id)
        totals[r.region_id] += max(r.amount_cents, 0)
        for side, grade in (("before", r.before), ("after", r.after)):
            cell = cells.setdefault(
                (r.region_id, grade),
                {"n_before": 0, "n_after": 0, "cents_before": 0, "cents_after": 0},
            )
            cell[f"n_{side}"] += 1
            cell[f"cents_{side}"] += max(r.amount_cents, 0)
    out = []
    for region in sorted(regions, key=lambda r: r or ""):
        total = totals[region]
        for grade in GRADES:
            cell = cells.get(
                (region, grade), {"n_before": 0, "n_after": 0, "cents_before": 0, "cents_after": 0}
            )
            out.append(
                {
                    "region_id": region,
                    "grade": grade,
                    "customers_before": cell["n_before"],
                    "customers_after": cell["n_after"],
                    "amount_before": cell["cents_before"] / 100,
                    "amount_after": cell["cents_after"] / 100,
                    "share_before": _pct(cell["cents_before"], total),
                    "share_after": _pct(cell["cents_after"], total),
                }
            )
    return out


def _pct(part: int, total: int) -> float:
    return 0.0 if total <= 0 else round(100 * part / total, 1)


@dataclass(frozen=True)
class WhatIf:
    """The what-if of a regrade: every customer's outcome, the moves and the shares."""

    today: date
    results: list[Regraded]

    @property
    def changes(self) -> list[Regraded]:
        return [r for r in self.results if r.moves]

    @property
    def held(self) -> list[Regraded]:
        """Locked customers whose rank would have moved them."""
        return [r for r in self.results if r.held_by_lock]

    def moves(self) -> list[dict[str, Any]]:
        return moves_per_region(self.results)

    def fingerprint(self) -> str:
        """A short digest of the changes: an apply can insist on the what-if it was shown."""
        text = ";".join(
            f"{r.customer_id}:{r.before}>{r.after}"
            for r in sorted(self.changes, key=lambda r: r.customer_id)
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def shares(self) -> list[dict[str, Any]]:
        return shares_per_region(self.results)

    def summary(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "customers": len(self.results),
            "changes": len(self.changes),
            "held_by_lock": len(self.held),
            "fingerprint": self.fingerprint(),
            "moves": self.moves(),
            "shares": self.shares(),
        }


def what_if(
    customers: Iterable[CustomerAmount], *, today: date, config: RegradeConfig | None = None
) -> WhatIf:
    """The regrade's outcome on local date ``today``, changing nothing."""
    return WhatIf(today, regrade(customers, config or RegradeConfig()))


def clean_reason(reason: Any, *, field: str = "reason") -> str:
    """A required free-text reason, stripped; refused when empty."""
    text = str(reason or "").strip()
    if not text:
        raise GradeError(f"{field}: a reason is required")
    return text[:MAX_REASON]


def history_rows(
    changes: Iterable[Regraded], *, at: Any, by: str, why: str, source: str = "regrade"
) -> list[dict[str, Any]]:
    """The grade-history rows of applied changes."""
    if source not in HISTORY_SOURCES:
        raise GradeError(f"source: {source!r} is not one of {', '.join(HISTORY_SOURCES)}")
    return [
        {
            "customer_id": r.customer_id,
            "old_grade": r.before,
            "new_grade": r.after,
            "changed_at": at,
            "changed_by": by,
            "reason": why,
            "source": source,
        }
        for r in changes
        if r.moves
    ]


def amounts_from(rows: Iterable[Mapping[str, Any]]) -> list[CustomerAmount]:
    """CustomerAmount of query rows (id, name, region_id, grade, grade_locked, amount_cents)."""
    return [
        CustomerAmount(
            customer_id=str(row["id"]),
            region_id=row["region_id"],
            grade=str(row["grade"]),
            locked=bool(row["grade_locked"]),
            amount_cents=int(row["amount_cents"] or 0),
            name=str(row.get("name") or ""),
        )
        for row in rows
    ]

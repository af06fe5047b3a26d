"""Expense rules of contract §3: each claim judged against the rep's visits, track and alerts.

``amount_at_risk`` is the part of a claim a rule disputes: for MILEAGE_INFLATED the km claimed
beyond the tracked km times the mileage rate (the contract's §4 example: 120 km claimed, 72 km
tracked, 0.8 CNY/km → 38.4), for OVER_CAP the claim's share of the excess over the cap (the
shares of one rep-date-category add up to the excess exactly), else the whole amount; never more
than the claim.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from dashboard.rules import ExpenseConfig, Flag

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Claim:
    id: str
    rep_id: str
    date: date
    category: str
    amount: Decimal
    claimed_km: float | None = None
    city: str | None = None
    customer_id: str | None = None
    receipt_sha256: str | None = None
    arrival: tuple = ()  # (received_at, arrival_seq): the order claims arrived in

    @property
    def order(self) -> tuple:
        return (self.date, *self.arrival, self.id)


@dataclass(frozen=True)
class CheckIn:
    """A check-in as the expense rules see it: who, which customer, in which city, which date."""

    rep_id: str
    local_date: date
    customer_id: str
    city: str


def _money(x) -> Decimal:
    return Decimal(str(x)).quantize(CENT, rounding=ROUND_HALF_UP)


def _cny(x: Decimal) -> str:
    return f"CN¥{x:,.2f}"


def _flag(rule: str, c: Claim, at_risk: Decimal, summary: str, evidence: dict) -> Flag:
    amount = _money(c.amount)
    return Flag(
        f"{rule}:{c.id}",
        rule,
        c.id,
        c.rep_id,
        c.date,
        amount,
        min(amount, max(Decimal("0.00"), _money(at_risk))),
        summary,
        {"category": c.category, **evidence},
    )


def mileage_limit_km(tracked_km, config: ExpenseConfig):
    """The upper edge of MILEAGE_INFLATED's tolerance band: tracked × (1 + pct/100) + km
    (for a number or a numpy array of them)."""
    return tracked_km * (1 + config.mileage_tolerance_pct / 100) + config.mileage_allowance_km


def mileage_at_risk(
    claimed_km: float, tracked_km: float, amount, config: ExpenseConfig
) -> Decimal | None:
    """MILEAGE_INFLATED's amount at risk of a mileage claim: the km claimed beyond the tracked
    km × rate, at most the amount, to the cent; None within the band (no flag)."""
    if claimed_km <= mileage_limit_km(tracked_km, config):
        return None
    excess = Decimal(str(claimed_km - tracked_km)) * Decimal(str(config.mileage_rate_cny_per_km))
    return min(_money(amount), max(Decimal("0.00"), _money(excess)))


def reconcile_mileage(c: Claim, tracked_km: float, config: ExpenseConfig) -> Flag | None:
    """MILEAGE_INFLATED: claimed_km > tracked_km × (1 + tolerance) + allowance."""
    if c.category != "mileage" or c.claimed_km is None:
        return None
    at_risk = mileage_at_risk(c.claimed_km, tracked_km, c.amount, config)
    if at_risk is None:
        return None
    limit = mileage_limit_km(tracked_km, config)
    excess_km = c.claimed_km - tracked_km
    return _flag(
        "MILEAGE_INFLATED",
        c,
        at_risk,
        f"claimed {c.claimed_km:,.1f} km but the track shows {tracked_km:,.1f} km "
        f"(limit {limit:,.1f} km)",
        {
            "claimed_km": c.claimed_km,
            "tracked_km": round(tracked_km, 3),
            "limit_km": round(limit, 3),
            "excess_km": round(excess_km, 3),
            "rate_cny_per_km": config.mileage_rate_cny_per_km,
            "tolerance_pct": config.mileage_tolerance_pct,
            "allowance_km": config.mileage_allowance_km,
        },
    )


def _over_cap(claims: Sequence[Claim], config: ExpenseConfig) -> list[Flag]:
    groups: dict[tuple, list[Claim]] = defaultdict(list)
    for c in claims:
        if config.cap_cny(c.category) is not None:
            groups[(c.rep_id, c.date, c.category)].append(c)
    out = []
    for (_rep, _day, category), group in sorted(groups.items()):
        cap = _money(config.cap_cny(category))
        total = sum((_money(c.amount) for c in group), Decimal("0.00"))
        if total <= cap:
            continue
        excess = total - cap
        group = sorted(group, key=lambda c: c.id)
        # Proportional shares in whole cents; leftover cents go to the largest remainders.
        raw = [excess * _money(c.amount) / total for c in group]
        shares = [r.quantize(CENT, rounding=ROUND_DOWN) for r in raw]
        left = int((excess - sum(shares, Decimal("0"))) / CENT)
        for i in sorted(range(len(group)), key=lambda i: (shares[i] - raw[i], i))[:left]:
            shares[i] += CENT
        ids = [c.id for c in group]
        for c, share in zip(group, shares, strict=True):
            out.append(
                _flag(
                    "OVER_CAP",
                    c,
                    share,
                    f"{category} claims of {c.date.isoformat()} total {_cny(total)}, over the "
                    f"daily cap of {_cny(cap)} by {_cny(excess)}",
                    {
                        "cap_cny": float(cap),
                        "total_cny": float(total),
                        "excess_cny": float(excess),
                        "claim_ids": ids,
                    },
                )
            )
    return out


def judge_claims(
    claims: Iterable[Claim],
    *,
    check_ins: Iterable[CheckIn],
    tracked_km: Mapping[tuple[str, date], float],
    critical_alerts: Mapping[tuple[str, date], Sequence[str]],
    receipt_claims: Iterable[Claim] = (),
    config: ExpenseConfig = ExpenseConfig(),
) -> list[Flag]:
    """Judge ``claims`` with every expense rule.

    ``check_ins`` must cover the claims' rep-dates and the following dates (HOTEL_CITY_MISMATCH);
    ``tracked_km`` the km of the rep-dates with mileage claims (missing = 0 km);
    ``critical_alerts`` the ids of critical alerts per rep-date; ``receipt_claims`` every stored
    claim sharing a receipt_sha256 with one of ``claims`` (they may include ``claims``).
    OVER_CAP needs all claims of a rep-date among ``claims``.
    """
    claims = sorted(claims, key=lambda c: c.order)
    visited: dict[tuple[str, date], set[str]] = defaultdict(set)
    cities: dict[tuple[str, date], set[str]] = defaultdict(set)
    for ci in check_ins:
        visited[(ci.rep_id, ci.local_date)].add(ci.customer_id)
        cities[(ci.rep_id, ci.local_date)].add(ci.city)
    first_of_receipt: dict[str, Claim] = {}
    for c in sorted({c.id: c for c in [*receipt_claims, *claims]}.values(), key=lambda c: c.order):
        if c.receipt_sha256 and c.receipt_sha256 not in first_of_receipt:
            first_of_receipt[c.receipt_sha256] = c

    out: list[Flag] = []
    for c in claims:
        key = (c.rep_id, c.date)
        whole = _money(c.amount)
        flag = reconcile_mileage(c, tracked_km.get(key, 0.0), config)
        if flag:
            out.append(flag)
        if not visited.get(key):
            out.append(
                _flag(
                    "NO_VISIT_DAY",
                    c,
                    whole,
                    f"{c.category} claim of {_cny(whole)} on {c.date.isoformat()}, a day without "
                    "any check-in",
                    {"check_ins": 0},
                )
            )
        if c.category == "hotel" and c.city:
            seen = cities.get(key, set()) | cities.get(
                (c.rep_id, c.date + timedelta(days=1)), set()
            )
            if c.city not in seen:
                out.append(
                    _flag(
                        "HOTEL_CITY_MISMATCH",
                        c,
                        whole,
                        f"hotel in {c.city} on {c.date.isoformat()}, but no check-in in {c.city} "
                        "that day or the next",
                        {"city": c.city, "cities_visited": sorted(seen)},
                    )
                )
        if c.receipt_sha256:
            first = first_of_receipt[c.receipt_sha256]
            if first.id != c.id:
                out.append(
                    _flag(
                        "DUPLICATE_RECEIPT",
                        c,
                        whole,
                        f"receipt already used by claim {first.id} of {first.date.isoformat()}",
                        {
                            "first_claim_id": first.id,
                            "first_rep_id": first.rep_id,
                            "receipt_sha256": c.receipt_sha256,
                        },
                    )
                )
        alert_ids = list(critical_alerts.get(key, ()))
        if alert_ids:
            out.append(
                _flag(
                    "FRAUD_DAY_CLAIM",
                    c,
                    whole,
                    f"{c.category} claim of {_cny(whole)} on a day with {len(alert_ids)} critical "
                    "alert(s)",
                    {"alert_ids": sorted(alert_ids)},
                )
            )
        if c.category == "entertainment" and (
            c.customer_id is None or c.customer_id not in visited.get(key, set())
        ):
            out.append(
                _flag(
                    "ENTERTAINMENT_NO_VISIT",
                    c,
                    whole,
                    f"entertainment of {_cny(whole)} for customer {c.customer_id or '(none)'} "
                    "without a check-in at that customer that day",
                    {"customer_id": c.customer_id},
                )
            )
    out.extend(_over_cap(claims, config))
    return out

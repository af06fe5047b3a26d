"""The judge's pure core: authenticity rules (contract §2), expense rules (§3), integrity score.

Everything here is a pure function of its arguments: no database, no clock, no randomness.
``Alert`` and ``Flag`` are what the rules return; the service layer stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from dashboard.rules.catalog import CATALOG, SEVERITIES, codes

# Rule lists and severities come from the one catalog (``dashboard.rules.catalog``).
AUTHENTICITY_RULES = codes("authenticity")
EXPENSE_RULES = codes("expense")
SEVERITY = {code: CATALOG[code].severity for code in AUTHENTICITY_RULES}

# The judge's rule version: a stored rep-day judged under an older version is judged again, so a
# revised rule takes effect on the past too (open alerts that no longer hold are withdrawn).
JUDGE_VERSION = 2
# What changed in each version, per rule (quoted in the status events of withdrawn alerts).
JUDGE_REVISIONS: dict[int, dict[str, str]] = {
    2: {
        "IMPOSSIBLE_SPEED": "counts only fixes with accuracy_m <= 100 (coarse fixes are a "
        "data-quality event, contract §2a)",
        "STATIC_SPOOF": "counts only satellite fixes (identical network/wifi/fused positions are "
        "a phone's cached location, contract §2a)",
    },
}
SEVERITY_PENALTY = {"critical": 60, "high": 35, "medium": 15, "low": 5}


@dataclass(frozen=True)
class Alert:
    """One authenticity alert: one rule, one rep, one moment, with its evidence."""

    id: str
    rule: str
    rep_id: str
    ts: datetime
    local_date: date
    summary: str
    evidence: dict[str, Any]
    visit_id: str | None = None
    customer_id: str | None = None

    @property
    def severity(self) -> str:
        return SEVERITY[self.rule]


@dataclass(frozen=True)
class Flag:
    """One expense flag: one rule on one claim, with the amount the rule disputes."""

    id: str
    rule: str
    claim_id: str
    rep_id: str
    date: date
    amount: Decimal
    amount_at_risk: Decimal
    summary: str
    evidence: dict[str, Any]


@dataclass(frozen=True)
class AuthenticityConfig:
    """Thresholds of contract §2 (defaults are the contract's)."""

    max_speed_mps: float = 50.0
    min_jump_m: float = 1000.0
    # Fixes coarser than this never make a jump (contract §2; the track-cleaning limit) and count
    # as coarse in the device data-quality record (§2a).
    max_accuracy_m: float = 100.0
    accuracy_allowance_cap_m: float = 100.0
    track_window_s: float = 300.0
    track_mismatch_m: float = 1000.0
    static_min_fixes: int = 10
    static_min_span_s: float = 600.0
    min_dwell_s: float = 300.0
    photo_max_hamming: int = 6
    photo_time_slack_s: float = 900.0
    cluster_min_checkins: int = 3
    cluster_window_s: float = 3600.0
    cluster_radius_m: float = 100.0
    cluster_customer_min_m: float = 500.0
    device_min_reps: int = 2
    signal_gap_min_s: float = 1800.0
    # §2a: a device whose coarse share over its last ``device_check_days`` working days is above
    # this is listed as a device to check (never an alert).
    device_coarse_share: float = 0.30
    device_check_days: int = 5


@dataclass(frozen=True)
class ExpenseConfig:
    """Thresholds of contract §3 (defaults are the contract's)."""

    mileage_tolerance_pct: float = 15.0
    mileage_allowance_km: float = 2.0
    mileage_rate_cny_per_km: float = 0.8
    meal_cap_cny: float = 150.0
    hotel_cap_cny: float = 600.0
    entertainment_cap_cny: float = 1000.0

    def cap_cny(self, category: str) -> float | None:
        return {
            "meal": self.meal_cap_cny,
            "hotel": self.hotel_cap_cny,
            "entertainment": self.entertainment_cap_cny,
        }.get(category)


@dataclass(frozen=True)
class SettingSpec:
    """One configurable threshold: which config, its type and its allowed range (inclusive)."""

    key: str
    section: str  # "authenticity" | "expenses"
    kind: type
    minimum: float
    maximum: float
    default: Any = field(default=None)


_RANGES: dict[str, tuple[float, float]] = {
    "max_speed_mps": (1.0, 1000.0),
    "min_jump_m": (0.0, 100_000.0),
    "max_accuracy_m": (1.0, 100_000.0),
    "accuracy_allowance_cap_m": (0.0, 10_000.0),
    "track_window_s": (1.0, 7200.0),
    "track_mismatch_m": (1.0, 100_000.0),
    "static_min_fixes": (2, 10_000),
    "static_min_span_s": (0.0, 86_400.0),
    "min_dwell_s": (0.0, 86_400.0),
    "photo_max_hamming": (0, 32),
    "photo_time_slack_s": (0.0, 86_400.0),
    "cluster_min_checkins": (2, 100),
    "cluster_window_s": (60.0, 86_400.0),
    "cluster_radius_m": (1.0, 10_000.0),
    "cluster_customer_min_m": (1.0, 100_000.0),
    "device_min_reps": (2, 100),
    "signal_gap_min_s": (60.0, 86_400.0),
    "device_coarse_share": (0.0, 1.0),
    "device_check_days": (1, 366),
    "mileage_tolerance_pct": (0.0, 1000.0),
    "mileage_allowance_km": (0.0, 1000.0),
    "mileage_rate_cny_per_km": (0.01, 100.0),  # a rate of 0 would reimburse nothing
    "meal_cap_cny": (0.0, 1_000_000.0),
    "hotel_cap_cny": (0.0, 1_000_000.0),
    "entertainment_cap_cny": (0.0, 1_000_000.0),
}


def _specs() -> dict[str, SettingSpec]:
    out: dict[str, SettingSpec] = {}
    for section, cls in (("authenticity", AuthenticityConfig), ("expenses", ExpenseConfig)):
        defaults = cls()
        for f in fields(cls):
            low, high = _RANGES[f.name]
            kind = int if f.type in ("int", int) else float
            out[f.name] = SettingSpec(f.name, section, kind, low, high, getattr(defaults, f.name))
    return out


SETTINGS: dict[str, SettingSpec] = _specs()


def check_setting(key: str, value: Any) -> int | float:
    """Validate one threshold value for ``key``; return it typed, or raise ValueError naming it."""
    spec = SETTINGS.get(key)
    if spec is None:
        raise ValueError(f"unknown setting {key!r}; known: {', '.join(sorted(SETTINGS))}")
    if isinstance(value, str):
        try:
            value = int(value) if spec.kind is int else float(value)
        except ValueError:
            kind = "an integer" if spec.kind is int else "a number"
            raise ValueError(f"{key}: {value!r} is not {kind}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key}: expected a number, got {type(value).__name__}")
    if spec.kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"{key}: {value!r} is not an integer")
        value = int(value)
    else:
        value = float(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{key}: {value!r} is not a finite number")
    if not spec.minimum <= value <= spec.maximum:
        raise ValueError(f"{key}: {value!r} is outside {spec.minimum:g}..{spec.maximum:g}")
    return value


def build_configs(values: dict[str, Any]) -> tuple[AuthenticityConfig, ExpenseConfig]:
    """Build both configs from stored overrides (unknown or invalid keys raise ValueError)."""
    auth: dict[str, Any] = {}
    exp: dict[str, Any] = {}
    for key, value in values.items():
        checked = check_setting(key, value)
        (auth if SETTINGS[key].section == "authenticity" else exp)[key] = checked
    return AuthenticityConfig(**auth), ExpenseConfig(**exp)


def utc(t_s: float) -> datetime:
    """Epoch seconds → aware UTC datetime (microsecond precision)."""
    return datetime.fromtimestamp(round(float(t_s), 6), tz=UTC)


def iso_z(t_s: float) -> str:
    """Epoch seconds → ISO 8601 UTC text with a Z, to the second."""
    return utc(round(float(t_s))).strftime("%Y-%m-%dT%H:%M:%SZ")


from dashboard.rules.integrity import integrity_score  # noqa: E402  (re-exported)

__all__ = [
    "AUTHENTICITY_RULES",
    "CATALOG",
    "EXPENSE_RULES",
    "JUDGE_REVISIONS",
    "JUDGE_VERSION",
    "SETTINGS",
    "SEVERITIES",
    "SEVERITY",
    "Alert",
    "AuthenticityConfig",
    "ExpenseConfig",
    "Flag",
    "integrity_score",
]

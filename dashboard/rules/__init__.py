"""The judge's pure core: authenticity rules (contract §2), expense rules (§3), integrity score.

Everything here is a pure function of its arguments: no database, no clock, no randomness.
``Alert`` and ``Flag`` are what the rules return; the service layer stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from dashboard.rules.catalog import CATALOG, SEVERITIES, codes
from dashboard.thresholds import SETTINGS, SettingSpec, check_setting, default, section_values

# Rule lists and severities come from the one catalog (``dashboard.rules.catalog``).
AUTHENTICITY_RULES = codes("authenticity")
EXPENSE_RULES = codes("expense")
# Process rules (contract §5, §7): alerts of the same queue as the authenticity rules.
PROCESS_RULES = codes("process")
# Every rule whose findings are alerts (the alert queue's rules, in the order it lists them).
ALERT_RULES = AUTHENTICITY_RULES + PROCESS_RULES
# Alert rules judged per customer over its visits, not per rep-day: the rep-day judge leaves
# their alerts alone.
CUSTOMER_RULES = ("FREQUENCY_MISS",)
SEVERITY = {code: CATALOG[code].severity for code in ALERT_RULES}

# The judge's rule version: a stored rep-day judged under an older version is judged again, so a
# revised rule takes effect on the past too (open alerts that no longer hold are withdrawn).
JUDGE_VERSION = 4
# What changed in each version, per rule (quoted in the status events of withdrawn alerts).
JUDGE_REVISIONS: dict[int, dict[str, str]] = {
    2: {
        "IMPOSSIBLE_SPEED": "counts only fixes with accuracy_m <= 100 (coarse fixes are a "
        "data-quality event, contract §2a)",
        "STATIC_SPOOF": "counts only satellite fixes (identical network/wifi/fused positions are "
        "a phone's cached location, contract §2a)",
    },
    3: {
        "MILEAGE_INFLATED": "the tracked km to the metre, as the rollup keeps it, also when the "
        "judge recomputes it from the fixes (the result no longer depends on which it read)",
    },
    4: {
        "SOP_INCOMPLETE": "new rule (contract §7): an effective visit missing a required step of "
        "the template version it used",
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
    """Thresholds of contract §2 and §2a (defaults: ``dashboard.thresholds``, the contract's)."""

    max_speed_mps: float = default("max_speed_mps")
    min_jump_m: float = default("min_jump_m")
    # Fixes coarser than this never make a jump (contract §2; the track-cleaning limit) and count
    # as coarse in the device data-quality record (§2a).
    max_accuracy_m: float = default("max_accuracy_m")
    accuracy_allowance_cap_m: float = default("accuracy_allowance_cap_m")
    track_window_s: float = default("track_window_s")
    track_mismatch_m: float = default("track_mismatch_m")
    static_min_fixes: int = default("static_min_fixes")
    static_min_span_s: float = default("static_min_span_s")
    min_dwell_s: float = default("min_dwell_s")
    photo_max_hamming: int = default("photo_max_hamming")
    photo_time_slack_s: float = default("photo_time_slack_s")
    cluster_min_checkins: int = default("cluster_min_checkins")
    cluster_window_s: float = default("cluster_window_s")
    cluster_radius_m: float = default("cluster_radius_m")
    cluster_customer_min_m: float = default("cluster_customer_min_m")
    device_min_reps: int = default("device_min_reps")
    signal_gap_min_s: float = default("signal_gap_min_s")
    # §2a: a device whose coarse share over its last ``device_check_days`` working days is above
    # this is listed as a device to check (never an alert).
    device_coarse_share: float = default("device_coarse_share")
    device_check_days: int = default("device_check_days")


@dataclass(frozen=True)
class ExpenseConfig:
    """Thresholds of contract §3 (defaults: ``dashboard.thresholds``, the contract's)."""

    mileage_tolerance_pct: float = default("mileage_tolerance_pct")
    mileage_allowance_km: float = default("mileage_allowance_km")
    mileage_rate_cny_per_km: float = default("mileage_rate_cny_per_km")
    meal_cap_cny: float = default("meal_cap_cny")
    hotel_cap_cny: float = default("hotel_cap_cny")
    entertainment_cap_cny: float = default("entertainment_cap_cny")

    def cap_cny(self, category: str) -> float | None:
        return {
            "meal": self.meal_cap_cny,
            "hotel": self.hotel_cap_cny,
            "entertainment": self.entertainment_cap_cny,
        }.get(category)


def build_configs(values: dict[str, Any]) -> tuple[AuthenticityConfig, ExpenseConfig]:
    """Build both rule configs from stored overrides (unknown or invalid keys raise ValueError;
    keys of the track analysis only are ignored here)."""
    return (
        AuthenticityConfig(**section_values(values, "authenticity")),
        ExpenseConfig(**section_values(values, "expenses")),
    )


def utc(t_s: float) -> datetime:
    """Epoch seconds → aware UTC datetime (microsecond precision)."""
    return datetime.fromtimestamp(round(float(t_s), 6), tz=UTC)


def iso_z(t_s: float) -> str:
    """Epoch seconds → ISO 8601 UTC text with a Z, to the second."""
    return utc(round(float(t_s))).strftime("%Y-%m-%dT%H:%M:%SZ")


from dashboard.rules.integrity import integrity_score  # noqa: E402  (re-exported)

__all__ = [
    "ALERT_RULES",
    "AUTHENTICITY_RULES",
    "CATALOG",
    "CUSTOMER_RULES",
    "EXPENSE_RULES",
    "JUDGE_REVISIONS",
    "JUDGE_VERSION",
    "PROCESS_RULES",
    "SETTINGS",
    "SEVERITIES",
    "SEVERITY",
    "Alert",
    "AuthenticityConfig",
    "ExpenseConfig",
    "Flag",
    "SettingSpec",
    "build_configs",
    "check_setting",
    "integrity_score",
]

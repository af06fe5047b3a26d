"""Every configurable threshold, declared once: its default (the contract's), its allowed range,
and which configs read it (the judge's authenticity and expense rules, the track analysis).

The configs (``rules.AuthenticityConfig``, ``rules.ExpenseConfig``, ``tracks.TrackConfig``) take
their defaults from here, and one stored value (``rule_settings``, changed through
``dashboard.services.settings`` with an audit row) sets every config that reads the key: the
track's jump limit and IMPOSSIBLE_SPEED share ``max_speed_mps``, its cleaning limit and the coarse
fixes of §2a share ``max_accuracy_m``, its gaps and SIGNAL_GAP share ``signal_gap_min_s``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

SECTIONS = ("authenticity", "expenses", "tracks", "customers", "plans", "privacy")

# The unit of a setting, read from its key's suffix (shown next to the value on /admin).
_UNITS = (
    ("_mps", "m/s"),
    ("_kmh", "km/h"),
    ("_m", "m"),
    ("_s", "s"),
    ("_pct", "%"),
    ("_cny_per_km", "CNY/km"),
    ("_cny", "CNY"),
    ("_km", "km"),
    ("_days", "d"),
)


def unit_of(key: str) -> str:
    """The unit of a setting ("" for counts, shares and choices)."""
    if key.startswith("service_min_"):
        return "min"
    for suffix, unit in _UNITS:
        if key.endswith(suffix):
            return unit
    return ""


@dataclass(frozen=True)
class SettingSpec:
    """One configurable threshold: its primary section, type, range (inclusive) and default;
    ``sections`` lists every config that reads it."""

    key: str
    section: str
    kind: type
    minimum: float
    maximum: float
    default: Any
    sections: tuple[str, ...] = ()
    # A choice setting (kind str) takes one of these values; minimum/maximum are unused.
    choices: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        return unit_of(self.key)


def _spec(key: str, default: Any, low: float, high: float, *sections: str) -> SettingSpec:
    kind = int if isinstance(default, int) else float
    return SettingSpec(key, sections[0], kind, low, high, default, tuple(sections))


def _choice(key: str, default: str, choices: tuple[str, ...], *sections: str) -> SettingSpec:
    return SettingSpec(key, sections[0], str, 0, 0, default, tuple(sections), choices)


# Precision of the positions a role sees (issue 20): exact, snapped to ~100 m, or to ~1 km.
PRECISIONS = ("exact", "100m", "1km")

_AUTH, _EXP, _TRACK, _CUST, _PLAN, _PRIV = SECTIONS
_SPECS = (
    # Contract §2 (authenticity) and §2a (device data quality).
    _spec("max_speed_mps", 50.0, 1.0, 1000.0, _AUTH, _TRACK),
    _spec("min_jump_m", 1000.0, 0.0, 100_000.0, _AUTH),
    # Fixes coarser than this never make a jump, are cleaned off the track, and count as coarse.
    _spec("max_accuracy_m", 100.0, 1.0, 100_000.0, _AUTH, _TRACK),
    # GEOFENCE_MISS: a check-in may lie geofence_m + min(accuracy_m, this) from its customer.
    _spec("accuracy_allowance_cap_m", 100.0, 0.0, 10_000.0, _AUTH),
    _spec("track_window_s", 300.0, 1.0, 7200.0, _AUTH),
    _spec("track_mismatch_m", 1000.0, 1.0, 100_000.0, _AUTH),
    _spec("static_min_fixes", 10, 2, 10_000, _AUTH),
    _spec("static_min_span_s", 600.0, 0.0, 86_400.0, _AUTH),
    # SHORT_VISIT, and the dwell an effective visit needs (contract §5).
    _spec("min_dwell_s", 300.0, 0.0, 86_400.0, _AUTH),
    _spec("photo_max_hamming", 6, 0, 32, _AUTH),
    _spec("photo_time_slack_s", 900.0, 0.0, 86_400.0, _AUTH),
    _spec("cluster_min_checkins", 3, 2, 100, _AUTH),
    _spec("cluster_window_s", 3600.0, 60.0, 86_400.0, _AUTH),
    _spec("cluster_radius_m", 100.0, 1.0, 10_000.0, _AUTH),
    _spec("cluster_customer_min_m", 500.0, 1.0, 100_000.0, _AUTH),
    _spec("device_min_reps", 2, 2, 100, _AUTH),
    _spec("signal_gap_min_s", 1800.0, 60.0, 86_400.0, _AUTH, _TRACK),
    _spec("device_coarse_share", 0.30, 0.0, 1.0, _AUTH),
    _spec("device_check_days", 5, 1, 366, _AUTH),
    # Contract §3 (expenses).
    _spec("mileage_tolerance_pct", 15.0, 0.0, 1000.0, _EXP),
    _spec("mileage_allowance_km", 2.0, 0.0, 1000.0, _EXP),
    _spec("mileage_rate_cny_per_km", 0.8, 0.01, 100.0, _EXP),  # a rate of 0 reimburses nothing
    _spec("meal_cap_cny", 150.0, 0.0, 1_000_000.0, _EXP),
    _spec("hotel_cap_cny", 600.0, 0.0, 1_000_000.0, _EXP),
    _spec("entertainment_cap_cny", 1000.0, 0.0, 1_000_000.0, _EXP),
    # Track analysis: stay points (stops) and the trips between them.
    _spec("stop_distance_m", 100.0, 1.0, 10_000.0, _TRACK),
    _spec("stop_duration_s", 300.0, 0.0, 86_400.0, _TRACK),
    _spec("stop_gap_s", 900.0, 1.0, 86_400.0, _TRACK),
    _spec("stop_merge_m", 100.0, 0.0, 10_000.0, _TRACK),
    # Contract §5: effective visits a customer of each grade needs per 28 days (the interval
    # between visits is 28 ÷ that), and the days of grace before a due customer is overdue.
    _spec("visits_per_28d_a", 4, 1, 28, _CUST),
    _spec("visits_per_28d_b", 2, 1, 28, _CUST),
    _spec("visits_per_28d_c", 1, 1, 28, _CUST),
    _spec("frequency_grace_days", 3, 0, 365, _CUST),
    # Contract §6 (suggested plans): stops a day, average driving speed, service minutes per
    # grade, and the factor from straight-line to driven distance.
    _spec("max_visits_per_day", 8, 1, 50, _PLAN),
    _spec("avg_speed_kmh", 30.0, 1.0, 150.0, _PLAN),
    _spec("service_min_a", 45, 0, 480, _PLAN),
    _spec("service_min_b", 30, 0, 480, _PLAN),
    _spec("service_min_c", 20, 0, 480, _PLAN),
    _spec("detour_factor", 1.3, 1.0, 5.0, _PLAN),
    # Privacy: raw GPS fixes older than this are purged (visits, stops, rollups, alerts and
    # claims are kept), and the precision of the positions each role is shown.
    _spec("retention_days", 90, 7, 3650, _PRIV),
    _choice("precision_admin", "exact", PRECISIONS, _PRIV),
    _choice("precision_manager", "exact", PRECISIONS, _PRIV),
    _choice("precision_exec", "100m", PRECISIONS, _PRIV),
    _choice("precision_finance", "100m", PRECISIONS, _PRIV),
)

SETTINGS: MappingProxyType[str, SettingSpec] = MappingProxyType({s.key: s for s in _SPECS})


def default(key: str) -> Any:
    """The contract's default of a threshold (the configs' field defaults)."""
    return SETTINGS[key].default


def keys_of(section: str) -> tuple[str, ...]:
    """The keys a section's config reads, in declaration order."""
    if section not in SECTIONS:
        raise ValueError(f"unknown settings section {section!r}; known: {', '.join(SECTIONS)}")
    return tuple(s.key for s in _SPECS if section in s.sections)


def check_setting(key: str, value: Any) -> int | float | str:
    """Validate one threshold value for ``key``; return it typed, or raise ValueError naming it."""
    spec = SETTINGS.get(key)
    if spec is None:
        raise ValueError(f"unknown setting {key!r}; known: {', '.join(sorted(SETTINGS))}")
    if spec.choices:
        if not isinstance(value, str) or value not in spec.choices:
            raise ValueError(f"{key}: {value!r} is not one of {', '.join(spec.choices)}")
        return value
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


def section_values(values: dict[str, Any], section: str) -> dict[str, Any]:
    """The checked values of ``values`` that ``section``'s config reads (others are ignored;
    an unknown key or a bad value raises ValueError naming it)."""
    wanted = set(keys_of(section))
    return {k: check_setting(k, v) for k, v in values.items() if k in wanted or k not in SETTINGS}

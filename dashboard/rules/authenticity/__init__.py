"""Authenticity rules of contract §2 on one rep-day (plus the cross-rep photo and device rules).

Times are epoch seconds (UTC). Inputs need not be sorted unless said so. Each ``find_*`` function
returns ``Alert``s with deterministic ids (rule + subject), so re-judging never duplicates.
``judge_rep_day`` runs every rule registered with ``@rep_day_rule``.
"""

from __future__ import annotations

from dashboard.rules import Alert, AuthenticityConfig
from dashboard.rules.authenticity.day import (
    EMPTY_FIXES,
    GAP_REASONS,
    MOCK_EVENT_KINDS,
    SATELLITE_PROVIDERS,
    CheckOut,
    Customer,
    DeviceEvent,
    Fixes,
    Photo,
    RepDay,
    Visit,
    identical_runs,
    jump_segments,
    sorted_fixes,
)
from dashboard.rules.authenticity.devices import DeviceUse, find_shared_devices
from dashboard.rules.authenticity.location import (
    find_geofence_misses,
    find_impossible_speeds,
    find_mock_locations,
    find_static_spoofs,
    find_track_mismatches,
    geofence_limit_m,
)
from dashboard.rules.authenticity.photos import (
    IndexedPhoto,
    PhotoIndex,
    find_photo_reuse,
    hamming,
    phash_value,
)
from dashboard.rules.authenticity.registry import REP_DAY_RULES, rep_day_rule
from dashboard.rules.authenticity.visits import (
    find_clustered_checkins,
    find_off_hours,
    find_photo_time_mismatches,
    find_short_visits,
    find_signal_gaps,
)


def judge_rep_day(day: RepDay, config: AuthenticityConfig, local_hhmm) -> list[Alert]:
    """Run every per-rep-day authenticity rule (not PHOTO_REUSE, not DEVICE_SHARED)."""
    return [alert for rule in REP_DAY_RULES.values() for alert in rule.run(day, config, local_hhmm)]


__all__ = [
    "EMPTY_FIXES",
    "GAP_REASONS",
    "MOCK_EVENT_KINDS",
    "REP_DAY_RULES",
    "SATELLITE_PROVIDERS",
    "CheckOut",
    "Customer",
    "DeviceEvent",
    "DeviceUse",
    "Fixes",
    "IndexedPhoto",
    "Photo",
    "PhotoIndex",
    "RepDay",
    "Visit",
    "find_clustered_checkins",
    "find_geofence_misses",
    "find_impossible_speeds",
    "find_mock_locations",
    "find_off_hours",
    "find_photo_reuse",
    "find_photo_time_mismatches",
    "find_shared_devices",
    "find_short_visits",
    "find_signal_gaps",
    "find_static_spoofs",
    "find_track_mismatches",
    "geofence_limit_m",
    "hamming",
    "identical_runs",
    "judge_rep_day",
    "jump_segments",
    "phash_value",
    "rep_day_rule",
    "sorted_fixes",
]

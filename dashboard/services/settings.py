"""The one settings service: every threshold (the judge's rules, the finance caps, the track
analysis; ``dashboard.thresholds``) read from the settings store over the contract's defaults,
and changed with an audit row (who, when, before, after, why).

Every reader goes through here, so a stored value sets every config that reads its key, and a
hand-edited bad value falls back to the default for that key only instead of taking pages down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection, Engine

from dashboard.frequency import FrequencyConfig
from dashboard.rules import AuthenticityConfig, ExpenseConfig, build_configs
from dashboard.thresholds import SETTINGS, check_setting
from dashboard.tracks import TrackConfig
from data_access import settings as store


class SettingError(ValueError):
    """A setting change was refused; the message names the key and what is wrong."""


def stored_values(conn: Connection) -> dict[str, Any]:
    """The valid stored overrides (a key this version does not know, or no longer accepts, is
    left out: its default applies)."""
    valid = {}
    for key, value in store.fetch_settings(conn).items():
        try:
            valid[key] = check_setting(key, value)
        except ValueError:
            continue
    return valid


def current_values(engine: Engine) -> dict[str, dict[str, Any]]:
    """Return every known setting: value, default, section, range, and whether it is overridden."""
    with engine.connect() as conn:
        stored = stored_values(conn)
    out = {}
    for key, spec in sorted(SETTINGS.items()):
        out[key] = {
            "value": stored.get(key, spec.default),
            "default": spec.default,
            "overridden": key in stored,
            "section": spec.section,
            "type": spec.kind.__name__,
            "min": spec.minimum,
            "max": spec.maximum,
            "unit": spec.unit,
            "choices": list(spec.choices),
        }
    return out


class Thresholds(NamedTuple):
    """Every config in force, read together."""

    authenticity: AuthenticityConfig
    expenses: ExpenseConfig
    tracks: TrackConfig


def thresholds_of(conn: Connection) -> Thresholds:
    """Every config in force, read on an open connection."""
    values = stored_values(conn)
    return Thresholds(*build_configs(values), TrackConfig.from_values(values))


def load_all(engine: Engine) -> Thresholds:
    """Every config in force: the rules', the finance caps' and the track analysis'."""
    with engine.connect() as conn:
        return thresholds_of(conn)


def load_configs(engine: Engine) -> tuple[AuthenticityConfig, ExpenseConfig]:
    """Return the rule configs in force (stored overrides over the defaults)."""
    with engine.connect() as conn:
        return build_configs(stored_values(conn))


def expense_config_of(conn: Connection) -> ExpenseConfig:
    """The expense thresholds in force, read on an open connection."""
    return build_configs(stored_values(conn))[1]


def load_expense_config(engine: Engine) -> ExpenseConfig:
    """The expense thresholds (finance caps, mileage band and rate) in force."""
    with engine.connect() as conn:
        return expense_config_of(conn)


def track_config_of(conn: Connection) -> TrackConfig:
    """The track analysis' thresholds in force, read on an open connection."""
    return TrackConfig.from_values(stored_values(conn))


def load_track_config(engine: Engine) -> TrackConfig:
    """The track analysis' thresholds in force."""
    with engine.connect() as conn:
        return track_config_of(conn)


def frequency_config_of(conn: Connection) -> FrequencyConfig:
    """The visit-frequency rules in force (``visits_per_28d_a/b/c``, ``frequency_grace_days``),
    read on an open connection: what the KPIs, the tasks and FREQUENCY_MISS all read."""
    return FrequencyConfig.from_values(stored_values(conn))


def load_frequency_config(engine: Engine) -> FrequencyConfig:
    """The visit-frequency rules in force."""
    with engine.connect() as conn:
        return frequency_config_of(conn)


def save_values(
    engine: Engine,
    values: Mapping[str, Any],
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Validate and store thresholds in one transaction, an audit row for each that changed;
    return {key: (before, after)} of those (before = the default when it was not set)."""
    if not actor or not str(actor).strip():
        raise SettingError("by: the name of who changes the setting is required")
    try:
        checked = {key: check_setting(key, value) for key, value in values.items()}
    except ValueError as exc:
        raise SettingError(str(exc)) from None
    with engine.begin() as conn:
        replaced = store.save_settings(conn, checked, actor=str(actor).strip(), now=now, note=note)
    return {
        key: (SETTINGS[key].default if before is None else before, checked[key])
        for key, before in replaced.items()
    }


def set_value(
    engine: Engine, key: str, value: Any, *, actor: str, now: datetime, note: str | None = None
) -> tuple[Any, Any]:
    """Validate and store one threshold with its audit row; return (before, after)."""
    changed = save_values(engine, {key: value}, actor=actor, now=now, note=note)
    if key in changed:
        return changed[key]
    same = check_setting(key, value)
    return same, same


def audit_log(
    engine: Engine, *, keys: Iterable[str] | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Return the newest settings changes first (all keys, or those of ``keys``)."""
    with engine.connect() as conn:
        return [dict(row) for row in store.fetch_settings_audit(conn, keys, limit=limit)]

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
from data_access import quality as derived
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


# ------------------------------------------------------------------ a change on /admin

# What is derived again after a key changes, by the configs that read it: the judge reads the
# authenticity, expense and track configs (``load_all``), the rollups the authenticity and track
# ones; the daily step makes the visit tasks and FREQUENCY_MISS with the frequency rules. The
# KPIs, the finance ledger, the plan suggestions and the privacy settings read the store at each
# use, so their change needs nothing more.
JUDGED_BY = ("authenticity", "expenses", "tracks")
ROLLED_UP_BY = ("authenticity", "tracks")
DAILY_BY = ("customers",)


class Change(NamedTuple):
    """One audited change and what it set in motion: ``rejudged`` rep-days to be judged again
    (their rollups recomputed when ``recomputed``), ``daily_again`` when the day's visit tasks
    and FREQUENCY_MISS run again at the next background pass."""

    key: str
    before: Any
    after: Any
    rejudged: int = 0
    recomputed: bool = False
    daily_again: bool = False


def _reason(reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise SettingError("reason: say why the setting changes (required)")
    return text


def _known(key: Any) -> str:
    if not isinstance(key, str) or key not in SETTINGS:
        raise SettingError(f"setting: {key!r} is not a known setting")
    return key


def _take_effect(conn: Connection, key: str, before: Any, after: Any) -> Change:
    """Mark what the new value of ``key`` changes for the background work to derive again."""
    sections = set(SETTINGS[key].sections)
    rejudged = derived.mark_all_unjudged(conn) if sections & set(JUDGED_BY) else 0
    recomputed = bool(sections & set(ROLLED_UP_BY))
    if recomputed:
        derived.mark_all_dirty(conn)
    daily = bool(sections & set(DAILY_BY))
    if daily:
        from dashboard.services.tasks import DAILY_KEY  # tasks reads this module

        derived.store_version(conn, DAILY_KEY, 0)  # the daily step is pending again
    return Change(key, before, after, rejudged, recomputed, daily)


def change_setting(
    engine: Engine, key: Any, value: Any, *, actor: str, now: datetime, reason: Any
) -> Change:
    """Set one setting with a required reason (the audit row's note) and mark what it changes
    to be derived again, in one transaction; a value already in force is refused."""
    key, note = _known(key), _reason(reason)
    if not actor or not str(actor).strip():
        raise SettingError("by: the name of who changes the setting is required")
    try:
        checked = check_setting(key, value)
    except ValueError as exc:
        raise SettingError(str(exc)) from None
    with engine.begin() as conn:
        in_force = stored_values(conn).get(key, SETTINGS[key].default)
        if checked == in_force:
            raise SettingError(f"{key}: {checked!r} is already the value in force")
        store.save_settings(conn, {key: checked}, actor=str(actor).strip(), now=now, note=note)
        return _take_effect(conn, key, in_force, checked)


def reset_setting(engine: Engine, key: Any, *, actor: str, now: datetime, reason: Any) -> Change:
    """Put one setting back to its default with a required reason (audited: before → the
    default) and mark what it changes to be derived again; a setting at its default is refused."""
    key, note = _known(key), _reason(reason)
    if not actor or not str(actor).strip():
        raise SettingError("by: the name of who changes the setting is required")
    default = SETTINGS[key].default
    with engine.begin() as conn:
        in_force = stored_values(conn).get(key, default)
        dropped, _old = store.reset_setting(
            conn, key, default=default, actor=str(actor).strip(), now=now, note=note
        )
        if not dropped:
            raise SettingError(f"{key}: already at its default {default!r}")
        if in_force == default:  # a stored value equal to the default: nothing to derive
            return Change(key, in_force, default)
        return _take_effect(conn, key, in_force, default)


def audit_log(
    engine: Engine, *, keys: Iterable[str] | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Return the newest settings changes first (all keys, or those of ``keys``)."""
    with engine.connect() as conn:
        return [dict(row) for row in store.fetch_settings_audit(conn, keys, limit=limit)]

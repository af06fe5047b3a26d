"""Rule thresholds: read from ``rule_settings`` over the contract's defaults, changed with an audit
row (who, when, before, after, note)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from dashboard.rules import (
    SETTINGS,
    AuthenticityConfig,
    ExpenseConfig,
    build_configs,
    check_setting,
)
from data_access import judge as store


class SettingError(ValueError):
    """A setting change was refused; the message names the key and what is wrong."""


def current_values(engine: Engine) -> dict[str, dict[str, Any]]:
    """Return every known setting: value, default, section, range, and whether it is overridden."""
    with engine.connect() as conn:
        stored = store.fetch_settings(conn)
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
        }
    return out


def load_configs(engine: Engine) -> tuple[AuthenticityConfig, ExpenseConfig]:
    """Return the rule configs in force (stored overrides over the defaults)."""
    with engine.connect() as conn:
        stored = store.fetch_settings(conn)
    # A stored key this version does not know (or no longer accepts) falls back to the default.
    valid = {}
    for key, value in stored.items():
        try:
            valid[key] = check_setting(key, value)
        except ValueError:
            continue
    return build_configs(valid)


def set_value(
    engine: Engine, key: str, value: Any, *, actor: str, now: datetime, note: str | None = None
) -> tuple[Any, Any]:
    """Validate and store one threshold with its audit row; return (before, after)."""
    if not actor or not str(actor).strip():
        raise SettingError("by: the name of who changes the setting is required")
    try:
        checked = check_setting(key, value)
    except ValueError as exc:
        raise SettingError(str(exc)) from None
    with engine.begin() as conn:
        before = store.store_setting(
            conn, key=key, value=checked, actor=str(actor).strip(), at=now, note=note
        )
    return (SETTINGS[key].default if before is None else before), checked


def audit_log(engine: Engine, *, limit: int = 100) -> list[dict[str, Any]]:
    """Return the newest settings changes first."""
    with engine.connect() as conn:
        return [dict(row) for row in store.fetch_settings_audit(conn, limit=limit)]

"""What a request handler or Dash callback needs from the running app."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy.engine import Engine

from dashboard.services.db import get_engine
from dashboard.services.users import User
from dashboard.settings import Settings

SETTINGS_KEY = "COCKPIT_SETTINGS"


def current_settings() -> Settings:
    """Return the settings of the app serving this request."""
    return current_app.config[SETTINGS_KEY]


def current_engine() -> Engine:
    """Return the engine of the app serving this request."""
    return get_engine(current_settings().database_url)


def signed_in_user() -> User | None:
    """Return the signed-in user, or None for an anonymous caller."""
    if current_user and current_user.is_authenticated:
        return current_user.user
    return None


def require_user(roles: tuple[str, ...] | None = None) -> User:
    """Return the signed-in user; answer 401/403 when absent or of a role not in ``roles``."""
    user = signed_in_user()
    if user is None:
        abort(401)
    if roles is not None and user.role not in roles:
        abort(403)
    return user


def company_today() -> date:
    """Return today's date in the company's time zone (for periods such as 'today')."""
    return datetime.now(UTC).astimezone(ZoneInfo(current_settings().timezone)).date()

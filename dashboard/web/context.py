"""What a request handler or Dash callback needs from the running app."""

from __future__ import annotations

from flask import current_app
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

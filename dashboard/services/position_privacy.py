"""The position precision in force for a viewer (issue 20) and its application at the output edge.

One setting per role (``precision_admin|manager|exec|finance``: exact / 100m / 1km, declared in
``dashboard.thresholds``). A wall link shows the company's screen: it gets the exec's precision,
and its ``privacy=1`` mode is never finer than ``1km``. API tokens are integrations feeding
company-wide reports: they get the exec's precision (``~100 m`` by default, as exports should).

Every service that hands positions of people to a page, an export or the API snaps them here;
the stored fixes, and every distance, rule and KPI computed from them, stay exact.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, Engine

from dashboard import privacy
from dashboard.services.settings import stored_values
from dashboard.thresholds import SETTINGS

# The role whose setting a non-person viewer takes.
_ROLE_OF = {"wall": "exec", "api": "exec"}
# The wall's privacy mode: at least this coarse.
WALL_PRIVACY = "1km"


def precision_key(role: str) -> str:
    """The setting that holds ``role``'s precision (unknown roles: the exec's, the coarsest
    default, rather than exact)."""
    role = _ROLE_OF.get(role, role)
    key = f"precision_{role}"
    return key if key in SETTINGS else "precision_exec"


def precision_in(conn: Connection, role: str) -> str:
    """The precision in force for ``role`` on an open connection."""
    key = precision_key(role)
    return str(stored_values(conn).get(key, SETTINGS[key].default))


def precision_for(engine: Engine, role: str, *, wall_privacy: bool = False) -> str:
    """The precision in force for ``role``; with the wall's privacy mode, at least ``1km``."""
    with engine.connect() as conn:
        precision = precision_in(conn, role)
    return privacy.coarsest(precision, WALL_PRIVACY) if wall_privacy else precision


def reduce(value: Any, precision: str) -> Any:
    """``value`` (JSON-like) with every person's position snapped to ``precision``."""
    return privacy.snap_tree(value, precision)

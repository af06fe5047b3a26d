"""Ids of the customer pages' elements, declared once for their layouts and callbacks."""

from components.grids import GRID

# The list page (/customers).
QUERY = "customers-query"
REFRESH = "customers-refresh"
GRADE = "customers-grade"
STATUS = "customers-status"
OWNER = "customers-owner"
CITY = "customers-city"
TEXT = "customers-text"
WHITE = "customers-white"
TILES = "customers-tiles"
LIST_GRID = {"type": GRID, "name": "customers-list"}
EXPORT = "customers-export"  # + -csv, -xlsx, -download, and the job row (components.jobs)
SHOWN = "customers-shown"
# The coverage map.
MAP = "customers-map"
MAP_LAYER = "customers-map-layer"
MAP_TILES = "customers-map-tiles"
MAP_NOTE = "customers-map-note"
# Orphans and their handover.
ORPHAN_GRID = {"type": GRID, "name": "customers-orphans"}
ORPHAN_TO = "customers-orphan-to"
ORPHAN_PREVIEW = "customers-orphan-preview"
ORPHAN_MESSAGE = "customers-orphan-message"
HANDOVER = "customers-handover"
HANDOVER_BODY = "customers-handover-body"
HANDOVER_YES = "customers-handover-yes"
HANDOVER_NO = "customers-handover-no"
HANDOVER_PLAN = "customers-handover-plan"
# The profile page (/customers/<customer_id>).
PROFILE_ID = "customer-profile-id"
PROFILE = "customer-profile"
PROFILE_VISITS = {"type": GRID, "name": "customer-visits"}
PROFILE_ORDERS = "customer-orders-chart"
SHELL_URL = "shell-url"
# The regrade panel on the list page (admins).
REGRADE = "customers-regrade"
REGRADE_BODY = "customers-regrade-body"
REGRADE_PLAN = "customers-regrade-plan"
REGRADE_REASON = "customers-regrade-reason"
REGRADE_APPLY = "customers-regrade-apply"
REGRADE_MESSAGE = "customers-regrade-message"
REGRADE_REFRESH = "customers-regrade-refresh"
# A customer's grade history and lock on the profile.
GRADE_CARD = "customer-grade"
GRADE_REFRESH = "customer-grade-refresh"
GRADE_REASON = "customer-grade-reason"
GRADE_LOCK = "customer-grade-lock"
GRADE_UNLOCK = "customer-grade-unlock"
GRADE_MESSAGE = "customer-grade-message"

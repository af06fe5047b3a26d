"""Ids of the expense-audit page's elements, declared once for its layout and its callbacks."""

from components.grids import GRID

QUERY = "finance-query"
REFRESH = "finance-refresh"
CATEGORY = "finance-category"
STATUS = "finance-status"
FLAG = "finance-flag"
TOTALS = "finance-totals"
TABS = "finance-tabs"
# Claims: the grid, one claim's evidence (full screen below lg), decisions and bulk approval.
CLAIMS_GRID = {"type": GRID, "name": "finance-claims"}
CLAIMS_EXPORT = "finance-claims-export"  # + -csv, -xlsx, -download
CLAIMS_SHOWN = "finance-claims-shown"
EVIDENCE = "finance-evidence"
EVIDENCE_PANE = "finance-evidence-pane"
EVIDENCE_CLOSE = "finance-evidence-close"
NOTE = "finance-note"
APPROVE = "finance-approve"
REJECT = "finance-reject"
QUERY_BTN = "finance-query-button"
MESSAGE = "finance-decision-message"
BULK = "finance-approve-clean"
CONFIRM = "finance-confirm"
CONFIRM_BODY = "finance-confirm-body"
CONFIRM_YES = "finance-confirm-yes"
CONFIRM_NO = "finance-confirm-no"
CLEAN_IDS = "finance-clean-ids"
# Mileage.
MILEAGE_GRID = {"type": GRID, "name": "finance-mileage"}
MILEAGE_EXPORT = "finance-mileage-export"
MILEAGE_SHOWN = "finance-mileage-shown"
RATIO = "finance-ratio-chart"
# Statement.
ST_BY = "finance-statement-by"
ST_MONTH = "finance-statement-month"
ST_BODY = "finance-statement"
ST_XLSX = "finance-statement-xlsx"
ST_JOB = "finance-statement-export"  # the statement export's job row (components.jobs)
ST_DOWNLOAD = "finance-statement-download"
ST_PRINT = "finance-statement-print"
# What-if sandbox: one number input per rule setting (components.finance.what_if.SETTINGS).
WI_KEYS = ("pct", "km", "rate", "meal", "hotel", "ent")
WI_INPUTS = [f"finance-wi-{key}" for key in WI_KEYS]
WI_RUN = "finance-wi-run"
WI_JOB = "finance-wi-job"  # the back-test's job row (components.jobs)
WI_SAVE = "finance-wi-save"
WI_RESULT = "finance-wi-result"
WI_MESSAGE = "finance-wi-message"
WI_AUDIT = "finance-wi-audit-list"
SHELL_URL = "shell-url"

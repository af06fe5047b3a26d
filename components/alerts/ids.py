"""Ids of the anti-cheat centre's elements, declared once for its layout and its callbacks."""

from components.grids import GRID

QUERY = "alerts-query"
REFRESH = "alerts-refresh"
RULE = "alerts-rule"
SEVERITY = "alerts-severity"
STATUS = "alerts-status"
# The picker of each page filter, by its URL query key.
PICKERS = {"rule": RULE, "severity": SEVERITY, "status": STATUS}
COUNTS = "alerts-counts"
QUEUE_GRID = "alerts-queue"
QUEUE_GRID_ID = {"type": GRID, "name": QUEUE_GRID}
EVIDENCE = "alerts-evidence"
EVIDENCE_PANE = "alerts-evidence-pane"
EVIDENCE_CLOSE = "alerts-evidence-close"
HISTORY = "alerts-history"
FEEDBACK = "alerts-feedback"
REP = "alerts-rep"
# Pattern types of the triage controls: {"type": ACTION, "action": ...}, {"type": NOTE,
# "name": "triage"}, {"type": ASSIGNEE, "name": "triage"} (absent for read-only roles).
ACTION = "alerts-action"
ASSIGNEE = "alerts-assignee"
NOTE = "alerts-note"
SHELL_URL = "shell-url"

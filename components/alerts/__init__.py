"""The anti-cheat centre's pieces, one module per job; they render what they are given."""

from components.alerts import ids
from components.alerts.device_events import device_events
from components.alerts.evidence_map import fit_zoom, mini_map
from components.alerts.evidence_panel import (
    evidence_outputs,
    evidence_panel,
    evidence_placeholder,
    rep_view_href,
)
from components.alerts.evidence_values import (
    REFERENCE_KEYS,
    THRESHOLDS,
    evidence_table,
    fmt_duration,
    fmt_evidence,
    local_time,
)
from components.alerts.ids import QUEUE_GRID, QUEUE_GRID_ID
from components.alerts.layout import alerts_page, pickers, pickers_search
from components.alerts.photos import hamming, photo_pair
from components.alerts.queue import (
    counts_strip,
    queue_columns,
    queue_grid,
    queue_rows,
)
from components.alerts.rep_view import rep_card, rep_history_figure, rep_view
from components.alerts.triage import (
    history_list,
    history_placeholder,
    triage_card,
    triage_feedback,
)

__all__ = [
    "QUEUE_GRID",
    "QUEUE_GRID_ID",
    "REFERENCE_KEYS",
    "THRESHOLDS",
    "alerts_page",
    "counts_strip",
    "device_events",
    "evidence_outputs",
    "evidence_panel",
    "evidence_placeholder",
    "evidence_table",
    "fit_zoom",
    "fmt_duration",
    "fmt_evidence",
    "hamming",
    "history_list",
    "history_placeholder",
    "ids",
    "local_time",
    "mini_map",
    "photo_pair",
    "pickers",
    "pickers_search",
    "queue_columns",
    "queue_grid",
    "queue_rows",
    "rep_card",
    "rep_history_figure",
    "rep_view",
    "rep_view_href",
    "triage_card",
    "triage_feedback",
]

"""Finance presentation, one module per job; it renders what it is given."""

from components.finance import ids
from components.finance.common import CATEGORIES, STATUSES, km, money
from components.finance.controls import filters_search, page_filters
from components.finance.decisions import (
    clean_preview,
    done_message,
    finance_error,
    nothing_selected,
)
from components.finance.evidence import evidence_panel, history_list, selection_summary
from components.finance.exports import (
    background_export,
    export_buttons,
    export_bytes,
    shown_note,
)
from components.finance.ids import CLAIMS_EXPORT, CLAIMS_SHOWN, MILEAGE_EXPORT, MILEAGE_SHOWN
from components.finance.layout import finance_page
from components.finance.ledger import (
    claim_columns,
    claim_rows,
    claims_grid,
    ledger_file,
    ledger_outputs,
    totals_tiles,
)
from components.finance.mileage import (
    mileage_columns,
    mileage_grid,
    mileage_rows,
    mileage_table,
    ratio_figure,
)
from components.finance.statement import (
    statement_columns,
    statement_file,
    statement_rows,
    statement_table,
)
from components.finance.what_if import (
    audit_list,
    proposed_settings,
    saved_note,
    what_if_inputs,
    what_if_table,
    what_if_values,
)

__all__ = [
    "CATEGORIES",
    "CLAIMS_EXPORT",
    "CLAIMS_SHOWN",
    "MILEAGE_EXPORT",
    "MILEAGE_SHOWN",
    "STATUSES",
    "audit_list",
    "background_export",
    "claim_columns",
    "claim_rows",
    "claims_grid",
    "clean_preview",
    "done_message",
    "evidence_panel",
    "export_buttons",
    "export_bytes",
    "filters_search",
    "finance_error",
    "finance_page",
    "history_list",
    "ids",
    "km",
    "ledger_file",
    "ledger_outputs",
    "mileage_columns",
    "mileage_grid",
    "mileage_rows",
    "mileage_table",
    "money",
    "nothing_selected",
    "page_filters",
    "proposed_settings",
    "ratio_figure",
    "saved_note",
    "selection_summary",
    "shown_note",
    "statement_columns",
    "statement_file",
    "statement_rows",
    "statement_table",
    "totals_tiles",
    "what_if_inputs",
    "what_if_table",
    "what_if_values",
]

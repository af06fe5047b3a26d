"""Finance presentation, one module per job; it renders what it is given."""

from components.finance.common import CATEGORIES, STATUSES, km, money
from components.finance.evidence import evidence_panel, history_list, selection_summary
from components.finance.exports import (
    CLAIMS_EXPORT,
    CLAIMS_SHOWN,
    MILEAGE_EXPORT,
    MILEAGE_SHOWN,
    export_buttons,
    export_bytes,
    shown_note,
)
from components.finance.ledger import (
    claim_columns,
    claim_rows,
    claims_grid,
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
from components.finance.statement import statement_columns, statement_rows, statement_table
from components.finance.what_if import audit_list, what_if_inputs, what_if_table

__all__ = [
    "CATEGORIES",
    "CLAIMS_EXPORT",
    "CLAIMS_SHOWN",
    "MILEAGE_EXPORT",
    "MILEAGE_SHOWN",
    "STATUSES",
    "audit_list",
    "claim_columns",
    "claim_rows",
    "claims_grid",
    "evidence_panel",
    "export_buttons",
    "export_bytes",
    "history_list",
    "km",
    "ledger_outputs",
    "mileage_columns",
    "mileage_grid",
    "mileage_rows",
    "mileage_table",
    "money",
    "ratio_figure",
    "selection_summary",
    "shown_note",
    "statement_columns",
    "statement_rows",
    "statement_table",
    "totals_tiles",
    "what_if_inputs",
    "what_if_table",
]

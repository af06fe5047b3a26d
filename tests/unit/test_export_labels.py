"""Files a person reads say what the grid shows (issue 23): a column whose cells keep a code and
show its label (categories, statuses) is exported as labels in the viewer's language, in a sheet
named in that language."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from components.customers.listing import list_columns
from components.finance.common import CATEGORIES, STATUSES, code_labels
from components.finance.exports import export_bytes
from components.finance.ledger import claim_columns
from components.finance.mileage import mileage_columns
from components.finance.statement import reason_words, statement_rows
from components.grids import formatter_labels, label_formatter, to_xlsx_bytes
from components.i18n import t

ROWS = [
    {"claim_id": "e-1", "category": "entertainment", "status": "approved", "amount": 120.5},
    {"claim_id": "e-2", "category": "mileage", "status": "pending", "amount": 30.0},
    # A code the tables do not know is kept as it is, and an empty cell stays empty.
    {"claim_id": "e-3", "category": "parking", "status": None, "amount": 8.0},
]


def _sheet(data: bytes):
    book = load_workbook(io.BytesIO(data))
    return book.sheetnames, [[c.value for c in row] for row in book.active.iter_rows()]


def test_the_formatter_table_reads_back():
    labels = {"open": "待处理", "x'y": 'a "quoted" label'}
    assert formatter_labels({"valueFormatter": label_formatter(labels)}) == labels
    assert formatter_labels({"valueFormatter": code_labels("fin.status", STATUSES, "zh")}) == {
        s: t(f"fin.status.{s}", "zh") for s in STATUSES
    }
    # Number formats and plain columns have no table.
    assert (
        formatter_labels({"valueFormatter": {"function": "d3.format(',.1f')(params.value)"}}) == {}
    )
    assert formatter_labels({"field": "claim_id"}) == {}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_claims_xlsx_and_csv_hold_labels_not_codes(lang):
    columns = claim_columns(lang)
    header = {c["field"]: c["headerName"] for c in columns}
    sheets, rows = _sheet(export_bytes(ROWS, columns, "xlsx", sheet=t("export.sheet", lang)))
    assert sheets == [t("export.sheet", lang)]
    cat, status = rows[0].index(header["category"]), rows[0].index(header["status"])
    assert [r[cat] for r in rows[1:]] == [
        t("fin.cat.entertainment", lang),
        t("fin.cat.mileage", lang),
        "parking",
    ]
    assert [r[status] for r in rows[1:]] == [
        t("fin.status.approved", lang),
        t("fin.status.pending", lang),
        None,
    ]
    text = export_bytes(ROWS, columns, "csv").decode("utf-8-sig")
    assert t("fin.cat.entertainment", lang) in text and t("fin.status.pending", lang) in text
    lines = text.splitlines()
    assert lines[1].split(",")[cat] == t("fin.cat.entertainment", lang)
    if lang == "zh":  # (English labels of statuses are the codes' own words)
        assert "entertainment" not in text and "approved" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_coded_finance_and_customer_column_is_labelled_in_files(lang):
    coded = {
        c["field"]: formatter_labels(c)
        for cols in (claim_columns(lang), mileage_columns(lang), list_columns(lang))
        for c in cols
        if formatter_labels(c)
    }
    assert set(coded) == {"category", "status"}
    assert set(coded["category"]) == set(CATEGORIES)


def test_the_generic_grid_xlsx_labels_coded_columns_in_its_sheet():
    columns = [
        {
            "field": "status",
            "headerName": "状态",
            "valueFormatter": label_formatter({"open": "待处理"}),
        },
        {"field": "n", "headerName": "次数"},
    ]
    sheets, rows = _sheet(to_xlsx_bytes([{"status": "open", "n": 3}], columns, "数据"))
    assert sheets == ["数据"] and rows == [["状态", "次数"], ["待处理", 3]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_statements_reasons_name_the_rules_and_keep_typed_notes(lang):
    text = "DUPLICATE_RECEIPT ×2; OVER_CAP ×1; “NOT_A_RULE kept” ×1; NO_SUCH_RULE ×1"
    want = (
        f"{t('rule.DUPLICATE_RECEIPT.name', lang)} ×2; {t('rule.OVER_CAP.name', lang)} ×1; "
        "“NOT_A_RULE kept” ×1; NO_SUCH_RULE ×1"
    )
    assert reason_words(text, lang) == want
    rows = statement_rows(pd.DataFrame([{"rep_name": "张伟", "reasons": text}]), lang)
    assert rows == [{"rep_name": "张伟", "reasons": want}]

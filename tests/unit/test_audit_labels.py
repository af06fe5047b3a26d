"""The audit log in the viewer's language (issue 23): every trail and action the code writes has
words in both languages, and the page's grid and CSV show them instead of the codes."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from components.admin import AUDIT_FIELDS, audit_file, audit_rows, audit_text
from components.i18n import t
from dashboard.finance import ACTIONS as CLAIM_ACTIONS
from dashboard.services import admin, grades
from dashboard.services.alerts import ACTIONS as ALERT_ACTIONS
from data_access.alerts import SUBJECT_ALERT

ROOT = Path(__file__).resolve().parents[2]
# Literal codes written on the trail: action="…", "action": "…", "trail": "…" (data_access/admin.py
# names its own trails), and the services' constants.
LITERAL = re.compile(r"""(?:\baction=|"action": |"trail": )"([a-z_]+)\"""")


def _written(field: str) -> set[str]:
    found = set()
    for path in [*ROOT.glob("dashboard/**/*.py"), *ROOT.glob("data_access/**/*.py")]:
        if "cli" in path.parts:  # argparse's action="store_true", not a trail's
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            for match in LITERAL.finditer(line):
                is_trail = match.group(0).startswith('"trail"')
                if is_trail == (field == "trail"):
                    found.add(match.group(1))
    return found


def test_the_scan_finds_the_codes_of_each_kind():
    assert {"setting", "owner", "grade", "wall_link"} <= _written("trail")
    assert {"create", "set_role", "revoke", "handover", "apply"} <= _written("action")


TRAILS = sorted(
    _written("trail")
    | {SUBJECT_ALERT, "expense_flag", "claim", "rep", admin.USER_KIND, admin.TOKEN_KIND}
    | {grades.SUBJECT_REGRADE, grades.SUBJECT_CUSTOMER}
)
ACTIONS = sorted(
    _written("action")
    | set(ALERT_ACTIONS)
    | set(CLAIM_ACTIONS)
    | {"withdraw", "judge_note", "lock_grade", "unlock_grade", "reactivate", "deactivate"}
    | {"ingest", "handover", "person", "demo"}  # owner and grade changes: their source
)


@pytest.mark.parametrize(
    "field, code", [*(("trail", c) for c in TRAILS), *(("action", c) for c in ACTIONS)]
)
def test_every_written_trail_and_action_has_words_in_both_languages(field, code):
    zh, en = audit_text(field, code, "zh"), audit_text(field, code, "en")
    assert zh != code, f"{field} {code} has no Chinese words"
    assert not re.search(r"[A-Za-z]{2,}", zh.replace("API", "")), zh
    assert en and not re.search(r"[\u4e00-\u9fff]", en)


def test_codes_without_words_and_free_fields_are_shown_as_stored():
    assert audit_text("after", "90", "zh") == "90"  # a setting's value
    assert audit_text("subject", "alert", "zh") == "alert"  # a subject is an id, never worded
    assert audit_text("action", "some_new_action", "zh") == "some_new_action"
    assert audit_text("before", None, "zh") is None
    assert audit_text("after", "approved", "zh") == t("fin.status.approved", "zh")
    assert audit_text("after", "manager", "en") == t("role.manager", "en")


LOG = [
    {
        "at": datetime(2026, 11, 26, 8, 30, tzinfo=UTC),
        "actor": "王经理",
        "trail": "alert",
        "subject": "a-17",
        "action": "acknowledge",
        "before": "open",
        "after": "acknowledged",
        "note": None,
    },
    {
        "at": datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        "actor": "admin",
        "trail": "user",
        "subject": "li.na",
        "action": "set_role",
        "before": "manager",
        "after": "finance",
        "note": "调岗",
    },
]


def test_the_grid_rows_and_the_csv_speak_the_viewers_language():
    rows = audit_rows(LOG, "zh")
    assert rows[0]["at"] == "2026-11-26T08:30:00+00:00"
    assert [rows[0]["trail"], rows[0]["action"], rows[0]["after"]] == [
        t("audit.trail.alert", "zh"),
        t("alerts.action.acknowledge", "zh"),
        t("alerts.status.acknowledged", "zh"),
    ]
    assert rows[1]["subject"] == "li.na" and rows[1]["after"] == t("role.finance", "zh")
    text = audit_file(LOG, "zh")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0] == [t(f"admin.col.{k}", "zh") for k in AUDIT_FIELDS]
    assert table[2][2:5] == [t("audit.trail.user", "zh"), "li.na", t("audit.action.set_role", "zh")]
    english = list(csv.reader(io.StringIO(audit_file(LOG, "en").lstrip("\ufeff"))))
    assert english[1][2] == "alert" and english[2][4] == t("audit.action.set_role", "en")


def test_notes_ingest_wrote_and_handover_notes_are_worded_typed_notes_kept():
    assert audit_text("note", "new customer", "zh") == t("cust.reason.new_customer", "zh")
    handover = '{"customers": 33, "plans": 0, "deactivated": true, "reason": "离职", "x": null}'
    assert (
        audit_text("note", handover, "zh")
        == "客户: 33 · 计划: 0 · 停用业务员: 是 · 原因: 离职 · x: —"
    )
    assert audit_text("note", handover, "en").startswith(
        "customers: 33 · plans: 0 · rep deactivated: yes"
    )
    assert audit_text("note", "{not json", "zh") == "{not json"
    assert audit_text("note", "调岗", "en") == "调岗"
    assert audit_text("before", "active", "zh") == t("audit.state.active", "zh")

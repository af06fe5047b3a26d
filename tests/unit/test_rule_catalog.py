"""The rule catalog: each rule declared once, read by the judge, the pages and the exports."""

from __future__ import annotations

import pytest

from components.i18n import t
from dashboard import finance
from dashboard.rules import (
    ALERT_RULES,
    AUTHENTICITY_RULES,
    EXPENSE_RULES,
    PROCESS_RULES,
    SEVERITY,
)
from dashboard.rules import authenticity as auth
from dashboard.rules.catalog import CATALOG, FAMILIES, SEVERITIES, codes, spec
from dashboard.services import alerts as alert_service
from data_access import alerts as alert_store
from tests.contract_rules import CONTRACT_EXPENSE, CONTRACT_PROCESS_SEVERITY, CONTRACT_SEVERITY

# Judged across rep-days rather than per rep-day.
CROSS_DAY = {"PHOTO_REUSE", "DEVICE_SHARED"}


def test_severities_are_the_contracts():
    got: dict[str, set[str]] = {}
    for code in AUTHENTICITY_RULES:
        got.setdefault(SEVERITY[code], set()).add(code)
    assert got == CONTRACT_SEVERITY
    # Contract §5's process rules: judged alerts of the same queue, with their own severities
    # (rules of other sections, e.g. §7's, may join this family).
    for severity, process in CONTRACT_PROCESS_SEVERITY.items():
        assert process <= set(PROCESS_RULES)
        assert {SEVERITY[code] for code in process} == {severity}


def test_expense_rules_are_the_contracts_in_order_and_exist_once():
    assert EXPENSE_RULES == CONTRACT_EXPENSE
    assert finance.EXPENSE_RULES is EXPENSE_RULES
    assert alert_service.RULES is ALERT_RULES
    assert ALERT_RULES == AUTHENTICITY_RULES + PROCESS_RULES


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_rule_has_both_languages_a_unit_and_a_family(code):
    s = spec(code)
    assert s.family in FAMILIES
    assert s.evidence_unit
    for text in (s.name_zh, s.name_en, s.desc_zh, s.desc_en):
        assert text.strip()
    assert t(f"rule.{code}.name", "zh") == s.name_zh
    assert t(f"rule.{code}.name", "en") == s.name_en
    assert t(f"rule.{code}.desc", "en") == s.desc_en


def test_every_per_day_authenticity_rule_is_registered_with_the_judge():
    assert set(auth.REP_DAY_RULES) == set(codes("authenticity")) - CROSS_DAY


def test_registering_an_unknown_or_twice_registered_rule_is_refused():
    with pytest.raises(ValueError, match="NOT_A_RULE"):
        auth.rep_day_rule("NOT_A_RULE")
    with pytest.raises(ValueError, match="MILEAGE_INFLATED"):
        auth.rep_day_rule("MILEAGE_INFLATED")
    with pytest.raises(ValueError, match="registered twice"):
        auth.rep_day_rule("OFF_HOURS")(lambda day: [])


def test_unknown_code_and_family_are_named():
    with pytest.raises(KeyError, match="NOPE"):
        spec("NOPE")
    with pytest.raises(ValueError, match="nonsense"):
        codes("nonsense")


def test_the_alert_queue_sorts_severities_in_catalog_order():
    # data_access imports nothing of ours, so it keeps its own copy of the order for ORDER BY.
    assert alert_store.SEVERITY_ORDER == SEVERITIES

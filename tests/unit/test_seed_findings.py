"""The defects quoted in ../shared/domain.md are reported, with evidence pointing at the text."""

from __future__ import annotations

from services.validate.engine import validate_document
from tests.conftest import parsed_seed


def findings(prefix: str):
    return validate_document(parsed_seed(prefix)).findings


def test_000_income_total_cannot_be_checked_and_completion_rate():
    # 收入总计 819.04 vs the 财政拨款收入支出决算总表's 818.10: that table counts appropriations only
    # (the 0.94 is 其他收入) and the 收入支出决算总表 is missing, so the total cannot be checked.
    report = validate_document(parsed_seed("000"))
    fs = report.findings
    assert not [f for f in fs if "819.04" in f.message and "818.10" in f.message]
    n301 = next(c for c in report.coverage if c.code == "N301")
    assert n301.checks > 0
    rate = [f for f in fs if f.code == "A404" and "247.28" in f.message and "586.91" in f.message]
    assert rate and rate[0].expected == "237.35%" and rate[0].stated == ["100%"]


def test_001_direction_and_rate_and_unit():
    fs = findings("001")
    assert any(f.code == "A402" and "19.11" in f.evidence[0].quote for f in fs)
    assert any(f.code == "A401" and f.expected == "14.02%" for f in fs)
    unit = [f for f in fs if f.code == "U501"]
    assert unit and "139.61元" in unit[0].evidence[0].quote.replace(" ", "")


def test_002_completion_rate():
    fs = findings("002")
    assert any(f.code == "A404" and f.expected == "117.26%" and "106.86" in f.evidence[0].quote for f in fs)


def test_003_reception_counts():
    fs = [f for f in findings("003") if f.code == "N302"]
    assert all(f.suspect for f in fs)  # says which side is wrong, or that it cannot tell
    msgs = " ".join(f.message for f in fs)
    assert "11" in msgs and "10" in msgs and "65" in msgs and "57" in msgs
    assert all(len(f.evidence) == 2 and f.evidence[1].table for f in fs)


def test_003_rounding_and_scope_differences_raise_nothing():
    # 003 is internally consistent apart from its real defects: no table-sum or cross-table finding.
    fs = findings("003")
    assert not [f for f in fs if f.code[0] in "TX"]


def test_000_one_typo_is_one_finding():
    # 对个人和家庭的补助 13.91 in the text, 13.09 in table 06: reported once (N301); the 基本支出 parts
    # sum is off by exactly that 0.82, so A405 stays silent instead of reporting the same typo again.
    fs = findings("000")
    assert any(f.code == "N301" and "13.91" in f.message for f in fs)
    assert not any(f.code == "A405" and "253.71" in f.message for f in fs)


def test_a_rule_that_raises_is_recorded_as_failed_and_the_others_still_run(monkeypatch):
    import dataclasses

    from services.validate import catalogue
    from shared.models import RuleStatus

    catalogue.all_rules()
    broken = catalogue._REGISTRY["N301"]

    def explode(*_args, **_kwargs):
        raise ZeroDivisionError("bug in a rule")

    monkeypatch.setitem(catalogue._REGISTRY, "N301", dataclasses.replace(broken, check=explode))
    report = validate_document(parsed_seed("000"))
    cov = {c.code: c for c in report.coverage}
    assert cov["N301"].status == RuleStatus.FAILED and "规则执行出错" in (cov["N301"].reason or "")
    assert not any(f.code == "N301" for f in report.findings)
    assert any(f.code == "A404" for f in report.findings)  # the rest of the catalogue ran
    assert sum(c.status == RuleStatus.RAN for c in report.coverage) > 20


def test_a_narrative_total_against_a_table_that_balances_blames_the_narrative():
    from corpus.generator import generate_document
    from services.pipeline import check_bytes

    doc = generate_document(0, "pdf", ["narrative_total_mismatch"])
    report, _ = check_bytes(doc.name + ".txt", doc.data)
    (n301,) = [f for f in report.findings if f.code == "N301"]
    assert n301.suspect and "说明中的数字可能有误" in n301.suspect
    # every two-sided finding says which side is wrong, or that it cannot tell
    assert all(f.suspect for f in report.findings)

"""C001 on a text export without tables: flagged only when the parts skip “第二部分” and the text
points to a table (seed 001); a bare “第二部分 …决算表” heading (seed 002: tables were images) is
not judged."""

from __future__ import annotations

from tests.rules.test_rule_cases import run_rule

BODY = (
    "第三部分 2023年度部门决算情况说明\n"
    "二、支出决算情况说明\n"
    "本部门2023年度支出总计291.19万元，其中本年支出合计291.19万元，较2022年减少40.10万元，下降12.10%。\n"
    "八、国有资产占用情况说明\n"
    "截止2023年12月31日，本部门国有资产占用情况见公开10表《国有资产占用情况表》。\n"
    "第四部分 名词解释\n"
)


def test_skipped_tables_part_is_reported_once() -> None:
    findings, _, applicable = run_rule("C001", BODY)
    assert applicable and len(findings) == 1
    assert "决算表部分缺失" in findings[0].message and findings[0].severity == "warning"


def test_bare_tables_heading_is_not_judged() -> None:
    findings, _, applicable = run_rule("C001", "第二部分 2023 年度部门决算表\n" + BODY)
    assert not findings and not applicable


def test_no_table_promise_is_not_judged() -> None:
    findings, _, _ = run_rule("C001", BODY.replace("见公开10表《国有资产占用情况表》", "如下"))
    assert not findings

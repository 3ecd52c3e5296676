"""Documents that look like final accounts but are not checked as such: the blank template, a
budget (部门预算), an unrelated report — each gets its own notice and no finding."""

from __future__ import annotations

import pytest

from services.pipeline import check_bytes

BUDGET = """上海市测试局2025年度部门预算
目录
第一部分 上海市测试局概况
第二部分 2025年度部门预算表
一、财务收支预算总表
二、部门收入预算表
三、部门支出预算表
第三部分 2025年度部门预算情况说明
一、收支预算总体情况说明
2025年度部门预算收入合计2946.25万元，比上年增加12.00万元。
二、财政拨款收支预算情况说明
财政拨款收支预算总表反映部门财政拨款的安排情况。
三、一般公共预算支出情况说明
一般公共预算支出预算表中基本支出2336.91万元。
"""

REPORT = (
    """关于2024年度全区环境质量状况的报告
一、空气质量
全年空气质量优良天数比例为87.4%，比上年上升1.2个百分点。
二、水环境质量
主要河流断面水质达标率为100%。
"""
    * 5
)

TEMPLATE = """上海市XX局2024年度部门决算
第三部分 上海市XX局2024年度部门决算情况说明
一、收入支出决算总体情况说明
上海市XX局2024年度收入支出总计XXX万元。与2023年度相比，收入支出总计增加（减少）XXX万元，增长（下降）XX%。
二、收入决算情况说明
本年收入合计XXX万元，其中：财政拨款收入XXX万元，占XX%；其他收入XXX万元，占XX%。
三、支出决算情况说明
本年支出合计XXX万元，其中：基本支出XXX万元，占XX%；项目支出XXX万元，占XX%。
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [(BUDGET, "部门预算"), (REPORT, "不是部门决算文件"), (TEMPLATE, "空白模板")],
    ids=["budget", "unrelated", "template"],
)
def test_notice_and_no_finding(text: str, expected: str) -> None:
    report, parsed = check_bytes("x.txt", text.encode("utf-8"))
    assert parsed is None and not report.findings
    assert report.error is not None and expected in report.error

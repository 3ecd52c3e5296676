"""The vocabulary of the narrative: which phrase names which quantity (a subject key of
:mod:`shared.knowledge.subjects`), and which heading opens which topic."""

from __future__ import annotations

import re

from shared.knowledge.subjects import SUBJECT_ZH, subject_zh

__all__ = ["SUBJECT_ZH", "find_subject", "subject_zh", "topic_of"]

# (pattern, key), most specific first. Matched against the clause text before a number.
SUBJECTS: list[tuple[str, str]] = [
    (r"财政拨款收入支出总计", "fiscal_grand_total"),
    (r"收入支出总计", "income_expenditure_total"),
    (r"收入总计", "income_total"),
    (r"支出总计", "expenditure_total"),
    (r"使用非财政拨款结余", "nonfiscal_balance_used"),
    (r"年初(财政拨款)?结转和?结余|上年结转(和结余)?", "carryover_begin"),
    (r"年末(财政拨款)?结转和?结余", "carryover_end"),
    (r"结余分配", "balance_distribution"),
    (r"本年收入(合计)?", "income_current"),
    (r"本年支出(合计)?", "expenditure_current"),
    (r"财政拨款收入", "income_fiscal"),
    (r"上级补助收入", "income_superior"),
    (r"事业收入", "income_business"),
    (r"经营收入", "income_operating"),
    (r"附属单位上缴收入", "income_affiliated"),
    (r"其他收入?", "income_other"),
    (r"工资福利支出", "econ:301"),
    (r"商品和服务支出", "econ:302"),
    (r"对个人和家庭(的)?补助(支出)?", "econ:303"),
    (r"资本性支出", "econ:310"),
    (r"基本支出", "basic"),
    (r"人员经费", "personnel"),
    (r"公用经费", "public_funds"),
    (r"(?<!经费)(一般公共预算)?财政拨款支出", "fiscal_total"),
    (r"项目支出", "project"),
    (r"经营支出", "operating_expenditure"),
    (r"上缴上级支出", "remit_superior"),
    (r"对附属单位补助支出", "subsidy_affiliated"),
    (r"三公.?经费", "tp:total"),
    (r"因公出国[（(]境[）)](费|支出)?", "tp:abroad"),
    (r"公务用车购置及运行(维护)?费", "tp:vehicle"),
    (r"公务用车运行(维护)?费", "tp:vehicle_operation"),
    (r"公务用车购置(费)?", "tp:vehicle_purchase"),
    (r"公务接待费", "tp:reception"),
    (r"机关运行经费", "operating_funds"),
    (r"政府采购(支出总额|金额)", "proc:total"),
    (r"政府采购货物支出|货物采购金额", "proc:goods"),
    (r"政府采购工程支出|工程采购金额", "proc:works"),
    (r"政府采购服务支出|服务采购金额", "proc:services"),
    (r"面向中小企业预留的?政府采购项目(预算)?金额", "proc:sme_reserved"),
    (r"面向小微企业预留的?政府采购项目(预算)?金额", "proc:micro_reserved"),
    (
        r"面向中小企业预留的?政府采购项目中.{0,20}由中小企业供应商中标或成交的.{0,6}金额",
        "proc:sme_reserved_awarded",
    ),
    (
        r"面向小微企业预留的?政府采购项目中.{0,20}由小微企业供应商中标或成交的.{0,6}金额",
        "proc:micro_reserved_awarded",
    ),
    (r"其他政府采购项目中.{0,20}由中小企业供应商中标或成交的.{0,6}金额", "proc:sme_other_awarded"),
    (r"授予小微企业合同金额", "proc:micro"),
    (r"授[予权]中小企业合同金额", "proc:sme"),
    (r"涉及(一般公共预算)?资金", "perf:funds"),
]
SUBJECT_RES = [(re.compile(p), k) for p, k in SUBJECTS]

# Level-2 headings of 第三部分 → topic
TOPICS: list[tuple[str, str]] = [
    (r"财政拨款收入支出决算总体情况", "fiscal_overview"),
    (r"收入支出决算总体情况", "overview"),
    (r"收入决算情况", "income"),
    (r"三公.?经费", "three_public"),
    (r"基本支出决算情况", "basic"),
    (r"财政拨款支出决算情况", "fiscal"),
    (r"支出决算情况", "expenditure"),
    (r"机关运行经费", "operating_funds"),
    (r"政府采购", "procurement"),
    (r"国有资产", "assets"),
    (r"绩效", "performance"),
]


def find_subject(text: str) -> tuple[str, str] | None:
    """The subject named last in ``text`` (closest to the number that follows it)."""
    best: tuple[int, int, str, str] | None = None
    for rx, key in SUBJECT_RES:
        for m in rx.finditer(text):
            cand = (m.end(), m.end() - m.start(), key, m.group(0))
            if best is None or cand[:2] > best[:2]:
                best = cand
    return (best[2], best[3]) if best else None


def topic_of(heading: str) -> str | None:
    return next((t for p, t in TOPICS if re.search(p, heading)), None)

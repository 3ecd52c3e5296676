"""The vocabulary of the narrative: which phrase names which quantity (canonical subject keys),
and which heading opens which topic."""

from __future__ import annotations

import re

# (pattern, key), most specific first. Matched against the clause text before a number.
SUBJECTS: list[tuple[str, str]] = [
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
    (r"政府采购支出总额", "proc:total"),
    (r"政府采购货物支出", "proc:goods"),
    (r"政府采购工程支出", "proc:works"),
    (r"政府采购服务支出", "proc:services"),
    (r"授予小微企业合同金额", "proc:micro"),
    (r"授[予权]中小企业合同金额", "proc:sme"),
    (r"涉及(一般公共预算)?资金", "perf:funds"),
]
SUBJECT_RES = [(re.compile(p), k) for p, k in SUBJECTS]

# Level-2 headings of 第三部分 → topic
TOPICS: list[tuple[str, str]] = [
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

SUBJECT_ZH: dict[str, str] = {
    "income_total": "收入总计",
    "expenditure_total": "支出总计",
    "nonfiscal_balance_used": "使用非财政拨款结余",
    "carryover_begin": "年初结转和结余",
    "carryover_end": "年末结转和结余",
    "balance_distribution": "结余分配",
    "income_current": "本年收入合计",
    "expenditure_current": "本年支出合计",
    "income_fiscal": "财政拨款收入",
    "income_superior": "上级补助收入",
    "income_business": "事业收入",
    "income_operating": "经营收入",
    "income_affiliated": "附属单位上缴收入",
    "income_other": "其他收入",
    "econ:301": "工资福利支出",
    "econ:302": "商品和服务支出",
    "econ:303": "对个人和家庭的补助",
    "econ:310": "资本性支出",
    "basic": "基本支出",
    "project": "项目支出",
    "operating_expenditure": "经营支出",
    "remit_superior": "上缴上级支出",
    "subsidy_affiliated": "对附属单位补助支出",
    "tp:total": "“三公”经费",
    "tp:abroad": "因公出国（境）费",
    "tp:vehicle": "公务用车购置及运行维护费",
    "tp:vehicle_operation": "公务用车运行维护费",
    "tp:vehicle_purchase": "公务用车购置费",
    "tp:reception": "公务接待费",
    "operating_funds": "机关运行经费",
    "proc:total": "政府采购支出总额",
    "proc:goods": "政府采购货物支出",
    "proc:works": "政府采购工程支出",
    "proc:services": "政府采购服务支出",
    "proc:sme": "授予中小企业合同金额",
    "proc:micro": "授予小微企业合同金额",
    "fiscal_total": "财政拨款本年支出",
    "perf:funds": "绩效评价涉及资金",
    "reception_batches": "国内公务接待批次",
    "reception_persons": "国内公务接待人次",
    "fa_batches": "外事接待批次",
    "fa_persons": "外事接待人次",
    "abroad_groups": "因公出国（境）团组数",
    "abroad_persons": "因公出国（境）人次",
    "vehicles_held": "公务用车保有量",
    "vehicles_purchased": "公务用车购置数",
    "vehicles_total": "车辆数合计",
}


def subject_zh(key: str) -> str:
    if key.startswith("category:"):
        from .classification import category_name

        return category_name(key.split(":", 1)[1])
    return SUBJECT_ZH.get(key, key)


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

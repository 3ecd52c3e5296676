"""What the narrative (决算情况说明) talks about: its topics (the sections of 第三部分) and the
quantities it states (subjects), with their Chinese names. Claims carry these keys; the rules look
the same quantities up in the tables."""

from __future__ import annotations

from enum import StrEnum

from .classification import category_name


class Topic(StrEnum):
    NONE = ""
    INCOME = "income"  # 收入决算情况说明
    EXPENDITURE = "expenditure"  # 支出决算情况说明
    FISCAL = "fiscal"  # 财政拨款（一般公共预算）支出决算情况说明
    FISCAL_OVERVIEW = "fiscal_overview"  # 财政拨款收入支出决算总体情况说明
    OVERVIEW = "overview"  # 收入支出决算总体情况说明
    BASIC = "basic"  # 基本支出决算情况说明
    THREE_PUBLIC = "three_public"  # “三公”经费支出决算情况说明
    OPERATING_FUNDS = "operating_funds"  # 机关运行经费
    PROCUREMENT = "procurement"  # 政府采购
    ASSETS = "assets"  # 国有资产占用
    PERFORMANCE = "performance"  # 预算绩效


# The sections whose statements restate the tables (the 绩效 annexes have their own bases).
MAIN_TOPICS = (
    Topic.INCOME, Topic.EXPENDITURE, Topic.FISCAL, Topic.BASIC, Topic.THREE_PUBLIC,
    Topic.OPERATING_FUNDS, Topic.PROCUREMENT, Topic.ASSETS,
)  # fmt: skip


class Subject(StrEnum):
    INCOME_TOTAL = "income_total"
    EXPENDITURE_TOTAL = "expenditure_total"
    INCOME_EXPENDITURE_TOTAL = "income_expenditure_total"  # 收入支出总计 (one figure for both)
    FISCAL_GRAND_TOTAL = "fiscal_grand_total"  # 财政拨款收入支出总计
    NONFISCAL_BALANCE_USED = "nonfiscal_balance_used"
    CARRYOVER_BEGIN = "carryover_begin"
    CARRYOVER_END = "carryover_end"
    BALANCE_DISTRIBUTION = "balance_distribution"
    INCOME_CURRENT = "income_current"
    EXPENDITURE_CURRENT = "expenditure_current"
    INCOME_FISCAL = "income_fiscal"
    INCOME_SUPERIOR = "income_superior"
    INCOME_BUSINESS = "income_business"
    INCOME_OPERATING = "income_operating"
    INCOME_AFFILIATED = "income_affiliated"
    INCOME_OTHER = "income_other"
    ECON_301 = "econ:301"
    ECON_302 = "econ:302"
    ECON_303 = "econ:303"
    ECON_310 = "econ:310"
    BASIC = "basic"
    PROJECT = "project"
    PERSONNEL = "personnel"  # 人员经费
    PUBLIC_FUNDS = "public_funds"  # 公用经费
    OPERATING_EXPENDITURE = "operating_expenditure"
    REMIT_SUPERIOR = "remit_superior"
    SUBSIDY_AFFILIATED = "subsidy_affiliated"
    TP_TOTAL = "tp:total"
    TP_ABROAD = "tp:abroad"
    TP_VEHICLE = "tp:vehicle"
    TP_VEHICLE_OPERATION = "tp:vehicle_operation"
    TP_VEHICLE_PURCHASE = "tp:vehicle_purchase"
    TP_RECEPTION = "tp:reception"
    OPERATING_FUNDS = "operating_funds"
    PROC_TOTAL = "proc:total"
    PROC_GOODS = "proc:goods"
    PROC_WORKS = "proc:works"
    PROC_SERVICES = "proc:services"
    PROC_MICRO = "proc:micro"
    PROC_SME = "proc:sme"
    PROC_SME_RESERVED = "proc:sme_reserved"  # 面向中小企业预留的项目预算金额
    PROC_MICRO_RESERVED = "proc:micro_reserved"
    PROC_SME_RESERVED_AWARDED = "proc:sme_reserved_awarded"  # 预留项目中由中小企业中标的金额
    PROC_MICRO_RESERVED_AWARDED = "proc:micro_reserved_awarded"
    PROC_SME_OTHER_AWARDED = "proc:sme_other_awarded"  # 其他项目中由中小企业中标的金额
    PERF_FUNDS = "perf:funds"
    FISCAL_TOTAL = "fiscal_total"
    RECEPTION_BATCHES = "reception_batches"
    RECEPTION_PERSONS = "reception_persons"
    FA_BATCHES = "fa_batches"
    FA_PERSONS = "fa_persons"
    ABROAD_GROUPS = "abroad_groups"
    ABROAD_PERSONS = "abroad_persons"
    VEHICLES_HELD = "vehicles_held"
    VEHICLES_PURCHASED = "vehicles_purchased"
    VEHICLES_TOTAL = "vehicles_total"
    GRADE = "grade"
    SCORE_TOTAL = "score_total"
    SCORE_SECTION = "score_section"


S = Subject
SUBJECT_ZH: dict[str, str] = {
    S.INCOME_TOTAL: "收入总计",
    S.EXPENDITURE_TOTAL: "支出总计",
    S.INCOME_EXPENDITURE_TOTAL: "收入支出总计",
    S.FISCAL_GRAND_TOTAL: "财政拨款收入支出总计",
    S.NONFISCAL_BALANCE_USED: "使用非财政拨款结余",
    S.CARRYOVER_BEGIN: "年初结转和结余",
    S.CARRYOVER_END: "年末结转和结余",
    S.BALANCE_DISTRIBUTION: "结余分配",
    S.INCOME_CURRENT: "本年收入合计",
    S.EXPENDITURE_CURRENT: "本年支出合计",
    S.INCOME_FISCAL: "财政拨款收入",
    S.INCOME_SUPERIOR: "上级补助收入",
    S.INCOME_BUSINESS: "事业收入",
    S.INCOME_OPERATING: "经营收入",
    S.INCOME_AFFILIATED: "附属单位上缴收入",
    S.INCOME_OTHER: "其他收入",
    S.ECON_301: "工资福利支出",
    S.ECON_302: "商品和服务支出",
    S.ECON_303: "对个人和家庭的补助",
    S.ECON_310: "资本性支出",
    S.BASIC: "基本支出",
    S.PROJECT: "项目支出",
    S.PERSONNEL: "人员经费",
    S.PUBLIC_FUNDS: "公用经费",
    S.OPERATING_EXPENDITURE: "经营支出",
    S.REMIT_SUPERIOR: "上缴上级支出",
    S.SUBSIDY_AFFILIATED: "对附属单位补助支出",
    S.TP_TOTAL: "“三公”经费",
    S.TP_ABROAD: "因公出国（境）费",
    S.TP_VEHICLE: "公务用车购置及运行维护费",
    S.TP_VEHICLE_OPERATION: "公务用车运行维护费",
    S.TP_VEHICLE_PURCHASE: "公务用车购置费",
    S.TP_RECEPTION: "公务接待费",
    S.OPERATING_FUNDS: "机关运行经费",
    S.PROC_TOTAL: "政府采购支出总额",
    S.PROC_GOODS: "政府采购货物支出",
    S.PROC_WORKS: "政府采购工程支出",
    S.PROC_SERVICES: "政府采购服务支出",
    S.PROC_SME: "授予中小企业合同金额",
    S.PROC_MICRO: "授予小微企业合同金额",
    S.PROC_SME_RESERVED: "面向中小企业预留项目预算金额",
    S.PROC_MICRO_RESERVED: "面向小微企业预留项目预算金额",
    S.PROC_SME_RESERVED_AWARDED: "预留项目中由中小企业中标或成交的金额",
    S.PROC_MICRO_RESERVED_AWARDED: "预留项目中由小微企业中标或成交的金额",
    S.PROC_SME_OTHER_AWARDED: "其他项目中由中小企业中标或成交的金额",
    S.FISCAL_TOTAL: "财政拨款本年支出",
    S.PERF_FUNDS: "绩效评价涉及资金",
    S.RECEPTION_BATCHES: "国内公务接待批次",
    S.RECEPTION_PERSONS: "国内公务接待人次",
    S.FA_BATCHES: "外事接待批次",
    S.FA_PERSONS: "外事接待人次",
    S.ABROAD_GROUPS: "因公出国（境）团组数",
    S.ABROAD_PERSONS: "因公出国（境）人次",
    S.VEHICLES_HELD: "公务用车保有量",
    S.VEHICLES_PURCHASED: "公务用车购置数",
    S.VEHICLES_TOTAL: "车辆数合计",
    S.GRADE: "评价等级",
    S.SCORE_TOTAL: "总分",
    S.SCORE_SECTION: "评价部分得分",
}
COUNT_SUBJECTS = frozenset({
    S.RECEPTION_BATCHES, S.RECEPTION_PERSONS, S.FA_BATCHES, S.FA_PERSONS, S.ABROAD_GROUPS,
    S.ABROAD_PERSONS, S.VEHICLES_HELD, S.VEHICLES_PURCHASED, S.VEHICLES_TOTAL,
})  # fmt: skip
CATEGORY_PREFIX = "category:"
ITEM_PREFIX = "item:"  # a 项 named by its 类, 款 and 项 names: "item:一般公共服务支出|财政事务|行政运行"


def item_subject(lei: str, kuan: str, xiang: str) -> str:
    """The subject key of a 项 named by its 类, 款 and 项 names (the rules resolve it to a code)."""
    return f"{ITEM_PREFIX}{lei}|{kuan}|{xiang}"


def category_subject(code: str) -> str:
    """The subject key of a 功能分类 类 (e.g. ``category:201``)."""
    return CATEGORY_PREFIX + code


def subject_zh(key: str) -> str:
    """The Chinese name of a subject key."""
    if key.startswith(CATEGORY_PREFIX):
        return category_name(key[len(CATEGORY_PREFIX) :])
    if key.startswith(ITEM_PREFIX):
        return key.rsplit("|", 1)[-1] + "（项）"
    return SUBJECT_ZH.get(key, key)

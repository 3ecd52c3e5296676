"""The sentence patterns of the 决算情况说明 (matched on the normalised stream)."""

from __future__ import annotations

import re

NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
HEADING2_RE = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*、")
HEADING3_RE = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[）)]")
PART_RE = re.compile(r"^\s*第([一二三四五六七八九十])部分")

# “年初预算为 B 万元，(全年预算为 B2 万元，)(支出)决算为 A 万元，完成年初预算的 R%”
COMPLETION_RE = re.compile(
    rf"(?P<bw>年初预算数?|全年预算数?|调整预算数?)\s*为?\s*(?P<b>{NUM})\s*万元\s*[，,]\s*"
    rf"(?:(?P<bw2>全年预算数?|调整预算数?)\s*为?\s*(?P<b2>{NUM})\s*万元\s*[，,]\s*)?"
    rf"(?:支出)?决算数?\s*为?\s*(?P<a>{NUM})\s*万元"
    rf"\s*[，,]\s*完成(?P<scope>年初|全年|调整)?预算数?的?\s*(?P<r>{NUM})\s*(?P<pct>[%％])"
)
# “较上年增加 X 万元，增长 Y%” (the subject is the amount just stated)
CHANGE_RE = re.compile(
    rf"(较|比)\s*(?P<when>年初预算数?[（(]或者?上年决算数?[）)]|上年决算数?|上年|上一年度?|(?P<year>20\d{{2}})\s*年)(度)?(决算数?)?\s*"
    rf"(?P<dir>增加|减少|增长|下降|上升)(?:（减少）|\(减少\))?\s*(?P<c>{NUM})\s*万元\s*[，,]?\s*"
    rf"(?P<rw>增下降|减少了|增长|下降|上升|减少|降低|增加|增)?(?:（下降）|\(下降\))?\s*(?P<p>{NUM})?\s*(?P<pct>[%％])?"
)
# “与 2023 年度相比，收入支出总计减少 56.95 万元，下降 1.87%” (the subject is named after 相比)
CHANGE_NAMED_RE = re.compile(
    rf"与\s*(?:(?P<year>20\d{{2}})\s*年度?|上年度?)\s*相比\s*[，,]?\s*(?P<subj>[^，。；,\d]{{2,30}}?)\s*"
    rf"(?P<dir>增加|减少|增长|下降|上升)\s*(?P<c>{NUM})\s*万元\s*[，,]?\s*"
    rf"(?P<rw>增长|下降|上升|减少|降低|增加)?\s*(?P<p>{NUM})?\s*(?P<pct>[%％])?"
)
# “与 2023 年度相比，财政拨款收入支出总计持平” / “决算数与 2023 年度持平” / “0.00 万元，与上年持平”
FLAT_RE = re.compile(
    r"(?P<basic>基本)?与\s*(?:(?P<year>20\d{2})\s*年度?|上年度?|上一年度?)\s*(?:相比\s*[，,]?\s*(?P<subj>[^，。；,\d]{0,30}?))?\s*"
    r"(?P<basic2>基本)?持平"
)
SHARE_RE = re.compile(rf"占(?P<base>[^，。；,\d%％]{{0,24}}?)的?\s*(?P<p>{NUM})?\s*(?P<pct>[%％])")
AMOUNT_RE = re.compile(rf"(?<![\d.])(?P<n>{NUM})\s*(?P<u>万元|元)(?![/／])")
GRADE_RE = re.compile(
    rf"(得分|评分|总分)\s*为?\s*[“\"]?\s*(?P<s>{NUM})\s*[”\"]?\s*分?\s*[，,、。]?\s*"
    r"(?:评价结果为|评价为|评定级别为|绩效等级为|评价等级为|等级为|评级为)\s*[“\"]?\s*(?P<g>优秀|优|良好|良|中等|中|合格|差)"
)
SCORE_SUM_RE = re.compile(rf"(?P<t>{NUM})\s*分\s*[（(]其中(?P<inner>[^）)]*)[）)]")
SECTION_SCORE_RE = re.compile(rf"方面共设置\s*(?P<w>{NUM})\s*分\s*[，,]\s*得\s*(?P<s>{NUM})\s*分")
ITEM_SCORE_RE = re.compile(rf"满分\s*(?P<w>{NUM})\s*分\s*[，,]\s*得\s*(?P<s>{NUM})\s*分")
COUNT_PATTERNS: list[tuple[str, str]] = [
    (r"外事接待\s*共?\s*(?P<n>\d+)\s*批", "fa_batches"),
    (r"外事接待\s*共?\s*\d+\s*批次?\s*[，,、]?\s*累计接待\s*(?P<n>\d+)\s*人次", "fa_persons"),
    (r"国内公务接待\s*共?\s*(?P<n>\d+)\s*批", "reception_batches"),
    (r"国内公务接待\s*共?\s*\d+\s*批次?\s*[，,、]?\s*累计接待\s*(?P<n>\d+)\s*人次", "reception_persons"),
    (r"团组\s*(?P<n>\d+)\s*个", "abroad_groups"),
    (r"团组\s*\d+\s*个\s*[，,]\s*累计\s*(?P<n>\d+)\s*人次", "abroad_persons"),
    (r"保有量?\s*为?\s*(?P<n>\d+)\s*辆", "vehicles_held"),
    (r"共有(一般)?公务用车\s*(?P<n>\d+)\s*辆", "vehicles_held"),
    (r"购置公务用车\s*(?P<n>\d+)\s*辆", "vehicles_purchased"),
    (r"共有车辆\s*(?P<n>\d+)\s*辆", "vehicles_total"),
]
COUNT_RES = [(re.compile(p), k) for p, k in COUNT_PATTERNS]
# “货物采购授予中小企业合同金额占货物支出金额的 100%”: the SME share of each procurement type
SME_SHARE_RE = re.compile(
    rf"(?P<t>货物|工程|服务)采购授予中小企业合同金额占(?P=t)支出金额的\s*(?P<p>{NUM})\s*[%％]"
)

# 五(三) item by item: “1、一般公共服务支出（类）财政事务（款）行政运行（项）。主要用于：…”
_NAME = r"[\u4e00-\u9fff（）()、]+?"
ITEM_HEAD_RE = re.compile(
    rf"(?P<lei>{_NAME})[（(]类[）)]\s*(?P<kuan>{_NAME})[（(]款[）)]\s*(?P<xiang>{_NAME})[（(]项[）)]"
)
USAGE_RE = re.compile(r"主要用于\s*[：:]?\s*(?P<what>[^。；;]{2,120})")
# 六: “人员经费 2152.26 万元，主要包括：基本工资、津贴补贴、…；公用经费 …”
LIST_RE = re.compile(
    rf"(?P<subj>人员经费|公用经费)\s*(?P<n>{NUM})\s*万元\s*[，,]\s*主要包括\s*[：:]\s*(?P<items>[^；;。]+)"
)
AFTER_BUDGET_RE = re.compile(r"预算数?\s*为?\s*$")
AFTER_ACTUAL_RE = re.compile(r"决算数?\s*为?\s*$")
CATEGORY_BEFORE_RE = re.compile(r"([\u4e00-\u9fff]+?支出)\s*[（(]类[）)]\s*$")
CHANGE_WORD_BEFORE_RE = re.compile(r"(增加|减少|增长|下降|上升|降低|减支|增支)\s*了?\s*$")
# “决算数小于（全年）预算数的主要原因”, “决算数与预算数持平”
COMPARE_RE = re.compile(
    r"决算数?\s*(?:(?P<w>小于|大于|低于|高于|超过|等于)|(?:与|同|和)\s*(?:全年|年初|调整)?预算数?\s*(?P<b>基本)?(?P<eq>持平|一致|相等|相同))"
)

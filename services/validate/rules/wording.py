"""Wording: what a careful editor would not have let through — the template's drafting
instructions and alternatives left in the published text."""

from __future__ import annotations

import re
from collections.abc import Iterable

from shared.models import Category, Evidence, Finding, ParsedDocument, Severity
from shared.normalize import fold_text

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import make_finding

# “（应当将…绩效自评综述和《项目支出绩效自评表》进行公开。）”, “（应以…为准）”: a bracket that opens
# with “应当”/“应以”/“请” and tells the drafter what to publish, fill in or take as the basis
_INSTRUCTION_IN_BRACKETS = re.compile(
    r"[（(]\s*(?:应当|应按|应将|应以|请(?:按|将|根据|在))[^（）()]{2,80}?"
    r"(?:公开|填写|填列|列示|说明|为准|为依据)[。.]?\s*[）)]"
)

_GLOSSARY_GUIDE = "模板的填报说明（“名词解释应以…为基本说明，可在此基础上结合部门实际情况适当细化”）"

# (pattern, what it is) — the 部门决算 template's instructions to the person filling it in, and
# its “增加（减少）” alternatives of which one should have been kept
TEMPLATE_LEFTOVERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"仍保留该表格式"), "模板的填报说明（“无…的，仍保留该表格式，并在本表下方作下述说明”）"),
    (re.compile(r"(并)?在本表下方作下述说明"), "模板的填报说明（“在本表下方作下述说明”）"),
    (re.compile(r"作下述说明[：:]"), "模板的填报说明（“…作下述说明：”）"),
    (re.compile(r"[（(]\s*不涉及的不列\s*[）)]"), "模板的填报说明（“不涉及的不列”）"),
    (re.compile(r"[（(]\s*如持平作持平表述\s*[）)]"), "模板的填报说明（“如持平作持平表述”）"),
    (re.compile(r"(增加|减少)[（(](减少|增加)[）)]"), "模板中供选择的措辞（“增加（减少）”）未删去其一"),
    (re.compile(r"(增长|下降)[（(](下降|增长)[）)]"), "模板中供选择的措辞（“增长（下降）”）未删去其一"),
    (re.compile(r"(大于|小于)[（(](小于|大于)[）)]"), "模板中供选择的措辞（“大于（小于）”）未删去其一"),
    (re.compile(r"(上升|下降)[（(](下降|上升)[）)]"), "模板中供选择的措辞（“上升（下降）”）未删去其一"),
    (re.compile(r"[XＸ×]{2,}"), "模板占位符（“XXX”）未替换"),
    # 2024 Shanghai template (附件2：部门决算模板): instructions in 概况 and 名词解释
    (re.compile(r"根据三定方案.{0,24}填写"), "模板的填报说明（“由主管部门根据三定方案…填写”）"),
    (re.compile(r"无.{1,8}的单位保留.{0,12}名词解释"), "模板的填报说明（“无…的单位保留…的名词解释”）"),
    (re.compile(r"[（(]\s*制度名称\s*[）)]"), "模板占位符（“（制度名称）”）未替换"),
    # Jiangxi 部门决算 template (seeds 000, 001): the guide to 名词解释, an instruction in brackets
    # addressed to the drafter (“（应当将…进行公开。）”), and the “年初预算数（或者上年决算数）” choice
    (re.compile(r"名词解释应以.{0,40}为(?:基本说明|准|依据)"), _GLOSSARY_GUIDE),
    (re.compile(r"可在此基础上结合.{0,12}实际情况适当细化"), _GLOSSARY_GUIDE),
    (_INSTRUCTION_IN_BRACKETS, "模板中写给填报人的说明（“（应当…公开。）”）"),
    (
        re.compile(r"(年初预算数?|上年决算数?)[（(]\s*或者?\s*(上年决算数?|年初预算数?)\s*[）)]"),
        "模板中供选择的措辞（“年初预算数（或者上年决算数）”）未删去其一",
    ),
]


@rule(
    "W601",
    "template_text_left_in",
    Category.WORDING,
    Severity.WARNING,
    "模板说明或占位符未删除",
    "公开文本中不应留有模板的填报说明（如“无…的，仍保留该表格式，并在本表下方作下述说明：”“不涉及的不列”）、"
    "供选择的措辞（“增加（减少）”“下降（增长）”）或占位符（“XXX”）。",
    "这类残留说明文件照抄模板、未经审核，是公开检查清单上的常见问题。",
    "政府性基金预算财政拨款收入支出决算表下方印有“无政府性基金预算财政拨款收入支出的，仍保留该表格式，并在本表下方作下述说明：”。",
)
def template_text_left_in(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    if not doc.passages:
        raise NotApplicable("没有可检查的文本")
    reported: set[tuple[int | None, str]] = set()
    lines = doc.passages
    for i, ref in enumerate(lines):
        ctx.tick()
        # a phrase may wrap onto the next line of the same page
        nxt = lines[i + 1] if i + 1 < len(lines) and lines[i + 1].prov.page == ref.prov.page else None
        text = ref.quote + (nxt.quote if nxt else "")
        for rx, what in TEMPLATE_LEFTOVERS:
            m = rx.search(text)
            if m is None or m.start() >= len(ref.quote):
                continue  # found on the next line alone: reported there
            key = (ref.prov.page, what)
            if key in reported:
                continue
            reported.add(key)
            f = make_finding(
                rule,
                ctx,
                f"文中留有{what}：“{m.group(0)}”。",
                [Evidence(quote=text[:120], prov=ref.prov)],
                [m.group(0)],
                "删除模板说明，按实际情况表述",
                "按部门决算公开模板的填报说明与可选措辞逐行比对",
            )
            if f:
                yield f
            break  # one finding per line


# --------------------------------------------------------------------------- W607

# The level of government a department belongs to, proven by its name: “景德镇市人民政府办公室” is a
# 市级 department, “江西省财政厅” a 省级 one. A name with a 区/县 after its 市 (“上海市普陀区财政局”)
# or none of these is not judged.
_CITY = re.compile(r"^(?:中共)?(?:(?!省)[\u4e00-\u9fff]){2,5}?市(?!场)(?![\u4e00-\u9fff]{1,4}?[区县旗])")
_PROVINCE = re.compile(r"^(?:中共)?[\u4e00-\u9fff]{2,3}?省(?![\u4e00-\u9fff]{1,5}?[市州区县])")
# “我部门今年在省级部门决算中反映…”: the department speaking of its own 部门决算/部门预算 at a level
_SELF_LEVEL = re.compile(
    r"(?:我|本)(?:部门|单位|局|委|办|处|厅)[^。；，]{0,12}?([省市县区])级部门(?:决算|预算)"
)
_WRONG_LEVEL = {"市": "省县区", "省": "市县区"}


def department_level(name: str | None) -> str | None:
    """“市” or “省” when the department's name proves it, else None."""
    if not name:
        return None
    if _CITY.match(name):
        return "市"
    if _PROVINCE.match(name):
        return "省"
    return None


@rule(
    "W607",
    "wrong_government_level",
    Category.WORDING,
    Severity.WARNING,
    "自述的预算级次与本部门不符",
    "部门在说明中称“我部门在省级部门决算中反映……”，而部门名称表明它是市级部门（或相反）。"
    "只在部门名称能确定级次（“××市……”“××省……”，名称中市后没有区、县）且句子说的是本部门自己时检查。",
    "级次写错多是照抄上级或其他地区的材料未改，读者会误以为文件说的是另一级政府的决算。",
    "景德镇市人民政府驻上海联络处的决算说明写“我部门今年在省级部门决算中反映‘驻外机构专项经费’项目绩效自评结果”。",
)
def wrong_government_level(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    level = department_level(doc.department)
    if level is None:
        raise NotApplicable("部门名称不能确定其预算级次（市级或省级）")
    lines = doc.passages
    ctx.tick()
    for i, ref in enumerate(lines):
        if "级" not in ref.quote:
            continue  # the level word is on this line (a match starting on the next is reported there)
        nxt = lines[i + 1] if i + 1 < len(lines) and lines[i + 1].prov.page == ref.prov.page else None
        own = re.sub(r"\s+", "", fold_text(ref.quote))
        text = own + (re.sub(r"\s+", "", fold_text(nxt.quote)) if nxt else "")
        m = _SELF_LEVEL.search(text)
        if m is None or m.start() >= len(own) or m.group(1) not in _WRONG_LEVEL[level]:
            continue
        f = make_finding(
            rule,
            ctx,
            f"“{m.group(0)}”：本部门（{doc.department}）是{level}级部门，文中却称“{m.group(1)}级部门决算”。",
            [Evidence(quote=ref.quote.strip()[:120], prov=ref.prov)],
            [f"{m.group(1)}级"],
            f"{level}级",
            f"部门名称“{doc.department}”表明其为{level}级部门，与自述的级次比对",
        )
        if f:
            yield f

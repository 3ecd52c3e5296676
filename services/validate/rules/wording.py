"""Wording: what a careful editor would not have let through — the template's drafting
instructions and alternatives left in the published text."""

from __future__ import annotations

import re
from collections.abc import Iterable

from shared.models import Category, Evidence, Finding, ParsedDocument, Severity

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import make_finding

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

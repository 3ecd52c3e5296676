"""Reasons against their change: an increase explained only by savings (“厉行节约，压减公用支出”), a
decrease explained only by growth (“人员增加、新增项目”), and the same for a 决算 above or below its
预算. Only reasons whose every directional word points the other way are reported; anything mixed,
hedged (“虽…但…”, “抵减”) or about another year is left to the reader."""

from __future__ import annotations

import re
from collections.abc import Iterable

from shared.knowledge.subjects import subject_zh
from shared.models import Category, Claim, Evidence, Finding, ParsedDocument, Severity

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import claim_evidence, make_finding
from .narrative_arith import DOWN, UP
from .narrative_consistency import JoinedText, joined_text

# Clearly directional reason words. 退休 is not one: it lowers 工资福利 and raises 对个人和家庭的补助.
_DOWN_WORDS = "压减|压缩|缩减|削减|减少|下降|降低|节约|节省|收回|调出|取消|未发生|未开展|未能开展|未完成|未实施|暂停|调减|核减|减支|精简|缩小|低于|小于"
# 提升 is left out: it names projects (“商务单元更新提升方案”)
_UP_WORDS = "增加|增多|新增|增长|增设|增支|提高|调入|上涨|上升|扩大|加大|追加|加重|补发|调增|高于|超出"
_WORD = re.compile(f"(?P<down>{_DOWN_WORDS})|(?P<up>{_UP_WORDS})")
# a word under a negation (“无新增项目”, “未增加”) says nothing about the direction
_NEGATED = re.compile(r"[无未不没非](?:有|再|能)?$")
# “提高资金使用效率” is a saving, not growth
_NOT_GROWTH = re.compile(r"(?:提高|提升)[^,，;；。]{0,8}?(?:效率|效益|效能|质量|水平|能力|绩效|标准化)")
# hedged or net reasons, and reasons about another year's figures, are not judged
_HEDGED = re.compile(r"虽|尽管|但|抵减|抵消|相抵|综合|一方面|持平|不变|一致")
_OTHER_YEAR = re.compile(r"(?<![较比与同])(?:上年|上一年|上年度|去年|前一年|以前年度|往年)")
_YEAR = re.compile(r"(?<!\d)(\d{2}|\d{4})年")
# the reason's lead-in, and where it stops: a sentence end, a heading, or the next change clause
_LEAD_IN = re.compile(r"(?:其|的)?主要原因(?:是|为|在于|如下)?[:：]?|原因(?:是|为)[:：]?")
_STOP = re.compile(
    r"[。;；!！?？]|[(（][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|\d+、|(?:较|比|与)[^,，。]{0,12}(?:增加|减少)\d"
)
_GAP = 14  # characters between the change and its 主要原因 (“预算数的”) within one sentence
# subjects whose reasons run the other way by nature: savings make a 结余 grow
_INVERSE_SUBJECTS = ("carryover", "balance")
UP_COMPARE = ("大于", "高于", "超过")
DOWN_COMPARE = ("小于", "低于")


def _direction(claim: Claim) -> str | None:
    word = claim.direction or ""
    if claim.kind == "compare":
        return "up" if word in UP_COMPARE else "down" if word in DOWN_COMPARE else None
    amount = claim.values.get("change")
    if amount is not None and amount.value == 0:
        return None  # “增加 0 万元”: no direction to explain
    up, down = word in UP, word in DOWN
    rate = claim.rate_word
    if rate and ((up and rate in DOWN) or (down and rate in UP) or rate not in UP + DOWN):
        return None  # the statement contradicts itself: the arithmetic rules report that
    return "up" if up else "down" if down else None


def _reason(joined: JoinedText, claim: Claim) -> tuple[int, str] | None:
    """(position, text) of the stated reason: after the change in its own sentence, or opening the
    next sentence (“。主要原因：…”, “。公务接待费支出减少的主要原因是…”)."""
    end = joined.after_claim(claim)
    if end is None:
        return None
    text = joined.text
    stop = _STOP.search(text, end)
    sentence_end = stop.start() if stop else len(text)
    m = _LEAD_IN.search(text, end, min(sentence_end, end + _GAP) + 8)
    if m is None or re.search(r"\d", text[end : m.start()]):
        if stop is None or text[stop.start()] not in "。;；":
            return None
        nxt = stop.end()
        m = _LEAD_IN.search(text, nxt, nxt + 24)
        if m is None:
            return None
        lead = text[nxt : m.start()]
        # another comparison's reason (“决算数较年初预算数…的主要原因” after a change on the year)
        if re.search(r"\d|预算|上年|较|比", lead) and claim.kind == "change":
            return None
        if re.search(r"\d|上年", lead) and claim.kind == "compare":
            return None
    after = _STOP.search(text, m.end())
    reason = text[m.end() : after.start() if after else m.end() + 80][:80]
    return m.end(), reason


def _other_year(reason: str, year: int | None) -> bool:
    """Does the reason speak of a year other than the document's (“22年发放…”, “2019年搬办公室”)?"""
    for m in _YEAR.finditer(reason):
        said = int(m.group(1))
        if year is None or said not in (year, year % 100):
            return True
    return False


def _words(reason: str) -> tuple[list[str], list[str]]:
    masked = _NOT_GROWTH.sub(lambda m: "□" * len(m.group(0)), reason)
    down: list[str] = []
    up: list[str] = []
    for m in _WORD.finditer(masked):
        if _NEGATED.search(masked[max(m.start() - 3, 0) : m.start()]):
            continue
        (down if m.lastgroup == "down" else up).append(m.group(0))
    return down, up


@rule(
    "A450",
    "reason_against_change",
    Category.NARRATIVE_ARITHMETIC,
    Severity.WARNING,
    "变动原因与变动方向矛盾",
    "说明称某项“较上年增加（减少）X 万元”或“决算数大于（小于）预算数”，紧随其后（同一句或下一句）的“主要原因是…”"
    "却只给出相反方向的理由：增加的原因只有“厉行节约、压减支出”，减少的原因只有“人员增加、新增项目”。"
    "只有原因中的每个方向性词语都指向相反方向时才报告；原因有增有减、含“虽…但…”“抵减”等综合表述、"
    "谈的是上年情况，或针对结转结余（节约使结余增加）的，不报告。",
    "原因与变动方向相反，说明原因是套用的或数字有误，读者无法据此理解变动。",
    "机关运行经费支出 319.08 万元，决算数比上年增加 126.18 万元，增长 65.41%，主要原因：厉行节约，压减公用支出。",
)
def reason_against_change(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    claims = [c for c in doc.claims if c.kind in ("change", "compare") and _direction(c) is not None]
    if not claims:
        raise NotApplicable("说明中没有写明增减方向的变动或预决算比较")
    joined = joined_text(doc)
    for c in claims:
        if any(s in c.subject for s in _INVERSE_SUBJECTS):
            continue
        found = _reason(joined, c)
        if found is None:
            continue
        ctx.tick()
        at, reason = found
        if _HEDGED.search(reason) or _OTHER_YEAR.search(reason) or _other_year(reason, doc.year):
            continue
        down, up = _words(reason)
        direction = _direction(c)
        against, along = (down, up) if direction == "up" else (up, down)
        if not against or along:
            continue
        name = subject_zh(c.subject)
        if c.kind == "compare":
            change = f"决算数{c.direction}预算数"
        else:
            amount = c.values.get("change")
            change = f"较上年{c.direction}{f' {amount.raw} 万元' if amount else ''}"
        words = "、".join(dict.fromkeys(against))
        opposite = "减少" if direction == "up" else "增加"
        f = make_finding(
            rule,
            ctx,
            f"说明称{name}{change}，但所述主要原因“{reason}”只讲{opposite}（“{words}”），与变动方向相反。",
            [claim_evidence(c), Evidence(quote=reason, prov=joined.prov_at(at))],
            [reason],
            f"说明{c.direction}的原因",
            f"原因中的方向性词语（{words}）均指向{opposite}，而说明的变动为{c.direction}",
        )
        if f:
            yield f

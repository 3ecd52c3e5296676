"""Disclosure completeness (issue 8, item 3): each “三公” item disclosed on its own, 机关运行经费,
政府采购 and 国有资产 with their figures, a reason wherever a change or a gap to the budget is
stated, the tables the text says are published actually present, and (N320) the 类 the
财政拨款支出 section speaks of against the table's.

These rules read the narrative as running text: the passages (lines outside table cells) joined
without their line breaks, folded for matching (Kangxi radicals, ⻋ for 车) and without spaces, so a sentence
wrapped over three lines of a PDF is one sentence here."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from shared.knowledge.classification import category_code, category_name
from shared.knowledge.subjects import CATEGORY_PREFIX, ITEM_PREFIX, Subject, Topic
from shared.knowledge.tables import TABLE_TITLES, TableKind, ThreePublicItem, match_title
from shared.models import Category, Claim, Evidence, Finding, ParsedDocument, Prov, Severity
from shared.normalize import normalize_for_matching

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..derived import derived
from ..facts import Fact, fact, group_fact, three_public_actual_column
from ..findings import make_finding
from ..joined import JoinedPassages, join_passages
from ..tolerance import fmt, same_value
from .completeness import REQUIRED_TABLES

# --------------------------------------------------------------------------- the narrative as text


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", normalize_for_matching(text))


class Narrative(JoinedPassages):
    """The passages (folded for matching, without whitespace) joined into one string."""

    def offset_of(self, prov: Prov) -> int | None:
        if not hasattr(self, "_index"):
            self._index: dict[tuple[int | None, int | None], int] = {}
            for start, ref in zip(self.starts, self.refs, strict=True):
                self._index.setdefault((ref.prov.page, ref.prov.line), start)
        return self._index.get((prov.page, prov.line))


def _normalised(doc: ParsedDocument) -> tuple[list[tuple[str, Prov]], Narrative]:
    """One document's normalised passages, built once per document for the rules of this module."""
    return derived(doc, "disclosure_lines", _fold)


def _fold(doc: ParsedDocument) -> tuple[list[tuple[str, Prov]], Narrative]:
    j = join_passages(doc, _norm, keep_empty=False)
    lines = [
        (j.text[s:e], ref.prov)
        for s, e, ref in zip(j.starts, [*j.starts[1:], len(j.text)], j.refs, strict=True)
    ]
    return lines, Narrative(j.text, j.starts, j.refs)


def narrative(doc: ParsedDocument) -> Narrative:
    return _normalised(doc)[1]


_CN = "一二三四五六七八九十"
_LEVEL1 = re.compile(rf"^第[{_CN}]+部分")
_LEVEL2 = re.compile(rf"^[{_CN}]+、")
_LEVEL3 = re.compile(rf"^[（(][{_CN}]+[）)]")


@dataclass
class SectionText:
    heading: str
    text: str  # heading included
    start: int  # offset in the narrative
    prov: Prov


def section_text(doc: ParsedDocument, keyword: str) -> SectionText | None:
    """The longest narrative section whose heading (“七、政府采购支出情况说明”, “（二）政府采购支出
    情况”) names ``keyword``: the 目录's entry of the same title is one line, the section itself runs
    to the next heading of its level or above."""
    best: SectionText | None = None
    passages = _normalised(doc)[0]
    for i, (t, prov) in enumerate(passages):
        level = 2 if _LEVEL2.match(t) else 3 if _LEVEL3.match(t) else 0
        if not level or keyword not in t or re.search(r"[：:]是?指", t):
            continue  # not a heading, or a 名词解释 entry (“十一、机关运行经费：指…”)
        head = t + (passages[i + 1][0][:12] if i + 1 < len(passages) else "")
        if not ("情况" in head or "说明" in head):
            continue
        body = [t]
        for u, _ in passages[i + 1 :]:
            if _LEVEL1.match(u) or _LEVEL2.match(u) or (level == 3 and _LEVEL3.match(u)):
                break
            body.append(u)
        text = "".join(body)
        if best is None or len(text) > len(best.text):
            best = SectionText(t, text, 0, prov)
    return best


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。；;]", text) if s]


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# --------------------------------------------------------------------------- C005 “三公” items


_T = ThreePublicItem
_TP_SUBJECTS = {
    _T.ABROAD: Subject.TP_ABROAD,
    _T.VEHICLE: Subject.TP_VEHICLE,
    _T.VEHICLE_PURCHASE: Subject.TP_VEHICLE_PURCHASE,
    _T.VEHICLE_OPERATION: Subject.TP_VEHICLE_OPERATION,
    _T.RECEPTION: Subject.TP_RECEPTION,
    _T.TOTAL: Subject.TP_TOTAL,
}
_NONE_WORDS = r"(无|未发生|没有|未安排|未开支|未列支|不存在)"


@dataclass
class _Amount:
    value: Decimal
    fact: Fact | None
    claim: Claim | None

    @property
    def evidence(self) -> Evidence | None:
        if self.fact is not None:
            return self.fact.evidence()
        if self.claim is not None:
            return Evidence(quote=self.claim.source.quote, prov=self.claim.source.prov)
        return None

    @property
    def source(self) -> str:
        return "“三公”经费支出决算表决算数" if self.fact is not None else "说明所述决算数"


def _tp_amount(doc: ParsedDocument, item: ThreePublicItem) -> _Amount | None:
    """An item's 决算数: from the 三公 table when it has an actual column, else as narrated."""
    col = three_public_actual_column(doc)
    f = group_fact(doc, TableKind.THREE_PUBLIC, item.value, col) if col else None
    if f is not None and f.cell.state != "text" and f.confidence >= 0.6:
        return _Amount(f.value, f, None)
    subject = _TP_SUBJECTS[item].value
    for c in doc.claims:
        if c.subject != subject or c.topic != Topic.THREE_PUBLIC.value:
            continue
        q = c.values.get("amount") or c.values.get("actual") or c.values.get("current")
        if q is not None and q.unit in ("", "万元"):
            return _Amount(q.value, None, c)
    return None


def _nonzero(a: _Amount | None) -> bool | None:
    return None if a is None else a.value != 0


def _declared_none(sentences: list[str], word: str) -> bool:
    rx = re.compile(rf"{_NONE_WORDS}[^，,]{{0,12}}({word})|({word})[^，,]{{0,24}}{_NONE_WORDS}")
    return any(rx.search(s) for s in sentences)


def _required(spent: bool | None, sentences: list[str], word: str) -> bool:
    """An item's details are required when its 决算数 is not zero; when no figure is known, unless
    the text says it did not occur."""
    if spent is None:
        return not _declared_none(sentences, word)
    return spent


@rule(
    "C005",
    "three_public_items_disclosed",
    Category.COMPLETENESS,
    Severity.WARNING,
    "“三公”经费未逐项公开",
    "“三公”经费支出决算情况说明应逐项公开：因公出国（境）费及团组数、人次；公务用车购置费和运行维护费分别列示，"
    "以及购置数、保有量；公务接待费及批次、人次。某项没有发生时应写明（“未发生”“无…支出”或决算数为0）。"
    "某项决算数（“三公”表或说明所述）不为零而说明中缺少对应的数量信息，或购置费与运行维护费只合并列示，即报告。",
    "“三公”经费是社会关注度最高的公开内容，公开要求逐项列示金额和实物量；只给合计数会使读者无法监督。",
    "“三公”表公务接待费决算数 1.10 万元，说明中只写“公务接待费支出 1.10 万元”，没有接待批次和人次。",
)
def three_public_items_disclosed(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    sec = section_text(doc, "三公")
    if sec is None:
        raise NotApplicable("未找到“三公”经费支出决算情况说明（缺少该部分由 C003 报告）")
    text = sec.text
    sentences = _sentences(text)
    ctx.tick()
    total = _tp_amount(doc, _T.TOTAL)
    if re.search(rf"{_NONE_WORDS}[“\"”]?三公[”\"“]?经费", text) and not _nonzero(total):
        return  # “本部门2024年度无“三公”经费财政拨款支出”: every item declared not incurred
    heading = Evidence(quote=_clip(sec.heading, 60), prov=sec.prov)

    def finding(item_zh: str, amount: _Amount | None, missing: list[str], quote: str) -> Finding | None:
        stated = f"{amount.source} {fmt(amount.value)} 万元" if amount is not None else "决算数未知"
        evidence = [heading]
        if quote:
            evidence.append(Evidence(quote=_clip(quote), prov=sec.prov))
        if amount is not None and amount.evidence is not None:
            evidence.append(amount.evidence)
        return make_finding(
            rule,
            ctx,
            f"“三公”经费说明未逐项公开{item_zh}：{stated}，说明中未见" + "、".join(missing) + "。",
            evidence,
            [_clip(quote) if quote else f"（未提及{item_zh}）"],
            "应说明" + "、".join(missing) + "（未发生的应写明未发生）",
            f"在“三公”经费支出决算情况说明中查找{item_zh}的" + "、".join(missing) + f"；{item_zh}{stated}",
            suspect="说明未按要求逐项公开，报表数字本身不受影响",
        )

    def counted_item(
        item_zh: str, kind: _T, mention: str, word: str, counts: list[tuple[str, str]]
    ) -> Finding | None:
        """An item disclosed with its amount and counts (出国: 团组数 and 人次; 接待: 批次 and 人次):
        ``mention`` picks its sentences, ``word`` is what a “did not occur” statement names."""
        amount = _tp_amount(doc, kind)
        said = [s for s in sentences if re.search(mention, s)]
        ctx.tick()
        if not _required(_nonzero(amount), said, word):
            return None
        missing = []
        if not said:
            if amount is not None and amount.value:
                missing = [f"{item_zh}支出情况"]
        else:
            missing = [label for label, rx in counts if not any(re.search(rx, s) for s in said)]
        return finding(item_zh, amount, missing, said[0] if said else "") if missing else None

    persons = r"\d+人次|人次[数为共计：:]{0,4}\d+"
    f = counted_item(
        "因公出国（境）费",
        _T.ABROAD,
        "出国|团组",
        "出国",
        [("团组数", r"团组[数为共计：:]{0,4}\d+|\d+个?团组"), ("人次", persons)],
    )
    if f:
        yield f

    # 公务用车: 购置费 and 运行维护费 separately, 购置数, 保有量
    vehicle = _tp_amount(doc, _T.VEHICLE)
    purchase = _tp_amount(doc, _T.VEHICLE_PURCHASE)
    operation = _tp_amount(doc, _T.VEHICLE_OPERATION)
    car_s = [s for s in sentences if "车" in s]
    ctx.tick()
    amounts = [a for a in (vehicle, purchase, operation) if a is not None]
    any_spent = any(a.value for a in amounts) if amounts else None
    if _required(any_spent, car_s, "公务用车|用车|车辆"):
        missing = []
        if not car_s:
            if any_spent:
                missing = ["公务用车购置及运行维护费支出情况"]
        else:
            split = re.sub(r"购置(及|和|与|、)运行(维护|维修)?(费|支出)?", "", "".join(car_s))
            if not ("购置" in split and re.search(r"运行|运维|维护", split)):
                missing.append("购置费与运行维护费的分项金额")
            if _nonzero(purchase) and not re.search(
                r"购置[^。；]{0,16}?\d+辆|购置数|\d+辆[^。；]{0,6}购置", split
            ):
                missing.append("购置数（辆）")
            spent_on_cars = _nonzero(operation) or (operation is None and any_spent)
            if spent_on_cars and "保有" not in text:
                missing.append("保有量（辆）")
        if missing:
            base = vehicle or operation or purchase
            f = finding("公务用车购置及运行维护费", base, missing, car_s[0] if car_s else "")
            if f:
                yield f

    f = counted_item(
        "公务接待费",
        _T.RECEPTION,
        "接待",
        "公务接待|接待",
        [("接待批次", r"\d+批|批次[数为共计：:]{0,4}\d+"), ("接待人次", persons)],
    )
    if f:
        yield f


# --------------------------------------------------------------------------- C006 reasons


# Words that give (or introduce) a reason. Broad on purpose: any of them near a stated change
# counts as a reason given, so only a change stated with no explanation at all is reported.
_REASON = re.compile(
    r"原因|主要是|主要为|主要系|主要用于|用于|由于|因为|因此|所致|导致|影响|系|得益|随着|为了|因[^素]"
)
_CHANGE_TOPICS = {
    Topic.INCOME, Topic.EXPENDITURE, Topic.OVERVIEW, Topic.FISCAL_OVERVIEW, Topic.FISCAL,
    Topic.BASIC, Topic.THREE_PUBLIC, Topic.OPERATING_FUNDS,
}  # fmt: skip
# Budget gaps: the 财政拨款支出 items, and the “三公” total (its items are explained by their
# change against last year, and the templates do not ask a gap reason for each of them).
_GAP_SUBJECTS = {Topic.FISCAL: None, Topic.THREE_PUBLIC: {Subject.TP_TOTAL.value}}


def _stated_change(c: Claim) -> str | None:
    """“增加 81.59 万元” when the claim states a non-zero change (持平 and 0 need no reason)."""
    q = c.values.get("change")
    if q is None or q.value == 0 or "持平" in (c.direction or ""):
        return None
    return q.raw


def _gap_checked(c: Claim) -> bool:
    if c.topic not in _GAP_SUBJECTS:
        return False
    subjects = _GAP_SUBJECTS[Topic(c.topic)]
    return subjects is None or c.subject in subjects


def _stated_gap(c: Claim) -> bool:
    """决算数 and 预算数 differ beyond rounding."""
    budget, actual = c.values.get("budget"), c.values.get("actual")
    if budget is None or actual is None:
        return False
    return not same_value(budget.value, budget.places, actual.value, actual.places)


_ITEM_START = re.compile(rf"[（(][{_CN}\d]+[)）]|[{_CN}]+、|\d+[、.]|第[{_CN}]+部分")


@dataclass
class _Passage:
    sentence: str  # the sentence stating the change
    window: str  # that sentence and the next one
    after: str  # from the change (or rate) to the end of the next sentence
    prov: Prov


def _passage(nt: Narrative, c: Claim, anchor: str) -> _Passage | None:
    off = nt.offset_of(c.source.prov)
    if off is None:
        return None
    limit = off + len(_norm(c.source.quote)) + 160
    m = re.compile(rf"(增加|减少|增长|下降|上升|降低|减|增)[了为]?{re.escape(_norm(anchor))}").search(
        nt.text, off, limit
    )
    at = m.start() if m else nt.text.find(_norm(anchor), off, limit)
    if at < 0:
        return None
    start = nt.text.rfind("。", max(0, at - 400), at) + 1
    end1 = nt.text.find("。", at)
    end1 = len(nt.text) if end1 < 0 else end1
    end2 = nt.text.find("。", end1 + 1)
    end2 = len(nt.text) if end2 < 0 else end2
    if _ITEM_START.match(nt.text, end1 + 1):
        end2 = end1  # the next sentence is another item: its reason is not this one's
    return _Passage(
        nt.text[start : end1 + 1], nt.text[start : end2 + 1], nt.text[at : end2 + 1], nt.prov_at(start)
    )


@rule(
    "C006",
    "change_without_reason",
    Category.COMPLETENESS,
    Severity.WARNING,
    "变动或预决算差异未说明原因",
    "说明中写明某项金额较上年“增加/减少 X 万元”，或决算数与预算数不同（完成预算的 X%），应在同一句或紧接的下一句说明原因"
    "（“主要原因是…”“主要用于…”“由于…”等）。与上年持平、变动为0、决算等于预算，以及合计数后接“其中：”逐项说明原因的，不要求。",
    "公开要求对增减变化和预决算差异作出解释；只列数字不说原因，读者无法判断变化是否合理。",
    "“本年支出合计 366.52 万元，较上年减少 0.62 万元，下降 0.17%。”其后直接进入下一项，未说明减少原因。",
)
def change_without_reason(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    todo: list[tuple[Claim, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for c in doc.claims:
        topic = c.topic
        if c.kind == "change" and topic in _CHANGE_TOPICS and (anchor := _stated_change(c)):
            todo.append((c, anchor, "change"))
        elif c.kind == "completion" and _gap_checked(c) and _stated_gap(c):
            rate = c.values.get("rate")
            todo.append((c, rate.raw if rate else c.values["actual"].raw, "gap"))
    if not todo:
        raise NotApplicable("说明中没有写明增减变化或预决算差异的语句")
    nt = narrative(doc)
    for c, anchor, what in todo:
        found = _passage(nt, c, anchor)
        if found is None:
            ctx.skip(f"未能在正文中定位“{_clip(c.source.quote, 30)}”")
            continue
        ctx.tick()
        key = (found.sentence, what)
        if key in seen:
            continue
        seen.add(key)
        if _REASON.search(found.window) or re.match(r"[^。]*。?其中[：:，,]", found.after):
            continue  # a reason, or “…，其中：” / “…。其中：” and the parts explained one by one
        name = c.subject_text or c.subject
        if what == "change":
            q = c.values["change"]
            told = f"{c.direction or ''}{q.raw}万元"
            msg = f"说明称{name}较上年{told}，但该句及下一句均未说明变动原因。"
            expected = "说明增减变动的主要原因"
        else:
            b, a = c.values["budget"], c.values["actual"]
            told = f"预算数{b.raw}万元、决算数{a.raw}万元"
            msg = f"说明称{name}{told}，决算与预算不一致，但该句及下一句均未说明差异原因。"
            expected = "说明决算数与预算数差异的主要原因"
        f = make_finding(
            rule,
            ctx,
            msg,
            [Evidence(quote=_clip(found.window, 160), prov=found.prov)],
            [told],
            expected,
            "在写明变动（或预决算差异）的句子及其下一句中查找“原因/主要是/用于/由于”等说明原因的用语",
            suspect="说明缺少原因，数字本身不受影响",
        )
        if f:
            yield f


# --------------------------------------------------------------------------- C007 机关运行经费, 政府采购, 国有资产

_AMOUNT = r"\d+(?:\.\d+)?万?元"


def _procurement_gaps(text: str) -> list[str]:
    if re.search(
        rf"{_NONE_WORDS}[^，。]{{0,8}}政府采购|政府采购[^，。]{{0,12}}(总额|金额)?[为是]?0(\.0+)?万?元[。，；]",
        text,
    ):
        return []  # no procurement this year
    gaps = []
    if not re.search(rf"政府采购[^。]{{0,30}}?{_AMOUNT}", text):
        gaps.append("政府采购支出总额")
    parts = [w for w in ("货物", "工程", "服务") if not re.search(rf"{w}[^。；，、]{{0,16}}?{_AMOUNT}", text)]
    if parts:
        gaps.append("、".join(parts) + "采购金额")
    if "中小企业" not in text and "中小微企业" not in text:
        gaps.append("授予中小企业合同金额")
    return gaps


def _assets_gaps(text: str, doc: ParsedDocument) -> list[str]:
    if re.search(r"车辆[^。]{0,6}?\d+辆|\d+辆", text):
        return []
    if "国有资产占用情况表" in text and doc.table(TableKind.STATE_ASSETS) is not None:
        return []  # “…情况见公开10表《国有资产占用情况表》”, and that table is published
    return ["车辆数（辆）"]


def _operating_gaps(text: str) -> list[str]:
    if re.search(_AMOUNT, text) or re.search(rf"{_NONE_WORDS}[^，。]{{0,6}}机关运行经费", text):
        return []
    return ["机关运行经费支出金额"]


@rule(
    "C007",
    "required_items_disclosed",
    Category.COMPLETENESS,
    Severity.WARNING,
    "机关运行经费、政府采购或国有资产占用说明内容不全",
    "决算情况说明中的机关运行经费部分应写明支出金额；政府采购部分应写明采购支出总额，货物、工程、服务三类金额，以及授予中小企业的合同金额"
    "（没有政府采购的应写明“无”或0）；国有资产占用部分应写明车辆数（或指明已公开的国有资产占用情况表）。"
    "缺少整个部分由 C003 报告，本规则只看已有部分的内容。",
    "这些是公开模板逐项要求的内容，写了标题却缺少关键数字，等于没有公开。",
    "“七、政府采购支出情况说明 本部门2023年度政府采购支出总额40.64万元。”未说明货物、工程、服务金额和授予中小企业合同金额。",
)
def required_items_disclosed(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    checks = [
        ("政府采购", "政府采购支出情况说明", lambda t: _procurement_gaps(t)),
        ("国有资产", "国有资产占用情况说明", lambda t: _assets_gaps(t, doc)),
        ("机关运行经费", "机关运行经费支出情况说明", lambda t: _operating_gaps(t)),
    ]
    sections = [
        (sec, title, gaps) for kw, title, gaps in checks if (sec := section_text(doc, kw)) is not None
    ]
    if not sections:
        raise NotApplicable("未找到机关运行经费、政府采购、国有资产占用情况说明（缺少这些部分由 C003 报告）")
    for sec, title, gaps_of in sections:
        ctx.tick()
        body = sec.text[len(sec.heading) :]
        gaps = gaps_of(sec.text)
        if not gaps:
            continue
        f = make_finding(
            rule,
            ctx,
            f"“{title}”未写明" + "、".join(gaps) + "。",
            [Evidence(quote=_clip(sec.text, 160), prov=sec.prov)],
            [_clip(body, 80) or "（该部分无正文）"],
            "应写明" + "、".join(gaps),
            f"在“{_clip(sec.heading, 30)}”部分的正文中查找上述内容",
            suspect="说明未按模板要求公开，报表数字本身不受影响",
        )
        if f:
            yield f


# --------------------------------------------------------------------------- C008 tables the text promises

_TABLE_REF = re.compile(r"(?:详见|参见|见|附)[^。；]{0,12}?(?:公开\d{1,2}表)?《([^》]{2,40}表)》")
_SELF_EVAL_REF = re.compile(
    r"(?:详见|参见|见|附件|附表)[^。；（(]{0,30}?绩效自评表|绩效自评表[^。；]{0,6}(?:如下|附后|见附件)"
    r"|将[^。；]{0,40}《项目支出绩效自评表》(?:进行|予以)?公开"
)


# “具体详见：附件3：…信访工作专项经费《部门评价表》”, “详见附件：…2020年度财政预算绩效管理报告”: an
# attachment named by its title (in 《》, or the rest of the line)
_ATTACHMENT_REF = re.compile(r"(?:详见|参见|见)[:：]?附件[0-9一二三四五六七八九十]{0,2}[：:]")
_TITLE_IN_QUOTES = re.compile(r"《([^》]{2,30})》")
_TITLE_PREFIX = re.compile(r"^.*?(?:\d{4}年度?|单位|机关|部门|局|委|办|处|室|中心)")


def _attachments_missing(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    """An attachment the text points to by its title, the title nowhere else in the document (not
    as a heading, not in any other line): the attachment was not published, or the reference names
    another one."""
    lines, nt = _normalised(doc)
    for m in _ATTACHMENT_REF.finditer(nt.text):
        ctx.tick()
        first = bisect.bisect_right(nt.starts, m.end()) - 1  # the line the title starts on
        line_end = nt.starts[first] + len(lines[first][0])
        quoted = _TITLE_IN_QUOTES.search(nt.text, m.end(), m.end() + 60)
        if quoted:  # the title may wrap: “…信访工作专” / “项经费《部门评价表》”
            title, end = quoted.group(1), quoted.end()
        else:
            title, end = nt.text[m.end() : line_end], line_end
        core = title if quoted else _TITLE_PREFIX.sub("", title)
        if len(core) < 4 or not re.search(r"表|报告|评价|自评", core):
            continue
        last = bisect.bisect_right(nt.starts, max(end - 1, m.end())) - 1
        spans = range(bisect.bisect_right(nt.starts, m.start()) - 1, last + 1)
        if any(core in t for j, (t, _) in enumerate(lines) if j not in spans):
            continue
        ref = _clip(nt.text[m.start() : end], 70)
        f = make_finding(
            rule,
            ctx,
            f"正文称“{ref}”，文件中未找到标题为“{core}”的附件。",
            [Evidence(quote=ref, prov=nt.prov_at(m.start()))],
            [title],
            f"应附“{core}”",
            "按正文所指附件的标题在全文其他各行中查找",
            suspect="附件漏附，或正文所引附件的编号、标题有误",
        )
        if f:
            yield f


def _required_tables(doc: ParsedDocument) -> set[TableKind]:
    return set(REQUIRED_TABLES) | set(doc.tables_listed)


@rule(
    "C008",
    "promised_table_missing",
    Category.COMPLETENESS,
    Severity.WARNING,
    "正文称已公开的表格或附件未见",
    "说明中写“详见公开10表《国有资产占用情况表》”“项目支出绩效自评表如下/详见附件”，文件中却没有该表或附件。"
    "正文按标题指向的附件（“详见:附件3：…《部门评价表》”）在全文其他地方都找不到该标题时也报告。"
    "标准公开表缺失由 C001 报告（不重复）；全文一张决算表都没有时（可能为图片）不判断决算表，只判断绩效自评表。",
    "正文指向的内容不存在，读者无法核对，通常是公开时漏附。",
    "“本部门国有资产占用情况见公开10表《国有资产占用情况表》。”文件中没有国有资产占用情况表。",
)
def promised_table_missing(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    nt = narrative(doc)
    table_refs = list(_TABLE_REF.finditer(nt.text)) if len(doc.tables) >= 3 else []
    eval_refs = list(_SELF_EVAL_REF.finditer(nt.text))
    if not table_refs and not eval_refs and not _ATTACHMENT_REF.search(nt.text):
        raise NotApplicable("正文没有指向具体表格或附件的语句（或未读取到决算表）")
    present = {t.kind for t in doc.tables}
    reported: set[str] = set()
    for m in table_refs:
        kind = match_title(m.group(1))
        if kind is None:
            continue
        ctx.tick()
        if kind in present or kind in _required_tables(doc) or kind.value in reported:
            continue
        reported.add(kind.value)
        f = make_finding(
            rule,
            ctx,
            f"正文称“{_clip(m.group(0), 40)}”，文件中未找到“{TABLE_TITLES[kind]}”。",
            [Evidence(quote=_clip(m.group(0), 60), prov=nt.prov_at(m.start()))],
            [m.group(0)],
            f"应公开{TABLE_TITLES[kind]}",
            "按表格标题在全文中查找正文所指的表",
            0.95 if not doc.kind.has_layout else 1.0,
            note="若该表以图片形式公开，请人工确认。" if not doc.kind.has_layout else None,
            suspect="正文所指的表缺失，或正文引用有误",
        )
        if f:
            yield f
    yield from _attachments_missing(rule, doc, ctx)
    if eval_refs:
        ctx.tick()
        titled = any(
            "自评表" in t and len(t) <= 40 and not re.search(r"[。，]|如下|见|[：:]$", t)
            for t, _ in _normalised(doc)[0]
        )
        if not doc.score_tables and not titled:
            m = eval_refs[0]
            f = make_finding(
                rule,
                ctx,
                f"正文称“{_clip(m.group(0), 40)}”，文件中未找到项目支出绩效自评表。",
                [Evidence(quote=_clip(m.group(0), 60), prov=nt.prov_at(m.start()))],
                [m.group(0)],
                "应附项目支出绩效自评表",
                "在全文中查找绩效自评表的标题和评分表",
                suspect="附件缺失，或正文引用有误",
            )
            if f:
                yield f


# --------------------------------------------------------------------------- N320 the 类 the narrative lists


def _listed_categories(doc: ParsedDocument) -> dict[str, Claim]:
    """The 功能分类 类 the 财政拨款支出 section speaks of (“（一）一般公共服务支出…”, or a 项
    “一般公共服务支出（类）财政事务（款）行政运行（项）”), each with its first claim."""
    out: dict[str, Claim] = {}
    for c in doc.claims:
        if c.topic != Topic.FISCAL.value:
            continue
        code = None
        if c.subject.startswith(CATEGORY_PREFIX):
            code = c.subject[len(CATEGORY_PREFIX) :]
        elif c.subject.startswith(ITEM_PREFIX):
            code = category_code(c.subject[len(ITEM_PREFIX) :].split("|")[0])
        if code and code not in out:
            out[code] = c
    return out


def _category_rows(doc: ParsedDocument, kind: TableKind, column: str) -> dict[str, Fact]:
    t = doc.table(kind)
    out: dict[str, Fact] = {}
    for r in t.rows if t else []:
        if r.code and len(r.code) == 3 and r.side != "income" and (f := fact(t, r, column)) is not None:
            out.setdefault(r.code, f)
    return out


@rule(
    "N320",
    "fiscal_categories_vs_table",
    Category.NARRATIVE_TABLE,
    Severity.WARNING,
    "财政拨款支出说明所列科目与报表不符",
    "财政拨款支出决算情况说明逐类（或逐项）说明支出时，一般公共预算财政拨款支出决算表中有金额的每个“类”都应说到；"
    "说明中说到的“类”在各财政拨款表（一般公共预算、政府性基金、国有资本经营，或财政拨款收入支出决算总表）中应有金额。",
    "漏说有金额的科目，或说明报表中没有的科目，读者无法把说明与报表对上，常见于套用上年文本。",
    "一般公共预算财政拨款支出决算表 208 社会保障和就业支出 285.18 万元，财政拨款支出说明只说了一般公共服务、卫生健康和住房保障支出。",
)
def fiscal_categories_vs_table(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    listed = _listed_categories(doc)
    general = _category_rows(doc, TableKind.GENERAL_BUDGET_EXPENDITURE, "本年支出合计")
    if not listed or not general:
        raise NotApplicable("说明中没有逐类的财政拨款支出说明，或未找到一般公共预算财政拨款支出决算表")
    if any(f.confidence < 0.6 for f in general.values()):
        raise NotApplicable("一般公共预算财政拨款支出决算表的类级金额读数不确定")
    others = [
        _category_rows(doc, TableKind.GOV_FUND, "本年支出合计"),
        _category_rows(doc, TableKind.STATE_CAPITAL, "本年支出合计"),
        _category_rows(doc, TableKind.FISCAL_SUMMARY, "小计"),
    ]
    ctx.tick(len(general) + len(listed))
    omitted = [f for code, f in sorted(general.items()) if f.value > 0 and code not in listed]
    anywhere = {code for rows in [general, *others] for code, f in rows.items() if f.value > 0}
    absent = [(code, c) for code, c in sorted(listed.items()) if code not in anywhere]
    if not omitted and not absent:
        return
    parts, evidence = [], []
    if omitted:
        parts.append(
            "报表中有金额而说明未提及："
            + "、".join(
                f"{f.row.code} {category_name(f.row.code or '')} {fmt(f.value)} 万元" for f in omitted
            )
        )
        evidence += [f.evidence() for f in omitted[:4]]
    if absent:
        parts.append(
            "说明提及而各财政拨款表中没有金额："
            + "、".join(f"{code} {category_name(code)}" for code, _ in absent)
        )
        evidence += [Evidence(quote=_clip(c.source.quote, 80), prov=c.source.prov) for _, c in absent[:4]]
    said = "、".join(category_name(code) for code in sorted(listed))
    f = make_finding(
        rule,
        ctx,
        "财政拨款支出说明所列的类与一般公共预算财政拨款支出决算表不符。" + "；".join(parts) + "。",
        evidence,
        [said],
        "、".join(category_name(code) for code, f in sorted(general.items()) if f.value > 0),
        "以一般公共预算财政拨款支出决算表中金额不为零的类级科目，对照说明中逐类（逐项）说明的科目",
        min([f.confidence for f in omitted] or [1.0]),
        suspect="说明漏列或多列了科目，报表数字本身不受影响",
    )
    if f:
        yield f

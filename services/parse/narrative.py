"""Narrative claims: what the 决算情况说明 and the 绩效 annexes state, each with its source span.

Lines outside the tables are stitched into one stream per section (:mod:`.stream`), cut into
sentences, and each sentence's numbers are read with the phrase that names them: an amount and its
subject, a change against last year (“较上年增加…”, “与2023年度相比，…减少…”, “…持平”), a share
(“占…%”), a completion rate, counts, scores; the item-by-item part of 五(三) (an item's 用途 and
its budget and actual) and the composition lists of 六 (“人员经费…主要包括：…”).
"""

from __future__ import annotations

import re
from decimal import Decimal

from shared.document import Line
from shared.knowledge.classification import category_code
from shared.knowledge.subjects import Subject, Topic, category_subject, item_subject
from shared.models import Claim, Quantity, SourceRef

from .lines.locate import PAGE_NO_RE
from .narrative_patterns import (
    AFTER_ACTUAL_RE,
    AFTER_BUDGET_RE,
    AMOUNT_RE,
    CATEGORY_BEFORE_RE,
    CHANGE_NAMED_RE,
    CHANGE_RE,
    CHANGE_WORD_BEFORE_RE,
    COMPARE_RE,
    COMPLETION_RE,
    COUNT_RES,
    FLAT_RE,
    GRADE_RE,
    HEADING2_RE,
    HEADING3_RE,
    ITEM_HEAD_RE,
    ITEM_SCORE_RE,
    LIST_RE,
    NUM,
    PART_RE,
    SCORE_SUM_RE,
    SECTION_SCORE_RE,
    SHARE_RE,
    SME_SHARE_RE,
    USAGE_RE,
)
from .narrative_subjects import find_subject, topic_of
from .numbers import places_of, to_decimal
from .stream import Stream

# sub-sections (（一）…) that open a topic of their own (十一、其他重要事项 holds three of them)
SUBSECTION_TOPICS = (Topic.OPERATING_FUNDS, Topic.PROCUREMENT, Topic.ASSETS, Topic.PERFORMANCE)


def qty(raw: str, unit: str = "") -> Quantity:
    return Quantity(value=to_decimal(raw) or Decimal(0), raw=raw, unit=unit, places=places_of(raw))


_ASIDE_RE = re.compile(r"（[^（）]*）|\([^()]*\)")
_FILLER_RE = re.compile(r"[\s，,、：:（）()\d.]")


def _short(prefix: str, limit: int) -> bool:
    """True when the text between a value and what refers back to it names nothing else."""
    prefix = _ASIDE_RE.sub("", prefix)  # asides in brackets refer to nothing
    return len(_FILLER_RE.sub("", prefix)) <= limit


def _sentences(s: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^。；;]+[。；;]?", s)]


class ClaimExtractor:
    def __init__(self) -> None:
        self.claims: list[Claim] = []
        self.years: list[tuple[int, SourceRef]] = []
        self._last_start: int | None = None
        self._latest: dict[str, Quantity] = {}  # the amount last stated for each subject
        self._item: tuple[str, str] | None = None  # (subject, name) of the 项 being described
        self._item_budget: Quantity | None = None
        self._pair: tuple[tuple[str, str], Quantity, Quantity] | None = None  # last (subject, budget, actual)
        self._pair_other: Quantity | None = None  # the other budget stated with it (全年 besides 年初)

    # ------------------------------------------------------------------ streams by heading
    def run(self, lines: list[Line]) -> list[Claim]:
        topic, subtopic = "", ""
        stream = Stream()
        in_glossary = False
        for ln in lines:
            norm = ln.norm.strip()
            if not norm or PAGE_NO_RE.match(norm):
                continue  # page footers ("— 14 —") can fall in the middle of a sentence
            part = PART_RE.match(norm)
            if part:
                self._flush(stream, topic, subtopic)
                stream = Stream()
                in_glossary = "名词解释" in norm
                topic, subtopic = (Topic.PERFORMANCE if "附件" in norm else ""), ""
                continue
            if in_glossary:
                continue
            if HEADING2_RE.match(norm) and len(norm) < 40 and (t := topic_of(norm)):
                self._flush(stream, topic, subtopic)
                stream = Stream()
                topic, subtopic = t, ""
                rest = HEADING2_RE.sub("", norm)
                if len(rest) > 20:  # heading and text on one line
                    stream.add(ln)
                continue
            if HEADING3_RE.match(norm):
                self._flush(stream, topic, subtopic)
                stream = Stream()
                subtopic = HEADING3_RE.sub("", norm)[:30]
                sub = topic_of(subtopic)
                if sub in SUBSECTION_TOPICS and len(norm) < 40:
                    topic = sub
            stream.add(ln)
        self._flush(stream, topic, subtopic)
        return self.claims

    def _flush(self, stream: Stream, topic: str, subtopic: str) -> None:
        if not stream.norm:
            return
        last: tuple[str, Quantity] | None = None
        self._item = None
        self._pair = self._pair_other = None
        for start, end in _sentences(stream.norm):
            last = self._sentence(stream, start, end, topic, subtopic, last)
        self._grades(stream, topic)

    # ------------------------------------------------------------------ one sentence
    def _sentence(
        self, st: Stream, s0: int, s1: int, topic: str, subtopic: str, last: tuple[str, Quantity] | None
    ) -> tuple[str, Quantity] | None:
        sent = st.norm[s0:s1]
        if topic == Topic.FISCAL:
            self._item_context(st, s0, sent, topic)
        used: list[tuple[int, int]] = []
        events: list[tuple[int, str, re.Match[str]]] = []
        for rx, kind in (
            (COMPLETION_RE, "completion"),
            (CHANGE_RE, "change"),
            (CHANGE_NAMED_RE, "change_named"),
            (FLAT_RE, "flat"),
            (SHARE_RE, "share"),
        ):
            for m in rx.finditer(sent):
                if not any(a < m.end() and m.start() < b for a, b in used):
                    used.append((m.start(), m.end()))
                    events.append((m.start(), kind, m))
        for m in AMOUNT_RE.finditer(sent):
            if not any(a <= m.start() < b for a, b in used):
                events.append((m.start(), "amount", m))
        events.sort(key=lambda e: e[0])
        prev_end = 0
        budget_subject: tuple[str, str] | None = None
        for pos, kind, m in events:
            ref = st.ref(s0 + m.start(), s0 + m.end())
            prefix = sent[prev_end:pos]
            if kind == "amount":
                if CHANGE_WORD_BEFORE_RE.search(prefix):
                    prev_end = m.end()  # “…支出决算减少 0.15 万元”: a change, not the quantity itself
                    continue
                if self._item is not None and self._item_amount(m, prefix, topic, ref):
                    prev_end = m.end()
                    continue
                subj = self._subject(prefix, topic, subtopic)
                if subj is None and budget_subject and AFTER_ACTUAL_RE.search(prefix):
                    subj, budget_subject = budget_subject, None
                elif subj and AFTER_BUDGET_RE.search(prefix):
                    budget_subject = subj  # “全年预算数 B 万元，决算数 A 万元”: A is the amount
                    prev_end = m.end()
                    continue
                if subj:
                    q = qty(m.group("n"), m.group("u"))
                    self._add("amount", subj, topic, {"amount": q}, ref)
                    last = (subj[0], q)
                    self._latest[subj[0]] = q
                    named_at = sent.rfind(subj[1], 0, pos) if subj[1] else -1
                    self._last_start = s0 + (named_at if named_at >= 0 else max(0, pos - len(subj[1]) - 2))
            elif kind == "completion":
                last = self._completion(m, sent[:pos], topic, subtopic, ref) or last
                self._last_start = s0 + m.start()
            elif kind == "change" and last is not None and _short(prefix, 8):
                start = (
                    self._last_start
                    if self._last_start is not None and self._last_start < s0 + m.start()
                    else s0 + m.start()
                )
                self._change(m, last, topic, st.ref(max(start, s0 + m.start() - 80), s0 + m.end()))
            elif kind == "change_named":
                named = self._named(m.group("subj"), last)
                if named is not None:
                    self._change(m, named, topic, ref)
            elif kind == "flat":
                self._flat(m, prefix, last, topic, ref)
            elif kind == "share" and last is not None and _short(prefix, 2):
                if self._last_start is not None and s0 + m.start() - 60 <= self._last_start < s0 + m.start():
                    ref = st.ref(self._last_start, s0 + m.end())  # quote the part with its share
                base = m.group("base") or ""
                found = find_subject(base)
                base_key = found[0] if found else None
                if base_key is None and "项目支出" in base:
                    base_key = Subject.PROJECT
                values = {"part": last[1]}
                if m.group("p"):
                    values["percent"] = qty(m.group("p"), "%")
                self._add("share", (last[0], ""), topic, values, ref, base=base_key or "")
            prev_end = m.end()
        self._counts(st, s0, sent, topic)
        self._scores(st, s0, sent, topic)
        if topic == Topic.PROCUREMENT:
            self._sme_shares(st, s0, sent, topic)
        if topic == Topic.BASIC:
            self._lists(st, s0, sent, topic)
        if self._pair is not None:
            self._compare(st, s0, sent, topic)
        return last

    def _add(
        self,
        kind: str,
        subj: tuple[str, str],
        topic: str,
        values: dict[str, Quantity],
        ref: SourceRef,
        base: str | None = None,
        **extra: object,
    ) -> Claim:
        claim = Claim(
            kind=kind,
            subject=subj[0],
            subject_text=subj[1],
            topic=topic,
            values=values,
            base=base,
            source=ref,
            **extra,
        )
        self.claims.append(claim)
        return claim

    def _subject(self, prefix: str, topic: str, subtopic: str) -> tuple[str, str] | None:
        if (
            topic == Topic.FISCAL
            and (m := CATEGORY_BEFORE_RE.search(prefix))
            and (code := category_code(m.group(1)))
        ):
            return (category_subject(code), m.group(1))  # “一般公共服务支出（类）2106.66万元”
        found = find_subject(prefix)
        if found:
            return found
        if topic == Topic.FISCAL and "决算数" in prefix and subtopic:
            m = re.match(r"^([\u4e00-\u9fff]+?支出)", subtopic)
            code = category_code(m.group(1)) if m else None
            if code and m:
                return (category_subject(code), m.group(1))
        return None

    def _named(self, text: str, last: tuple[str, Quantity] | None) -> tuple[str, Quantity] | None:
        """The subject named in “与上年相比，<subject>增加…” and its current amount (the one the
        text stated last for it)."""
        found = find_subject(text)
        if found is None:
            return None
        current = self._latest.get(found[0])
        if current is None and last is not None and last[0] == found[0]:
            current = last[1]
        return (found[0], current) if current is not None else None

    def _completion(
        self, m: re.Match[str], before: str, topic: str, subtopic: str, ref: SourceRef
    ) -> tuple[str, Quantity] | None:
        subj = self._item or self._completion_subject(before, topic, subtopic)
        first, second = (m.group("bw"), m.group("b")), (m.group("bw2"), m.group("b2"))
        scope = m.group("scope") or ""
        budget, other = (
            (second, first) if second[0] and scope and second[0].startswith(scope) else (first, second)
        )
        values = {
            "budget": qty(budget[1], "万元"),
            "actual": qty(m.group("a"), "万元"),
            "rate": qty(m.group("r"), "%"),
        }
        if other[1]:
            values["budget_other"] = qty(other[1], "万元")
        self._add("completion", subj, topic, values, ref, base=budget[0], detail=other[0] or None)
        self._pair = (subj, values["budget"], values["actual"])
        if "budget_other" in values:
            self._pair_other = values["budget_other"]
        self._add("amount", subj, topic, {"amount": values["actual"]}, ref)
        self._latest[subj[0]] = values["actual"]
        return (subj[0], values["actual"])

    def _completion_subject(self, before: str, topic: str, subtopic: str) -> tuple[str, str]:
        clause = re.split(r"[。；]", before)[-1]
        if topic == Topic.FISCAL:
            m = re.search(r"([\u4e00-\u9fff]+支出)\s*[（(]类[）)]", clause) or (
                re.search(r"[（(][一二三四五六七八九十]+[）)]\s*([\u4e00-\u9fff]+支出)", clause)
            )
            if m and (code := category_code(m.group(1))):
                return (category_subject(code), m.group(1))
            if "财政拨款" in clause:
                return (Subject.FISCAL_TOTAL, "财政拨款本年支出")
        found = find_subject(clause)
        if found:
            return found
        return (Subject.FISCAL_TOTAL if topic == Topic.FISCAL else f"unknown:{topic}", clause[-20:])

    def _change(self, m: re.Match[str], last: tuple[str, Quantity], topic: str, ref: SourceRef) -> None:
        values = {"current": last[1], "change": qty(m.group("c"), "万元")}
        if m.group("p"):
            values["percent"] = qty(m.group("p"), "%" if m.group("pct") else "")
        if m.group("year"):
            self.years.append((int(m.group("year")), ref))
        self._add(
            "change", (last[0], ""), topic, values, ref, direction=m.group("dir"), rate_word=m.group("rw")
        )

    def _flat(
        self, m: re.Match[str], prefix: str, last: tuple[str, Quantity] | None, topic: str, ref: SourceRef
    ) -> None:
        """“与上年相比，<subject>持平” or “<amount>，与上年持平”: a change of zero."""
        subj = find_subject(m.group("subj") or "")
        if subj is None and last is not None and _short(prefix, 10):
            subj = (last[0], "")
        if subj is None:
            subj = find_subject(prefix)
        if subj is None:
            return
        values = {"change": qty("0", "万元")}
        if subj[0] in self._latest:
            values["current"] = self._latest[subj[0]]
        if m.group("year"):
            self.years.append((int(m.group("year")), ref))
        basic = m.group("basic") or m.group("basic2")  # “基本持平”: roughly unchanged
        self._add("change", subj, topic, values, ref, direction="基本持平" if basic else "持平")

    # ------------------------------------------------------------------ 五(三) items, 六 lists
    def _item_context(self, st: Stream, s0: int, sent: str, topic: str) -> None:
        """An item heading (类/款/项 names) opens the item its next sentences describe."""
        head = ITEM_HEAD_RE.search(sent)
        if head:
            names = [re.sub(r"\s+", "", head.group(g)) for g in ("lei", "kuan", "xiang")]
            names[0] = re.sub(r"^[\d、.．]+", "", names[0])
            self._item = (item_subject(*names), names[2])
        if self._item is None:
            return
        usage = USAGE_RE.search(sent)
        if usage:
            ref = st.ref(s0 + usage.start(), s0 + usage.end())
            self._add("usage", self._item, topic, {}, ref, detail=usage.group("what").strip())

    def _item_amount(self, m: re.Match[str], prefix: str, topic: str, ref: SourceRef) -> bool:
        """“年初预算为 B 万元，支出决算为 A 万元” inside an item: its budget, then its amount."""
        assert self._item is not None
        if AFTER_BUDGET_RE.search(prefix):
            self._item_budget = qty(m.group("n"), m.group("u"))
            return True
        if AFTER_ACTUAL_RE.search(prefix):
            values = {"amount": qty(m.group("n"), m.group("u"))}
            if self._item_budget is not None:
                values["budget"] = self._item_budget
                self._pair = (self._item, self._item_budget, values["amount"])
                self._item_budget = None
            self._add("amount", self._item, topic, values, ref)
            return True
        return False

    def _compare(self, st: Stream, s0: int, sent: str, topic: str) -> None:
        """“决算数小于预算数…”: how the last budget and actual stated compare, in words."""
        assert self._pair is not None
        for m in COMPARE_RE.finditer(sent):
            subj, budget, actual = self._pair
            word = m.group("w") or (("基本" if m.group("b") else "") + "持平")
            ref = st.ref(s0 + m.start(), s0 + m.end())
            values = {"budget": budget, "actual": actual}
            if self._pair_other is not None:
                values["budget_other"] = self._pair_other
            self._add("compare", subj, topic, values, ref, direction=word)
            self._pair = self._pair_other = None
            return

    def _lists(self, st: Stream, s0: int, sent: str, topic: str) -> None:
        for m in LIST_RE.finditer(sent):
            items = [re.sub(r"\s+", "", x) for x in re.split(r"[、，,]", m.group("items")) if x.strip()]
            items = [re.sub(r"(等|等等)$", "", x) for x in items if x]
            subject = Subject.PERSONNEL if m.group("subj") == "人员经费" else Subject.PUBLIC_FUNDS
            ref = st.ref(s0 + m.start("items"), s0 + m.end("items"))
            self._add(
                "list",
                (subject, m.group("subj")),
                topic,
                {"amount": qty(m.group("n"), "万元")},
                ref,
                items=items,
            )

    # ------------------------------------------------------------------ counts, shares, scores
    def _sme_shares(self, st: Stream, s0: int, sent: str, topic: str) -> None:
        keys = {"货物": Subject.PROC_GOODS, "工程": Subject.PROC_WORKS, "服务": Subject.PROC_SERVICES}
        for m in SME_SHARE_RE.finditer(sent):
            ref = st.ref(s0 + m.start(), s0 + m.end())
            key = keys[m.group("t")]
            self._add(
                "share",
                ("proc:sme_of:" + key, m.group(0)),
                topic,
                {"percent": qty(m.group("p"), "%")},
                ref,
                base=key,
            )

    def _counts(self, st: Stream, s0: int, sent: str, topic: str) -> None:
        for rx, key in COUNT_RES:
            for m in rx.finditer(sent):
                ref = st.ref(s0 + m.start(), s0 + m.end())
                self._add("count", (key, m.group(0)), topic, {"count": qty(m.group("n"))}, ref)

    def _grades(self, st: Stream, topic: str) -> None:
        """Scanned over the whole stream: the grade is often in the sentence after the score."""
        for m in GRADE_RE.finditer(st.norm):
            ref = st.ref(m.start(), m.end())
            self._add(
                "grade",
                (Subject.GRADE, ""),
                topic,
                {"score": qty(m.group("s"), "分")},
                ref,
                grade=m.group("g"),
            )

    def _scores(self, st: Stream, s0: int, sent: str, topic: str) -> None:
        for m in SCORE_SUM_RE.finditer(sent):
            parts = [("", qty(p, "分")) for p in re.findall(rf"({NUM})\s*分", m.group("inner"))]
            if len(parts) >= 2:
                ref = st.ref(s0 + m.start(), s0 + m.end())
                c = self._add(
                    "sum", (Subject.SCORE_TOTAL, ""), topic, {"total": qty(m.group("t"), "分")}, ref
                )
                c.parts = parts


def extract_section_scores(lines: list[Line]) -> list[Claim]:
    """部门评价 reports: “本次评价项目决策方面共设置 20 分，得 20 分” followed by its items
    “该指标满分 4 分，得 4 分”. Each section becomes a ``sum`` claim over its items."""
    st = Stream()
    for ln in lines:
        if ln.norm.strip():
            st.add(ln)
    claims: list[Claim] = []
    heads = list(SECTION_SCORE_RE.finditer(st.norm))
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else min(len(st.norm), h.end() + 4000)
        items = list(ITEM_SCORE_RE.finditer(st.norm, h.end(), end))
        if not items:
            continue
        name = re.findall(r"项目(\S{2,4}?)方面", st.norm[max(0, h.start() - 12) : h.end()])
        claim = Claim(
            kind="sum",
            subject=Subject.SCORE_SECTION,
            subject_text=name[0] if name else "",
            topic=Topic.PERFORMANCE,
            values={"weight": qty(h.group("w"), "分"), "score": qty(h.group("s"), "分")},
            source=st.ref(h.start(), h.end()),
        )
        for it in items:
            claim.parts.append(("weight", qty(it.group("w"), "分")))
            claim.parts.append(("score", qty(it.group("s"), "分")))
        claims.append(claim)
    return claims

"""Narrative claims: what the 决算情况说明 and the 绩效 annexes state, each with its source span.

Lines outside the tables are stitched into one stream (sentences wrap across lines) with a map
back to their lines, so every claim quotes the original text and points at its line.
"""

from __future__ import annotations

import bisect
import re
from decimal import Decimal

from shared.document import BBox, Line, Prov
from shared.knowledge.classification import category_code
from shared.models import Claim, Quantity, SourceRef

from .lines.locate import PAGE_NO_RE
from .narrative_subjects import find_subject, topic_of
from .numbers import places_of, to_decimal

NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
HEADING2_RE = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*、")
HEADING3_RE = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[）)]")
PART_RE = re.compile(r"^\s*第([一二三四五六七八九十])部分")

COMPLETION_RE = re.compile(
    rf"(?P<bw>年初预算数?|全年预算数?)\s*为?\s*(?P<b>{NUM})\s*万元\s*[，,]\s*决算数?\s*为?\s*(?P<a>{NUM})\s*万元"
    rf"\s*[，,]\s*完成(?P<scope>年初|全年)?预算的?\s*(?P<r>{NUM})\s*(?P<pct>[%％])"
)
CHANGE_RE = re.compile(
    rf"(较|比)\s*(?P<when>年初预算数?[（(]或者?上年决算数?[）)]|上年决算数?|上年|上一年度?|(?P<year>20\d{{2}})\s*年)(度)?(决算数?)?\s*"
    rf"(?P<dir>增加|减少|增长|下降|上升)(?:（减少）|\(减少\))?\s*(?P<c>{NUM})\s*万元\s*[，,]?\s*"
    rf"(?P<rw>增下降|减少了|增长|下降|上升|减少|降低|增加|增)?(?:（下降）|\(下降\))?\s*(?P<p>{NUM})?\s*(?P<pct>[%％])?"
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
SME_SHARE_RE = re.compile(rf"(?P<t>货物|工程|服务)采购授予中小企业合同金额占(?P=t)支出金额的\s*(?P<p>{NUM})\s*[%％]")


class Stream:
    """Lines stitched into one string (sentences wrap across lines), with a map back to lines."""

    def __init__(self) -> None:
        self._norm: list[str] = []
        self._text: list[str] = []
        self._len = 0
        self.starts: list[int] = []
        self.offsets: list[int] = []  # leading blanks stripped from each line (to map back to its spans)
        self.lines: list[Line] = []
        self._joined: tuple[str, str] | None = None

    def add(self, line: Line) -> None:
        lead = len(line.norm) - len(line.norm.lstrip())
        norm, text = line.norm.strip(), line.text.strip()
        self.offsets.append(lead)
        self.starts.append(self._len)
        self.lines.append(line)
        self._norm.append(norm)
        self._text.append(text)
        self._len += len(norm)
        self._joined = None

    def _join(self) -> tuple[str, str]:
        if self._joined is None:
            self._joined = ("".join(self._norm), "".join(self._text))
        return self._joined

    @property
    def norm(self) -> str:
        return self._join()[0]

    @property
    def text(self) -> str:
        return self._join()[1]

    def ref(self, start: int, end: int) -> SourceRef:
        """The quote of stream[start:end] with the page, line and box where it is printed (a
        quote wrapped over lines gets the box around its parts on the first line's page)."""
        quote = self.text[start:end].strip()
        if not self.lines:
            return SourceRef(quote=quote)
        i = max(0, bisect.bisect_right(self.starts, start) - 1)
        j = max(i, bisect.bisect_right(self.starts, max(start, end - 1)) - 1)
        first = self.lines[i]
        boxes: list[BBox | None] = []
        for k in range(i, j + 1):
            ln = self.lines[k]
            if ln.page != first.page:
                break
            a = max(start - self.starts[k], 0) + self.offsets[k]
            b = min(end - self.starts[k], len(self._norm[k])) + self.offsets[k]
            boxes.append(ln.span_bbox(a, b))
        span_start = max(start - self.starts[i], 0) + self.offsets[i]
        span = (span_start, span_start + len(quote)) if i == j else None
        prov = Prov(page=first.page, line=first.line, bbox=BBox.enclosing(boxes), span=span)
        return SourceRef(quote=quote, prov=prov)


def qty(raw: str, unit: str = "") -> Quantity:
    return Quantity(value=to_decimal(raw) or Decimal(0), raw=raw, unit=unit, places=places_of(raw))


_ASIDE_RE = re.compile(r"（[^（）]*）|\([^()]*\)")
_FILLER_RE = re.compile(r"[\s，,、：:（）()\d.]")
_AFTER_BUDGET_RE = re.compile(r"预算数?\s*为?\s*$")
_AFTER_ACTUAL_RE = re.compile(r"决算数?\s*为?\s*$")


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
                topic, subtopic = ("performance" if "附件" in norm else ""), ""
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
            stream.add(ln)
        self._flush(stream, topic, subtopic)
        return self.claims

    def _flush(self, stream: Stream, topic: str, subtopic: str) -> None:
        if not stream.norm:
            return
        last: tuple[str, Quantity] | None = None
        for start, end in _sentences(stream.norm):
            last = self._sentence(stream, start, end, topic, subtopic, last)
        self._grades(stream, topic)

    # ------------------------------------------------------------------ one sentence
    def _sentence(
        self, st: Stream, s0: int, s1: int, topic: str, subtopic: str, last: tuple[str, Quantity] | None
    ) -> tuple[str, Quantity] | None:
        sent = st.norm[s0:s1]
        used: list[tuple[int, int]] = []
        events: list[tuple[int, str, re.Match[str]]] = []
        for rx, kind in ((COMPLETION_RE, "completion"), (CHANGE_RE, "change"), (SHARE_RE, "share")):
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
                subj = self._subject(prefix, topic, subtopic)
                if subj is None and budget_subject and _AFTER_ACTUAL_RE.search(prefix):
                    subj, budget_subject = budget_subject, None
                elif subj and _AFTER_BUDGET_RE.search(prefix):
                    budget_subject = subj  # “全年预算数 B 万元，决算数 A 万元”: A is the amount
                    prev_end = m.end()
                    continue
                if subj:
                    q = qty(m.group("n"), m.group("u"))
                    self._add("amount", subj, topic, {"amount": q}, ref)
                    last = (subj[0], q)
                    self._last_start = s0 + max(0, pos - len(subj[1]) - 2)
            elif kind == "completion":
                subj = self._completion_subject(sent[:pos], topic, subtopic)
                values = {
                    "budget": qty(m.group("b"), "万元"),
                    "actual": qty(m.group("a"), "万元"),
                    "rate": qty(m.group("r"), "%"),
                }
                self._add("completion", subj, topic, values, ref, base=m.group("bw"))
                self._add("amount", subj, topic, {"amount": values["actual"]}, ref)
                last = (subj[0], values["actual"])
                self._last_start = s0 + m.start()
            elif kind == "change" and last is not None and _short(prefix, 8):
                start = self._last_start if self._last_start is not None and self._last_start < s0 + m.start() else s0 + m.start()
                self._change(m, last, topic, st.ref(max(start, s0 + m.start() - 80), s0 + m.end()))
            elif kind == "share" and last is not None and _short(prefix, 2):
                base = m.group("base") or ""
                base_key = find_subject(base)[0] if find_subject(base) else None
                if base_key is None and "项目支出" in base:
                    base_key = "project"
                values = {"part": last[1]}
                if m.group("p"):
                    values["percent"] = qty(m.group("p"), "%")
                self._add("share", (last[0], ""), topic, values, ref, base=base_key or "")
            prev_end = m.end()
        self._counts(st, s0, sent, topic)
        self._scores(st, s0, sent, topic)
        if topic == "procurement":
            self._sme_shares(st, s0, sent, topic)
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
            kind=kind,  # type: ignore[arg-type]
            subject=subj[0],
            subject_text=subj[1],
            topic=topic,
            values=values,
            base=base,
            source=ref,
            **extra,  # type: ignore[arg-type]
        )
        self.claims.append(claim)
        return claim

    def _subject(self, prefix: str, topic: str, subtopic: str) -> tuple[str, str] | None:
        found = find_subject(prefix)
        if found:
            return found
        if topic == "fiscal" and "决算数" in prefix and subtopic:
            m = re.match(r"^([\u4e00-\u9fff]+?支出)", subtopic)
            code = category_code(m.group(1)) if m else None
            if code:
                return (f"category:{code}", m.group(1))
        return None

    def _completion_subject(self, before: str, topic: str, subtopic: str) -> tuple[str, str]:
        clause = re.split(r"[。；]", before)[-1]
        if topic == "fiscal":
            m = re.search(r"([\u4e00-\u9fff]+支出)\s*[（(]类[）)]", clause) or (
                re.search(r"[（(][一二三四五六七八九十]+[）)]\s*([\u4e00-\u9fff]+支出)", clause)
            )
            if m and (code := category_code(m.group(1))):
                return (f"category:{code}", m.group(1))
            if "财政拨款" in clause:
                return ("fiscal_total", "财政拨款本年支出")
        found = find_subject(clause)
        if found:
            return found
        return ("fiscal_total" if topic == "fiscal" else f"unknown:{topic}", clause[-20:])

    def _change(self, m: re.Match[str], last: tuple[str, Quantity], topic: str, ref: SourceRef) -> None:
        values = {"current": last[1], "change": qty(m.group("c"), "万元")}
        if m.group("p"):
            values["percent"] = qty(m.group("p"), "%" if m.group("pct") else "")
        if m.group("year"):
            self.years.append((int(m.group("year")), ref))
        self._add("change", (last[0], ""), topic, values, ref, direction=m.group("dir"), rate_word=m.group("rw"))

    def _sme_shares(self, st: Stream, s0: int, sent: str, topic: str) -> None:
        keys = {"货物": "proc:goods", "工程": "proc:works", "服务": "proc:services"}
        for m in SME_SHARE_RE.finditer(sent):
            ref = st.ref(s0 + m.start(), s0 + m.end())
            self._add("share", ("proc:sme_of:" + keys[m.group("t")], m.group(0)), topic,
                      {"percent": qty(m.group("p"), "%")}, ref, base=keys[m.group("t")])

    def _counts(self, st: Stream, s0: int, sent: str, topic: str) -> None:
        for rx, key in COUNT_RES:
            for m in rx.finditer(sent):
                ref = st.ref(s0 + m.start(), s0 + m.end())
                self._add("count", (key, m.group(0)), topic, {"count": qty(m.group("n"))}, ref)

    def _grades(self, st: Stream, topic: str) -> None:
        """Scanned over the whole stream: the grade is often in the sentence after the score."""
        for m in GRADE_RE.finditer(st.norm):
            ref = st.ref(m.start(), m.end())
            self._add("grade", ("grade", ""), topic, {"score": qty(m.group("s"), "分")}, ref, grade=m.group("g"))

    def _scores(self, st: Stream, s0: int, sent: str, topic: str) -> None:
        for m in SCORE_SUM_RE.finditer(sent):
            parts = [("", qty(p, "分")) for p in re.findall(rf"({NUM})\s*分", m.group("inner"))]
            if len(parts) >= 2:
                ref = st.ref(s0 + m.start(), s0 + m.end())
                c = self._add("sum", ("score_total", ""), topic, {"total": qty(m.group("t"), "分")}, ref)
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
            subject="score_section",
            subject_text=name[0] if name else "",
            topic="performance",
            values={"weight": qty(h.group("w"), "分"), "score": qty(h.group("s"), "分")},
            source=st.ref(h.start(), h.end()),
        )
        for it in items:
            claim.parts.append(("weight", qty(it.group("w"), "分")))
            claim.parts.append(("score", qty(it.group("s"), "分")))
        claims.append(claim)
    return claims

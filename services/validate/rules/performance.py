"""绩效 score tables' own arithmetic: 得分 ≤ 分值, parts add to stated totals, the grade matches its
band (the document's own bands where it states them), the stated 执行率 equals 执行数 ÷ 预算数, and a
预算执行 row with a 分值 has its 得分.
What the narrative says about the tables is in performance_narrative.py; the indicator rows
(执行率 score, filing) in performance_indicators.py."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from shared.models import Category, Finding, ParsedDocument, Severity, SourceRef
from shared.normalize import fold_text

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..findings import SUSPECT_UNKNOWN, claim_evidence, make_finding
from ..tolerance import interval, percent_consistent, ratio_interval
from .performance_text import (
    GRADE_WORD,
    NUM,
    DocText,
    canon,
    doc_text,
    ev,
    fmt_score,
    project_tables,
    table_lines,
)

# Default bands (财政部 项目支出绩效评价管理办法): ≥90 优, 80–90 良, 60–80 中, <60 差.
GRADE_BANDS = [(Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal(0), "差")]
_MIDDLE = {"中", "合格"}  # one band (60–80) under the default bands, named either way


@rule(
    "P601",
    "score_within_weight",
    Category.PERFORMANCE,
    Severity.ERROR,
    "指标得分超过分值",
    "绩效自评表中每项指标的得分不得超过其分值。",
    "得分超分值会虚增绩效总分。",
    "指标1：因公出境出访 分值 2，得分 4。",
)
def score_within_weight(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    if not doc.score_tables:
        raise NotApplicable("未找到绩效自评表")
    for t in doc.score_tables:
        for it in t.items:
            if it.weight is None or it.score is None:
                continue
            ctx.tick()
            if it.score <= it.weight:
                continue
            note, suspect = None, SUSPECT_UNKNOWN
            scores = sum((i.score or Decimal(0) for i in t.items), Decimal(0))
            if t.total_score is not None and scores - it.score + it.weight == t.total_score:
                note = (
                    f"若该项得分按分值 {it.weight} 计，各项得分之和恰为表列总分 {fmt_score(t.total_score)}。"
                )
                suspect = f"“{it.name}”的得分 {fmt_score(it.score)}（表列总分按得分 {it.weight} 计算）"
            f = make_finding(
                rule,
                ctx,
                f"《{t.title}》“{it.name}”分值 {it.weight}，得分 {it.score}，得分超过分值。",
                [ev(it.source)],
                [str(it.score)],
                f"≤ {it.weight}",
                "得分 ≤ 分值",
                note=note,
                suspect=suspect,
            )
            if f:
                yield f


@rule(
    "P602",
    "score_total",
    Category.PERFORMANCE,
    Severity.ERROR,
    "评分合计不符",
    "绩效自评表各指标得分之和应等于表列总分（只在各项分值之和等于总分值、确认指标读取完整时下结论）；"
    "说明中“总分 N 分（其中 a 分、b 分…）”的各部分之和应等于 N；部门评价中各方面“共设置 S 分，得 G 分”应等于所列各指标满分、得分之和。",
    "合计错误使评价结论失去依据。",
    "总分为 98 分（其中 19 分、25 分、14 分、25 分），四项合计 83 分。",
)
def score_total(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    sums = [c for c in doc.claims if c.kind == "sum"]
    if not doc.score_tables and not sums:
        raise NotApplicable("未找到绩效评分表或评分合计表述")
    for t in doc.score_tables:
        if t.total_score is None or t.total_weight is None:
            continue
        weights = sum((i.weight or Decimal(0) for i in t.items), Decimal(0))
        scores = sum((i.score or Decimal(0) for i in t.items), Decimal(0))
        if weights != t.total_weight:
            ctx.skip(
                f"《{t.title}》各项分值之和 {weights} ≠ 总分值 {t.total_weight}，指标可能未读全，不作结论"
            )
            continue
        ctx.tick()
        if scores == t.total_score:
            continue
        over = [i for i in t.items if i.score is not None and i.weight is not None and i.score > i.weight]
        suspect = SUSPECT_UNKNOWN
        capped = scores - sum((i.score - i.weight for i in over if i.score and i.weight), Decimal(0))
        if over and capped == t.total_score:
            names = "、".join(f"“{i.name}”" for i in over)
            suspect = f"{names}的得分（超过分值；按分值计则各项之和等于表列总分 {fmt_score(t.total_score)}）"
        f = make_finding(
            rule,
            ctx,
            f"《{t.title}》各项得分之和为 {fmt_score(scores)}，表列总分为 {fmt_score(t.total_score)}。",
            [ev(t.total_source or t.source)],
            [fmt_score(t.total_score)],
            fmt_score(scores),
            f"{len(t.items)} 项指标得分相加（分值合计 {fmt_score(weights)}，与总分值一致）",
            suspect=suspect,
        )
        if f:
            yield f
    for c in sums:
        ctx.tick()
        if c.subject == "score_total":
            total = c.values["total"].value
            parts = sum((q.value for _, q in c.parts), Decimal(0))
            if parts == total:
                continue
            msg = f"总分 {c.values['total'].raw} 分，括号内各部分 {'、'.join(q.raw for _, q in c.parts)} 分合计 {fmt_score(parts)} 分。"
            stated, expected = c.values["total"].raw, fmt_score(parts)
        else:
            w = sum((q.value for k, q in c.parts if k == "weight"), Decimal(0))
            s = sum((q.value for k, q in c.parts if k == "score"), Decimal(0))
            bad = []
            if w != c.values["weight"].value:
                bad.append(f"共设置 {c.values['weight'].raw} 分而各指标满分合计 {fmt_score(w)} 分")
            if s != c.values["score"].value:
                bad.append(f"得 {c.values['score'].raw} 分而各指标得分合计 {fmt_score(s)} 分")
            if not bad:
                continue
            msg = f"部门评价“{c.subject_text}”方面：" + "；".join(bad) + "。"
            stated, expected = (
                f"{c.values['weight'].raw}/{c.values['score'].raw}",
                f"{fmt_score(w)}/{fmt_score(s)}",
            )
        f = make_finding(
            rule, ctx, msg, [claim_evidence(c)], [stated], expected, "各部分分数相加", suspect=SUSPECT_UNKNOWN
        )
        if f:
            yield f


# --------------------------------------------------------------------------- grade bands

# “100-90（含）分为优” / “总得分为 80-89分评价为良好” (a range), “90分以上为评价为优” / “60分以下为差”
_BAND_RANGE_RE = re.compile(
    rf"(?P<a>{NUM})\s*(?:分|[（(]含[）)])?\s*[-－—~～至到]\s*(?P<b>{NUM})\s*(?P<incl>[（(]含[）)])?\s*分?\s*"
    rf"(?:[（(]含[）)])?\s*(?:的|之间)?\s*(?:为|评价为|为评价为|评定为|属于)\s*[“\"]?(?P<g>{GRADE_WORD})"
)
_BAND_OPEN_RE = re.compile(
    rf"(?P<a>{NUM})\s*分?\s*(?:[（(]含[）)])?\s*(?:及|\(含\))?\s*(?P<dir>以上|以下|及以上|及以下)\s*(?:的)?\s*"
    rf"(?:为|评价为|为评价为|评定为|属于)\s*[“\"]?(?P<g>{GRADE_WORD})"
)

# what every band statement ends with: the two patterns above run only just before one of these
_BAND_TAIL_RE = re.compile(rf"(?:为|评价为|评定为|属于)\s*[“\"]?(?:{GRADE_WORD})")
_BAND_REACH = 48  # characters a band statement can span before its grade word


def _band_windows(text: str) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    for m in _BAND_TAIL_RE.finditer(text):
        start = max(m.start() - _BAND_REACH, 0)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], m.end())
        else:
            windows.append((start, m.end()))
    return windows


@dataclass(frozen=True)
class Bands:
    """Lower bounds, highest first: a score ≥ bound gets the grade."""

    lower: tuple[tuple[Decimal, str], ...]
    source: SourceRef | None = None  # where the document states them (None: the default bands)

    def grade(self, score: Decimal) -> str:
        return next((g for lo, g in self.lower if score >= lo), self.lower[-1][1])

    def describe(self) -> str:
        parts = []
        for i, (lo, g) in enumerate(self.lower):
            hi = self.lower[i - 1][0] if i else None
            if hi is None:
                parts.append(f"≥{fmt_score(lo)} {g}")
            elif lo == 0:
                parts.append(f"<{fmt_score(hi)} {g}")
            else:
                parts.append(f"{fmt_score(lo)}–{fmt_score(hi)} {g}")
        return "；".join(parts)


DEFAULT_BANDS = Bands(tuple(GRADE_BANDS))


def stated_bands(text: DocText) -> Bands | None:
    """The grade bands the document states (“90分以上为优…”), when every statement of them agrees
    and names at least three grades; None otherwise."""
    found: list[tuple[int, int, Decimal, str]] = []
    for begin, end in _band_windows(text.text):
        for m in _BAND_RANGE_RE.finditer(text.text, begin, end):
            a, b = Decimal(m.group("a")), Decimal(m.group("b"))
            found.append((m.start(), m.end(), min(a, b), canon(m.group("g"))))
        for m in _BAND_OPEN_RE.finditer(text.text, begin, end):
            lo = Decimal(m.group("a")) if "上" in m.group("dir") else Decimal(0)
            found.append((m.start(), m.end(), lo, canon(m.group("g"))))
    found = sorted(set(found))
    if not found:
        return None
    found.sort()
    # group statements: bands within 80 characters of each other belong to one statement
    groups: list[list[tuple[int, int, Decimal, str]]] = [[found[0]]]
    for f in found[1:]:
        if f[0] - groups[-1][-1][1] <= 80:
            groups[-1].append(f)
        else:
            groups.append([f])
    schemes = []
    for g in groups:
        lower = tuple(sorted({(lo, grade) for _, _, lo, grade in g}, key=lambda x: -x[0]))
        grades = [grade for _, grade in lower]
        if len(set(grades)) >= 3 and len(grades) == len(set(grades)) and lower[-1][0] == 0:
            schemes.append(Bands(lower, text.quote(g[0][0], g[-1][1])))
    if not schemes or any(s.lower != schemes[0].lower for s in schemes):
        return None
    return schemes[0]


def band(score: Decimal) -> str:
    return DEFAULT_BANDS.grade(score)


def _grade_agrees(stated: str, expected: str, bands: Bands) -> bool:
    stated = canon(stated)
    if stated == expected:
        return True
    names = {g for _, g in bands.lower}
    # 中 and 合格 name the same band unless the document's own bands tell them apart
    return stated in _MIDDLE and expected in _MIDDLE and not (stated in names and expected in names)


@rule(
    "P603",
    "grade_band",
    Category.PERFORMANCE,
    Severity.ERROR,
    "评价等级与得分不符",
    "评价等级应与得分所在档次一致。文件自己说明了分档（如“90分以上为优，80-89分为良好，70-79分为中，"
    "60-69分为合格，59分以下为差”）时按文件的分档判断（错误）；未说明时按通行分档（90 分及以上为优，"
    "80–89 分为良，60–79 分为中/合格，60 分以下为差）判断，需读者确认（警告）。",
    "等级是绩效结论，与得分不符会误导预算安排。",
    "评价得分为 85 分，评价为“优”。",
)
def grade_band(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    grades = [c for c in doc.claims if c.kind == "grade" and c.grade]
    if not grades:
        raise NotApplicable("未找到“得分…评价为…”的表述")
    own = stated_bands(doc_text(doc))
    bands = own or DEFAULT_BANDS
    for c in grades:
        score = c.values["score"].value
        ctx.tick()
        expected = bands.grade(score)
        if _grade_agrees(c.grade or "", expected, bands):
            continue
        evidence = [claim_evidence(c)]
        if own and own.source:
            evidence.append(ev(own.source))
        f = make_finding(
            rule,
            ctx,
            f"得分 {c.values['score'].raw} 分对应等级应为“{expected}”，说明写作“{c.grade}”"
            + ("（按文件所列分档）。" if own else "（按通行分档，文件未说明分档）。"),
            evidence,
            [c.grade or ""],
            expected,
            bands.describe(),
            severity=None if own else Severity.WARNING,
            suspect=f"评价等级“{c.grade}”" if own else SUSPECT_UNKNOWN,
        )
        if f:
            yield f


@rule(
    "P604",
    "execution_rate",
    Category.PERFORMANCE,
    Severity.ERROR,
    "预算执行率计算错误",
    "绩效自评表的执行率应等于全年执行数 ÷ 全年预算数。",
    "执行率决定预算执行得分。",
    "全年预算数 9 万元，执行数 7.36 万元，执行率 91.78%（应为 81.78%）。",
)
def execution_rate(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    tables = [t for t in doc.score_tables if t.budget and t.executed and t.execution_rate]
    if not tables:
        raise NotApplicable("绩效自评表中未找到预算数、执行数和执行率")
    for t in tables:
        b, e, r = t.budget, t.executed, t.execution_rate
        assert b and e and r
        allowed = ratio_interval(interval(e.value, e.places), interval(b.value, b.places))
        if allowed is None:
            continue
        ctx.tick()
        if percent_consistent(r, allowed):
            continue
        expected = e.value / b.value * 100
        f = make_finding(
            rule,
            ctx,
            f"《{t.title}》全年预算数 {b.raw}，执行数 {e.raw}，执行率应为 {expected:.2f}%，表列 {r.raw}%。",
            [ev(t.execution_source or t.source)],
            [f"{r.raw}%"],
            f"{expected:.2f}%",
            f"{e.raw} ÷ {b.raw} × 100%",
            suspect=f"执行率 {r.raw}%（预算数与执行数可相互印证时）",
        )
        if f:
            yield f


# --------------------------------------------------------------------------- execution score missing

_FUND_TOTAL_RE = re.compile(r"年度资金总额")
# “其中：当年财政拨款 9 9 7.36 — 81.78% —”: the 分值 and 得分 cells a dash, the rate filled in
_DASHED_APPROPRIATION_RE = re.compile(
    r"当年财政拨款\s+(?P<i>\d+(?:\.\d+)?)\s+(?P<b>\d+(?:\.\d+)?)\s+(?P<e>\d+(?:\.\d+)?)\s+"
    r"[—－-]+\s+(?P<r>\d+(?:\.\d+)?)\s*%\s+[—－-]+\s*$"
)
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


@rule(
    "P611",
    "execution_score_missing",
    Category.PERFORMANCE,
    Severity.WARNING,
    "预算执行指标有分值无得分",
    "项目支出绩效自评表“资金执行情况”中，“年度资金总额”行列了分值而执行数、执行率、得分均空缺，"
    "执行率只填在“其中：当年财政拨款”行且其得分栏为“—”（模板中该栏本为“—”）时，预算执行指标没有得分，"
    "表列总分无从由各项得分得出。",
    "预算执行是自评表的固定指标，未评分则总分不完整或另有未说明的计分。",
    "年度资金总额 10；其中：当年财政拨款 9 9 7.36 — 81.78% —。",
)
def execution_score_missing(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    regions = [(t, lines) for t in project_tables(doc) if (lines := table_lines(doc, t))]
    if not regions:
        raise NotApplicable("未找到可逐行读取的绩效自评表")
    for t, lines in regions:
        if any(i.name == "资金执行率" and i.score is not None for i in t.items):
            ctx.tick()  # the execution indicator is scored
            continue
        texts = [fold_text(ln.quote).strip() for ln in lines]
        total_at = next((k for k, x in enumerate(texts) if _FUND_TOTAL_RE.search(x)), None)
        if total_at is None:
            continue
        total_numbers = _NUMBER_RE.findall(_FUND_TOTAL_RE.sub("", texts[total_at]))
        # the appropriation row within the next few lines (the 资金 block of the table)
        row = next(
            (
                (k, m)
                for k in range(total_at + 1, min(total_at + 4, len(texts)))
                if (m := _DASHED_APPROPRIATION_RE.search(texts[k]))
            ),
            None,
        )
        if row is None or len(total_numbers) != 1:  # the row's 分值 alone: the rest of it left blank
            continue
        ctx.tick()
        k, m = row
        weight = Decimal(total_numbers[0])
        rate = Decimal(m.group("r"))
        shown = f"一个数 {fmt_score(weight)}（模板中该行的分值）"
        expected = f"得分（若按 分值 × 执行率 计约为 {weight * min(rate, Decimal(100)) / 100:.2f}）"
        f = make_finding(
            rule,
            ctx,
            f"《{t.title}》资金执行情况：“年度资金总额”行只列{shown}，执行数、执行率、得分空缺；"
            f"执行率 {m.group('r')}%（{m.group('e')} ÷ {m.group('b')}）填在“当年财政拨款”行，其得分为“—”："
            "预算执行指标没有得分。",
            [ev(lines[total_at]), ev(lines[k])],
            ["—"],
            expected,
            f"执行率 {m.group('r')}%，分值 {fmt_score(weight)}，得分栏为“—”",
            suspect="资金执行情况的得分栏",
        )
        if f:
            yield f

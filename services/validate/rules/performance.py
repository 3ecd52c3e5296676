"""绩效 score checks: 得分 ≤ 分值, parts add to stated totals, the grade matches its band (the
document's own bands where it states them), the stated 执行率 equals 执行数 ÷ 预算数, the narrative's
自评得分 equals the table's 总分, the 预算执行率 score does not exceed 分值 × 执行率, indicators
filed under their category (指标 filing) and the counts of projects by grade add up."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from shared.models import Category, Evidence, Finding, ParsedDocument, ScoreTable, Severity, SourceRef

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..derived import derived
from ..findings import SUSPECT_UNKNOWN, claim_evidence, make_finding
from ..tolerance import half_unit, interval, percent_consistent, places_of, ratio_interval, same_value

NUM = r"\d+(?:\.\d+)?"
# Default bands (财政部 项目支出绩效评价管理办法): ≥90 优, 80–90 良, 60–80 中, <60 差.
GRADE_BANDS = [(Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal(0), "差")]
_CANON = {"优秀": "优", "良好": "良", "中等": "中", "一般": "中", "较差": "差"}
_MIDDLE = {"中", "合格"}  # one band (60–80) under the default bands, named either way
GRADE_WORD = r"优秀|优|良好|良|中等|中|不合格|合格|较差|差"


def _ev(src: SourceRef) -> Evidence:
    return Evidence(quote=src.quote, prov=src.prov)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _canon(grade: str) -> str:
    return _CANON.get(grade, grade)


def _fmt(v: Decimal) -> str:
    """A score as printed: 98, 92.97, 98.5 (no trailing zeros)."""
    s = f"{v:f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


@dataclass
class _Text:
    """The document's passages (NFKC) joined into one string, with each passage's offset."""

    text: str
    starts: list[int]
    refs: list[SourceRef]

    def ref_at(self, pos: int) -> SourceRef:
        i = max(0, next((k for k, s in enumerate(self.starts) if s > pos), len(self.starts)) - 1)
        return self.refs[i] if self.refs else SourceRef()

    def quote(self, start: int, end: int) -> SourceRef:
        ref = self.ref_at(start)
        return SourceRef(prov=ref.prov, quote=self.text[start:end].strip())


def _text(doc: ParsedDocument) -> _Text:
    """The passages NFKC-normalised and joined, once per document."""
    return derived(doc, "performance_text", _join_text)


def _join_text(doc: ParsedDocument) -> _Text:
    parts, starts, refs, pos = [], [], [], 0
    for p in doc.passages:
        t = _nfkc(p.quote).strip()
        if not t:
            continue
        starts.append(pos)
        refs.append(p)
        parts.append(t)
        pos += len(t)
    return _Text("".join(parts), starts, refs)


def _project_tables(doc: ParsedDocument) -> list[ScoreTable]:
    return [t for t in doc.score_tables if not t.title.startswith("部门整体") and "整体" not in t.title]


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
                note = f"若该项得分按分值 {it.weight} 计，各项得分之和恰为表列总分 {_fmt(t.total_score)}。"
                suspect = f"“{it.name}”的得分 {_fmt(it.score)}（表列总分按得分 {it.weight} 计算）"
            f = make_finding(
                rule,
                ctx,
                f"《{t.title}》“{it.name}”分值 {it.weight}，得分 {it.score}，得分超过分值。",
                [_ev(it.source)],
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
            suspect = f"{names}的得分（超过分值；按分值计则各项之和等于表列总分 {_fmt(t.total_score)}）"
        f = make_finding(
            rule,
            ctx,
            f"《{t.title}》各项得分之和为 {_fmt(scores)}，表列总分为 {_fmt(t.total_score)}。",
            [_ev(t.total_source or t.source)],
            [_fmt(t.total_score)],
            _fmt(scores),
            f"{len(t.items)} 项指标得分相加（分值合计 {_fmt(weights)}，与总分值一致）",
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
            msg = f"总分 {c.values['total'].raw} 分，括号内各部分 {'、'.join(q.raw for _, q in c.parts)} 分合计 {_fmt(parts)} 分。"
            stated, expected = c.values["total"].raw, _fmt(parts)
        else:
            w = sum((q.value for k, q in c.parts if k == "weight"), Decimal(0))
            s = sum((q.value for k, q in c.parts if k == "score"), Decimal(0))
            bad = []
            if w != c.values["weight"].value:
                bad.append(f"共设置 {c.values['weight'].raw} 分而各指标满分合计 {_fmt(w)} 分")
            if s != c.values["score"].value:
                bad.append(f"得 {c.values['score'].raw} 分而各指标得分合计 {_fmt(s)} 分")
            if not bad:
                continue
            msg = f"部门评价“{c.subject_text}”方面：" + "；".join(bad) + "。"
            stated, expected = f"{c.values['weight'].raw}/{c.values['score'].raw}", f"{_fmt(w)}/{_fmt(s)}"
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
                parts.append(f"≥{_fmt(lo)} {g}")
            elif lo == 0:
                parts.append(f"<{_fmt(hi)} {g}")
            else:
                parts.append(f"{_fmt(lo)}–{_fmt(hi)} {g}")
        return "；".join(parts)


DEFAULT_BANDS = Bands(tuple(GRADE_BANDS))


def stated_bands(text: _Text) -> Bands | None:
    """The grade bands the document states (“90分以上为优…”), when every statement of them agrees
    and names at least three grades; None otherwise."""
    found: list[tuple[int, int, Decimal, str]] = []
    for begin, end in _band_windows(text.text):
        for m in _BAND_RANGE_RE.finditer(text.text, begin, end):
            a, b = Decimal(m.group("a")), Decimal(m.group("b"))
            found.append((m.start(), m.end(), min(a, b), _canon(m.group("g"))))
        for m in _BAND_OPEN_RE.finditer(text.text, begin, end):
            lo = Decimal(m.group("a")) if "上" in m.group("dir") else Decimal(0)
            found.append((m.start(), m.end(), lo, _canon(m.group("g"))))
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
    stated = _canon(stated)
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
    own = stated_bands(_text(doc))
    bands = own or DEFAULT_BANDS
    for c in grades:
        score = c.values["score"].value
        ctx.tick()
        expected = bands.grade(score)
        if _grade_agrees(c.grade or "", expected, bands):
            continue
        evidence = [claim_evidence(c)]
        if own and own.source:
            evidence.append(_ev(own.source))
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
            [_ev(t.execution_source or t.source)],
            [f"{r.raw}%"],
            f"{expected:.2f}%",
            f"{e.raw} ÷ {b.raw} × 100%",
            suspect=f"执行率 {r.raw}%（预算数与执行数可相互印证时）",
        )
        if f:
            yield f


# --------------------------------------------------------------------------- narrative vs table

# “自评得分92.97分” / “绩效自评得分为 95分” / “评分得分92.97分” / “评价得分为 98分” / “总得分为 98 分”
_SCORE_STATED_RE = re.compile(
    rf"(?:自评|评价|评分|总)得分\s*为?\s*[“\"]?\s*(?P<s>{NUM})\s*[”\"]?\s*分"
    r"(?!\s*(?:[（(]含[）)])?\s*(?:及|以)(?:以上|以下|上|下)|\s*[-－—~～至到])"  # a band, not a score
)
_AVERAGE_RE = re.compile(rf"平均得分\s*为?\s*(?P<s>{NUM})\s*分")
# the nearest of these before a score says which evaluation it belongs to
_SELF_RE = re.compile(r"自评")
_OTHER_RE = re.compile(r"部门(?:绩效)?评价|评价报告|第三方|重点(?:绩效)?评价|财政评价")
_YEAR_PUNCT_RE = re.compile(r"20\d{2}\s*年度?|[“”\"'《》：:（）()\s]|项目$")


def _title_key(t: ScoreTable) -> str:
    if "整体" in t.title:
        return "部门整体"
    return _YEAR_PUNCT_RE.sub("", t.title)


def _is_self_evaluation(text: _Text, pos: int, end: int) -> bool:
    """The score at ``pos`` is a 自评 score: its own sentence says 自评, or the nearest marker
    before it is 自评 rather than 部门评价 / 评价报告 / 第三方."""
    sent_start = max(text.text.rfind("。", 0, pos), text.text.rfind("\n", 0, pos)) + 1
    if _SELF_RE.search(text.text, sent_start, end):
        return True
    if _OTHER_RE.search(text.text, sent_start, end):
        return False
    last_self = max((m.start() for m in _SELF_RE.finditer(text.text, max(0, pos - 3000), pos)), default=-1)
    last_other = max((m.start() for m in _OTHER_RE.finditer(text.text, max(0, pos - 3000), pos)), default=-1)
    return last_self > last_other


def _table_for(text: _Text, pos: int, tables: list[ScoreTable]) -> ScoreTable | None:
    """The table a score at ``pos`` speaks of: the one whose project name is nearest before it
    (within 300 characters); else the only project table when the sentence says 该项目."""
    window = text.text[max(0, pos - 300) : pos]
    best, best_pos = None, -1
    for t in tables:
        key = _title_key(t)
        at = window.rfind(key) if len(key) >= 4 else -1
        if at > best_pos:
            best, best_pos = t, at
    if best is not None:
        return best
    projects = [t for t in tables if "整体" not in t.title]
    if len(projects) == 1 and "该项目" in window[-60:]:
        return projects[0]
    return None


@rule(
    "P605",
    "stated_score_vs_table",
    Category.PERFORMANCE,
    Severity.ERROR,
    "说明中的自评得分与自评表总分不符",
    "说明中某项目（或部门整体）的绩效自评得分（“自评得分98分”）应等于该项目绩效自评表的总分；"
    "“平均得分X分”在所列自评表数量等于自评项目数时应等于各表总分的平均数（警告）。"
    "部门评价、第三方评价的得分与自评得分本可不同，不比较。",
    "同一自评结论出现两个得分，读者无法判断哪个为准。",
    "说明“自评得分95分”，《项目支出绩效自评表》总分 92.97。",
)
def stated_score_vs_table(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    tables = [t for t in doc.score_tables if t.total_score is not None]
    if not tables:
        raise NotApplicable("未找到列有总分的绩效自评表")
    text = _text(doc)
    for m in _SCORE_STATED_RE.finditer(text.text):
        if not _is_self_evaluation(text, m.start(), m.end()):
            continue
        t = _table_for(text, m.start(), tables)
        if t is None or t.total_score is None:
            continue
        ctx.tick()
        raw = m.group("s")
        stated = Decimal(raw)
        if same_value(stated, places_of(stated), t.total_score, places_of(t.total_score)):
            continue
        items = sum((i.score or Decimal(0) for i in t.items), Decimal(0))
        weights = sum((i.weight or Decimal(0) for i in t.items), Decimal(0))
        complete = t.total_weight is not None and weights == t.total_weight
        if complete and items == t.total_score:
            suspect = f"说明中的得分 {raw} 分（自评表各项得分之和与表列总分 {_fmt(t.total_score)} 一致）"
        elif complete and items == stated:
            suspect = f"自评表总分 {_fmt(t.total_score)}（各项得分之和为 {_fmt(items)}，与说明一致）"
        else:
            suspect = SUSPECT_UNKNOWN
        evidence = [_ev(text.quote(m.start(), m.end())), _ev(t.total_source or t.source)]
        f = make_finding(
            rule,
            ctx,
            f"说明中《{t.title}》的自评得分为 {raw} 分，自评表总分为 {_fmt(t.total_score)} 分。",
            evidence,
            [raw],
            _fmt(t.total_score),
            "说明中的自评得分与自评表“总分”行对照",
            suspect=suspect,
        )
        if f:
            yield f
    projects = _project_tables(doc)
    for m in _AVERAGE_RE.finditer(text.text):
        n = _self_evaluated_count(text, m.start())
        scored = [t.total_score for t in projects if t.total_score is not None]
        if n is None or n[0] < 2 or len(scored) != n[0] or len(projects) != n[0]:
            continue
        ctx.tick()
        raw = m.group("s")
        mean = sum(scored, Decimal(0)) / len(scored)
        slack = max((half_unit(places_of(s)) for s in scored), default=Decimal(0))
        lo, hi = interval(Decimal(raw), places_of(Decimal(raw)))
        if lo - slack <= mean <= hi + slack:
            continue
        f = make_finding(
            rule,
            ctx,
            f"说明称 {n[0]} 个自评项目平均得分 {raw} 分，所附 {len(scored)} 张自评表总分"
            f"（{'、'.join(_fmt(s) for s in scored)}）的平均数为 {mean:.2f} 分。",
            [_ev(text.quote(m.start(), m.end()))] + [_ev(t.total_source or t.source) for t in projects],
            [raw],
            f"{mean:.2f}",
            "各自评表总分之和 ÷ 项目数",
            severity=Severity.WARNING,
            suspect=SUSPECT_UNKNOWN,
        )
        if f:
            yield f


# --------------------------------------------------------------------------- execution score


@rule(
    "P606",
    "execution_score_vs_rate",
    Category.PERFORMANCE,
    Severity.WARNING,
    "预算执行率得分高于分值×执行率",
    "绩效自评表“预算执行率”指标的得分通常为 分值 × 执行率（执行率超过 100% 按 100% 计，即不超过分值）。"
    "得分高于 分值 × 执行率（计入得分与执行率的显示精度；表列执行率与执行数 ÷ 预算数不符时取两者中较高者）时提示。"
    "得分低于该值不提示：各地可另定扣分办法。",
    "执行率得分偏高会虚增总分，掩盖预算执行不到位。",
    "全年预算数 9 万元，执行数 7.36 万元，执行率 81.78%，分值 10，得分 10（至多 8.18）。",
)
def execution_score_vs_rate(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    rows = []
    for t in doc.score_tables:
        item = next((i for i in t.items if i.name == "资金执行率"), None)
        if t.execution_rate and item and item.weight is not None and item.score is not None:
            rows.append((t, item))
    if not rows:
        raise NotApplicable("绩效自评表中未找到执行率及其分值、得分")
    for t, item in rows:
        assert t.execution_rate and item.weight is not None and item.score is not None
        r = t.execution_rate
        rate_hi = interval(r.value, r.places)[1]
        if t.budget and t.executed:
            computed = ratio_interval(
                interval(t.executed.value, t.executed.places), interval(t.budget.value, t.budget.places)
            )
            if computed and not percent_consistent(r, computed):  # P604's finding: either rate may hold
                rate_hi = max(rate_hi, computed[1])
        ctx.tick()
        allowed = item.weight * min(rate_hi, Decimal(100)) / 100
        score_lo = item.score - half_unit(places_of(item.score))
        if score_lo <= allowed or item.score > item.weight:  # over the weight: P601's finding
            continue
        expected = item.weight * min(r.value, Decimal(100)) / 100
        f = make_finding(
            rule,
            ctx,
            f"《{t.title}》预算执行率 {r.raw}%，分值 {_fmt(item.weight)}，得分 {_fmt(item.score)}，"
            f"高于 分值 × 执行率 = {expected:.2f}。",
            [_ev(t.execution_source or item.source)],
            [_fmt(item.score)],
            f"≤ {expected:.2f}",
            f"{_fmt(item.weight)} × min({r.raw}%, 100%)",
            suspect=f"执行率得分 {_fmt(item.score)}",
        )
        if f:
            yield f


# --------------------------------------------------------------------------- indicator filing

_CATEGORY_RE = re.compile(r"数量|质量|时效|成本|经济效益|社会效益|生态效益|可持续影响|满意度")
_OUTPUT = {"数量", "质量", "时效", "成本"}
_BENEFIT = {"经济效益", "社会效益", "生态效益", "可持续影响"}
_INDICATOR_RE = re.compile(r"指标\s*[:：]?\s*\d{1,2}\s*[:：]")
_TRAILER_RE = re.compile(r"(?:指标|指|标|[-—\s（）()%])+$")
_TARGET_RE = re.compile(r"[=≧≦≥≤<>＝].*$")
_PLAIN_RE = re.compile(r"^\d+(?:\.\d+)?$")
# (pattern in the name, categories it must not be filed under, the category it belongs to)
_MISFILED: list[tuple[re.Pattern[str], set[str], str]] = [
    (re.compile(r"满意"), _OUTPUT, "满意度指标"),
    (re.compile(r"及时(?:率|性)"), {"数量", "质量", "成本"}, "时效指标"),
    (re.compile(r"成本控制|平均成本|单位成本|费用(?:控制)?(?:[（(]%[）)])?$"), _BENEFIT, "成本指标"),
]


@dataclass
class _Indicator:
    category: str
    name: str
    source: SourceRef


def _indicators(lines: list[SourceRef]) -> list[_Indicator]:
    """The “指标 N：” rows of one score table with the 二级指标 heading they sit under: a heading is
    the run of short text lines between a row's numbers and the next row, and counts only when
    that run ends with a category word (“质量”, “经济 效益 指标”, “满意度 指标”)."""
    out: list[_Indicator] = []
    category = ""
    since = ""  # text since the last line with plain numbers: where a heading sits
    name: list[str] | None = None
    start: SourceRef | None = None
    for ref in lines:
        t = _nfkc(ref.quote).strip()
        if m := _INDICATOR_RE.search(t):
            tail = _TRAILER_RE.sub("", re.sub(r"\s+", "", since + t[: m.start()]))
            cats = list(_CATEGORY_RE.finditer(tail))
            if cats and cats[-1].end() == len(tail):
                category = cats[-1].group(0)
            since, name, start = "", [], ref
            t = t[m.end() :]
        tokens = t.split()
        numbered = [k for k, x in enumerate(tokens) if _PLAIN_RE.match(x)]
        if name is not None:
            words = tokens[: numbered[0]] if numbered else tokens
            name.append(_TARGET_RE.sub("", "".join(words)))
            if len(numbered) >= 2 or (numbered and re.search(r"\d\s*$", t)):
                if category and start is not None:
                    out.append(_Indicator(category, "".join(name), start))
                name = None
        since = "".join(tokens[numbered[-1] + 1 :]) if numbered else since + t
    return out


def _table_lines(doc: ParsedDocument, t: ScoreTable) -> list[SourceRef]:
    begin, end = t.source.prov, (t.total_source or t.source).prov
    # compare the cheap fields first: model equality over every passage is slow
    idx = [i for i, p in enumerate(doc.passages) if p.prov.line == begin.line and p.prov == begin]
    idx_end = [i for i, p in enumerate(doc.passages) if p.prov.line == end.line and p.prov == end]
    if not idx or not idx_end or idx_end[-1] <= idx[0]:
        return []
    return doc.passages[idx[0] : idx_end[-1] + 1]


@rule(
    "P607",
    "indicator_category",
    Category.PERFORMANCE,
    Severity.WARNING,
    "绩效指标归类不当",
    "绩效自评表中，名称明确属于某一类的指标应列在该类下：满意度指标不应列在产出指标（数量、质量、时效、成本）下；"
    "“…及时率/及时性”属时效指标，不应列在数量、质量、成本指标下；“成本控制/平均成本/…费用”属成本指标，"
    "不应列在效益指标下。名称含义不唯一的不提示。",
    "指标归类错误说明绩效目标设置不规范，分类汇总的得分失去意义。",
    "质量指标下列“舆情及时处置率”。",
)
def indicator_category(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    # a table read from text lines is walked line by line; one read from a grid (PDF, Word, Excel
    # files) through its rows, which are its items' quotes
    regions = [
        (t, lines)
        for t in _project_tables(doc)
        if (lines := _table_lines(doc, t) or [i.source for i in t.items if i.source.quote])
    ]
    if not regions:
        raise NotApplicable("未找到可逐行读取的绩效自评表")
    for t, lines in regions:
        for ind in _indicators(lines):
            ctx.tick()
            hit = next(
                (
                    (m, right)
                    for pattern, wrong, right in _MISFILED
                    if ind.category in wrong and (m := pattern.search(ind.name))
                ),
                None,
            )
            if hit is None:
                continue
            m, right = hit
            f = make_finding(
                rule,
                ctx,
                f"《{t.title}》指标“{ind.name}”列在{ind.category}指标下，按名称应属{right}。",
                [_ev(ind.source)],
                [f"{ind.category}指标"],
                right,
                f"指标名称含“{m.group(0)}”，属{right}",
                suspect=f"“{ind.name}”的归类",
            )
            if f:
                yield f


# --------------------------------------------------------------------------- counts by grade

# “2个项目评价结果为“优”” / “绩效评级为“优”的项目39个”
_COUNT_A_RE = re.compile(
    rf"(?P<n>\d+)\s*个\s*(?:项目)?\s*(?:评价结果|评价等级|绩效评级|等级)?为\s*[“\"]\s*(?P<g>{GRADE_WORD})\s*[”\"]"
)
_COUNT_B_RE = re.compile(
    rf"(?:评价结果|评价等级|绩效评级|等级|评价)为\s*[“\"]\s*(?P<g>{GRADE_WORD})\s*[”\"]\s*的项目\s*(?P<n>\d+)\s*个"
)
_EVALUATED_RE = re.compile(r"项目\s*(?P<n>\d+)\s*个|(?P<m>\d+)\s*个\s*项目")


def _self_evaluated_count(text: _Text, pos: int) -> tuple[int, int] | None:
    """N in “绩效自评的2024年度项目39个” / “二级项目2个全面开展绩效自评” just before ``pos``
    (within 200 characters, with 自评 near it), and its position."""
    lo = max(0, pos - 200)
    window = text.text[lo:pos]
    found = None
    for m in _EVALUATED_RE.finditer(window):
        near = window[max(0, m.start() - 20) : m.end() + 20]
        if "自评" in near:
            found = (int(m.group("n") or m.group("m")), lo + m.start())
    return found


@rule(
    "P608",
    "grade_counts",
    Category.PERFORMANCE,
    Severity.ERROR,
    "按等级统计的项目数不符",
    "说明中“开展绩效自评的项目 N 个，其中评价为优的 a 个、良的 b 个、中（合格）的 c 个、差（不合格）的 d 个”"
    "应满足 a + b + c + d = N（错误）；所附项目支出绩效自评表多于 N 张时提示（警告）。",
    "分等级的项目数是自评结论的汇总，合计不符说明统计有误。",
    "绩效自评的项目39个（其中，评级为“优”的项目38个；“良”的项目0个；“合格”的项目0个；“不合格”的项目0个）。",
)
def grade_counts(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    text = _text(doc)
    hits = sorted(
        [
            (m.start(), m.end(), int(m.group("n")), _canon(m.group("g")))
            for m in _COUNT_A_RE.finditer(text.text)
        ]
        + [
            (m.start(), m.end(), int(m.group("n")), _canon(m.group("g")))
            for m in _COUNT_B_RE.finditer(text.text)
        ]
    )
    clusters: list[list[tuple[int, int, int, str]]] = []
    for h in hits:
        if clusters and h[0] - clusters[-1][-1][1] <= 40 and h[3] not in {x[3] for x in clusters[-1]}:
            clusters[-1].append(h)
        else:
            clusters.append([h])
    clusters = [c for c in clusters if len(c) >= 2]
    projects = _project_tables(doc)
    counted = False
    for c in clusters:
        n = _self_evaluated_count(text, c[0][0])
        if n is None:
            continue
        counted = True
        ctx.tick()
        total = sum(x[2] for x in c)
        if total != n[0]:
            parts = "、".join(f"“{x[3]}”{x[2]}个" for x in c)
            f = make_finding(
                rule,
                ctx,
                f"说明称开展绩效自评的项目 {n[0]} 个，按等级列出 {parts}，合计 {total} 个。",
                [_ev(text.quote(n[1], c[-1][1]))],
                [str(n[0])],
                str(total),
                "各等级项目数相加",
                suspect=SUSPECT_UNKNOWN,
            )
            if f:
                yield f
        if len(projects) > n[0]:
            f = make_finding(
                rule,
                ctx,
                f"说明称开展绩效自评的项目 {n[0]} 个，文件附项目支出绩效自评表 {len(projects)} 张。",
                [_ev(text.quote(n[1], c[-1][1]))] + [_ev(t.source) for t in projects],
                [str(n[0])],
                f"≥ {len(projects)}",
                "自评表张数与自评项目数对照",
                severity=Severity.WARNING,
                suspect=SUSPECT_UNKNOWN,
            )
            if f:
                yield f
    if not counted:
        raise NotApplicable("未找到“开展绩效自评的项目N个，其中评价为优的…个”的表述")

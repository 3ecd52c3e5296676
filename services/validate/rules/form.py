"""Form: what an editor strikes out before publishing — a word typed twice, clashing punctuation,
a bracket or quotation mark never closed, a sentence cut off after its lead-in (“主要原因是。”),
and section headings numbered out of order (issue 8, item 1).

The checks read only prose lines (lines mostly of Chinese characters), never table rows, so a
table header that wraps “项目支出 | 支出功能分类” into one line is not a duplicated word. A scan's
punctuation is not trusted (OCR reads specks as “。” or “，”): those findings say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from shared.models import Category, Evidence, Finding, ParsedDocument, Severity, SourceRef
from shared.normalize import fold_text

from ..catalogue import CheckContext, NotApplicable, Rule, rule
from ..derived import derived
from ..findings import make_finding

_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE = re.compile(r"[，。；、]")
_SPACE_IN_CJK = re.compile(r"(?<=[\u4e00-\u9fff，。、；：“”（）])\s+(?=[\u4e00-\u9fff，。、；：“”（）])")
OCR_NOTE = "扫描件经OCR识别，标点和括号可能为识别误差，请对照原件核实。"


@dataclass(frozen=True)
class ProseLine:
    ref: SourceRef
    text: str  # radicals normalised, spaces between Chinese characters removed
    index: int  # position in ``doc.passages`` (adjacent lines have consecutive indexes)
    spaced: str  # radicals normalised, spaces kept (a space between two equal words parts two cells)
    prose: bool = False  # see :func:`is_prose`


# Kangxi radicals (U+2F00…) and CJK radical supplements → ordinary characters; nothing else
# (NFKC of the whole line would also turn “，” into “,” and “（” into “(”)
_RADICALS = {c: fold_text(chr(c)) for c in range(0x2E80, 0x2FE0)}


def _radicals(text: str) -> str:
    return text.translate(_RADICALS).strip()


def _normalise(text: str) -> str:
    return _SPACE_IN_CJK.sub("", _radicals(text))


def all_lines(doc: ParsedDocument) -> list[ProseLine]:
    """Every passage, normalised once per document (the form rules share it)."""
    return derived(doc, "form_lines", _fold_lines)


def _fold_lines(doc: ParsedDocument) -> list[ProseLine]:
    lines = []
    for i, ref in enumerate(doc.passages):
        spaced = _radicals(ref.quote)
        text = _SPACE_IN_CJK.sub("", spaced)
        lines.append(ProseLine(ref, text, i, spaced, is_prose(text)))
    return lines


def is_prose(text: str) -> bool:
    """Running text: at least six Chinese characters, and either sentence punctuation or 60% of
    the line in Chinese characters (table rows, page numbers and OCR debris are not)."""
    dense = text.replace(" ", "")
    cjk = len(_CJK.findall(dense))
    return cjk >= 6 and (
        cjk >= 0.6 * len(dense) or (cjk >= 0.3 * len(dense) and bool(_SENTENCE.search(dense)))
    )


def prose_lines(doc: ParsedDocument) -> list[ProseLine]:
    return [ln for ln in all_lines(doc) if ln.prose]


def prose_and_tails(doc: ParsedDocument) -> list[ProseLine]:
    """Prose lines and the short last lines of wrapped sentences (“规划，。” after a prose line)."""
    every = all_lines(doc)
    return [
        ln
        for ln in every
        if ln.prose or (ln.index > 0 and every[ln.index - 1].prose and _CJK.search(ln.text))
    ]


def _is_ocr(doc: ParsedDocument) -> bool:
    return doc.kind.is_ocr


def _excerpt(text: str, start: int, end: int, width: int = 18) -> str:
    return text[max(0, start - width) : end + width]


def _with_next(doc: ParsedDocument, lines: list[ProseLine]) -> Iterator[tuple[ProseLine, str]]:
    """Each prose line with the passage after it appended when on the same page (a phrase may
    wrap onto the next line, which may be short: “。”)."""
    every = all_lines(doc)
    for ln in lines:
        nxt = every[ln.index + 1] if ln.index + 1 < len(every) else None
        same_page = nxt is not None and nxt.ref.prov.page == ln.ref.prov.page
        yield ln, ln.text + (nxt.text if nxt is not None and same_page else "")


# --------------------------------------------------------------------------- W602

# A word of 2–8 characters written twice in a row (“结合结合”, “事务支出事务支出”).
_REPEATED_WORD = re.compile(r"([\u4e00-\u9fff]{2,8})\1")
# Single characters that are never doubled in Chinese prose except inside the listed words.
_REPEATED_CHAR = re.compile(r"(?<!目)的的(?!确)")
# A repeated word that is really two words meeting (“项目支出|支出功能分类” in a wrapped header).
_HEADER_WORDS = ("功能分类", "经济分类", "科目编码", "栏次")


def _repeated(text: str) -> re.Match[str] | None:
    for m in _REPEATED_WORD.finditer(text):
        if any(w in text for w in _HEADER_WORDS):
            return None
        word = m.group(1)
        if len(set(word)) == 1:  # “一一一一”: a reduplication, not a slip
            continue
        return m
    return _REPEATED_CHAR.search(text)


@rule(
    "W602",
    "duplicated_word",
    Category.WORDING,
    Severity.INFO,
    "字词重复",
    "说明文字中同一词语连写两次（如“结合结合”“反映反映”“事务支出事务支出”），或同一标题连续印了两遍。"
    "叠词（“人人”“常常”“殷殷”）、两个词相接造成的重字（“专业业务”“工作作风”“项目目标”）和表格表头不算。",
    "重复字词是未经校对的明显痕迹，影响公开文本的严肃性。",
    "按照上级有关要求，结合结合项目工作实际，进一步完善项目有关财务和业务管理制度。",
)
def duplicated_word(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    lines = prose_lines(doc)
    if not lines:
        raise NotApplicable("没有可检查的说明文字")
    previous: ProseLine | None = None
    for ln in lines:
        ctx.tick()
        hit: tuple[str, str] | None = None
        m = _repeated(ln.spaced)
        adjacent = previous is not None and previous.index == ln.index - 1
        if m is not None:
            hit = (m.group(0), _excerpt(ln.spaced, m.start(), m.end()))
        elif adjacent and previous is not None and previous.text == ln.text and _is_heading(ln.text):
            hit = (ln.text, ln.text)
        elif adjacent and previous is not None and not _is_heading(previous.text):
            hit = _across_lines(previous.text, ln.text)
        previous = ln
        if hit is None:
            continue
        repeated, context = hit
        f = make_finding(
            rule,
            ctx,
            f"“{repeated}”中有字词重复：“…{context}…”。",
            [Evidence(quote=ln.ref.quote[:120], prov=ln.ref.prov)],
            [repeated],
            "删去重复的字词",
            "逐行查找连写两次的词语（排除叠词、相邻两词相接和表格表头）",
        )
        if f:
            yield f


def _across_lines(before: str, after: str) -> tuple[str, str] | None:
    """“…结合” / “结合项目…”: a word of 2–4 characters ending a wrapped sentence line and starting
    the next, with the sentence going on after it (a label “…效益指标” over a list item “指标1：” is
    not a repetition)."""
    if any(w in before + after for w in _HEADER_WORDS):
        return None
    if len(before) < 15 or not _SENTENCE.search(before) or _SENTENCE.search(before[-1]):
        return None
    for n in (4, 3, 2):
        tail = before[-n:]
        whole_word = len(tail) == n and all(_CJK.match(c) for c in tail) and len(set(tail)) > 1
        if whole_word and after.startswith(tail) and len(after) > n and _CJK.match(after[n]):
            return tail + tail, before[-12:] + "｜" + after[:12]
    return None


_HEADING = re.compile(
    r"^(第[一二三四五六七八九十]部分|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)])"
)


def _is_heading(text: str) -> bool:
    return bool(_HEADING.match(text)) and len(text) <= 40


# --------------------------------------------------------------------------- W603

# Two marks of which an editor keeps one: doubled (“。。” “，，” “、、”) or clashing (“，。” “；。”).
_PUNCT = "，。、；：,;:"
_CLASH = re.compile(r"(?<![0-9])[，。、；：,;:]{2,}")


@rule(
    "W603",
    "duplicated_punctuation",
    Category.WORDING,
    Severity.INFO,
    "标点重复或连用不当",
    "说明文字中标点连写（“。。”“，，”“、、”）或冲突（“，。”“；。”“：。”）。",
    "标点错误是未经校对的明显痕迹；“，。”之间往往还漏掉了内容。",
    "因公出国（境）费全年预算数 9.28 万元，决算数 9.28 万元，完成全年预算的 100.00%，。",
)
def duplicated_punctuation(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    lines = prose_and_tails(doc)
    if not lines:
        raise NotApplicable("没有可检查的说明文字")
    ocr = _is_ocr(doc)
    for ln in lines:
        ctx.tick()
        m = _CLASH.search(ln.text)
        if m is None or _thousands(ln.text, m):
            continue
        f = make_finding(
            rule,
            ctx,
            f"标点“{m.group(0)}”连用：“…{_excerpt(ln.text, m.start(), m.end())}…”。",
            [Evidence(quote=ln.ref.quote[:120], prov=ln.ref.prov)],
            [m.group(0)],
            "保留一个恰当的标点",
            "逐行查找连写或冲突的标点（逗号、句号、顿号、分号、冒号）",
            confidence=0.7 if ocr else 1.0,
            note=OCR_NOTE if ocr else None,
        )
        if f:
            yield f


def _thousands(text: str, m: re.Match[str]) -> bool:
    """“2,693.88” has no clash; only reached when a digit follows an ASCII comma run."""
    return m.group(0)[-1] == "," and m.end() < len(text) and text[m.end()].isdigit() and len(m.group(0)) == 1


# --------------------------------------------------------------------------- W604

_OPEN = {"（": "）", "(": ")", "“": "”", "《": "》", "【": "】", "〔": "〕"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_SAME = {"(": "（", ")": "）"}  # half- and full-width parentheses pair with each other
# “1）”, “一）”, “a）” opening a list item: a closing mark with no opening one, by design
_LIST_ITEM = re.compile(r"(?:^|[，。；：、\s])[0-9a-zA-Z一二三四五六七八九十①-⑩]{1,2}$")


@dataclass
class _Mark:
    char: str
    line: ProseLine
    pos: int


@rule(
    "W604",
    "unbalanced_brackets",
    Category.WORDING,
    Severity.INFO,
    "括号或引号不成对",
    "说明文字中左括号、左引号、左书名号没有对应的右半（或反之），在一个段落（到下一个标题为止）内检查，"
    "跨行、跨页的成对符号不算。",
    "不成对的括号让读者无法确定插入语在哪里结束，也常意味着漏掉了内容。",
    "平均得分99.33分（其中，绩效评级为“优”的项目39个；……绩效评级为“不合格”的项目0个。绩效自评中共发现问题0个。",
)
def unbalanced_brackets(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    lines = prose_lines(doc)
    if not lines:
        raise NotApplicable("没有可检查的说明文字")
    lines = all_lines(doc)  # a bracket may close on a short line that is not prose (“车辆）”)
    ocr = _is_ocr(doc)
    for block in _blocks(lines):
        ctx.tick()
        for mark, problem in _unmatched(block):
            text = mark.line.text
            if not mark.line.prose:
                continue
            f = make_finding(
                rule,
                ctx,
                f"{problem}：“…{_excerpt(text, mark.pos, mark.pos + 1, 24)}…”。",
                [Evidence(quote=mark.line.ref.quote[:120], prov=mark.line.ref.prov)],
                [mark.char],
                f"补全“{_OPEN.get(mark.char) or _CLOSE.get(mark.char)}”或删去多余的“{mark.char}”",
                "在同一段落（至下一个标题）内按嵌套顺序配对括号、引号和书名号",
                confidence=0.7 if ocr else 1.0,
                note=OCR_NOTE if ocr else None,
            )
            if f:
                yield f
            break  # one finding per paragraph: the rest usually follows from the first


def _blocks(lines: list[ProseLine]) -> Iterator[list[ProseLine]]:
    """Runs of prose lines between headings."""
    block: list[ProseLine] = []
    for ln in lines:
        if _is_heading(ln.text) and block:
            yield block
            block = []
        block.append(ln)
    if block:
        yield block


def _unmatched(block: list[ProseLine]) -> list[tuple[_Mark, str]]:
    stack: list[_Mark] = []
    out: list[tuple[_Mark, str]] = []
    for ln in block:
        for pos, c in enumerate(ln.text):
            c = _SAME.get(c, c)
            if c in _OPEN:
                stack.append(_Mark(c, ln, pos))
            elif c in _CLOSE:
                opener = _CLOSE[c]
                if stack and stack[-1].char == opener:
                    stack.pop()
                elif any(m.char == opener for m in stack):
                    while stack[-1].char != opener:
                        m = stack.pop()
                        out.append((m, f"“{m.char}”没有对应的“{_OPEN[m.char]}”"))
                    stack.pop()
                elif not _LIST_ITEM.search(ln.text[:pos]):
                    out.append((_Mark(c, ln, pos), f"“{c}”没有对应的“{opener}”"))
    out += [(m, f"“{m.char}”没有对应的“{_OPEN[m.char]}”") for m in stack]
    return sorted(out, key=lambda x: (block.index(x[0].line), x[0].pos))


# --------------------------------------------------------------------------- W605

# A lead-in (“主要原因是”, “主要用于：”) followed straight by the end of the sentence.
_TRUNCATED = re.compile(
    r"(主要原因(?:是|为|如下)?|原因(?:是|为|如下)|主要用于|用于以下方面|主要包括|主要是|具体(?:情况)?如下|其中)"
    r"\s*[：:]?\s*[。；;]"
)


@rule(
    "W605",
    "truncated_sentence",
    Category.WORDING,
    Severity.WARNING,
    "句子不完整",
    "“主要原因是”“主要用于：”“其中：”等引导语之后直接是句号或分号，应说明的内容没有写。",
    "缺失的原因或用途正是公开要求说明的内容；句子残缺也说明文本未经审核。",
    "对个人和家庭的补助支出较上年增加12.06万元，主要原因是。",
)
def truncated_sentence(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    # every line: the lead-ins are specific, and a figure-heavy line (“增长 31.25%，主要原因是。”)
    # is not always prose by the character count
    lines = [ln for ln in all_lines(doc) if _CJK.search(ln.text)]
    if not lines:
        raise NotApplicable("没有可检查的说明文字")
    for ln, text in _with_next(doc, lines):
        ctx.tick()
        m = _TRUNCATED.search(text)
        if m is None or m.start() >= len(ln.text):
            continue  # on the next line alone: reported there
        f = make_finding(
            rule,
            ctx,
            f"“{m.group(1)}”之后没有内容，句子不完整：“…{_excerpt(text, m.start(), m.end(), 24)}”。",
            [Evidence(quote=ln.ref.quote[:120], prov=ln.ref.prov)],
            [m.group(0)],
            f"在“{m.group(1)}”之后写明具体内容",
            "查找引导语（主要原因是、主要用于、其中等）后紧跟句号或分号的句子",
        )
        if f:
            yield f


# --------------------------------------------------------------------------- W606

_CN = "一二三四五六七八九十"
_NUMBERED = re.compile(r"^([一二三四五六七八九十]{1,3})、")


def cn_number(s: str) -> int | None:
    """一 … 九十九 as an int (None if not a numeral)."""
    if len(s) == 1:
        return _CN.index(s) + 1 if s in _CN else None
    if len(s) == 2 and s[0] == "十":
        return 10 + _CN.index(s[1]) + 1 if s[1] in _CN[:9] else None
    if len(s) == 2 and s[1] == "十" and s[0] in _CN[:9]:
        return (_CN.index(s[0]) + 1) * 10
    if len(s) == 3 and s[1] == "十" and s[0] in _CN[:9] and s[2] in _CN[:9]:
        return (_CN.index(s[0]) + 1) * 10 + _CN.index(s[2]) + 1
    return None


OCR_ORDINAL = 0.8  # a numbering gap in text read by OCR: marked unsure
OCR_NUMBERING_NOTE = "扫描件经OCR识别，标题序号可能为识别误差（如“九、”未识别出），请对照原件核实。"


@rule(
    "W606",
    "heading_numbering",
    Category.WORDING,
    Severity.INFO,
    "说明部分标题序号跳号或重复",
    "决算情况说明（第X部分中的“情况说明”）各节标题“一、二、三、……”应连续编号，不跳号、不重复；"
    "另起“一、”视为新的编号序列（如随附的绩效自评报告）。名词解释中各节的“（一）（二）……”条目同样检查。“第X部分”的序号由 C004 检查。",
    "跳号往往意味着某一节内容被删掉或漏写，重复序号则多为复制粘贴错误。",
    "“四、一般公共预算财政拨款基本支出决算情况说明”之后是“六、机关运行经费支出情况说明”，缺少第五节。",
)
def heading_numbering(rule: Rule, doc: ParsedDocument, ctx: CheckContext) -> Iterable[Finding]:
    parts = _explanation_headings(doc)
    glossary = _glossary_entries(doc)
    if sum(len(p) for p in parts) < 3 and not glossary:
        raise NotApplicable("未找到决算情况说明的各节标题")
    # on a scan a heading's ordinal may be the recogniser's misreading ("九、" not made out): unsure
    conf = OCR_ORDINAL if doc.kind.is_ocr else 1.0
    for headings in parts:
        yield from _numbering(rule, ctx, headings, confidence=conf)
    for entries in glossary:
        yield from _numbering(rule, ctx, entries, "（{}）", "名词解释的条目序号", confidence=conf)


def _numbering(
    rule: Rule,
    ctx: CheckContext,
    headings: list[tuple[int, ProseLine]],
    shape: str = "{}、",
    what: str = "决算情况说明的标题",
    confidence: float = 1.0,
) -> Iterator[Finding]:
    previous: tuple[int, ProseLine] | None = None
    for n, ln in headings:
        ctx.tick()
        if previous is None or n == 1:
            previous = (n, ln)
            continue
        last, last_line = previous
        previous = (n, ln)
        if n == last + 1:
            continue
        label = shape.format
        if n == last:
            problem, expected = f"序号“{label(cn_text(n))}”重复出现", label(cn_text(n + 1))
        elif n > last + 1:
            bare = shape == "{}、"  # “缺少“五””, not “缺少“五、””
            missing = "、".join(cn_text(k) if bare else label(cn_text(k)) for k in range(last + 1, n))
            problem, expected = (
                f"从“{label(cn_text(last))}”跳到“{label(cn_text(n))}”，缺少“{missing}”",
                label(cn_text(last + 1)),
            )
        else:
            problem, expected = (
                f"“{label(cn_text(last))}”之后是“{label(cn_text(n))}”，序号倒退",
                label(cn_text(last + 1)),
            )
        f = make_finding(
            rule,
            ctx,
            f"{what}{problem}：“{_clip(last_line.text)}”之后为“{_clip(ln.text)}”。",
            [
                Evidence(quote=last_line.ref.quote, prov=last_line.ref.prov),
                Evidence(quote=ln.ref.quote, prov=ln.ref.prov),
            ],
            [ln.text],
            expected,
            f"按{what}的先后顺序逐个比对序号",
            confidence,
            note=OCR_NUMBERING_NOTE if confidence < 1 else None,
        )
        if f:
            yield f


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def cn_text(n: int) -> str:
    if n <= 10:
        return _CN[n - 1]
    tens, units = divmod(n, 10)
    return (_CN[tens - 1] if tens > 1 else "") + "十" + (_CN[units - 1] if units else "")


def _explanation_headings(doc: ParsedDocument) -> list[list[tuple[int, ProseLine]]]:
    """The short “一、…” headings of each part whose title says 情况说明 (up to the next part)."""
    parts: list[list[tuple[int, ProseLine]]] = []
    out: list[tuple[int, ProseLine]] = []
    inside = False
    for ln in all_lines(doc):
        text = ln.text
        if text.startswith("第") and "部分" in text[:5]:
            inside = "情况说明" in text or ("决算" in text and "决算表" not in text)
            out = []
            if inside:
                parts.append(out)
            continue
        if not inside:
            continue
        m = _NUMBERED.match(text)
        n = cn_number(m.group(1)) if m else None
        # headings only: short, no figures (a table row “一、一般公共服务支出 33 566” is not)
        if n is None or len(text) > 40 or re.search(r"\d", text) or "：" in text or ":" in text:
            continue
        out.append((n, ln))
    return parts


_BRACKETED = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[）)]")
_UNCLOSED = re.compile(r"^[（(]([一二三四五六七八九十])(?![）)一二三四五六七八九十])")


def _glossary_entries(doc: ParsedDocument) -> list[list[tuple[int, ProseLine]]]:
    """The “（一）（二）…” entries of 第X部分 名词解释, one list per “一、收入科目”/“二、支出科目” section
    (each restarts at （一）). Lists of fewer than three entries are left out."""
    runs: list[list[tuple[int, ProseLine]]] = []
    out: list[tuple[int, ProseLine]] | None = None
    for ln in all_lines(doc):
        text = ln.text
        if text.startswith("第") and "部分" in text[:5]:
            out = [] if "名词解释" in text else None
            if out is not None:
                runs.append(out)
            continue
        if out is None:
            continue
        if _NUMBERED.match(text):
            out = []
            runs.append(out)
            continue
        m = _BRACKETED.match(text)
        n = cn_number(m.group(1)) if m else None
        if n is not None:
            out.append((n, ln))
            continue
        # “（二其他收入：…” lost its “）” (W604's): still the next number, not a gap
        loose = _UNCLOSED.match(text)
        if loose and out and cn_number(loose.group(1)) == out[-1][0] + 1:
            out.append((out[-1][0] + 1, ln))
    return [r for r in runs if len(r) >= 3]

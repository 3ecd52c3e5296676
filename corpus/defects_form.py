"""Defect kinds of wording and form (issue 8, item 1): duplicated words and punctuation, unbalanced brackets, truncated sentences, placeholders, wrong level/unit words, wrong years, 科目 names.

Each :class:`~corpus.defects.DefectKind` changes the clean draft in one place (its injector's
docstring says where) and has a ``present`` re-check on the structured draft for
:func:`corpus.verify.violations`.

Hints must survive line wrapping: they sit at the start of a paragraph (the first line always
holds them) or end in marks that never start a line (“，。”, “是。”).
"""

from __future__ import annotations

import re
from random import Random
from typing import TYPE_CHECKING

from shared.knowledge.classification import RENAMED_SUBJECTS

if TYPE_CHECKING:
    from corpus.defects import DefectKind, Draft, PendingDefect
    from corpus.prose import Para, Piece


def _body_paras(d: Draft, start: str) -> list[Para]:
    return [p for p in d.narrative.paras if p.kind == "body" and p.text.startswith(start)]


def _first_piece(para: Para) -> Piece:
    return para.pieces[0]


# --------------------------------------------------------------------------- W602

_DUPLICATED = re.compile(r"([\u4e00-\u9fff]{2,4})\1")


def duplicated_word(d: Draft, rng: Random) -> PendingDefect:
    """The first word (two characters) of a 部门职责 item or of the 决算汇编范围 sentence in 第一部分
    is typed twice: “（二）负责负责…”, “纳入纳入本套部门决算…”."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    candidates = {f"dup:{i}": p for i, p in enumerate(_body_paras(d, "（")) if "：" not in p.text[:12]}
    candidates.update(("dup:scope", p) for p in _body_paras(d, "纳入本套部门决算"))
    if not candidates:
        raise DefectNotApplicable("no paragraph to duplicate a word in")
    key = _take(d, sorted(candidates), rng)
    piece = _first_piece(candidates[key])
    prefix = piece.text[: piece.text.index("）") + 1] if piece.text.startswith("（") else ""
    word = piece.text[len(prefix) : len(prefix) + 2]
    piece.text = prefix + word + piece.text[len(prefix) :]
    hint = prefix + word + word
    return PendingDefect("W602", "duplicated_word", f"“{word}”连写两次", hint)


def _duplicated_present(d: Draft) -> bool:
    return any(
        (m := _DUPLICATED.search(p.text)) is not None and len(set(m.group(1))) > 1
        for p in d.narrative.paras
        if p.kind == "body"
    )


# --------------------------------------------------------------------------- W603

_CLASH = re.compile(r"[，。、；：]{2,}")


def clashing_punctuation(d: Draft, rng: Random) -> PendingDefect:
    """A 部门职责 item ends “…，。” instead of “…。” (a comma left before the full stop)."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    candidates = {
        f"punct:{i}": p
        for i, p in enumerate(_body_paras(d, "（"))
        if p.text.endswith("。") and "：" not in p.text
    }
    if not candidates:
        raise DefectNotApplicable("no sentence to end with a comma")
    key = _take(d, sorted(candidates), rng)
    piece = candidates[key].pieces[-1]
    piece.text = piece.text[:-1] + "，。"
    return PendingDefect("W603", "clashing_punctuation", "句末“，。”连用", "，。")


def _clash_present(d: Draft) -> bool:
    return any(_CLASH.search(p.text) for p in d.narrative.paras if p.kind == "body")


# --------------------------------------------------------------------------- W604


def unclosed_bracket(d: Draft, rng: Random) -> PendingDefect:
    """A 名词解释 item loses the “）” of its number: “（二其他收入：指…”."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    glossary = {f"bracket:{i}": p for i, p in enumerate(_body_paras(d, "（")) if "：指" in p.text}
    if not glossary:
        raise DefectNotApplicable("no glossary item")
    key = _take(d, sorted(glossary), rng)
    piece = _first_piece(glossary[key])
    close = piece.text.index("）")
    piece.text = piece.text[:close] + piece.text[close + 1 :]
    return PendingDefect("W604", "unclosed_bracket", "名词解释序号缺少“）”", piece.text[: close + 4])


def _brackets_present(d: Draft) -> bool:
    for p in d.narrative.paras:
        if p.kind == "body" and p.text.count("（") != p.text.count("）"):
            return True
    return False


# --------------------------------------------------------------------------- W605

_TRUNCATED = re.compile(r"主要原因(?:是|为)?[：:]?[。；]")


def truncated_reason(d: Draft, rng: Random) -> PendingDefect:
    """One “，主要原因：…” of 第三部分 loses its reason: “…，主要原因是。” (or “是；”)."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    candidates = {}
    for i, para in enumerate(d.narrative.paras):
        for j, piece in enumerate(para.pieces[:-1]):
            nxt = para.pieces[j + 1].text
            if piece.text.startswith("，主要原因：") and not piece.slot and nxt[:1] in ("。", "；"):
                candidates[f"reason:{i}:{j}"] = (piece, nxt[0])
    if not candidates:
        raise DefectNotApplicable("no reason clause")
    key = _take(d, sorted(candidates), rng)
    piece, end = candidates[key]
    piece.text = "，主要原因是"
    # “是” + the mark that follows: a line never starts with “。” or “；”, so the hint stays whole
    return PendingDefect("W605", "truncated_reason", "“主要原因是”之后没有原因", "是" + end)


def _truncated_present(d: Draft) -> bool:
    return any(_TRUNCATED.search(p.text) for p in d.narrative.paras)


# --------------------------------------------------------------------------- S701


def outdated_subject_name(d: Draft, rng: Random) -> PendingDefect:
    """The fiscal section's “（N）卫生健康支出（类）” (or 文化旅游体育与传媒支出) uses the name the
    类 had before 2019; the tables keep the current name."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    renames = {new: old for old, new, code, _ in RENAMED_SUBJECTS if len(code) == 3}
    candidates = {}
    for i, para in enumerate(d.narrative.paras):
        piece = para.pieces[0] if para.pieces else None
        if piece is None or para.kind != "body":
            continue
        for new in renames:
            if f"）{new}（类）" in piece.text:
                candidates[f"subject:{i}"] = (piece, new)
    if not candidates:
        raise DefectNotApplicable("no renamed 类 in the fiscal section")
    key = _take(d, sorted(candidates), rng)
    piece, new = candidates[key]
    piece.text = piece.text.replace(new, renames[new])
    hint = piece.text[: piece.text.index("（类）")]
    return PendingDefect("S701", "outdated_subject_name", f"“{new}”写作旧名“{renames[new]}”", hint)


def _outdated_present(d: Draft) -> bool:
    if d.accounts.year < 2019:
        return False
    old_names = [old for old, _, _, since in RENAMED_SUBJECTS if d.accounts.year >= since]
    return any(old in p.text for p in d.narrative.paras for old in old_names)


# --------------------------------------------------------------------------- W606

_CN = "一二三四五六七八九十"


def _explanation_headings(d: Draft) -> list[Para]:
    """The numbered section headings (h2 “一、…”) of 第三部分 决算情况说明, in order."""
    out: list[Para] = []
    inside = False
    for p in d.narrative.paras:
        if p.kind == "h1":
            inside = "情况说明" in p.text
        elif inside and p.kind == "h2" and p.text[:1] in _CN and p.text[1:2] == "、":
            out.append(p)
    return out


def heading_number_wrong(d: Draft, rng: Random) -> PendingDefect:
    """One section heading of 第三部分 (not the first) takes the numeral of the heading before it
    (“三、…” twice) or, for the last one, skips a number (“八、” followed by “十、”)."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    heads = _explanation_headings(d)
    if len(heads) < 3:
        raise DefectNotApplicable("too few section headings")
    key = _take(d, [f"heading:{i}" for i in range(1, len(heads))], rng)
    i = int(key.split(":")[1])
    piece = _first_piece(heads[i])
    old = _CN.index(piece.text[0]) + 1
    new = old + 1 if i == len(heads) - 1 and rng.random() < 0.5 else old - 1
    piece.text = _CN[new - 1] + piece.text[1:]
    what = "跳号" if new > old else "重复"
    return PendingDefect("W606", "heading_number_wrong",
                         f"第三部分第{i + 1}节标题序号写作“{_CN[new - 1]}、”（应为“{_CN[old - 1]}、”），序号{what}",
                         piece.text[:6])  # fmt: skip


def _heading_numbers_present(d: Draft) -> bool:
    numbers = [_CN.index(p.text[0]) + 1 for p in _explanation_headings(d)]
    return numbers != list(range(1, len(numbers) + 1))


# --------------------------------------------------------------------------- S702

_CODED = re.compile(r"([\u4e00-\u9fff]+)（([类款项]) (\d+)）")
_DIGITS = {"类": 3, "款": 5, "项": 7}


def subject_code_level_wrong(d: Draft, rng: Random) -> PendingDefect:
    """The 名词解释 entry “（八）一般行政管理事务（项 2010302）” calls its 7-digit code a 款:
    “（项 2010302）” becomes “（款 2010302）”."""
    from corpus.defects import PendingDefect, _take

    _take(d, ["glossary.subject"], rng)
    piece = d.narrative.slot("glossary.subject")
    m = _CODED.search(piece.text)
    assert m is not None
    d.set_slot("glossary.subject", piece.text.replace(f"（项 {m.group(3)}）", f"（款 {m.group(3)}）"))
    return PendingDefect("S702", "subject_code_level_wrong",
                         f"“{m.group(1)}（款 {m.group(3)}）”标为款级，但编码为7位（项级）", f"{m.group(1)}（款")  # fmt: skip


def _code_level_present(d: Draft) -> bool:
    names = d.accounts.names
    for p in d.narrative.paras:
        for m in _CODED.finditer(p.text):
            name, level, code = m.group(1), m.group(2), m.group(3)
            if len(code) != _DIGITS[level] or (code in names and not name.endswith(names[code])):
                return True
    return False


# --------------------------------------------------------------------------- W690

# (right, wrong) phrases of the clean text, and the wrong forms the re-check looks for
_TYPOS = [("当年拨付", "当年拔付")]
_WRONG = ("拔付", "拔款", "部份", "历行节约", "确实做好", "招开")


def typo_injected(d: Draft, rng: Random) -> PendingDefect:
    """名词解释 “（一）财政拨款收入：指本级财政当年拨付的资金。”: “拨付” is typed “拔付”."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    candidates = {
        f"typo:{i}:{right}": (p, right, wrong)
        for i, p in enumerate(d.narrative.paras)
        for right, wrong in _TYPOS
        if p.kind == "body" and right in p.text
    }
    if not candidates:
        raise DefectNotApplicable("no phrase to misspell")
    key = _take(d, sorted(candidates), rng)
    para, right, wrong = candidates[key]
    piece = next(pc for pc in para.pieces if right in pc.text)
    piece.text = piece.text.replace(right, wrong, 1)
    return PendingDefect("W690", "typo_injected", f"“{right}”误作“{wrong}”", wrong[-2:])


def _typo_present(d: Draft) -> bool:
    return any(w in p.text for p in d.narrative.paras for w in _WRONG)


# --------------------------------------------------------------------------- W607

# “我部门今年在市级部门决算中反映…”: the department speaking of its own 决算 at a level
_SELF_LEVEL = re.compile(
    r"(?:我|本)(?:部门|单位|局|委|办|处|厅)[^。；，]{0,12}?([省市县区])级部门(?:决算|预算)"
)


def level_word_wrong(d: Draft, rng: Random) -> PendingDefect:
    """九(二)'s “我部门今年在市级部门决算中反映“…”项目绩效自评结果。” (slot ``perf.level``) says 省级
    (or 县级) in the document of a “××市…” department."""
    from corpus.defects import PendingDefect, _take

    _take(d, ["perf.level"], rng)
    wrong = rng.choice(["省", "省", "县"])
    d.set_slot("perf.level", wrong)
    return PendingDefect("W607", "level_word_wrong",
                         f"{d.accounts.dept.name}是市级部门，说明却称“我部门今年在{wrong}级部门决算中反映…”",
                         f"我部门今年在{wrong}级部门决算")  # fmt: skip


def _level_present(d: Draft) -> bool:
    if "市" not in d.accounts.dept.name:
        return False
    return any(m.group(1) != "市" for p in d.narrative.paras for m in _SELF_LEVEL.finditer(p.text))


def _kinds() -> list[DefectKind]:
    # corpus.defects defines DefectKind before it imports this module, so this import is complete
    from corpus.defects import DefectKind

    return [
        DefectKind("duplicated_word", "W602", duplicated_word, _duplicated_present),
        DefectKind("clashing_punctuation", "W603", clashing_punctuation, _clash_present),
        DefectKind("unclosed_bracket", "W604", unclosed_bracket, _brackets_present),
        DefectKind("truncated_reason", "W605", truncated_reason, _truncated_present),
        DefectKind("outdated_subject_name", "S701", outdated_subject_name, _outdated_present),
        DefectKind("heading_number_wrong", "W606", heading_number_wrong, _heading_numbers_present),
        DefectKind("subject_code_level_wrong", "S702", subject_code_level_wrong, _code_level_present),
        DefectKind("typo_injected", "W690", typo_injected, _typo_present),
        DefectKind("level_word_wrong", "W607", level_word_wrong, _level_present),
    ]


KINDS: list[DefectKind] = _kinds()


# =========================================================================== 名词解释: numbering, 科目 chain
# (a separate block: W606 on the glossary's “（一）（二）…” entries, S702 on a “××（类）××（款）××（项）”
# chain whose 款 the tables name)

_GLOSSARY_NO = re.compile(r"^（([一二三四五六七八九十]+)")


def _cn_value(s: str) -> int:
    """一 … 十九 (“十一” = 11)."""
    if s.startswith("十"):
        return 10 + (_CN.index(s[1]) + 1 if len(s) > 1 else 0)
    if len(s) > 1 and s[1] == "十":
        return (_CN.index(s[0]) + 1) * 10 + (_CN.index(s[2]) + 1 if len(s) > 2 else 0)
    return _CN.index(s[0]) + 1


def _glossary_entries(d: Draft) -> list[Para]:
    """The “（一）…” entries of 第四部分 名词解释, in order."""
    out: list[Para] = []
    inside = False
    for p in d.narrative.paras:
        if p.kind == "h1":
            inside = "名词解释" in p.text
        elif inside and p.kind == "body" and _GLOSSARY_NO.match(p.text):
            out.append(p)
    return out


def glossary_entry_dropped(d: Draft, rng: Random) -> PendingDefect:
    """One 名词解释 entry between the first and the last (one without a slot: not the coded 科目)
    is left out, so the numbering jumps (“（二）…” then “（四）…”); the entries keep their numbers."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    entries = _glossary_entries(d)
    options = {
        f"glossary:{i}": i for i in range(1, len(entries) - 1) if not any(pc.slot for pc in entries[i].pieces)
    }
    if not options:
        raise DefectNotApplicable("too few glossary entries")
    i = options[_take(d, sorted(options), rng)]
    gone, after = entries[i], entries[i + 1]
    d.narrative.paras.remove(gone)
    head = gone.text[: gone.text.index("）") + 1]
    return PendingDefect("W606", "glossary_entry_dropped",
                         f"名词解释缺少条目“{head}”，序号跳号", after.text[:5])  # fmt: skip


def _glossary_gap_present(d: Draft) -> bool:
    numbers = []
    for p in _glossary_entries(d):
        m = _GLOSSARY_NO.match(p.text)
        assert m is not None
        numbers.append(_cn_value(m.group(1)))
    return numbers != list(range(1, len(numbers) + 1))


_CHAIN = re.compile(r"([\u4e00-\u9fff]+)（类）([\u4e00-\u9fff]+)（款）([\u4e00-\u9fff]+)（项）")
# a 款 name a chain may be given instead of the right one (another 款 of the same 类)
_CHAIN_WRONG = {"住房改革支出": "保障性安居工程支出", "行政事业单位养老支出": "行政事业单位离退休"}


def glossary_chain_wrong(d: Draft, rng: Random) -> PendingDefect:
    """The 名词解释 entry “（九）住房公积金：住房保障支出（类）住房改革支出（款）住房公积金（项），…” (slot
    ``glossary.chain``) calls its 款 by another 款's name: “保障性安居工程支出（款）”; the tables print
    22102 as 住房改革支出 (and 2210201 住房公积金 under it). Needs the tables: S702 finds the chain's
    codes there."""
    from corpus.defects import DefectNotApplicable, PendingDefect, _take

    slots = d.narrative.slots()
    if "glossary.chain" not in slots:
        raise DefectNotApplicable("no 科目 chain in the glossary")
    m = _CHAIN.search(slots["glossary.chain"].text)
    if m is None or m.group(2) not in _CHAIN_WRONG:
        raise DefectNotApplicable("no 款 to rename")
    _take(d, ["glossary.chain"], rng)
    wrong = _CHAIN_WRONG[m.group(2)]
    piece = d.set_slot(
        "glossary.chain", slots["glossary.chain"].text.replace(f"{m.group(2)}（款）", f"{wrong}（款）")
    )
    start = piece.text.index(wrong)
    return PendingDefect("S702", "glossary_chain_wrong",
                         f"名词解释“{wrong}（款）”，报表中其下的“{m.group(3)}”所属款为“{m.group(2)}”",
                         piece.text[start - 2 : start + len(wrong)])  # fmt: skip


def _chain_present(d: Draft) -> bool:
    names = d.accounts.names
    by_name = {v: k for k, v in names.items() if len(k) == 7}
    for p in _glossary_entries(d):
        for m in _CHAIN.finditer(p.text):
            code = by_name.get(m.group(3))
            if code is not None and names.get(code[:5]) != m.group(2):
                return True
    return False


def _glossary_kinds() -> list[DefectKind]:
    from corpus.defects import DefectKind

    return [
        DefectKind("glossary_entry_dropped", "W606", glossary_entry_dropped, _glossary_gap_present),
        DefectKind("glossary_chain_wrong", "S702", glossary_chain_wrong, _chain_present, needs_tables=True),
    ]


KINDS += _glossary_kinds()

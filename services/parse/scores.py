"""绩效自评表 score tables: indicators (指标 N：…) with 分值 and 得分, the 总分/总计 row, and the
资金执行情况 row (全年预算数, 全年执行数, 执行率).

An indicator's 分值 and 得分 are the last two plain numbers of its record (numbers glued to a unit
such as "≦10万元" or "90%" are targets, not scores).
"""

from __future__ import annotations

import re
from decimal import Decimal

from shared.document import Line
from shared.models import Quantity, ScoreItem, ScoreTable, SourceRef

from .numbers import places_of, to_decimal

INDICATOR_RE = re.compile(r"指标\s*[:：]?\s*\d{1,2}\s*[:：]")
# “总分 100 98”, or with the 一级/二级/三级 分值 columns: “总分 100 100 100 92.97” (the weights equal)
TOTAL_RE = re.compile(r"^\s*(总分|总计|合计)\s+((?:\d+(?:\.\d+)?\s+)+)(\d+(?:\.\d+)?)\s*$")
# the 一级指标 分值 二级指标 分值 三级指标 分值 得分 header: rows are “name 分值 得分”
LEVELED_HEADER_RE = re.compile(r"三级指标.*分值.*得分")
LEVELED_ROW_RE = re.compile(
    r"^(?:\d+(?:\.\d+)?\s+)?(?P<name>[^\d\s].*?[\u4e00-\u9fff）)%])\s+"
    r"(?P<w>\d+(?:\.\d+)?)\s+(?P<s>\d+(?:\.\d+)?)$"
)
# 部门整体 score summary: “权重 30 35 25 10 100” then “得分 25.0 35 25.0 10.0 95.0”
WEIGHT_ROW_RE = re.compile(r"^\s*(权重|分值)\s+((?:\d+(?:\.\d+)?\s*){3,})$")
SCORE_ROW_RE = re.compile(r"^\s*得分\s+((?:\d+(?:\.\d+)?\s*){3,})$")
TABLE_START_RE = re.compile(r"^\s*项目名称\s*(.*)$")
FUND_RE = re.compile(r"(年度)?资金总额")
# “其中：当年财政拨款 9 9 7.36 — 81.78% —” when the 资金总额 row has the total only (seed 002)
APPROPRIATION_RE = re.compile(
    r"当年财政拨款\s+(?P<i>\d+(?:\.\d+)?)\s+(?P<b>\d+(?:\.\d+)?)\s+(?P<e>\d+(?:\.\d+)?)\s+"
    r"(?:[—－-]+\s+)?(?P<r>\d+(?:\.\d+)?)\s*%"
)
PLAIN_NUM_RE = re.compile(r"^\d+(?:\.\d+)?$")
ENDS_WITH_DIGIT_RE = re.compile(r"\d\s*$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def _plain_numbers(text: str) -> list[str]:
    return [t for t in text.split() if PLAIN_NUM_RE.match(t)]


def _split_record(record: list[Line]) -> list[list[Line]]:
    """One indicator's lines, or two when a row without its own “指标 N：” label (a 满意度 row)
    follows a complete one: the first ends at the first line that closes two or more plain
    numbers; a later run with text and then two or more numbers is the next row. Text after the
    numbers without numbers of its own (偏差原因, a wrapped name) stays with the first row."""
    seen = 0
    for i, ln in enumerate(record):
        seen += len(_plain_numbers(_after_label(ln.norm)))
        if seen >= 2 and ENDS_WITH_DIGIT_RE.search(ln.norm):
            rest = record[i + 1 :]
            start = next((j for j, r in enumerate(rest) if CJK_RE.search(r.norm)), None)
            if start is None:
                return [record]
            tail = rest[start:]
            if any(len(_plain_numbers(r.norm)) >= 2 and ENDS_WITH_DIGIT_RE.search(r.norm) for r in tail):
                return [record[: i + 1 + start], *_split_record(tail)]
            return [record]
    return [record]


def _after_label(text: str) -> str:
    m = INDICATOR_RE.search(text)
    return text[m.end() :] if m else text


def _weight_table(lines: list[Line], i: int) -> ScoreTable | None:
    """A 部门整体 summary (权重 row, 得分 row, names on the line above) starting at ``lines[i]``."""
    w = WEIGHT_ROW_RE.match(lines[i].norm)
    nxt = next((ln for ln in lines[i + 1 : i + 3] if ln.norm.strip()), None)
    if not w or nxt is None or not (s := SCORE_ROW_RE.match(nxt.norm)):
        return None
    weights, scores = w.group(2).split(), s.group(1).split()
    if len(weights) != len(scores):
        return None
    names: list[str] = []
    title = "部门整体支出绩效评分表"
    above = [ln for ln in lines[max(0, i - 16) : i] if ln.norm.strip()][-6:]
    for ln in reversed(above):
        words = ln.norm.split()
        if not names and len(words) == len(weights) - 1 and all(CJK_RE.search(t) for t in words):
            names = words
        if "得分" in ln.norm or "评分" in ln.norm:
            title = re.sub(r"\s+", "", ln.norm)[:40]
            break
    names = names or [f"第{k + 1}项" for k in range(len(weights) - 1)]
    table = ScoreTable(title=title, source=SourceRef(prov=lines[i].prov, quote=lines[i].text.strip()))
    ref = SourceRef(prov=nxt.prov, quote=f"{lines[i].text.strip()} / {nxt.text.strip()}")
    for name, wt, sc in zip(names, weights, scores, strict=False):
        table.items.append(ScoreItem(name=name, weight=to_decimal(wt), score=to_decimal(sc), source=ref))
    table.total_weight, table.total_score = to_decimal(weights[-1]), to_decimal(scores[-1])
    table.total_source = ref
    return table


def _q(raw: str, unit: str = "") -> Quantity:
    return Quantity(value=to_decimal(raw) or Decimal(0), raw=raw, unit=unit, places=places_of(raw))


def _fund_row(table: ScoreTable, nums: list[str], ln: Line) -> None:
    """年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分 (the 资金执行情况 row)."""
    table.budget, table.executed = _q(nums[1], "万元"), _q(nums[2], "万元")
    table.execution_rate = _q(nums[4], "%")
    table.execution_source = SourceRef(prov=ln.prov, quote=ln.text.strip())
    table.items.append(
        ScoreItem(
            name="资金执行率",
            weight=to_decimal(nums[3]),
            score=to_decimal(nums[5]),
            source=table.execution_source,
        )
    )


def merge_word_rows(lines: list[Line]) -> list[Line]:
    """Word exports put each table cell on its own tab-prefixed line, rows separated by a blank
    line: join each row's cells into one logical line (numbered by its first line)."""
    out: list[Line] = []
    row: list[Line] = []
    for ln in lines + [Line(page=0, line=0, text="", norm="")]:
        if ln.text.startswith("\t") and ln.norm.strip():
            row.append(ln)
            continue
        if row:
            first = row[0]
            out.append(
                Line(
                    page=first.page,
                    line=first.line,
                    text=" ".join(r.text.strip() for r in row),
                    norm=" ".join(r.norm.strip() for r in row),
                )
            )
            row = []
        if ln.line:
            out.append(ln)
    return out


def parse_score_tables(lines: list[Line]) -> list[ScoreTable]:
    lines = merge_word_rows(lines)
    tables: list[ScoreTable] = []
    current: ScoreTable | None = None
    record: list[Line] = []

    recent: list[Line] = []

    def close_record(label: str | None = None) -> None:
        if current is None or not record:
            return
        parts = _split_record(record)
        _add_item(current, parts[0], label)
        for part in parts[1:]:
            _add_item(current, part, None)
        record.clear()

    def _add_item(current: ScoreTable, record: list[Line], label: str | None) -> None:
        body = " ".join(ln.norm for ln in record)
        if indicator := INDICATOR_RE.search(body):
            body = body[indicator.end() :]
        nums = _plain_numbers(body)
        if len(nums) >= 2:
            name = label or re.sub(r"\s+", "", re.split(r"[=≧≦≥≤<>]|\d", body, maxsplit=1)[0])[:40]
            last = next((ln for ln in reversed(record) if nums[-1] in ln.norm.split()), record[-1])
            current.items.append(
                ScoreItem(
                    name=name,
                    weight=to_decimal(nums[-2]),
                    score=to_decimal(nums[-1]),
                    source=SourceRef(prov=last.prov, quote=" ".join(ln.text.strip() for ln in record)[:160]),
                )
            )

    leveled = False
    for i, ln in enumerate(lines):
        norm = ln.norm.strip()
        if not norm:
            continue
        if WEIGHT_ROW_RE.match(norm) and (summary := _weight_table(lines, i)):
            close_record()
            tables.append(summary)
            current = None
            continue
        start = TABLE_START_RE.match(norm)
        if start:
            close_record()
            current = ScoreTable(
                title=start.group(1).strip().lstrip("：:").strip() or "项目支出绩效自评表",
                source=SourceRef(prov=ln.prov, quote=ln.text.strip()),
            )
            tables.append(current)
            leveled = False
            continue
        if current is None:
            continue
        total = TOTAL_RE.match(norm)
        weights = total.group(2).split() if total else []
        if total and len(set(weights)) == 1:
            close_record()
            current.total_weight = to_decimal(weights[-1])
            current.total_score = to_decimal(total.group(3))
            current.total_source = SourceRef(prov=ln.prov, quote=ln.text.strip())
            current = None
            continue
        if LEVELED_HEADER_RE.search(norm.replace(" ", "")):
            close_record()
            leveled = True
            recent.clear()
            continue
        if leveled and not record and (row := LEVELED_ROW_RE.match(norm)):
            current.items.append(
                ScoreItem(
                    name=re.sub(r"\s+", "", row.group("name"))[:40],
                    weight=to_decimal(row.group("w")),
                    score=to_decimal(row.group("s")),
                    source=SourceRef(prov=ln.prov, quote=ln.text.strip()),
                )
            )
            recent.clear()
            continue
        if (fund := APPROPRIATION_RE.search(norm)) and current.budget is None:
            current.budget, current.executed = _q(fund.group("b"), "万元"), _q(fund.group("e"), "万元")
            current.execution_rate = _q(fund.group("r"), "%")
            current.execution_source = SourceRef(prov=ln.prov, quote=ln.text.strip())
            continue
        if FUND_RE.search(norm) and current.budget is None:
            nums = _plain_numbers(norm.replace("%", " "))
            if len(nums) >= 6:
                _fund_row(current, nums, ln)
            continue
        nums_here = _plain_numbers(norm)
        if (
            not record
            and not INDICATOR_RE.search(norm)
            and len(nums_here) >= 2
            and ENDS_WITH_DIGIT_RE.search(norm)
        ):
            if len(nums_here) == 6 and "." in nums_here[4] and current.budget is None:
                _fund_row(current, nums_here, ln)
            elif len(nums_here) in (2, 3, 4) and not CJK_RE.search(norm):
                label = "".join(p.norm.strip() for p in recent[-4:])
                record.extend([ln])
                close_record(label)
            recent.clear()
            continue
        if INDICATOR_RE.search(norm):
            close_record()
            record.append(ln)
        elif record:
            record.append(ln)
        else:
            recent.append(ln)
            if (
                _plain_numbers(norm)
                and len(_plain_numbers(" ".join(r.norm for r in record))) >= 2
                and ENDS_WITH_DIGIT_RE.search(norm)
            ):
                close_record()
    close_record()
    return [t for t in tables if t.items]

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
TOTAL_RE = re.compile(r"^\s*(总分|总计|合计)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*$")
TABLE_START_RE = re.compile(r"^\s*项目名称\s*(.*)$")
FUND_RE = re.compile(r"(年度)?资金总额")
PLAIN_NUM_RE = re.compile(r"^\d+(?:\.\d+)?$")
ENDS_WITH_DIGIT_RE = re.compile(r"\d\s*$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def _plain_numbers(text: str) -> list[str]:
    return [t for t in text.split() if PLAIN_NUM_RE.match(t)]


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
        record.clear()

    for ln in lines:
        norm = ln.norm.strip()
        if not norm:
            continue
        start = TABLE_START_RE.match(norm)
        if start:
            close_record()
            current = ScoreTable(
                title=start.group(1).strip() or "项目支出绩效自评表",
                source=SourceRef(prov=ln.prov, quote=ln.text.strip()),
            )
            tables.append(current)
            continue
        if current is None:
            continue
        total = TOTAL_RE.match(norm)
        if total:
            close_record()
            current.total_weight = to_decimal(total.group(2))
            current.total_score = to_decimal(total.group(3))
            current.total_source = SourceRef(prov=ln.prov, quote=ln.text.strip())
            current = None
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

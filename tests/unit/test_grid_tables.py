"""The grid readers on Word tables (any layout the document layer turns into grids): columns named
from header labels whatever their order, 元 tables converted, the vertical 三公 layout with
行次, the summary table's 行次 columns, three column groups in the basic-expenditure table."""

from __future__ import annotations

import io
from decimal import Decimal

from docx import Document

from services.ingest.docx import extract_docx
from services.parse.document import parse_document
from shared.knowledge.tables import TableKind
from shared.models import ParsedDocument

D = Decimal


def word(*blocks: str | list[list[str]]) -> bytes:
    """A .docx of paragraphs (str) and tables (rows of cell texts; "<" merges into the left cell)."""
    doc = Document()
    for b in blocks:
        if isinstance(b, str):
            doc.add_paragraph(b)
            continue
        table = doc.add_table(rows=len(b), cols=max(len(r) for r in b))
        for i, row in enumerate(b):
            for j, text in enumerate(row):
                if text == "<":
                    table.cell(i, j - 1).merge(table.cell(i, j))
                else:
                    table.cell(i, j).text = text
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


PREAMBLE = ["第一部分 测试局概况", "第二部分 2023年度部门决算表"]


def parsed(*blocks: str | list[list[str]]) -> ParsedDocument:
    return parse_document(extract_docx("t.docx", word(*PREAMBLE, *blocks)))


def test_columns_named_by_header_not_position() -> None:
    # 项目支出 printed before 基本支出: the header decides
    doc = parsed(
        "支出决算表",
        "单位：万元",
        [
            ["功能分类科目编码", "科目名称", "本年支出合计", "项目支出", "基本支出"],
            ["201", "一般公共服务支出", "250.30", "40.00", "210.30"],
            ["2010301", "行政运行", "210.30", "", "210.30"],
        ],
    )
    t = doc.table(TableKind.EXPENDITURE)
    assert t is not None and t.from_grid
    row = t.rows_by_code()["2010301"]
    assert row.num("基本支出") == D("210.30") and row.cells["项目支出"].state == "empty"


def test_table_in_yuan_is_read_in_wan() -> None:
    doc = parsed(
        "一般公共预算财政拨款支出决算表",
        "金额单位：元",
        [
            ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
            ["201", "一般公共服务支出", "2,503,000.00", "2,103,000.00", "400,000.00"],
        ],
    )
    t = doc.table(TableKind.GENERAL_BUDGET_EXPENDITURE)
    assert t is not None and t.unit == "元"
    cell = t.rows_by_code()["201"].cells["本年支出合计"]
    assert cell.value == D("250.3") and cell.places == 6  # 0.01 元 = 0.000001 万元
    assert any("元" in n and "万元" in n for n in t.parse_notes)


def test_three_public_rows_with_row_numbers() -> None:
    doc = parsed(
        "财政拨款“三公”经费支出决算表",
        [
            ["项目", "行次", "年初预算数", "决算数"],
            ["一、“三公”经费支出", "1", "19.77", "20.89"],
            ["（一）因公出国（境）费", "2", "9.28", "9.28"],
            ["（二）公务用车购置及运行维护费", "3", "8.39", "10.52"],
            ["1.公务用车购置费", "4", "", ""],
            ["2.公务用车运行维护费", "5", "8.39", "10.52"],
            ["（三）公务接待费", "6", "2.10", "1.09"],
            ["二、相关统计数", "7", "——", "——"],
            ["1.因公出国（境）团组数（个）", "8", "——", "2"],
            ["3.公务用车保有量（辆）", "10", "——", "3"],
            ["4.国内公务接待批次（个）", "11", "——", "10"],
        ],
    )
    t = doc.table(TableKind.THREE_PUBLIC)
    assert t is not None and t.columns == ["年初预算数", "决算数"]
    by = {r.group: r for r in t.rows}
    assert by["total"].num("决算数") == D("20.89") and by["abroad"].num("年初预算数") == D("9.28")
    assert by["vehicles_held"].num("决算数") == 3 and by["reception_batches"].num("决算数") == 10
    assert by["vehicles_held"].cells["年初预算数"].state == "text"  # "——": not applicable, not 0


def test_summary_table_with_row_number_columns() -> None:
    doc = parsed(
        "收入支出决算总表",
        [
            ["收入", "<", "<", "支出", "<", "<"],
            ["项目", "行次", "决算数", "项目", "行次", "决算数"],
            ["一、一般公共预算财政拨款收入", "1", "320.50", "一、一般公共服务支出", "32", "250.30"],
            ["八、其他收入", "8", "1.80", "八、社会保障和就业支出", "39", "72.00"],
            ["本年收入合计", "27", "322.30", "本年支出合计", "58", "322.30"],
            ["总计", "31", "322.30", "总计", "62", "322.30"],
        ],
    )
    t = doc.table(TableKind.INCOME_EXPENDITURE_SUMMARY)
    assert t is not None
    inc = {r.name: r for r in t.rows if r.side == "income"}
    exp = {r.name: r for r in t.rows if r.side == "expenditure"}
    assert inc["八、其他收入"].num("决算数") == D("1.80") and inc["八、其他收入"].row_no == 8
    assert exp["八、社会保障和就业支出"].code == "208" and exp["八、社会保障和就业支出"].num("决算数") == D(
        "72.00"
    )


def test_basic_table_three_column_groups() -> None:
    doc = parsed(
        "一般公共预算财政拨款基本支出决算表",
        [
            [
                "科目编码",
                "科目名称",
                "决算数",
                "科目编码",
                "科目名称",
                "决算数",
                "科目编码",
                "科目名称",
                "决算数",
            ],
            ["301", "工资福利支出", "230.10", "302", "商品和服务支出", "45.20", "310", "资本性支出", ""],
            ["30101", "基本工资", "120.00", "30201", "办公费", "20.00", "31002", "办公设备购置", ""],
            ["人员经费合计", "<", "235.30", "公用经费合计", "<", "<", "<", "<", "45.20"],
        ],
    )
    t = doc.table(TableKind.GENERAL_BUDGET_BASIC)
    assert t is not None
    by = {r.code or r.name: r.cells["金额"] for r in t.rows}
    assert (
        by["30101"].value == D("120.00") and by["30201"].value == D("20.00") and by["31002"].state == "empty"
    )
    assert by["人员经费合计"].value == D("235.30") and by["公用经费合计"].value == D("45.20")


def test_code_and_name_in_one_cell() -> None:
    doc = parsed(
        "支出决算表",
        [
            ["科目编码", "本年支出合计", "基本支出", "项目支出"],
            ["201 一般公共服务支出", "250.30", "210.30", "40.00"],
            ["2010301 行政运行", "210.30", "210.30", ""],
            ["合计", "250.30", "210.30", "40.00"],
        ],
    )
    t = doc.table(TableKind.EXPENDITURE)
    assert t is not None
    row = t.rows_by_code()["2010301"]
    assert row.name == "行政运行" and row.num("基本支出") == D("210.30")
    assert next(r for r in t.rows if r.code is None).num("项目支出") == D("40.00")

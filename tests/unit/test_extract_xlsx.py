"""XLSX extraction: one page per visible sheet, tables found by borders (or by content when the
sheet has none), title/unit/note rows as lines, merged ranges as spans, numbers shown as their
formats show them, and clear errors for damaged files and zip bombs. Workbooks are built in
memory with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile

import openpyxl
import pytest
from openpyxl.styles import Border, Side

from services.ingest.office import OfficeLimits
from services.ingest.xlsx import extract_xlsx, format_number, general_number
from shared.document import BBox, DocumentKind, Grid, Line
from shared.errors import BadInputError

THIN = Side(style="thin")
FULL = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOTTOM = Border(bottom=THIN)
MONEY = "#,##0.00"
HEADER = [
    "支出功能分类科目编码",
    None,
    None,
    "科目名称",
    "本年收入合计",
    "财政拨款收入",
    "事业收入",
    "其他收入",
]
DATA = [
    ["类", "款", "项", None, None, None, None, None],
    ["201", "06", "01", "行政运行", 1511.9, 1511.89, None, 0.01],
    ["201", "06", "02", "一般行政管理事务", 1434.35, 1428.16, None, 6.19],
    [None, None, None, "合计", 2946.25, 2940.05, None, 6.2],
]


def _save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write_table(ws, top: int, rows: list[list], border: Border | None = FULL, fmt: str = MONEY) -> int:
    """Write ``rows`` from row ``top`` (column A on); the row after the table."""
    for i, row in enumerate(rows):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(top + i, j, value)
            if border is not None:
                cell.border = border
            if isinstance(value, float):
                cell.number_format = fmt
    return top + len(rows)


def _income_sheet(ws, border: Border | None = FULL) -> None:
    ws["A1"] = "收入决算表"
    ws.merge_cells("A1:H1")
    ws["A2"] = "编制单位：某某市财政局"
    ws["H2"] = "单位：万元"
    ws["H2"].border = BOTTOM  # the table's top edge stored as the unit row's bottom border
    end = _write_table(ws, 3, [HEADER, *DATA], border)
    ws.merge_cells("A3:C3")
    for col in "DEFGH":
        ws.merge_cells(f"{col}3:{col}4")
    ws.cell(end, 1, "注：本表反映部门本年度取得的各项收入情况。")


def _income_workbook(border: Border | None = FULL) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "收入决算表"
    _income_sheet(ws, border)
    return _save(wb)


def test_title_unit_and_note_rows_are_lines_around_the_grid():
    doc = extract_xlsx("决算.xlsx", _income_workbook())
    assert doc.kind == DocumentKind.XLSX
    page = doc.pages[0]
    assert (page.number, page.name, page.width, page.height) == (1, "收入决算表", None, None)
    blocks = list(doc.blocks())
    assert [type(b) for b in blocks] == [Line, Line, Grid, Line]
    assert [b.line if isinstance(b, Line) else b.seq for b in blocks] == [1, 2, 3, 4]
    assert [b.text for b in blocks if isinstance(b, Line)] == [
        "收入决算表",
        "编制单位：某某市财政局 单位：万元",
        "注：本表反映部门本年度取得的各项收入情况。",
    ]
    assert blocks[0].bbox == BBox(x0=1, y0=1, x1=9, y1=2)  # merged over A1:H1, in sheet cell units
    assert blocks[3].bbox == BBox(x0=1, y0=8, x1=2, y1=9)
    grid = blocks[2]
    assert (grid.n_rows, grid.n_cols) == (5, 8)
    assert grid.bbox == BBox(x0=1, y0=3, x1=9, y1=8)


def test_merged_header_cells_appear_once_with_spans():
    grid = extract_xlsx("x.xlsx", _income_workbook()).grids()[0]
    by_pos = {(c.row, c.col): c for c in grid.cells}
    code = by_pos[(0, 0)]
    assert (code.text, code.row_span, code.col_span) == ("支出功能分类科目编码", 1, 3)
    assert code.bbox == BBox(x0=1, y0=3, x1=4, y1=4)
    name = by_pos[(0, 3)]
    assert (name.text, name.row_span, name.col_span) == ("科目名称", 2, 1)
    assert (0, 1) not in by_pos and (1, 3) not in by_pos
    assert [by_pos[(1, c)].text for c in range(3)] == ["类", "款", "项"]
    matrix = grid.matrix()
    assert matrix[1][4] is by_pos[(0, 4)] and all(c is not None for row in matrix for c in row)


def test_numbers_are_shown_with_their_formats_and_empty_cells_kept():
    grid = extract_xlsx("x.xlsx", _income_workbook()).grids()[0]
    rows = {r: [c.text for c in grid.cells if c.row == r] for r in range(2, 5)}
    assert rows[2] == ["201", "06", "01", "行政运行", "1,511.90", "1,511.89", "", "0.01"]
    assert rows[4] == ["", "", "", "合计", "2,946.25", "2,940.05", "", "6.20"]


def test_a_bordered_single_cell_row_stays_in_the_grid():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "一般公共预算财政拨款支出决算表"
    ws.merge_cells("A1:D1")
    rows = [
        ["项目", None, "本年支出", None],
        ["一、基本支出", None, None, None],
        ["人员经费", "301", 800.5, 800.5],
        ["公用经费", "302", 200.0, 200.0],
        ["二、项目支出", None, None, None],
        ["专项业务", "", 100.25, 100.25],
    ]
    _write_table(ws, 2, rows)
    ws.merge_cells("A3:D3")  # a section row merged across the table, bordered
    ws.merge_cells("A6:D6")
    grid_blocks = extract_xlsx("x.xlsx", _save(wb))
    assert [ln.text for ln in grid_blocks.lines()] == ["一般公共预算财政拨款支出决算表"]
    grid = grid_blocks.grids()[0]
    assert grid.n_rows == 6 and grid.n_cols == 4
    section = grid.matrix()[1][0]
    assert (section.text, section.col_span) == ("一、基本支出", 4)
    assert grid.row_texts()[4] == "二、项目支出"
    assert grid.row_texts()[2] == "人员经费 301 800.50 800.50"


def test_several_tables_stacked_on_one_sheet():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "表一 财政拨款收入支出决算总表"
    ws["D2"] = "单位：万元"
    end = _write_table(
        ws,
        3,
        [["项目", "金额", "项目", "金额"], ["一般公共预算财政拨款", 2940.05, "一般公共服务支出", 2940.05]],
    )
    ws.cell(end, 1, "注：本单位无政府性基金预算财政拨款。")
    ws.cell(end + 2, 1, "表二 一般公共预算财政拨款基本支出决算表")
    ws.cell(end + 3, 4, "单位：万元")
    _write_table(
        ws,
        end + 4,
        [
            ["科目编码", "科目名称", "人员经费", "公用经费"],
            ["301", "工资福利支出", 1200.0, None],
            ["302", "商品和服务支出", None, 311.4],
        ],
    )
    doc = extract_xlsx("x.xlsx", _save(wb))
    kinds = [(type(b).__name__, b.text if isinstance(b, Line) else b.n_rows) for b in doc.blocks()]
    assert kinds == [
        ("Line", "表一 财政拨款收入支出决算总表"),
        ("Line", "单位：万元"),
        ("Grid", 2),
        ("Line", "注：本单位无政府性基金预算财政拨款。"),
        ("Line", "表二 一般公共预算财政拨款基本支出决算表"),
        ("Line", "单位：万元"),
        ("Grid", 3),
    ]
    second = doc.grids()[1]
    assert [c.text for c in second.cells if c.row == 1] == ["301", "工资福利支出", "1,200.00", ""]
    assert second.bbox.y0 == 9  # sheet row 9


def test_without_borders_tables_are_found_by_content():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "部门决算收支总表"
    ws["C2"] = "单位：万元"
    _write_table(
        ws,
        3,
        [
            ["项目", "决算数", "上年数"],
            ["一、基本支出", None, None],
            ["人员经费", 800.5, 780.0],
            ["公用经费", 200.0, 190.0],
        ],
        border=None,
    )
    ws["A8"] = "注：本表为决算数。"  # row 7 blank: the note is not part of the table
    ws["A10"] = "机构人员"
    _write_table(ws, 11, [["编制人数", 10, None], ["实有人数", 9, None]], border=None)
    doc = extract_xlsx("x.xlsx", _save(wb))
    assert [ln.text for ln in doc.lines()] == [
        "部门决算收支总表",
        "单位：万元",
        "注：本表为决算数。",
        "机构人员",
    ]
    first, second = doc.grids()
    assert first.n_rows == 4 and first.row_texts()[1] == "一、基本支出"  # a single-value row inside a table
    assert [c.text for c in second.cells] == [
        "编制人数",
        "10",
        "实有人数",
        "9",
    ]  # the empty column is trimmed


def test_extent_ignores_formatting_far_outside_the_values():
    wb = openpyxl.Workbook()
    ws = wb.active
    _write_table(ws, 1, [["项目", "金额"], ["合计", 12.0]])
    ws.cell(500, 40).border = FULL  # formatting only: inflates max_row / max_column
    ws.cell(300, 30).number_format = MONEY
    assert ws.max_row == 500
    grid = extract_xlsx("x.xlsx", _save(wb)).grids()[0]
    assert (grid.n_rows, grid.n_cols) == (2, 2)
    assert grid.row_texts()[1] == "合计 12.00"


def test_multi_line_cells_and_other_value_types():
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [
        ["本年收入\n合计", "日期", "是否", "人数"],
        [1234567.891, dt.datetime(2024, 12, 31), True, 10],
        [0.1234, dt.datetime(2025, 1, 2, 9, 30), False, 10.0],
    ]
    _write_table(ws, 1, rows, fmt="General")
    ws["A2"].number_format = "#,##0.00_ "
    ws["A3"].number_format = "0.00%"
    grid = extract_xlsx("x.xlsx", _save(wb)).grids()[0]
    assert [c.text for c in grid.cells] == [
        "本年收入合计",
        "日期",
        "是否",
        "人数",
        "1,234,567.89",
        "2024-12-31",
        "TRUE",
        "10",
        "12.34%",
        "2025-01-02T09:30:00",
        "FALSE",
        "10",
    ]


@pytest.mark.parametrize(
    ("fmt", "value", "shown"),
    [
        ("#,##0.00", 2946.25, "2,946.25"),
        ("0.00", 0.01, "0.01"),
        ("#,##0.00_ ", 1511.9, "1,511.90"),
        ("0.00;[Red]-0.00", -3.5, "-3.50"),
        ("#,##0.00_);[Red]\\(#,##0.00\\)", -1234.5, "-1,234.50"),
        ("0.00%", 0.9979, "99.79%"),
        ("0%", 0.5, "50%"),
        ("0.00", 2.675, "2.68"),  # half away from zero on the decimal value, as Excel rounds
        ("0", 2.5, "3"),
        ("#,##0", 1234567, "1,234,567"),
        ("0.00", -0.001, "0.00"),
        ('0.00"万元"', 12.0, "12.00"),
        ('_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', 0, "-"),
        ('_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', 1511.9, "1,511.90"),
        ("General", 12.0, "12"),
        ("General", 10, "10"),
        ("General", 0.1 + 0.2, "0.3"),
        ("General", 1 / 3, "0.333333"),
        ("General", 1e-9, "0"),
        ("@", 7.5, "7.5"),
    ],
)
def test_number_formats(fmt, value, shown):
    assert format_number(value, fmt) == shown


def test_general_numbers():
    assert general_number(2946.25) == "2946.25"
    assert general_number(-0.5) == "-0.5"
    assert general_number(1e20) == "100000000000000000000"


def test_sheets_are_pages_with_one_running_counter_and_hidden_sheets_skipped():
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "收入支出决算总表"
    _income_sheet(first)
    hidden = wb.create_sheet("参数")
    hidden["A1"] = "隐藏内容"
    hidden.sheet_state = "hidden"
    second = wb.create_sheet("支出决算表")
    second["A1"] = "支出决算表"
    _write_table(second, 2, [["项目", "基本支出"], ["合计", 100.0]])
    doc = extract_xlsx("x.xlsx", _save(wb))
    assert [(p.number, p.name) for p in doc.pages] == [(1, "收入支出决算总表"), (2, "支出决算表")]
    assert [(b.page, b.line if isinstance(b, Line) else b.seq) for b in doc.blocks()] == [
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 5),
        (2, 6),
    ]
    assert "隐藏内容" not in " ".join(ln.text for ln in doc.lines())
    assert any("隐藏" in w and "参数" in w for w in doc.warnings)


def test_formulas_without_cached_values_are_warned_about():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "总表"
    _write_table(ws, 1, [["项目", "金额"], ["甲", 1.0], ["乙", 2.0], ["合计", "=SUM(B2:B3)"]])
    doc = extract_xlsx("x.xlsx", _save(wb))  # openpyxl writes formulas without their values
    assert [c.text for c in doc.grids()[0].cells if c.row == 3] == ["合计", ""]
    assert doc.warnings == [
        "工作表“总表”中有 1 个公式单元格没有保存计算结果，读作空白：请在 Excel 中打开文件、重新计算并保存后上传。"
    ]
    assert extract_xlsx("x.xlsx", _income_workbook()).warnings == []


# --- errors and limits ---------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def test_zip_bomb_is_refused():
    with zipfile.ZipFile(io.BytesIO(_income_workbook())) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["xl/worksheets/sheet2.xml"] = bytes(50 * 1024 * 1024)
    with pytest.raises(BadInputError) as exc:
        extract_xlsx("bomb.xlsx", _zip(members))
    assert (
        exc.value.user_message.startswith("Excel 文件异常，已拒绝") and "压缩炸弹" in exc.value.user_message
    )
    members["xl/worksheets/sheet2.xml"] = b"<x/>" * (2 * 1024 * 1024)
    with pytest.raises(BadInputError) as exc:
        extract_xlsx("big.xlsx", _zip(members), OfficeLimits(max_ratio=10**6, max_part_bytes=1024 * 1024))
    assert "解压后达 8 MB" in exc.value.user_message


def test_random_bytes_inside_a_zip_and_truncated_files_are_damaged():
    rng = random.Random(3)
    junk = bytes(rng.randrange(256) for _ in range(4000))
    for data in (
        _zip({"[Content_Types].xml": junk, "xl/workbook.xml": junk}),
        _income_workbook()[:-200],
        b"PK\x03\x04" + junk,
    ):
        with pytest.raises(BadInputError) as exc:
            extract_xlsx("x.xlsx", data)
        assert exc.value.user_message.startswith("Excel 文件已损坏，无法打开：")


def test_a_word_file_is_not_a_workbook():
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    with pytest.raises(BadInputError) as exc:
        extract_xlsx("x.xlsx", buf.getvalue())
    assert "Excel 文件已损坏" in exc.value.user_message


def test_sheet_and_cell_limits():
    wb = openpyxl.Workbook()
    for i in range(4):
        wb.create_sheet(f"表{i}")["A1"] = "x"
    with pytest.raises(BadInputError) as exc:
        extract_xlsx("x.xlsx", _save(wb), OfficeLimits(max_sheets=3))
    assert "工作表 5 个" in exc.value.user_message
    with pytest.raises(BadInputError) as exc:
        extract_xlsx("x.xlsx", _income_workbook(), OfficeLimits(max_cells_per_sheet=30))
    assert "单元格超过 30 个" in exc.value.user_message


def test_a_row_that_lost_its_borders_inside_a_table_stays_in_it():
    wb = openpyxl.Workbook()
    ws = wb.active
    _write_table(
        ws, 1, [["项目", "金额"], ["工资福利支出", 1200.0], ["商品和服务支出", 311.4], ["合计", 1511.4]]
    )
    for cell in ws[3]:
        cell.border = Border()
    ws["A5"] = "表二 其他"  # an unbordered single value right under the table is not part of it
    _write_table(ws, 6, [["项目", "金额"], ["合计", 1.0]])
    doc = extract_xlsx("x.xlsx", _save(wb))
    assert [g.n_rows for g in doc.grids()] == [4, 2]
    assert doc.grids()[0].row_texts()[2] == "商品和服务支出 311.40"
    assert [ln.text for ln in doc.lines()] == ["表二 其他"]


@pytest.mark.parametrize(
    "element",
    [
        '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>',
        '<hyperlinks><hyperlink ref="A1:Z100000" display="x"/></hyperlinks>',
    ],
)
def test_ranges_that_would_create_billions_of_cells_are_refused_before_loading(element):
    with zipfile.ZipFile(io.BytesIO(_income_workbook())) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    if element.startswith("<merge"):
        start, end = sheet.index("<mergeCells"), sheet.index("</mergeCells>") + len("</mergeCells>")
        sheet = sheet[:start] + element + sheet[end:]
    else:
        sheet = sheet.replace("<pageMargins", element + "<pageMargins", 1)
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    with pytest.raises(BadInputError) as exc:
        extract_xlsx("x.xlsx", _zip(members))
    assert "收入决算表" in exc.value.user_message and "超过 300000 个单元格" in exc.value.user_message

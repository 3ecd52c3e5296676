"""DOCX extraction: reading order, the real table grid (spans, headers, empty cells), pages from
breaks, text kept from hyperlinks/content controls/fields, and clear errors for damaged files and
zip bombs. Inputs are built in memory with python-docx (raw XML where it has no API)."""

from __future__ import annotations

import io
import random
import struct
import zipfile

import docx
import pytest
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from services.ingest.docx import extract_docx
from services.ingest.office import OfficeLimits, check_office_zip, join_pieces
from shared.document import DocumentKind, Grid, Line
from shared.errors import BadInputError

NARRATIVE = "　　本年收入合计2946.25万元，其中：财政拨款收入2940.05万元，占99.79%；"
HEADER = ["支出功能分类科目编码", "", "", "科目名称", "本年收入合计", "财政拨款收入", "事业收入", "其他收入"]


def _save(document: docx.document.Document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _income_table(document: docx.document.Document):
    """收入决算表: 科目编码 over 类|款|项 (gridSpan), 科目名称 over two header rows (vMerge)."""
    table = document.add_table(rows=5, cols=8)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "支出功能分类科目编码"
    table.cell(0, 3).merge(table.cell(1, 3)).text = "科目名称"
    for col, text in enumerate(HEADER[4:], start=4):
        table.cell(0, col).merge(table.cell(1, col)).text = text
    for col, text in enumerate(["类", "款", "项"]):
        table.cell(1, col).text = text
    rows = [
        ["201", "06", "01", "行政运行", "1,511.90", "1,511.89", "", "0.01"],
        ["", "", "", "合计", "2,946.25", "2,940.05", "", "6.20"],
        ["", "", "", "", "", "", "", ""],
    ]
    for r, values in enumerate(rows, start=2):
        for c, text in enumerate(values):
            if text:
                table.cell(r, c).text = text
    return table


def _mark_header(row) -> None:
    row._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))


def _income_document() -> bytes:
    document = docx.Document()
    document.add_paragraph(NARRATIVE)
    document.add_paragraph("二、收入决算表")
    table = _income_table(document)
    _mark_header(table.rows[0])
    _mark_header(table.rows[1])
    document.add_paragraph("注：本表反映部门本年度取得的各项收入情况。")
    section = document.sections[0]
    section.footer.paragraphs[0].text = "— 16 —"
    section.header.paragraphs[0].text = "页眉文字"
    return _save(document)


def test_lines_and_grids_in_body_order_with_one_counter():
    doc = extract_docx("收入.docx", _income_document())
    assert doc.kind == DocumentKind.DOCX and doc.source_name == "收入.docx"
    blocks = list(doc.blocks())
    assert [type(b) for b in blocks] == [Line, Line, Grid, Line]
    assert [b.line if isinstance(b, Line) else b.seq for b in blocks] == [1, 2, 3, 4]
    assert blocks[0].text == NARRATIVE.strip()  # indentation (ideographic spaces) dropped
    assert blocks[0].norm == blocks[0].text and len(blocks[0].norm) == len(blocks[0].text)
    assert blocks[1].text == "二、收入决算表"
    assert blocks[3].text.startswith("注：本表")
    assert len(doc.pages) == 1 and all(b.page == 1 for b in blocks)
    texts = " ".join(ln.text for ln in doc.lines())
    assert "— 16 —" not in texts and "页眉" not in texts  # header and footer are not body text


def test_merged_cells_appear_once_with_their_spans():
    grid = extract_docx("x.docx", _income_document()).grids()[0]
    assert (grid.n_rows, grid.n_cols) == (5, 8)
    by_pos = {(c.row, c.col): c for c in grid.cells}
    code = by_pos[(0, 0)]
    assert (code.text, code.row_span, code.col_span) == ("支出功能分类科目编码", 1, 3)
    name = by_pos[(0, 3)]
    assert (name.text, name.row_span, name.col_span) == ("科目名称", 2, 1)
    assert (0, 1) not in by_pos and (1, 3) not in by_pos  # covered positions hold no cell of their own
    assert [by_pos[(1, c)].text for c in range(3)] == ["类", "款", "项"]
    matrix = grid.matrix()
    assert matrix[1][3] is name and matrix[0][2] is code
    assert all(cell is not None for row in matrix for cell in row)
    assert grid.row_texts()[2] == "201 06 01 行政运行 1,511.90 1,511.89 0.01"


def test_empty_cells_are_present_and_header_rows_marked():
    grid = extract_docx("x.docx", _income_document()).grids()[0]
    row = [c for c in grid.cells if c.row == 2]
    assert [c.text for c in row] == ["201", "06", "01", "行政运行", "1,511.90", "1,511.89", "", "0.01"]
    assert [c.text for c in grid.cells if c.row == 4] == [""] * 8
    assert {c.header for c in grid.cells if c.row < 2} == {True}
    assert {c.header for c in grid.cells if c.row >= 2} == {False}


def test_cell_paragraphs_join_without_space_for_cjk_and_with_space_for_numbers():
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    name = table.cell(0, 0)
    name.paragraphs[0].text = "一般公共预算"
    name.add_paragraph("财政拨款收入")
    numbers = table.cell(0, 1)
    numbers.paragraphs[0].text = "1,511.90"
    numbers.add_paragraph("")
    numbers.add_paragraph("1,511.89")
    grid = extract_docx("x.docx", _save(document)).grids()[0]
    assert [c.text for c in grid.cells] == ["一般公共预算财政拨款收入", "1,511.90 1,511.89"]
    assert join_pieces(["（一）", "基本支出"]) == "（一）基本支出"


def test_nested_table_text_is_flattened_into_its_cell():
    document = docx.Document()
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "项目"
    inner = outer.cell(0, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "100.00"
    inner.cell(0, 1).text = "200.00"
    doc = extract_docx("x.docx", _save(document))
    assert len(doc.grids()) == 1
    assert [c.text for c in doc.grids()[0].cells] == ["项目", "100.00 200.00"]


def _paragraph_xml(inner: str) -> object:
    return parse_xml(f"<w:p {nsdecls('w', 'r')}>{inner}</w:p>")


def test_hyperlinks_fields_and_content_controls_keep_their_text():
    document = docx.Document()
    body = document.element.body
    sect = body[-1]
    sect.addprevious(
        _paragraph_xml(
            '<w:r><w:t xml:space="preserve">详见 </w:t></w:r>'
            '<w:hyperlink r:id="rId99"><w:r><w:t>财政部网站</w:t></w:r></w:hyperlink>'
            '<w:bookmarkStart w:id="0" w:name="_Toc123"/><w:bookmarkEnd w:id="0"/>'
            '<w:del w:id="1" w:author="a"><w:r><w:delText>删除的文字</w:delText></w:r></w:del>'
            '<w:ins w:id="2" w:author="a"><w:r><w:t>（新增）</w:t></w:r></w:ins>'
        )
    )
    sect.addprevious(
        parse_xml(
            f"<w:sdt {nsdecls('w')}><w:sdtPr/><w:sdtContent>"
            "<w:p><w:r><w:t>目录</w:t></w:r></w:p>"
            "<w:p><w:r><w:t>一、部门职责</w:t></w:r><w:r><w:tab/></w:r>"
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGEREF _Toc123 \\h </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>3</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
            "</w:sdtContent></w:sdt>"
        )
    )
    texts = [ln.text for ln in extract_docx("x.docx", _save(document)).lines()]
    assert texts == ["详见 财政部网站（新增）", "目录", "一、部门职责\t3"]
    assert extract_docx("x.docx", _save(document)).lines()[2].norm == "一、部门职责 3"


def test_soft_line_breaks_join_like_cell_paragraphs():
    document = docx.Document()
    run = document.add_paragraph().add_run("一般公共预算财政拨款")
    run.add_break()
    run.add_text("支出决算表")
    assert extract_docx("x.docx", _save(document)).lines()[0].text == "一般公共预算财政拨款支出决算表"


def test_pages_follow_explicit_page_and_section_breaks():
    document = docx.Document()
    document.add_paragraph("第一部分 部门概况")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("第二部分 部门决算表")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "项目"
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_paragraph("第三部分 情况说明")
    document.add_section(WD_SECTION.CONTINUOUS)
    document.add_paragraph("（一）收入情况")
    page_before = document.add_paragraph("第四部分 名词解释")
    page_before.paragraph_format.page_break_before = True
    doc = extract_docx("x.docx", _save(document))
    assert [(ln.text, ln.page) for ln in doc.lines()] == [
        ("第一部分 部门概况", 1),
        ("第二部分 部门决算表", 2),
        ("第三部分 情况说明", 3),
        ("（一）收入情况", 3),
        ("第四部分 名词解释", 4),
    ]
    assert doc.grids()[0].page == 2
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    assert doc.pages[1].grids[0].seq == 3
    assert doc.pages[0].width == pytest.approx(612.0)  # the section's page size, in points


def test_rendered_page_breaks_win_over_explicit_ones():
    document = docx.Document()
    body = document.element.body
    sect = body[-1]
    sect.addprevious(_paragraph_xml('<w:r><w:t>第一页</w:t></w:r><w:r><w:br w:type="page"/></w:r>'))
    sect.addprevious(_paragraph_xml("<w:r><w:lastRenderedPageBreak/><w:t>第二页开头</w:t></w:r>"))
    sect.addprevious(
        _paragraph_xml("<w:r><w:t>第二页</w:t><w:lastRenderedPageBreak/><w:t>续到第三页</w:t></w:r>")
    )
    sect.addprevious(_paragraph_xml("<w:r><w:t>第三页</w:t></w:r>"))
    doc = extract_docx("x.docx", _save(document))
    assert [(ln.text, ln.page) for ln in doc.lines()] == [
        ("第一页", 1),
        ("第二页开头", 2),
        ("第二页续到第三页", 2),
        ("第三页", 3),
    ]


def test_a_file_without_breaks_is_one_page():
    document = docx.Document()
    for i in range(30):
        document.add_paragraph(f"第{i + 1}段")
    doc = extract_docx("x.docx", _save(document))
    assert len(doc.pages) == 1 and len(doc.pages[0].lines) == 30
    assert [ln.line for ln in doc.lines()] == list(range(1, 31))


def test_short_rows_and_grid_before_get_empty_cells():
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).text = "金额"
    table.cell(0, 2).text = "备注"
    tr = table.rows[1]._tr
    tr.remove(tr.findall(qn("w:tc"))[0])
    tr.get_or_add_trPr().append(parse_xml(f'<w:gridBefore {nsdecls("w")} w:val="1"/>'))
    tr.findall(qn("w:tc"))[0].append(_paragraph_xml("<w:r><w:t>12.50</w:t></w:r>"))
    grid = extract_docx("x.docx", _save(document)).grids()[0]
    assert [(c.row, c.col, c.text) for c in grid.cells if c.row == 1] == [
        (1, 0, ""),
        (1, 1, "12.50"),
        (1, 2, ""),
    ]


# --- errors and limits ---------------------------------------------------------------------------


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def _with_member(data: bytes, name: str, content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[name] = content
    return _zip(members)


def test_zip_bomb_member_is_refused_before_parsing():
    bomb = _with_member(_income_document(), "word/media/image1.bin", bytes(50 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    with pytest.raises(BadInputError) as exc:
        extract_docx("bomb.docx", bomb)
    assert "压缩炸弹" in exc.value.user_message and "压缩比" in exc.value.user_message
    with pytest.raises(BadInputError) as exc:
        check_office_zip(bomb, OfficeLimits(max_ratio=10**6, max_total_bytes=10 * 1024 * 1024), "Word")
    assert "解压后总大小" in exc.value.user_message and "10 MB" in exc.value.user_message


def test_overlapping_zip_entries_are_refused():
    data = bytearray(
        _zip({"[Content_Types].xml": b"<a/>" * 10, "word/document.xml": b"<b/>" * 10}, zipfile.ZIP_STORED)
    )
    first = data.find(b"PK\x01\x02")
    second = data.find(b"PK\x01\x02", first + 1)
    offset = struct.unpack_from("<I", data, first + 42)[0]
    struct.pack_into("<I", data, second + 42, offset)  # the second entry points at the first's data
    with pytest.raises(BadInputError) as exc:
        check_office_zip(bytes(data), label="Word")
    assert "重叠" in exc.value.user_message


def test_random_bytes_inside_a_zip_are_a_damaged_file():
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(5000))
    data = _zip({"[Content_Types].xml": junk, "word/document.xml": junk, "_rels/.rels": junk})
    with pytest.raises(BadInputError) as exc:
        extract_docx("x.docx", data)
    assert exc.value.user_message.startswith("Word 文件已损坏，无法打开：")
    assert "重新保存" in exc.value.user_message


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_docx_is_a_damaged_file(cut):
    data = _income_document()
    with pytest.raises(BadInputError) as exc:
        extract_docx("x.docx", data[: int(len(data) * cut)])
    assert "Word 文件已损坏" in exc.value.user_message


def test_plain_bytes_and_a_workbook_are_not_word_files():
    with pytest.raises(BadInputError):
        extract_docx("x.docx", b"not a zip at all" * 100)
    import openpyxl

    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    with pytest.raises(BadInputError) as exc:
        extract_docx("x.docx", buf.getvalue())
    assert "Word 文件已损坏" in exc.value.user_message


def test_paragraph_and_cell_limits():
    document = docx.Document()
    for i in range(20):
        document.add_paragraph(f"第{i}段")
    with pytest.raises(BadInputError) as exc:
        extract_docx("x.docx", _save(document), OfficeLimits(max_paragraphs=10))
    assert "段落超过 10 个" in exc.value.user_message
    with pytest.raises(BadInputError) as exc:
        extract_docx("x.docx", _income_document(), OfficeLimits(max_table_cells=20))
    assert "单元格超过 20 个" in exc.value.user_message
    assert extract_docx("x.docx", _income_document(), OfficeLimits(max_table_cells=40)).grids()


def test_macro_enabled_documents_read_like_docx():
    data = _income_document()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    assert main in members["[Content_Types].xml"]
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        main, b"application/vnd.ms-word.document.macroEnabled.main+xml"
    )
    doc = extract_docx("x.docm", _zip(members))
    assert [ln.text for ln in doc.lines()][1] == "二、收入决算表"
    assert doc.grids()[0].matrix()[0][2].text == "支出功能分类科目编码"


def test_embedded_alt_chunks_are_reported():
    document = docx.Document()
    document.add_paragraph("正文")
    document.element.body[-1].addprevious(parse_xml(f'<w:altChunk {nsdecls("w", "r")} r:id="rId77"/>'))
    doc = extract_docx("x.docx", _save(document))
    assert [ln.text for ln in doc.lines()] == ["正文"]
    assert doc.warnings and "未能读取" in doc.warnings[0]
    document.add_paragraph().add_run()._r.append(parse_xml(f"<w:object {nsdecls('w')}/>"))
    assert "嵌入对象" in extract_docx("x.docx", _save(document)).warnings[-1]
    assert extract_docx("x.docx", _income_document()).warnings == []


def test_missing_main_part_is_a_damaged_file():
    with zipfile.ZipFile(io.BytesIO(_income_document())) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if n != "word/document.xml"}
    with pytest.raises(BadInputError) as exc:
        extract_docx("x.docx", _zip(members))
    assert "Word 文件已损坏" in exc.value.user_message


def test_text_box_is_read_once_after_its_paragraph():
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    wps = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    vml = "urn:schemas-microsoft-com:vml"
    box = "<w:txbxContent><w:p><w:r><w:t>部门决算公开封面</w:t></w:r></w:p></w:txbxContent>"
    document = docx.Document()
    document.element.body[-1].addprevious(
        parse_xml(
            f'<w:p {nsdecls("w")} xmlns:v="{vml}" xmlns:mc="{mc}" xmlns:wps="{wps}"><w:r><w:t>锚定段落</w:t></w:r><w:r>'
            f'<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx>{box}</wps:txbx></w:drawing>'
            f"</mc:Choice><mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r></w:p>"
        )
    )
    document.add_paragraph("下一段")
    assert [ln.text for ln in extract_docx("x.docx", _save(document)).lines()] == [
        "锚定段落",
        "部门决算公开封面",
        "下一段",
    ]

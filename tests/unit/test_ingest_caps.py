"""Per-document caps (``IngestLimits``): a document over one is refused before the structures the
cap bounds are built, with a Chinese message that names the limit. A real disclosure is far below
every default (the seeds and sample PDFs are read by their own tests under the same defaults)."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest

from services.ingest.core import IngestLimits, ingest_bytes, refusal
from services.ingest.pdf_grid import GridTooLarge, HRule, VRule, find_grids
from services.ingest.text import count_lines, split_pages
from services.pipeline import ingest_limits
from shared.errors import BadInputError
from shared.settings import get_settings
from tests.pdfs import income_table_pdf


def big_table_text(rows: int) -> bytes:
    """A text disclosure whose one table has ``rows`` rows (43 bytes each: 400,000 rows ≈ 17 MB)."""
    head = "收入支出决算总表\n单位：万元\n科目编码 科目名称 本年支出合计 基本支出 项目支出\n"
    body = "".join(f"{2010101 + i % 900000:07d} 行政运行 1234.56 1000.00 234.56\n" for i in range(rows))
    return (head + body).encode("utf-8")


def test_a_400000_row_text_is_refused_naming_the_line_limit() -> None:
    data = big_table_text(400_000)
    assert len(data) > 16 * 1024 * 1024
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("big.txt", data)
    message = exc.value.user_message
    assert "400,004 行" in message and "50,000 行的上限" in message
    kind, reason = refusal(data)  # the api's check before it stores an upload says the same
    assert kind == "text" and reason == message


def test_text_under_the_caps_reads() -> None:
    doc = ingest_bytes("ok.txt", big_table_text(1_000))
    assert sum(len(p.lines) for p in doc.pages) == 1_004


def test_text_caps_come_from_the_limits() -> None:
    data = big_table_text(100)
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("t.txt", data, IngestLimits(max_text_lines=50))
    assert "50 行的上限" in exc.value.user_message
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("t.txt", data, IngestLimits(max_text_chars=1_000))
    assert "1,000 个字符的上限" in exc.value.user_message
    assert refusal(data, IngestLimits(max_text_lines=50))[1]
    assert refusal(data)[1] is None


@pytest.mark.parametrize("text", ["a\nb\r\nc\rd", "a\fb\n\fc\n", "x", "a\n\n", "一\r\n二\r\n"])
def test_line_count_is_the_number_of_lines_split_makes(text: str) -> None:
    assert count_lines(text) == sum(len(p.lines) for p in split_pages(text))


def test_utf16_text_is_counted_after_decoding() -> None:
    # every 上 (U+4E0A) holds a 0x0A byte in UTF-16: the byte bound is over, the real count is not
    data = ("上" * 200 + "\n").encode("utf-16") * 3
    assert refusal(data, IngestLimits(max_text_lines=10))[1] is None
    assert refusal(data, IngestLimits(max_text_lines=2))[1]


def _docx_table(rows: int) -> bytes:
    document = docx.Document()
    document.add_paragraph("收入支出决算总表")
    table = document.add_table(rows=rows, cols=3)
    for r, row in enumerate(table.rows):
        row.cells[0].text, row.cells[1].text, row.cells[2].text = f"{2010101 + r}", "行政运行", "1.00"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_word_table_rows_and_cells_are_capped() -> None:
    data = _docx_table(30)
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("t.docx", data, IngestLimits(max_table_rows=10))
    assert "表格行数超过 10 行" in exc.value.user_message
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("t.docx", data, IngestLimits(max_cells=60))
    assert "表格单元格超过 60 个" in exc.value.user_message
    assert ingest_bytes("t.docx", data, IngestLimits(max_table_rows=30, max_cells=90)).grids()


def _xlsx_table(rows: int, sheets: int = 1) -> bytes:
    wb = openpyxl.Workbook()
    for s in range(sheets):
        ws = wb.active if s == 0 else wb.create_sheet(f"表{s + 1}")
        for r in range(1, rows + 1):
            ws.append([f"{2010101 + r}", "行政运行", 1.0])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_rows_cells_and_sheets_are_capped() -> None:
    data = _xlsx_table(30, sheets=2)
    with pytest.raises(BadInputError) as exc:  # rows over both sheets
        ingest_bytes("t.xlsx", data, IngestLimits(max_table_rows=50))
    assert "表格行数超过 50 行" in exc.value.user_message
    with pytest.raises(BadInputError) as exc:  # stored cells, counted before openpyxl reads them
        ingest_bytes("t.xlsx", data, IngestLimits(max_cells=150))
    assert "单元格超过 150 个" in exc.value.user_message
    with pytest.raises(BadInputError) as exc:
        ingest_bytes("t.xlsx", data, IngestLimits(max_sheets=1))
    assert "上限 1 个" in exc.value.user_message
    assert len(ingest_bytes("t.xlsx", data, IngestLimits(max_table_rows=60, max_cells=180)).pages) == 2


def test_pdf_grid_cells_are_capped_per_page_and_per_document() -> None:
    hs = [HRule(float(y), 0.0, 300.0) for y in range(0, 310, 10)]
    vs = [VRule(float(x), 0.0, 300.0) for x in range(0, 310, 10)]
    with pytest.raises(GridTooLarge) as exc:  # 30 × 30, refused before any cell is made
        find_grids(hs, vs, max_cells=500)
    assert exc.value.cells == 900
    assert len(find_grids(hs, vs, max_cells=900)[0].cells) == 900
    data = income_table_pdf()  # one 6 × 7 grid
    with pytest.raises(BadInputError) as err:
        ingest_bytes("t.pdf", data, IngestLimits(max_cells=41))
    assert "表格单元格超过 41 个" in err.value.user_message
    with pytest.raises(BadInputError) as err:
        ingest_bytes("t.pdf", data, IngestLimits(max_table_rows=5))
    assert "表格行数超过 5 行" in err.value.user_message
    assert ingest_bytes("t.pdf", data, IngestLimits(max_cells=42, max_table_rows=6)).grids()


def test_workers_and_cli_take_the_caps_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUESUAN_MAX_TEXT_LINES", "123")
    monkeypatch.setenv("JUESUAN_MAX_CELLS", "456")
    get_settings.cache_clear()
    try:
        limits = ingest_limits()
        assert (limits.max_text_lines, limits.max_cells) == (123, 456)
        assert limits.max_table_rows == IngestLimits().max_table_rows
    finally:
        get_settings.cache_clear()

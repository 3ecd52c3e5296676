"""A scan's table rows (services/parse/grid/ocr_rows.py): codes the recogniser cut short or did
not read are inferred from the table's structure or left out with the sums over them unjudged;
figures that lost their decimals are unsure. None of these becomes an error finding, while a
real error on a scan whose figures were read surely still is one. A born-digital table's codes
are what it prints."""

from __future__ import annotations

from decimal import Decimal

from services import pipeline
from services.ingest.docx import extract_docx
from services.parse.document import parse_document
from shared.knowledge.tables import TableKind
from shared.models import DocumentReport, ParsedDocument, RuleStatus, Severity
from tests.unit.test_grid_tables import PREAMBLE, word

D = Decimal
HEAD = ["功能分类科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"]


def read(rows: list[list[str]], *, ocr: bool) -> tuple[ParsedDocument, DocumentReport]:
    """The 支出决算表 of ``rows`` read as a scan's grid (``ocr``) or a born-digital one."""
    doc = extract_docx("t.docx", word(*PREAMBLE, "支出决算表", "单位：万元", [HEAD, *rows]))
    for page in doc.pages:
        for grid in page.grids:
            grid.ocr = ocr
    parsed = parse_document(doc)
    return parsed, pipeline.validate(parsed)


def t101(report: DocumentReport) -> list[tuple[Severity, str]]:
    return [(f.severity, f.message) for f in report.findings if f.code == "T101"]


TOTAL = ["合计", "<", "100.00", "100.00", ""]
CLASS = ["208", "社会保障和就业支出", "100.00", "100.00", ""]
KUAN = ["20805", "行政事业单位养老支出", "100.00", "100.00", ""]
ITEMS = [
    ["2080501", "行政单位离退休", "60.00", "60.00", ""],
    ["2080505", "机关事业单位基本养老保险缴费支出", "40.00", "40.00", ""],
]


def test_a_class_code_standing_for_a_cut_short_kuan_code_is_inferred_from_the_rows_under_it() -> None:
    cut = ["208", "行政事业单位养老支出", "100.00", "100.00", ""]  # "20805" with its "05" unread
    parsed, report = read([TOTAL, CLASS, cut, *ITEMS], ocr=True)
    t = parsed.table(TableKind.EXPENDITURE)
    assert t is not None
    assert [r.code for r in t.rows] == [None, "208", "20805", "2080501", "2080505"]
    kuan = t.rows_by_code()["20805"]
    assert kuan.level == "款" and kuan.confidence < 1
    assert any("推定为 20805" in n for n in t.parse_notes)
    assert t101(report) == []

    # born-digital: the code is what it prints, and the doubled class breaks the sums
    parsed, report = read([TOTAL, CLASS, cut, *ITEMS], ocr=False)
    assert [r.code for r in parsed.table(TableKind.EXPENDITURE).rows].count("208") == 2  # type: ignore[union-attr]


def test_an_unread_code_above_the_first_item_of_a_missing_kuan_is_that_kuan() -> None:
    unread = ["", "行政事业单位养老支出", "100.00", "100.00", ""]
    parsed, report = read([TOTAL, CLASS, unread, *ITEMS], ocr=True)
    t = parsed.table(TableKind.EXPENDITURE)
    assert t is not None
    row = t.rows_by_code()["20805"]
    assert row.name == "行政事业单位养老支出" and row.confidence < 1
    assert t101(report) == []


def test_a_row_whose_code_cannot_be_inferred_is_left_out_and_the_sums_over_it_are_not_judged() -> None:
    unread_item = ["", "机关事业单位职业年金缴费支出", "30.00", "30.00", ""]
    rows = [
        ["合计", "<", "130.00", "130.00", ""],
        ["208", "社会保障和就业支出", "130.00", "130.00", ""],
        ["20805", "行政事业单位养老支出", "130.00", "130.00", ""],
        ITEMS[0],
        unread_item,  # between two 项 of one 款: which 项 it is cannot be told
        ITEMS[1],
    ]
    parsed, report = read(rows, ocr=True)
    t = parsed.table(TableKind.EXPENDITURE)
    assert t is not None
    assert "机关事业单位职业年金缴费支出" not in [r.name for r in t.rows]
    assert t.unread_rows == [4]
    assert t101(report) == []  # 20805 = 60 + 40 would be "wrong" without the unread 30
    cov = next(c for c in report.coverage if c.code == "T101")
    assert cov.status is RuleStatus.RAN and cov.skipped and "未作结论" in (cov.reason or "")

    # born-digital: a row of figures without a code is left out as before, with a note
    parsed, _ = read(rows, ocr=False)
    t = parsed.table(TableKind.EXPENDITURE)
    assert t is not None and t.unread_rows == []
    assert any("没有科目编码" in n for n in t.parse_notes)


def test_a_figure_that_lost_its_decimals_is_too_unsure_to_conclude_from() -> None:
    rows = [
        ["合计", "<", "100.00", "100.00", ""],
        CLASS,
        KUAN,
        ["2080501", "行政单位离退休", "6000", "60.00", ""],  # "60.00" with its point lost
        ITEMS[1],
    ]
    parsed, report = read(rows, ocr=True)
    t = parsed.table(TableKind.EXPENDITURE)
    assert t is not None
    cell = t.rows_by_code()["2080501"].cells["本年支出合计"]
    assert cell.value == D("6000") and cell.confidence < 0.6
    assert t101(report) == [] and not [f for f in report.findings if f.code == "T102"]


def test_a_real_error_on_a_scan_read_surely_is_still_an_error() -> None:
    rows = [TOTAL, CLASS, KUAN, ["2080501", "行政单位离退休", "70.00", "70.00", ""], ITEMS[1]]
    _, report = read(rows, ocr=True)
    found = t101(report)
    assert found and all(sev is Severity.ERROR for sev, _ in found)
    assert any("20805" in msg and "110.00" in msg for _, msg in found)


def test_a_scans_economic_code_is_checked_against_the_fixed_name_beside_it() -> None:
    from services.parse.grid.ocr_rows import INFERRED, economic_code

    # 30102 津贴补贴 with its "2" read as "7": the name names the code
    code, conf, note = economic_code("30107", "津贴补贴", [])
    assert (code, conf) == ("30102", INFERRED) and note and "推定为 30102" in note
    # no code read at all: likewise
    assert economic_code(None, "办公费", [])[:2] == ("30201", INFERRED)
    # code and name agree: as read
    assert economic_code("30201", "办公费", []) == ("30201", 1.0, None)
    # a name we do not know: the code is taken as read, but not surely
    assert economic_code("30201", "某某费用", [])[:2] == ("30201", INFERRED)

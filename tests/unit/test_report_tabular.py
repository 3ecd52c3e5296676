"""The Excel and CSV reports: the agreed columns, one row per finding, text kept as text (no formula
injection), the batch summary's counts, and the same rows in both formats."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from services import pipeline
from services.report.tabular import (
    FINDING_COLUMNS,
    batch_csv,
    batch_xlsx,
    display_width,
    document_csv,
    document_xlsx,
    neutralise,
)
from shared.models import (
    CATEGORY_ZH,
    Category,
    DocumentMeta,
    DocumentReport,
    Evidence,
    Finding,
    Prov,
    RuleCoverage,
    RuleStatus,
    Severity,
)
from tests.conftest import seed_path

AGREED_COLUMNS = [
    "序号",
    "部门",
    "规则",
    "严重程度",
    "类别",
    "问题描述",
    "陈述值",
    "应为",
    "推算方法",
    "页码",
    "表",
    "行",
    "列",
    "原文",
]


def make_report(department: str = "测试局", name: str = "测试局2023年决算.pdf") -> DocumentReport:
    meta = DocumentMeta(
        source_name=name,
        sha256="ab" * 32,
        kind="pdf",
        department=department,
        year=2023,
        page_count=30,
        page_labels={21: "18"},
    )
    findings = [
        Finding(
            code="N301",
            category=Category.NARRATIVE_TABLE,
            severity=Severity.ERROR,
            title="说明金额与报表不一致",
            message="说明中基本支出为 12.30 万元，报表为 13.30 万元。",
            evidence=[
                Evidence(quote="=SUM(A1)", prov=Prov(page=21, line=4)),
                Evidence(
                    quote="基本支出 13.30",
                    table="公开03表 一般公共预算财政拨款支出决算表",
                    row="301 工资福利支出",
                    column="决算数",
                    prov=Prov(page=13),
                ),
            ],
            stated=["-12.30", "12.30万元"],
            expected="13.30万元",
            derivation="与公开03表比对",
            suspect="两张报表一致，说明中的数字可能有误",
        ),
        Finding(
            code="A401",
            category=Category.NARRATIVE_ARITHMETIC,
            severity=Severity.WARNING,
            title="增减幅度计算错误",
            message="+cmd|' /C calc'!A0",
            evidence=[Evidence(quote="@SUM(1)", prov=Prov(page=5))],
            stated=["-foo"],
            expected="10.00%",
            confidence=0.6,
            downgraded=True,
            note="数字经 OCR 修正",
        ),
        Finding(
            code="W701",
            category=Category.WORDING,
            severity=Severity.INFO,
            title="用词不规范",
            message="“决算”写作“预算”。",
        ),
        Finding(
            code="A402",
            category=Category.NARRATIVE_ARITHMETIC,
            severity=Severity.ERROR,
            title="增减方向用词矛盾",
            message="较上年减少，说明写作增长。",
            evidence=[Evidence(quote="增长 5%", prov=Prov(page=6))],
        ),
    ]
    coverage = [
        RuleCoverage(code="N301", title="说明金额与报表不一致", status=RuleStatus.RAN, checks=7),
        RuleCoverage(code="T101", title="表内合计", status=RuleStatus.RAN, checks=40),
        RuleCoverage(code="P601", title="绩效评分", status=RuleStatus.NOT_RUN, reason="未找到绩效自评表"),
        RuleCoverage(code="X201", title="表间勾稽", status=RuleStatus.FAILED),
    ]
    return DocumentReport(document=meta, findings=findings, coverage=coverage)


def failed_report(error: str, name: str = "坏文件.pdf") -> DocumentReport:
    return DocumentReport(document=DocumentMeta(source_name=name, department="失败局"), error=error)


def open_book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(book: openpyxl.Workbook, name: str) -> list[tuple]:
    return list(book[name].iter_rows(values_only=True))


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --------------------------------------------------------------------------- Excel, one document


def test_document_xlsx_has_one_row_per_finding_under_the_agreed_headers():
    report = make_report()
    book = open_book(document_xlsx(report))
    assert book.sheetnames == ["问题清单", "文件信息", "检查覆盖"]
    sheet = book["问题清单"]
    rows = sheet_rows(book, "问题清单")
    assert list(rows[0][: len(AGREED_COLUMNS)]) == AGREED_COLUMNS
    assert list(rows[0]) == list(FINDING_COLUMNS)
    assert len(rows) - 1 == len(report.findings)
    last = get_column_letter(len(FINDING_COLUMNS))
    assert sheet.auto_filter.ref == f"A1:{last}{len(report.findings) + 1}"
    assert sheet.freeze_panes == "A2"
    # errors first, then warnings, then notes; numbered 1..n
    assert [r[0] for r in rows[1:]] == [1, 2, 3, 4]
    assert [r[3] for r in rows[1:]] == ["错误", "错误", "警告", "提示"]


def test_document_xlsx_cells_carry_the_finding_and_its_evidence():
    book = open_book(document_xlsx(make_report()))
    header, first = sheet_rows(book, "问题清单")[:2]
    row = dict(zip(header, first, strict=True))
    assert row["规则"] == "N301"
    assert row["部门"] == "测试局"
    assert row["类别"] == "说明与报表一致性"
    assert row["陈述值"] == "-12.30；12.30万元"
    assert row["应为"] == "13.30万元"
    assert row["页码"] == "第21页（页码18）；第13页"  # a PDF: no line numbers
    assert row["表"] == "—\n公开03表 一般公共预算财政拨款支出决算表"
    assert row["行"] == "—\n301 工资福利支出"
    assert row["原文"] == "=SUM(A1)\n基本支出 13.30"
    assert row["可能有误处"] == "两张报表一致，说明中的数字可能有误"
    assert row["文件"] == "测试局2023年决算.pdf"


def test_document_xlsx_keeps_formula_like_text_as_text():
    report = make_report()
    report.findings[0].evidence = [Evidence(quote="=SUM(A1)", prov=Prov(page=21))]
    sheet = open_book(document_xlsx(report))["问题清单"]
    quote = sheet.cell(row=2, column=FINDING_COLUMNS.index("原文") + 1)
    assert quote.value == "=SUM(A1)" and quote.data_type == "s"
    stated = sheet.cell(row=2, column=FINDING_COLUMNS.index("陈述值") + 1)
    assert stated.data_type == "s"


def test_document_xlsx_header_is_bold_and_severity_cells_are_coloured_apart():
    sheet = open_book(document_xlsx(make_report()))["问题清单"]
    assert sheet["A1"].font.bold and sheet["A1"].fill.fgColor.rgb not in (None, "00000000")
    col = FINDING_COLUMNS.index("严重程度") + 1
    fills = {
        sheet.cell(row=r, column=col).value: sheet.cell(row=r, column=col).fill.fgColor.rgb for r in (2, 4, 5)
    }
    assert set(fills) == {"错误", "警告", "提示"}
    assert len(set(fills.values())) == 3
    # long text wraps and gets a wider column than a short code
    message_col = get_column_letter(FINDING_COLUMNS.index("问题描述") + 1)
    assert sheet.column_dimensions[message_col].width > sheet.column_dimensions["C"].width
    assert sheet.cell(row=2, column=FINDING_COLUMNS.index("问题描述") + 1).alignment.wrap_text


def test_document_xlsx_file_information_and_coverage():
    book = open_book(document_xlsx(make_report()))
    info = dict(sheet_rows(book, "文件信息")[1:])
    assert info["文件名"] == "测试局2023年决算.pdf"
    assert info["年度"] == 2023 and info["页数"] == 30
    assert info["SHA-256"] == "ab" * 32
    assert (info["错误"], info["警告"], info["提示"]) == (2, 1, 1)
    header, *rows = sheet_rows(book, "检查覆盖")
    status = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert status["N301"]["状态"] == "发现问题" and status["N301"]["比对次数"] == 7
    assert status["T101"]["状态"] == "通过"
    assert status["P601"]["状态"] == "未检查" and status["P601"]["说明"] == "未找到绩效自评表"
    assert status["X201"]["状态"] == "未检查" and status["X201"]["说明"]


def test_document_xlsx_of_a_file_that_could_not_be_checked_says_why_first():
    book = open_book(document_xlsx(failed_report("文件已加密，无法读取。")))
    assert book.sheetnames[0] == "无法检查"
    header, row = sheet_rows(book, "无法检查")
    values = dict(zip(header, row, strict=True))
    assert values["状态"] == "无法检查" and values["原因"] == "文件已加密，无法读取。"


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1+1", "'+1+1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-foo", "'-foo"),
        ("-12.30", "-12.30"),
        ("-.5", "-.5"),
        ("12.30万元", "12.30万元"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_document_csv_has_bom_crlf_and_the_same_rows_as_the_sheet():
    report = make_report()
    data = document_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = csv_rows(data)
    assert rows[0] == list(FINDING_COLUMNS)
    assert len(rows) - 1 == len(report.findings)
    # every record ends in CRLF; the newlines inside quoted cells are the only bare ones
    assert text.endswith("\r\n") and text.count("\r\n") == len(rows)
    by_code = {r[2]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_code["N301"]["原文"] == "'=SUM(A1)\n基本支出 13.30"
    assert by_code["N301"]["陈述值"] == "-12.30；12.30万元"
    assert by_code["A401"]["问题描述"].startswith("'+cmd")
    assert by_code["A401"]["原文"] == "'@SUM(1)"
    assert by_code["A401"]["陈述值"] == "'-foo"


def test_document_csv_of_a_file_that_could_not_be_checked_is_one_row():
    rows = csv_rows(document_csv(failed_report("文件已加密，无法读取。")))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert "文件已加密" in row["问题描述"] and row["文件"] == "坏文件.pdf"


# --------------------------------------------------------------------------- batch


def test_batch_xlsx_summary_first_with_counts_by_severity_and_category():
    reports = [
        make_report("甲局", "甲.pdf"),
        failed_report("文件已加密，无法读取。", "乙.pdf"),
        make_report("丙局", "丙.pdf"),
        failed_report("重复文件：与本批次中已上传的文件（甲.pdf）内容完全相同，未重复检查。", "甲副本.pdf"),
    ]
    book = open_book(batch_xlsx(reports, title="2023年决算批次"))
    assert book.sheetnames == ["汇总", "全部问题", "无法检查"]
    sheet = book["汇总"]
    header, *rows = sheet_rows(book, "汇总")
    assert list(header[:7]) == ["部门", "文件", "年度", "状态", "错误", "警告", "提示"]
    assert list(header[7:-1]) == [CATEGORY_ZH[c] for c in Category]
    assert header[-1] == "说明"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(header))}5"  # the 合计 row stays outside
    table = [dict(zip(header, r, strict=True)) for r in rows]
    first, failed, _, duplicate, total = table
    assert first["状态"] == "已完成" and first["错误"] == 2 and first["警告"] == 1 and first["提示"] == 1
    assert first["说明与报表一致性"] == 1 and first["说明内部计算"] == 2 and first["文字规范"] == 1
    assert first["完整性"] == 0
    assert failed["状态"] == "无法检查" and failed["说明"] == "文件已加密，无法读取。" and failed["错误"] == 0
    assert duplicate["状态"] == "重复"
    assert total["部门"] == "合计"
    assert total["错误"] == 4 and total["说明内部计算"] == 4 and total["表内勾稽"] == 0
    assert all(isinstance(total[c], int) for c in header[4:-1])
    findings = sheet_rows(book, "全部问题")
    assert list(findings[0]) == list(FINDING_COLUMNS)
    assert len(findings) - 1 == 8
    assert [r[0] for r in findings[1:]] == list(range(1, 9))
    assert {r[1] for r in findings[1:]} == {"甲局", "丙局"}
    assert [r[1] for r in sheet_rows(book, "无法检查")[1:]] == ["乙.pdf", "甲副本.pdf"]


def test_batch_csv_lists_every_finding_and_every_failed_file():
    reports = [make_report("甲局", "甲.pdf"), failed_report("文件已加密，无法读取。", "乙.pdf")]
    rows = csv_rows(batch_csv(reports))
    assert rows[0] == list(FINDING_COLUMNS)
    assert len(rows) - 1 == 4 + 1
    assert [r[-1] for r in rows[1:]] == ["甲.pdf"] * 4 + ["乙.pdf"]
    assert "文件已加密" in rows[-1][FINDING_COLUMNS.index("问题描述")]


def test_display_width_counts_cjk_double():
    assert display_width("abc") == 3
    assert display_width("问题abc") == 7
    assert display_width("短\n长一些的行") == 10


# --------------------------------------------------------------------------- a real document


def test_seed_report_gives_the_same_rows_in_excel_and_csv():
    report, _ = pipeline.check_file(seed_path("003"))
    assert report.findings and not report.error
    sheet_header, *sheet = sheet_rows(open_book(document_xlsx(report)), "问题清单")
    csv_header, *table = csv_rows(document_csv(report))
    assert list(sheet_header) == csv_header == list(FINDING_COLUMNS)
    assert len(sheet) == len(table) == len(report.findings)
    assert sorted(r[2] for r in sheet) == sorted(f.code for f in report.findings)
    for xlsx_row, csv_row in zip(sheet, table, strict=True):
        as_text = ["" if v is None else str(v) for v in xlsx_row]
        assert [c.removeprefix("'") for c in csv_row] == [c.removeprefix("'") for c in as_text]
    # a text file: the line numbers are given, and the printed page number where it differs
    assert any("第18页（页码22） 第" in r[FINDING_COLUMNS.index("页码")] for r in table)

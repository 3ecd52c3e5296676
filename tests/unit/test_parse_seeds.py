"""The parser on the four real documents: tables found by title, amounts right cell by cell,
OCR repairs marked, 科目编码/行次 never read as amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.knowledge.tables import TableKind
from tests.conftest import parsed_seed

D = Decimal


def cells(table, code: str) -> dict[str, Decimal | None]:
    row = table.rows_by_code()[code]
    return {k: c.value if c.state == "number" else None for k, c in row.cells.items()}


def test_003_expenditure_row_with_missing_empty_cells():
    doc = parsed_seed("003")
    t03 = doc.table(TableKind.EXPENDITURE)
    row = cells(t03, "2010301")
    assert (row["本年支出合计"], row["基本支出"], row["项目支出"]) == (D("1954.56"), D("1924.56"), D("30.00"))
    assert row["上缴上级支出"] is None and row["经营支出"] is None
    # two numbers for six columns: only 项目支出 makes 20103 add up, so that is where 230.72 goes
    assert cells(t03, "2010302")["项目支出"] == D("230.72")
    assert cells(t03, "2010302")["基本支出"] is None


def test_003_all_tables_found_by_title():
    doc = parsed_seed("003")
    assert {t.kind for t in doc.tables} == set(TableKind)
    labels = {t.kind: t.number_label for t in doc.tables}
    assert labels[TableKind.THREE_PUBLIC] == "公开09表"  # numbering differs from the template: titles decide
    assert doc.department == "景德镇市人民政府办公室" and doc.year == 2023 and doc.unit == "万元"


def test_003_income_table_columns_resolved_from_summary_table():
    doc = parsed_seed("003")
    t02 = doc.table(TableKind.INCOME)
    total = next(r for r in t02.rows if r.code is None)
    assert total.cells["其他收入"].value == D("1.73")
    assert total.cells["上级补助收入"].state == "empty"
    assert cells(t02, "2299999")["其他收入"] == D("1.73")


def test_003_summary_tables_keep_row_numbers_out_of_amounts():
    doc = parsed_seed("003")
    t01 = doc.table(TableKind.INCOME_EXPENDITURE_SUMMARY)
    nine = next(r for r in t01.rows if r.side == "expenditure" and r.code == "210")
    assert nine.row_no == 40 and nine.cells["决算数"].value == D("100.26")
    totals = [r for r in t01.rows if r.name == "总计"]
    assert [r.cells["决算数"].value for r in totals] == [D("2695.61"), D("2695.61")]
    t04 = doc.table(TableKind.FISCAL_SUMMARY)
    spend = next(r for r in t04.rows if r.side == "expenditure" and r.name == "本年支出合计")
    assert spend.cells["一般公共预算财政拨款"].value == D("2693.88")
    assert spend.cells["政府性基金预算财政拨款"].state == "empty"


def test_003_basic_expenditure_three_column_groups():
    doc = parsed_seed("003")
    t06 = doc.table(TableKind.GENERAL_BUDGET_BASIC)
    by = {r.code or r.name: r.cells["金额"] for r in t06.rows}
    assert by["30101"].value == D("380.60") and by["30201"].value == D("25.12")
    assert by["30203"].state == "empty"  # 咨询费: empty, not the next line's 667.20
    assert by["30107"].value == D("667.20")
    assert by["30217"].value == D("1.10") and by["30231"].value == D("10.52")
    assert by["人员经费合计"].value == D("2114.08") and by["公用经费合计"].value == D("319.08")


def test_003_three_public_and_assets():
    doc = parsed_seed("003")
    tp = {r.group: r for r in doc.table(TableKind.THREE_PUBLIC).rows}
    assert tp["total"].cells["年初预算数"].value == D("19.77")
    assert tp["total"].cells["决算数"].value == D("20.89")
    assert tp["reception_batches"].cells["决算数"].value == 10
    assert tp["reception_persons"].cells["决算数"].value == 57
    assert tp["reception_domestic"].cells["年初预算数"].state == "text"  # "——" is text, not 0
    assets = {r.group: r.cells["决算数"].value for r in doc.table(TableKind.STATE_ASSETS).rows}
    assert assets["vehicles_total"] == 3 and assets["vehicle_special"] == 2


def test_000_ocr_amounts_with_lost_decimal_points():
    doc = parsed_seed("000")
    t05 = doc.table(TableKind.GENERAL_BUDGET_EXPENDITURE)
    row = cells(t05, "2010308")
    assert (row["本年支出合计"], row["基本支出"], row["项目支出"]) == (D("344.98"), D("11.78"), D("333.20"))
    t03 = doc.table(TableKind.EXPENDITURE)
    total = next(r for r in t03.rows if r.code is None)
    assert total.cells["本年支出合计"].value == D("586.91")
    assert total.cells["本年支出合计"].confidence < 1.0  # "586 91": repaired
    assert total.cells["经营支出"].value == D("0.00")
    assert cells(t03, "2160699")["本年支出合计"] == D("20.00")


def test_000_basic_expenditure_fragmented_ocr_layout():
    doc = parsed_seed("000")
    by = {r.code or r.name: r.cells["金额"] for r in doc.table(TableKind.GENERAL_BUDGET_BASIC).rows}
    assert by["30217"].value == D("1.50") and by["30217"].confidence < 1.0  # "I. 50"
    assert by["301"].value == D("228.84")
    assert by["30108"].value == D("20.30")  # code and amount on different lines
    assert by["30106"].value == D("0.00") and by["30107"].value == D("0.00")
    assert by["30203"].value == D("0.00")  # "o on"
    assert by["30231"].value == D("7.74") and by["30239"].value == D("2.54")
    assert by["30302"].value == D("13.09")
    assert by["人员经费合计"].value == D("241.93") and by["公用经费合计"].value == D("11.78")
    assert by["30299"].value == D("0.00")  # tail printed before the table's own title


def test_000_fiscal_summary_ocr():
    doc = parsed_seed("000")
    t04 = doc.table(TableKind.FISCAL_SUMMARY)
    inc = {r.row_no: r.cells["决算数"].value for r in t04.rows if r.side == "income"}
    assert inc[1] == D("572.96") and inc[28] == D("245.14") and inc[32] == D("818.10")
    spend = {r.row_no: r for r in t04.rows if r.side == "expenditure"}
    assert spend[47].code == "216" and spend[47].cells["小计"].value == D("20.00")
    assert spend[60].cells["小计"].value == D("231.19")


def test_000_uncertain_ocr_values_are_marked_not_guessed():
    doc = parsed_seed("000")
    tp = {r.group: r for r in doc.table(TableKind.THREE_PUBLIC).rows}
    persons = tp["reception_persons"].cells["决算数"]  # printed "55。2"
    assert persons.confidence < 0.6 and D(552) in persons.alternatives + [persons.value]
    assets = doc.table(TableKind.STATE_ASSETS)
    assert all(r.cells["决算数"].confidence < 0.6 for r in assets.rows)


@pytest.mark.parametrize("prefix", ["001", "002"])
def test_narrative_only_documents(prefix):
    doc = parsed_seed(prefix)
    assert doc.tables == []
    topics = {c.topic for c in doc.claims}
    assert {"income", "expenditure", "fiscal", "basic", "three_public"} <= topics


def test_002_score_table():
    doc = parsed_seed("002")
    (table,) = doc.score_tables
    assert table.total_weight == 100 and table.total_score == 98
    assert sum(i.weight for i in table.items) == 100


def test_repeated_economic_code_does_not_hang():
    from services.ingest.text import extract_text_document
    from services.parse.document import parse_document

    text = (
        "第一部分 某局部门概况\n本部门2023年度部门决算，财政拨款，基本支出。\n"
        "一般公共预算财政拨款基本支出决算表\n公开06表\n"
        "301 工资福利支出 10 00 302 商品和服务支出 2 00\n30101 基本工资 10 00 30201 办公费 2 00 30201 2 00\n"
        "人员经费合计 10 00 公用经费合计 2 00\n注：本表反映基本支出。\n"
    ) * 2
    doc = parse_document(extract_text_document("x.txt", text.encode("utf-8")))
    assert doc.tables
